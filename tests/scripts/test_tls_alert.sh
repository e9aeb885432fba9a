#!/usr/bin/env bash
# A TLS server that requires a client certificate rejects a client without
# one with an alert, then closes: the client must report that alert as a TLS
# error (SSLError), never the broken pipe or reset its next write meets, nor
# a RemoteDisconnected. 20 tries per case, TLS 1.2 and TLS 1.3, small and
# 2 MiB request bodies: the CLI (the C library) and the Python, Lua (5.4 and
# LuaJIT) and Node bindings, as http.client gives SSLError 20 of 20.
#
# Usage: test_tls_alert.sh SRC_DIR BUILD_DIR
set -uo pipefail
SRC=$(cd "$1" && pwd)
BUILD=$(cd "$2" && pwd)
if [ -z "${HTTPC_TEST_DIR:-}" ]; then
    exec timeout -k 5 600 "$SRC/tests/support/with-servers.sh" --https -- bash "$0" "$SRC" "$BUILD"
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/httpc-tls-alert.XXXXXX")
PKI=$HTTPC_TEST_DIR/pki
python3 "$SRC/tests/support/tls_alert_server.py" "$PKI/server.pem" "$PKI/server.key" \
    "$PKI/clientca.pem" "$WORK/ports" 500 &
server=$!
trap 'kill $server 2>/dev/null; [ -n "${HTTPC_ALERT_KEEP:-}" ] || rm -rf "$WORK"' EXIT
for _ in $(seq 100); do [ -s "$WORK/ports" ] && break; sleep 0.1; done
read -r TLS12 TLS13 <"$WORK/ports"
head -c 2097152 /dev/zero >"$WORK/big"
TRIES=${HTTPC_ALERT_TRIES:-20}
failed=0

# check NAME OUTPUT_FILE: every line of the file must say SSLError.
check() {
    local bad
    bad=$(grep -vc "SSLError" "$2")
    if [ "$(wc -l <"$2")" -ne "$TRIES" ] || [ "$bad" -ne 0 ]; then
        failed=$((failed + 1))
        echo "FAIL - $1: $(sort "$2" | uniq -c | head -5)"
    else
        echo "ok   - $1: $TRIES of $TRIES SSLError"
    fi
}

for port in "$TLS12" "$TLS13"; do
    name=$([ "$port" = "$TLS12" ] && echo "TLS 1.2" || echo "TLS 1.3")
    for body in small big; do
        : >"$WORK/cli"
        for _ in $(seq "$TRIES"); do
            if [ $body = small ]; then
                "$BUILD/bin/httpc" --cacert "$HTTPC_TEST_CA" "https://localhost:$port/" 2>&1 >/dev/null |
                    head -1 >>"$WORK/cli"
            else
                "$BUILD/bin/httpc" --cacert "$HTTPC_TEST_CA" -X POST --data-binary "@$WORK/big" \
                    "https://localhost:$port/" 2>&1 >/dev/null | head -1 >>"$WORK/cli"
            fi
        done
        check "CLI, $name, $body body" "$WORK/cli"
    done
    PYTHONPATH=$BUILD/python python3 - "$port" "$HTTPC_TEST_CA" "$TRIES" "$WORK/big" >"$WORK/py" 2>&1 <<'PY'
import ssl, sys
import httpc
port, ca, tries, big = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
for body in (None, open(big, "rb").read()):
    for _ in range(tries):
        conn = httpc.HTTPSConnection("localhost", port, context=ctx, timeout=10)
        try:
            conn.request("POST" if body else "GET", "/", body=body)
            conn.getresponse().read()
            print("no error")
        except ssl.SSLError as e:
            print("SSLError", e)
        except Exception as e:  # noqa: BLE001 - the wrong class is the finding
            print(type(e).__name__, e)
        finally:
            conn.close()
PY
    for interp in lua5.4 luajit; do
        dir=$([ $interp = luajit ] && echo luajit || echo lua)
        LUA_CPATH="$BUILD/$dir/?.so;;" LUA_PATH="$BUILD/$dir/?.lua;$BUILD/$dir/?/init.lua;;" \
            $interp - "$port" "$HTTPC_TEST_CA" "$TRIES" "$WORK/big" >"$WORK/$interp" 2>&1 <<'LUA'
local httpc = require("httpc")
local port, ca, tries, big = tonumber(arg[1]), arg[2], tonumber(arg[3]), arg[4]
local f = assert(io.open(big, "rb"))
local bigdata = f:read("a")
f:close()
local ctx = httpc.create_default_context{cafile = ca}
for _, body in ipairs({false, bigdata}) do
  for _ = 1, tries do
    local conn = httpc.HTTPSConnection("localhost", port, {context = ctx, timeout = 10})
    local ok, err = pcall(function()
      conn:request(body and "POST" or "GET", "/", body or nil)
      conn:getresponse():read("a")
    end)
    print(ok and "no error" or (err.name .. " " .. tostring(err.message)))
    conn:close()
  end
end
LUA
        head -n "$TRIES" "$WORK/$interp" >"$WORK/${interp}_small"
        tail -n +"$((TRIES + 1))" "$WORK/$interp" >"$WORK/${interp}_big"
        check "$interp, $name, small body" "$WORK/${interp}_small"
        check "$interp, $name, big body" "$WORK/${interp}_big"
    done
    HTTPC_NODE_DIR=$BUILD/node node - "$port" "$HTTPC_TEST_CA" "$TRIES" "$WORK/big" >"$WORK/node" 2>&1 <<'JS'
const httpc = require(process.env.HTTPC_NODE_DIR);
const fs = require("fs");
const [port, ca, tries, big] = process.argv.slice(2);
const bigdata = fs.readFileSync(big);
for (const body of [null, bigdata]) {
  for (let i = 0; i < Number(tries); i++) {
    const conn = new httpc.HTTPSConnection("localhost", Number(port), { cafile: ca, timeout: 10000 });
    try {
      conn.requestSync(body ? "POST" : "GET", "/", body);
      conn.getresponseSync().readAllSync();
      console.log("no error");
    } catch (e) {
      console.log(`${e.name} ${e.message}`);
    } finally {
      conn.close();
    }
  }
}
JS
    head -n "$TRIES" "$WORK/node" >"$WORK/node_small"
    tail -n +"$((TRIES + 1))" "$WORK/node" >"$WORK/node_big"
    check "Node (sync), $name, small body" "$WORK/node_small"
    check "Node (sync), $name, big body" "$WORK/node_big"
    head -n "$TRIES" "$WORK/py" >"$WORK/py_small"
    tail -n +"$((TRIES + 1))" "$WORK/py" >"$WORK/py_big"
    check "Python, $name, small body" "$WORK/py_small"
    check "Python, $name, big body" "$WORK/py_big"
done
[ "$failed" -eq 0 ] || { echo "$failed cases failed"; exit 1; }
echo "all cases passed"
