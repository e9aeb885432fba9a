#!/usr/bin/env bash
# tests/scripts/check_system_wolfssl.sh SOURCE_DIR BUILD_DIR: the other wolfSSL
# variant (-DHTTPC_WOLFSSL=system, Debian's shared libwolfssl) in a build
# directory of its own, with the TLS suites only (to keep CI time down).
set -euo pipefail
src=$1 build=$2
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p "$build"
cmake -S "$src" -B "$build" -DHTTPC_WOLFSSL=system -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHTTPC_RELIABILITY=OFF -DHTTPC_BUILD_PYTHON=OFF -DHTTPC_BUILD_LUA=OFF -DHTTPC_BUILD_NODE=OFF \
  -DHTTPC_BUILD_EXAMPLES=OFF -DHTTPC_BUILD_BENCH=OFF >"$build/configure.log" 2>&1 ||
  { tail -n 30 "$build/configure.log"; exit 1; }
cmake --build "$build" -j "$jobs" --target httpc test_tls test_tls_cpu >"$build/build.log" 2>&1 ||
  { tail -n 50 "$build/build.log"; exit 1; }
# Really the shared system library, in the tests and in libhttpc.so.
for binary in "$build/bin/test_tls" "$build/lib/libhttpc.so"; do
  [[ "$(ldd "$binary")" == *libwolfssl.so* ]] || { echo "$binary does not use libwolfssl.so"; exit 1; }
done
. "$src/tests/support/criterion_verdict.sh"
cd "$build"
status=0
for suite in test_tls test_tls_cpu; do
  echo "== $suite with Debian's libwolfssl"
  # The suite's own exit status, and at least one test run.
  set +e
  "$src/tests/support/with-servers.sh" --https --tinyproxy -- "bin/$suite" --jobs 2 \
    >"$build/$suite.log" 2>&1
  suite_status=$?
  set -e
  tail -n 5 "$build/$suite.log"
  criterion_verdict "$suite_status" "$build/$suite.log" || {
    verdict=$?
    # 77: with-servers.sh found no servers (skip; a failure under
    # HTTPC_REQUIRE_ALL=1, where it exits 1 instead).
    [ "$verdict" = 77 ] && exit 77
    status=1
  }
done
[ "$status" = 0 ] && echo "system wolfSSL variant: TLS suites pass"
exit "$status"
