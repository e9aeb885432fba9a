#!/usr/bin/env python3
"""run_vectors.py LUA MODULE_DIR [PATTERN]: every conformance vector
(tests/vectors/*.vec) through the httpc Lua API under the interpreter LUA.

For each vector: start tests/support/vector_server.py, run vector_client.lua
(LUA_PATH/LUA_CPATH on MODULE_DIR only) with the request on stdin, read its
outcome and compare it with the vector's expectations by the same compare()
the CPython and Python checks use. PATTERN (a substring of file names)
restricts the set; the run fails when fewer than the expected minimum of
vectors ran, so a filter cannot make it pass by running nothing."""

import concurrent.futures
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
import check_vectors_cpython as C  # noqa: E402
import vectors as V  # noqa: E402

MIN_VECTORS = 100  # the suite has more; fewer means files went missing
# HTTPC_LUA_CQUEUES=1: every exchange runs inside a cqueues coroutine
# (non-blocking mode); each client must say it did.
CQUEUES = os.environ.get("HTTPC_LUA_CQUEUES") == "1"


def lua_env(module_dir):
    env = dict(os.environ)
    env["LUA_PATH"] = "%s/?.lua;%s/?/init.lua" % (module_dir, module_dir)
    env["LUA_CPATH"] = "%s/?.so" % module_dir
    if CQUEUES:  # cqueues itself from the system's paths
        env["LUA_PATH"] += ";;"
        env["LUA_CPATH"] += ";;"
    # A sanitizer build: the runtimes for the Lua process only (see tests.cmake).
    if os.environ.get("HTTPC_LUA_PRELOAD"):
        env["LD_PRELOAD"] = os.environ["HTTPC_LUA_PRELOAD"]
        env["ASAN_OPTIONS"] = "detect_leaks=0"
    return env


def request_spec(v, port):
    """The request part of a vector as "key hex [hex]" lines."""
    lines = []

    def add(key, *values):
        lines.append(" ".join([key] + [x.hex() for x in values]))

    add("host", V.with_port(v.get("host", "127.0.0.1:{port}"), port).encode("latin-1"))
    add("method", v["method"].encode("latin-1"))
    add("url", V.with_port(v["url"], port).encode("latin-1"))
    if "timeout" in v:
        add("timeout", str(v["timeout"]).encode())
    for name, value in V.headers_of(v, "request-header"):
        add("header", name, value)
    if "request-body-chunks" in v:
        for chunk in v["request-body-chunks"]:
            add("chunk", chunk)
    elif v.get("request-body") is not None:
        add("body", v["request-body"])
    add("encode_chunked", b"yes" if v["encode-chunked"] else b"no")
    return "\n".join(lines) + "\n"


def parse_outcome(text):
    out = {"stage": None, "error": None, "headers": []}
    for line in text.splitlines():
        key, *values = line.split(" ")
        values = [bytes.fromhex(x) for x in values]
        if key == "header":
            out["headers"].append((values[0], values[1]))
        elif key in ("status", "version", "expected"):
            out[key] = int(values[0])
        elif key == "will_close":
            out[key] = values[0] == b"yes"
        elif key in ("body", "partial"):
            out[key] = values[0]
        elif key == "reason":
            out[key] = values[0].decode("latin-1")
        else:
            out[key] = values[0].decode("latin-1") or None
    if out["stage"] is not None and "status" not in out:
        del out["headers"]
    return out


def lua_client(lua, module_dir):
    def run_client(v, port):
        proc = subprocess.run([lua, os.path.join(HERE, "vector_client.lua")],
                              input=request_spec(v, port).encode(), capture_output=True,
                              env=lua_env(module_dir), timeout=60)
        if proc.returncode != 0:
            return {"stage": "lua", "error": "crash %d" % proc.returncode,
                    "exc": proc.stderr.decode(errors="replace")[-400:]}
        return parse_outcome(proc.stdout.decode())
    return run_client


def main():
    lua, module_dir = sys.argv[1], sys.argv[2]
    pattern = sys.argv[3] if len(sys.argv) > 3 else ""
    files = [f for f in V.vector_files(os.path.join(ROOT, "tests", "vectors"))
             if pattern in os.path.basename(f)]
    minimum = MIN_VECTORS if not pattern else 1
    run_client = lua_client(lua, module_dir)

    def one(path):
        v = V.parse_vector(path)
        out, request, port = V.serve_and_run(path, v, run_client)
        ran_in_cqueues = out.pop("cqueues", None) == "yes"
        bad = C.compare(v, out, request, port)
        if CQUEUES and not ran_in_cqueues and out.get("stage") != "lua":
            bad = list(bad) + ["not run inside a cqueues coroutine"]
        return path, bad, out

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        for path, bad, out in ex.map(one, files):
            name = os.path.basename(path)
            if bad:
                failed += 1
                print("FAIL %s: %s\n     lua: %s" % (name, "; ".join(bad), C.summary(out)))
            else:
                print("ok   %s" % name)
    print("%s%s: %d vectors, %d passed, %d failed" % (lua, " (cqueues)" if CQUEUES else "",
                                                      len(files), len(files) - failed, failed))
    if len(files) < minimum:
        print("too few vectors: %d (at least %d expected)" % (len(files), minimum))
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
