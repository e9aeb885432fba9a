#!/usr/bin/env bash
# tests/support/with-servers.sh stops nginx (master and worker) and both
# tinyproxy instances however it ends: CMD exits, the wrapper gets SIGTERM,
# or the wrapper is killed with SIGKILL (no trap runs then: the servers'
# parent-death signal does it). Usage: test_server_lifetime.sh SRC_DIR BUILD_DIR
set -euo pipefail
SRC=$(cd "$1" && pwd)
WRAPPER=$SRC/tests/support/with-servers.sh
WORK=$(mktemp -d "${TMPDIR:-/tmp}/httpc-lifetime.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failed=0

# wait_for FILE PID: true once FILE exists, false when PID ended first or
# after 60 s.
wait_for() {
    local i
    for i in $(seq 600); do
        [ -s "$1" ] && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# gone PID...: true once none of the PIDs exists any more (10 s at most).
gone() {
    local i p alive
    for i in $(seq 100); do
        alive=
        for p in "$@"; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
        [ -z "$alive" ] && return 0
        sleep 0.1
    done
    echo "still running:$alive" >&2
    ps -o pid,ppid,cmd -p "$(echo $alive | tr ' ' ,)" >&2 || true
    return 1
}

# check HOW: starts the wrapper with nginx and tinyproxy around a command
# that waits, ends the wrapper HOW (exit, term, kill), then expects every
# server process gone and its ports closed.
check() {
    local how=$1 ready=$WORK/$1.ready go=$WORK/$1.go
    # The command records its pid and the servers' dir, then waits for "go"
    # (two minutes at most).
    "$WRAPPER" --nginx --tinyproxy -- bash -c '
        echo "$$ $HTTPC_TEST_DIR $HTTPC_TEST_HTTP_PORT $HTTPC_TEST_PROXY_PORT" >"$1"
        for _ in $(seq 1200); do [ -e "$2" ] && exit 0; sleep 0.1; done' _ "$ready" "$go" \
        >"$WORK/$how.out" 2>&1 &
    local wrapper=$!
    if ! wait_for "$ready" "$wrapper"; then
        kill "$wrapper" 2>/dev/null || true
        local rc=0
        wait "$wrapper" || rc=$?
        cat "$WORK/$how.out"
        # A server not installed: skip (77), or fail under HTTPC_REQUIRE_ALL.
        [ "$rc" = 77 ] && exit 77
        echo "FAIL - $how: the servers did not start (exit $rc)"
        exit 1
    fi
    local cmd_pid dir http_port proxy_port
    read -r cmd_pid dir http_port proxy_port <"$ready"
    local master servers
    master=$(cat "$dir/nginx.pid")
    servers=("$master" $(pgrep -P "$master") $(cat "$dir/tinyproxy.pid" "$dir/tinyproxy-auth.pid"))
    # Two nginx processes (master, worker) and two tinyproxy ones, or the
    # check below would prove nothing.
    if [ ${#servers[@]} -lt 4 ]; then
        echo "FAIL - $how: found only server pids ${servers[*]}"
        failed=$((failed + 1))
    fi
    case $how in
        exit) touch "$go"; wait "$wrapper" || true ;;
        term) kill -TERM "$wrapper"; wait "$wrapper" || true ;;
        kill) kill -KILL "$wrapper"; wait "$wrapper" 2>/dev/null || true ;;
    esac
    if gone "${servers[@]}" &&
        ! (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null &&
        ! (exec 3<>"/dev/tcp/127.0.0.1/$proxy_port") 2>/dev/null; then
        echo "ok   - $how: nginx and tinyproxy (pids ${servers[*]}) stopped, ports closed"
    else
        echo "FAIL - $how: servers outlived the wrapper"
        failed=$((failed + 1))
    fi
    # After SIGKILL the wrapper could not clean up after itself.
    touch "$go"
    gone "$cmd_pid" >/dev/null 2>&1 || kill "$cmd_pid" 2>/dev/null || true
    [ "$how" = kill ] && rm -rf "$dir"
    return 0
}

check exit
check term
check kill
echo "$((3 - failed)) passed, $failed failed"
[ "$failed" = 0 ]
