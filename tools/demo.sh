#!/usr/bin/env bash
# The demo: the example sessions of http.client's documentation ("the seeds",
# hence the file names) against servers that ship with the
# project (nginx over HTTP and HTTPS, tinyproxy for CONNECT), all on
# 127.0.0.1, run through the C examples and through the `httpc` program.
#
# Usage: tools/demo.sh BUILD_DIR   (tools/run demo calls it after building)
# Exits 0 when every step did what it should, 1 otherwise.
set -uo pipefail
build_dir=$(cd "${1:?usage: tools/demo.sh BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)

# Outer half: start the servers (bounded: they stop when the demo ends, and
# the whole demo may take 5 minutes at most), then run the inner half.
if [ -z "${HTTPC_DEMO_INNER:-}" ]; then
    version=$(sed -n 's/^project(httpc VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
    echo "== httpc $version demo: starting nginx (HTTP, HTTPS) and tinyproxy on 127.0.0.1 =="
    HTTPC_DEMO_INNER=1 exec timeout -k 5 300 "$root/tests/support/with-servers.sh" \
        --nginx --https --tinyproxy -- bash "$0" "$build_dir"
fi

bin=$build_dir/bin
host=127.0.0.1
port=$HTTPC_TEST_HTTP_PORT
http=http://$host:$port
https=https://localhost:$HTTPC_TEST_HTTPS_PORT
work=$(mktemp -d "${TMPDIR:-/tmp}/httpc-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

steps=0
failures=0

# step EXPECTED_EXIT TITLE COMMAND: prints the command, runs it (output
# indented) and checks its exit status.
step() {
    local expected=$1 title=$2 command=$3
    steps=$((steps + 1))
    printf '\n-- %s\n$ %s\n' "$title" "$command"
    (cd "$work" && eval "$command") 2>&1 | sed 's/^/    /'
    local status=${PIPESTATUS[0]}
    if [ "$status" = "$expected" ]; then
        echo "   [ok: exit $status]"
    else
        echo "   [FAILED: exit $status, expected $expected]"
        failures=$((failures + 1))
    fi
}

echo "servers: http $http  https $https  proxy $host:$HTTPC_TEST_PROXY_PORT"
echo "(httpc exits 0 when the exchange completed, 1 on a usage error, 2 on a failure)"

echo
echo "==== 1. http.client's documented sessions as C programs (examples/seeds_*.c) ===="
step 0 "GET with status and reason, the body read in pieces until closed, a 404" \
    "$bin/seeds_get $host $port /index.html"
step 0 "HEAD: the status, and an empty body" "$bin/seeds_head $host $port /index.html"
step 0 "POST with form data and two headers" "$bin/seeds_post $host $port /post"
step 0 "PUT a body, then GET it back" "$bin/seeds_put $host $port /upload/file"

echo
echo "==== 2. The same sessions through the httpc program ===="
step 0 "GET with -i: the status line and headers, then the body" \
    "$bin/httpc -i $http/index.html"
step 0 "A 404 is an answer: exit 0" "$bin/httpc -i $http/parrot.spam | head -n 1"
step 0 "HEAD (-I): headers, no body" "$bin/httpc -I $http/index.html"
step 0 "POST form data (-d) with headers, traced with -v (http.client's debug lines)" \
    "$bin/httpc -v -H 'Content-type: application/x-www-form-urlencoded' -H 'Accept: text/plain' -d '%40number=12524&%40type=issue&%40action=show' $http/post"
step 0 "PUT a body (-X PUT -d), then GET it back" \
    "$bin/httpc -i -X PUT -d '***filecontents***' $http/upload/cli-file | head -n 1 && $bin/httpc $http/upload/cli-file && echo"
step 0 "Stream a file as the body (--data-binary @FILE, Content-Length from its size), read it back" \
    "printf 'streamed from a file\\n' >body.txt && $bin/httpc -X PUT --data-binary @body.txt $http/upload/from-file && $bin/httpc $http/upload/from-file"
step 0 "A chunked request body (--chunked): what the server saw" \
    "$bin/httpc -X PUT --chunked -d 'sent in chunks' $http/upload/chunked && $bin/httpc $http/upload/chunked && echo"
step 0 "A chunked response" "$bin/httpc -i $http/chunked"
step 0 "A 16 MiB body streamed in 64 KiB pieces to a file (-o), compared with the original" \
    "$bin/httpc -o large.bin $http/large && ls -l large.bin | awk '{print \$5, \"bytes\"}' && cmp large.bin $HTTPC_TEST_DIR/www/large && echo identical"
step 0 "1000 requests over one keep-alive connection (--repeat)" \
    "$bin/httpc --repeat 1000 -o /dev/null $http/small"

echo
echo "==== 3. HTTPS (wolfSSL) and a CONNECT tunnel through tinyproxy ===="
step 0 "HTTPS with the test CA (--cacert)" \
    "$bin/httpc -i --cacert $HTTPC_TEST_CA $https/index.html"
step 2 "HTTPS without the test CA: verification fails (exit 2, one line)" \
    "$bin/httpc $https/index.html"
step 0 "HTTPS, verification turned off by name (-k)" "$bin/httpc -k $https/index.html"
step 0 "HTTP through a CONNECT tunnel (--proxy): what nginx saw" \
    "$bin/httpc --proxy $host:$HTTPC_TEST_PROXY_PORT $http/echo"
step 0 "HTTPS through a CONNECT tunnel: TLS to localhost inside the tunnel" \
    "$bin/httpc --proxy $host:$HTTPC_TEST_PROXY_PORT --cacert $HTTPC_TEST_CA -i $https/echo"

echo
echo "==== 4. Failures: exit 2 and one line naming the error class ===="
step 2 "Connection refused (a closed port)" "$bin/httpc http://$host:1/"
# no-dns.sh: the lookup fails on this machine, no DNS query leaves it.
step 2 "A name that cannot resolve" "$root/tests/support/no-dns.sh $bin/httpc http://nonexistent.invalid/"
step 1 "A usage error (exit 1)" "$bin/httpc --repeat zero $http/small"

python_demo=$root/examples/python/seeds_demo.py
if [ -e "$build_dir/python/httpc" ] && [ -f "$python_demo" ]; then
    echo
    echo "==== 5. http.client's documented sessions in Python through the httpc package ===="
    step 0 "examples/python/seeds_demo.py" \
        "PYTHONPATH=$build_dir/python python3 $python_demo $http"
fi

lua_demo=$root/examples/lua/seeds_demo.lua
if [ -f "$build_dir/lua/httpc/raw.so" ] && [ -f "$lua_demo" ]; then
    echo
    echo "==== 6. http.client's documented sessions in Lua through the httpc module (Lua 5.4, then LuaJIT) ===="
    step 0 "examples/lua/seeds_demo.lua under lua5.4" \
        "LUA_PATH='$build_dir/lua/?.lua;$build_dir/lua/?/init.lua' LUA_CPATH='$build_dir/lua/?.so' lua5.4 $lua_demo $http"
    if [ -f "$build_dir/luajit/httpc/raw.so" ]; then
        step 0 "examples/lua/seeds_demo.lua under luajit" \
            "LUA_PATH='$build_dir/luajit/?.lua;$build_dir/luajit/?/init.lua' LUA_CPATH='$build_dir/luajit/?.so' luajit $lua_demo $http"
    fi
fi

node_demo=$root/examples/node/seeds_demo.js
if [ -f "$build_dir/node/httpc_raw.node" ] && [ -f "$node_demo" ] && command -v node >/dev/null; then
    echo
    echo "==== 7. http.client's documented sessions in Node through the httpc package (Promise API, then sync) ===="
    step 0 "examples/node/seeds_demo.js" \
        "HTTPC_NODE_PACKAGE=$build_dir/node node $node_demo $http"
fi

echo
if [ "$failures" = 0 ]; then
    echo "== demo: all $steps steps did what they should =="
    exit 0
fi
echo "== demo: $failures of $steps steps FAILED =="
exit 1
