#!/usr/bin/env bash
# Self-test of with-servers.sh: start every server and fetch from each
# listener with python3 (urllib/ssl/http.client and the generated CA).
# Usage: tests/support/test_with_servers.sh     (exit 0 = all good)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
exec "$HERE/with-servers.sh" --https --tinyproxy -- python3 - <<'EOF'
import base64, http.client, os, socket, ssl, sys

E = os.environ
fails = 0

def check(name, fn):
    global fails
    try:
        fn()
        print("ok   " + name)
    except Exception as e:  # noqa: BLE001
        fails += 1
        print("FAIL %s: %r" % (name, e))

def ctx(ca=E["HTTPC_TEST_CA"], cert=None, key=None, version=None):
    c = ssl.create_default_context(cafile=ca)
    if cert:
        c.load_cert_chain(cert, key)
    if version:
        c.minimum_version = c.maximum_version = version
    return c

def get(port, path="/small", https=False, context=None, host="127.0.0.1",
        method="GET", body=None, headers=None):
    if https:
        c = http.client.HTTPSConnection(host, int(port), timeout=10,
                                        context=context or ctx())
    else:
        c = http.client.HTTPConnection(host, int(port), timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    ver = c.sock.version() if https and c.sock else None
    c.close()
    return r, data, ver

def expect(cond, what):
    if not cond:
        raise AssertionError(what)

SMALL = bytes(range(100))

def plain():
    r, d, _ = get(E["HTTPC_TEST_HTTP_PORT"])
    expect(r.status == 200 and d == SMALL, (r.status, d[:20]))
    for path, size in (("/medium", 16384), ("/large", 16 << 20), ("/empty", 0)):
        r, d, _ = get(E["HTTPC_TEST_HTTP_PORT"], path)
        expect(r.status == 200 and len(d) == size, (path, r.status, len(d)))
        expect(d == (bytes(range(256)) * (size // 256 + 1))[:size], path)
check("http small/medium/large/empty", plain)

def chunked():
    r, d, _ = get(E["HTTPC_TEST_HTTP_PORT"], "/chunked")
    expect(r.getheader("Transfer-Encoding") == "chunked", r.getheaders())
    expect(d == b"chunked-body\n", d)
check("http /chunked is chunked", chunked)

def post():
    r, d, _ = get(E["HTTPC_TEST_HTTP_PORT"], "/post", method="POST",
                  body=b"x" * 100000)
    expect(r.status == 200 and d == b"ok\n", (r.status, d))
check("http POST /post", post)

def upload():
    p = E["HTTPC_TEST_HTTP_PORT"]
    r, _, _ = get(p, "/upload/a.bin", method="PUT", body=b"payload")
    expect(r.status in (201, 204), r.status)
    r, d, _ = get(p, "/upload/a.bin")
    expect(d == b"payload", d)
    r, _, _ = get(p, "/upload/a.bin", method="DELETE")
    expect(r.status == 204, r.status)
check("http PUT/GET/DELETE /upload/", upload)

def echo():
    r, d, _ = get(E["HTTPC_TEST_HTTP_PORT"], "/echo", headers={"X-Test": "hi"})
    expect(b"x-test=hi\n" in d and b"method=GET\n" in d, d)
check("http /echo", echo)

def misc():
    p = E["HTTPC_TEST_HTTP_PORT"]
    r, d, _ = get(p, "/close")
    expect(r.will_close and d == b"bye\n", (r.will_close, d))
    r, _, _ = get(p, "/redirect")
    expect(r.status == 301 and r.getheader("Location").endswith("/small"), r.status)
    r, d, _ = get(p, "/status/404")
    expect(r.status == 404 and d == b"missing\n", r.status)
    r, d, _ = get(p, "/slow/small")
    expect(d == SMALL, d)
check("http /close /redirect /status/404 /slow/", misc)

def v6():
    if E.get("HTTPC_TEST_HTTP6") != "1":
        return
    r, d, _ = get(E["HTTPC_TEST_HTTP_PORT"], host="::1")
    expect(d == SMALL, d)
check("http over [::1]", v6)

def tls(port_var, host="localhost", want=None, context=None):
    def f():
        r, d, ver = get(E[port_var], https=True, host=host, context=context)
        expect(r.status == 200 and d == SMALL, (r.status, d[:10]))
        if want:
            expect(ver == want, ver)
    return f

check("https RSA (localhost)", tls("HTTPC_TEST_HTTPS_PORT", want="TLSv1.3"))
check("https RSA (127.0.0.1 IP SAN)", tls("HTTPC_TEST_HTTPS_PORT", host="127.0.0.1"))
check("https RSA with TLS 1.2", tls("HTTPC_TEST_HTTPS_PORT", want="TLSv1.2",
      context=ctx(version=ssl.TLSVersion.TLSv1_2)))

def ecdsa():
    c = socket.create_connection(("127.0.0.1", int(E["HTTPC_TEST_HTTPS_ECDSA_PORT"])), 10)
    s = ctx().wrap_socket(c, server_hostname="localhost")
    der = s.getpeercert(binary_form=True)
    s.close()
    # id-ecPublicKey OID 1.2.840.10045.2.1
    expect(bytes.fromhex("2a8648ce3d0201") in der, "not an EC key")
    tls("HTTPC_TEST_HTTPS_ECDSA_PORT")()
check("https ECDSA", ecdsa)

check("tls12-only listener", tls("HTTPC_TEST_TLS12_PORT", want="TLSv1.2"))
check("tls13-only listener", tls("HTTPC_TEST_TLS13_PORT", want="TLSv1.3"))

def refused(port_var, context=None, exc=ssl.SSLCertVerificationError, text=""):
    def f():
        try:
            get(E[port_var], https=True, context=context)
        except exc as e:
            expect(text in str(e), str(e))
            return
        raise AssertionError("no error")
    return f

def tls12_only_refuses_13():
    refused("HTTPC_TEST_TLS12_PORT", context=ctx(version=ssl.TLSVersion.TLSv1_3),
            exc=ssl.SSLError)()
    refused("HTTPC_TEST_TLS13_PORT", context=ctx(version=ssl.TLSVersion.TLSv1_2),
            exc=ssl.SSLError)()
check("tls12/tls13-only listeners refuse the other version", tls12_only_refuses_13)
check("expired cert fails", refused("HTTPC_TEST_EXPIRED_PORT", text="expired"))
check("wrong-host cert fails", refused("HTTPC_TEST_WRONGHOST_PORT", text="mismatch"))
check("untrusted CA fails", refused("HTTPC_TEST_UNTRUSTED_CA_PORT",
                                    text="unable to get local issuer"))
check("untrusted CA ok with its CA", tls("HTTPC_TEST_UNTRUSTED_CA_PORT",
      context=ctx(ca=E["HTTPC_TEST_UNTRUSTED_CA"])))

def clientcert():
    # Without a client cert nginx answers 400 (TLS 1.3 completes first).
    r, _, _ = get(E["HTTPC_TEST_CLIENTCERT_PORT"], https=True)
    expect(r.status == 400, r.status)
    tls("HTTPC_TEST_CLIENTCERT_PORT", context=ctx(
        cert=E["HTTPC_TEST_CLIENT_CERT"], key=E["HTTPC_TEST_CLIENT_KEY"]))()
check("client-cert listener", clientcert)

def proxy_get():
    c = http.client.HTTPConnection("127.0.0.1", int(E["HTTPC_TEST_PROXY_PORT"]), timeout=10)
    c.request("GET", "http://127.0.0.1:%s/small" % E["HTTPC_TEST_HTTP_PORT"])
    r = c.getresponse()
    d = r.read()
    expect(r.status == 200 and d == SMALL, (r.status, d[:40]))
check("proxy: absolute-URI GET", proxy_get)

def proxy_connect():
    c = http.client.HTTPSConnection("127.0.0.1", int(E["HTTPC_TEST_PROXY_PORT"]),
                                    timeout=10, context=ctx())
    c.set_tunnel("localhost", int(E["HTTPC_TEST_HTTPS_PORT"]))
    c.request("GET", "/small")
    d = c.getresponse().read()
    expect(d == SMALL, d[:40])
check("proxy: CONNECT tunnel to https", proxy_connect)

def proxy_auth():
    port = int(E["HTTPC_TEST_PROXY_AUTH_PORT"])
    target = "127.0.0.1:%s" % E["HTTPC_TEST_HTTP_PORT"]
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "http://%s/small" % target)
    r = c.getresponse(); r.read(); c.close()
    expect(r.status == 407, r.status)
    cred = base64.b64encode(("%s:%s" % (E["HTTPC_TEST_PROXY_USER"],
                                        E["HTTPC_TEST_PROXY_PASS"])).encode()).decode()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "http://%s/small" % target,
              headers={"Proxy-Authorization": "Basic " + cred})
    r = c.getresponse(); d = r.read(); c.close()
    expect(r.status == 200 and d == SMALL, (r.status, d[:40]))
check("proxy with auth: 407 then 200", proxy_auth)

def proxy_connect_disallowed():
    # ConnectPort only allows the test ports: CONNECT to port 1 is refused.
    c = http.client.HTTPConnection("127.0.0.1", int(E["HTTPC_TEST_PROXY_PORT"]), timeout=10)
    c.request("CONNECT", "127.0.0.1:1", headers={"Host": "127.0.0.1:1"})
    r = c.getresponse()
    expect(r.status >= 400, r.status)
check("proxy refuses CONNECT to other ports", proxy_connect_disallowed)

print("%s" % ("all good" if not fails else "%d failed" % fails))
sys.exit(1 if fails else 0)
EOF
