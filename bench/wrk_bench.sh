#!/usr/bin/env bash
# wrk_bench.sh HOST PORT PATH N TLS MODE: wrk -t1 -c1 for about as long as N
# requests take (wrk runs for a duration: BENCH_WRK_SECONDS, default 2), its
# summary turned into the common result line. bytes counts heads too. With
# BENCH_WARMUP > 0 an untimed 1 s run comes first (wrk cannot keep a
# connection from one run to the next: the warm-up uses its own).
set -euo pipefail
host=$1 port=$2 path=$3 tls=$5 mode=$6
command -v wrk >/dev/null || { echo "wrk_bench: wrk missing" >&2; exit 3; }
scheme=http
[ "$tls" = 1 ] && scheme=https
extra=()
[ "$mode" = newconn ] && extra=(-H "Connection: close")
seconds=${BENCH_WRK_SECONDS:-2}
if [ "${BENCH_WARMUP:-0}" -gt 0 ]; then
  timeout 60 wrk -t1 -c1 -d1s "${extra[@]}" "$scheme://$host:$port$path" >/dev/null
fi
out=$(timeout 60 wrk -t1 -c1 -d"${seconds}s" "${extra[@]}" "$scheme://$host:$port$path")
# "  1234 requests in 2.00s, 1.20MB read"
line=$(grep -E '^ *[0-9]+ requests in' <<<"$out")
python3 - "$line" "$mode" <<'PY'
import re, sys
m = re.match(r"\s*(\d+) requests in ([\d.]+)(us|ms|s|m), ([\d.]+)([KMGT]?B) read", sys.argv[1])
requests, value, unit, size, size_unit = m.groups()
seconds = float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60}[unit]
scale = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}[size_unit]
connections = int(requests) if sys.argv[2] == "newconn" else 1
print(f"requests={requests} bytes={int(float(size) * scale)} seconds={seconds:.6f} conns={connections}")
PY
