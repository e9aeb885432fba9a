"""The standard library's own clients of http.client, run over http.client
and over httpc against the same local servers; what the client sees must be
the same. Servers: http.server and xmlrpc.server in this process, nginx and
tinyproxy from tests/support/with-servers.sh --https --tinyproxy (the classes
that need them skip without them).

Each scenario runs once per flavour: "http.client" (urllib.request's own
handlers) and "httpc" (httpc.HTTPHandler / httpc.HTTPSHandler), and returns
an observation (status, headers the server saw, body, exception classes...)
that is compared between the two. Every scenario also checks its own
observation, so the two failing alike does not pass."""

import gzip
import hashlib
import http.client
import http.cookiejar
import http.server
import io
import json
import os
import select
import selectors
import shutil
import socket
import ssl
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
import xmlrpc.client
import xmlrpc.server

import httpc

E = os.environ
HTTP = int(E["HTTPC_TEST_HTTP_PORT"]) if "HTTPC_TEST_HTTP_PORT" in E else None
HTTPS = int(E["HTTPC_TEST_HTTPS_PORT"]) if "HTTPC_TEST_HTTPS_PORT" in E else None
PROXY = int(E["HTTPC_TEST_PROXY_PORT"]) if "HTTPC_TEST_PROXY_PORT" in E else None
CA = E.get("HTTPC_TEST_CA")
FLAVOURS = ("http.client", "httpc")
SERVER_LIFETIME = 300.0  # seconds; the servers stop by themselves after it
USER, PASSWORD = "alice", "s3cret"
BASIC = "Basic " + __import__("base64").b64encode(
    f"{USER}:{PASSWORD}".encode()).decode()
TEXT = "first line\nsecond line: caf\u00e9\nthird\n"
JSON = {"name": "httpc", "list": [1, 2, 3], "nested": {"ok": True}}
BIG = bytes(range(256)) * 4096  # 1 MiB


def ca_pem():
    with open(CA) as f:
        return f.read()


def handlers(flavour, context=None):
    if flavour == "httpc":
        return [httpc.HTTPHandler(), httpc.HTTPSHandler(context=context)]
    return [urllib.request.HTTPHandler(),
            urllib.request.HTTPSHandler(context=context)]


def opener(flavour, *extra, context=None):
    return urllib.request.build_opener(*handlers(flavour, context), *extra)


def connection_class(flavour, https=False):
    mod = httpc if flavour == "httpc" else http.client
    return mod.HTTPSConnection if https else mod.HTTPConnection


def error_view(exc):
    """The parts of an exception a caller sees: class, URLError's reason
    class, HTTPError's code and body."""
    view = {"class": type(exc).__name__}
    if isinstance(exc, urllib.error.HTTPError):
        view.update(code=exc.code, body=exc.read(),
                    type=exc.headers.get("Content-Type"))
    elif isinstance(exc, urllib.error.URLError):
        view["reason"] = type(exc.reason).__name__
        view["reason_is_oserror"] = isinstance(exc.reason, OSError)
    view["is_oserror"] = isinstance(exc, OSError)
    return view


class Handler(http.server.BaseHTTPRequestHandler):
    """/echo (any method): JSON of what arrived; /redirect -> /echo; /missing:
    404 with a body; /gzip, /json, /text, /big; /setcookie; /auth (Basic);
    /slow: answers after 3 s."""

    protocol_version = "HTTP/1.1"

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
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n)

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
        elif path == "/missing":
            self._reply(404, b"no such thing\n", "text/plain")
        elif path == "/gzip":
            self._reply(200, gzip.compress(TEXT.encode()), "text/plain",
                        [("Content-Encoding", "gzip")])
        elif path == "/json":
            self._reply(200, json.dumps(JSON).encode(), "application/json")
        elif path == "/text":
            self._reply(200, TEXT.encode(), "text/plain; charset=utf-8")
        elif path == "/big":
            self._reply(200, BIG)
        elif path == "/setcookie":
            self._reply(200, b"set", extra=[("Set-Cookie", "flavour=cookie; Path=/")])
        elif path == "/auth":
            if self.headers.get("Authorization") == BASIC:
                self._reply(200, b"welcome")
            else:
                self._reply(401, b"who are you", "text/plain",
                            [("WWW-Authenticate", 'Basic realm="test"')])
        elif path == "/slow":
            time.sleep(3)
            self._reply(200, b"late")
        else:
            self._reply(400, b"unknown path")

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _handle


def start_in_thread(server):
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                     daemon=True).start()
    stopper = threading.Timer(SERVER_LIFETIME, server.shutdown)
    stopper.daemon = True
    stopper.start()
    return server


class LocalServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = start_in_thread(
            http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler))
        cls.server.daemon_threads = True
        cls.base = "http://127.0.0.1:%d" % cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

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
        return seen[1]

    def fetch(self, flavour, request, *extra, **kw):
        with opener(flavour, *extra).open(request, **kw) as r:
            return {"ran_on_flavour": isinstance(r, httpc.HTTPResponse) == (flavour == "httpc"),
                    "status": r.status, "reason": r.reason, "msg": r.msg,
                    "url": r.geturl(), "body": r.read(),
                    "type": r.headers.get("Content-Type")}

    def echo(self, flavour, request, *extra):
        seen = self.fetch(flavour, request, *extra)
        seen["echo"] = json.loads(seen.pop("body"))
        return seen

    def url(self, path):
        return self.base + path

    # -- urllib.request -------------------------------------------------------
    def test_get_headers_sent(self):
        req = urllib.request.Request(self.url("/echo?q=1"),
                                     headers={"X-Test": "v", "User-Agent": "ua/1"})
        seen = self.same(lambda f: self.echo(f, req))
        self.assertEqual(seen["echo"]["method"], "GET")
        self.assertIn(["x-test", "v"], seen["echo"]["headers"])
        self.assertIn(["connection", "close"], seen["echo"]["headers"])

    def test_post_bytes(self):
        req = urllib.request.Request(self.url("/echo"), data=b"a=1&b=2")
        seen = self.same(lambda f: self.echo(f, req))
        self.assertEqual(seen["echo"]["method"], "POST")
        self.assertEqual(seen["echo"]["body_len"], 7)
        self.assertIn(["content-type", "application/x-www-form-urlencoded"],
                      seen["echo"]["headers"])

    def test_put_file(self):
        with tempfile.TemporaryFile() as f:
            f.write(BIG)

            def put(flavour):
                f.seek(0)
                req = urllib.request.Request(self.url("/echo"), data=f, method="PUT",
                                             headers={"Content-Length": str(len(BIG))})
                return self.echo(flavour, req)
            seen = self.same(put)
        self.assertEqual(seen["echo"]["body_sha"], hashlib.sha256(BIG).hexdigest())
        self.assertIn(["content-length", str(len(BIG))], seen["echo"]["headers"])

    def test_chunked_iterable_upload(self):
        def post(flavour):
            req = urllib.request.Request(self.url("/echo"),
                                         data=iter([b"one,", b"", b"two,", b"three"]))
            return self.echo(flavour, req)
        seen = self.same(post)
        self.assertIn(["transfer-encoding", "chunked"], seen["echo"]["headers"])
        self.assertEqual(seen["echo"]["body_sha"],
                         hashlib.sha256(b"one,two,three").hexdigest())

    def test_404_with_body(self):
        seen = self.same(lambda f: self.fetch(f, self.url("/missing")), fails=True)
        self.assertEqual(seen["class"], "HTTPError")
        self.assertEqual((seen["code"], seen["body"]), (404, b"no such thing\n"))

    def test_redirect(self):
        seen = self.same(lambda f: self.echo(f, self.url("/redirect")))
        self.assertEqual(seen["echo"]["path"], "/echo?from=redirect")
        self.assertTrue(seen["url"].endswith("/echo?from=redirect"))

    def test_head(self):
        req = urllib.request.Request(self.url("/json"), method="HEAD")
        seen = self.same(lambda f: self.fetch(f, req))
        self.assertEqual((seen["status"], seen["body"]), (200, b""))

    def test_cookies(self):
        def cookies(flavour):
            jar = http.cookiejar.CookieJar()
            op = opener(flavour, urllib.request.HTTPCookieProcessor(jar))
            op.open(self.url("/setcookie")).read()
            with op.open(self.url("/echo")) as r:
                return json.loads(r.read())["headers"], len(jar)
        headers, count = self.same(cookies)
        self.assertIn(["cookie", "flavour=cookie"], headers)
        self.assertEqual(count, 1)

    def test_basic_auth(self):
        def auth(flavour):
            mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            mgr.add_password(None, self.base, USER, PASSWORD)
            return self.fetch(flavour, self.url("/auth"),
                              urllib.request.HTTPBasicAuthHandler(mgr))
        seen = self.same(auth)
        self.assertEqual((seen["status"], seen["body"]), (200, b"welcome"))

    def test_gzip_body(self):
        def gunzip(flavour):
            with opener(flavour).open(self.url("/gzip")) as r:
                return gzip.GzipFile(fileobj=r).read()
        self.assertEqual(self.same(gunzip), TEXT.encode())

    def test_json_load(self):
        def load(flavour):
            with opener(flavour).open(self.url("/json")) as r:
                return json.load(r)
        self.assertEqual(self.same(load), JSON)

    def test_text_lines(self):
        def lines(flavour):
            with opener(flavour).open(self.url("/text")) as r:
                text = list(io.TextIOWrapper(r, encoding="utf-8"))
            with opener(flavour).open(self.url("/text")) as r:
                raw = [line for line in r]
            return text, raw
        text, raw = self.same(lines)
        self.assertEqual(text, TEXT.splitlines(keepends=True))
        self.assertEqual(raw, TEXT.encode().splitlines(keepends=True))

    def test_copyfileobj_and_buffered_reader(self):
        def copy(flavour):
            out = io.BytesIO()
            with opener(flavour).open(self.url("/big")) as r:
                shutil.copyfileobj(r, out, 10000)
            with opener(flavour).open(self.url("/big")) as r:
                buffered = io.BufferedReader(r).read()
            return out.getvalue() == BIG, buffered == BIG
        self.assertEqual(self.same(copy), (True, True))

    def test_response_attributes(self):
        def attributes(flavour):
            r = opener(flavour).open(self.url("/text"))
            before = (r.fp is not None, r.closed, isinstance(r, io.BufferedIOBase),
                      r.msg, r.code, r.getcode(), r.info()["Content-Type"])
            r.read()
            after = (r.fp is None, r.isclosed(), r.closed)
            r.close()
            return before, after, r.closed
        seen = self.same(attributes)
        self.assertEqual(seen[1], (True, True, False))
        self.assertTrue(seen[2])

    def test_timeout(self):
        seen = self.same(lambda f: self.fetch(f, self.url("/slow"), timeout=0.5), fails=True)
        self.assertIn("TimeoutError", (seen["class"], seen.get("reason")))

    def test_refused(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]  # bound, never listening: refused
            seen = self.same(lambda f: self.fetch(f, "http://127.0.0.1:%d/" % port), fails=True)
        self.assertEqual((seen["class"], seen["reason"]), ("URLError", "ConnectionRefusedError"))

    def test_sock_dropped_while_reading(self):
        """What urllib does: close and drop conn.sock after getresponse; the
        response still reads its body, the connection reconnects."""
        def drop(flavour):
            c = connection_class(flavour)("127.0.0.1", self.server.server_address[1])
            c.request("GET", "/big")
            r = c.getresponse()
            sock = c.sock
            facts = [sock.fileno() >= 0, sock.getpeername() == c.sock.getpeername()]
            sock.close()
            c.sock = None
            facts += [c.sock is None, r.read() == BIG]
            c.request("GET", "/text")
            facts += [c.sock is not None, c.getresponse().read() == TEXT.encode()]
            c.close()
            return facts
        self.assertEqual(self.same(drop), [True] * 6)

    def test_sock_like_a_socket(self):
        def use(flavour):
            c = connection_class(flavour)("127.0.0.1", self.server.server_address[1],
                                          timeout=20)
            c.request("GET", "/text")
            sock = c.sock
            with selectors.DefaultSelector() as sel:
                sel.register(sock, selectors.EVENT_READ)
                readable = len(sel.select(timeout=20)) == 1
            ready, _, _ = select.select([sock], [], [], 20)
            # repr: a socket gives a float (20.0), not the int it was given.
            facts = [readable, ready == [sock], repr(sock.gettimeout()),
                     sock.getsockname()[0], sock.getpeername()[1] == c.port,
                     bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))]
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            facts.append(sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))
            sock.settimeout(5)
            facts.append(repr(sock.gettimeout()))
            facts.append(c.getresponse().read() == TEXT.encode())
            c.close()
            facts.append(c.sock)
            return facts
        seen = self.same(use)
        self.assertEqual(seen, [True, True, "20.0", "127.0.0.1", True, True, 1, "5.0", True, None])

    # -- xmlrpc -------------------------------------------------------------------
    def test_xmlrpc(self):
        rpc = xmlrpc.server.SimpleXMLRPCServer(("127.0.0.1", 0), logRequests=False)
        rpc.register_function(lambda a, b: a + b, "add")
        rpc.register_function(lambda: 1 / 0, "fail")
        rpc.register_multicall_functions()
        start_in_thread(rpc)
        self.addCleanup(rpc.server_close)
        self.addCleanup(rpc.shutdown)
        url = "http://127.0.0.1:%d/RPC2" % rpc.server_address[1]

        class HttpcTransport(xmlrpc.client.Transport):
            def make_connection(self, host):
                if self._connection and host == self._connection[0]:
                    return self._connection[1]
                chost, self._extra_headers, _ = self.get_host_info(host)
                self._connection = host, httpc.HTTPConnection(chost)
                return self._connection[1]

        def calls(flavour):
            transport = HttpcTransport() if flavour == "httpc" else None
            proxy = xmlrpc.client.ServerProxy(url, transport=transport)
            out = [proxy.add(2, 3), proxy.add("a", "b")]
            try:
                proxy.fail()
            except xmlrpc.client.Fault as fault:
                out.append((fault.faultCode, fault.faultString))
            multi = xmlrpc.client.MultiCall(proxy)
            multi.add(1, 1)
            multi.add([1], [2])
            out.append(list(multi()))
            return out
        seen = self.same(calls)
        self.assertEqual(seen[:2], [5, "ab"])
        self.assertIn("ZeroDivisionError", seen[2][1])
        self.assertEqual(seen[3], [2, [1, 2]])


@unittest.skipUnless(HTTP and HTTPS and CA, "no nginx")
class RealServers(unittest.TestCase):
    def same(self, scenario, fails=False):
        return LocalServer.same(self, scenario, fails)

    def https_get(self, flavour, port, context, path="/small", host="localhost"):
        with opener(flavour, context=context).open(
                "https://%s:%d%s" % (host, port, path)) as r:
            return r.status, r.read()

    def test_https_with_context(self):
        for name, make in (
                ("ssl", lambda f: ssl.create_default_context(cafile=CA)),
                ("cadata", lambda f: ssl.create_default_context(cadata=ca_pem())),
                ("httpc", lambda f: httpc.create_default_context(cafile=CA)
                 if f == "httpc" else ssl.create_default_context(cafile=CA))):
            with self.subTest(context=name):
                seen = self.same(lambda f: self.https_get(f, HTTPS, make(f)))
                self.assertEqual((seen[0], len(seen[1])), (200, 100))

    def test_untrusted_certificate(self):
        port = int(E["HTTPC_TEST_UNTRUSTED_CA_PORT"])
        seen = self.same(lambda f: self.https_get(f, port, ssl.create_default_context(cafile=CA)),
                         fails=True)
        self.assertEqual((seen["class"], seen["reason"]), ("URLError", "SSLCertVerificationError"))

    def test_ssl_context_parts(self):
        """Each part of an ssl.SSLContext carried over, compared with
        http.client's HTTPSConnection on the same context."""
        def cert_none():
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx

        def no_hostname_check():
            ctx = ssl.create_default_context(cafile=CA)
            ctx.check_hostname = False
            return ctx

        def tls13_only():
            ctx = ssl.create_default_context(cafile=CA)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_3
            return ctx
        cases = [
            ("verify_mode CERT_NONE, untrusted", cert_none, "HTTPC_TEST_UNTRUSTED_CA_PORT", True),
            ("check_hostname off, wrong host", no_hostname_check, "HTTPC_TEST_WRONGHOST_PORT", True),
            ("check_hostname on, wrong host", lambda: ssl.create_default_context(cafile=CA),
             "HTTPC_TEST_WRONGHOST_PORT", False),
            ("system store only", ssl.create_default_context, "HTTPC_TEST_HTTPS_PORT", False),
            ("empty store", lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),
             "HTTPC_TEST_HTTPS_PORT", False),
            ("minimum TLS 1.3, TLS 1.2 server", tls13_only, "HTTPC_TEST_TLS12_PORT", False),
            ("minimum TLS 1.3, TLS 1.3 server", tls13_only, "HTTPC_TEST_TLS13_PORT", True),
        ]
        for name, make, port_var, succeeds in cases:
            with self.subTest(case=name):
                def get(flavour):
                    c = connection_class(flavour, https=True)(
                        "localhost", int(E[port_var]), context=make(), timeout=10)
                    try:
                        c.request("GET", "/small")
                        return c.getresponse().status
                    finally:
                        c.close()
                seen = self.same(get, fails=not succeeds)
                if succeeds:
                    self.assertEqual(seen, 200)
                else:
                    self.assertTrue(seen["is_oserror"], seen)
                    self.assertIn(seen["class"], ("SSLError", "SSLCertVerificationError"))

    @unittest.skipUnless(PROXY, "no tinyproxy")
    def test_through_proxy(self):
        for scheme, port in (("https", HTTPS), ("http", HTTP)):
            with self.subTest(scheme=scheme):
                def get(flavour):
                    proxy = urllib.request.ProxyHandler(
                        {scheme: "http://127.0.0.1:%d" % PROXY})
                    op = opener(flavour, proxy, context=ssl.create_default_context(cafile=CA))
                    with op.open("%s://localhost:%d/echo" % (scheme, port)) as r:
                        return r.status, r.read().decode().splitlines()[:2]
                seen = self.same(get)
                self.assertEqual(seen[0], 200)
                self.assertIn("GET", seen[1][0])


@unittest.skipUnless(E.get("HTTPC_TEST_NO_DNS") == "1", "run under tests/support/no-dns.sh")
class ResolutionFailure(unittest.TestCase):
    """A name that cannot be resolved (DNS answers nothing under no-dns.sh):
    the same URLError(gaierror) from both."""

    def test_unresolvable_host(self):
        def get(flavour):
            try:
                opener(flavour).open("http://no-such-host.invalid/", timeout=10)
            except urllib.error.URLError as exc:
                return type(exc).__name__, type(exc.reason).__name__, \
                    isinstance(exc.reason, socket.gaierror)
            return "no error"
        seen = [get(f) for f in FLAVOURS]
        self.assertEqual(seen[0], seen[1])
        self.assertEqual(seen[1], ("URLError", "gaierror", True))


if __name__ == "__main__":
    unittest.main()
