#!/usr/bin/env bash
# tools/sanitize.sh asan|tsan BUILD_DIR
#   asan: clang build with -DHTTPC_SANITIZE=ON (ASan+UBSan, no recovery) and
#         the bindings off; runs the whole C suite (c.*, faults.* and the
#         non-blocking runs nb.*) with
#         ctest, failing on any sanitizer report (FAIL_REGULAR_EXPRESSION).
#   tsan: clang build with -fsanitize=thread; runs test_interrupt_stress and
#         test_tsan (8 threads, HTTP and HTTPS) against with-servers.sh nginx,
#         failing on any report.
# Exit 77 when clang or its sanitizer runtime is missing (CTest: skipped), or
# 1 under HTTPC_REQUIRE_ALL=1 (tests/support/require.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:?usage: tools/sanitize.sh asan|tsan BUILD_DIR}
build=${2:?usage: tools/sanitize.sh asan|tsan BUILD_DIR}
jobs=$(nproc 2>/dev/null || echo 2)
. "$root/tests/support/require.sh"
require_cmd clang
rtdir=$(dirname "$(clang -print-file-name=libclang_rt.asan-x86_64.so)")
common=(-DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DHTTPC_RELIABILITY=OFF
  -DHTTPC_BUILD_PYTHON=OFF -DHTTPC_BUILD_LUA=OFF -DHTTPC_BUILD_NODE=OFF)

case "$mode" in
  asan)
    [ -f "$rtdir/libclang_rt.asan-x86_64.so" ] || missing "clang's ASan runtime (libclang-rt-14-dev)"
    # clang does not link the sanitizer runtime into shared libraries, and
    # libhttpc.so links with --no-undefined: use the shared runtime.
    cmake -S "$root" -B "$build" "${common[@]}" -DHTTPC_SANITIZE=ON -DHTTPC_BUILD_EXAMPLES=OFF \
      "-DCMAKE_SHARED_LINKER_FLAGS=-shared-libasan -Wl,-rpath,$rtdir" \
      "-DCMAKE_EXE_LINKER_FLAGS=-shared-libasan -Wl,-rpath,$rtdir" >/dev/null
    cmake --build "$build" -j "$jobs" >"$build/build.log" 2>&1 || { tail -50 "$build/build.log"; exit 1; }
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    cd "$build"
    # The C suite only (install and export checks are not about memory).
    exec ctest --output-on-failure -j "$jobs" -R '^(c\.test_|faults\.|nb\.)' --timeout 600
    ;;
  tsan)
    [ -f "$rtdir/libclang_rt.tsan-x86_64.a" ] || missing "clang's TSan runtime (libclang-rt-14-dev)"
    cmake -S "$root" -B "$build" "${common[@]}" -DHTTPC_BUILD_EXAMPLES=OFF \
      "-DCMAKE_C_FLAGS=-fsanitize=thread -fno-omit-frame-pointer" \
      "-DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread -Wl,--unresolved-symbols=ignore-in-object-files" \
      "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread" >/dev/null
    cmake --build "$build" -j "$jobs" --target test_tsan test_interrupt_stress >"$build/build.log" 2>&1 ||
      { tail -50 "$build/build.log"; exit 1; }
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
    # Interrupts racing requests, closes and frees (its own loopback server).
    timeout -k 10 300 "$build/bin/test_interrupt_stress"
    exec timeout -k 10 900 "$root/tests/support/with-servers.sh" --https -- "$build/bin/test_tsan"
    ;;
  *)
    echo "usage: tools/sanitize.sh asan|tsan BUILD_DIR" >&2
    exit 2
    ;;
esac
