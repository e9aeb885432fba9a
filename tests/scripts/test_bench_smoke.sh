#!/usr/bin/env bash
# Smoke test of the benchmark programs (speed is not asserted): httpc-bench
# runs 10 requests against nginx, keep-alive (one connection, as nginx's
# X-Connection confirms) and new-connection (ten); with BENCH_WARMUP=5 the
# C, Python and Node clients make 5 untimed requests first, on the timed
# connection (keep-alive: nginx sees one connection, none opened while
# timed) or on new ones (nginx sees 15, 10 timed); the report states the
# warm-up.
# Usage: test_bench_smoke.sh SRC_DIR BUILD_DIR
set -euo pipefail
if [ "${1:-}" = --inner ]; then
    BENCH=$2
    SRC=$3
else
    SRC=$1 BUILD=$2
    BENCH=$BUILD/bin/httpc-bench
    . "$SRC/tests/support/require.sh"
    # Not built with -DHTTPC_BUILD_BENCH=OFF; nginx: with-servers.sh checks.
    [ -x "$BENCH" ] || missing "$BENCH (HTTPC_BUILD_BENCH)"
fi
if [ "${1:-}" != --inner ]; then
    exec timeout -k 5 120 "$SRC/tests/support/with-servers.sh" --nginx -- bash "$0" --inner "$BENCH" "$SRC"
fi
passed=0 failed=0
# nginx's serial number of a new connection (X-Connection on /counted/):
# the difference across a run is the connections nginx saw in between, + 1.
serial() {
    python3 -c 'import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", "/counted/empty")
print(c.getresponse().getheader("X-Connection"))' "$HTTPC_TEST_HTTP_PORT"
}
# check NAME MODE PATH EXPECTED_BYTES EXPECTED_CONNS [NGINX_CONNS [CLIENT...]]:
# the client (default httpc-bench) under $BENCH_WARMUP (unset: none).
check() {
    local name=$1 mode=$2 path=$3 bytes=$4 conns=$5 seen=${6:-$5} line before after
    shift $(($# < 6 ? $# : 6))
    [ $# -gt 0 ] || set -- "$BENCH"
    before=$(serial)
    if line=$("$@" 127.0.0.1 "$HTTPC_TEST_HTTP_PORT" "$path" 10 0 "$mode") &&
        [[ "$line" =~ ^requests=10\ bytes=$bytes\ seconds=[0-9.]+\ conns=$conns$ ]] &&
        after=$(serial) && [ $((after - before - 1)) = "$seen" ]; then
        echo "ok: $name: $line; nginx saw $seen connection(s)"
        passed=$((passed + 1))
    else
        echo "FAIL: $name: ${line:-no output} (expected conns=$conns, nginx $seen; nginx's serials ${before:-?}..${after:-?})"
        failed=$((failed + 1))
    fi
}
check "small keep-alive" keepalive /small 1000 1
check "medium new connection" newconn /medium 163840 10
export BENCH_WARMUP=5
check "warm-up, keep-alive: the timed requests on the warmed connection" keepalive /small 1000 0 1
check "warm-up, new connections: 5 untimed + 10 timed" newconn /small 1000 10 15
check "warm-up, Python's http.client" keepalive /small 1000 0 1 python3 "$SRC/bench/py_httpclient.py"
if command -v node >/dev/null; then
    check "warm-up, Node's http" newconn /small 1000 10 15 node "$SRC/bench/node_http.js"
fi
unset BENCH_WARMUP

# The report states the warm-up of each scenario.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'small\thttpc\t1\t100\t10000\t0.01\t0\nlarge\thttpc\t1\t2\t134217728\t0.1\t0\n' >"$work/raw"
: >"$work/extras"
python3 "$SRC/bench/report.py" "$work/raw" "$work/extras" "$work/out.md" "$work/out.dat" "" 1 "0 0 0" 2 0 \
    "$(printf 'small|/small|20000|0|keepalive|req/s|3000\nlarge|/large|24|0|keepalive|MB/s|2\n')"
if grep -q '^Warm-up: .*3,000 in small; 2 in large\.' "$work/out.md"; then
    echo "ok: the report states the warm-up"
    passed=$((passed + 1))
else
    echo "FAIL: the report does not state the warm-up: $(grep -i warm "$work/out.md")"
    failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
