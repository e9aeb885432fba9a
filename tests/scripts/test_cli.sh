#!/usr/bin/env bash
# Tests of the httpc command-line program: exit codes (0 exchange completed,
# 1 usage error, 2 failure), the exact one-line failure messages
# ("httpc: <ErrorName>: <message>"), and the options against real servers
# (nginx over HTTP and HTTPS, tinyproxy) and scripted ones, all on 127.0.0.1.
#
# Usage: test_cli.sh SRC_DIR BUILD_DIR
# Prints "N passed, N failed" last; exits 1 when a test failed.
set -uo pipefail
SRC=$(cd "$1" && pwd)
BUILD=$(cd "$2" && pwd)
HTTPC=$BUILD/bin/httpc
[ -x "$HTTPC" ] || { echo "missing $HTTPC" >&2; exit 1; }

# Re-run under the servers (bounded: 5 minutes for the whole script).
# with-servers.sh exits 77 (skip) when nginx or tinyproxy is missing, or
# fails under HTTPC_REQUIRE_ALL=1.
if [ -z "${HTTPC_TEST_HTTP_PORT:-}" ]; then
    exec timeout -k 5 300 "$SRC/tests/support/with-servers.sh" --https --tinyproxy -- \
        bash "$0" "$SRC" "$BUILD"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/httpc-cli-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
OUT=$WORK/stdout
ERR=$WORK/stderr
HTTP=http://127.0.0.1:$HTTPC_TEST_HTTP_PORT
HTTPS=https://localhost:$HTTPC_TEST_HTTPS_PORT
WWW=$HTTPC_TEST_DIR/www
CA=$HTTPC_TEST_CA
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() {
    failed=$((failed + 1))
    echo "FAIL - $1: $2"
    echo "  stdout: $(head -c 300 "$OUT" | tr '\r' '~' | head -n 5)"
    echo "  stderr: $(head -c 300 "$ERR" | head -n 5)"
}

# run ARGS...: runs httpc (at most 20 s) with stdout/stderr in $OUT/$ERR,
# leaving its exit status in $status; under $wrap when that is set.
run() {
    timeout -k 2 20 ${wrap:+"$wrap"} "$HTTPC" "$@" >"$OUT" 2>"$ERR"
    status=$?
}

# expect_ok NAME ARGS...: exit 0 and nothing on stderr.
expect_ok() {
    local name=$1
    shift
    run "$@"
    if [ "$status" != 0 ]; then
        fail "$name" "exit $status, expected 0"
    elif [ -s "$ERR" ] && [ -z "${allow_stderr:-}" ]; then
        fail "$name" "unexpected stderr"
    else
        pass "$name"
    fi
}

# expect_failure NAME REGEX ARGS...: exit 2 and exactly one stderr line
# matching the extended regex (anchored at both ends), which names the error
# class once ("ResponseNotReady: ResponseNotReady: Idle" fails).
expect_failure() {
    local name=$1 regex=$2
    shift 2
    run "$@"
    local lines
    lines=$(wc -l <"$ERR")
    if [ "$status" != 2 ]; then
        fail "$name" "exit $status, expected 2"
    elif [ "$lines" != 1 ]; then
        fail "$name" "$lines lines on stderr, expected exactly 1"
    elif ! grep -Eqx -- "$regex" "$ERR"; then
        fail "$name" "stderr does not match /$regex/"
    elif grep -Eq '^httpc: ([A-Za-z]+): \1([:(]|$)' "$ERR"; then
        fail "$name" "the class name is printed twice"
    else
        pass "$name"
    fi
}

# expect_usage NAME ARGS...: exit 1, "httpc: <message>" then the hint.
expect_usage() {
    local name=$1
    shift
    run "$@"
    if [ "$status" != 1 ]; then
        fail "$name" "exit $status, expected 1"
    elif ! head -n 1 "$ERR" | grep -Eq '^httpc: .+' ||
        ! grep -qx "Try 'httpc -h' for more information." "$ERR"; then
        fail "$name" "no usage message and hint"
    elif [ -s "$OUT" ]; then
        fail "$name" "unexpected stdout"
    else
        pass "$name"
    fi
}

# check NAME CONDITION...: passes when the command succeeds.
check() {
    local name=$1
    shift
    if "$@"; then
        pass "$name"
    else
        fail "$name" "check failed: $*"
    fi
}

stdout_is() { [ "$(cat "$OUT")" = "$1" ]; }
stdout_has() { grep -qx -- "$1" "$OUT"; }
stderr_has() { grep -q -- "$1" "$ERR"; }
first_line_is() { [ "$(head -n 1 "$OUT" | tr -d '\r')" = "$1" ]; }

# A port nothing listens on: bound by the kernel, then released.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_vector FILE: replays a conformance vector once; sets VPORT.
start_vector() {
    local portfile=$WORK/vport
    : >"$portfile"
    python3 "$SRC/tests/support/vector_server.py" "$SRC/tests/vectors/$1" \
        --max-seconds 10 >"$portfile" &
    VPID=$!
    for _ in $(seq 50); do
        [ -s "$portfile" ] && break
        sleep 0.1
    done
    VPORT=$(head -n 1 "$portfile")
}
stop_vector() { wait "$VPID" 2>/dev/null || true; }

echo "# usage and help"
run -h
check "-h prints the usage on stdout, exit 0" \
    bash -c '[ '"$status"' = 0 ] && grep -q "^usage: httpc \[options\] URL" '"$OUT"
expect_usage "no URL" 
expect_usage "unknown long option" --bogus $HTTP/small
expect_usage "unknown short option" -Z $HTTP/small
expect_usage "missing option value" $HTTP/small -X
expect_usage "bad --timeout" --timeout soon $HTTP/small
expect_usage "bad --connect-timeout" --connect-timeout -1 $HTTP/small
expect_usage "bad --repeat" --repeat 0 $HTTP/small
expect_usage "unsupported scheme" ftp://127.0.0.1/
expect_usage "URL without host" http:///small
expect_usage "two URLs" $HTTP/small $HTTP/medium
expect_usage "-H without a colon" -H 'NoColon' $HTTP/small
expect_usage "--chunked without a body" --chunked $HTTP/post
expect_usage "two bodies" -d a --data-binary b $HTTP/post
expect_usage "--key without --cert" --key k.pem $HTTPS/small

echo "# failures: exit 2 and one line"
expect_failure "connection refused" \
    '^httpc: ConnectionRefusedError: .*Connection refused$' "http://127.0.0.1:$(free_port)/"
# no-dns.sh: the lookup fails on this machine, no DNS query leaves it.
wrap=$SRC/tests/support/no-dns.sh expect_failure "unresolvable host" \
    '^httpc: gaierror: .+nonexistent\.invalid$' http://nonexistent.invalid/
expect_failure "invalid port" '^httpc: InvalidURL: .+' 'http://127.0.0.1:12ab/'
expect_failure "missing --data-binary file" \
    "^httpc: OSError: cannot open $WORK/missing: No such file or directory$" \
    --data-binary "@$WORK/missing" $HTTP/post
expect_failure "unwritable -o file" "^httpc: OSError: cannot open $WORK/no/such/dir: .+" \
    -o "$WORK/no/such/dir" $HTTP/small

# A server that accepts and never answers (it exits by itself after 5 s).
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); time.sleep(5)' >"$WORK/silent" &
silent_pid=$!
for _ in $(seq 50); do [ -s "$WORK/silent" ] && break; sleep 0.1; done
started=$(date +%s.%N)
expect_failure "timeout (--timeout 0.5, silent server)" '^httpc: TimeoutError: timed out$' \
    --timeout 0.5 "http://127.0.0.1:$(head -n 1 "$WORK/silent")/"
check "the timeout took about 0.5 s" \
    python3 -c "import sys; sys.exit(not $(date +%s.%N) - $started < 3)"
kill "$silent_pid" 2>/dev/null
wait "$silent_pid" 2>/dev/null

# A listener whose accept queue is full drops new SYNs: the connect hangs
# (the server exits by itself after 5 s).
python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
port = s.getsockname()[1]
fill = []
for _ in range(3):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    fill.append(c)
time.sleep(0.3)
print(port, flush=True)
time.sleep(5)' >"$WORK/fullq" &
fullq_pid=$!
for _ in $(seq 50); do [ -s "$WORK/fullq" ] && break; sleep 0.1; done
started=$(date +%s.%N)
expect_failure "connect timeout (--connect-timeout 0.5 beats --timeout 10)" \
    '^httpc: TimeoutError: timed out$' --timeout 10 --connect-timeout 0.5 \
    "http://127.0.0.1:$(head -n 1 "$WORK/fullq")/"
check "the connect timeout took about 0.5 s" \
    python3 -c "import sys; sys.exit(not $(date +%s.%N) - $started < 3)"
kill "$fullq_pid" 2>/dev/null
wait "$fullq_pid" 2>/dev/null

start_vector 037-body-shorter-than-length.vec
expect_failure "Content-Length body cut short" \
    '^httpc: IncompleteRead: 5 bytes read, 5 more expected$' \
    "http://127.0.0.1:$VPORT/"
check "the partial body reached stdout" stdout_is hello
stop_vector
start_vector 027-chunked-truncated-in-chunk.vec
expect_failure "chunked body cut short" '^httpc: IncompleteRead: [0-9]+ bytes read$' \
    "http://127.0.0.1:$VPORT/"
stop_vector
# A TLS server that reads the ClientHello and resets the connection: the
# handshake's failure ends the exchange and is the one reported (not the
# ResponseNotReady a getresponse after it would give), with a body too (the
# server exits by itself after 5 s).
python3 -c '
import socket, struct
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4); s.settimeout(5)
print(s.getsockname()[1], flush=True)
try:
    while True:
        c, _ = s.accept()
        c.recv(65536)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
except OSError:
    pass' >"$WORK/reset" &
reset_pid=$!
for _ in $(seq 50); do [ -s "$WORK/reset" ] && break; sleep 0.1; done
for args in "" "-d hello"; do
    # shellcheck disable=SC2086
    expect_failure "TLS handshake reset${args:+ ($args)}: the first error is reported" \
        '^httpc: ConnectionResetError: \[Errno 104\] Connection reset by peer$' \
        $args "https://127.0.0.1:$(head -n 1 "$WORK/reset")/"
done
kill "$reset_pid" 2>/dev/null
wait "$reset_pid" 2>/dev/null

start_vector 047-empty-reply.vec
expect_failure "empty reply" \
    '^httpc: RemoteDisconnected: Remote end closed connection without response$' \
    "http://127.0.0.1:$VPORT/"
stop_vector
start_vector 048-garbage-status-line.vec
expect_failure "garbage status line" '^httpc: BadStatusLine: .+' "http://127.0.0.1:$VPORT/"
stop_vector

echo "# HTTP against nginx"
expect_ok "GET /small" $HTTP/small
check "body is the file, byte for byte" cmp -s "$OUT" "$WWW/small"
expect_ok "404 is a completed exchange (exit 0)" $HTTP/status/404
check "404 body" stdout_is missing
expect_ok "-i on a 404" -i $HTTP/status/404
check "-i status line" first_line_is "HTTP/1.1 404 Not Found"
expect_ok "-i GET /small" -i $HTTP/small
check "-i: status line, headers, blank line, then the body" python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
head, sep, body = data.partition(b"\r\n\r\n")
lines = head.split(b"\r\n")
sys.exit(not (sep and lines[0] == b"HTTP/1.1 200 OK" and b"Content-Length: 100" in lines
              and body == open(sys.argv[2], "rb").read()))' "$OUT" "$WWW/small"
expect_ok "-I (HEAD)" -I $HTTP/small
check "-I: the headers and no body" python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
sys.exit(not (data.startswith(b"HTTP/1.1 200 OK\r\n") and b"\r\nContent-Length: 100\r\n" in data
              and data.endswith(b"\r\n\r\n") and data.count(b"\r\n\r\n") == 1))' "$OUT"
expect_ok "-X GET with -H" -H 'X-Test: hello there' $HTTP/echo
check "the header reached the server" stdout_has "x-test=hello there"
check "method GET" stdout_has "method=GET"
expect_ok "chunked response" $HTTP/chunked
check "chunked body" stdout_is chunked-body

allow_stderr=1 expect_ok "-v GET" -v $HTTP/small
check "-v: send: line on stderr" \
    grep -qF "send: b'GET /small HTTP/1.1\\r\\nHost: 127.0.0.1:$HTTPC_TEST_HTTP_PORT\\r\\nAccept-Encoding: identity\\r\\n\\r\\n'" "$ERR"
check "-v: reply: line" grep -qxF "reply: 'HTTP/1.1 200 OK\\r\\n'" "$ERR"
check "-v: header: lines" grep -qx "header: Content-Length: 100" "$ERR"
check "-v: stdout holds only the body" cmp -s "$OUT" "$WWW/small"

expect_ok "-d to /echo (POST by default)" -d 'a=1&b=2' $HTTP/echo
check "-d: method POST" stdout_has "method=POST"
check "-d: Content-Length 7" stdout_has "content-length=7"
expect_ok "-d to /post" -d 'spam=1&eggs=2' $HTTP/post
check "/post answers ok" stdout_is ok
expect_ok "-X PUT -d, then GET it back" -X PUT -d '***filecontents***' $HTTP/upload/put-d
expect_ok "GET the PUT body" $HTTP/upload/put-d
check "PUT body stored" stdout_is '***filecontents***'

# A 1 MiB binary file, streamed from its descriptor.
python3 -c 'import os, sys; open(sys.argv[1], "wb").write(os.urandom(1 << 20))' "$WORK/body.bin"
allow_stderr=1 expect_ok "--data-binary @FILE (PUT, streamed)" -v -X PUT --data-binary "@$WORK/body.bin" \
    $HTTP/upload/body.bin
check "--data-binary: Content-Length from fstat" grep -q 'Content-Length: 1048576\\r\\n' "$ERR"
check "--data-binary: not chunked" bash -c "! grep -q 'Transfer-Encoding' '$ERR'"
expect_ok "GET the streamed file back" -o "$WORK/body.back" $HTTP/upload/body.bin
check "streamed file stored byte for byte" cmp -s "$WORK/body.bin" "$WORK/body.back"
expect_ok "--data-binary literal" --data-binary 'literal body' $HTTP/echo
check "--data-binary literal: length 12" stdout_has "content-length=12"

allow_stderr=1 expect_ok "--chunked -d (PUT)" -v -X PUT --chunked -d 'sent in chunks' $HTTP/upload/chunked
check "--chunked: Transfer-Encoding: chunked sent" grep -q 'Transfer-Encoding: chunked\\r\\n' "$ERR"
check "--chunked: chunk framing sent" grep -qF "send: b'E\\r\\nsent in chunks\\r\\n'" "$ERR"
expect_ok "GET the chunked upload" $HTTP/upload/chunked
check "chunked upload stored" stdout_is 'sent in chunks'
expect_ok "--chunked --data-binary @FILE (PUT)" -X PUT --chunked --data-binary "@$WORK/body.bin" \
    $HTTP/upload/chunked.bin
expect_ok "GET the chunked file back" -o "$WORK/chunked.back" $HTTP/upload/chunked.bin
check "chunked file stored byte for byte" cmp -s "$WORK/body.bin" "$WORK/chunked.back"

# nginx's /post answers as soon as it has the head, before a body sent in a
# second write arrives. The engine once probed liveness before every write,
# took that early answer for a dead connection and sent the rest of the body
# alone on a new one; the probe now runs once per request, before its head.
# A race, so try it 10 times.
printf 'small body\n' >"$WORK/small.txt"
early_answer_ok() {
    local i
    for i in $(seq 10); do
        run "$@" "$HTTP/post"
        [ "$status" = 0 ] && [ "$(cat "$OUT")" = ok ] || return 1
    done
}
check "--data-binary @FILE to /post (early answer), 10 times" \
    early_answer_ok --data-binary "@$WORK/small.txt"
check "--chunked -d to /post (early answer), 10 times" early_answer_ok --chunked -d 'a=1'

expect_ok "-o FILE (16 MiB)" -o "$WORK/large" $HTTP/large
check "-o: file identical" cmp -s "$WORK/large" "$WWW/large"
check "-o: nothing on stdout" test ! -s "$OUT"
run $HTTP/large
check "16 MiB to stdout, exit 0" bash -c "[ $status = 0 ] && cmp -s '$OUT' '$WWW/large'"

run --repeat 50 $HTTP/small
check "--repeat 50: exit 0" test "$status" = 0
check "--repeat: only the last body printed" cmp -s "$OUT" "$WWW/small"
check "--repeat: the summary line" grep -Eqx 'requests=50 seconds=[0-9]+\.[0-9]+ rps=[0-9]+' "$ERR"
run --repeat 5 -v $HTTP/small
check "--repeat -v traces the first and last request" \
    test "$(grep -c '^send: ' "$ERR")" = 2
run --repeat 3 -X PUT --data-binary "@$WORK/body.bin" $HTTP/upload/repeat.bin
check "--repeat resends a file body each time" bash -c "[ $status = 0 ] && grep -q '^requests=3 ' '$ERR'"
expect_ok "GET the repeated upload" -o "$WORK/repeat.back" $HTTP/upload/repeat.bin
check "repeated upload intact" cmp -s "$WORK/body.bin" "$WORK/repeat.back"

echo "# HTTPS"
expect_ok "--cacert" --cacert "$CA" $HTTPS/small
check "HTTPS body" cmp -s "$OUT" "$WWW/small"
expect_failure "no --cacert: verification fails" \
    '^httpc: SSLCertVerificationError: certificate verify failed.*' $HTTPS/small
expect_ok "-k" -k $HTTPS/small
expect_ok "--insecure" --insecure $HTTPS/small
expect_failure "wrong host name" '^httpc: SSLCertVerificationError: .*hostname.*' \
    --cacert "$CA" "https://localhost:$HTTPC_TEST_WRONGHOST_PORT/small"
expect_ok "--tlsv1.3 to a TLS 1.3 server" --tlsv1.3 --cacert "$CA" \
    "https://localhost:$HTTPC_TEST_TLS13_PORT/small"
expect_failure "--tlsv1.3 to a TLS 1.2-only server" '^httpc: SSLError: .+' \
    --tlsv1.3 --cacert "$CA" "https://localhost:$HTTPC_TEST_TLS12_PORT/small"
expect_ok "client certificate (--cert --key)" -i --cert "$HTTPC_TEST_CLIENT_CERT" \
    --key "$HTTPC_TEST_CLIENT_KEY" --cacert "$CA" "https://localhost:$HTTPC_TEST_CLIENTCERT_PORT/small"
check "client certificate accepted" first_line_is "HTTP/1.1 200 OK"
expect_ok "no client certificate: nginx answers 400" -i --cacert "$CA" \
    "https://localhost:$HTTPC_TEST_CLIENTCERT_PORT/small"
check "400 without the client certificate" first_line_is "HTTP/1.1 400 Bad Request"
expect_failure "missing --cacert file" '^httpc: SSLError: .+' --cacert "$WORK/none.pem" $HTTPS/small
if command -v openssl >/dev/null; then
    mkdir -p "$WORK/capath" && cp "$CA" "$WORK/capath/ca.pem" && openssl rehash "$WORK/capath" 2>/dev/null
    expect_ok "--capath DIR" --capath "$WORK/capath" $HTTPS/small
fi
run --repeat 20 --cacert "$CA" $HTTPS/small
check "--repeat over HTTPS" bash -c "[ $status = 0 ] && grep -q '^requests=20 ' '$ERR'"

echo "# CONNECT tunnels through tinyproxy"
expect_ok "--proxy, HTTP target" --proxy "127.0.0.1:$HTTPC_TEST_PROXY_PORT" $HTTP/echo
check "tunnelled request reached nginx with its Host" \
    stdout_has "host=127.0.0.1:$HTTPC_TEST_HTTP_PORT"
expect_ok "--proxy, HTTPS target" --proxy "127.0.0.1:$HTTPC_TEST_PROXY_PORT" --cacert "$CA" \
    $HTTPS/small
check "tunnelled HTTPS body" cmp -s "$OUT" "$WWW/small"
expect_failure "proxy demanding authentication" \
    '^httpc: TunnelFailed: Tunnel connection failed: 407 Proxy Authentication Required$' \
    --proxy "127.0.0.1:$HTTPC_TEST_PROXY_AUTH_PORT" $HTTP/small
expect_failure "proxy refused" '^httpc: ConnectionRefusedError: .+' \
    --proxy "127.0.0.1:$(free_port)" $HTTP/small

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
