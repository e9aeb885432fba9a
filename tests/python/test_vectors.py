"""Every conformance vector (tests/vectors/*.vec) through httpc's Python API."""

import os
import unittest

import vector_harness as H


class VectorTest(unittest.TestCase):
    def test_all_vectors(self):
        files = H.vector_files()
        self.assertGreater(len(files), 100)
        for path, (v, out, request, port) in H.run_all(H.HTTPC, files):
            with self.subTest(vector=os.path.basename(path)):
                bad = H.HTTPC.compare(v, out, request, port)
                self.assertEqual(bad, [], H.HTTPC.summary(out))


if __name__ == "__main__":
    unittest.main()
