#!/usr/bin/env bash
# The demo: the seeds' example sessions against a local server.
set -euo pipefail
build_dir=$1
root=$(cd "$(dirname "$0")/.." && pwd)
echo "== httpc $(cat "$root/CMakeLists.txt" | sed -n 's/^project(httpc VERSION \([0-9.]*\).*/\1/p') demo =="
"$build_dir/bin/httpc_demo" || true
