#!/usr/bin/env bash
# Builds Debian's own wolfSSL source package (the version Debian ships, with
# Debian's patches) as a static, position-independent library with AES-NI,
# Intel assembly and the fast public-key code, once, into a cache outside the
# git tree; later calls reuse it.
#
#   tools/wolfssl.sh prefix   build if needed, then print the install prefix
#                             (include/ and lib/libwolfssl.a) on the last line
#   tools/wolfssl.sh cached   exit 0 when that build is already in the cache
#   tools/wolfssl.sh flags    print the configure flags (and what they key)
#
# The source comes from `apt-get source wolfssl` (apt checks the signed index
# and the hashes). It needs a deb-src entry, which `tools/run deps` adds.
# Cache: $HTTPC_WOLFSSL_CACHE, default ${XDG_CACHE_HOME:-~/.cache}/httpc/wolfssl;
# one folder per Debian version and configure line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${HTTPC_WOLFSSL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/httpc/wolfssl}

# What httpc uses, as Debian's build (--enable-distro, i.e. --enable-all)
# has it: TLS 1.2 and 1.3, SNI, ALPN, session tickets, system CA loading,
# IP SAN checks, alternative chains, the OpenSSL-compatible calls; plus the
# speed: AES-NI/AVX (chosen at run time by CPUID, C fallback otherwise) and
# the single-precision public-key code with its assembly (X25519, P-256,
# RSA 2048/3072).
configure_flags=(
  --enable-static --disable-shared --with-pic
  --disable-examples --disable-crypttests --disable-benchmark
  --enable-aesni --enable-intelasm --enable-sp --enable-sp-asm
  --enable-tls13 --enable-sni --enable-alpn --enable-session-ticket
  --enable-supportedcurves --enable-extended-master --enable-ecc
  --enable-curve25519 --enable-aesgcm --enable-chacha --enable-poly1305
  --enable-rsapss --enable-opensslextra --enable-sys-ca-certs
  --enable-ip-alt-name --enable-altcertchains
)
# Hidden symbols: nothing of this copy is visible outside libhttpc
# (gl_cv_cc_visibility=no keeps WOLFSSL_API from re-exporting the API).
# LARGE_STATIC_BUFFERS: record buffers live in the WOLFSSL object, so a
# keep-alive request allocates nothing inside wolfSSL.
configure_cflags="-O2 -fvisibility=hidden -fstack-protector-strong -D_FORTIFY_SOURCE=2 -DLARGE_STATIC_BUFFERS"

key_text() {
  printf '%s\n' "${configure_flags[@]}" "$configure_cflags"
}

debian_version() {
  # The version of the system's libwolfssl (tools/run deps installs it), so
  # both variants are the same wolfSSL; else the one apt would fetch.
  local installed
  installed=$(dpkg-query -W -f='${source:Version}' libwolfssl-dev 2>/dev/null || true)
  if [ -n "$installed" ]; then
    echo "$installed"
    return
  fi
  apt-get source --print-uris wolfssl 2>/dev/null |
    sed -n "s/.* wolfssl_\([^ ]*\)\.dsc .*/\1/p" | head -n 1
}

fail() {
  echo "tools/wolfssl.sh: $*" >&2
  exit 1
}

build_into() {
  local version=$1 dest=$2 jobs
  jobs=$(nproc 2>/dev/null || echo 2)
  work=$(mktemp -d "$cache/work.XXXXXX") # global: the trap runs after return
  trap 'rm -rf "$work"' EXIT
  echo "tools/wolfssl.sh: building Debian's wolfssl $version into $dest (a few minutes, once)" >&2
  (cd "$work" && apt-get source -q "wolfssl=$version" >"$work/source.log" 2>&1) || {
    tail -n 20 "$work/source.log" >&2
    fail "apt-get source wolfssl=$version failed (is the deb-src entry there? run tools/run deps)"
  }
  local src
  src=$(find "$work" -maxdepth 1 -mindepth 1 -type d -name 'wolfssl-*' | head -n 1)
  [ -n "$src" ] || fail "no source folder after apt-get source"
  (
    cd "$src"
    ./autogen.sh >"$work/autogen.log" 2>&1 || { tail -n 30 "$work/autogen.log" >&2; exit 1; }
    gl_cv_cc_visibility=no CFLAGS="$configure_cflags" \
      ./configure --prefix="$dest.tmp" "${configure_flags[@]}" >"$work/configure.log" 2>&1 ||
      { tail -n 30 "$work/configure.log" >&2; exit 1; }
    make -j "$jobs" >"$work/make.log" 2>&1 || { tail -n 40 "$work/make.log" >&2; exit 1; }
    make install >"$work/install.log" 2>&1 || { tail -n 20 "$work/install.log" >&2; exit 1; }
  ) || fail "the wolfSSL build failed (logs above)"
  {
    echo "Debian source package: wolfssl $version (apt-get source, Debian's patches applied)"
    echo "configure: ${configure_flags[*]}"
    echo "CFLAGS: $configure_cflags"
  } >"$dest.tmp/BUILD-INFO"
  cp "$src/COPYING" "$dest.tmp/COPYING" 2>/dev/null || true
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
}

prefix() {
  mkdir -p "$cache"
  local version hash dest
  version=$(debian_version)
  hash=$(key_text | sha256sum | cut -c1-12)
  if [ -z "$version" ]; then
    # No deb-src entry here: a build made earlier with these flags still serves.
    dest=$(ls -d "$cache"/*-"$hash" 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$dest" ] && [ -f "$dest/lib/libwolfssl.a" ] && { echo "$dest"; return; }
    fail "cannot see Debian's wolfssl source package: run tools/run deps (it adds the deb-src entry)"
  fi
  dest=$cache/$version-$hash
  if [ ! -f "$dest/lib/libwolfssl.a" ]; then
    # One build at a time (several checkouts or a pip build may share the cache).
    exec 9>"$cache/.lock"
    flock 9
    [ -f "$dest/lib/libwolfssl.a" ] || build_into "$version" "$dest"
    flock -u 9
  fi
  echo "$dest"
}

# True when the build for this version and these flags is in the cache.
cached() {
  local version
  version=$(debian_version)
  [ -n "$version" ] && [ -f "$cache/$version-$(key_text | sha256sum | cut -c1-12)/lib/libwolfssl.a" ]
}

case "${1:-prefix}" in
  prefix) prefix ;;
  cached) cached ;;
  flags) key_text ;;
  *) fail "usage: tools/wolfssl.sh prefix|cached|flags" ;;
esac
