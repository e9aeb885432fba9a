"""httpc.aio against real servers: nginx over HTTP and HTTPS (ssl.SSLContext
and httpc contexts, certificate errors), CONNECT through tinyproxy, the
same outcome as blocking http.client run in a thread. Run under
tests/support/with-servers.sh --nginx --https --tinyproxy; skips without."""

import asyncio
import http.client
import os
import ssl
import unittest

import httpc
import httpc.aio as aio

E = os.environ
HTTP = int(E["HTTPC_TEST_HTTP_PORT"]) if "HTTPC_TEST_HTTP_PORT" in E else None
HTTPS = int(E["HTTPC_TEST_HTTPS_PORT"]) if "HTTPC_TEST_HTTPS_PORT" in E else None
PROXY = int(E["HTTPC_TEST_PROXY_PORT"]) if "HTTPC_TEST_PROXY_PORT" in E else None
CA = E.get("HTTPC_TEST_CA")
PATHS = ("/small", "/medium", "/large", "/empty", "/chunked", "/status/404",
         "/redirect", "/close")


def blocking_view(make, path):
    c = make()
    try:
        c.request("GET", path)
        r = c.getresponse()
        headers = {k: v for k, v in r.getheaders() if k != "Date"}
        return r.status, r.reason, r.version, headers, r.read(), bool(r.will_close)
    finally:
        c.close()


async def async_view(conn, path):
    await conn.request("GET", path)
    r = await conn.getresponse()
    headers = {k: v for k, v in r.getheaders() if k != "Date"}
    return r.status, r.reason, r.version, headers, await r.read(), bool(r.will_close)


@unittest.skipUnless(HTTP and HTTPS and PROXY and CA, "needs with-servers.sh --https --tinyproxy")
class RealAio(unittest.TestCase):
    def test_same_as_http_client_in_a_thread(self):
        contexts = {"ssl": ssl.create_default_context(cafile=CA),
                    "httpc": httpc.create_default_context(cafile=CA)}

        async def main():
            for path in PATHS:
                want = await asyncio.to_thread(
                    blocking_view, lambda: http.client.HTTPConnection("127.0.0.1", HTTP), path)
                async with aio.AsyncHTTPConnection("127.0.0.1", HTTP) as c:
                    self.assertEqual(await async_view(c, path), want, path)
                want_tls = await asyncio.to_thread(
                    blocking_view, lambda: http.client.HTTPSConnection(
                        "localhost", HTTPS, context=contexts["ssl"]), path)
                for name, ctx in contexts.items():
                    async with aio.AsyncHTTPSConnection("localhost", HTTPS, context=ctx) as c:
                        self.assertEqual(await async_view(c, path), want_tls, (path, name))
        asyncio.run(main())

    def test_certificate_errors_and_tunnel(self):
        async def main():
            untrusted = int(E["HTTPC_TEST_UNTRUSTED_CA_PORT"])
            c = aio.AsyncHTTPSConnection("localhost", untrusted,
                                         context=ssl.create_default_context(cafile=CA))
            with self.assertRaises(ssl.SSLCertVerificationError):
                await c.request("GET", "/small")
            c.close()
            c = aio.AsyncHTTPSConnection("127.0.0.1", PROXY,
                                         context=httpc.create_default_context(cafile=CA))
            c.set_tunnel("localhost", HTTPS)
            for _ in range(3):
                await c.request("GET", "/small")
                r = await c.getresponse()
                self.assertEqual((r.status, len(await r.read())), (200, 100))
            c.close()
            # The pooled one-shot, over HTTPS with the default context's CA.
            pool = aio.Pool(context=httpc.create_default_context(cafile=CA))
            r = await pool.request("GET", "https://localhost:%d/small" % HTTPS)
            self.assertEqual((r.status, len(r.body)), (200, 100))
            pool.close()
        asyncio.run(main())


if __name__ == "__main__":
    unittest.main()
