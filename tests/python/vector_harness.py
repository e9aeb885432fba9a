"""Run conformance vectors (tests/vectors) through a client module.

Reuses tests/support/check_vectors_cpython.py: its run_client() and
error_name() refer to the global `http.client`; loading a second copy of
that file with `http.client` pointing at httpc gives the same driver for
httpc, so both clients are run by one piece of code.
"""

import concurrent.futures
import importlib.util
import os
import sys
import types

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SUPPORT = os.path.join(ROOT, "tests", "support")
VECTOR_DIR = os.path.join(ROOT, "tests", "vectors")
sys.path.insert(0, SUPPORT)
import vectors as V  # noqa: E402

import httpc  # noqa: E402


def _load(name, client):
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(SUPPORT, "check_vectors_cpython.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if client is not None:
        mod.http = types.SimpleNamespace(client=client)
    return mod


CPYTHON = _load("vectors_cpython", None)
HTTPC = _load("vectors_httpc", httpc)


def vector_files():
    return V.vector_files(VECTOR_DIR)


def run(driver, path):
    """Serve the vector, drive the client; return (vector, outcome, request
    bytes, port)."""
    v = V.parse_vector(path)
    out, request, port = V.serve_and_run(path, v, driver.run_client)
    return v, out, request, port


def run_all(driver, files, jobs=8):
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        return list(ex.map(lambda p: (p, run(driver, p)), files))


def normalized(out, request, port):
    """The comparable part of an outcome, with the port made neutral."""
    keys = ("stage", "error", "status", "reason", "version", "headers",
            "will_close", "body", "partial", "expected")
    d = {k: out.get(k) for k in keys}
    d["request"] = request.replace(str(port).encode(), b"{port}")
    return d
