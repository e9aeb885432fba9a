#!/usr/bin/env bash
# pip install and pip wheel of the Python package, in temporary venvs, as a
# new user would: venv A gets `pip install <repo>`, a wheel made
# with `pip wheel <repo>` goes into venv B; each imports httpc from another
# directory and fetches a page from a local http.server through
# urllib.request on httpc's handlers. The CMake build under build/pip is
# shared by both pip runs, so the library is compiled once.
# Usage: pip_install_check.sh PYTHON REPO
set -euo pipefail
python=$1
repo=$(cd "$2" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/httpc-pip.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$work/a"
"$python" -m venv "$work/b"
# As a new user runs it: an isolated build, which fetches its build
# requirements (setuptools, wheel and the pinned swig) from PyPI.
"$work/a/bin/pip" install -q --disable-pip-version-check "$repo"
"$work/a/bin/pip" wheel -q --disable-pip-version-check --no-deps -w "$work/wheels" "$repo"
"$work/b/bin/pip" install -q --disable-pip-version-check --no-index "$work"/wheels/httpc-*.whl

check='
import http.server, threading, urllib.request, httpc, os, sys
assert httpc.__file__.startswith(sys.prefix), httpc.__file__
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "3")
        self.end_headers(); self.wfile.write(b"hi\n")
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=s.serve_forever, daemon=True).start()
op = urllib.request.build_opener(httpc.HTTPHandler(), httpc.HTTPSHandler())
with op.open("http://127.0.0.1:%d/" % s.server_address[1], timeout=20) as r:
    assert isinstance(r, httpc.HTTPResponse) and r.read() == b"hi\n"
s.shutdown()
print("ok", httpc.__version__, os.path.basename(os.path.dirname(httpc._httpc_raw.__file__)))
'
for venv in a b; do
  (cd / && "$work/$venv/bin/python" -c "$check")
done
