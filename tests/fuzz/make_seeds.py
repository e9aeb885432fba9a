#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from tests/vectors (at run time,
so new vectors seed the fuzzers without a checked-in corpus).

usage: make_seeds.py VECTORS_DIR OUT_DIR  -> OUT_DIR/{head,chunked,validate,url,conn,conn_nb}/
"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "support"))
from vectors import parse_vector  # noqa: E402

# Two split-seed bytes come first in every target's input (fuzz_split.h):
# 0x00 0x01 and 0x7f 0x33 give small and large pieces.
SPLITS = (b"\x00\x01", b"\x7f\x33")


def main():
    vec_dir, out = sys.argv[1], sys.argv[2]
    dirs = {t: os.path.join(out, t) for t in ("head", "chunked", "validate", "url", "conn",
                                                    "conn_nb")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)

    def put(target, name, data):
        with open(os.path.join(dirs[target], name), "wb") as f:
            f.write(data)

    for fn in sorted(os.listdir(vec_dir)):
        if not fn.endswith(".vec"):
            continue
        v = parse_vector(os.path.join(vec_dir, fn))
        stem = fn[:-4]
        reply = v["reply"].replace(b"{port}", b"8080")[:65536]
        if reply:
            for i, s in enumerate(SPLITS):
                put("head", "%s-%d" % (stem, i), s + reply)
                for target in ("conn", "conn_nb"):
                    put(target, "%s-%d" % (stem, i), s + bytes([i * 0x44]) + reply)
            head_end = reply.find(b"\r\n\r\n")
            if b"chunked" in reply.lower() and head_end >= 0:
                put("chunked", stem, SPLITS[0] + reply[head_end + 4:])
        method = v["method"].encode("latin-1")
        url = v["url"].encode("latin-1").replace(b"{port}", b"8080")
        fields = [method, url]
        for name, value in v.get("request-header", []):
            fields += [name, value]
        put("validate", stem, b"\0".join(fields[:5]))
        host = v.get("host", "127.0.0.1:{port}").encode("latin-1").replace(b"{port}", b"8080")
        put("url", stem, b"\0" + host + b"\0" + url)


if __name__ == "__main__":
    main()
