#!/usr/bin/env bash
# tools/coverage.sh [MAIN_BUILD_DIR]   (tools/run coverage)
#   Builds with -DHTTPC_COVERAGE=ON (gcc --coverage -O0) in a separate dir
#   (HTTPC_COV_DIR, default build-cov), runs the C suite (c.* and faults.*,
#   HTTPS tests included) and prints gcovr line and branch coverage of core/
#   and capi/. HTML report: BUILD/coverage/index.html.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HTTPC_COV_DIR:-$root/build-cov}
jobs=$(nproc 2>/dev/null || echo 2)
command -v gcovr >/dev/null 2>&1 || { echo "coverage: gcovr missing (tools/run deps)" >&2; exit 1; }
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DHTTPC_COVERAGE=ON -DHTTPC_RELIABILITY=OFF \
  -DHTTPC_BUILD_PYTHON=OFF -DHTTPC_BUILD_LUA=OFF -DHTTPC_BUILD_NODE=OFF >/dev/null
cmake --build "$build" -j "$jobs" >"$build/build.log" 2>&1 || { tail -40 "$build/build.log"; exit 1; }
find "$build" -name '*.gcda' -delete
(cd "$build" && ctest -j "$jobs" -R '^(c\.test_|faults\.)' --timeout 600 --output-on-failure) || \
  echo "coverage: some tests failed (figures below still count what ran)"
mkdir -p "$build/coverage"
gcovr --root "$root" --object-directory "$build" --filter "$root/core/" --filter "$root/capi/" \
  --exclude-unreachable-branches --html-details "$build/coverage/index.html" \
  --print-summary --txt "$build/coverage/summary.txt" "$build"
tail -n 25 "$build/coverage/summary.txt"
