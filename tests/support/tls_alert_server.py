"""A TLS server that requires a client certificate, as in the debts and
reliability issues: Python's ssl with verify_mode=CERT_REQUIRED, one
listener limited to TLS 1.2 and one to TLS 1.3. A client without a
certificate gets the alert OpenSSL sends (handshake_failure for TLS 1.2,
certificate_required for TLS 1.3) and the connection is closed.

Usage: tls_alert_server.py CERT KEY CLIENT_CA PORT_FILE SECONDS
Writes "TLS12_PORT TLS13_PORT" to PORT_FILE, serves until SECONDS have
passed (bounded), then exits by itself."""
import socket
import ssl
import sys
import threading
import time

cert, key, client_ca, port_file, seconds = sys.argv[1:6]
deadline = time.monotonic() + float(seconds)


def context(version):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ctx.maximum_version = version
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(client_ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def serve(listener, ctx):
    listener.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        conn.settimeout(5)
        try:
            with ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(65536)  # TLS 1.3 finds the missing certificate here
        except (ssl.SSLError, OSError):
            pass
        finally:
            conn.close()


ports = []
threads = []
for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    ports.append(listener.getsockname()[1])
    t = threading.Thread(target=serve, args=(listener, context(version)), daemon=True)
    t.start()
    threads.append(t)
with open(port_file + ".tmp", "w") as f:
    f.write("%d %d\n" % tuple(ports))
import os  # noqa: E402

os.replace(port_file + ".tmp", port_file)
for t in threads:
    t.join()
