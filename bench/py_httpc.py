"""py_httpc.py HOST PORT PATH N TLS MODE: the py_httpclient.py loop with the
httpc Python package (found through BENCH_HTTPC_PYTHONPATH or sys.path).
Exits 3 (not applicable) when httpc cannot be imported."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
for entry in reversed(os.environ.get("BENCH_HTTPC_PYTHONPATH", "").split(os.pathsep)):
    if entry:
        sys.path.insert(0, entry)

try:
    import httpc
except ImportError as error:
    print(f"py_httpc: httpc not importable: {error}", file=sys.stderr)
    sys.exit(3)

import py_httpclient

py_httpclient.run(httpc)
