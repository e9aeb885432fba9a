#!/usr/bin/env bash
# Instructions per small keep-alive request of the Python clients, httpc's
# and their peers (bench/python_peers.py): callgrind runs of N and 2N
# requests against a loopback nginx, (I(2N) - I(N)) / N. Deterministic, so
# it means the same on a loaded machine. Needs a build (BUILD_DIR/python)
# and the project's venv (tools/run deps); clients whose packages are
# missing are reported as such.
# Usage: bench/python_peers.sh [BUILD_DIR] [N]   (PEERS_CLIENTS='a b': a subset)
set -euo pipefail
set -f # client names like httpc.aio*100 are not patterns
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
n=${2:-500}
python=$("$root/tests/python/venv.sh" python python3)
# valgrind must run the real binary, not a pyenv shim.
python=$("$python" -c 'import os, sys; print(sys.executable)')
export PYTHONPATH=$build/python
clients=(${PEERS_CLIENTS:-http.client httpc httpc.aio httpc.aio-uvloop aiohttp httpx httpx.async
  requests requests+httpc urllib3 urllib3+httpc httpc.aio*100 aiohttp*100 httpx.async*100})

measure() {
    local out
    out=$(mktemp -d "${TMPDIR:-/tmp}/httpc-peers.XXXXXX")
    for client in "${clients[@]}"; do
        local totals=()
        for count in "$n" $((2 * n)); do
            if ! valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$python" \
                "$root/bench/python_peers.py" "$client" "$HTTPC_TEST_HTTP_PORT" "$count" \
                >/dev/null 2>"$out/err"; then
                echo "$client: failed ($(tail -n 1 "$out/err"))"
                continue 2
            fi
            totals+=("$(sed -n 's/^summary: *\([0-9]*\).*/\1/p;s/^totals: *\([0-9]*\).*/\1/p' "$out/cg" | head -n 1)")
        done
        printf '%-18s %10d instructions/request\n' "$client" $(((totals[1] - totals[0]) / n))
    done
    rm -rf "$out"
}

export -f measure
export root n python
clients_list="${clients[*]}"
export clients_list
"$root/tests/support/with-servers.sh" --nginx -- bash -c 'set -f; clients=($clients_list); measure'
