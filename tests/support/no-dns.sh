#!/usr/bin/env bash
# no-dns.sh COMMAND [ARGS...]: runs COMMAND in a private mount namespace whose
# /etc/resolv.conf names only 127.0.0.1 (nothing listens on its port 53), so
# every DNS lookup fails at once, on this machine, and no query leaves it.
# Tests of name-resolution failures run under it. Needs root (or user
# namespaces) for unshare; it fails loudly rather than resolve for real.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: no-dns.sh COMMAND [ARGS...]" >&2; exit 2; }
if [ -z "${HTTPC_NO_DNS_INNER:-}" ]; then
    command -v unshare >/dev/null || { echo "no-dns.sh: unshare not found" >&2; exit 1; }
    export HTTPC_NO_DNS_INNER=1
    exec unshare --mount --propagation private -- "$0" "$@"
fi
resolv=$(mktemp "${TMPDIR:-/tmp}/httpc-no-dns.XXXXXX")
printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:1\n' >"$resolv"
chmod 644 "$resolv"
mount --bind "$resolv" /etc/resolv.conf
rm -f "$resolv" # the bind mount keeps the file alive in this namespace
unset HTTPC_NO_DNS_INNER
exec "$@"
