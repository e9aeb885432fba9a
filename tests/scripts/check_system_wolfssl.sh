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
cd "$build"
status=0
for suite in test_tls test_tls_cpu; do
  echo "== $suite with Debian's libwolfssl"
  "$src/tests/support/with-servers.sh" --https --tinyproxy -- "bin/$suite" --jobs 2 2>&1 |
    tee "$build/$suite.log" | tail -n 5
  grep -Eq 'Synthesis: Tested: [0-9]+ \| Passing: [0-9]+ \| Failing: 0 \| Crashing: 0' \
    "$build/$suite.log" || status=1
done
[ "$status" = 0 ] && echo "system wolfSSL variant: TLS suites pass"
exit "$status"
