#!/usr/bin/env bash
# tools/fuzz.sh BUILD_DIR [SECONDS] [TARGET...]
#   Builds the libFuzzer targets of tests/fuzz with clang in BUILD_DIR/fuzz,
#   generates seed corpora from tests/vectors, and runs each target for
#   SECONDS (default 60; `tools/run fuzz 600` for a long run). Targets: head
#   chunked validate url conn (default: all). The corpus grows in
#   BUILD_DIR/fuzz/corpus/TARGET; crashes land in BUILD_DIR/fuzz/artifacts.
#   tools/fuzz.sh BUILD_DIR --build-only   builds and exits.
# Exit: 0 clean, 1 a crash/leak/timeout was found, 77 clang's libFuzzer
# runtime is missing (CTest reports a skip; 1 under HTTPC_REQUIRE_ALL=1, see
# tests/support/require.sh).
# Env: HTTPC_FUZZ_MAX_LEN (default 16384), HTTPC_FUZZ_JOBS (parallel workers
# per target, default 1; use more on a big machine).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "${1:?usage: tools/fuzz.sh BUILD_DIR [SECONDS] [TARGET...]}"
build_dir=$(cd "$1" && pwd)
shift
build_only=0
seconds=60
if [ "${1:-}" = "--build-only" ]; then
  build_only=1
  shift
elif [ -n "${1:-}" ]; then
  seconds=$1
  shift
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(head chunked validate url conn conn_nb)
out=$build_dir/fuzz

# clang and its libFuzzer runtime: a probe program must link.
. "$root/tests/support/require.sh"
require_cmd clang
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}\n' \
  >"$probe/p.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >"$probe/log" 2>&1; then
  tail -n 3 "$probe/log"
  missing "clang's libFuzzer runtime (libclang-rt-14-dev)"
fi

# One build at a time per build dir (CTest may start targets in parallel).
mkdir -p "$out"
(
  flock 9
  if [ ! -f "$out/build/CMakeCache.txt" ]; then
    cmake -S "$root/tests/fuzz" -B "$out/build" -DCMAKE_C_COMPILER=clang >/dev/null
  fi
  cmake --build "$out/build" -j "$(nproc 2>/dev/null || echo 2)" >"$out/build.log" 2>&1 ||
    { cat "$out/build.log"; exit 1; }
  rm -rf "$out/seeds"
  python3 "$root/tests/fuzz/make_seeds.py" "$root/tests/vectors" "$out/seeds"
) 9>"$out/.lock"
[ $build_only = 1 ] && exit 0

status=0
mkdir -p "$out/artifacts" "$out/logs"
for t in "${targets[@]}"; do
  bin=$out/build/fuzz_$t
  [ -x "$bin" ] || { echo "fuzz: no target $t"; exit 1; }
  mkdir -p "$out/corpus/$t"
  log=$out/logs/$t.log
  jobs=${HTTPC_FUZZ_JOBS:-1}
  extra=()
  [ "$jobs" -gt 1 ] && extra=(-fork="$jobs")
  # timeout(1) is the hard stop should libFuzzer itself hang.
  set +e
  timeout -k 10 $((seconds * 2 + 60)) "$bin" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len="${HTTPC_FUZZ_MAX_LEN:-16384}" -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/$t-" "${extra[@]}" \
    "$out/corpus/$t" "$out/seeds/$t" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  if [ $rc -ne 0 ]; then
    status=1
    echo "fuzz: $t FAILED (exit $rc) after ${runs:-?} runs; log $log"
    grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -20 || true
  else
    echo "fuzz: $t ok: ${runs:-?} executions in ${seconds}s, ${cov:-cov: ?}"
  fi
done
exit $status
