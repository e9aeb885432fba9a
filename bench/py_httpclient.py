"""py_httpclient.py HOST PORT PATH N TLS MODE: N sequential GETs with
CPython's http.client, each body read into one reused 256 KiB buffer, after
BENCH_WARMUP untimed ones made the same way (on the same connection).
py_httpc.py runs the same loop with the httpc package (run(module))."""
import os
import ssl
import sys
import time

BUFFER_SIZE = 256 * 1024


def make_tls_context(module):
    cafile = os.environ.get("BENCH_CAFILE")
    factory = getattr(module, "create_default_context", None) or ssl.create_default_context
    return factory(cafile=cafile)


def run(module):
    host, port, path, count, tls, mode = sys.argv[1:7]
    port, count, tls = int(port), int(count), tls == "1"
    if tls:
        context = make_tls_context(module)
        conn = module.HTTPSConnection(host, port, context=context)
    else:
        conn = module.HTTPConnection(host, port)
    buffer = bytearray(BUFFER_SIZE)
    view = memoryview(buffer)
    total = 0
    connections = 0
    warmup = int(os.environ.get("BENCH_WARMUP", "0"))
    start = time.perf_counter()
    for i in range(warmup + count):
        if i == warmup:  # the timed requests start here
            total = connections = 0
            start = time.perf_counter()
        if conn.sock is None:
            connections += 1
        conn.request("GET", path)
        response = conn.getresponse()
        if response.status != 200:
            sys.exit(f"status {response.status}")
        readinto = getattr(response, "readinto", None)
        while True:
            got = readinto(view) if readinto else len(response.read(BUFFER_SIZE))
            if not got:
                break
            total += got
        response.close()
        if mode == "newconn":
            conn.close()
    seconds = time.perf_counter() - start
    print(f"requests={count} bytes={total} seconds={seconds:.6f} conns={connections}")


if __name__ == "__main__":
    import http.client

    run(http.client)
