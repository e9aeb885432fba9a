#!/usr/bin/env bash
# tools/valgrind.sh BUILD_DIR
#   Runs the C suite of BUILD_DIR under valgrind memcheck: every Criterion
#   binary of tests/c (test_*.c) and the fault tests (test_faults). A binary
#   that was not built fails the run. Criterion runs tests in worker
#   processes whose errors do not change the exit code, so we trace children
#   and fail on "ERROR SUMMARY: [1-9]" or a definite leak in any process.
#   test_tls / test_nginx need servers: they run under with-servers.sh; all
#   run under no-dns.sh, as in CTest.
# Exit 77 when valgrind is missing (CTest: skipped), 1 under
# HTTPC_REQUIRE_ALL=1 (tests/support/require.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: tools/valgrind.sh BUILD_DIR}" && pwd)
. "$root/tests/support/require.sh"
require_cmd valgrind
logdir=$build/valgrind
rm -rf "$logdir"
mkdir -p "$logdir"
vg=(valgrind --trace-children=yes --trace-children-skip=*python*,*nginx*,*tinyproxy*,*openssl* --leak-check=full --show-leak-kinds=definite
  --errors-for-leak-kinds=definite --error-exitcode=99 --log-file="$logdir/%q{VG_NAME}.%p.log")
names=()
for src in "$root"/tests/c/test_*.c; do names+=("$(basename "$src" .c)"); done
names+=(test_faults)
echo "valgrind: ${names[*]}"
status=0
for name in "${names[@]}"; do
  bin=$build/bin/$name
  if [ ! -x "$bin" ]; then
    echo "valgrind: $name FAILED: $bin was not built"
    status=1
    continue
  fi
  wrap=()
  case $name in
    test_tls|test_nginx) wrap=("$root/tests/support/with-servers.sh" --https --tinyproxy --) ;;
  esac
  start=$(date +%s)
  set +e
  # Criterion's own timeouts are too tight under valgrind; one job at a time
  # keeps the timing tests honest on 2 cores.
  VG_NAME=$name HTTPC_TEST_SMALLER=1 timeout -k 10 900 "${wrap[@]}" "$root/tests/support/no-dns.sh" "${vg[@]}" "$bin" \
    --jobs 1 >"$logdir/$name.out" 2>&1
  rc=$?
  set -e
  synth=$(grep -a 'Synthesis' "$logdir/$name.out" | tail -1)
  echo "valgrind: $name exit $rc in $(($(date +%s) - start))s: ${synth:-no synthesis line}"
  [ $rc -eq 0 ] || { status=1; tail -30 "$logdir/$name.out"; }
done
# Any process with errors or definite leaks fails the run.
if grep -l -E 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' "$logdir"/*.log >/dev/null 2>&1; then
  status=1
  for f in $(grep -l -E 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' "$logdir"/*.log); do
    echo "== $f"
    head -60 "$f"
  done
fi
echo "valgrind: $(ls "$logdir"/*.log | wc -l) processes checked"
exit $status
