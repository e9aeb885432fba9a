"""httpc under asyncio: the http.client API with await.

    import asyncio, httpc.aio
    async def main():
        async with httpc.aio.AsyncHTTPConnection("example.org") as conn:
            await conn.request("GET", "/")
            r = await conn.getresponse()
            print(r.status, await r.read())
        r = await httpc.aio.request("GET", "https://example.org/")  # pooled
    asyncio.run(main())

The connections run httpc's engine in non-blocking mode on the running
loop's thread: each step is one C call with the GIL held (it never waits);
when it would block, the coroutine waits with the loop's add_reader /
add_writer on the descriptor the engine names and a timer for the
operation's deadline, then calls the same step again. No thread per
request. Works on any loop with add_reader/add_writer (the default loop,
uvloop). Exceptions are httpc's (http.client's classes, TimeoutError,
ssl.SSLError...). Cancelling the task (or asyncio.timeout()) closes the
connection; the next request reconnects.
"""

import asyncio
import io
import urllib.parse
import weakref

from . import _httpc_raw as _raw
from . import client

__all__ = ["AsyncHTTPConnection", "AsyncHTTPSConnection", "AsyncHTTPResponse",
           "Pool", "Response", "request"]

_AGAIN = ...  # what a non-blocking native returns when it would block
_WAIT_READ = _raw.HTTPC_WAIT_READ
_WAIT_WRITE = _raw.HTTPC_WAIT_WRITE
_SOCKET_CLOSING = _raw.HTTPC_SOCKET_CLOSING
_conn_wait = _raw.conn_wait
_response_wait = _raw.response_wait
_nb_request = _raw.nb_request
_nb_getresponse = _raw.nb_getresponse
_nb_read_all = _raw.nb_read_all
_nb_readinto = _raw.nb_readinto
_CHUNK = 65536

# Descriptors on a loop: fd -> _Watch. A descriptor stays registered after
# its wait ends (the next wait on it, most often for the same event, then
# costs no add/remove, two epoll_ctl calls, on the loop); it leaves the loop
# when the engine announces it is about to close it (conn_watch_sockets),
# so a reused number is never watched by mistake, when a wait needs other
# events, or when it turns ready with no one waiting (an idle keep-alive
# socket the server closed: a level-triggered loop would call us forever).
_watched = {}


class _Watch:
    __slots__ = ("loop", "fd", "reading", "writing", "future")

    def __init__(self, loop, fd, reading, writing):
        self.loop, self.fd, self.reading, self.writing = loop, fd, reading, writing
        self.future = None
        if reading:
            loop.add_reader(fd, _ready, self)
        if writing:
            loop.add_writer(fd, _ready, self)

    def remove(self):
        if _watched.get(self.fd) is self:
            del _watched[self.fd]
        loop = self.loop
        if loop.is_closed():
            return
        if self.reading:
            loop.remove_reader(self.fd)
        if self.writing:
            loop.remove_writer(self.fd)


def _ready(watch):
    fut = watch.future
    if fut is None or fut.done():
        watch.remove()  # ready with no one waiting
    else:
        fut.set_result(None)


def _on_socket(fd, event):
    if event == _SOCKET_CLOSING:
        watch = _watched.get(fd)
        if watch is not None:
            watch.remove()


_raw.set_socket_handler(_on_socket)


class _Waiter:
    """What a connection's pending operation waits on; close() wakes it.

    The operation's deadline is kept by one timer per connection that is
    re-armed lazily: a wait whose deadline is later than the armed timer's
    keeps that timer, which, when it fires early, moves itself to the
    deadline then in force. A keep-alive request finishing well within its
    timeout so costs no timer handle of its own (creating and cancelling
    one per wait, with the loop's heap of them, was a tenth of a
    concurrent request's instructions)."""

    __slots__ = ("future", "deadline", "timer", "timer_at", "timer_loop", "__weakref__")

    def __init__(self):
        self.future = None
        self.deadline = None
        self.timer = None
        self.timer_at = self.timer_loop = None  # (uvloop's handles have no when())

    def arm(self, loop, when, waiter_ref):
        self.timer = loop.call_at(when, _on_deadline, waiter_ref)
        self.timer_at, self.timer_loop = when, loop

    def cancel_timer(self):
        timer, self.timer = self.timer, None
        if timer is not None:
            timer.cancel()


def _on_deadline(waiter_ref):
    waiter = waiter_ref()
    if waiter is None:
        return
    waiter.timer = None
    fut = waiter.future
    if fut is None or fut.done() or waiter.deadline is None:
        return  # no wait with a deadline in progress: the timer just ends
    loop = fut.get_loop()
    if loop.time() >= waiter.deadline - 0.001:  # asyncio may run a timer that early
        fut.set_result(None)  # the next call gives TIMEOUT
    else:
        waiter.arm(loop, waiter.deadline, waiter_ref)


def _wake(fut):
    if not fut.done():
        fut.set_result(None)


async def _wait(waiter, wait):
    """Waits until the descriptor is ready for what the engine asked, or
    the operation's deadline passes (then the next call gives TIMEOUT)."""
    fd, events, timeout_ms = wait
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    watch = None
    if fd >= 0:
        reading, writing = bool(events & _WAIT_READ), bool(events & _WAIT_WRITE)
        watch = _watched.get(fd)
        if watch is not None and (watch.loop is not loop or watch.reading != reading
                                  or watch.writing != writing):
            watch.remove()
            watch = None
        if watch is None:
            watch = _watched[fd] = _Watch(loop, fd, reading, writing)
        watch.future = fut
    if timeout_ms >= 0:
        deadline = waiter.deadline = loop.time() + timeout_ms / 1000.0
        timer = waiter.timer
        if timer is None or waiter.timer_at > deadline or waiter.timer_loop is not loop:
            waiter.cancel_timer()
            waiter.arm(loop, deadline, weakref.ref(waiter))
    else:
        waiter.deadline = None
        if watch is None:
            loop.call_soon(_wake, fut)  # nothing to watch: try again soon
    waiter.future = fut
    try:
        await fut
    finally:
        waiter.future = None
        if watch is not None:
            watch.future = None


class AsyncHTTPResponse:
    """http.client.HTTPResponse with coroutine reads: await read(n),
    await read(), await read1(n), await readinto(b), await readline(), and
    `async for chunk in response` (chunks as they arrive)."""

    debuglevel = 0
    _headers = None

    def __init__(self, head, conn, method=None):
        (self._r, self.status, self.reason, self.version, self.will_close,
         self.chunked) = head
        self._conn = conn
        self._method = method

    # -- head ----------------------------------------------------------------
    @property
    def headers(self):
        if self._headers is None:
            self._headers = client._message(_raw.response_headers(self._r, False))
        return self._headers

    msg = headers

    @property
    def code(self):
        return self.status

    @property
    def length(self):
        n = _raw.response_length(self._r)
        return None if n < 0 else n

    @property
    def trailers(self):
        return client._message(_raw.response_headers(self._r, True))

    def getheader(self, name, default=None):
        headers = self.headers.get_all(name) or default
        if isinstance(headers, str) or not hasattr(headers, "__iter__"):
            return headers
        return ", ".join(headers)

    def getheaders(self):
        return list(self.headers.items())

    def info(self):
        return self.headers

    def getcode(self):
        return self.status

    def isclosed(self):
        return _raw.response_isclosed(self._r)

    def fileno(self):
        return _raw.response_fileno(self._r)

    _closed = False

    def close(self):
        self._closed = True
        _raw.response_close(self._r)

    @property
    def closed(self):
        """As http.client's (an io object's): True once close() was called,
        not when the body was read to its end (isclosed() tells that)."""
        return self._closed

    # -- body ----------------------------------------------------------------
    async def _drive(self, fn, *args):
        conn, r = self._conn, self._r
        try:
            result = fn(*args)
            while result is _AGAIN:
                await _wait(conn._waiter, _response_wait(r))
                result = fn(*args)
            return result
        except BaseException as exc:
            if not isinstance(exc, Exception):
                # Cancelled (or asyncio.timeout()) mid-read: the body's
                # state is unknown, so the response and its connection go.
                _raw.response_close(r)
                conn.close()
            raise
        finally:
            if conn._close_pending:
                conn._closed_meanwhile()

    async def read(self, amt=None):
        if amt is not None and amt >= 0:
            buf = bytearray(amt)
            n = await self._drive(_nb_readinto, self._r, buf, 0)
            return bytes(buf) if n == amt else bytes(memoryview(buf)[:n])
        return await self._drive(_nb_read_all, self._r)

    async def read1(self, n=-1):
        if n == 0:
            return b""
        buf = bytearray(n if n > 0 else _CHUNK)
        got = await self._drive(_nb_readinto, self._r, buf, 1)
        return bytes(memoryview(buf)[:got])

    async def readinto(self, b):
        return await self._drive(_nb_readinto, self._r, b, 0)

    async def readline(self, limit=-1):
        parts = []
        while True:
            cap = limit if limit is not None and 0 <= limit < _CHUNK else _CHUNK
            buf = bytearray(cap)
            n = await self._drive(_nb_readinto, self._r, buf, 2)
            part = bytes(memoryview(buf)[:n])
            parts.append(part)
            if not part or part.endswith(b"\n") or (limit is not None and limit >= 0):
                return b"".join(parts)

    def __aiter__(self):
        return self

    async def __anext__(self):
        chunk = await self.read1(_CHUNK)
        if not chunk:
            raise StopAsyncIteration
        return chunk

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()


class AsyncHTTPConnection(client.HTTPConnection):
    """http.client.HTTPConnection whose blocking methods are coroutines:
    await connect(), request(), endheaders(), send(), getresponse().
    putrequest() and putheader() only buffer and stay plain methods.
    Bodies: bytes-like, str, None, a file, an iterable or an async iterable
    of bytes (the last three sent chunked unless Content-Length is set)."""

    response_class = AsyncHTTPResponse

    def __init__(self, host, port=None, timeout=client._GLOBAL_DEFAULT_TIMEOUT,
                 source_address=None, blocksize=8192, *, total_timeout=None,
                 max_response_size=None):
        super().__init__(host, port, timeout, source_address, blocksize,
                         total_timeout=total_timeout,
                         max_response_size=max_response_size)
        self._start_nonblocking()

    def _start_nonblocking(self):
        self._waiter = _Waiter()
        _raw.conn_set_nonblocking(self._c, True)
        _raw.conn_watch_sockets(self._c)

    def set_max_response_size(self, max_bytes):
        """Bounds what one response may deliver (ResponseTooLarge beyond;
        0: no bound, the default)."""
        _raw.conn_set_max_response_size(self._c, int(max_bytes))

    # -- driving -------------------------------------------------------------
    async def _drive(self, fn, *args):
        c = self._c
        try:
            result = fn(*args)
            while result is _AGAIN:
                await _wait(self._waiter, _conn_wait(c))
                result = fn(*args)
            return result
        except BaseException as exc:
            if not isinstance(exc, Exception):
                self.close()  # cancelled mid-step: the connection's state is unknown
            raise
        finally:
            if self._close_pending:
                self._closed_meanwhile()

    def _closed_meanwhile(self):
        self._close_pending = False
        self._closes += 1
        _raw.httpc_conn_close(self._c)

    def close(self):
        """Closes the connection. A coroutine waiting on it is woken and
        raises ConnectionAbortedError (as a blocking call interrupted by
        close() from another thread)."""
        c = self._c
        if c is None:
            return
        self._waiter.cancel_timer()
        fut = self._waiter.future
        if fut is not None and not fut.done():
            # The woken coroutine's next call gives CANCELLED; it closes.
            self._close_pending = True
            _raw.httpc_conn_interrupt(c)
            fut.set_result(None)
            return
        self._closes += 1
        _raw.httpc_conn_close(c)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()

    # -- sending -------------------------------------------------------------
    async def connect(self):
        await self._drive(_raw.nb_connect, self._c)

    async def request(self, method, url, body=None, headers={}, *,
                      encode_chunked=False):
        if isinstance(body, str):
            body = client._encode(body, "body")
        if body is None or isinstance(body, (bytes, bytearray, memoryview)):
            sent = await self._drive(_nb_request, self._c, method, url, body, headers,
                                     encode_chunked)
            if sent is not NotImplemented:
                return
            await self._send_request(method, url, body, headers, encode_chunked)
            return
        # A file or an (async) iterable: the head says chunked unless the
        # caller gave a length (C decides), then the pieces are pushed.
        sent = await self._drive(_nb_request, self._c, method, url, ..., headers,
                                 encode_chunked)
        if sent is NotImplemented:
            await self._send_request(method, url, body, headers, encode_chunked)
            return
        await self._push_body(body)

    async def _send_request(self, method, url, body, headers, encode_chunked):
        body, encode_chunked = client._request_head(self, method, url, body, headers,
                                                    encode_chunked)
        await self.endheaders(body, encode_chunked=encode_chunked)

    async def endheaders(self, message_body=None, *, encode_chunked=False):
        if message_body is None or isinstance(message_body, (bytes, bytearray, memoryview)):
            await self._drive(_raw.nb_endheaders, self._c, message_body, encode_chunked)
            return
        await self._drive(_raw.nb_endheaders, self._c, ..., encode_chunked)
        await self._push_body(message_body)

    async def _push_body(self, body):
        c = self._c
        write = _raw.nb_body_write
        async for piece in _pieces(body, self.blocksize):
            await self._drive(write, c, piece)
        await self._drive(_raw.nb_body_end, c)

    async def send(self, data):
        if isinstance(data, (bytes, bytearray, memoryview)):
            await self._drive(_raw.nb_send, self._c, data)
            return
        async for piece in _pieces(data, self.blocksize):
            await self._drive(_raw.nb_send, self._c, piece)

    # -- receiving -----------------------------------------------------------
    async def getresponse(self):
        head = await self._drive(_nb_getresponse, self._c)
        return self.response_class(head, self)


async def _pieces(body, blocksize):
    """The bytes pieces of a file, an iterable or an async iterable body
    (text files are encoded ISO-8859-1, as http.client does)."""
    if hasattr(body, "read"):
        encode = isinstance(body, io.TextIOBase)
        while True:
            block = body.read(blocksize)
            if asyncio.iscoroutine(block):
                block = await block
            if not block:
                return
            yield block.encode("iso-8859-1") if encode else block
    elif hasattr(body, "__aiter__"):
        async for piece in body:
            yield _as_bytes(piece)
    else:
        try:
            pieces = iter(body)
        except TypeError:
            raise TypeError("message_body should be a bytes-like object, a file "
                            "or an iterable, got %r" % type(body)) from None
        for piece in pieces:
            yield _as_bytes(piece)


def _as_bytes(piece):
    if isinstance(piece, (bytes, bytearray, memoryview)):
        return piece
    raise TypeError("body pieces must be bytes-like, got %r" % type(piece))


class AsyncHTTPSConnection(AsyncHTTPConnection, client.HTTPSConnection):
    """http.client.HTTPSConnection with await; `context` is an httpc
    TLSContext or an ssl.SSLContext, as for httpc.HTTPSConnection."""

    default_port = client.HTTPS_PORT

    def __init__(self, host, port=None, *, timeout=client._GLOBAL_DEFAULT_TIMEOUT,
                 source_address=None, context=None, check_hostname=None,
                 blocksize=8192, total_timeout=None, max_response_size=None):
        client.HTTPSConnection.__init__(
            self, host, port, timeout=timeout, source_address=source_address,
            context=context, check_hostname=check_hostname, blocksize=blocksize,
            total_timeout=total_timeout, max_response_size=max_response_size)
        self._start_nonblocking()


# -- pooled one-shot requests ---------------------------------------------------

class Response:
    """What request() gives: the status line, the headers (an HTTPMessage),
    the whole body and the URL."""

    __slots__ = ("status", "reason", "version", "headers", "body", "url")

    def __init__(self, status, reason, version, headers, body, url):
        self.status, self.reason, self.version = status, reason, version
        self.headers, self.body, self.url = headers, body, url

    def __repr__(self):
        return "<httpc.aio.Response [%d %s] %s>" % (self.status, self.reason, self.url)


class Pool:
    """Keep-alive connections per origin (scheme, host, port) with at most
    `limit_per_origin` open at once; request() waits for one beyond it."""

    def __init__(self, limit_per_origin=10, *, timeout=client._GLOBAL_DEFAULT_TIMEOUT,
                 context=None):
        self.limit_per_origin = limit_per_origin
        self.timeout = timeout
        self.context = context
        self._idle = {}
        self._slots = {}

    async def request(self, method, url, body=None, headers=None):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ValueError("http:// and https:// URLs only, not %r" % url)
        https = parts.scheme == "https"
        origin = (parts.scheme, parts.hostname, parts.port or (443 if https else 80))
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        slots = self._slots.get(origin)
        if slots is None:
            slots = self._slots[origin] = asyncio.Semaphore(self.limit_per_origin)
        async with slots:
            idle = self._idle.setdefault(origin, [])
            while True:
                reused = bool(idle)
                conn = idle.pop() if reused else self._connect(parts, origin)
                try:
                    await conn.request(method, target, body, headers or {})
                    r = await conn.getresponse()
                    data = await r.read()
                except _STALE:
                    conn.close()
                    # A kept-alive connection the server had closed meanwhile:
                    # once more on a new one, when the body can be sent again.
                    if reused and _resendable(body):
                        continue
                    raise
                except BaseException:
                    conn.close()
                    raise
                break
            if r.will_close:
                conn.close()
            else:
                idle.append(conn)
            return Response(r.status, r.reason, r.version, r.headers, data, url)

    def _connect(self, parts, origin):
        host = "[%s]" % parts.hostname if ":" in parts.hostname else parts.hostname
        if origin[0] == "https":
            return AsyncHTTPSConnection(host, origin[2], timeout=self.timeout,
                                        context=self.context)
        return AsyncHTTPConnection(host, origin[2], timeout=self.timeout)

    def close(self):
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()


# What a request on a connection the server closed while it was idle meets
# (RemoteDisconnected is a ConnectionResetError).
_STALE = (ConnectionResetError, BrokenPipeError)


def _resendable(body):
    return body is None or isinstance(body, (bytes, bytearray, memoryview, str))


_pools = {}  # the default Pool of each running loop


async def request(method, url, body=None, headers=None):
    """One request through the running loop's default Pool (10 connections
    per origin); the body is read whole. For scripts."""
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        pool = _pools[loop] = Pool()
        for dead in [lp for lp in _pools if lp.is_closed()]:
            _pools.pop(dead).close()
    return await pool.request(method, url, body, headers)

