"use strict";
// Real nginx over HTTP and HTTPS (verification on; a wrong CA or name
// fails), a tunnel through tinyproxy, 8 MiB up and down checked by hash.
// Run under tests/support/with-servers.sh --nginx --https --tinyproxy.
const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { spawn } = require("node:child_process");
const { Readable } = require("node:stream");
const { describe, it } = require("node:test");
const { httpc } = require("./support/helpers");

const env = process.env;
const HTTP = Number(env.HTTPC_TEST_HTTP_PORT);
const HTTPS = Number(env.HTTPC_TEST_HTTPS_PORT);
const CA = env.HTTPC_TEST_CA;
const sha256 = (data) => crypto.createHash("sha256").update(data).digest("hex");

describe("real nginx", { skip: !HTTP && "needs tests/support/with-servers.sh" }, () => {
  it("GETs over HTTP with both APIs, reusing the connection", async () => {
    const conn = new httpc.HTTPConnection("127.0.0.1", HTTP);
    const small = fs.readFileSync(path.join(env.HTTPC_TEST_DIR, "www", "small"));
    for (let i = 0; i < 3; i++) {
      await conn.request("GET", "/small");
      const res = await conn.getresponse();
      assert.equal(res.status, 200);
      assert.equal(res.headers.server.startsWith("nginx"), true);
      assert.deepEqual(await res.readAll(), small);
      conn.requestSync("GET", "/small");
      assert.deepEqual(conn.getresponseSync().readAllSync(), small);
    }
    conn.close();
  });

  it("downloads 16 MiB and uploads 8 MiB (Buffer and stream), checked by hash", async () => {
    const large = fs.readFileSync(path.join(env.HTTPC_TEST_DIR, "www", "large"));
    const conn = new httpc.HTTPConnection("127.0.0.1", HTTP);
    await conn.request("GET", "/large");
    const hash = crypto.createHash("sha256");
    for await (const chunk of await conn.getresponse()) hash.update(chunk);
    assert.equal(hash.digest("hex"), sha256(large));
    conn.requestSync("GET", "/large");
    assert.equal(sha256(conn.getresponseSync().readAllSync()), sha256(large));

    const upload = crypto.randomBytes(8 << 20);
    await conn.request("PUT", "/upload/node-8m", upload);
    const put = await conn.getresponse();
    assert.ok([201, 204].includes(put.status), `status ${put.status}`);
    await put.readAll();
    conn.close();
    const back = await httpc.request(`http://127.0.0.1:${HTTP}/upload/node-8m`);
    assert.equal(sha256(Buffer.from(await back.body.arrayBuffer())), sha256(upload));

    const pieces = [];
    for (let i = 0; i < upload.length; i += 1 << 20) pieces.push(upload.subarray(i, i + (1 << 20)));
    const streamed = new httpc.HTTPConnection("127.0.0.1", HTTP);
    await streamed.request("PUT", "/upload/node-8m-stream", Readable.from(pieces));
    const res = await streamed.getresponse();
    assert.ok([201, 204].includes(res.status), `status ${res.status}`);
    await res.readAll();
    streamed.requestSync("GET", "/upload/node-8m-stream");
    assert.equal(sha256(streamed.getresponseSync().readAllSync()), sha256(upload));
    streamed.close();
  });

  it("shares one TLS connection across one-shot calls with equal ca options", async () => {
    const ca = fs.readFileSync(CA);
    const serials = new Set(); // nginx numbers its connections (X-Connection)
    for (let i = 0; i < 20; i++) {
      const res = await httpc.request(`https://localhost:${HTTPS}/counted/empty`, { ca: Buffer.from(ca), timeout: 10000 });
      assert.equal(res.statusCode, 200);
      serials.add(res.headers["x-connection"]);
      await res.body.dump();
    }
    assert.equal(serials.size, 1, `connections: ${[...serials].join(", ")}`);
  });

  it("verifies HTTPS against the test CA, and fails on a wrong CA or name", async () => {
    const ok = new httpc.HTTPSConnection("localhost", HTTPS, { cafile: CA });
    await ok.request("GET", "/small");
    const res = await ok.getresponse();
    assert.equal(res.status, 200);
    assert.equal((await res.readAll()).length, 100);
    const viaPem = await httpc.request(`https://localhost:${HTTPS}/small`, { ca: fs.readFileSync(CA) });
    assert.equal(viaPem.statusCode, 200);
    assert.equal((await viaPem.body.bytes()).length, 100);

    const untrusted = new httpc.HTTPSConnection("localhost", HTTPS, { cafile: env.HTTPC_TEST_UNTRUSTED_CA });
    await assert.rejects(untrusted.request("GET", "/"), (err) =>
      err instanceof httpc.SSLCertVerificationError && err instanceof httpc.SSLError && err.code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" &&
      // An Error with Node's tls code, not an InvalidArgumentError (README: deviations).
      !(err instanceof httpc.InvalidArgumentError) && !(err instanceof TypeError));
    const wrongName = new httpc.HTTPSConnection("localhost", Number(env.HTTPC_TEST_WRONGHOST_PORT), { cafile: CA });
    assert.throws(() => wrongName.requestSync("GET", "/"), (err) => err instanceof httpc.SSLCertVerificationError && err.code === "ERR_TLS_CERT_ALTNAME_INVALID");
    const noCheck = new httpc.HTTPSConnection("localhost", Number(env.HTTPC_TEST_WRONGHOST_PORT), { cafile: CA, checkHostname: false });
    noCheck.requestSync("GET", "/small");
    assert.equal(noCheck.getresponseSync().status, 200);
    const tls13 = httpc.createDefaultContext({ cafile: CA, minVersion: "TLSv1.3" });
    const old = new httpc.HTTPSConnection("localhost", Number(env.HTTPC_TEST_TLS12_PORT), { context: tls13 });
    await assert.rejects(old.request("GET", "/"), httpc.SSLError);
  });

  it("tunnels HTTPS through tinyproxy, and reports a refused CONNECT", async () => {
    const conn = new httpc.HTTPSConnection("127.0.0.1", Number(env.HTTPC_TEST_PROXY_PORT), { cafile: CA });
    conn.setTunnel("localhost", HTTPS);
    await conn.request("GET", "/small");
    const res = await conn.getresponse();
    assert.equal(res.status, 200);
    assert.equal((await res.readAll()).length, 100);
    assert.match(conn.getProxyResponseHeaders()["proxy-agent"], /tinyproxy/);
    conn.close();

    const refused = new httpc.HTTPConnection("127.0.0.1", Number(env.HTTPC_TEST_PROXY_AUTH_PORT));
    refused.setTunnel("localhost", HTTP);
    await assert.rejects(refused.request("GET", "/"), (err) => err instanceof httpc.TunnelFailed && /407/.test(err.message));
    const auth = Buffer.from(`${env.HTTPC_TEST_PROXY_USER}:${env.HTTPC_TEST_PROXY_PASS}`).toString("base64");
    const allowed = new httpc.HTTPConnection("127.0.0.1", Number(env.HTTPC_TEST_PROXY_AUTH_PORT));
    allowed.setTunnel("localhost", HTTP, { "Proxy-Authorization": `Basic ${auth}` });
    allowed.requestSync("GET", "/small");
    assert.equal(allowed.getresponseSync().status, 200);
    allowed.close();
  });
});

// A TLS server (Node's, OpenSSL) in a child process that requires a client
// certificate and refuses the handshake without one: TLS 1.3 sends alert
// 116 (certificate_required) after the client's Finished, TLS 1.2 a
// handshake_failure. Every try must give SSLError, never EPIPE,
// ECONNRESET or RemoteDisconnected.
async function certRequiringServer(version) {
  const pki = path.join(env.HTTPC_TEST_DIR, "pki");
  const script = `
    const tls = require("tls"); const fs = require("fs");
    const server = tls.createServer({
      key: fs.readFileSync(${JSON.stringify(path.join(pki, "server.key"))}),
      cert: fs.readFileSync(${JSON.stringify(path.join(pki, "server.pem"))}),
      ca: fs.readFileSync(${JSON.stringify(path.join(pki, "clientca.pem"))}),
      requestCert: true, rejectUnauthorized: true,
      minVersion: ${JSON.stringify(version)}, maxVersion: ${JSON.stringify(version)},
    }, (s) => { s.on("error", () => {}); s.end("HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n"); });
    server.on("tlsClientError", () => {});
    server.listen(0, "127.0.0.1", () => console.log(server.address().port));
    setTimeout(() => process.exit(0), 120000).unref();
    process.stdin.on("end", () => process.exit(0)); process.stdin.resume();`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once("data", (d) => resolve(Number(String(d).trim())));
    child.once("exit", () => reject(new Error("TLS server exited")));
  });
  return { port, close: () => new Promise((resolve) => { child.once("exit", resolve); child.stdin.end(); }) };
}

describe("a server that requires a client certificate, none given", { skip: !HTTP && "needs tests/support/with-servers.sh" }, () => {
  for (const version of ["TLSv1.2", "TLSv1.3"]) {
    it(`fails with SSLError 20 of 20 times, sync and Promise (${version})`, async (t) => {
      const server = await certRequiringServer(version);
      try {
        const seen = {};
        const note = (err, api) => {
          const key = `${err.name} ${err.code} (${api})`;
          seen[key] = (seen[key] || 0) + 1;
        };
        for (let i = 0; i < 20; i++) {
          const conn = new httpc.HTTPSConnection("localhost", server.port, { cafile: CA });
          try {
            conn.requestSync("GET", "/small");
            conn.getresponseSync();
            note({ name: "no error", code: "" }, "sync");
          } catch (err) {
            note(err, "sync");
          }
          conn.close();
          const promised = new httpc.HTTPSConnection("localhost", server.port, { cafile: CA });
          try {
            await promised.request("GET", "/small");
            await promised.getresponse();
            note({ name: "no error", code: "" }, "Promise");
          } catch (err) {
            note(err, "Promise");
          }
          promised.close();
        }
        t.diagnostic(`${version}: ${JSON.stringify(seen)}`);
        assert.deepEqual(Object.keys(seen).filter((k) => !k.startsWith("SSLError ")), [], JSON.stringify(seen));
      } finally {
        await server.close();
      }
    });
  }
});
