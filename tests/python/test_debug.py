"""set_debuglevel(1) prints exactly what http.client prints, non-ASCII
reason phrases and header values and skipped 100 Continue headers included."""

import contextlib
import http.client
import io
import socket
import threading
import unittest

import httpc

REPLY = (b"HTTP/1.1 100 Continue\r\nX: y\r\n\r\n"
         b"HTTP/1.1 200 Caf\xe9\r\nX-L: \xe9t\xe9 \x85\r\nContent-Length: 2\r\n\r\nok")


def debug_output(module):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10)
    port = listener.getsockname()[1]

    def serve():
        conn, _ = listener.accept()
        conn.settimeout(10)
        conn.recv(65536)
        conn.sendall(REPLY)
        conn.close()
        listener.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    out = io.StringIO()
    c = module.HTTPConnection("127.0.0.1", port, timeout=10)
    c.set_debuglevel(1)
    with contextlib.redirect_stdout(out):
        c.request("GET", "/")
        r = c.getresponse()
        body = r.read()
    c.close()
    thread.join(10)
    return out.getvalue().replace(str(port), "PORT"), body


class DebugOutput(unittest.TestCase):
    def test_same_lines_as_http_client(self):
        expected = debug_output(http.client)
        got = debug_output(httpc)
        self.assertEqual(got, expected)
        self.assertIn("headers: [b'X: y\\r\\n', b'\\r\\n']", got[0])


if __name__ == "__main__":
    unittest.main()
