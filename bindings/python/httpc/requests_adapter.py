"""A requests transport adapter that sends through httpc.

    import requests
    from httpc.requests_adapter import HTTPAdapter
    session = requests.Session()
    session.mount("http://", HTTPAdapter())
    session.mount("https://", HTTPAdapter())

requests' semantics stay as they are: redirects, cookies, auth, stream=True
and iter_content, (connect, read) timeouts, verify and cert, proxies
(CONNECT tunnels for https://), chunked uploads from generators,
max_retries, a pool of pool_maxsize connections per host (pool_block), and
the errors requests raises (ConnectionError, ConnectTimeout, ReadTimeout,
SSLError, ProxyError, ChunkedEncodingError).

Two paths. The common request (http:// or https://, no proxy, no retries:
requests' default) goes straight to the adapter's own pools of httpc
connections, and its response's `raw` reads from the httpc response: no
urllib3 pool, urlopen or urllib3 response on the way (they cost more than
httpc's whole request). It raises what urllib3 would have raised there, run
through the adapter's Retry object as urllib3 runs it, so requests turns it
into the same errors. Everything else (proxies, a max_retries that retries,
a subclass that overrides requests' connection hooks, unusual timeout
values) takes requests' own HTTPAdapter path on urllib3's pools of httpc
connections (httpc.urllib3_pool).

Not supported: SOCKS and https:// proxies (ValueError when used).
"""

import collections
import errno
import logging
import select
import threading
import types
import urllib.parse
import warnings

import requests.adapters
import requests.exceptions as rex
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, select_proxy
from urllib3._collections import HTTPHeaderDict
from urllib3.exceptions import (ConnectTimeoutError, DecodeError,
                                InsecureRequestWarning, MaxRetryError,
                                ProtocolError, ReadTimeoutError, ResponseError)
from urllib3.exceptions import HTTPError as _Urllib3HTTPError
from urllib3.exceptions import IncompleteRead as _Urllib3IncompleteRead
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import ProxyError as _Urllib3ProxyError
from urllib3.exceptions import SSLError as _Urllib3SSLError
from urllib3.response import HTTPResponse as _Urllib3Response
from urllib3.response import _get_decoder
from urllib3.connection import BaseSSLError
from urllib3.util.ssl_match_hostname import CertificateError

from . import _httpc_raw as _raw
from . import urllib3_pool
from ._errors import HTTPException, IncompleteRead

__all__ = ["HTTPAdapter", "mount"]

_getresponse = _raw.ConnBase.getresponse
_response_headers = _raw.response_headers
_isclosed = _raw.response_isclosed
_response_length = _raw.response_length
_log = logging.getLogger("urllib3.connectionpool")
_CONTENT_DECODERS = frozenset(_Urllib3Response.CONTENT_DECODERS)
_STREAM_CHUNK = 2 ** 16  # urllib3's default stream() amount
_URLS_KEPT = 256  # parsed URLs remembered per adapter
# requests' hooks that pick the connection: a subclass overriding one of
# them gets requests' own path, which calls them.
_CONNECTION_HOOKS = ("get_connection_with_tls_context", "get_connection", "cert_verify",
                     "request_url", "build_connection_pool_key_attributes",
                     "init_poolmanager", "proxy_manager_for")


class HTTPAdapter(requests.adapters.HTTPAdapter):
    """requests.adapters.HTTPAdapter on httpc connections; takes the same
    arguments (pool_connections, pool_maxsize, max_retries, pool_block)."""

    def __init__(self, *args, **kwargs):
        self._pools = collections.OrderedDict()
        self._pools_lock = threading.Lock()
        self._urls = {}
        super().__init__(*args, **kwargs)
        cls = type(self)
        self._own_hooks = all(getattr(cls, name) is getattr(HTTPAdapter, name)
                              for name in _CONNECTION_HOOKS)

    def init_poolmanager(self, connections, maxsize,
                         block=requests.adapters.DEFAULT_POOLBLOCK,
                         **pool_kwargs):
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.poolmanager = urllib3_pool.PoolManager(
            num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs)
        self._close_pools()

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        if proxy in self.proxy_manager:
            return self.proxy_manager[proxy]
        if proxy.lower().startswith("socks"):
            raise ValueError("httpc does not speak SOCKS: mount requests' own "
                             "HTTPAdapter for SOCKS proxies")
        manager = self.proxy_manager[proxy] = urllib3_pool.proxy_from_url(
            proxy, proxy_headers=self.proxy_headers(proxy),
            num_pools=self._pool_connections, maxsize=self._pool_maxsize,
            block=self._pool_block, **proxy_kwargs)
        return manager

    def __setstate__(self, state):
        self._pools = collections.OrderedDict()
        self._pools_lock = threading.Lock()
        self._urls = {}
        super().__setstate__(state)
        self._own_hooks = True

    def close(self):
        super().close()
        self._close_pools()

    def _close_pools(self):
        with self._pools_lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.close()

    # -- sending -----------------------------------------------------------
    def send(self, request, stream=False, timeout=None, verify=True, cert=None,
             proxies=None):
        timeouts = _timeouts(timeout)
        retries = self.max_retries
        target = self._urls.get(request.url)
        if target is None:
            target = self._target(request.url)
        if (timeouts is None or target is False or not self._own_hooks
                or (proxies and select_proxy(request.url, proxies))
                or type(retries.total) is not int or retries.total != 0):
            return super().send(request, stream, timeout, verify, cert, proxies)
        pool = self._pool(target, verify, cert, request.url)
        self.add_headers(request, stream=stream, timeout=timeout, verify=verify,
                         cert=cert, proxies=proxies)
        return self._send(pool, target[3], request, timeouts)

    def _target(self, url):
        """(scheme, host, port, path_url) of a URL, remembered; False when
        the common path does not take it."""
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        scheme, host = parts.scheme, parts.hostname
        if scheme not in ("http", "https") or not host:
            return False
        path_url = parts.path or "/"
        if parts.query:
            path_url += "?" + parts.query
        target = (scheme, host, port or (443 if scheme == "https" else 80), path_url)
        if len(self._urls) >= _URLS_KEPT:
            self._urls.clear()
        self._urls[url] = target
        return target

    def _pool(self, target, verify, cert, url):
        key = (target[0], target[1], target[2],
               verify if isinstance(verify, (bool, str)) else bool(verify),
               tuple(cert) if isinstance(cert, list) else cert)
        pool = self._pools.get(key)
        if pool is not None:
            return pool
        tls = None
        if target[0] == "https":
            # requests' own checks and choices (missing CA bundle or
            # certificate files raise OSError here, as they do there).
            tls = types.SimpleNamespace(cert_reqs=None, ca_certs=None, ca_cert_dir=None,
                                        cert_file=None, key_file=None)
            self.cert_verify(tls, url, verify, cert)
        with self._pools_lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = self._pools[key] = _Pool(target[0], target[1], target[2], tls,
                                                self._pool_maxsize, self._pool_block)
                while len(self._pools) > max(self._pool_connections, 1):
                    self._pools.popitem(last=False)[1].close()
        return pool

    def _send(self, pool, path_url, request, timeouts):
        method = request.method
        chunked = not (request.body is None or "Content-Length" in request.headers)
        conn = pool.get()
        try:
            conn.timeout = timeouts[0]
            if pool.tls is not None:
                if conn.is_closed:
                    conn.connect()
                if not conn.is_verified:  # urllib3 warns on every such request
                    warnings.warn(
                        f"Unverified HTTPS request is being made to host '{conn.host}'. "
                        "Adding certificate verification is strongly advised. See: "
                        "https://urllib3.readthedocs.io/en/latest/advanced-usage.html"
                        "#tls-warnings", InsecureRequestWarning)
            try:
                conn.request(method, path_url, body=request.body, headers=request.headers,
                             chunked=chunked, preload_content=False, decode_content=False)
            except BrokenPipeError:
                pass  # the server may close after a valid answer: read it (urllib3)
            except OSError as e:
                if e.errno not in (errno.EPROTOTYPE, errno.ECONNRESET):
                    raise
            conn.timeout = timeouts[1]
            try:
                original = _getresponse(conn)
            except (BaseSSLError, OSError) as e:
                if isinstance(e, TimeoutError) or getattr(e, "errno", None) in (
                        errno.EAGAIN, errno.EWOULDBLOCK):
                    raise ReadTimeoutError(
                        pool, path_url, f"Read timed out. (read timeout={timeouts[1]})") from e
                raise
            conn._response_options = None
        except BaseException as e:
            # Whatever happened, the connection goes back closed (urllib3).
            conn.close()
            pool.put(conn)
            if isinstance(e, (_Urllib3HTTPError, HTTPException, OSError, BaseSSLError,
                              CertificateError)):
                self._raise(e, pool, method, path_url, request)
            raise
        raw = _Raw(original, conn, pool, path_url)
        if type(self).build_response is not HTTPAdapter.build_response:
            return self.build_response(request, raw)
        # requests' build_response, with the headers as a dict.
        response = requests.Response()
        response.status_code = original.status
        response.headers = CaseInsensitiveDict(raw._header_dict())
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = raw
        response.reason = original.reason
        url = request.url
        response.url = url.decode("utf-8") if isinstance(url, bytes) else url
        extract_cookies_to_jar(response.cookies, request, raw)
        response.request = request
        response.connection = self
        return response

    def _raise(self, e, pool, method, path_url, request):
        """What urllib3's urlopen (with the adapter's Retry) and requests'
        send make of an error on the way to a response."""
        new_e = e
        if isinstance(e, (BaseSSLError, CertificateError)):
            new_e = _Urllib3SSLError(e)
        elif isinstance(e, (OSError, HTTPException)) and not isinstance(e, _Urllib3HTTPError):
            new_e = ProtocolError("Connection aborted.", e)
        try:
            try:
                self.max_retries.increment(method, path_url, error=new_e, _pool=pool,
                                           _stacktrace=e.__traceback__)
            except BaseException as raised:
                if raised is e or raised is new_e:
                    raise raised from None  # as urllib3 re-raises it
                raise
            raise new_e  # increment gave a retry: not on this path (total == 0)
        except (ProtocolError, OSError) as err:
            raise rex.ConnectionError(err, request=request) from None
        except MaxRetryError as err:
            reason = err.reason
            if isinstance(reason, ConnectTimeoutError) and not isinstance(
                    reason, NewConnectionError):
                raise rex.ConnectTimeout(err, request=request) from None
            if isinstance(reason, ResponseError):
                raise rex.RetryError(err, request=request) from None
            if isinstance(reason, _Urllib3ProxyError):
                raise rex.ProxyError(err, request=request) from None
            if isinstance(reason, _Urllib3SSLError):
                raise rex.SSLError(err, request=request) from None
            raise rex.ConnectionError(err, request=request) from None
        except _Urllib3SSLError as err:
            raise rex.SSLError(err, request=request) from None
        except ReadTimeoutError as err:
            raise rex.ReadTimeout(err, request=request) from None


def mount(session, **adapter_kwargs):
    """Mounts one httpc HTTPAdapter for http:// and https:// on a
    requests.Session; returns the session."""
    adapter = HTTPAdapter(**adapter_kwargs)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _timeouts(timeout):
    """(connect, read) seconds or None for blocking, from what requests
    passes; None when the value is one for requests' own path (a Timeout
    object, or one it would refuse with its own message)."""
    if timeout is None:
        return (None, None)
    if isinstance(timeout, tuple):
        if len(timeout) != 2:
            return None
        connect, read = timeout
    else:
        connect = read = timeout
    for value in (connect, read):
        if value is not None and (type(value) not in (int, float) or not value > 0):
            return None  # urllib3's Timeout refuses it (or it is a bool): its path
    return (connect, read)


class _Pool:
    """Keep-alive httpc connections to one origin with one TLS setting, as
    a urllib3 pool keeps them: at most `maxsize` idle; with `block`, at most
    `maxsize` at all (a request waits for one). Also stands for the pool in
    urllib3's error messages."""

    def __init__(self, scheme, host, port, tls, maxsize, block):
        self.scheme, self.host, self.port, self.tls = scheme, host, port, tls
        self.maxsize = max(maxsize, 1)
        self.idle = []
        self.slots = threading.BoundedSemaphore(self.maxsize) if block else None
        self.closed = False

    def __str__(self):
        name = "HTTPSConnectionPool" if self.tls is not None else "HTTPConnectionPool"
        return f"{name}(host={self.host!r}, port={self.port!r})"

    def get(self):
        if self.slots is not None:
            self.slots.acquire()
        idle = self.idle
        while idle:
            try:
                conn = idle.pop()
            except IndexError:  # another thread took the last one
                break
            fd = _raw.conn_fileno(conn._c)
            if fd >= 0 and select.select([fd], (), (), 0)[0]:
                conn.close()  # dropped by the server while idle (urllib3)
            return conn
        if self.tls is None:
            return urllib3_pool.HTTPConnection(self.host, self.port)
        tls = self.tls
        return urllib3_pool.HTTPSConnection(
            self.host, self.port, cert_reqs=tls.cert_reqs, ca_certs=tls.ca_certs,
            ca_cert_dir=tls.ca_cert_dir, cert_file=tls.cert_file, key_file=tls.key_file)

    def put(self, conn):
        if self.closed:
            conn.close()
        elif len(self.idle) < self.maxsize:
            self.idle.append(conn)
        else:
            _log.warning("Connection pool is full, discarding connection: %s. "
                         "Connection pool size: %s", self.host, self.maxsize)
            conn.close()
        if self.slots is not None:
            self.slots.release()

    def close(self):
        self.closed = True
        idle, self.idle = self.idle, []
        for conn in idle:
            conn.close()


class _Raw:
    """A requests Response's `raw` over an httpc response: what requests
    and its users call on urllib3's HTTPResponse (read, stream, close,
    release_conn, isclosed, tell, headers, _original_response...), raising
    the urllib3 errors requests turns into its own. The connection goes
    back to its pool once the body has been read to its end."""

    decode_content = True
    auto_close = True
    enforce_content_length = True
    retries = None

    def __init__(self, original, conn, pool, url):
        self._original_response = original
        self.url = url
        self._connection = conn
        self._pool = pool
        self.status = original.status
        self.reason = original.reason
        self.version = original.version
        self._pairs = urllib3_pool._normalized(_response_headers(original._r, False))
        self._headers = None
        self._decoder = None
        self._decoded = b""
        self._bytes_read = 0
        self._length = _response_length(original._r)  # the Content-Length, else -1
        self._closed = False
        if _isclosed(original._r):
            self.release_conn()  # no body (HEAD, 204, 304, length 0)

    def _header_dict(self):
        """The fields as a dict, repeated ones joined with ", " under the
        first one's spelling (what CaseInsensitiveDict(HTTPHeaderDict) gives)."""
        fields = {}
        spelled = {}
        for name, value in self._pairs:
            lower = name.lower()
            first = spelled.get(lower)
            if first is None:
                spelled[lower] = name
                fields[name] = value
            else:
                fields[first] += ", " + value
        return fields

    @property
    def headers(self):
        if self._headers is None:
            self._headers = HTTPHeaderDict(self._pairs)
        return self._headers

    @property
    def msg(self):
        return self._original_response.msg

    @property
    def connection(self):
        return self._connection

    @property
    def data(self):
        return self.read()

    @property
    def closed(self):
        return self._closed or _isclosed(self._original_response._r)

    def isclosed(self):
        return _isclosed(self._original_response._r)

    def readable(self):
        return True

    def tell(self):
        return self._bytes_read

    def getheader(self, name, default=None):
        return self.headers.get(name, default)

    def getheaders(self):
        return self.headers

    def info(self):
        return self.headers

    def geturl(self):
        return self.url

    def fileno(self):
        return self._original_response.fileno()

    def release_conn(self):
        conn, self._connection = self._connection, None
        if conn is not None:
            self._pool.put(conn)

    def drain_conn(self):
        try:
            self.read()
        except (HTTPException, OSError, _Urllib3HTTPError):
            pass

    def close(self):
        self._closed = True
        self._original_response.close()
        conn, self._connection = self._connection, None
        if conn is not None:
            conn.close()
            self._pool.put(conn)

    def shutdown(self):
        conn = self._connection
        if conn is not None:
            conn.close()

    def __iter__(self):
        return iter(self.stream())

    # -- the body ------------------------------------------------------------
    def _decoder_for(self, decode_content):
        if not decode_content:
            return None
        if self._decoder is None:
            encoding = ""
            for name, value in self._pairs:
                if name.lower() == "content-encoding":
                    encoding = value.lower()
            if encoding in _CONTENT_DECODERS or (
                    "," in encoding and any(e.strip() in _CONTENT_DECODERS
                                            for e in encoding.split(","))):
                self._decoder = _get_decoder(encoding)
            else:
                self._decoder = False
        return self._decoder or None

    def _read_raw(self, amt):
        """Up to amt body bytes (all with None), with urllib3's errors."""
        original = self._original_response
        clean = False
        try:
            data = original.read(amt)
            if self._length > 0 and (not data or _isclosed(original._r)):
                # http.client's read(amt) ends a body cut short quietly;
                # urllib3 checks the length itself (enforce_content_length).
                remaining = self._length - self._bytes_read - len(data)
                if remaining > 0:
                    self._bytes_read += len(data)
                    raise _Urllib3IncompleteRead(self._bytes_read, remaining)
            clean = True
        except TimeoutError as e:
            raise ReadTimeoutError(self._pool, None, "Read timed out.") from e
        except BaseSSLError as e:
            raise _Urllib3SSLError(e) from e
        except IncompleteRead as e:
            if e.expected is not None and e.partial is not None and e.expected == -e.partial:
                arg = "Response may not contain content."
            else:
                arg = f"Connection broken: {e!r}"
            raise ProtocolError(arg, e) from e
        except (HTTPException, OSError) as e:
            raise ProtocolError(f"Connection broken: {e!r}", e) from e
        finally:
            if not clean:
                original.close()
                conn, self._connection = self._connection, None
                if conn is not None:
                    conn.close()
                    self._pool.put(conn)
            elif _isclosed(original._r):
                self.release_conn()
        self._bytes_read += len(data)
        return data

    def _decode(self, decoder, data, flush):
        try:
            out = decoder.decompress(data) if data else b""
            if flush:
                out += decoder.flush()
        except _Urllib3Response.DECODER_ERROR_CLASSES as e:
            encoding = self.headers.get("content-encoding", "").lower()
            raise DecodeError("Received response with content-encoding: %s, but "
                              "failed to decode it." % encoding, e) from e
        return out

    def read(self, amt=None, decode_content=None, cache_content=False):
        decoder = self._decoder_for(self.decode_content if decode_content is None
                                    else decode_content)
        if decoder is None:
            if self._decoded:
                data, self._decoded = self._decoded, b""
                return data + self._read_raw(None if amt is None else max(amt - len(data), 0))
            return self._read_raw(amt)
        if amt is None:
            data = self._decoded + self._decode(decoder, self._read_raw(None), True)
            self._decoded = b""
            return data
        while len(self._decoded) < amt:
            raw = self._read_raw(amt)
            self._decoded += self._decode(decoder, raw, not raw)
            if not raw:
                break
        data, self._decoded = self._decoded[:amt], self._decoded[amt:]
        return data

    def read1(self, amt=None, decode_content=None):
        return self.read(amt if amt is not None and amt >= 0 else _STREAM_CHUNK,
                         decode_content)

    def stream(self, amt=_STREAM_CHUNK, decode_content=None):
        decoder = self._decoder_for(self.decode_content if decode_content is None
                                    else decode_content)
        if amt is not None and amt <= 0:
            amt = None
        while True:
            if decoder is None:
                data = self._read_raw(amt)
                if data:
                    yield data
                if not data or self.isclosed():
                    return
            else:
                data = self.read(amt, decode_content)
                if data:
                    yield data
                if not data or (self.isclosed() and not self._decoded):
                    return
