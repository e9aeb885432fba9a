#!/usr/bin/env bash
# Fails when the shared library exports any symbol not named httpc_*.
set -euo pipefail
lib=$1
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^httpc_' | grep -v '^HTTPC_' || true)
count=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -c '^httpc_' || true)
if [ -n "$bad" ]; then
  echo "symbols exported without the httpc_ prefix:"; echo "$bad"; exit 1
fi
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
[ "$soname" = "libhttpc.so.0" ] || { echo "unexpected SONAME: $soname"; exit 1; }
echo "exports ok: $count httpc_ symbols, SONAME $soname"
