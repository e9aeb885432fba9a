#!/usr/bin/env bash
# Smoke test of the benchmark program (speed is not asserted): httpc-bench
# runs 10 requests against nginx, keep-alive and new-connection.
# Usage: test_bench_smoke.sh SRC_DIR BUILD_DIR
set -euo pipefail
if [ "${1:-}" = --inner ]; then
    BENCH=$2
else
    SRC=$1 BUILD=$2
    BENCH=$BUILD/bin/httpc-bench
fi
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    echo "SKIP: nginx missing"
    exit 0
fi
if [ ! -x "$BENCH" ]; then
    echo "SKIP: $BENCH not built"
    exit 0
fi
if [ "${1:-}" != --inner ]; then
    exec timeout -k 5 120 "$SRC/tests/support/with-servers.sh" --nginx -- bash "$0" --inner "$BENCH"
fi
passed=0 failed=0
check() { # NAME MODE PATH EXPECTED_BYTES
    local line
    if line=$("$BENCH" 127.0.0.1 "$HTTPC_TEST_HTTP_PORT" "$3" 10 0 "$2") &&
        [[ "$line" =~ ^requests=10\ bytes=$4\ seconds=[0-9.]+\ conns=([0-9]+)$ ]]; then
        echo "ok: $1: $line"
        passed=$((passed + 1))
    else
        echo "FAIL: $1: ${line:-no output}"
        failed=$((failed + 1))
    fi
}
check "small keep-alive" keepalive /small 1000
check "medium new connection" newconn /medium 163840
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
