#!/usr/bin/env bash
# tests/support/criterion_verdict.sh on made-up Criterion logs: a run of zero
# tests, a failing exit status with a clean-looking log, a failure, a crash
# and a sanitizer report are failures; a real pass passes; 77 stays a skip.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../support/criterion_verdict.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/criterion-verdict.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
# expect WANT STATUS LOG-TEXT NAME
expect() {
    printf '%s\n' "$3" >"$work/log"
    criterion_verdict "$2" "$work/log" >/dev/null
    local got=$?
    if [ "$got" = "$1" ]; then echo "ok   - $4"; else echo "FAIL - $4: verdict $got, expected $1"; failed=1; fi
}
pass_line='[====] Synthesis: Tested: 12 | Passing: 12 | Failing: 0 | Crashing: 0 '
expect 0 0 "$pass_line" "a passing run"
expect 1 0 '[====] Synthesis: Tested: 0 | Passing: 0 | Failing: 0 | Crashing: 0 ' "zero tests ran"
expect 1 1 "$pass_line" "a clean log but a failing exit status"
expect 1 1 '[====] Synthesis: Tested: 3 | Passing: 2 | Failing: 1 | Crashing: 0 ' "a failure"
expect 1 0 '[====] Synthesis: Tested: 3 | Passing: 2 | Failing: 0 | Crashing: 1 ' "a crash"
expect 1 0 '' "no synthesis line"
expect 1 0 "x.c:1:2: runtime error: signed integer overflow
$pass_line" "a sanitizer report"
expect 77 77 '' "with-servers.sh skipped (77)"
[ "$failed" = 0 ] && echo "criterion verdict: all cases as expected"
exit "$failed"
