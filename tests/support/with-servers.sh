#!/usr/bin/env bash
# with-servers.sh — run a command with real test servers on 127.0.0.1.
#
# Usage: tests/support/with-servers.sh [--nginx] [--https] [--tinyproxy] [--big]
#                                      -- CMD ARGS...
#
#   --nginx      plain HTTP nginx (implied by --https and --tinyproxy)
#   --https      nginx HTTPS listeners (certificates generated now with openssl)
#   --tinyproxy  two tinyproxy instances (open; BasicAuth -> 407)
#   --big        also serve /large64 (64 MiB)
#
# Makes a temp dir, generates certificates, writes files to serve, starts the
# servers on free ports, runs CMD with the variables below, stops everything
# it started (trap on EXIT/INT/TERM) and exits with CMD's exit code. Servers
# are bounded: each one is killed after 30 minutes at most (timeout(1)), and
# at once when this script ends in any way, kill -9 included (each server's
# parent-death signal is SIGTERM, set with setpriv --pdeathsig).
# Set HTTPC_TEST_KEEP=1 to keep the temp dir (its path is printed).
# A server asked for but not installed (NGINX / TINYPROXY name the binaries)
# skips with exit 77, or fails with exit 1 under HTTPC_REQUIRE_ALL=1
# (tests/support/require.sh).
#
# Environment given to CMD (unset when the listener was not asked for):
#   HTTPC_TEST_DIR              temp dir (certs in $DIR/pki, served files in $DIR/www)
#   HTTPC_TEST_HTTP_PORT        plain HTTP (also on [::1] if HTTPC_TEST_HTTP6=1)
#   HTTPC_TEST_HTTP6            1 if the plain listener also listens on [::1]
#   HTTPC_TEST_HTTPS_PORT       TLS 1.2 + 1.3, RSA cert for localhost/127.0.0.1/::1
#   HTTPC_TEST_HTTPS_ECDSA_PORT TLS 1.2 + 1.3, ECDSA P-256 cert
#   HTTPC_TEST_TLS12_PORT       TLS 1.2 only (RSA)
#   HTTPC_TEST_TLS13_PORT       TLS 1.3 only (RSA)
#   HTTPC_TEST_EXPIRED_PORT     expired cert (valid 2020-01-01..2020-01-02)
#   HTTPC_TEST_WRONGHOST_PORT   cert for wrong.example.com only
#   HTTPC_TEST_UNTRUSTED_CA_PORT cert for localhost signed by another CA
#   HTTPC_TEST_CLIENTCERT_PORT  requires a client cert (ssl_verify_client on)
#   HTTPC_TEST_CA               CA file (PEM) that signed the server certs
#   HTTPC_TEST_UNTRUSTED_CA     the other CA's file (PEM)
#   HTTPC_TEST_CLIENT_CERT      client cert (PEM), signed by the client CA
#   HTTPC_TEST_CLIENT_KEY       its key (PEM, unencrypted)
#   HTTPC_TEST_PROXY_PORT       tinyproxy, open (CONNECT to the nginx ports)
#   HTTPC_TEST_PROXY_AUTH_PORT  tinyproxy with BasicAuth (407 without it)
#   HTTPC_TEST_PROXY_USER, HTTPC_TEST_PROXY_PASS   its credentials
#
# Served on every nginx listener (files from $HTTPC_TEST_DIR/www):
#   /small (100 B)  /medium (16 KiB)  /large (16 MiB)  /large64 (64 MiB, --big)
#   /empty (0 B)    /index.html       /chunked (SSI: chunked, body "chunked-body\n")
#   /post           any method, reads and discards the body, 200 "ok\n"
#   /upload/NAME    PUT stores the body (201/204), GET returns it, DELETE
#   /echo           200 text: method, uri, host, user-agent, accept-encoding,
#                   content-length, transfer-encoding, x-test of the request
#   /close          200 "bye\n" with Connection: close
#   /redirect       301 to /small
#   /status/404     404 "missing\n"
#   /slow/NAME      the file NAME at 64 KiB/s
#   /counted/NAME   the file NAME with X-Connection ($connection, nginx's
#                   serial number of the TCP connection) and
#                   X-Connection-Requests ($connection_requests, 1 for the
#                   first request on it): keep-alive is counted server-side
set -euo pipefail

WANT_NGINX=0 WANT_HTTPS=0 WANT_PROXY=0 WANT_BIG=0
while [ $# -gt 0 ]; do
    case "$1" in
        --nginx) WANT_NGINX=1 ;;
        --https) WANT_HTTPS=1; WANT_NGINX=1 ;;
        --tinyproxy) WANT_PROXY=1; WANT_NGINX=1 ;;
        --big) WANT_BIG=1 ;;
        --) shift; break ;;
        -h|--help) sed -n '2,50p' "$0"; exit 0 ;;
        *) echo "with-servers.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
if [ $# -eq 0 ]; then
    echo "usage: with-servers.sh [--nginx] [--https] [--tinyproxy] [--big] -- CMD ARGS..." >&2
    exit 2
fi

LIMIT=1800                       # seconds any server may live
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
TINYPROXY=${TINYPROXY:-$(command -v tinyproxy || echo /usr/bin/tinyproxy)}
PY=${PYTHON:-python3}

# shellcheck source=require.sh
. "$(dirname "$0")/require.sh"
require_cmd "$PY" setpriv timeout
[ "$WANT_NGINX" = 0 ] || [ -x "$NGINX" ] || missing "nginx ($NGINX)"
[ "$WANT_PROXY" = 0 ] || [ -x "$TINYPROXY" ] || missing "tinyproxy ($TINYPROXY)"
[ "$WANT_HTTPS" = 0 ] || require_cmd openssl

# bounded CMD... &: runs CMD for at most LIMIT seconds, and receives SIGTERM
# when this script ends, however it ends (the signal goes to timeout(1),
# which passes it on to CMD). Only in the background: it execs, so that the
# server's parent is this script itself.
bounded() {
    exec setpriv --pdeathsig TERM timeout -k 5 "$LIMIT" "$@"
}

DIR=$(mktemp -d "${TMPDIR:-/tmp}/httpc-test.XXXXXX")
chmod 755 "$DIR"
PIDS=()

log() { echo "with-servers: $*" >&2; }

cleanup() {
    local p
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && wait "$p" 2>/dev/null || true
    done
    if [ "${HTTPC_TEST_KEEP:-0}" = 1 ]; then
        log "kept $DIR"
    else
        rm -rf "$DIR"
    fi
}
CMD_PID=
on_signal() {
    [ -n "$CMD_PID" ] && kill -TERM "$CMD_PID" 2>/dev/null || true
    exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

die() { log "$*"; for f in "$DIR"/*.log; do [ -f "$f" ] && tail -n 20 "$f" >&2; done; exit 1; }

# ---------------------------------------------------------------- ports
# free_ports N: print N distinct ports the kernel says are free now.
free_ports() {
    "$PY" - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# wait_port PORT: true once something accepts on 127.0.0.1:PORT (5 s max).
wait_port() {
    "$PY" - "$1" <<'EOF'
import socket, sys, time
end = time.time() + 5
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

HAVE_V6=0
if "$PY" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
    HAVE_V6=1
fi

# ---------------------------------------------------------------- certificates
PKI="$DIR/pki"
mkdir -p "$PKI"

ossl() { openssl "$@" >>"$PKI/openssl.log" 2>&1 || die "openssl $1 failed (see $PKI/openssl.log)"; }

# make_ca NAME "Subject CN"
make_ca() {
    local n=$1 cn=$2
    mkdir -p "$PKI/$n.db"
    : >"$PKI/$n.db/index.txt"
    echo 1000 >"$PKI/$n.db/serial"
    cat >"$PKI/$n.cnf" <<EOF
[ ca ]
default_ca = this
[ this ]
dir = $PKI/$n.db
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
certificate = $PKI/$n.pem
private_key = $PKI/$n.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = $cn
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = \${ENV::SAN}
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    SAN=DNS:unused ossl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 30 \
        -config "$PKI/$n.cnf" -extensions v3_ca \
        -keyout "$PKI/$n.key" -out "$PKI/$n.pem"
}

# make_cert CA NAME KEYTYPE EXT CN SAN [STARTDATE ENDDATE]
make_cert() {
    local ca=$1 n=$2 kt=$3 ext=$4 cn=$5 san=$6 start=${7:-} end=${8:-}
    if [ "$kt" = ec ]; then
        ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$n.key"
    else
        ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/$n.key"
    fi
    ossl req -new -key "$PKI/$n.key" -subj "/CN=$cn" -out "$PKI/$n.csr"
    local dates=(-days 30)
    if [ -n "$start" ]; then dates=(-startdate "$start" -enddate "$end"); fi
    SAN=$san ossl ca -batch -notext -config "$PKI/$ca.cnf" -extensions "$ext" \
        "${dates[@]}" -in "$PKI/$n.csr" -out "$PKI/$n.pem"
}

if [ "$WANT_HTTPS" = 1 ]; then
    LOCAL_SAN="DNS:localhost,IP:127.0.0.1,IP:::1"
    make_ca ca "httpc test CA"
    make_ca otherca "httpc untrusted test CA"
    make_ca clientca "httpc test client CA"
    make_cert ca server rsa server localhost "$LOCAL_SAN"
    make_cert ca server-ecdsa ec server localhost "$LOCAL_SAN"
    make_cert ca expired rsa server localhost "$LOCAL_SAN" 20200101000000Z 20200102000000Z
    make_cert ca wronghost rsa server wrong.example.com "DNS:wrong.example.com"
    make_cert otherca untrusted rsa server localhost "$LOCAL_SAN"
    make_cert clientca client rsa client "httpc test client" "DNS:unused"
    chmod 644 "$PKI"/*.pem "$PKI"/*.key
fi

# ---------------------------------------------------------------- files
WWW="$DIR/www"
mkdir -p "$WWW/upload" "$DIR/tmp"
chmod 777 "$WWW/upload" "$DIR/tmp"
if [ "$WANT_NGINX" = 1 ]; then
    "$PY" - "$WWW" "$WANT_BIG" <<'EOF'
import os, sys
www, big = sys.argv[1], sys.argv[2] == "1"
def write(name, size):
    pattern = bytes(range(256))  # predictable content: byte i is i % 256
    with open(os.path.join(www, name), "wb") as f:
        whole, rest = divmod(size, len(pattern))
        block = pattern * 4096
        for _ in range(whole // 4096):
            f.write(block)
        f.write(pattern * (whole % 4096) + pattern[:rest])
write("small", 100)
write("medium", 16 * 1024)
write("large", 16 * 1024 * 1024)
if big:
    write("large64", 64 * 1024 * 1024)
open(os.path.join(www, "empty"), "wb").close()
with open(os.path.join(www, "index.html"), "w") as f:
    f.write("<html><body>httpc test</body></html>\n")
with open(os.path.join(www, "chunked.html"), "w") as f:
    f.write("chunked-body\n")
EOF
fi

# ---------------------------------------------------------------- nginx
write_nginx_conf() {
    local c="$DIR/nginx.conf" v6=""
    [ "$HAVE_V6" = 1 ] && v6="listen [::1]:$HTTP_PORT;"
    {
        [ "$(id -u)" = 0 ] && echo "user root root;"
        cat <<EOF
worker_processes 1;
daemon off;
pid $DIR/nginx.pid;
error_log $DIR/error.log warn;
events { worker_connections 512; }
http {
    access_log $DIR/access.log;
    client_body_temp_path $DIR/tmp/body;
    proxy_temp_path $DIR/tmp/proxy;
    fastcgi_temp_path $DIR/tmp/fastcgi;
    uwsgi_temp_path $DIR/tmp/uwsgi;
    scgi_temp_path $DIR/tmp/scgi;
    default_type application/octet-stream;
    types { text/html html; text/plain txt; }
    keepalive_requests 10000;
    keepalive_timeout 60s;
    client_max_body_size 128m;
    server_tokens off;
    ssl_session_cache off;
    server { listen 127.0.0.1:$HTTP_PORT; $v6 include $DIR/locations.conf; }
EOF
        if [ "$WANT_HTTPS" = 1 ]; then
            tls_server "$HTTPS_PORT" server "TLSv1.2 TLSv1.3"
            tls_server "$HTTPS_ECDSA_PORT" server-ecdsa "TLSv1.2 TLSv1.3"
            tls_server "$TLS12_PORT" server "TLSv1.2"
            tls_server "$TLS13_PORT" server "TLSv1.3"
            tls_server "$EXPIRED_PORT" expired "TLSv1.2 TLSv1.3"
            tls_server "$WRONGHOST_PORT" wronghost "TLSv1.2 TLSv1.3"
            tls_server "$UNTRUSTED_PORT" untrusted "TLSv1.2 TLSv1.3"
            tls_server "$CLIENTCERT_PORT" server "TLSv1.2 TLSv1.3" \
                "ssl_client_certificate $PKI/clientca.pem; ssl_verify_client on; ssl_verify_depth 2;"
        fi
        echo "}"
    } >"$c"
    cat >"$DIR/locations.conf" <<EOF
root $WWW;
location = / { try_files /index.html =404; }
location = /chunked { ssi on; default_type text/plain; try_files /chunked.html =404; }
location = /post { client_body_buffer_size 1m; return 200 "ok\n"; }
location /upload/ {
    dav_methods PUT DELETE;
    create_full_put_path on;
    dav_access user:rw group:rw all:r;
}
location = /echo {
    default_type text/plain;
    return 200 "method=\$request_method\nuri=\$request_uri\nhost=\$http_host\nuser-agent=\$http_user_agent\naccept-encoding=\$http_accept_encoding\ncontent-length=\$http_content_length\ntransfer-encoding=\$http_transfer_encoding\nx-test=\$http_x_test\n";
}
location = /close { keepalive_timeout 0; default_type text/plain; return 200 "bye\n"; }
location = /redirect { return 301 /small; }
location = /status/404 { default_type text/plain; return 404 "missing\n"; }
location /slow/ { alias $WWW/; limit_rate 64k; }
location /counted/ {
    alias $WWW/;
    add_header X-Connection \$connection always;
    add_header X-Connection-Requests \$connection_requests always;
}
EOF
}

# tls_server PORT CERTNAME PROTOCOLS [EXTRA]
tls_server() {
    cat <<EOF
    server {
        listen 127.0.0.1:$1 ssl;
        server_name localhost;
        ssl_certificate $PKI/$2.pem;
        ssl_certificate_key $PKI/$2.key;
        ssl_protocols $3;
        ${4:-}
        include $DIR/locations.conf;
    }
EOF
}

start_nginx() {
    local attempt ports
    for attempt in 1 2 3 4 5; do
        ports=($(free_ports 9))
        HTTP_PORT=${ports[0]} HTTPS_PORT=${ports[1]} HTTPS_ECDSA_PORT=${ports[2]}
        TLS12_PORT=${ports[3]} TLS13_PORT=${ports[4]} EXPIRED_PORT=${ports[5]}
        WRONGHOST_PORT=${ports[6]} UNTRUSTED_PORT=${ports[7]} CLIENTCERT_PORT=${ports[8]}
        write_nginx_conf
        : >"$DIR/error.log"
        bounded "$NGINX" -p "$DIR" -e "$DIR/error.log" -c "$DIR/nginx.conf" \
            >>"$DIR/nginx.out" 2>&1 &
        local pid=$!
        local ok=1 p
        local check=("$HTTP_PORT")
        [ "$WANT_HTTPS" = 1 ] && check+=("${ports[@]:1}")
        for p in "${check[@]}"; do
            if ! kill -0 "$pid" 2>/dev/null || ! wait_port "$p"; then ok=0; break; fi
        done
        if [ "$ok" = 1 ]; then
            PIDS+=("$pid")
            return 0
        fi
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        log "nginx did not start (attempt $attempt); retrying with new ports"
    done
    die "nginx failed to start"
}

# ---------------------------------------------------------------- tinyproxy
start_tinyproxy() { # NAME EXTRA-CONFIG-LINES -> sets REPLY_PORT
    local name=$1 extra=$2 attempt
    for attempt in 1 2 3 4 5; do
        local port
        port=$(free_ports 1)
        {
            echo "Port $port"
            echo "Listen 127.0.0.1"
            echo "Timeout 60"
            echo "MaxClients 64"
            echo "Allow 127.0.0.1"
            echo "LogFile \"$DIR/$name.log\""
            echo "LogLevel Info"
            echo "PidFile \"$DIR/$name.pid\""
            echo "ConnectPort $HTTP_PORT"
            if [ "$WANT_HTTPS" = 1 ]; then
                for p in $HTTPS_PORT $HTTPS_ECDSA_PORT $TLS12_PORT $TLS13_PORT $EXPIRED_PORT \
                         $WRONGHOST_PORT $UNTRUSTED_PORT $CLIENTCERT_PORT; do
                    echo "ConnectPort $p"
                done
            fi
            printf '%s\n' "$extra"
        } >"$DIR/$name.conf"
        bounded "$TINYPROXY" -d -c "$DIR/$name.conf" >>"$DIR/$name.out" 2>&1 &
        local pid=$!
        if kill -0 "$pid" 2>/dev/null && wait_port "$port"; then
            PIDS+=("$pid")
            REPLY_PORT=$port
            return 0
        fi
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        log "tinyproxy $name did not start (attempt $attempt); retrying"
    done
    die "tinyproxy $name failed to start"
}

# ---------------------------------------------------------------- start
export HTTPC_TEST_DIR="$DIR"
if [ "$WANT_NGINX" = 1 ]; then
    start_nginx
    export HTTPC_TEST_HTTP_PORT=$HTTP_PORT HTTPC_TEST_HTTP6=$HAVE_V6
fi
if [ "$WANT_HTTPS" = 1 ]; then
    export HTTPC_TEST_HTTPS_PORT=$HTTPS_PORT HTTPC_TEST_HTTPS_ECDSA_PORT=$HTTPS_ECDSA_PORT \
        HTTPC_TEST_TLS12_PORT=$TLS12_PORT HTTPC_TEST_TLS13_PORT=$TLS13_PORT \
        HTTPC_TEST_EXPIRED_PORT=$EXPIRED_PORT HTTPC_TEST_WRONGHOST_PORT=$WRONGHOST_PORT \
        HTTPC_TEST_UNTRUSTED_CA_PORT=$UNTRUSTED_PORT HTTPC_TEST_CLIENTCERT_PORT=$CLIENTCERT_PORT \
        HTTPC_TEST_CA="$PKI/ca.pem" HTTPC_TEST_UNTRUSTED_CA="$PKI/otherca.pem" \
        HTTPC_TEST_CLIENT_CERT="$PKI/client.pem" HTTPC_TEST_CLIENT_KEY="$PKI/client.key"
fi
if [ "$WANT_PROXY" = 1 ]; then
    export HTTPC_TEST_PROXY_USER=httpcuser HTTPC_TEST_PROXY_PASS=httpcpass
    start_tinyproxy tinyproxy ""
    export HTTPC_TEST_PROXY_PORT=$REPLY_PORT
    start_tinyproxy tinyproxy-auth "BasicAuth $HTTPC_TEST_PROXY_USER $HTTPC_TEST_PROXY_PASS"
    export HTTPC_TEST_PROXY_AUTH_PORT=$REPLY_PORT
fi

# CMD runs in the background (stdin kept) so that a signal to this script is
# handled at once rather than after CMD ends.
set +e
"$@" 0<&0 &
CMD_PID=$!
wait "$CMD_PID"
rc=$?
CMD_PID=
set -e
exit $rc
