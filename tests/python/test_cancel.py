"""conn.close() from another thread interrupts a call blocked on the
connection (connect, TLS handshake, CONNECT, send, getresponse, read): the
call raises ConnectionAbortedError (an OSError) within 100 ms, and the
connection then works again against a healthy server.

The server in front of the client is a Gate on 127.0.0.1: shut, it accepts
nothing (the kernel completes handshakes into the accept queue and buffers
what the client sends); stalling, it answers a request with the start of a
reply and holds the connection; open, it relays connections to an upstream
(a local server here; nginx HTTPS for the TLS phase when with-servers.sh runs
us, see real_cancel.py)."""

import os
import select
import socket
import threading
import time
import unittest

import httpc
from local_server import SlowServer

INTERRUPT_AFTER = 0.2
PROMPT = 0.1  # the bound from close() to the raise
BODY = b"x" * 100


class Gate:
    def __init__(self, upstream_port, backlog=16, stall=None, proxy=False,
                 lifetime=30.0):
        self.upstream_port, self.stall, self.proxy = upstream_port, stall, proxy
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(backlog)
        self.port = self.sock.getsockname()[1]
        self.opened = threading.Event()
        self.stopped = threading.Event()
        self.deadline = time.monotonic() + lifetime
        self.fillers, self.held = [], []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def fill(self):
        """Fills a backlog-0 accept queue until a connect hangs: the kernel
        then drops SYNs to the listener and a connect waits."""
        for _ in range(8):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", self.port))
            self.fillers.append(s)
            if not select.select([], [s], [], 0.3)[1]:
                return
        raise AssertionError("could not fill the accept queue")

    def open(self):
        for s in self.fillers:
            s.close()
        self.fillers = []
        self.opened.set()

    def stop(self):
        self.stopped.set()
        self.thread.join()
        for s in self.fillers + self.held:
            s.close()
        self.sock.close()

    def _alive(self):
        return not self.stopped.is_set() and time.monotonic() < self.deadline

    def _run(self):
        while self._alive():
            if not self.opened.is_set() and self.stall is None:
                self.opened.wait(0.02)
                continue
            if not select.select([self.sock], [], [], 0.02)[0]:
                continue
            c, _ = self.sock.accept()
            if self.opened.is_set():
                threading.Thread(target=self._relay, args=(c,), daemon=True).start()
            else:
                self._read_head(c)
                c.sendall(self.stall)
                self.held.append(c)

    def _read_head(self, c):
        buf = b""
        c.settimeout(5)
        try:
            while b"\r\n\r\n" not in buf:
                d = c.recv(4096)
                if not d:
                    break
                buf += d
        except OSError:
            pass
        c.settimeout(None)

    def _relay(self, c):
        try:
            if self.proxy:
                self._read_head(c)
                c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            up = socket.create_connection(("127.0.0.1", self.upstream_port), 5)
        except OSError:
            c.close()
            return
        with c, up:
            while self._alive():
                ready = select.select([c, up], [], [], 0.05)[0]
                for s in ready:
                    try:
                        d = s.recv(65536)
                        if d:
                            (up if s is c else c).sendall(d)
                    except OSError:  # a client that was interrupted resets
                        d = b""
                    if not d:
                        return


class Interrupter:
    """Calls conn.close() from another thread after INTERRUPT_AFTER."""

    def __init__(self, conn):
        self.conn, self.closed_at = conn, None
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self):
        time.sleep(INTERRUPT_AFTER)
        self.closed_at = time.monotonic()
        self.conn.close()


class ClosePhases(unittest.TestCase):
    def setUp(self):
        self.upstream = SlowServer(body=BODY)
        self.addCleanup(self.upstream.stop)

    def gate(self, **kw):
        g = Gate(self.upstream.port, **kw)
        self.addCleanup(g.stop)
        return g

    def expect_aborted(self, conn, blocking_call):
        it = Interrupter(conn)
        with self.assertRaises(ConnectionAbortedError) as cm:
            blocking_call()
        raised_at = time.monotonic()
        it.thread.join()
        self.assertIsInstance(cm.exception, OSError)
        self.assertEqual(cm.exception.errno, 103)  # ECONNABORTED
        self.assertIsNotNone(it.closed_at, "the call ended before close()")
        self.assertGreaterEqual(raised_at, it.closed_at)
        self.assertLess(raised_at - it.closed_at, PROMPT)
        self.assertIsNone(conn.sock)

    def expect_works_again(self, conn):
        conn.request("GET", "/small")
        resp = conn.getresponse()
        self.assertEqual((resp.status, resp.read()), (200, BODY))

    def test_connect_to_a_full_accept_queue(self):
        g = self.gate(backlog=0)
        g.fill()
        conn = httpc.HTTPConnection("127.0.0.1", g.port, timeout=10)
        self.expect_aborted(conn, conn.connect)
        g.open()
        self.expect_works_again(conn)

    def test_request_waiting_for_a_full_accept_queue(self):
        g = self.gate(backlog=0)
        g.fill()
        conn = httpc.HTTPConnection("127.0.0.1", g.port, timeout=10)
        self.expect_aborted(conn, lambda: conn.request("GET", "/small"))
        g.open()
        self.expect_works_again(conn)

    def test_tls_handshake_with_a_silent_server(self):
        g = self.gate()
        ctx = httpc.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = 0
        conn = httpc.HTTPSConnection("127.0.0.1", g.port, timeout=10, context=ctx)
        self.expect_aborted(conn, conn.connect)

    def test_getresponse_with_a_silent_server(self):
        g = self.gate()
        conn = httpc.HTTPConnection("127.0.0.1", g.port, timeout=10)
        conn.request("GET", "/small")
        self.expect_aborted(conn, conn.getresponse)
        g.open()
        self.expect_works_again(conn)

    def test_send_with_the_server_not_reading(self):
        g = self.gate()
        conn = httpc.HTTPConnection("127.0.0.1", g.port, timeout=10)
        body = bytes(64 << 20)  # far more than the socket buffers hold
        self.expect_aborted(conn, lambda: conn.request("POST", "/post", body))
        g.open()
        self.expect_works_again(conn)

    def test_send_of_an_iterable_body(self):
        g = self.gate()
        conn = httpc.HTTPConnection("127.0.0.1", g.port, timeout=10)

        def chunks():
            while True:
                yield bytes(1 << 20)

        self.expect_aborted(conn, lambda: conn.request("POST", "/post", chunks()))
        g.open()
        self.expect_works_again(conn)

    def test_connect_tunnel_with_a_silent_proxy(self):
        g = self.gate(proxy=True)
        conn = httpc.HTTPConnection("127.0.0.1", g.port, timeout=10)
        conn.set_tunnel("127.0.0.1", self.upstream.port)
        self.expect_aborted(conn, lambda: conn.request("GET", "/small"))
        g.open()
        self.expect_works_again(conn)
        self.assertIsNotNone(conn.get_proxy_response_headers())

    def read_stalls(self, head, read):
        g = self.gate(stall=head)
        conn = httpc.HTTPConnection("127.0.0.1", g.port, timeout=10)
        conn.request("GET", "/small")
        resp = conn.getresponse()
        self.assertEqual(resp.read1(100), b"first bytes")
        self.expect_aborted(conn, lambda: read(resp))
        g.open()
        self.expect_works_again(conn)

    def test_read_with_the_server_silent(self):
        self.read_stalls(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst bytes",
                         lambda r: r.read())

    def test_read_amount_with_the_server_silent(self):
        self.read_stalls(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst bytes",
                         lambda r: r.read(50))

    def test_readline_of_a_response_that_took_the_socket(self):
        self.read_stalls(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nfirst bytes",
                         lambda r: r.readline())

    def test_readinto_of_a_chunked_body(self):
        self.read_stalls(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"b\r\nfirst bytes\r\n", lambda r: r.readinto(bytearray(64)))


class CloseAtAnyMoment(unittest.TestCase):
    def test_close_when_idle_just_closes(self):
        srv = SlowServer(body=BODY)
        self.addCleanup(srv.stop)
        conn = httpc.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        conn.request("GET", "/")
        conn.getresponse().read()
        t = threading.Thread(target=conn.close)
        t.start()
        t.join()
        self.assertIsNone(conn.sock)
        conn.request("GET", "/")
        self.assertEqual(conn.getresponse().read(), BODY)

    def test_never_poisons_the_next_request_nor_leaks(self):
        """close() lands at random moments of request/getresponse/read; the
        call it hits raises ConnectionAbortedError or completes (as under
        http.client, a close between two calls makes getresponse raise
        ResponseNotReady, or read return b""), and a request made after it
        always works. Descriptors do not pile up."""
        srv = SlowServer(delay=0.002, body=BODY)
        self.addCleanup(srv.stop)
        conn = httpc.HTTPConnection("127.0.0.1", srv.port, timeout=10)

        def fds():
            return len(os.listdir("/proc/self/fd"))

        def one():
            conn.request("GET", "/")
            return conn.getresponse().read()

        self.assertEqual(one(), BODY)
        before = fds()
        aborted = completed = 0
        for i in range(100):
            t = threading.Timer(0.0005 * (i % 8), conn.close)
            t.start()
            try:
                self.assertIn(one(), (BODY, b""))
                completed += 1
            except ConnectionAbortedError:
                aborted += 1
            except httpc.ResponseNotReady:
                completed += 1
            t.join()
            self.assertEqual(one(), BODY)  # after the close, whatever it hit
        self.assertGreater(aborted, 0)
        self.assertLessEqual(fds(), before + 1)

    def test_other_threads_keep_running(self):
        g = Gate(0)
        self.addCleanup(g.stop)
        conn = httpc.HTTPConnection("127.0.0.1", g.port, timeout=10)
        conn.request("GET", "/")
        ticks = []
        stop = threading.Event()

        def ticker():
            while not stop.is_set():
                ticks.append(1)
                time.sleep(0.01)

        t = threading.Thread(target=ticker)
        t.start()
        threading.Timer(0.3, conn.close).start()
        with self.assertRaises(ConnectionAbortedError):
            conn.getresponse()
        stop.set()
        t.join()
        self.assertGreater(len(ticks), 10)


if __name__ == "__main__":
    unittest.main()
