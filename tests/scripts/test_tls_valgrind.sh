#!/usr/bin/env bash
# 200 HTTPS requests with reconnects (and resumption) under valgrind: no
# leaks, no memory errors. Usage: test_tls_valgrind.sh SRC_DIR BUILD_DIR
# A missing valgrind (here) or nginx (with-servers.sh) skips with 77, or
# fails under HTTPC_REQUIRE_ALL=1 (tests/support/require.sh).
set -euo pipefail
SRC=$1 BUILD=$2
LOOP="$BUILD/bin/tls_loop"
. "$SRC/tests/support/require.sh"
require_cmd valgrind
[ -x "$LOOP" ] || { echo "missing $LOOP (tests/tls.cmake builds it)" >&2; exit 1; }
exec timeout -k 5 500 "$SRC/tests/support/with-servers.sh" --https -- \
    valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect "$LOOP" leak 200
