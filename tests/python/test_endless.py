"""A server that outruns the client (an endless body sent as fast as it
can, chunked or with a huge Content-Length) cannot outrun a cancel or a
deadline: close() from another thread, total_timeout, max_response_size,
and under httpc.aio task cancellation and asyncio.timeout(), each end the
read promptly with the right error, memory stays bounded, and the
connection serves the next request."""

import asyncio
import resource
import socket
import threading
import time
import unittest

import httpc
import httpc.aio as aio

# Generous bounds (the machine is shared): what matters is that the read
# ends at all while data keeps arriving, not the exact delay.
PROMPT = 2.0
PIECE = b"z" * 65536
SERVER_LIFETIME = 300.0


class EndlessServer(threading.Thread):
    """/chunked and /length: an endless body; /ok: 2 bytes. Keep-alive."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(SERVER_LIFETIME)
        self.port = self.sock.getsockname()[1]
        self.start()

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        chunk = b"%x\r\n%s\r\n" % (len(PIECE), PIECE)
        deadline = time.monotonic() + SERVER_LIFETIME
        with conn:
            f = conn.makefile("rb")
            try:
                while True:
                    line = f.readline()
                    if not line:
                        return
                    while f.readline() not in (b"\r\n", b""):
                        pass
                    path = line.split()[1]
                    if path == b"/ok":
                        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                        continue
                    if path == b"/chunked":
                        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                        piece = chunk
                    else:
                        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (1 << 50))
                        piece = PIECE
                    while time.monotonic() < deadline:
                        conn.sendall(piece)
                    return
            except OSError:
                return

    def close(self):
        self.sock.close()


def maxrss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Sync(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = EndlessServer()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def check_reusable(self, conn):
        conn.request("GET", "/ok")
        self.assertEqual(conn.getresponse().read(), b"ok")

    def test_close_from_another_thread(self):
        for path in ("/chunked", "/length"):
            for whole in (True, False):
                with self.subTest(path=path, whole=whole):
                    conn = httpc.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
                    conn.request("GET", path)
                    r = conn.getresponse()
                    closed_at = []

                    def close():
                        time.sleep(0.3)
                        closed_at.append(time.monotonic())
                        conn.close()
                    threading.Thread(target=close).start()
                    start = time.monotonic()
                    try:
                        if whole:
                            r.read()
                        else:
                            while r.read(65536):
                                if time.monotonic() - start > 30:
                                    break
                    except (ConnectionAbortedError, httpc.IncompleteRead, ValueError):
                        pass
                    ended = time.monotonic()
                    self.assertTrue(closed_at)
                    self.assertLess(ended - closed_at[0], PROMPT)
                    self.check_reusable(conn)
                    conn.close()

    def test_total_timeout(self):
        for path in ("/chunked", "/length"):
            with self.subTest(path=path):
                conn = httpc.HTTPConnection("127.0.0.1", self.server.port, timeout=30,
                                            total_timeout=0.5)
                before = maxrss_mib()
                conn.request("GET", path)
                r = conn.getresponse()
                start = time.monotonic()
                with self.assertRaises(TimeoutError):
                    while r.read(65536):
                        pass
                self.assertLess(time.monotonic() - start, 0.5 + PROMPT)
                self.assertLess(maxrss_mib() - before, 64)  # a read loop holds 64 KiB
                self.check_reusable(conn)
                conn.close()

    def test_max_response_size(self):
        for path in ("/chunked", "/length"):
            with self.subTest(path=path):
                conn = httpc.HTTPConnection("127.0.0.1", self.server.port, timeout=30,
                                            max_response_size=1 << 20)
                conn.request("GET", path)
                r = conn.getresponse()
                with self.assertRaises(httpc.ResponseTooLarge):
                    r.read()
                self.check_reusable(conn)
                conn.close()


class Async(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = EndlessServer()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def test_cancel_timeout_and_bounds(self):
        port = self.server.port

        async def reusable(conn):
            await conn.request("GET", "/ok")
            return await (await conn.getresponse()).read()

        async def endless(conn, path, whole):
            await conn.request("GET", path)
            r = await conn.getresponse()
            if whole:
                return await r.read()
            async for _ in r:
                pass

        async def main():
            for path in ("/chunked", "/length"):
                conn = aio.AsyncHTTPConnection("127.0.0.1", port, timeout=30)
                for whole in (True, False):
                    task = asyncio.ensure_future(endless(conn, path, whole))
                    await asyncio.sleep(0.3)
                    cancelled_at = time.monotonic()
                    task.cancel()
                    with self.assertRaises(asyncio.CancelledError):
                        await task
                    self.assertLess(time.monotonic() - cancelled_at, PROMPT)
                    self.assertEqual(await reusable(conn), b"ok")
                    start = time.monotonic()
                    with self.assertRaises(TimeoutError):
                        async with asyncio.timeout(0.3):
                            await endless(conn, path, whole)
                    self.assertLess(time.monotonic() - start, 0.3 + PROMPT)
                    self.assertEqual(await reusable(conn), b"ok")
                conn.close()
                conn = aio.AsyncHTTPConnection("127.0.0.1", port, timeout=30,
                                               total_timeout=0.5, max_response_size=1 << 20)
                with self.assertRaises(httpc.ResponseTooLarge):
                    await endless(conn, path, True)
                self.assertEqual(await reusable(conn), b"ok")
                conn.set_max_response_size(0)
                with self.assertRaises(TimeoutError):
                    await endless(conn, path, False)
                self.assertEqual(await reusable(conn), b"ok")
                conn.close()
        asyncio.run(main())


if __name__ == "__main__":
    unittest.main()
