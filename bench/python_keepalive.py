#!/usr/bin/env python3
"""Requests per second of httpc vs CPython's http.client: small keep-alive
GETs on one connection against the same server, in one run.

Usage: python_keepalive.py PORT [PATH] [SECONDS]
  (e.g. under tests/support/with-servers.sh --nginx: PORT=$HTTPC_TEST_HTTP_PORT,
   PATH=/small). Alternates the two clients in rounds so drift hits both.
"""

import http.client
import sys
import time

import httpc


def rate(mod, port, path, seconds):
    c = mod.HTTPConnection("127.0.0.1", port)
    n = 0
    end = time.perf_counter() + seconds
    t0 = time.perf_counter()
    while True:
        for _ in range(100):
            c.request("GET", path)
            c.getresponse().read()
        n += 100
        if time.perf_counter() >= end:
            break
    dt = time.perf_counter() - t0
    c.close()
    return n / dt


def main(argv):
    port = int(argv[1])
    path = argv[2] if len(argv) > 2 else "/small"
    seconds = float(argv[3]) if len(argv) > 3 else 2.0
    rates = {"http.client": [], "httpc": []}
    for _ in range(3):
        rates["http.client"].append(rate(http.client, port, path, seconds / 3))
        rates["httpc"].append(rate(httpc, port, path, seconds / 3))
    best = {k: max(v) for k, v in rates.items()}
    for k, v in best.items():
        print(f"{k:12s} {v:10.0f} req/s")
    print(f"ratio httpc/http.client: {best['httpc'] / best['http.client']:.2f}x")


if __name__ == "__main__":
    main(sys.argv)
