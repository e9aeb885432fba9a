"""close() from another thread during a TLS handshake, then the same
connection completes a handshake with nginx (run under with-servers.sh
--https; see test_cancel.py for the other phases)."""

import os
import unittest

import httpc
import test_cancel

E = os.environ


@unittest.skipUnless("HTTPC_TEST_HTTPS_PORT" in E, "run under with-servers.sh --https")
class TLSHandshakeThenNginx(unittest.TestCase):
    expect_aborted = test_cancel.ClosePhases.expect_aborted

    def test_tls_handshake_interrupted_then_works(self):
        g = test_cancel.Gate(int(E["HTTPC_TEST_HTTPS_PORT"]))
        self.addCleanup(g.stop)
        ctx = httpc.create_default_context(cafile=E["HTTPC_TEST_CA"])
        conn = httpc.HTTPSConnection("127.0.0.1", g.port, timeout=10, context=ctx)
        self.expect_aborted(conn, conn.connect)
        g.open()
        conn.request("GET", "/small")
        resp = conn.getresponse()
        self.assertEqual((resp.status, len(resp.read())), (200, 100))


if __name__ == "__main__":
    unittest.main()
