# Sourced by the test scripts and tools/{valgrind,sanitize,fuzz,abi}.sh: what
# a check does when a tool or server it needs is absent.
#
#   missing WHAT...       HTTPC_REQUIRE_ALL=1 (tools/run test exports it, and
#                         tools/run deps installs every tool): a broken
#                         install, so print "FAIL: WHAT missing" and exit 1.
#                         Otherwise (plain ctest by hand): print "SKIP: ..."
#                         and exit 77, which CTest shows as "Skipped".
#   require_cmd NAME...   `missing NAME` unless each NAME is an executable on
#                         PATH (or the path NAME itself is executable).
missing() {
    if [ "${HTTPC_REQUIRE_ALL:-0}" = 1 ]; then
        echo "FAIL: $* missing; under tools/run test (HTTPC_REQUIRE_ALL=1) every tool and server" \
            "must be there: install them with tools/run deps" >&2
        exit 1
    fi
    echo "SKIP: $* missing (with HTTPC_REQUIRE_ALL=1, as tools/run test sets, this is a failure)"
    exit 77
}

require_cmd() {
    local name path
    for name in "$@"; do
        # bash's command -v also names a file on PATH that is not executable.
        path=$(command -v "$name" 2>/dev/null) && [ -x "$path" ] || missing "$name"
    done
}
