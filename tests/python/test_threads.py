"""The GIL is released around blocking calls: four threads on four
connections to a slow server take about as long as one."""

import threading
import time
import unittest

import httpc
from local_server import SlowServer


class GILRelease(unittest.TestCase):
    def test_four_threads_overlap(self):
        srv = SlowServer(delay=0.5)
        self.addCleanup(srv.stop)

        def one():
            c = httpc.HTTPConnection("127.0.0.1", srv.port, timeout=10)
            c.request("GET", "/slow")
            self.assertEqual(c.getresponse().read(), b"hello")
            c.close()

        t0 = time.monotonic()
        one()
        single = time.monotonic() - t0
        threads = [threading.Thread(target=one) for _ in range(4)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        four = time.monotonic() - t0
        self.assertLess(four, 2.5 * single, (single, four))

    def test_other_threads_run_while_blocked(self):
        srv = SlowServer(delay=0.5)
        self.addCleanup(srv.stop)
        ticks = []
        stop = threading.Event()

        def ticker():
            while not stop.is_set():
                ticks.append(1)
                time.sleep(0.01)

        t = threading.Thread(target=ticker)
        t.start()
        c = httpc.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        c.request("GET", "/slow")
        c.getresponse().read()
        stop.set()
        t.join()
        self.assertGreater(len(ticks), 20)


if __name__ == "__main__":
    unittest.main()
