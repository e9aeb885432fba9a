# Sourced by scripts that run a Criterion suite outside CTest's own
# registration (tests/scripts/check_system_wolfssl.sh): the verdict the
# Criterion registrations in tests/CMakeLists.txt give through CTest, as one
# function.
#
#   criterion_verdict STATUS LOG   0 when the suite exited 0 and its log's
#                                  synthesis line says at least one test ran,
#                                  none failed and none crashed; otherwise it
#                                  prints why and returns 1. 77 (skip) is
#                                  passed through for the caller to decide.
criterion_verdict() {
    local status=$1 log=$2 tested
    [ "$status" = 77 ] && return 77
    tested=$(grep -Eo 'Synthesis: Tested: [0-9]+ \| Passing: [0-9]+ \| Failing: 0 \| Crashing: 0' "$log" |
        tail -n 1 | grep -Eo 'Tested: [0-9]+' | grep -Eo '[0-9]+')
    if [ "$status" != 0 ]; then
        echo "criterion: $log: the suite exited with status $status"
        return 1
    fi
    if [ -z "$tested" ]; then
        echo "criterion: $log: no synthesis line with no failure and no crash"
        return 1
    fi
    if [ "$tested" -lt 1 ]; then
        echo "criterion: $log: no test ran (Tested: 0)"
        return 1
    fi
    if grep -Eq 'ERROR: LeakSanitizer|runtime error:|ERROR: AddressSanitizer|WARNING: ThreadSanitizer' "$log"; then
        echo "criterion: $log: a sanitizer report"
        return 1
    fi
    return 0
}
