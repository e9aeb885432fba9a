"""requests (and urllib3) with and without httpc underneath, against the same
local servers; what the caller sees must be the same.

Each scenario runs once per flavour: "requests" (a plain requests.Session)
and "httpc" (the same with httpc.requests_adapter.HTTPAdapter mounted), and
returns an observation (status, headers the server saw, body, history,
exception classes...) compared between the two. Every scenario also checks
its own observation, so the two failing alike does not pass.

Servers: an http.server and raw scripted sockets in this process; nginx
(HTTPS listeners with their certificates) and tinyproxy from
tests/support/with-servers.sh --https --tinyproxy --big (the classes that
need them skip without them). Run with the interpreter of the project's
venv (tests/python/venv.sh), which has requests and urllib3.
"""

import gzip
import hashlib
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import warnings

import requests
import urllib3

import httpc
from httpc import requests_adapter, urllib3_pool

E = os.environ
NGINX = int(E["HTTPC_TEST_HTTP_PORT"]) if "HTTPC_TEST_HTTP_PORT" in E else None
HTTPS = int(E["HTTPC_TEST_HTTPS_PORT"]) if "HTTPC_TEST_HTTPS_PORT" in E else None
PROXY = int(E["HTTPC_TEST_PROXY_PORT"]) if "HTTPC_TEST_PROXY_PORT" in E else None
CA = E.get("HTTPC_TEST_CA")
FLAVOURS = ("requests", "httpc")
SERVER_LIFETIME = 300.0  # seconds; scripted servers stop by themselves after it
USER, PASSWORD = "alice", "s3cret"
TEXT = "first line\nsecond line: caf\u00e9\nthird\n"
BIG = bytes(range(256)) * 4096  # 1 MiB


def session(flavour, **adapter_kwargs):
    s = requests.Session()
    s.trust_env = False  # no proxy or CA settings from the environment
    if flavour == "httpc":
        requests_adapter.mount(s, **adapter_kwargs)
    elif adapter_kwargs:
        adapter = requests.adapters.HTTPAdapter(**adapter_kwargs)
        s.mount("http://", adapter)
        s.mount("https://", adapter)
    return s


def error_view(exc):
    """What a caller of requests sees of an exception: its class, the
    urllib3 error inside and that one's reason."""
    view = {"class": type(exc).__name__}
    inner = exc.args[0] if exc.args else None
    if isinstance(inner, BaseException):
        view["inner"] = type(inner).__name__
        reason = getattr(inner, "reason", None)
        if isinstance(reason, BaseException):
            view["reason"] = type(reason).__name__
    for name in ("ConnectionError", "Timeout", "ConnectTimeout", "ReadTimeout",
                 "SSLError", "ProxyError", "ChunkedEncodingError", "HTTPError"):
        view["is_" + name] = isinstance(exc, getattr(requests.exceptions, name))
    return view


def response_view(r, body=True):
    """The parts of a requests.Response a caller reads (Date and Server vary
    by the second and by server, not by client: left out)."""
    headers = {k: v for k, v in r.headers.items() if k.lower() not in ("date",)}
    view = {"status": r.status_code, "reason": r.reason, "url": r.url,
            "headers": headers, "encoding": r.encoding,
            "history": [(h.status_code, h.url) for h in r.history],
            "cookies": sorted(r.cookies.items()),
            "ran_on_httpc": isinstance(r.raw._original_response, httpc.HTTPResponse)}
    if body:
        view["body"] = r.content
    return view


class Handler(http.server.BaseHTTPRequestHandler):
    """/echo: JSON of what arrived; /redirect: 302 to /echo; /redirect-post:
    307 to /echo; /gzip; /text; /big; /setcookie; /auth (Basic); /slow (after
    3 s); /missing: 404."""

    protocol_version = "HTTP/1.1"
    # Connections and requests served so far (a test compares differences).
    counts_lock = threading.Lock()
    connections = requests_served = 0

    def setup(self):
        super().setup()
        with Handler.counts_lock:
            Handler.connections += 1

    def log_message(self, *args):
        pass

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(self, status, body, ctype="application/octet-stream", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        with Handler.counts_lock:
            Handler.requests_served += 1
        body = self._body()
        path = self.path
        if path.startswith("/echo") or path.startswith("http://"):
            seen = {"method": self.command, "path": path,
                    "headers": sorted((k.lower(), v) for k, v in self.headers.items()),
                    "body_sha": hashlib.sha256(body).hexdigest(),
                    "body_len": len(body)}
            self._reply(200, json.dumps(seen).encode(), "application/json")
        elif path == "/redirect":
            self._reply(302, b"go", extra=[("Location", "/echo?from=redirect")])
        elif path == "/redirect-post":
            self._reply(307, b"go", extra=[("Location", "/echo?from=307")])
        elif path == "/redirect-loop":
            self._reply(302, b"again", extra=[("Location", "/redirect-loop")])
        elif path == "/missing":
            self._reply(404, b"no such thing\n", "text/plain")
        elif path == "/gzip":
            self._reply(200, gzip.compress(TEXT.encode()), "text/plain; charset=utf-8",
                        [("Content-Encoding", "gzip")])
        elif path == "/text":
            self._reply(200, TEXT.encode(), "text/plain; charset=utf-8")
        elif path == "/big":
            self._reply(200, BIG)
        elif path == "/setcookie":
            self._reply(200, b"set", extra=[("Set-Cookie", "flavour=cookie; Path=/")])
        elif path == "/auth":
            expected = "Basic " + __import__("base64").b64encode(
                f"{USER}:{PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") == expected:
                self._reply(200, b"welcome")
            else:
                self._reply(401, b"who are you", "text/plain",
                            [("WWW-Authenticate", 'Basic realm="test"')])
        elif path == "/slow":
            time.sleep(3)
            self._reply(200, b"late")
        else:
            self._reply(404, b"unknown path")

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _handle


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that time out hang up on purpose


def start_in_thread(server):
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                     daemon=True).start()
    stopper = threading.Timer(SERVER_LIFETIME, server.shutdown)
    stopper.daemon = True
    stopper.start()
    return server


class ScriptedServer:
    """Answers every connection with the same bytes, then closes it (raw
    replies that http.server cannot produce: broken bodies)."""

    def __init__(self, reply):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(SERVER_LIFETIME)
        self.port = self.sock.getsockname()[1]
        self.reply = reply
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                try:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        more = conn.recv(65536)
                        if not more:
                            break
                        data += more
                    conn.sendall(self.reply)
                except OSError:
                    pass

    def close(self):
        self.sock.close()


class Differential(unittest.TestCase):
    def same(self, scenario, fails=False):
        """Runs scenario(flavour) for both flavours; returns the observation
        once they agree. fails: the scenario is meant to end in an error."""
        seen, failed = [], []
        for flavour in FLAVOURS:
            try:
                seen.append(scenario(flavour))
                failed.append(False)
            except Exception as exc:  # compared below, like a result
                seen.append(error_view(exc))
                failed.append(True)
        self.assertEqual(seen[0], seen[1])
        self.assertEqual(failed, [fails, fails], seen[1])
        if isinstance(seen[1], dict) and "ran_on_httpc" in seen[1]:
            # True when each flavour ran on what it says (response_view).
            self.assertTrue(seen[1]["ran_on_httpc"])
        return seen[1]


class LocalServer(Differential):
    @classmethod
    def setUpClass(cls):
        cls.server = start_in_thread(
            QuietServer(("127.0.0.1", 0), Handler))
        cls.base = "http://127.0.0.1:%d" % cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def url(self, path):
        return self.base + path

    def get(self, flavour, path, method="GET", **kw):
        with session(flavour) as s:
            r = s.request(method, self.url(path), **kw)
            view = response_view(r)
            view["ran_on_httpc"] = view["ran_on_httpc"] == (flavour == "httpc")
            return view

    def echo(self, flavour, path="/echo", method="GET", **kw):
        view = self.get(flavour, path, method, **kw)
        view["echo"] = json.loads(view.pop("body"))
        view["headers"].pop("Content-Length")
        return view

    def test_get_with_params_and_headers(self):
        seen = self.same(lambda f: self.echo(f, params={"q": "1 2", "r": "\u00e9"},
                                             headers={"X-Test": "v"}))
        self.assertTrue(seen["ran_on_httpc"])
        self.assertEqual(seen["echo"]["path"], "/echo?q=1+2&r=%C3%A9")
        self.assertIn(["x-test", "v"], seen["echo"]["headers"])
        self.assertIn(["connection", "keep-alive"], seen["echo"]["headers"])

    def test_post_bodies(self):
        for kw in ({"data": b"raw bytes"}, {"data": {"a": "1", "b": "\u00e9"}},
                   {"json": {"list": [1, 2], "text": "caf\u00e9"}},
                   {"data": "text caf\u00e9"}, {"data": b""}, {}):
            with self.subTest(kw=kw):
                seen = self.same(lambda f: self.echo(f, method="POST", **kw))
                self.assertEqual(seen["echo"]["method"], "POST")

    def test_other_methods(self):
        for method in ("PUT", "PATCH", "DELETE", "OPTIONS"):
            with self.subTest(method=method):
                seen = self.same(lambda f: self.echo(f, method=method, data=b"x"))
                self.assertEqual(seen["echo"]["method"], method)

    def test_multipart_files(self):
        def upload(flavour):
            view = self.echo(flavour, method="POST", files={"f": ("a.txt", b"file data")},
                             data={"field": "v"})
            headers = dict(view["echo"]["headers"])
            # The boundary is random: compare the shape, not the bytes.
            view["echo"].pop("body_sha")
            view["echo"]["headers"] = sorted(
                (k, v.split("boundary=")[0] if k == "content-type" else v)
                for k, v in headers.items() if k != "content-length")
            return view
        seen = self.same(upload)
        self.assertEqual(seen["echo"]["method"], "POST")

    def test_file_upload(self):
        with tempfile.TemporaryFile() as f:
            f.write(BIG)

            def put(flavour):
                f.seek(0)
                return self.echo(flavour, method="PUT", data=f)
            seen = self.same(put)
        self.assertEqual(seen["echo"]["body_sha"], hashlib.sha256(BIG).hexdigest())
        self.assertIn(["content-length", str(len(BIG))], seen["echo"]["headers"])

    def test_chunked_generator_upload(self):
        def post(flavour):
            return self.echo(flavour, method="POST",
                             data=(p for p in [b"one,", b"", b"two,", b"three"]))
        seen = self.same(post)
        self.assertIn(["transfer-encoding", "chunked"], seen["echo"]["headers"])
        self.assertEqual(seen["echo"]["body_sha"], hashlib.sha256(b"one,two,three").hexdigest())

    def test_redirects_and_history(self):
        seen = self.same(lambda f: self.echo(f, "/redirect"))
        self.assertEqual(seen["echo"]["path"], "/echo?from=redirect")
        self.assertEqual([h[0] for h in seen["history"]], [302])
        seen = self.same(lambda f: self.echo(f, "/redirect-post", method="POST", data=b"kept"))
        self.assertEqual((seen["echo"]["method"], seen["echo"]["body_len"]), ("POST", 4))
        seen = self.same(lambda f: self.get(f, "/redirect", allow_redirects=False))
        self.assertEqual((seen["status"], seen["history"]), (302, []))
        seen = self.same(lambda f: self.get(f, "/redirect-loop"), fails=True)
        self.assertEqual(seen["class"], "TooManyRedirects")

    def test_cookies(self):
        def cookies(flavour):
            with session(flavour) as s:
                s.get(self.url("/setcookie"))
                seen = s.get(self.url("/echo")).json()
                return seen["headers"], s.cookies.get_dict()
        headers, jar = self.same(cookies)
        self.assertIn(["cookie", "flavour=cookie"], headers)
        self.assertEqual(jar, {"flavour": "cookie"})

    def test_basic_auth(self):
        seen = self.same(lambda f: self.get(f, "/auth", auth=(USER, PASSWORD)))
        self.assertEqual((seen["status"], seen["body"]), (200, b"welcome"))
        seen = self.same(lambda f: self.get(f, "/auth"))
        self.assertEqual(seen["status"], 401)

    def test_gzip_and_text(self):
        seen = self.same(lambda f: self.get(f, "/gzip"))
        self.assertEqual(seen["body"], TEXT.encode())

        def text(flavour):
            with session(flavour) as s:
                r = s.get(self.url("/text"))
                return r.text, r.encoding, list(s.get(self.url("/text"), stream=True).iter_lines())
        seen = self.same(text)
        self.assertEqual(seen[0], TEXT)

    def test_head_and_404(self):
        seen = self.same(lambda f: self.get(f, "/text", method="HEAD"))
        self.assertEqual((seen["status"], seen["body"]), (200, b""))

        def missing(flavour):
            with session(flavour) as s:
                s.get(self.url("/missing")).raise_for_status()
        seen = self.same(missing, fails=True)
        self.assertEqual(seen["class"], "HTTPError")

    def test_stream_iter_content(self):
        def stream(flavour):
            with session(flavour) as s:
                with s.get(self.url("/big"), stream=True) as r:
                    sizes = [len(c) for c in r.iter_content(100000)]
                    raw_done = r.raw.isclosed()
                with s.get(self.url("/big"), stream=True) as r:
                    first = r.raw.read(10)
                    rest = r.raw.read()
                return sizes, raw_done, first + rest == BIG, r.raw.tell()
        seen = self.same(stream)
        self.assertEqual(sum(seen[0]), len(BIG))
        self.assertTrue(seen[2])

    def test_read_timeout(self):
        seen = self.same(lambda f: self.get(f, "/slow", timeout=(10, 0.5)), fails=True)
        self.assertEqual(seen["class"], "ReadTimeout")
        self.assertTrue(seen["is_Timeout"])

    def test_connection_reuse_and_errors_after(self):
        def reuse(flavour):
            connections, served = Handler.connections, Handler.requests_served
            with session(flavour) as s:
                released = set()
                for _ in range(5):
                    r = s.get(self.url("/echo"))
                    released.add(r.raw._connection is None)
                    r.json()
                return (Handler.connections - connections,
                        Handler.requests_served - served, released)
        self.assertEqual(self.same(reuse), (1, 5, {True}))

    def test_idle_connection_closed_by_server(self):
        """A kept-alive connection the server closed while it sat in the
        pool is replaced, not failed on (urllib3 checks before reuse)."""
        server = ScriptedServer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        self.addCleanup(server.close)
        url = "http://127.0.0.1:%d/" % server.port

        def twice(flavour):
            with session(flavour) as s:
                first = s.get(url).content
                time.sleep(0.2)  # the server has closed it by now
                return first, s.get(url).content
        self.assertEqual(self.same(twice), (b"ok", b"ok"))

    def test_warnings_and_retries(self):
        """verify=False warns on every request (InsecureRequestWarning);
        max_retries and odd timeouts take requests' own path, with the
        same outcome."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            refused = "http://127.0.0.1:%d/" % s.getsockname()[1]
            seen = self.same(lambda f: session(f, max_retries=2).get(refused), fails=True)
            self.assertEqual((seen["class"], seen["inner"], seen["reason"]),
                             ("ConnectionError", "MaxRetryError", "NewConnectionError"))
        seen = self.same(lambda f: session(f).get(self.url("/text"), timeout=0), fails=True)
        self.assertEqual(seen["class"], "ValueError")
        seen = self.same(lambda f: session(f).get(self.url("/text"), timeout=(1, 2, 3)),
                         fails=True)
        self.assertEqual(seen["class"], "ValueError")
        seen = self.same(lambda f: self.get(f, "/text", timeout=(5, None)))
        self.assertEqual(seen["status"], 200)

    def test_pool_limit(self):
        """pool_maxsize=2 with pool_block=True: at most two connections for
        eight threads (as the server counts them)."""
        def limited(flavour):
            connections, served = Handler.connections, Handler.requests_served
            with session(flavour, pool_maxsize=2, pool_block=True) as s:
                errors = []

                def worker():
                    try:
                        s.get(self.url("/big")).content
                    except Exception as exc:  # reported below
                        errors.append(exc)
                threads = [threading.Thread(target=worker) for _ in range(8)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(120)
                return (errors, Handler.connections - connections <= 2,
                        Handler.requests_served - served)
        self.assertEqual(self.same(limited), ([], True, 8))

    def test_refused(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]  # bound, never listening: refused
            seen = self.same(lambda f: session(f).get("http://127.0.0.1:%d/" % port),
                             fails=True)
        self.assertEqual((seen["class"], seen["reason"]),
                         ("ConnectionError", "NewConnectionError"))

    def test_connect_timeout(self):
        """A listener whose accept queue is full drops new SYNs: the connect
        times out."""
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(0)
            port = listener.getsockname()[1]
            fillers = []
            try:
                for _ in range(8):
                    c = socket.socket()
                    c.setblocking(False)
                    c.connect_ex(("127.0.0.1", port))
                    fillers.append(c)
                time.sleep(0.2)
                seen = self.same(lambda f: session(f).get("http://127.0.0.1:%d/" % port,
                                                          timeout=(0.5, 10)), fails=True)
            finally:
                for c in fillers:
                    c.close()
        self.assertEqual(seen["class"], "ConnectTimeout")

    def test_broken_bodies(self):
        replies = {
            "short content-length": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this",
            "chunked cut": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"64\r\nnot a hundred bytes",
            "bad chunk size": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "no status line": b"",
            "garbage status": b"HTTP/1.1 OK\r\n\r\n",
        }
        for name, reply in replies.items():
            with self.subTest(name):
                server = ScriptedServer(reply)
                self.addCleanup(server.close)
                url = "http://127.0.0.1:%d/" % server.port

                def fetch(flavour):
                    return session(flavour).get(url).content

                def stream(flavour):
                    with session(flavour).get(url, stream=True) as r:
                        return b"".join(r.iter_content(4))
                first = self.same(fetch, fails=True)
                second = self.same(stream, fails=True)
                if name in ("short content-length", "chunked cut", "bad chunk size"):
                    self.assertEqual(first["class"], "ChunkedEncodingError")
                    self.assertEqual(second["class"], "ChunkedEncodingError")
                else:
                    self.assertEqual(first["class"], "ConnectionError")

    def test_urllib3_pool_manager(self):
        """urllib3 users: httpc's PoolManager against urllib3's own."""
        def fetch(flavour):
            manager = (urllib3_pool.PoolManager if flavour == "httpc"
                       else urllib3.PoolManager)(maxsize=2)
            with manager:
                r = manager.request("GET", self.url("/redirect"))
                s = manager.request("POST", self.url("/echo"), body=b"x" * 10,
                                    headers={"X-Test": "1"})
                g = manager.request("GET", self.url("/gzip"))
                streamed = manager.request("GET", self.url("/big"), preload_content=False)
                sizes = [len(c) for c in streamed.stream(300000)]
                streamed.release_conn()
                pool = manager.connection_from_url(self.base)
                return (r.status, r.data, json.loads(s.data)["headers"], g.data, sizes,
                        pool.num_connections, pool.num_requests)
        seen = self.same(fetch)
        self.assertEqual(seen[0], 200)
        self.assertEqual(seen[3], TEXT.encode())


@unittest.skipUnless(NGINX and HTTPS and PROXY and CA,
                     "needs with-servers.sh --https --tinyproxy")
class RealServers(Differential):
    def setUp(self):
        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)

    def view(self, flavour, url, **kw):
        with session(flavour) as s:
            r = s.get(url, **kw)
            view = response_view(r)
            view["ran_on_httpc"] = view["ran_on_httpc"] == (flavour == "httpc")
            for varying in ("ETag", "Last-Modified"):
                view["headers"].pop(varying, None)
            return view

    def test_nginx_files(self):
        for path in ("/small", "/empty", "/chunked", "/redirect", "/status/404", "/echo"):
            with self.subTest(path):
                seen = self.same(lambda f: self.view(f, "http://127.0.0.1:%d%s" % (NGINX, path)))
                self.assertTrue(seen["ran_on_httpc"])

    def test_keep_alive_counted_by_nginx(self):
        def counted(flavour):
            with session(flavour) as s:
                rs = [s.get("http://127.0.0.1:%d/counted/small" % NGINX) for _ in range(4)]
                return ([r.headers["X-Connection-Requests"] for r in rs],
                        len({r.headers["X-Connection"] for r in rs}))
        self.assertEqual(self.same(counted), (["1", "2", "3", "4"], 1))

    def test_https_verify(self):
        url = "https://localhost:%d/small" % HTTPS
        seen = self.same(lambda f: self.view(f, url, verify=CA))
        self.assertEqual(seen["status"], 200)
        seen = self.same(lambda f: self.view(f, url, verify=False))
        self.assertEqual(seen["status"], 200)
        seen = self.same(lambda f: self.view(f, url, verify=True), fails=True)
        self.assertEqual(seen["class"], "SSLError")
        wrong = "https://localhost:%d/small" % int(E["HTTPC_TEST_WRONGHOST_PORT"])
        seen = self.same(lambda f: self.view(f, wrong, verify=CA), fails=True)
        self.assertEqual(seen["class"], "SSLError")
        untrusted = "https://localhost:%d/small" % int(E["HTTPC_TEST_UNTRUSTED_CA_PORT"])
        seen = self.same(lambda f: self.view(f, untrusted, verify=CA), fails=True)
        self.assertEqual(seen["class"], "SSLError")

    def test_https_unverified_warns(self):
        url = "https://localhost:%d/small" % HTTPS

        def warned(flavour):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                with session(flavour) as s:
                    for _ in range(2):
                        s.get(url, verify=False).content
            return [type(w.message).__name__ for w in caught]
        self.assertEqual(self.same(warned), ["InsecureRequestWarning"] * 2)

    def test_https_client_cert(self):
        url = "https://localhost:%d/small" % int(E["HTTPC_TEST_CLIENTCERT_PORT"])
        cert = (E["HTTPC_TEST_CLIENT_CERT"], E["HTTPC_TEST_CLIENT_KEY"])
        seen = self.same(lambda f: self.view(f, url, verify=CA, cert=cert))
        self.assertEqual(seen["status"], 200)

    def test_https_redirect_and_stream(self):
        base = "https://localhost:%d" % HTTPS

        def fetch(flavour):
            with session(flavour) as s:
                r = s.get(base + "/redirect", verify=CA)
                with s.get(base + "/large", verify=CA, stream=True) as big:
                    digest = hashlib.sha256()
                    for chunk in big.iter_content(1 << 20):
                        digest.update(chunk)
                return r.status_code, r.url, len(r.content), digest.hexdigest()
        seen = self.same(fetch)
        self.assertEqual(seen[:3], (200, base + "/small", 100))

    def test_proxies(self):
        proxy = "http://127.0.0.1:%d" % PROXY
        plain = "http://127.0.0.1:%d/echo" % NGINX
        tls = "https://localhost:%d/small" % HTTPS
        proxies = {"http": proxy, "https": proxy}
        seen = self.same(lambda f: self.view(f, plain, proxies=proxies))
        self.assertEqual(seen["status"], 200)
        seen = self.same(lambda f: self.view(f, tls, proxies=proxies, verify=CA))
        self.assertEqual((seen["status"], len(seen["body"])), (200, 100))
        auth_port = int(E["HTTPC_TEST_PROXY_AUTH_PORT"])
        refused = {"https": "http://127.0.0.1:%d" % auth_port}
        seen = self.same(lambda f: self.view(f, tls, proxies=refused, verify=CA), fails=True)
        self.assertTrue(seen["is_ConnectionError"])
        creds = "http://%s:%s@127.0.0.1:%d" % (E["HTTPC_TEST_PROXY_USER"],
                                               E["HTTPC_TEST_PROXY_PASS"], auth_port)
        seen = self.same(lambda f: self.view(f, tls, proxies={"https": creds}, verify=CA))
        self.assertEqual(seen["status"], 200)
        seen = self.same(lambda f: self.view(f, plain, proxies={"http": creds}))
        self.assertEqual(seen["status"], 200)


STREAM_CHILD = r"""
import hashlib, resource, sys, requests
from httpc import requests_adapter
url = sys.argv[1]
s = requests_adapter.mount(requests.Session())
s.get(url.rsplit("/", 1)[0] + "/small").content  # warm: imports, first connection
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
digest, total = hashlib.sha256(), 0
with s.get(url, stream=True) as r:
    for chunk in r.iter_content(1 << 20):
        digest.update(chunk)
        total += len(chunk)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(total, digest.hexdigest(), after - before)
"""


@unittest.skipUnless(NGINX and os.path.exists(os.path.join(E.get("HTTPC_TEST_DIR", "/-"),
                                                           "www", "large64")),
                     "needs with-servers.sh --big")
class FlatMemory(unittest.TestCase):
    def test_stream_64_mib(self):
        """64 MiB through iter_content in a fresh process: its peak memory
        grows by far less than the body (ru_maxrss, KiB)."""
        url = "http://127.0.0.1:%d/large64" % NGINX
        out = subprocess.run([sys.executable, "-c", STREAM_CHILD, url], check=True,
                             capture_output=True, text=True, timeout=600).stdout.split()
        total, digest, growth_kib = int(out[0]), out[1], int(out[2])
        with open(os.path.join(E["HTTPC_TEST_DIR"], "www", "large64"), "rb") as f:
            expected = hashlib.file_digest(f, "sha256").hexdigest()
        self.assertEqual((total, digest), (64 << 20, expected))
        self.assertLess(growth_kib, 16 * 1024, "peak memory grew by %d KiB" % growth_kib)


if __name__ == "__main__":
    unittest.main()
