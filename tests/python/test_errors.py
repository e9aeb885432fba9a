"""The exception mapping: every C error code has a Python class, the class
hierarchy agrees with httpc_error_is, and the classes are http.client's and
the standard library's own where those exist."""

import http.client
import socket
import ssl
import unittest

import httpc
from httpc import _httpc_raw as raw

EXPECTED = {
    "HTTP": http.client.HTTPException, "NOT_CONNECTED": http.client.NotConnected,
    "INVALID_URL": http.client.InvalidURL, "UNKNOWN_PROTOCOL": http.client.UnknownProtocol,
    "UNKNOWN_TRANSFER_ENCODING": http.client.UnknownTransferEncoding,
    "UNIMPLEMENTED_FILE_MODE": http.client.UnimplementedFileMode,
    "INCOMPLETE_READ": http.client.IncompleteRead,
    "IMPROPER_CONNECTION_STATE": http.client.ImproperConnectionState,
    "CANNOT_SEND_REQUEST": http.client.CannotSendRequest,
    "CANNOT_SEND_HEADER": http.client.CannotSendHeader,
    "RESPONSE_NOT_READY": http.client.ResponseNotReady,
    "BAD_STATUS_LINE": http.client.BadStatusLine,
    "REMOTE_DISCONNECTED": http.client.RemoteDisconnected,
    "LINE_TOO_LONG": http.client.LineTooLong, "TOO_MANY_HEADERS": httpc.TooManyHeaders,
    "INVALID_CONTENT_LENGTH": httpc.InvalidContentLength,
    "INVALID_CHUNK": httpc.InvalidChunk,
    "TOO_MANY_INTERIM": httpc.TooManyInterimResponses,
    "RESPONSE_TOO_LARGE": httpc.ResponseTooLarge,
    "OS": OSError, "TIMEOUT": TimeoutError,
    "CONNECTION_REFUSED": ConnectionRefusedError, "CONNECTION_RESET": ConnectionResetError,
    "RESOLVE": socket.gaierror, "TUNNEL_FAILED": httpc.TunnelFailed,
    "BROKEN_PIPE": BrokenPipeError, "CANCELLED": ConnectionAbortedError,
    "WOULD_BLOCK": BlockingIOError, "TLS": ssl.SSLError,
    "TLS_CERT_VERIFY": ssl.SSLCertVerificationError,
    "INVALID_ARGUMENT": ValueError, "NOMEM": MemoryError, "STATE": RuntimeError,
}


def codes():
    return [raw.httpc_error_at(i) for i in range(raw.httpc_error_count())]


class ErrorMapping(unittest.TestCase):
    def test_every_code_maps_to_the_expected_class(self):
        by_value = {getattr(raw, "HTTPC_E_" + n): cls for n, cls in EXPECTED.items()}
        self.assertEqual(set(codes()), set(by_value), "C table and this test differ")
        for code in codes():
            with self.subTest(code=raw.httpc_error_name(code)):
                self.assertIs(httpc.CODE_TO_CLASS[code], by_value[code])

    def test_hierarchy_agrees_with_httpc_error_is(self):
        for code in codes():
            for anc in codes():
                if raw.httpc_error_is(code, anc):
                    with self.subTest(code=code, ancestor=anc):
                        self.assertTrue(issubclass(httpc.CODE_TO_CLASS[code],
                                                   httpc.CODE_TO_CLASS[anc]))

    def test_hierarchy_has_nothing_httpc_error_is_denies(self):
        # The other direction: a Python subclass relation the C table does not
        # have would make one language catch what another does not. The one
        # deliberate exception: ssl.SSLCertVerificationError is a ValueError.
        allowed = {(raw.HTTPC_E_TLS_CERT_VERIFY, raw.HTTPC_E_INVALID_ARGUMENT)}
        for code in codes():
            for anc in codes():
                if issubclass(httpc.CODE_TO_CLASS[code], httpc.CODE_TO_CLASS[anc]) and \
                        (code, anc) not in allowed:
                    with self.subTest(code=raw.httpc_error_name(code),
                                      ancestor=raw.httpc_error_name(anc)):
                        self.assertTrue(raw.httpc_error_is(code, anc))

    def test_stricter_classes_are_http_exceptions(self):
        for cls in (httpc.TooManyHeaders, httpc.InvalidContentLength,
                    httpc.InvalidChunk, httpc.TooManyInterimResponses):
            self.assertTrue(issubclass(cls, http.client.HTTPException))
        self.assertTrue(issubclass(httpc.RemoteDisconnected, ConnectionResetError))
        self.assertIs(httpc.error, http.client.HTTPException)

    def test_every_code_builds_an_instance(self):
        from httpc._errors import make_exception
        for code in codes():
            with self.subTest(code=code):
                exc = make_exception(code, raw.httpc_strerror(code), 0, 5, "", b"ab")
                self.assertIsInstance(exc, httpc.CODE_TO_CLASS[code])
        e = make_exception(raw.HTTPC_E_INCOMPLETE_READ, "", 0, 5, "", b"ab")
        self.assertEqual((e.partial, e.expected), (b"ab", 5))

    def test_raised_from_c(self):
        with self.assertRaises(http.client.InvalidURL):
            httpc.HTTPConnection("127.0.0.1:notaport")
        c = httpc.HTTPConnection("127.0.0.1", 9)
        with self.assertRaises(http.client.ResponseNotReady):
            c.getresponse()
        with self.assertRaises(ConnectionRefusedError):
            c.request("GET", "/")
        with self.assertRaises(ValueError):
            c.request("GET", "/", headers={"A": "b\r\nc"})

    def test_constants(self):
        self.assertEqual(httpc.HTTP_PORT, 80)
        self.assertEqual(httpc.HTTPS_PORT, 443)
        self.assertEqual(httpc.NOT_FOUND, 404)
        self.assertEqual(httpc.responses[404], "Not Found")
        for name in http.client.__all__:
            self.assertTrue(hasattr(httpc, name), name)

    def test_invalid_chunk_catches_as_incomplete_read(self):
        # http.client raises IncompleteRead for a malformed chunk size.
        self.assertTrue(issubclass(httpc.InvalidChunk, http.client.IncompleteRead))
        exc = httpc.InvalidChunk(b"part", "invalid chunk size line: b'zz'")
        self.assertEqual((exc.partial, str(exc)), (b"part", "invalid chunk size line: b'zz'"))

    def test_ssl_context_is_carried_over(self):
        ctx = ssl.create_default_context()
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        c = httpc.HTTPSConnection("localhost", context=ctx)
        tls = c._context
        self.assertIsInstance(tls, httpc.TLSContext)
        self.assertEqual((tls.verify_mode, tls.check_hostname, tls.minimum_version),
                         (ssl.CERT_REQUIRED, True, ssl.TLSVersion.TLSv1_3))
        # Converted once per context state.
        self.assertIs(httpc.HTTPSConnection("localhost", context=ctx)._context, tls)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        tls = httpc.HTTPSConnection("localhost", context=ctx)._context
        self.assertEqual((tls.verify_mode, tls.check_hostname), (ssl.CERT_NONE, False))
        # As http.client: check_hostname needs verification, and is written back.
        with self.assertRaisesRegex(ValueError, "check_hostname needs"):
            httpc.HTTPSConnection("localhost", context=ctx, check_hostname=True)
        ctx = ssl.create_default_context()
        httpc.HTTPSConnection("localhost", context=ctx, check_hostname=False)
        self.assertFalse(ctx.check_hostname)

    def test_ssl_context_client_certificate_refused_clearly(self):
        with self.assertRaisesRegex(ValueError, "client certificate"):
            httpc.HTTPSConnection("localhost", cert_file="c.pem",
                                  context=ssl.create_default_context())


if __name__ == "__main__":
    unittest.main()
