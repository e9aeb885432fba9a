#!/usr/bin/env python3
"""Run every conformance vector through CPython's own http.client.

Usage: check_vectors_cpython.py [-v] [-j JOBS] [VECTOR_FILE_OR_DIR ...]

For each vector: start vector_server.py, drive http.client against it and
compare the outcome (status, reason, version, headers, body, error class as
named in docs/errors.md, partial/expected, will_close) and the exact request
bytes with the vector's expectations. A vector with `deviation:` is still
run, but its outcome is only reported, not compared (httpc deliberately
differs there). Prints one line per vector and ends with `N passed, N
failed`; exits 1 if any failed.
"""

import argparse
import concurrent.futures
import http.client
import os
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import vectors as V  # noqa: E402



def error_name(exc):
    """Map a Python exception to the class name of docs/errors.md."""
    hc = http.client
    if isinstance(exc, hc.RemoteDisconnected):
        return "RemoteDisconnected"
    if isinstance(exc, hc.HTTPException):
        if type(exc) is hc.HTTPException:
            if "got more than" in str(exc) and "headers" in str(exc):
                return "TooManyHeaders"
            return "HTTPException"
        return type(exc).__name__
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "TimeoutError"
    if isinstance(exc, ConnectionResetError):
        return "ConnectionReset"
    if isinstance(exc, ConnectionRefusedError):
        return "ConnectionRefused"
    if isinstance(exc, socket.gaierror):
        return "Resolve"
    if isinstance(exc, ValueError):
        return "InvalidArgument"
    if isinstance(exc, MemoryError):
        return "MemoryError"
    if isinstance(exc, OSError):
        return "OSError"
    return type(exc).__name__


class HeaderList(list):
    """Ordered (name, value) pairs that http.client.request() accepts as
    its headers mapping (it only iterates names and calls items())."""

    def __iter__(self):
        return (k for k, _ in list.__iter__(self))

    def items(self):
        return list(list.__iter__(self))


def run_client(v, port):
    """Drive http.client; return an outcome dict."""
    out = {"stage": None, "error": None}
    host = V.with_port(v.get("host", "127.0.0.1:{port}"), port)
    kw = {}
    if "timeout" in v:
        kw["timeout"] = v["timeout"]
    out["stage"] = "construct"
    try:
        conn = http.client.HTTPConnection(host, **kw)
    except Exception as e:  # noqa: BLE001
        out["error"] = error_name(e)
        out["exc"] = repr(e)[:200]
        return out
    try:
        out["stage"] = "request"
        headers = HeaderList(
            (n.decode("latin-1"), x.decode("latin-1"))
            for n, x in V.headers_of(v, "request-header"))
        if "request-body-chunks" in v:
            body = iter(list(v["request-body-chunks"]))
        else:
            body = v.get("request-body")
        conn.request(v["method"], V.with_port(v["url"], port), body=body,
                     headers=headers, encode_chunked=v["encode-chunked"])
        out["stage"] = "getresponse"
        resp = conn.getresponse()
        out["status"] = resp.status
        out["reason"] = resp.reason
        out["version"] = resp.version
        out["headers"] = [(k.encode("latin-1"), x.encode("latin-1"))
                          for k, x in resp.getheaders()]
        out["will_close"] = bool(resp.will_close)
        out["stage"] = "read"
        out["body"] = resp.read()
        out["stage"] = None
    except Exception as e:  # noqa: BLE001 - we classify every failure
        out["error"] = error_name(e)
        out["exc"] = repr(e)[:200]
        if isinstance(e, http.client.IncompleteRead):
            out["partial"] = e.partial
            out["expected"] = e.expected
    finally:
        conn.close()
    return out


def compare(v, out, request, port):
    """Return a list of mismatch strings."""
    bad = []

    def chk(what, want, got):
        if want != got:
            bad.append("%s: want %r got %r" % (what, want, got))

    if "expect-request" in v:
        chk("request bytes", V.with_port(v["expect-request"], port), request)
    want_err = v.get("expect-error")
    chk("error", want_err, out["error"])
    if want_err:
        if "error-at" in v:
            chk("error-at", v["error-at"], out["stage"])
        if "expect-partial" in v:
            chk("partial", v["expect-partial"], out.get("partial"))
        if "expect-expected" in v:
            chk("expected", v["expect-expected"], out.get("expected"))
    for key, field in (("expect-status", "status"),
                       ("expect-reason", "reason"),
                       ("expect-version", "version"),
                       ("expect-will-close", "will_close")):
        if key in v:
            chk(field, v[key], out.get(field))
    if "expect-header" in v:
        chk("headers", V.headers_of(v, "expect-header"), out.get("headers"))
    if "expect-body" in v:
        chk("body", v["expect-body"], out.get("body"))
    return bad


def summary(out):
    if out["error"]:
        s = "%s at %s (%s)" % (out["error"], out["stage"], out.get("exc"))
    else:
        s = "%s %r v%s will_close=%s body=%d bytes" % (
            out.get("status"), out.get("reason"), out.get("version"),
            out.get("will_close"), len(out.get("body") or b""))
    return s


def run_vector(path, verbose=False):
    name = os.path.basename(path)
    try:
        v = V.parse_vector(path)
    except ValueError as e:
        return False, "FAIL %s: parse error: %s" % (name, e)
    t0 = time.monotonic()
    try:
        out, request, port = V.serve_and_run(path, v, run_client)
    except RuntimeError as e:
        return False, "FAIL %s: %s" % (name, e)
    elapsed = time.monotonic() - t0
    if "deviation" in v:
        return True, "ok   %s [deviation; cpython: %s]" % (name, summary(out))
    bad = compare(v, out, request, port)
    if bad:
        msg = "FAIL %s: %s\n     cpython: %s" % (name, "; ".join(bad),
                                                 summary(out))
        return False, msg
    extra = (" (%s; %.2fs)" % (summary(out), elapsed)) if verbose else ""
    return True, "ok   %s%s" % (name, extra)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("-j", "--jobs", type=int, default=8)
    args = ap.parse_args(argv)
    files = []
    for p in args.paths or [os.path.join(HERE, "..", "vectors")]:
        files += V.vector_files(p) if os.path.isdir(p) else [p]
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as ex:
        for ok, msg in ex.map(lambda f: run_vector(f, args.verbose), files):
            print(msg, flush=True)
            if ok:
                passed += 1
            else:
                failed += 1
    print("%d passed, %d failed" % (passed, failed))
    # The whole directory has more than 100 vectors: fewer means some were lost.
    if not args.paths and len(files) <= 100:
        print("only %d vectors found" % len(files))
        return 1
    return 1 if failed or not files else 0


if __name__ == "__main__":
    sys.exit(main())
