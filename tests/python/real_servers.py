"""httpc against real servers: nginx (HTTP, HTTPS), tinyproxy (CONNECT).
Run under tests/support/with-servers.sh --nginx --https --tinyproxy; each
class skips when its server is not there."""

import http.client
import os
import ssl
import unittest

import httpc

E = os.environ
HTTP = int(E["HTTPC_TEST_HTTP_PORT"]) if "HTTPC_TEST_HTTP_PORT" in E else None
HTTPS = int(E["HTTPC_TEST_HTTPS_PORT"]) if "HTTPC_TEST_HTTPS_PORT" in E else None
PROXY = int(E["HTTPC_TEST_PROXY_PORT"]) if "HTTPC_TEST_PROXY_PORT" in E else None


@unittest.skipUnless(HTTP, "no nginx")
class Nginx(unittest.TestCase):
    def conn(self, **kw):
        c = httpc.HTTPConnection("127.0.0.1", HTTP, **kw)
        self.addCleanup(c.close)
        return c

    def test_same_as_http_client(self):
        for path in ("/small", "/medium", "/empty", "/chunked", "/status/404",
                     "/redirect", "/close"):
            with self.subTest(path=path):
                out = []
                for mod in (http.client, httpc):
                    c = mod.HTTPConnection("127.0.0.1", HTTP)
                    c.request("GET", path)
                    r = c.getresponse()
                    h = {k: v for k, v in r.getheaders() if k not in ("Date",)}
                    out.append((r.status, r.reason, r.version, h, r.read(), r.will_close))
                    c.close()
                self.assertEqual(out[0], out[1])

    def test_keepalive_many(self):
        c = self.conn()
        for _ in range(200):
            c.request("GET", "/small")
            self.assertEqual(len(c.getresponse().read()), 100)

    def test_large_body_in_pieces(self):
        c = self.conn()
        c.request("GET", "/large")
        r = c.getresponse()
        n = 0
        buf = bytearray(65536)
        while True:
            k = r.readinto(buf)
            if not k:
                break
            n += k
        self.assertEqual(n, 16 * 1024 * 1024)
        self.assertTrue(r.isclosed())

    def test_readline_iteration(self):
        c = self.conn()
        c.request("GET", "/echo", headers={"X-Test": "x"})
        lines = list(c.getresponse())
        self.assertEqual(lines[0], b"method=GET\n")

    def test_upload_file_and_iterable(self):
        import io
        c = self.conn()
        c.request("PUT", "/upload/py1", body=io.BytesIO(b"x" * 100000))
        self.assertIn(c.getresponse().status, (201, 204))
        c.request("GET", "/upload/py1")
        self.assertEqual(c.getresponse().read(), b"x" * 100000)

    def test_slow_timeout(self):
        c = self.conn(timeout=0.2)
        c.request("GET", "/slow/large")
        r = c.getresponse()
        with self.assertRaises(TimeoutError):
            r.read()

    def test_debuglevel_prints_like_http_client(self):
        import contextlib
        import io
        outputs = []
        for mod in (http.client, httpc):
            buf = io.StringIO()
            c = mod.HTTPConnection("127.0.0.1", HTTP)
            c.set_debuglevel(1)
            with contextlib.redirect_stdout(buf):
                c.request("GET", "/small")
                r = c.getresponse()
                r.read()
            c.close()
            # Keep the lines that do not depend on the server's clock.
            outputs.append([line for line in buf.getvalue().splitlines()
                            if not line.startswith(("header: Date", "header: Last-Modified",
                                                    "header: ETag"))])
        self.assertEqual(outputs[0], outputs[1])
        self.assertTrue(outputs[1][0].startswith("send: b'GET /small HTTP/1.1"))

    def test_source_address(self):
        c = self.conn(source_address=("127.0.0.1", 0))
        c.request("GET", "/small")
        self.assertEqual(len(c.getresponse().read()), 100)

    def test_refused(self):
        with self.assertRaises(ConnectionRefusedError):
            httpc.HTTPConnection("127.0.0.1", 1).request("GET", "/")


@unittest.skipUnless(HTTPS, "no nginx https")
class Https(unittest.TestCase):
    def test_verified_get(self):
        ctx = httpc.create_default_context(cafile=E["HTTPC_TEST_CA"])
        c = httpc.HTTPSConnection("localhost", HTTPS, context=ctx)
        c.request("GET", "/small")
        r = c.getresponse()
        self.assertEqual((r.status, len(r.read())), (200, 100))
        c.close()

    def test_untrusted(self):
        c = httpc.HTTPSConnection("localhost", HTTPS,
                                  context=httpc.create_default_context())
        with self.assertRaises(ssl.SSLCertVerificationError) as caught:
            c.request("GET", "/small")
        # As ssl's: also a ValueError (README: deviations).
        self.assertIsInstance(caught.exception, ValueError)

    def test_wrong_host(self):
        ctx = httpc.create_default_context(cafile=E["HTTPC_TEST_CA"])
        c = httpc.HTTPSConnection("127.0.0.1", int(E["HTTPC_TEST_WRONGHOST_PORT"]), context=ctx)
        with self.assertRaises(ssl.SSLCertVerificationError):
            c.request("GET", "/small")

    def test_insecure(self):
        ctx = httpc.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        c = httpc.HTTPSConnection("127.0.0.1", int(E["HTTPC_TEST_WRONGHOST_PORT"]), context=ctx)
        c.request("GET", "/small")
        self.assertEqual(c.getresponse().status, 200)

    def test_client_cert(self):
        ctx = httpc.create_default_context(cafile=E["HTTPC_TEST_CA"])
        ctx.load_cert_chain(E["HTTPC_TEST_CLIENT_CERT"], E["HTTPC_TEST_CLIENT_KEY"])
        c = httpc.HTTPSConnection("localhost", int(E["HTTPC_TEST_CLIENTCERT_PORT"]), context=ctx)
        c.request("GET", "/small")
        self.assertEqual(c.getresponse().status, 200)

    @unittest.skipUnless(PROXY, "no tinyproxy")
    def test_tunnel(self):
        ctx = httpc.create_default_context(cafile=E["HTTPC_TEST_CA"])
        c = httpc.HTTPSConnection("127.0.0.1", PROXY, context=ctx)
        c.set_tunnel("localhost", HTTPS)
        c.request("GET", "/small")
        r = c.getresponse()
        self.assertEqual((r.status, len(r.read())), (200, 100))
        self.assertIsNotNone(c.get_proxy_response_headers())

    @unittest.skipUnless(E.get("HTTPC_TEST_PROXY_AUTH_PORT"), "no tinyproxy with auth")
    def test_tunnel_needs_auth(self):
        c = httpc.HTTPConnection("127.0.0.1", int(E["HTTPC_TEST_PROXY_AUTH_PORT"]))
        c.set_tunnel("127.0.0.1", HTTP)
        with self.assertRaises(OSError) as cm:
            c.request("GET", "/small")
        self.assertIn("Tunnel connection failed: 407", str(cm.exception))
        import base64
        token = base64.b64encode(("%s:%s" % (E["HTTPC_TEST_PROXY_USER"],
                                             E["HTTPC_TEST_PROXY_PASS"])).encode()).decode()
        c = httpc.HTTPConnection("127.0.0.1", int(E["HTTPC_TEST_PROXY_AUTH_PORT"]))
        c.set_tunnel("127.0.0.1", HTTP, headers={"Proxy-Authorization": "Basic " + token})
        c.request("GET", "/small")
        self.assertEqual(c.getresponse().status, 200)
        c.close()


if __name__ == "__main__":
    unittest.main()
