"""Where httpc is stricter than http.client (the vectors marked `deviation:`),
its exceptions still catch where http.client's do: when http.client raises
class X, httpc raises X or a subclass of X; when http.client raises nothing,
httpc's error is an HTTPException (docs/errors.md).

Left out of the first rule: errors of the interpreter that escape from
http.client's internals on hostile input (OverflowError from a chunk size
over 64 bits, ValueError from read(-5) after a negative chunk size,
MemoryError from preallocating a huge Content-Length). No caller is written
to catch those; httpc raises an HTTPException (InvalidChunk, an
IncompleteRead; IncompleteRead) there, which the second rule checks."""

import builtins
import http.client
import os
import socket
import unittest

import httpc
import vector_harness as H

# error_name() (tests/support/check_vectors_cpython.py) -> class.
ACCIDENTS = {OverflowError, ValueError, MemoryError}
ALIASES = {"ConnectionReset": ConnectionResetError,
           "ConnectionRefused": ConnectionRefusedError,
           "Resolve": socket.gaierror, "InvalidArgument": ValueError,
           "TooManyHeaders": http.client.HTTPException}


def error_class(name):
    return (ALIASES.get(name) or getattr(httpc, name, None)
            or getattr(http.client, name, None) or getattr(builtins, name))


class StricterErrorsCatchAlike(unittest.TestCase):
    def test_deviation_vectors(self):
        files = [p for p in H.vector_files() if "deviation" in H.V.parse_vector(p)]
        self.assertGreater(len(files), 5)
        theirs = dict(H.run_all(H.CPYTHON, files))
        ours = dict(H.run_all(H.HTTPC, files))
        stricter = 0
        for path in files:
            with self.subTest(vector=os.path.basename(path)):
                their_error = theirs[path][1].get("error")
                our_error = ours[path][1].get("error")
                if our_error is None:
                    continue
                stricter += 1
                ours_cls = error_class(our_error)
                if their_error is None or error_class(their_error) in ACCIDENTS:
                    self.assertTrue(issubclass(ours_cls, http.client.HTTPException), our_error)
                else:
                    self.assertTrue(issubclass(ours_cls, error_class(their_error)),
                                    (our_error, their_error))
        self.assertGreater(stricter, 0)


if __name__ == "__main__":
    unittest.main()
