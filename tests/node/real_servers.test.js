"use strict";
// Real nginx over HTTP and HTTPS (verification on; a wrong CA or name
// fails), a tunnel through tinyproxy, 8 MiB up and down checked by hash.
// Run under tests/support/with-servers.sh --nginx --https --tinyproxy.
const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
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
      err instanceof httpc.SSLCertVerificationError && err instanceof httpc.SSLError && err.code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
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
