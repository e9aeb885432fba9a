#!/usr/bin/env bash
# Smoke test of the benchmark program (speed is not asserted): httpc-bench
# runs 10 requests against nginx, keep-alive (one connection, as nginx's
# X-Connection confirms) and new-connection (ten).
# Usage: test_bench_smoke.sh SRC_DIR BUILD_DIR
set -euo pipefail
if [ "${1:-}" = --inner ]; then
    BENCH=$2
else
    SRC=$1 BUILD=$2
    BENCH=$BUILD/bin/httpc-bench
    . "$SRC/tests/support/require.sh"
    # Not built with -DHTTPC_BUILD_BENCH=OFF; nginx: with-servers.sh checks.
    [ -x "$BENCH" ] || missing "$BENCH (HTTPC_BUILD_BENCH)"
fi
if [ "${1:-}" != --inner ]; then
    exec timeout -k 5 120 "$SRC/tests/support/with-servers.sh" --nginx -- bash "$0" --inner "$BENCH"
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
check() { # NAME MODE PATH EXPECTED_BYTES EXPECTED_CONNS
    local line before after
    before=$(serial)
    if line=$("$BENCH" 127.0.0.1 "$HTTPC_TEST_HTTP_PORT" "$3" 10 0 "$2") &&
        [[ "$line" =~ ^requests=10\ bytes=$4\ seconds=[0-9.]+\ conns=$5$ ]] &&
        after=$(serial) && [ $((after - before - 1)) = "$5" ]; then
        echo "ok: $1: $line; nginx saw $5 connection(s)"
        passed=$((passed + 1))
    else
        echo "FAIL: $1: ${line:-no output} (expected conns=$5; nginx's serials ${before:-?}..${after:-?})"
        failed=$((failed + 1))
    fi
}
check "small keep-alive" keepalive /small 1000 1
check "medium new connection" newconn /medium 163840 10
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
