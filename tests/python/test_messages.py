"""Control bytes are never raw in a message: a server's bytes (status line,
header, chunk size) and a caller's (method, URL, header) show up escaped as
Python's repr escapes them, in the C library's last-error message, in the
Python exception, and in the CLI's error line; the caller's errors read as
http.client's do."""

import http.client
import os
import socket
import subprocess
import sys
import threading
import unittest

import httpc
from httpc import _httpc_raw

BUILD = os.environ.get("HTTPC_BUILD_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build")
CLI = os.path.join(BUILD, "bin", "httpc")
ESC = "\x1b]0;owned\x07\x1b[2J"  # set the terminal title, clear the screen

# Replies carrying terminal escapes where httpc reports the bytes it got.
REPLIES = {
    "status line": b"\x1b[31mHTTP/1.1 200 OK" + ESC.encode() + b"\r\n\r\n",
    "header": (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3, "
               + ESC.encode() + b"\r\n\r\nok"),
    "chunk size": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"zz" + ESC.encode() + b"\r\n"),
}


class OneReplyServer:
    """Answers each of `count` connections with `reply` after the request
    head, then closes; stops by itself after 30 s."""

    def __init__(self, reply, count=1):
        self.reply = reply
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(30)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, args=(count,), daemon=True)
        self.thread.start()

    def _serve(self, count):
        try:
            for _ in range(count):
                c, _ = self.sock.accept()
                with c:
                    c.settimeout(10)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        more = c.recv(65536)
                        if not more:
                            break
                        data += more
                    c.sendall(self.reply)
        except OSError:
            pass
        finally:
            self.sock.close()


def one_printable_line(text):
    return text.isprintable() and "\n" not in text and "\x1b" not in text


class ServerBytes(unittest.TestCase):
    def exchange(self, reply):
        server = OneReplyServer(reply)
        c = httpc.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            c.request("GET", "/")
            c.getresponse().read()
        except Exception as exc:
            return exc, _httpc_raw.httpc_last_error_message()
        finally:
            c.close()
        self.fail("no error for %r" % reply)

    def test_python_and_c_messages(self):
        expected = {"status line": (httpc.BadStatusLine, "BadStatusLine: '\\x1b[31mHTTP"),
                    "header": (httpc.InvalidContentLength, "\\x1b]0;owned\\x07"),
                    "chunk size": (httpc.InvalidChunk,
                                   "invalid chunk size line: b'zz\\x1b]0;owned\\x07\\x1b[2J\\r\\n'")}
        for name, reply in REPLIES.items():
            with self.subTest(name):
                exc, c_message = self.exchange(reply)
                cls, shown = expected[name]
                self.assertIsInstance(exc, cls)
                self.assertTrue(one_printable_line(c_message), c_message)
                self.assertIn(shown, c_message)
                self.assertTrue(one_printable_line(str(exc)), str(exc))
                self.assertTrue(one_printable_line(repr(exc)), repr(exc))

    def test_long_line_is_cut(self):
        exc, c_message = self.exchange(b"\x1b" * 5000 + b"\r\n\r\n")
        self.assertIsInstance(exc, httpc.BadStatusLine)
        self.assertTrue(one_printable_line(c_message))
        self.assertTrue(c_message.endswith("\\x1b'..."), c_message[-20:])
        self.assertLess(len(c_message), 512)

    def test_status_line_keeps_the_line(self):
        exc, _ = self.exchange(REPLIES["status line"])
        self.assertEqual(exc.line, REPLIES["status line"].split(b"\r\n")[0].decode("latin-1") + "\r\n")

    def test_invalid_chunk_is_incomplete_read(self):
        exc, _ = self.exchange(REPLIES["chunk size"])
        self.assertIsInstance(exc, http.client.IncompleteRead)
        self.assertEqual(exc.partial, b"")

    def test_error_of_a_response_dropped_at_once(self):
        """`conn.getresponse().read()`: the response is freed as read()
        raises. In a new interpreter (a cold type cache: the case that lost
        the exception to a SystemError) the error is still the read's."""
        server = OneReplyServer(REPLIES["chunk size"])
        script = ("import httpc\n"
                  "c = httpc.HTTPConnection('127.0.0.1', %d, timeout=10)\n"
                  "c.request('GET', '/')\n"
                  "try:\n"
                  "    c.getresponse().read()\n"
                  "except Exception as exc:\n"
                  "    print(type(exc).__name__, isinstance(exc, httpc.IncompleteRead))\n"
                  % server.port)
        run = subprocess.run([sys.executable, "-c", script], capture_output=True,
                             timeout=60, env=os.environ)
        self.assertEqual(run.stdout.decode(), "InvalidChunk True\n", run.stderr.decode())

    @unittest.skipUnless(os.access(CLI, os.X_OK), "no CLI built")
    def test_cli_error_line(self):
        for name, reply in REPLIES.items():
            with self.subTest(name):
                server = OneReplyServer(reply)
                run = subprocess.run([CLI, "http://127.0.0.1:%d/" % server.port],
                                     capture_output=True, timeout=30)
                self.assertNotEqual(run.returncode, 0)
                err = run.stderr.decode("ascii")  # raises on a raw non-ASCII byte
                self.assertEqual(err.count("\n"), 1, err)
                self.assertTrue(one_printable_line(err[:-1]), err)
                self.assertIn("\\x1b", err)

    @unittest.skipUnless(os.access(CLI, os.X_OK), "no CLI built")
    def test_cli_caller_bytes(self):
        run = subprocess.run([CLI, "-H", "X-A: 1\r\nInjected: 2", "http://127.0.0.1:1/\x1b[2J"],
                             capture_output=True, timeout=30)
        self.assertNotEqual(run.returncode, 0)
        err = run.stderr.decode("ascii")
        self.assertIn("(found at least '\\x1b')", err)
        self.assertNotIn("\x1b", err)
        self.assertNotIn("\r", err)
        for line in err.splitlines():
            self.assertTrue(one_printable_line(line), err)


class CallerBytes(unittest.TestCase):
    """The same misuse through http.client and httpc: same class, same text,
    and that text is one printable line."""

    CASES = {
        "method": lambda m: m.HTTPConnection("127.0.0.1", 1).putrequest(
            "GET\r\nX-Injected: 1\x1b[2J", "/"),
        "url": lambda m: m.HTTPConnection("127.0.0.1", 1).putrequest(
            "GET", "/a\r\nX-Injected: 1\x1b[2J"),
        "url via request": lambda m: m.HTTPConnection("127.0.0.1", 1).request(
            "GET", "/a\r\n\x1b[2J"),
        "header name": lambda m: _with_request(m).putheader("X-A\r\n\x1b[2J", "v"),
        "header value": lambda m: _with_request(m).putheader("X-A", "v\r\nInjected: \x1b[2J"),
        "header value via request": lambda m: m.HTTPConnection("127.0.0.1", 1).request(
            "GET", "/", headers={"X-A": "v\r\n\x1b[2J"}),
    }

    def test_same_as_http_client(self):
        for name, call in self.CASES.items():
            with self.subTest(name):
                seen = []
                for mod in (http.client, httpc):
                    with self.assertRaises(ValueError if "url" not in name
                                           else http.client.InvalidURL) as caught:
                        call(mod)
                    seen.append((type(caught.exception).__name__, str(caught.exception)))
                self.assertEqual(seen[0], seen[1])
                self.assertTrue(one_printable_line(seen[1][1]), seen[1][1])


class OSErrorMessages(unittest.TestCase):
    """An OS error reads as the socket module's: "[Errno N] text" once (the C
    message carries the prefix; OSError adds it again if given it)."""

    def closed_port(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        return port

    def test_connection_refused_same_as_http_client(self):
        port = self.closed_port()
        seen = []
        for mod in (http.client, httpc):
            with self.assertRaises(ConnectionRefusedError) as caught:
                mod.HTTPConnection("127.0.0.1", port, timeout=10).request("GET", "/")
            e = caught.exception
            seen.append((str(e), e.errno, e.strerror, e.args))
        self.assertEqual(seen[0], seen[1])
        self.assertEqual(seen[1][0].count("[Errno"), 1, seen[1][0])

    def test_every_os_code_says_errno_once(self):
        from httpc._errors import make_exception
        for code, errno_, message in (
                (_httpc_raw.HTTPC_E_BROKEN_PIPE, 32, "[Errno 32] Broken pipe"),
                (_httpc_raw.HTTPC_E_CONNECTION_RESET, 104, "[Errno 104] Connection reset by peer"),
                (_httpc_raw.HTTPC_E_OS, 13, "[Errno 13] Permission denied"),
                (_httpc_raw.HTTPC_E_RESOLVE, 0, "[Errno -2] Name or service not known: x.invalid")):
            with self.subTest(message):
                e = make_exception(code, message, errno_, -1, "", None)
                self.assertIsInstance(e, OSError)
                self.assertEqual(str(e).count("[Errno"), 1, str(e))
                self.assertEqual(str(e), message)
        gai = make_exception(_httpc_raw.HTTPC_E_RESOLVE,
                             "[Errno -2] Name or service not known: x.invalid", 0, -1, "", None)
        self.assertEqual((gai.errno, gai.strerror), (-2, "Name or service not known: x.invalid"))


def _with_request(mod):
    c = mod.HTTPConnection("127.0.0.1", 1)
    c.putrequest("GET", "/")
    return c


if __name__ == "__main__":
    unittest.main()
