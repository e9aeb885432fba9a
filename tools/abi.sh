#!/usr/bin/env bash
# tools/abi.sh check [LIB]   compare LIB (default build/lib/libhttpc.so) with
#                            the baseline abi/libhttpc.abi using abidiff.
# tools/abi.sh update [LIB]  regenerate the baseline with abidw (after an
#                            intended, compatible change, or with a SONAME
#                            bump); commit abi/libhttpc.abi.
# Only the public header's types are compared (--headers-dir), so the
# engine's internal structs may change freely. The baseline describes the
# default build (wolfSSL linked in, HTTPC_WOLFSSL=bundled): the libraries it
# needs (DT_NEEDED: libc, libm, the loader; no libwolfssl) are compared too,
# as abidiff does not. Regenerate after a build with the default options:
#   tools/run build && tools/abi.sh update
# Exit 77: abigail-tools missing (1 under HTTPC_REQUIRE_ALL=1, see
# tests/support/require.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-check}
lib=${2:-${HTTPC_BUILD_DIR:-$root/build}/lib/libhttpc.so}
baseline=$root/abi/libhttpc.abi
. "$root/tests/support/require.sh"
require_cmd abidw abidiff readelf
[ -f "$lib" ] || { echo "abi: no library at $lib (build first)" >&2; exit 1; }
lib=$(readlink -f "$lib")
hdrs=(--headers-dir "$root/capi/include")
# The libraries a library needs (DT_NEEDED), one per line, sorted.
needed_by_library() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | sort; }
needed_by_baseline() { sed -n "s|.*<dependency name='\([^']*\)'/>.*|\1|p" "$1" | sort; }
case "$cmd" in
  update)
    if needed_by_library "$lib" | grep -q '^libwolfssl'; then
      echo "abi: $lib links Debian's libwolfssl (-DHTTPC_WOLFSSL=system); the baseline" >&2
      echo "abi: describes the default build, wolfSSL linked in: update from that build." >&2
      exit 1
    fi
    mkdir -p "$root/abi"
    # Paths are made relative so the baseline does not depend on the checkout.
    abidw "${hdrs[@]}" --no-corpus-path --drop-private-types "$lib" |
      sed "s|$root/||g" >"$baseline"
    echo "abi: baseline written to abi/libhttpc.abi ($(grep -c '<elf-symbol' "$baseline") symbols)"
    ;;
  check)
    [ -f "$baseline" ] || { echo "abi: no baseline; run tools/abi.sh update" >&2; exit 1; }
    set +e
    out=$(abidiff --headers-dir2 "$root/capi/include" --drop-private-types --no-added-syms \
      "$baseline" "$lib" 2>&1)
    rc=$?
    set -e
    # abidiff's exit code is a bit field: 4 = ABI change, 8 = incompatible.
    if [ $((rc & 8)) -ne 0 ] || [ $((rc & 3)) -ne 0 ]; then
      echo "$out"
      echo "abi: INCOMPATIBLE change of libhttpc.so against abi/libhttpc.abi." >&2
      echo "abi: keep compatibility (add, do not change or remove), or bump the SONAME" >&2
      echo "abi: (SOVERSION in CMakeLists.txt) and run 'tools/abi.sh update'." >&2
      exit 1
    fi
    if [ $((rc & 4)) -ne 0 ]; then
      echo "$out"
      echo "abi: compatible change (e.g. symbols added); refresh with 'tools/abi.sh update'."
    fi
    if [ "$(needed_by_baseline "$baseline")" != "$(needed_by_library "$lib")" ]; then
      echo "abi: the libraries libhttpc.so needs (DT_NEEDED) differ from the baseline's:" >&2
      diff <(needed_by_baseline "$baseline") <(needed_by_library "$lib") | sed 's/^/abi:   /' >&2
      echo "abi: a program linked with the old library may not load the new one, or the" >&2
      echo "abi: baseline is stale: check the link, then run 'tools/abi.sh update'." >&2
      exit 1
    fi
    echo "abi: libhttpc.so is compatible with abi/libhttpc.abi"
    ;;
  *)
    echo "usage: tools/abi.sh check|update [LIB]" >&2
    exit 2
    ;;
esac
