"""http.client's classes on top of the httpc C library.

The common path costs one C call per step: request() with a bytes/str/None
body and a dict of str/bytes/int headers is one call; getresponse() one;
read() one. Everything else (file and iterable bodies, header mappings
that are not dicts, non-ASCII text that must fail as http.client fails)
takes a pure-Python path that mirrors http.client line by line and drives
putrequest/putheader/endheaders/send.
"""

import collections.abc
import email.message
import errno
import http.client as _hc
import io
import os
import socket
import ssl
import weakref

from . import _httpc_raw as _raw
from ._errors import CannotSendHeader, ResponseNotReady  # noqa: F401

HTTP_PORT = 80
HTTPS_PORT = 443

_request = _raw.request
_getresponse = _raw.getresponse
_read_all = _raw.read_all
_read = _raw.read
_readinto = _raw.readinto
_response_isclosed = _raw.response_isclosed
_conn_fileno = _raw.conn_fileno
_response_close = _raw.response_close
_response_length = _raw.response_length
_response_getheader = _raw.response_getheader
_GLOBAL_DEFAULT_TIMEOUT = socket._GLOBAL_DEFAULT_TIMEOUT
_UNSET = object()
# read() of a body up to this Content-Length allocates it whole and receives
# into it (one copy); a larger claim grows with what arrives instead.
_DIRECT_READ_MAX = 1 << 28
_METHODS_EXPECTING_BODY = {"PATCH", "POST", "PUT"}


class HTTPMessage(_hc.HTTPMessage):
    """http.client.HTTPMessage (an email.message.Message) built from the
    header fields the C parser kept, exactly as email.parser would store
    them with the compat32 policy."""


def _message(pairs):
    msg = HTTPMessage()
    msg._headers = pairs
    msg._payload = ""
    return msg


def _timeout_seconds(timeout):
    if timeout is _GLOBAL_DEFAULT_TIMEOUT:
        timeout = socket.getdefaulttimeout()
    return -1.0 if timeout is None else float(timeout)


def _encode(data, name="data"):
    """As http.client._encode: latin-1 or a helpful UnicodeEncodeError."""
    try:
        return data.encode("latin-1")
    except UnicodeEncodeError as err:
        raise UnicodeEncodeError(
            err.encoding, err.object, err.start, err.end,
            "%s (%.20r) is not valid Latin-1. Use %s.encode('utf-8') "
            "if you want to send it encoded in UTF-8." %
            (name.title(), data[err.start:err.end], name)) from None


class _NoConnection:
    """The connection of a response made without one: nothing to close."""

    _busy = 0
    _close_pending = False
    _closes = 0

    @staticmethod
    def _call(fn, *args):
        return fn(*args)


_NO_CONNECTION = _NoConnection()
_raw.set_no_connection(_NO_CONNECTION)


class HTTPResponse(_raw.ResponseBase, io.BufferedIOBase):
    """http.client.HTTPResponse over a C response handle."""

    # Defaults at class level: the instance stores only what differs (fewer
    # dictionary stores per response).
    debuglevel = 0
    _method = None
    url = None
    _headers = None
    _msg = _fp = _length = _UNSET
    # _conn (a C field): getresponse's connection, for close() from another
    # thread; _NO_CONNECTION until one is set.

    # __init__(head, method=None, debuglevel=0, url=None) and close() are
    # ResponseBase's (typemaps.i): the head's fields (_r, status, reason,
    # version, will_close, chunked) live in C. The C response keeps the
    # body's state (isclosed, length): the read calls below are one C call
    # each, with no bookkeeping here.

    # -- head (built from the C response on first use) ----------------------
    @property
    def headers(self):
        if self._headers is None and self._r is not None:
            self._headers = _message(_raw.response_headers(self._r, False))
        return self._headers

    @headers.setter
    def headers(self, value):
        self._headers = value

    @property
    def msg(self):
        """The headers, as in http.client, until a caller assigns something
        else (urllib.request sets it to the reason phrase)."""
        return self.headers if self._msg is _UNSET else self._msg

    @msg.setter
    def msg(self, value):
        self._msg = value

    @property
    def fp(self):
        """As http.client's: a readable file of the body (here the response
        itself), None once the body was read to its end or closed."""
        if self._fp is not _UNSET:
            return self._fp
        return None if _response_isclosed(self._r) else self

    @fp.setter
    def fp(self, value):
        if value is None:
            self._close_conn()
        self._fp = value

    @property
    def code(self):
        return self.status

    @property
    def length(self):
        """Body bytes still to read (None: unknown), kept by the C response."""
        if self._length is not _UNSET:
            return self._length
        n = _response_length(self._r)
        return None if n < 0 else n

    @length.setter
    def length(self, value):
        self._length = value

    @property
    def trailers(self):
        """The trailer fields of a chunked body (an HTTPMessage; httpc only:
        http.client drops them)."""
        return _message(_raw.response_headers(self._r, True))

    def getheader(self, name, default=None):
        if self._headers is None and self._r is not None:
            # The message was never built (so never changed): C gives what
            # email's get_all() and the join below would.
            value = _response_getheader(self._r, name)
            if value is not None and value is not NotImplemented:
                return value
            if value is None:
                headers = default
                if isinstance(headers, str) or not hasattr(headers, "__iter__"):
                    return headers
                return ", ".join(headers)
        if self.headers is None:
            raise ResponseNotReady()
        headers = self.headers.get_all(name) or default
        if isinstance(headers, str) or not hasattr(headers, "__iter__"):
            return headers
        return ", ".join(headers)

    def getheaders(self):
        if self.headers is None:
            raise ResponseNotReady()
        return list(self.headers.items())

    def info(self):
        return self.headers

    def geturl(self):
        return self.url

    def getcode(self):
        return self.status

    # -- state -----------------------------------------------------------
    def _close_conn(self):
        _response_close(self._r)

    def readable(self):
        return True

    def isclosed(self):
        return _response_isclosed(self._r)

    def fileno(self):
        return _raw.response_fileno(self._r)

    # -- body ------------------------------------------------------------
    # read(amt=None) and readinto(b) are ResponseBase's, in C (typemaps.i):
    # one C call each, with the connection's _busy protocol (see
    # HTTPConnection._call) and read()'s IncompleteRead for a short body.

    def read1(self, n=-1):
        if n == 0:
            return b""
        return self._conn._call(_read, self._r, n if n > 0 else 65536, 1)

    def peek(self, n=-1):
        return self._conn._call(_raw.peek, self._r)

    def readline(self, limit=-1):
        r = self._r
        if limit is not None and limit >= 0:
            return self._conn._call(_read, r, limit, 2)
        parts = []
        while True:
            part = self._conn._call(_read, r, 65536, 2)
            parts.append(part)
            if not part or part.endswith(b"\n"):
                return b"".join(parts)

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line


from ._errors import IncompleteRead  # noqa: E402

_raw.set_incomplete_read(IncompleteRead)


class _ConnectionSocket:
    """What callers of http.client find in conn.sock: the connection's
    socket, with the socket methods they use. close() lets the connection
    go of it as http.client's does: a response being read keeps it to the end
    of its body, and the connection opens a new one on its next request."""

    def __init__(self, conn, fd):
        # Weak: the connection caches this view, and must not live on
        # through a reference cycle (its socket closes when it is dropped).
        self._conn_ref = weakref.ref(conn)
        self._fd = fd

    @property
    def _conn(self):
        conn = self._conn_ref()
        if conn is None:
            raise OSError(errno.EBADF, "Bad file descriptor")
        return conn

    def _current(self):
        conn = self._conn_ref()
        c = conn._c if conn is not None else None
        return c is not None and _conn_fileno(c) == self._fd >= 0

    def fileno(self):
        return self._fd if self._current() else -1

    def close(self):
        if self._current():
            _raw.httpc_conn_drop_socket(self._conn._c)
        self._fd = -1

    def settimeout(self, value):
        self._conn.timeout = value

    def gettimeout(self):
        timeout = self._conn.timeout
        if timeout is _GLOBAL_DEFAULT_TIMEOUT:
            timeout = socket.getdefaulttimeout()
        # A socket answers in seconds as a float (7.0 for a timeout of 7).
        return None if timeout is None else float(timeout)

    def _call(self, name, *args):
        if not self._current():
            raise OSError(errno.EBADF, "Bad file descriptor")
        # A socket object on a duplicate of the descriptor: options and
        # addresses are the same socket's; closing it leaves ours open.
        with socket.socket(fileno=os.dup(self._fd)) as s:
            return getattr(s, name)(*args)

    def getpeername(self):
        return self._call("getpeername")

    def getsockname(self):
        return self._call("getsockname")

    def setsockopt(self, *args):
        return self._call("setsockopt", *args)

    def getsockopt(self, *args):
        return self._call("getsockopt", *args)

    def __repr__(self):
        return "<httpc connection socket fd=%d>" % self.fileno()


def _request_head(conn, method, url, body, headers, encode_chunked):
    """The head of a request the one-call native leaves to Python, as
    http.client.HTTPConnection._send_request builds it (shared by the
    blocking and the asyncio connections). Returns the body (text encoded)
    and whether it is to be chunked."""
    header_names = frozenset(k.lower() for k in headers)
    skips = {}
    if "host" in header_names:
        skips["skip_host"] = 1
    if "accept-encoding" in header_names:
        skips["skip_accept_encoding"] = 1
    conn.putrequest(method, url, **skips)
    if "content-length" not in header_names:
        if "transfer-encoding" not in header_names:
            encode_chunked = False
            content_length = conn._get_content_length(body, method)
            if content_length is None:
                if body is not None:
                    if conn.debuglevel > 0:
                        print("Unable to determine size of %r" % body)
                    encode_chunked = True
                    conn.putheader("Transfer-Encoding", "chunked")
            else:
                conn.putheader("Content-Length", str(content_length))
    else:
        encode_chunked = False
    for hdr, value in headers.items():
        conn.putheader(hdr, value)
    if isinstance(body, str):
        body = _encode(body, "body")
    return body, encode_chunked


class HTTPConnection(_raw.ConnBase):
    """http.client.HTTPConnection over a C connection handle. request() and
    getresponse() are ConnBase's, in C (typemaps.i): the one-call native
    with the _busy protocol of _call below; request() falls back to
    _send_request for what that native leaves to Python."""

    _http_vsn = 11
    _http_vsn_str = "HTTP/1.1"
    response_class = HTTPResponse
    default_port = HTTP_PORT
    auto_open = 1
    debuglevel = 0
    _sock_view = None

    def __init__(self, host, port=None, timeout=_GLOBAL_DEFAULT_TIMEOUT,
                 source_address=None, blocksize=8192, *, total_timeout=None,
                 max_response_size=None):
        # httpc's own options (keyword-only): total_timeout, the seconds a
        # whole response may take from getresponse() to the end of its body
        # (TimeoutError, however fast data keeps arriving); max_response_size,
        # the most body bytes one response may deliver (ResponseTooLarge, the
        # connection closed). Both unlimited by default, as in http.client.
        self._timeout = timeout
        self.source_address = source_address
        self.blocksize = blocksize
        self._total_timeout = -1.0 if total_timeout is None else float(total_timeout)
        self._c = self._new_conn(host, port, _timeout_seconds(timeout),
                                 source_address, blocksize)
        self.host = _raw.httpc_conn_host(self._c)
        self.port = _raw.httpc_conn_port(self._c)
        if max_response_size:
            _raw.conn_set_max_response_size(self._c, int(max_response_size))

    def _new_conn(self, host, port, timeout, source_address, blocksize):
        src_host, src_port = source_address or (None, 0)
        return _raw.conn_new(host, port or 0, False, timeout, src_host or None,
                             src_port, blocksize, self.debuglevel, self._total_timeout)

    def __del__(self):
        c, self._c = self._c, None
        if c is not None:
            _raw.httpc_conn_free(c)

    @property
    def timeout(self):
        return self._timeout

    @timeout.setter
    def timeout(self, value):
        self._timeout = value
        _raw.httpc_conn_set_timeout(self._c, _timeout_seconds(value))

    def set_debuglevel(self, level):
        self.debuglevel = level
        _raw.httpc_conn_set_debuglevel(self._c, level)

    def set_tunnel(self, host, port=None, headers=None):
        items = None
        if headers:
            items = [(k, v) for k, v in headers.items()]
        _raw.set_tunnel(self._c, host, port or 0, items)
        self._tunnel_host = _raw.httpc_conn_host(self._c)

    def get_proxy_response_headers(self):
        pairs = _raw.proxy_headers(self._c)
        return None if pairs is None else _message(pairs)

    def connect(self):
        self._call(_raw.httpc_conn_connect, self._c)

    # -- close() from another thread -----------------------------------------
    # A call blocked on this connection or its response runs with the GIL
    # released, and close() must not free what it uses. So close() then
    # interrupts the call (httpc_conn_interrupt: it raises
    # ConnectionAbortedError at once) and the blocked thread closes the
    # connection as its call returns. Every other C call on a connection
    # keeps the GIL (typemaps.i), so _busy is all there is to check.
    # _busy, _close_pending and _closes (direct closes so far: read tells a
    # close from a cut body) are ConnBase's C fields, as is _c.

    def _call(self, fn, *args):
        self._busy += 1
        try:
            return fn(*args)
        finally:
            self._busy -= 1
            if self._close_pending:
                self._closed_meanwhile()

    def _closed_meanwhile(self):
        if not self._busy:
            self._close_pending = False
            _raw.httpc_conn_close(self._c)

    def close(self):
        c = self._c
        if c is None:
            return
        if self._busy:
            self._close_pending = True
            _raw.httpc_conn_interrupt(c)
        else:
            self._closes += 1
            _raw.httpc_conn_close(c)

    @property
    def sock(self):
        """None when not connected; else a socket-like view of the
        connection's socket (see _ConnectionSocket)."""
        fd = _conn_fileno(self._c)
        if fd < 0:
            return None
        view = self._sock_view
        if view is None or view._fd != fd:
            view = self._sock_view = _ConnectionSocket(self, fd)
        return view

    @sock.setter
    def sock(self, value):
        if value is not None:
            raise TypeError("httpc connections open their own sockets; only "
                            "None can be assigned to sock")
        _raw.httpc_conn_drop_socket(self._c)

    # -- sending -----------------------------------------------------------
    def _send_request(self, method, url, body, headers, encode_chunked):
        body, encode_chunked = _request_head(self, method, url, body, headers, encode_chunked)
        self.endheaders(body, encode_chunked=encode_chunked)

    @staticmethod
    def _get_content_length(body, method):
        if body is None:
            if method.upper() in _METHODS_EXPECTING_BODY:
                return 0
            return None
        if hasattr(body, "read"):
            return None
        try:
            return memoryview(body).nbytes
        except TypeError:
            pass
        if isinstance(body, str):
            return len(body)
        return None

    def putrequest(self, method, url, skip_host=False,
                   skip_accept_encoding=False):
        if not (method.isascii() and url.isascii()) or "\0" in method or "\0" in url:
            # http.client checks, then encodes as ASCII (UnicodeEncodeError).
            match = _hc._contains_disallowed_method_pchar_re.search(method)
            if match:
                raise ValueError(
                    f"method can't contain control characters. {method!r} "
                    f"(found at least {match.group()!r})")
            match = _hc._contains_disallowed_url_pchar_re.search(url or "/")
            if match:
                raise InvalidURL(f"URL can't contain control characters. {url!r} "
                                 f"(found at least {match.group()!r})")
            method.encode("ascii")
            url.encode("ascii")
        flags = (1 if skip_host else 0) | (2 if skip_accept_encoding else 0)
        _raw.httpc_conn_putrequest(self._c, method, url, flags)

    def putheader(self, header, *values):
        if hasattr(header, "encode"):
            header = header.encode("ascii")
        values = list(values)
        for i, one_value in enumerate(values):
            if hasattr(one_value, "encode"):
                values[i] = one_value.encode("latin-1")
            elif isinstance(one_value, int):
                values[i] = str(one_value).encode("ascii")
            else:
                values[i] = bytes(one_value)
        _raw.putheader(self._c, bytes(header), values)

    def endheaders(self, message_body=None, *, encode_chunked=False):
        if message_body is None or isinstance(message_body, (bytes, bytearray)):
            self._call(_raw.endheaders, self._c, message_body, encode_chunked)
            return
        if not hasattr(message_body, "read"):
            try:
                memoryview(message_body)
            except TypeError:
                pass
            else:
                self._call(_raw.endheaders, self._c, message_body, encode_chunked)
                return
        # A file or an iterable: the head goes now, then each piece is pushed
        # to C, which frames it (a chunk when chunked; an empty piece is
        # skipped with http.client's "Zero length chunk ignored").
        chunked = encode_chunked and self._http_vsn == 11
        self._call(_raw.endheaders, self._c, ..., chunked)
        self._send_body(message_body)

    def _send_body(self, message_body):
        # As the body part of http.client.HTTPConnection._send_output.
        if hasattr(message_body, "read"):
            chunks = self._read_readable(message_body)
        else:
            try:
                chunks = iter(message_body)
            except TypeError:
                raise TypeError("message_body should be a bytes-like object "
                                "or an iterable, got %r" % type(message_body))
        write = _raw.body_write
        for chunk in chunks:
            self._call(write, self._c, chunk)
        self._call(_raw.body_end, self._c)

    def _read_readable(self, readable):
        if self.debuglevel > 0:
            print("reading a readable")
        encode = isinstance(readable, io.TextIOBase)
        if encode and self.debuglevel > 0:
            print("encoding file using iso-8859-1")
        while True:
            datablock = readable.read(self.blocksize)
            if not datablock:
                break
            if encode:
                datablock = datablock.encode("iso-8859-1")
            yield datablock

    def send(self, data):
        c = self._c
        if hasattr(data, "read"):
            if self.debuglevel > 0:
                print("sending a readable")
            encode = isinstance(data, io.TextIOBase)
            if encode and self.debuglevel > 0:
                print("encoding file using iso-8859-1")
            while True:
                datablock = data.read(self.blocksize)
                if not datablock:
                    break
                if encode:
                    datablock = datablock.encode("iso-8859-1")
                self._call(_raw.httpc_conn_send, c, datablock)
            return
        try:
            self._call(_raw.httpc_conn_send, c, data)
        except TypeError:
            if isinstance(data, collections.abc.Iterable):
                for d in data:
                    self._call(_raw.httpc_conn_send, c, d)
            else:
                raise TypeError("data should be a bytes-like object "
                                "or an iterable, got %r" % type(data))

from ._errors import InvalidURL  # noqa: E402


class TLSContext:
    """The httpc counterpart of ssl.SSLContext (what HTTPSConnection takes)."""

    def __init__(self, *, load_system_store=True):
        self._ctx = (_raw.httpc_tls_context_new() if load_system_store
                     else _raw.httpc_tls_context_new_empty())

    def __del__(self):
        ctx, self._ctx = getattr(self, "_ctx", None), None
        if ctx is not None:
            _raw.httpc_tls_context_free(ctx)

    @property
    def check_hostname(self):
        return bool(_raw.httpc_tls_context_check_hostname(self._ctx))

    @check_hostname.setter
    def check_hostname(self, value):
        _raw.httpc_tls_context_set_check_hostname(self._ctx, 1 if value else 0)

    @property
    def verify_mode(self):
        return ssl.VerifyMode(_raw.httpc_tls_context_verify_mode(self._ctx))

    @verify_mode.setter
    def verify_mode(self, value):
        value = int(value)
        if value == ssl.CERT_OPTIONAL:
            raise ValueError("httpc supports CERT_NONE and CERT_REQUIRED only")
        _raw.httpc_tls_context_set_verify_mode(self._ctx, value)

    @property
    def minimum_version(self):
        return ssl.TLSVersion(_raw.httpc_tls_context_min_version(self._ctx))

    @minimum_version.setter
    def minimum_version(self, value):
        v = int(value)
        if v == ssl.TLSVersion.MINIMUM_SUPPORTED:
            v = ssl.TLSVersion.TLSv1_2
        elif v == ssl.TLSVersion.MAXIMUM_SUPPORTED:
            v = ssl.TLSVersion.TLSv1_3
        _raw.httpc_tls_context_set_min_version(self._ctx, int(v))

    def load_verify_locations(self, cafile=None, capath=None, cadata=None):
        if cafile is None and capath is None and cadata is None:
            raise TypeError("cafile, capath and cadata cannot be all omitted")
        if cafile is not None:
            _raw.httpc_tls_context_load_verify_file(self._ctx, str(cafile))
        if capath is not None:
            _raw.httpc_tls_context_load_verify_dir(self._ctx, str(capath))
        if cadata is not None:
            if isinstance(cadata, str):
                cadata = cadata.encode("ascii")
            _raw.httpc_tls_context_load_verify_pem(self._ctx, cadata)

    def load_cert_chain(self, certfile, keyfile=None, password=None):
        if password is not None:
            raise ValueError("httpc loads unencrypted keys only")
        _raw.httpc_tls_context_load_cert_chain(
            self._ctx, str(certfile), None if keyfile is None else str(keyfile))

    def load_default_certs(self, purpose=None):
        pass  # loaded at creation unless cafile/capath/cadata were given


def create_default_context(purpose=None, *, cafile=None, capath=None,
                           cadata=None):
    """As ssl.create_default_context(): verification and hostname checks on;
    the given CAs, or else the system store."""
    given = cafile is not None or capath is not None or cadata is not None
    ctx = TLSContext(load_system_store=not given)
    if given:
        ctx.load_verify_locations(cafile, capath, cadata)
    return ctx


# ssl.SSLContext -> TLSContext, converted once per context and state.
_converted = weakref.WeakKeyDictionary()


def tls_context_from_ssl(context):
    """The TLSContext that does what an ssl.SSLContext holds: its verify
    mode, check_hostname, minimum version and the CA certificates loaded
    into it (the system store too, when it was loaded: ssl loads the system
    CA file eagerly). A client certificate cannot be read back from an
    ssl.SSLContext: use an httpc TLSContext and load_cert_chain for that."""
    # A certificate store only grows, so its counts tell whether it changed.
    state = (context.verify_mode, context.check_hostname,
             context.minimum_version, tuple(context.cert_store_stats().values()))
    cached = _converted.get(context)
    if cached is not None and cached[0] == state:
        return cached[1]
    cas = context.get_ca_certs(binary_form=True)
    tls = TLSContext(load_system_store=False)
    if cas:
        tls.load_verify_locations(
            cadata="".join(ssl.DER_cert_to_PEM_cert(der) for der in cas))
    tls.check_hostname = False
    # A client treats CERT_OPTIONAL as CERT_REQUIRED (ssl's documentation).
    tls.verify_mode = (ssl.CERT_NONE if context.verify_mode == ssl.CERT_NONE
                       else ssl.CERT_REQUIRED)
    tls.check_hostname = context.check_hostname
    minimum = context.minimum_version
    if minimum in (ssl.TLSVersion.SSLv3, ssl.TLSVersion.TLSv1,
                   ssl.TLSVersion.TLSv1_1):
        minimum = ssl.TLSVersion.TLSv1_2  # httpc speaks TLS 1.2 and 1.3 only
    tls.minimum_version = minimum
    _converted[context] = (state, tls)
    return tls


def _default_https_context():
    """httpc's default context, unless the program replaced ssl's default
    for https (ssl._create_default_https_context), as http.client honours."""
    make = getattr(ssl, "_create_default_https_context", None)
    if make is None or make is ssl.create_default_context:
        return create_default_context()
    return make()


class HTTPSConnection(HTTPConnection):
    """http.client.HTTPSConnection; `context` is an httpc TLSContext or an
    ssl.SSLContext (carried over by tls_context_from_ssl)."""

    default_port = HTTPS_PORT

    def __init__(self, host, port=None, key_file=None, cert_file=None,
                 timeout=_GLOBAL_DEFAULT_TIMEOUT, source_address=None, *,
                 context=None, check_hostname=None, blocksize=8192,
                 total_timeout=None, max_response_size=None):
        if context is None:
            context = _default_https_context()
        # As http.client: check_hostname defaults to the context's, needs
        # verification, and is written back into the context.
        if check_hostname is None:
            check_hostname = context.check_hostname
        if check_hostname and context.verify_mode == ssl.CERT_NONE:
            raise ValueError("check_hostname needs a SSL context with either "
                             "CERT_OPTIONAL or CERT_REQUIRED")
        if isinstance(context, ssl.SSLContext):
            if key_file is not None or cert_file is not None:
                raise ValueError("httpc cannot carry a client certificate "
                                 "over from an ssl.SSLContext: use an httpc "
                                 "TLSContext (httpc.create_default_context)")
            context.check_hostname = check_hostname
            context = tls_context_from_ssl(context)
        else:
            if key_file is not None or cert_file is not None:
                context.load_cert_chain(cert_file, key_file)
            context.check_hostname = check_hostname
        self.key_file = key_file
        self.cert_file = cert_file
        self._context = context
        super().__init__(host, port, timeout, source_address, blocksize,
                         total_timeout=total_timeout,
                         max_response_size=max_response_size)

    def _new_conn(self, host, port, timeout, source_address, blocksize):
        src_host, src_port = source_address or (None, 0)
        return _raw.conn_new(host, port or 0, self._context._ctx, timeout,
                             src_host or None, src_port, blocksize,
                             self.debuglevel, self._total_timeout)
