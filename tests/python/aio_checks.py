"""httpc.aio: the conformance vectors through it, the differential test's
scenarios (tests/python/test_differential.py) through it compared with
http.client run in a thread, 1,000 concurrent requests
on one loop overlapping at a slow server, cancellation at random moments
(no descriptor left open, the next request works), timeouts, close() from
another task, and the pooled one-shot with its per-origin limit.

Run on asyncio's default loop, and again on uvloop when
HTTPC_AIO_LOOP=uvloop (the project's venv has it: tests/python/venv.sh).
Only loopback servers of this process and tests/vectors."""

import asyncio
import http.client
import inspect
import os
import random
import resource
import socket
import threading
import types
import unittest

import httpc
import httpc.aio as aio
import test_differential as D
import vector_harness as H

LOOP = os.environ.get("HTTPC_AIO_LOOP", "asyncio")
SERVER_LIFETIME = 300.0


def run(coro):
    if LOOP == "uvloop":
        import uvloop
        return uvloop.run(coro)
    return asyncio.run(coro)


def recv_until(conn, marker):
    """What the peer sends up to and including `marker`, or everything it
    sent before closing."""
    data = b""
    while marker not in data:
        more = conn.recv(65536)
        if not more:
            break
        data += more
    return data


def client_sockets(port):
    """This process's descriptors that are TCP sockets connected to
    127.0.0.1:port (the in-process server's own sockets are not counted)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink("/proc/self/fd/" + fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[2].split(":")[1], 16) == port and fields[9] in inodes:
                count += 1
    return count


# -- the vectors, through a blocking facade over httpc.aio ----------------------
class _SyncResponse:
    def __init__(self, loop, r):
        self._loop, self._r = loop, r
        self.status, self.reason, self.version = r.status, r.reason, r.version
        self.will_close = r.will_close

    def getheaders(self):
        return self._r.getheaders()

    def read(self, amt=None):
        return self._loop.run_until_complete(self._r.read(amt))


class _SyncConnection:
    """What check_vectors_cpython.run_client drives, each call one
    run_until_complete of the httpc.aio coroutine on a loop of its own."""

    def __init__(self, host, **kw):
        self._loop = _new_loop()
        self._conn = aio.AsyncHTTPConnection(host, **kw)

    def request(self, *args, **kw):
        self._loop.run_until_complete(self._conn.request(*args, **kw))

    def getresponse(self):
        return _SyncResponse(self._loop, self._loop.run_until_complete(self._conn.getresponse()))

    def close(self):
        self._conn.close()
        self._loop.close()


def _new_loop():
    if LOOP == "uvloop":
        import uvloop
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


AIO = H._load("vectors_httpc_aio", types.SimpleNamespace(
    **dict({k: v for k, v in vars(httpc).items() if not k.startswith("__")},
           HTTPConnection=_SyncConnection)))


class Vectors(unittest.TestCase):
    def test_all_vectors(self):
        files = H.vector_files()
        self.assertGreater(len(files), 100)
        for path, (v, out, request, port) in H.run_all(AIO, files):
            with self.subTest(vector=os.path.basename(path)):
                bad = AIO.compare(v, out, request, port)
                self.assertEqual(bad, [], AIO.summary(out))


# -- test_differential's scenarios, through httpc.aio -----------------------------
class _OnLoop:
    """A blocking view of an httpc.aio object for a scenario running in a
    worker thread: every attribute is read, and every method called, on the
    loop's thread (run_coroutine_threadsafe), coroutines awaited there; the
    thread waits for the result. Responses come back wrapped the same way."""

    def __init__(self, loop, obj):
        self._loop, self._obj = loop, obj

    def _on_loop(self, fn):
        async def step():
            result = fn()
            if inspect.isawaitable(result):
                result = await result
            return result
        result = asyncio.run_coroutine_threadsafe(step(), self._loop).result()
        if isinstance(result, (aio.AsyncHTTPConnection, aio.AsyncHTTPResponse)):
            return _OnLoop(self._loop, result)
        return result

    def __getattr__(self, name):
        value = self._on_loop(lambda: getattr(self._obj, name))
        if callable(value) and inspect.ismethod(value):
            return lambda *args, **kw: self._on_loop(lambda: value(*args, **kw))
        return value


class DifferentialScenarios(unittest.TestCase):
    def test_scenarios_same_as_http_client(self):
        """Each scenario runs in a thread of its own twice, all at once:
        with http.client (blocking, in that thread) and with httpc.aio on
        the one running loop; the outcomes and request bytes must be equal."""

        async def main():
            loop = asyncio.get_running_loop()
            module = types.SimpleNamespace(
                HTTPConnection=lambda *a, **kw: _OnLoop(loop, None)._on_loop(
                    lambda: aio.AsyncHTTPConnection(*a, **kw)))

            async def both(drive, vec):
                scenario = D._Scenario(vec)
                try:
                    return await asyncio.gather(
                        asyncio.to_thread(scenario.run, http.client, drive),
                        asyncio.to_thread(scenario.run, module, drive))
                finally:
                    os.unlink(scenario.tmp.name)
            return await asyncio.gather(*(both(drive, vec) for drive, vec in D.SCENARIOS))

        import warnings
        warnings.simplefilter("ignore", ResourceWarning)
        outcomes = run(main())
        self.assertEqual(len(outcomes), len(D.SCENARIOS))
        for (drive, _), (theirs, ours) in zip(D.SCENARIOS, outcomes):
            with self.subTest(scenario=drive.__name__):
                self.assertEqual(theirs, ours)


# -- a slow server that counts requests in progress -------------------------------
class SlowServer:
    """An asyncio server on its own thread and loop: each request is
    answered after `delay` seconds (keep-alive, 100-byte bodies), or for
    /stream with an endless chunked body; `peak` is the most requests in
    progress at once."""

    def __init__(self, delay=1.0):
        self.delay = delay
        self.active = self.peak = self.served = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._thread.start()
        self._ready.wait(30)

    def _main(self):
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self._start())
        self.loop.call_later(SERVER_LIFETIME, self.loop.stop)
        self.loop.run_forever()

    async def _start(self):
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0, backlog=2048)
        self.port = self.server.sockets[0].getsockname()[1]
        self._ready.set()

    async def _client(self, reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                while (await reader.readline()) not in (b"\r\n", b""):
                    pass
                self.active += 1
                self.peak = max(self.peak, self.active)
                try:
                    if line.split()[1] == b"/stream":
                        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                        while True:
                            writer.write(b"1000\r\n" + b"x" * 4096 + b"\r\n")
                            await writer.drain()
                            await asyncio.sleep(0.001)
                    await asyncio.sleep(self.delay)
                    # Counted before the answer goes: a client that has it
                    # must find it counted (after drain() it could not yet be).
                    self.served += 1
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"y" * 100)
                    await writer.drain()
                finally:
                    self.active -= 1
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    def stop(self):
        async def shutdown():
            self.server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        self.loop.close()


class Concurrency(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < 4096:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))

    def test_thousand_requests_overlap(self):
        """1,000 connections on one loop to a server that answers each after
        a second: the server sees them in progress together."""
        server = SlowServer(delay=1.0)
        self.addCleanup(server.stop)

        async def one():
            async with aio.AsyncHTTPConnection("127.0.0.1", server.port, timeout=120) as c:
                await c.request("GET", "/")
                r = await c.getresponse()
                return r.status, await r.read()

        async def main():
            return await asyncio.gather(*[one() for _ in range(1000)])
        results = run(main())
        self.assertEqual(set(results), {(200, b"y" * 100)})
        self.assertEqual(server.served, 1000)
        self.assertGreater(server.peak, 500, "requests did not overlap")

    def test_pool_limit_per_origin(self):
        server = SlowServer(delay=0.2)
        self.addCleanup(server.stop)

        async def main():
            async with aio.Pool(limit_per_origin=4) as pool:
                url = "http://127.0.0.1:%d/" % server.port
                return await asyncio.gather(*[pool.request("GET", url) for _ in range(20)])
        results = run(main())
        self.assertEqual({(r.status, r.body) for r in results}, {(200, b"y" * 100)})
        self.assertEqual(server.peak, 4)

    def test_pool_survives_a_connection_closed_while_idle(self):
        """The server closes kept-alive connections after each answer
        (without saying so): the pool's next request still succeeds (the
        engine sees the idle socket closed and reconnects; a close that races
        the request is retried once by the pool)."""
        # Counted when the request has arrived, before the answer goes out:
        # counted after it, the client could finish first (a race CI met).
        requests_seen = []

        class CloseAfterReply(threading.Thread):
            def __init__(self):
                super().__init__(daemon=True)
                self.sock = socket.socket()
                self.sock.bind(("127.0.0.1", 0))
                self.sock.listen(8)
                self.sock.settimeout(SERVER_LIFETIME)

            def run(self):
                for _ in range(3):
                    try:
                        conn, _ = self.sock.accept()
                    except OSError:
                        return
                    with conn:
                        if b"\r\n\r\n" in recv_until(conn, b"\r\n\r\n"):
                            requests_seen.append(1)
                            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

        server = CloseAfterReply()
        server.start()
        self.addCleanup(server.sock.close)

        async def main():
            async with aio.Pool() as pool:
                url = "http://127.0.0.1:%d/" % server.sock.getsockname()[1]
                first = await pool.request("GET", url)
                await asyncio.sleep(0.2)  # the server has closed it by now
                second = await pool.request("GET", url)
                return first.body, second.body
        self.assertEqual(run(main()), (b"ok", b"ok"))
        self.assertEqual(len(requests_seen), 2)

    def test_cancel_at_random_moments(self):
        """Requests on an endless body and on a slow answer, cancelled at
        random moments (also by asyncio.timeout()): no descriptor stays
        open, and the same connection then serves a request."""
        server = SlowServer(delay=0.05)
        self.addCleanup(server.stop)
        rng = random.Random(2026)

        async def exchange(c, path):
            await c.request("GET", path)
            r = await c.getresponse()
            if path == "/stream":
                async for _ in r:
                    pass
            return await r.read()

        async def main():
            conn = aio.AsyncHTTPConnection("127.0.0.1", server.port, timeout=60)
            for i in range(60):
                path = "/stream" if i % 2 else "/"
                task = asyncio.ensure_future(exchange(conn, path))
                await asyncio.sleep(rng.uniform(0, 0.08))
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
                if i % 3 == 0:
                    try:
                        async with asyncio.timeout(rng.uniform(0, 0.05)):
                            await exchange(conn, "/stream")
                    except TimeoutError:
                        pass
                # Idle: at most the connection's own socket is open.
                self.assertLessEqual(client_sockets(server.port), 1)
                self.assertEqual(await exchange(conn, "/"), b"y" * 100)
            conn.close()
            self.assertEqual(client_sockets(server.port), 0)
        run(main())


class Behaviour(unittest.TestCase):
    def test_cancel_while_connecting_and_resolving(self):
        """A listener whose accept queue is full drops SYNs: connects hang.
        Cancelled by asyncio.timeout() at random moments, by IP literal and by
        name (the resolver's helper descriptor too), nothing stays open."""
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        self.addCleanup(listener.close)
        port = listener.getsockname()[1]
        fillers = []
        self.addCleanup(lambda: [f.close() for f in fillers])
        for _ in range(8):
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(("127.0.0.1", port))
            fillers.append(f)
        rng = random.Random(7)

        async def main():
            before = len(os.listdir("/proc/self/fd"))
            for i in range(20):
                host = "localhost" if i % 2 else "127.0.0.1"
                conn = aio.AsyncHTTPConnection(host, port, timeout=30)
                with self.assertRaises(TimeoutError):
                    async with asyncio.timeout(rng.uniform(0.0, 0.2)):
                        await conn.request("GET", "/")
                conn.close()
            await asyncio.sleep(0.2)  # a resolver thread may still be ending
            return before, len(os.listdir("/proc/self/fd"))
        before, after = run(main())
        self.assertEqual(after, before)

    def test_timeout_and_close_from_another_task(self):
        server = SlowServer(delay=5.0)
        self.addCleanup(server.stop)

        async def main():
            conn = aio.AsyncHTTPConnection("127.0.0.1", server.port, timeout=0.3)
            await conn.request("GET", "/")
            with self.assertRaises(TimeoutError):
                await conn.getresponse()
            conn.timeout = 30
            await conn.request("GET", "/")
            waiting = asyncio.ensure_future(conn.getresponse())
            await asyncio.sleep(0.2)
            conn.close()
            with self.assertRaises(ConnectionAbortedError):
                await waiting
            self.assertIsNone(conn.sock)
        run(main())

    def test_refused_and_bodies(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]

            async def refused():
                async with aio.AsyncHTTPConnection("127.0.0.1", port) as c:
                    await c.request("GET", "/")
            with self.assertRaises(ConnectionRefusedError):
                run(refused())

        received = []

        class Echo(threading.Thread):
            def __init__(self):
                super().__init__(daemon=True)
                self.sock = socket.socket()
                self.sock.bind(("127.0.0.1", 0))
                self.sock.listen(4)
                self.sock.settimeout(SERVER_LIFETIME)

            def run(self):
                conn, _ = self.sock.accept()
                with conn:
                    received.append(recv_until(conn, b"0\r\n\r\n"))
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

        server = Echo()
        server.start()
        self.addCleanup(server.sock.close)

        async def pieces():
            for p in (b"one,", b"", b"two"):
                await asyncio.sleep(0)
                yield p

        async def push():
            async with aio.AsyncHTTPConnection("127.0.0.1", server.sock.getsockname()[1]) as c:
                await c.request("POST", "/up", body=pieces())
                r = await c.getresponse()
                return await r.read()
        self.assertEqual(run(push()), b"ok")
        server.join(30)
        self.assertIn(b"Transfer-Encoding: chunked\r\n", received[0])
        self.assertTrue(received[0].endswith(b"\r\n\r\n4\r\none,\r\n3\r\ntwo\r\n0\r\n\r\n"))


if __name__ == "__main__":
    unittest.main()
