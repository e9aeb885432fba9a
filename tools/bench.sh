#!/usr/bin/env bash
# tools/bench.sh BUILD_DIR: benchmarks httpc against its peers on a loopback
# nginx it starts itself, and writes bench/results/latest.md (+ a dated copy)
# and bench/results/ratios.png.
#
#   BENCH_QUICK=1      fewer requests and 3 rounds (about 1-2 minutes)
#   BENCH_ROUNDS=N     rounds per scenario (default 5, quick 3)
#   BENCH_SCENARIOS    space-separated subset of scenario names
#   BENCH_CLIENTS      space-separated subset of client names
#   BENCH_EXTRAS=0     skip RSS, malloc and callgrind measurements
#   BENCH_HTTPC_PYTHONPATH  where the httpc Python package is (default BUILD_DIR/python)
#   BENCH_EXEC='CMD'   only start the server, run CMD with BENCH_HTTP_PORT,
#                      BENCH_HTTPS_PORT and BENCH_CAFILE set (for profiling), stop
#
# Warm-up: before its timed requests every client makes the scenario's
# WARMUP requests untimed, the same way (on the connection it then times;
# one connection per request in the newconn modes, spread over the
# connections in the concurrent one), through BENCH_WARMUP:
# the JIT peers (Node, undici, LuaJIT) need thousands, so every client gets
# 3,000, C included; large-body scenarios, where one request is long, 2.
# wrk, which cannot keep a connection across runs, gets an untimed 1 s run.
# The results state it.
#
# Placement: nginx's single worker (worker_cpu_affinity 01) and every client
# (taskset -c 0) run on CPU 0. On these 2-vCPU VMs a ping-pong across CPUs
# is bound by the hypervisor's cross-CPU wake-ups, and every client then
# reads about the same rate. The placement is recorded in the results.
# A client that fails (other than exit 3, not applicable) is dropped from
# the table, except an httpc client (name httpc*): that fails the bench.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: tools/bench.sh BUILD_DIR}" && pwd)
bin=$build/bin
results=$root/bench/results
quick=${BENCH_QUICK:-0}
rounds=${BENCH_ROUNDS:-$([ "$quick" = 1 ] && echo 3 || echo 5)}
scale=$([ "$quick" = 1 ] && echo 4 || echo 1) # quick: N divided by this
export BENCH_WRK_SECONDS=$([ "$quick" = 1 ] && echo 1 || echo 2)
export BENCH_HTTPC_PYTHONPATH=${BENCH_HTTPC_PYTHONPATH:-$build/python}
SERVER_LIMIT=9000 # seconds nginx may live (a full run with every peer takes over an hour)
RUN_LIMIT=180     # seconds one client run may take (warm-up included)

# ------------------------------------------------------------ clients
# One entry per client: NAME|N_DIVISOR|COMMAND. Each command takes
# HOST PORT PATH N TLS MODE, prints "requests=N bytes=B seconds=S conns=C"
# and exits 3 when it does not support the scenario (or is not available).
# The project's venv interpreter itself (the PyPI peers; valgrind must run
# the real binary, not a script that execs it), else bench/py_venv.sh.
py_venv=$("$root/tests/python/venv.sh" python python3 2>/dev/null || echo "$root/bench/py_venv.sh")
CLIENTS=(
  "httpc|1|$bin/httpc-bench"
  "raw|1|$bin/raw-bench"
  "wrk|1|$root/bench/wrk_bench.sh"
  "libcurl|1|$bin/curl-bench"
  "http.client|8|python3 $root/bench/py_httpclient.py"
  "node|4|node $root/bench/node_http.js"
  "httpc-py|8|python3 $root/bench/py_httpc.py"
  "http.client-read|8|env BENCH_PY_READ=read python3 $root/bench/py_httpclient.py"
  "httpc-py-read|8|env BENCH_PY_READ=read python3 $root/bench/py_httpc.py"
  "httpc-lua|2|lua5.4 $root/bench/lua_httpc.lua $build/lua"
  "httpc-luajit|2|luajit $root/bench/lua_httpc.lua $build/luajit"
  "luasocket|8|lua5.4 $root/bench/lua_socket.lua"
  "lua-http|32|luajit $root/bench/lua_http.lua"
  "httpc-node|4|node $root/bench/node_httpc.js client"
  "httpc-node-conn|4|node $root/bench/node_httpc.js promise"
  "httpc-node-sync|4|node $root/bench/node_httpc.js sync"
  "undici|4|node $root/bench/node_undici.js"
  "httpc-multi|1|$bin/httpc-multi-bench"
  "libcurl-multi|1|$bin/curl-multi-bench"
  "httpc-lua-multi|2|lua5.4 $root/bench/lua_multi.lua httpc $build/lua"
  "httpc-luajit-multi|2|luajit $root/bench/lua_multi.lua httpc $build/luajit"
  "lua-http-multi|4|luajit $root/bench/lua_multi.lua lua-http $build/luajit"
  # Node under the concurrent scenario (event-loop clients are named *-multi).
  "httpc-node-multi|4|node $root/bench/node_httpc.js client"
  "httpc-node-conn-multi|4|node $root/bench/node_httpc.js promise"
  "undici-multi|4|node $root/bench/node_undici.js"
  # Python's PyPI clients beside httpc's (bench/py_peers_bench.py), run by
  # the project's venv interpreter ($py_venv, above; without the venv,
  # bench/py_venv.sh, which exits 3).
  "httpc-aio|8|$py_venv $root/bench/py_peers_bench.py httpc-aio"
  "aiohttp|8|$py_venv $root/bench/py_peers_bench.py aiohttp"
  "httpx|16|$py_venv $root/bench/py_peers_bench.py httpx"
  "httpx-async|16|$py_venv $root/bench/py_peers_bench.py httpx-async"
  "requests|16|$py_venv $root/bench/py_peers_bench.py requests"
  "requests-httpc|16|$py_venv $root/bench/py_peers_bench.py requests-httpc"
  "urllib3|16|$py_venv $root/bench/py_peers_bench.py urllib3"
  "urllib3-httpc|16|$py_venv $root/bench/py_peers_bench.py urllib3-httpc"
  "httpc-aio-multi|4|$py_venv $root/bench/py_peers_bench.py httpc-aio-multi"
  "aiohttp-multi|4|$py_venv $root/bench/py_peers_bench.py aiohttp-multi"
  "httpx-async-multi|16|$py_venv $root/bench/py_peers_bench.py httpx-async-multi"
)
# Ratios reported: SUBJECT/PEER.
RATIOS="httpc/raw httpc/wrk httpc/libcurl httpc/http.client httpc/node httpc-py/http.client"
RATIOS+=" httpc-lua/luasocket httpc-luajit/lua-http httpc-lua/httpc"
RATIOS+=" httpc-multi/libcurl-multi httpc-luajit-multi/lua-http-multi"
RATIOS+=" httpc-py-read/http.client-read" # read(256 KiB): a new bytes object per call
RATIOS+=" httpc-node-sync/node httpc-node-sync/undici httpc-node/undici httpc-node-conn/undici httpc-node/httpc httpc-node-sync/httpc"
RATIOS+=" httpc-node-multi/undici-multi httpc-node-conn-multi/undici-multi"
RATIOS+=" httpc-aio/aiohttp httpc-aio-multi/aiohttp-multi httpc-aio/httpx-async"
RATIOS+=" httpc-aio-multi/httpx-async-multi httpc-py/httpx requests-httpc/requests urllib3-httpc/urllib3"

# ------------------------------------------------------------ scenarios
# NAME|PATH|N|TLS|MODE|UNIT (req/s or MB/s)|WARMUP (untimed requests, the
# same for every client; not divided by a client's N_DIVISOR nor by quick)
WARMUP=3000      # JIT peers reach their speed after thousands of requests
WARMUP_LARGE=2   # a large body: a few requests warm every path
SCENARIOS=(
  "small|/small|20000|0|keepalive|req/s|$WARMUP"
  "medium|/medium|8000|0|keepalive|MB/s|$WARMUP"
  "large|/large|24|0|keepalive|MB/s|$WARMUP_LARGE"
  "https_small|/small|10000|1|keepalive|req/s|$WARMUP"
  "https_large|/large|3|1|keepalive|MB/s|$WARMUP_LARGE"
  "newconn|/small|3000|0|newconn|req/s|$WARMUP"
  "https_newconn|/small|2000|1|newconn|req/s|$WARMUP"
  "https_newconn_full|/small|1000|1|newconn_full|req/s|$WARMUP"
  "chunked_large|/chunked/large|16|0|keepalive|MB/s|$WARMUP_LARGE"
  "concurrent|/small|20000|0|concurrent100|req/s|$WARMUP"
)

log() { echo "bench: $*" >&2; }
PIN_CPU=0
pin=(taskset -c "$PIN_CPU") # how every client is started
[ -x "$bin/httpc-bench" ] || { log "missing $bin/httpc-bench (build first)"; exit 1; }
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

work=$(mktemp -d "${TMPDIR:-/tmp}/httpc-bench.XXXXXX")
chmod 755 "$work"
nginx_pid=
cleanup() {
  [ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ server
pki=$work/pki www=$work/www
mkdir -p "$pki" "$www" "$work/tmp"
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=httpc bench CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign" -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$pki/server.key" -out "$pki/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$pki/ext.cnf"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
  -days 2 -extfile "$pki/ext.cnf" -out "$pki/server.pem" 2>/dev/null
chmod 644 "$pki"/*
export BENCH_CAFILE=$pki/ca.pem

python3 - "$www" <<'PY'
import os, sys
pattern = bytes(range(256)) * 256  # 64 KiB of byte i = i % 256
for name, size in (("small", 100), ("medium", 16 * 1024), ("large", 64 * 1024 * 1024)):
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        while size > 0:
            f.write(pattern[:size]); size -= min(size, len(pattern))
PY

read -r http_port https_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
# SSI drops the Content-Length, so nginx sends these bodies chunked.
chunked_location="location /chunked/ { alias $www/; ssi on; ssi_types *; }"
{
  [ "$(id -u)" = 0 ] && echo "user root root;"
  cat <<CONF
worker_processes 1;
worker_cpu_affinity 01;
daemon off;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $work/tmp/body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
  default_type application/octet-stream;
  sendfile on;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  server_tokens off;
  root $www;
  server { listen 127.0.0.1:$http_port; $chunked_location }
  server {
    listen 127.0.0.1:$https_port ssl;
    ssl_certificate $pki/server.pem;
    ssl_certificate_key $pki/server.key;
    ssl_protocols TLSv1.3;
    $chunked_location
  }
}
CONF
} >"$work/nginx.conf"
timeout -k 5 "$SERVER_LIMIT" "$NGINX" -p "$work" -e "$work/error.log" -c "$work/nginx.conf" \
  >"$work/nginx.out" 2>&1 &
nginx_pid=$!
for _ in $(seq 50); do
  if curl -sf -o /dev/null "http://127.0.0.1:$http_port/small"; then break; fi
  kill -0 "$nginx_pid" 2>/dev/null || { cat "$work/nginx.out" "$work/error.log" >&2; exit 1; }
  sleep 0.1
done
log "nginx on 127.0.0.1:$http_port (http) and :$https_port (https, TLS 1.3), pid $nginx_pid"
# The placement as the kernel reports it, for the results.
worker_pid=$(pgrep -P "$(cat "$work/nginx.pid")" | head -n 1)
worker_cpus=$(taskset -cp "$worker_pid" | sed 's/.*: //')
client_cpus=$("${pin[@]}" sh -c 'taskset -cp $$' | sed 's/.*: //')
placement="nginx's worker (pid $worker_pid) on CPU $worker_cpus (worker_cpu_affinity 01), every client on CPU $client_cpus (taskset -c $PIN_CPU), of $(nproc) CPUs"
log "placement: $placement"
log "load average now: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"

if [ -n "${BENCH_EXEC:-}" ]; then
  export BENCH_HTTP_PORT=$http_port BENCH_HTTPS_PORT=$https_port
  timeout -k 5 "$SERVER_LIMIT" bash -c "$BENCH_EXEC"
  exit $?
fi

# ------------------------------------------------------------ runs
want() { # want LIST NAME: true when LIST is empty or names NAME
  [ -z "$1" ] || [[ " $1 " == *" $2 "* ]]
}
raw=$work/raw.tsv # scenario client round requests bytes seconds conns
: >"$raw"

# run_client COMMAND PATH N TLS MODE WARMUP -> result line on stdout, exit
# status kept
run_client() {
  local command=$1 path=$2 n=$3 tls=$4 mode=$5 warmup=$6 port=$http_port
  [ "$tls" = 1 ] && port=$https_port
  # shellcheck disable=SC2086 # COMMAND is a word list
  BENCH_WARMUP=$warmup timeout -k 5 "$RUN_LIMIT" "${pin[@]}" $command 127.0.0.1 "$port" "$path" \
    "$n" "$tls" "$mode"
}

start_time=$(date +%s)
for scenario in "${SCENARIOS[@]}"; do
  IFS='|' read -r sname spath sn stls smode _ swarmup <<<"$scenario"
  want "${BENCH_SCENARIOS:-}" "$sname" || continue
  declare -A skipped=()
  for round in $(seq "$rounds"); do
    for client in "${CLIENTS[@]}"; do
      IFS='|' read -r cname divisor command <<<"$client"
      want "${BENCH_CLIENTS:-}" "$cname" || continue
      [ -n "${skipped[$cname]:-}" ] && continue
      # newconn_full (a new connection without TLS session resumption) is a
      # mode of the C clients only; newconn resumes where the client does.
      [ "$smode" = newconn_full ] && [ "$cname" != httpc ] && [ "$cname" != libcurl ] && continue
      # concurrentN: N connections at once on one thread, event-loop clients only.
      [[ "$smode" == concurrent* ]] && [[ "$cname" != *-multi ]] && continue
      [[ "$smode" != concurrent* ]] && [[ "$cname" == *-multi ]] && continue
      n=$((sn / scale / divisor))
      [ "$n" -lt 2 ] && n=2
      set +e
      line=$(run_client "$command" "$spath" "$n" "$stls" "$smode" "$swarmup" 2>"$work/client.err")
      status=$?
      set -e
      if [ "$status" = 3 ]; then
        skipped[$cname]=1
        continue
      elif [ "$status" != 0 ] || [[ "$line" != requests=* ]]; then
        log "$sname/$cname round $round failed ($status): $(tail -n 2 "$work/client.err")"
        if [[ "$cname" == httpc* ]]; then
          log "FAILED: the httpc client $cname failed; no results written"
          exit 1
        fi
        skipped[$cname]=1
        continue
      fi
      # requests=N bytes=B seconds=S conns=C -> tab-separated values
      printf '%s\t%s\t%s\t%s\n' "$sname" "$cname" "$round" \
        "$(sed -E 's/requests=([0-9]+) bytes=([0-9]+) seconds=([0-9.]+) conns=([0-9]+)/\1\t\2\t\3\t\4/' <<<"$line")" >>"$raw"
    done
  done
  unset skipped
  log "$sname done ($(($(date +%s) - start_time)) s)"
done

# ------------------------------------------------------------ extras
extras=$work/extras.tsv # metric client value
: >"$extras"
if [ "${BENCH_EXTRAS:-1}" = 1 ]; then
  # Peak RSS on the large body (the body must stream, never be buffered whole).
  for client in "${CLIENTS[@]}"; do
    IFS='|' read -r cname divisor command <<<"$client"
    want "${BENCH_CLIENTS:-}" "$cname" || continue
    [ "$cname" = wrk ] && continue # its RSS is not a client's
    set +e
    /usr/bin/time -f '%M' -o "$work/rss" timeout -k 5 "$RUN_LIMIT" "${pin[@]}" $command 127.0.0.1 "$http_port" \
      /large 2 0 keepalive >/dev/null 2>"$work/client.err"
    status=$?
    set -e
    [ "$status" = 0 ] && printf 'rss_large_kib\t%s\t%s\n' "$cname" "$(tail -n 1 "$work/rss")" >>"$extras"
    if [ "$status" != 0 ] && [ "$status" != 3 ] && [[ "$cname" == httpc* ]]; then
      log "FAILED: the httpc client $cname failed on /large ($status): $(tail -n 2 "$work/client.err")"
      exit 1
    fi
  done
  log "peak RSS done"

  # Heap allocations per request in steady state: runs of N and 2N requests
  # under the LD_PRELOAD counter, difference / N.
  count_mallocs() { # CNAME COMMAND TLS N
    local cname=$1 command=$2 tls=$3 n=$4 port=$http_port counts=()
    [ "$tls" = 1 ] && port=$https_port
    for requests in "$n" $((2 * n)); do
      rm -f "$work/mallocs"
      # env inside timeout: only the client is counted (the last line written)
      timeout -k 5 "$RUN_LIMIT" "${pin[@]}" env MALLOC_COUNT_OUT="$work/mallocs" \
        LD_PRELOAD="$build/lib/malloc-count.so" $command 127.0.0.1 "$port" /small "$requests" \
        "$tls" keepalive >/dev/null 2>&1 || return 0
      counts+=("$(tail -n 1 "$work/mallocs" | sed -E 's/mallocs=([0-9]+).*/\1/')")
    done
    printf 'mallocs_per_request%s\t%s\t%s\n' "$([ "$tls" = 1 ] && echo _https)" "$cname" \
      "$(python3 -c 'import sys; a, b, n = map(int, sys.argv[1:]); print(round((b - a) / n, 3))' \
        "${counts[0]}" "${counts[1]}" "$n")" >>"$extras"
  }
  if [ -f "$build/lib/malloc-count.so" ]; then
    for client in "${CLIENTS[@]}"; do
      IFS='|' read -r cname divisor command <<<"$client"
      want "${BENCH_CLIENTS:-}" "$cname" || continue
      case $cname in httpc | libcurl | raw) ;; *) continue ;; esac
      count_mallocs "$cname" "$command" 0 1000
      [ "$cname" != raw ] && count_mallocs "$cname" "$command" 1 1000
    done
    log "allocation counts done"
  fi

  # Instructions per small keep-alive request (client side only): callgrind
  # runs of N and 2N requests, difference / N. Not affected by machine load.
  # The Python clients run under the real interpreter binary: valgrind
  # cannot follow pyenv's python3 shim.
  python_binary=$(python3 -c 'import sys; print(sys.executable)')
  if command -v valgrind >/dev/null; then
    for client in "${CLIENTS[@]}"; do
      IFS='|' read -r cname divisor command <<<"$client"
      want "${BENCH_CLIENTS:-}" "$cname" || continue
      case $cname in
        httpc | libcurl | raw | http.client | httpc-py) ;;
        httpc-aio | aiohttp | httpx | httpx-async | requests | requests-httpc | urllib3 | urllib3-httpc)
          [[ "$command" == *py_venv.sh* ]] && continue ;; # no venv
        *) continue ;;
      esac
      command=${command/#python3 /$python_binary }
      for tls in 0 1; do
        [[ "$command" == *py_peers_bench.py* ]] && [ "$tls" = 1 ] && continue
        [ "$cname" = raw ] && [ "$tls" = 1 ] && continue
        port=$http_port
        [ "$tls" = 1 ] && port=$https_port
        totals=()
        for requests in 500 1000; do
          out=$work/callgrind.$cname.$tls.$requests
          timeout -k 5 300 "${pin[@]}" valgrind --tool=callgrind --callgrind-out-file="$out" \
            $command 127.0.0.1 "$port" /small "$requests" "$tls" keepalive >/dev/null 2>&1 || break
          totals+=("$(sed -n 's/^totals: *\([0-9]*\).*/\1/p;s/^summary: *\([0-9]*\).*/\1/p' "$out" | head -n 1)")
        done
        [ ${#totals[@]} = 2 ] || continue
        printf 'instructions_per_request%s\t%s\t%s\n' "$([ "$tls" = 1 ] && echo _https)" "$cname" \
          $(((totals[1] - totals[0]) / 500)) >>"$extras"
        [ "$cname" = httpc ] && cp "$out" "$results/callgrind.httpc.tls$tls.out"
      done
    done
    # The same per HTTPS request on a new connection with a full handshake.
    for cname in httpc libcurl; do
      want "${BENCH_CLIENTS:-}" "$cname" || continue
      command=$(printf '%s\n' "${CLIENTS[@]}" | sed -n "s/^$cname|[0-9]*|//p")
      totals=()
      for requests in 20 40; do
        out=$work/callgrind.$cname.full.$requests
        timeout -k 5 300 "${pin[@]}" valgrind --tool=callgrind --callgrind-out-file="$out" \
          $command 127.0.0.1 "$https_port" /small "$requests" 1 newconn_full >/dev/null 2>&1 || break
        totals+=("$(sed -n 's/^totals: *\([0-9]*\).*/\1/p;s/^summary: *\([0-9]*\).*/\1/p' "$out" | head -n 1)")
      done
      [ ${#totals[@]} = 2 ] && printf 'instructions_per_request_https_full\t%s\t%s\n' "$cname" \
        $(((totals[1] - totals[0]) / 20)) >>"$extras"
    done
    # The Lua and Node clients, JIT peers among them, and every event-loop
    # client under the concurrent scenario: each run first makes the same
    # WARMUP untimed requests as in the timed scenarios (in both runs, so they
    # cancel out), pinned as every client is, then N or 2N. N is larger than
    # above because a collection or a JIT tier-up that lands in one run and
    # not the other is spread over N. Node runs with --single-threaded: V8's
    # background compiler and GC threads would add work that callgrind counts
    # but no request needs.
    script_n=$([ "$quick" = 1 ] && echo 1000 || echo 4000)
    for client in "${CLIENTS[@]}"; do
      IFS='|' read -r cname divisor command <<<"$client"
      want "${BENCH_CLIENTS:-}" "$cname" || continue
      case $cname in *-multi | node | undici | httpc-node* | *lua* | luasocket) ;; *) continue ;; esac
      command=${command/#node /node --single-threaded }
      mode=keepalive metric=instructions_per_request
      [[ "$cname" == *-multi ]] && mode=concurrent100 metric=instructions_per_request_concurrent
      # The slow clients (large divisor) are slower still under valgrind.
      n=$((script_n / (divisor >= 16 ? divisor : divisor > 4 ? divisor / 4 : 1)))
      totals=()
      for requests in "$n" $((2 * n)); do
        out=$work/callgrind.$cname.script.$requests
        BENCH_WARMUP=$WARMUP timeout -k 5 1800 "${pin[@]}" valgrind --tool=callgrind \
          --callgrind-out-file="$out" $command 127.0.0.1 "$http_port" /small "$requests" 0 "$mode" \
          >/dev/null 2>&1 || break
        totals+=("$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out" | head -n 1)")
      done
      [ ${#totals[@]} = 2 ] && printf '%s\t%s\t%s\n' "$metric" "$cname" \
        $(((totals[1] - totals[0]) / n)) >>"$extras"
    done
    log "callgrind done"
  fi
  # wolfCrypt's AEAD speed in-process (16 KiB records): the wolfSSL inside
  # httpc, the same with AES-NI switched off, and Debian's libwolfssl.
  for variant in "httpc-wolfssl|crypto-bench|" "httpc-wolfssl-no-aesni|crypto-bench|--no-aesni" \
    "debian-libwolfssl|crypto-bench-debian|"; do
    IFS='|' read -r vname program flag <<<"$variant"
    [ -x "$bin/$program" ] || continue
    line=$(timeout -k 5 "$RUN_LIMIT" "$bin/$program" $flag 1 2>/dev/null) || continue
    for cipher in aes128gcm chacha20poly1305; do
      printf 'crypto_%s_mbps\t%s\t%s\n' "$cipher" "$vname" \
        "$(sed -nE "s/.*${cipher}_mbps=([0-9]+).*/\1/p" <<<"$line")" >>"$extras"
    done
  done
  log "crypto done"
fi

# ------------------------------------------------------------ report
mkdir -p "$results"
stamp=$(date -u +%Y-%m-%dT%H%MZ)
python3 "$root/bench/report.py" "$raw" "$extras" "$results/latest.md" "$results/ratios.dat" \
  "$RATIOS" "$rounds" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" "$quick" \
  "$(printf '%s\n' "${SCENARIOS[@]}")"
# The placement, after the report's first paragraph (the one on the load).
placement_line="Placement: $placement."
awk -v line="$placement_line" '{ print } /^Loopback nginx/ && !done { print ""; print line; done = 1 }' \
  "$results/latest.md" >"$work/latest.md" && mv "$work/latest.md" "$results/latest.md"
cp "$results/latest.md" "$results/$stamp.md"
cp "$raw" "$results/latest.raw.tsv"
# (a header line alone: no scenario ran, nothing to draw)
if command -v gnuplot >/dev/null && [ "$(wc -l <"$results/ratios.dat")" -gt 1 ]; then
  gnuplot <<PLOT
set terminal png size 1100,520 noenhanced
set output "$results/ratios.png"
set title "httpc speed relative to each peer (median of $rounds rounds; >1: httpc faster; log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key outside right top
set datafile missing "-"
set logscale y 2
set yrange [0.0625:16]
set ytics ("1/16" 0.0625, "1/8" 0.125, "1/4" 0.25, "1/2" 0.5, "1" 1, "2" 2, "4" 4, "8" 8, "16" 16)
set grid ytics
set xtics rotate by -20
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2
plot for [col=2:*] "$results/ratios.dat" using col:xtic(1) title columnheader
PLOT
fi
log "wrote $results/latest.md, $results/$stamp.md and $results/ratios.png in $(($(date +%s) - start_time)) s"
cat "$results/latest.md"
