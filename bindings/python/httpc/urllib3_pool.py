"""urllib3's connection pools on httpc connections.

    from httpc.urllib3_pool import PoolManager
    http = PoolManager()
    r = http.request("GET", "https://example.org/")

urllib3 keeps everything it does above the connection: pools per origin
with their size limit, retries, redirects, proxies (forwarding for http://,
CONNECT tunnels for https://), timeouts as urllib3.Timeout, content
decoding, streaming. Only the connection class changes: HTTPConnection and
HTTPSConnection below implement urllib3's connection interface
(urllib3._base_connection.BaseHTTPConnection) on httpc connections, and
raise what urllib3's own connections raise (NewConnectionError,
ConnectTimeoutError, NameResolutionError, ssl errors, TimeoutError), so
urllib3 and requests turn them into the errors their users catch.

Needs urllib3 2.x (imported here, not by the httpc package).
"""

import socket
import ssl
import threading

import urllib3
import urllib3.connectionpool
import urllib3.poolmanager
from urllib3._base_connection import _ResponseOptions
from urllib3._collections import HTTPHeaderDict
from urllib3.exceptions import (ConnectTimeoutError, NameResolutionError,
                                NewConnectionError)
from urllib3.response import HTTPResponse as _Urllib3Response
from urllib3.util import SKIP_HEADER, SKIPPABLE_HEADERS
from urllib3.util.request import body_to_chunks
from urllib3.util.ssl_ import resolve_cert_reqs
from urllib3.util.timeout import _DEFAULT_TIMEOUT
from urllib3.util.wait import wait_for_read

from . import _httpc_raw as _raw
from . import client
from ._errors import TunnelFailed

__all__ = ["HTTPConnection", "HTTPSConnection", "HTTPConnectionPool",
           "HTTPSConnectionPool", "PoolManager", "ProxyManager",
           "proxy_from_url"]

_request = _raw.request
_getresponse = _raw.getresponse
_response_headers = _raw.response_headers
_conn_fileno = _raw.conn_fileno
_set_timeout = _raw.httpc_conn_set_timeout
_USER_AGENT = urllib3.connection._get_default_user_agent()
_HTTP_VERSION_STRING = "HTTP/1.1"


def _seconds(timeout):
    """urllib3's resolved timeout (None: block, a float, or the default
    sentinel) as httpc's seconds (negative: block)."""
    if timeout is _DEFAULT_TIMEOUT:
        timeout = socket.getdefaulttimeout()
    return -1.0 if timeout is None else float(timeout)


def _normalized(pairs):
    """Response header fields with obs-fold line breaks replaced by a space,
    as urllib3 does for http.client's (httpc keeps them as http.client)."""
    for i, (name, value) in enumerate(pairs):
        if "\r\n" in value:
            pairs[i] = (name, urllib3.connection._normalize_header_value(value))
    return pairs


class _BodyResponse(client.HTTPResponse):
    """The httpc response urllib3 reads the body from. urllib3 reads
    chunked bodies itself when its body object has http.client's `fp` (the
    socket file); httpc decodes chunks in C, so this response has none and
    urllib3 calls read() and read1() as for any file."""

    @property
    def fp(self):
        raise AttributeError("fp")


class HTTPConnection(client.HTTPConnection):
    """urllib3's HTTPConnection on an httpc connection."""

    default_port = urllib3.connection.HTTPConnection.default_port
    default_socket_options = urllib3.connection.HTTPConnection.default_socket_options
    response_class = _BodyResponse
    is_verified = False
    proxy_is_verified = None
    _response_options = None
    _tunnel_host = None
    _timeout_seconds = None

    def __init__(self, host, port=None, *, timeout=_DEFAULT_TIMEOUT,
                 source_address=None, blocksize=16384,
                 socket_options=default_socket_options, proxy=None,
                 proxy_config=None):
        self._timeout = timeout
        self.source_address = source_address
        self.blocksize = blocksize
        self.socket_options = socket_options
        self.proxy = proxy
        self.proxy_config = proxy_config
        self._has_connected_to_proxy = False
        # urllib3 names the host without the dot that makes a name fully
        # qualified (certificates carry none); the connection keeps it.
        self.host = host.rstrip(".")
        self.port = port or self.default_port
        self._timeout_seconds = _seconds(timeout)
        src_host, src_port = source_address or (None, 0)
        self._total_timeout = -1.0
        self._c = _raw.conn_new(host, self.port, self._tls(), self._timeout_seconds,
                                src_host or None, src_port, blocksize, self.debuglevel)

    def _tls(self):
        return False  # plain HTTP

    # urllib3 sets a connect timeout before request() and the read timeout
    # before getresponse(): the C connection is told only of a change.
    @property
    def timeout(self):
        return self._timeout

    @timeout.setter
    def timeout(self, value):
        self._timeout = value
        seconds = _seconds(value)
        if seconds != self._timeout_seconds and self._c is not None:
            self._timeout_seconds = seconds
            _set_timeout(self._c, seconds)

    def set_tunnel(self, host, port=None, headers=None, scheme="http"):
        if scheme not in ("http", "https"):
            raise ValueError(f"Invalid proxy scheme for tunneling: {scheme!r}, "
                             "must be either 'http' or 'https'")
        if scheme == "https":
            raise ValueError("httpc connects to proxies over plain TCP only")
        super().set_tunnel(host, port, headers)
        self._tunnel_host = host

    def connect(self):
        """Connects (and tunnels, and shakes hands for TLS), raising what
        urllib3's connect raises: its own errors for the TCP connect, the
        OS or ssl error for what comes after."""
        try:
            self._call(_raw.httpc_conn_connect, self._c)
        except socket.gaierror as e:
            raise NameResolutionError(self.host, self, e) from e
        except TunnelFailed:
            # urllib3 closes the connection when the proxy refuses, and
            # the error is then the proxy's (ProxyError).
            self.close()
            raise
        except ssl.SSLError:
            self._has_connected_to_proxy = bool(self.proxy)
            raise
        except TimeoutError as e:
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out. "
                f"(connect timeout={self.timeout})") from e
        except OSError as e:
            raise NewConnectionError(
                self, f"Failed to establish a new connection: {e}") from e
        self._has_connected_to_proxy = bool(self.proxy)
        if self.socket_options:
            sock = self.sock
            for option in self.socket_options:
                sock.setsockopt(*option)

    @property
    def is_closed(self):
        return _conn_fileno(self._c) < 0

    @property
    def is_connected(self):
        fd = _conn_fileno(self._c)
        return fd >= 0 and not wait_for_read(_FileDescriptor(fd), timeout=0.0)

    @property
    def has_connected_to_proxy(self):
        return self._has_connected_to_proxy

    @property
    def proxy_is_forwarding(self):
        return bool(self.proxy) and self._tunnel_host is None

    @property
    def proxy_is_tunneling(self):
        return self._tunnel_host is not None

    def close(self):
        super().close()
        self.is_verified = False
        self.proxy_is_verified = None
        self._has_connected_to_proxy = False
        self._response_options = None
        self._tunnel_host = None

    def putheader(self, header, *values):
        if not any(isinstance(v, str) and v == SKIP_HEADER for v in values):
            super().putheader(header, *values)
        elif header.lower() not in SKIPPABLE_HEADERS:
            skippable = "', '".join(str.title(h) for h in sorted(SKIPPABLE_HEADERS))
            raise ValueError(f"urllib3.util.SKIP_HEADER only supports '{skippable}'")

    def request(self, method, url, body=None, headers=None, *, chunked=False,
                preload_content=True, decode_content=True,
                enforce_content_length=True):
        """urllib3's request(): the same headers in the same order (Host,
        Accept-Encoding, the framing header, User-Agent, the caller's), the
        same framing decisions (body_to_chunks), sent in one C call when the
        body is bytes or None."""
        self._response_options = _ResponseOptions(
            request_method=method, request_url=url,
            preload_content=preload_content, decode_content=decode_content,
            enforce_content_length=enforce_content_length)
        if headers is None:
            headers = {}
        items = list(headers.items())
        header_keys = frozenset(k.lower() for k, _ in items)
        chunks, content_length = body_to_chunks(body, method, self.blocksize)
        if chunked:
            framing = [] if "transfer-encoding" in header_keys else [
                ("Transfer-Encoding", "chunked")]
        elif "content-length" in header_keys:
            framing = []
        elif "transfer-encoding" in header_keys:
            framing, chunked = [], True
        elif content_length is None:
            framing = []
            if chunks is not None:
                chunked = True
                framing = [("Transfer-Encoding", "chunked")]
        else:
            framing = [("Content-Length", str(content_length))]
        if "user-agent" not in header_keys:
            framing.append(("User-Agent", _USER_AGENT))
        pairs = framing + items
        single = chunks[0] if isinstance(chunks, tuple) else None
        if self.is_closed:
            self.connect()
        if (chunks is None or single is not None) and not any(
                v is SKIP_HEADER or v == SKIP_HEADER for _, v in items):
            # The one-call path: http.client's own framing rules give the
            # same bytes, as every framing header is already in `pairs`.
            self._busy += 1
            try:
                sent = _request(self._c, method, url, single, pairs, chunked)
            finally:
                self._busy -= 1
                if self._close_pending:
                    self._closed_meanwhile()
            if sent is not NotImplemented:
                return
        self.putrequest(method, url,
                        skip_accept_encoding="accept-encoding" in header_keys,
                        skip_host="host" in header_keys)
        for name, value in pairs:
            self.putheader(name, value)
        self.endheaders()
        if chunks is not None:
            for chunk in chunks:
                if not chunk:
                    continue  # an empty chunk would end a chunked body
                if isinstance(chunk, str):
                    chunk = chunk.encode("utf-8")
                if chunked:
                    self.send(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                else:
                    self.send(chunk)
        if chunked:
            self.send(b"0\r\n\r\n")

    def getresponse(self):
        """The response as urllib3 makes it from http.client's: a
        urllib3.HTTPResponse reading the body from the httpc response."""
        options = self._response_options
        if options is None:
            raise client.ResponseNotReady()
        self._response_options = None
        self._busy += 1
        try:
            head = _getresponse(self._c)
        finally:
            self._busy -= 1
            if self._close_pending:
                self._closed_meanwhile()
        original = _BodyResponse(head, options.request_method)
        original._conn = self
        pairs = _normalized(_response_headers(original._r, False))
        original._headers = client._message(pairs)
        return _Urllib3Response(
            body=original, headers=HTTPHeaderDict(pairs),
            status=original.status, version=original.version,
            version_string=_HTTP_VERSION_STRING, reason=original.reason,
            preload_content=options.preload_content,
            decode_content=options.decode_content,
            original_response=original,
            enforce_content_length=options.enforce_content_length,
            request_method=options.request_method,
            request_url=options.request_url,
            sock_shutdown=self._shutdown)

    def _shutdown(self, how=None):
        # urllib3's HTTPResponse.shutdown() (from another thread, to end a
        # read in progress): close() interrupts a call in progress.
        self.close()


class _FileDescriptor:
    """A descriptor number as the socket-like object wait_for_read takes."""

    __slots__ = ("_fd",)

    def __init__(self, fd):
        self._fd = fd

    def fileno(self):
        return self._fd


# TLS contexts made from urllib3's settings, shared by the connections
# with the same settings (loading a CA bundle costs milliseconds).
_contexts = {}
_contexts_lock = threading.Lock()
_CONTEXTS_KEPT = 32
_TLS_1_2 = ssl.TLSVersion.TLSv1_2


def _tls_context(cert_reqs, ca_certs, ca_cert_dir, ca_cert_data, cert_file,
                 key_file, key_password, ssl_context, ssl_minimum_version,
                 check_hostname):
    """The httpc TLSContext that does what urllib3 does with these settings
    (urllib3.util.ssl_.ssl_wrap_socket): verification as cert_reqs says
    (or the given ssl_context), the given CAs (else the context's, else the
    system store), the client certificate, the minimum version."""
    if isinstance(ca_cert_data, str):
        ca_cert_data = ca_cert_data.encode("ascii")
    key = (cert_reqs, ca_certs, ca_cert_dir, ca_cert_data, cert_file, key_file,
           key_password, ssl_context, ssl_minimum_version, check_hostname)
    with _contexts_lock:
        ctx = _contexts.get(key)
    if ctx is not None:
        return ctx
    if key_password is not None:
        raise ValueError("httpc loads unencrypted keys only")
    if cert_reqs is not None:
        verify = resolve_cert_reqs(cert_reqs)
    elif ssl_context is not None:
        verify = ssl_context.verify_mode
    else:
        verify = ssl.CERT_REQUIRED
    given = ca_certs or ca_cert_dir or ca_cert_data
    minimum = ssl_minimum_version
    if ssl_context is not None and not given:
        # A caller's ssl.SSLContext is used as it is: its CAs only.
        ctx = client.TLSContext(load_system_store=False)
        cas = ssl_context.get_ca_certs(binary_form=True)
        if cas:
            ctx.load_verify_locations(cadata="".join(
                ssl.DER_cert_to_PEM_cert(der) for der in cas))
        minimum = minimum or ssl_context.minimum_version
    else:
        ctx = client.TLSContext(load_system_store=not given)
        if given:
            ctx.load_verify_locations(ca_certs, ca_cert_dir, ca_cert_data)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE if verify == ssl.CERT_NONE else ssl.CERT_REQUIRED
    ctx.check_hostname = check_hostname and verify != ssl.CERT_NONE
    if minimum is not None and int(minimum) > int(_TLS_1_2):
        ctx.minimum_version = minimum  # httpc speaks TLS 1.2 and 1.3
    if cert_file:
        ctx.load_cert_chain(cert_file, key_file)
    with _contexts_lock:
        if len(_contexts) >= _CONTEXTS_KEPT:
            _contexts.pop(next(iter(_contexts)))
        _contexts[key] = ctx
    return ctx


class HTTPSConnection(HTTPConnection):
    """urllib3's HTTPSConnection on an httpc connection, with an httpc
    TLSContext made from urllib3's TLS settings (changed settings take
    effect on the next connect, as in urllib3). Not supported (ValueError):
    a client key with a password, assert_fingerprint, and a server_hostname
    or assert_hostname other than the host; https:// proxies."""

    default_port = urllib3.connection.HTTPSConnection.default_port
    _tunnel = None

    def __init__(self, host, port=None, *, timeout=_DEFAULT_TIMEOUT,
                 source_address=None, blocksize=16384,
                 socket_options=HTTPConnection.default_socket_options,
                 proxy=None, proxy_config=None, cert_reqs=None,
                 assert_hostname=None, assert_fingerprint=None,
                 server_hostname=None, ssl_context=None, ca_certs=None,
                 ca_cert_dir=None, ca_cert_data=None, ssl_minimum_version=None,
                 ssl_maximum_version=None, ssl_version=None, cert_file=None,
                 key_file=None, key_password=None):
        if assert_fingerprint is not None:
            raise ValueError("httpc does not check certificate fingerprints")
        if isinstance(assert_hostname, str) or server_hostname is not None:
            raise ValueError("httpc checks the certificate against the host only")
        self.cert_reqs = cert_reqs
        self.assert_hostname = assert_hostname
        self.assert_fingerprint = None
        self.server_hostname = None
        self.ssl_context = ssl_context
        self.ca_certs = ca_certs
        self.ca_cert_dir = ca_cert_dir
        self.ca_cert_data = ca_cert_data
        self.ssl_minimum_version = ssl_minimum_version
        self.ssl_maximum_version = ssl_maximum_version
        self.ssl_version = ssl_version
        self.cert_file = cert_file
        self.key_file = key_file
        self.key_password = key_password
        super().__init__(host, port, timeout=timeout,
                         source_address=source_address, blocksize=blocksize,
                         socket_options=socket_options, proxy=proxy,
                         proxy_config=proxy_config)

    def _tls(self):
        self._context = _tls_context(
            self.cert_reqs, self.ca_certs, self.ca_cert_dir, self.ca_cert_data,
            self.cert_file, self.key_file, self.key_password, self.ssl_context,
            self.ssl_minimum_version, self.assert_hostname is not False)
        return self._context._ctx

    def set_cert(self, key_file=None, cert_file=None, cert_reqs=None,
                 key_password=None, ca_certs=None, assert_hostname=None,
                 assert_fingerprint=None, ca_cert_dir=None, ca_cert_data=None):
        if assert_fingerprint is not None:
            raise ValueError("httpc does not check certificate fingerprints")
        self.key_file, self.cert_file = key_file, cert_file
        self.cert_reqs, self.key_password = cert_reqs, key_password
        self.ca_certs, self.ca_cert_dir = ca_certs, ca_cert_dir
        self.ca_cert_data, self.assert_hostname = ca_cert_data, assert_hostname

    def set_tunnel(self, host, port=None, headers=None, scheme="http"):
        super().set_tunnel(host, port, headers, scheme)
        self._tunnel = (host, port, headers)

    def connect(self):
        old = self._context
        tls = self._tls()
        if self._context is not old:
            # The TLS settings changed: a new C connection carries them.
            src_host, src_port = self.source_address or (None, 0)
            c = _raw.conn_new(self.host, self.port, tls, self._timeout_seconds,
                              src_host or None, src_port, self.blocksize,
                              self.debuglevel)
            c, self._c = self._c, c
            _raw.httpc_conn_free(c)
            if self._tunnel is not None:
                client.HTTPConnection.set_tunnel(self, *self._tunnel)
        super().connect()
        self.is_verified = self._context.verify_mode == ssl.CERT_REQUIRED

    def close(self):
        super().close()
        self._tunnel = None


class HTTPConnectionPool(urllib3.HTTPConnectionPool):
    ConnectionCls = HTTPConnection


class HTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = HTTPSConnection


_POOL_CLASSES = {"http": HTTPConnectionPool, "https": HTTPSConnectionPool}


class PoolManager(urllib3.PoolManager):
    """urllib3.PoolManager whose pools open httpc connections."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool_classes_by_scheme = _POOL_CLASSES


class ProxyManager(urllib3.ProxyManager):
    """urllib3.ProxyManager whose pools open httpc connections: plain
    requests go to the proxy, https:// ones through a CONNECT tunnel."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.proxy.scheme == "https":
            raise ValueError("httpc connects to proxies over plain TCP only")
        self.pool_classes_by_scheme = _POOL_CLASSES


def proxy_from_url(url, **kw):
    return ProxyManager(proxy_url=url, **kw)
