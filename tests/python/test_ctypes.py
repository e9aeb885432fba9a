"""The C ABI from any FFI: load libhttpc.so with ctypes alone and GET."""

import ctypes
import os
import unittest

from local_server import SlowServer

BUILD = os.environ.get("HTTPC_BUILD_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build")
LIB = os.path.join(BUILD, "lib", "libhttpc.so")


@unittest.skipUnless(os.path.exists(LIB), "no " + LIB)
class CtypesGet(unittest.TestCase):
    def test_get(self):
        srv = SlowServer(body=b"from ctypes")
        self.addCleanup(srv.stop)
        lib = ctypes.CDLL(LIB)
        vp = ctypes.c_void_p
        lib.httpc_conn_new.argtypes = [ctypes.POINTER(vp), ctypes.c_char_p, ctypes.c_int, vp]
        lib.httpc_conn_request.argtypes = [vp, ctypes.c_char_p, ctypes.c_char_p, vp, vp,
                                           ctypes.c_size_t, ctypes.c_int]
        lib.httpc_conn_getresponse.argtypes = [vp, ctypes.POINTER(vp)]
        lib.httpc_response_status.argtypes = [vp]
        lib.httpc_response_read_all.argtypes = [vp, ctypes.POINTER(vp),
                                                ctypes.POINTER(ctypes.c_size_t)]
        lib.httpc_free.argtypes = [vp]
        lib.httpc_response_free.argtypes = [vp]
        lib.httpc_conn_free.argtypes = [vp]
        lib.httpc_last_error_message.restype = ctypes.c_char_p

        conn, resp, data, n = vp(), vp(), vp(), ctypes.c_size_t()
        self.assertEqual(lib.httpc_conn_new(ctypes.byref(conn), b"127.0.0.1", srv.port, None), 0)
        rc = lib.httpc_conn_request(conn, b"GET", b"/", None, None, 0, 0)
        self.assertEqual(rc, 0, lib.httpc_last_error_message())
        self.assertEqual(lib.httpc_conn_getresponse(conn, ctypes.byref(resp)), 0)
        self.assertEqual(lib.httpc_response_status(resp), 200)
        self.assertEqual(lib.httpc_response_read_all(resp, ctypes.byref(data), ctypes.byref(n)), 0)
        self.assertEqual(ctypes.string_at(data, n.value), b"from ctypes")
        lib.httpc_free(data)
        lib.httpc_response_free(resp)
        lib.httpc_conn_free(conn)


if __name__ == "__main__":
    unittest.main()
