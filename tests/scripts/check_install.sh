#!/usr/bin/env bash
# Installs into a temporary prefix and builds a tiny consumer with
# pkg-config and with find_package(httpc).
set -euo pipefail
src=$1 build=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cat > "$tmp/consumer.c" <<'C'
#include <httpc.h>
#include <stdio.h>
int main(void) {
    printf("%s %s\n", httpc_version_string(), httpc_status_phrase(404));
    return httpc_version() == HTTPC_VERSION_NUMBER ? 0 : 1;
}
C
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib/x86_64-linux-gnu/pkgconfig:$tmp/prefix/lib64/pkgconfig"
cc -std=c11 "$tmp/consumer.c" $(pkg-config --cflags --libs httpc) -o "$tmp/by_pkgconfig"
libdir=$(pkg-config --variable=libdir httpc)
LD_LIBRARY_PATH="$libdir" "$tmp/by_pkgconfig" | grep -q "Not Found"
# Statically: libhttpc.a plus its Libs.private, no libhttpc.so at run time.
cc -std=c11 "$tmp/consumer.c" $(pkg-config --cflags httpc) "$libdir/libhttpc.a" \
  $(pkg-config --static --libs-only-l httpc | sed 's/-lhttpc\b//') -o "$tmp/by_static"
[[ "$(ldd "$tmp/by_static")" != *libhttpc* ]] || { echo "static consumer needs libhttpc.so"; exit 1; }
"$tmp/by_static" | grep -q "Not Found"
mkdir "$tmp/cm"
cat > "$tmp/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(consumer C)
find_package(httpc REQUIRED)
add_executable(consumer ../consumer.c)
target_link_libraries(consumer PRIVATE httpc::httpc)
CM
cmake -S "$tmp/cm" -B "$tmp/cm/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cm/build" >/dev/null
LD_LIBRARY_PATH="$libdir" "$tmp/cm/build/consumer" | grep -q "Not Found"
echo "install ok: pkg-config (shared and static) and find_package consumers built and ran"
