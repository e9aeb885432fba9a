#!/usr/bin/env node
// The example sessions of the http.client documentation (the seeds), in
// Node with httpc against a local server: first with the Promise API, then
// with the sync API. Each step prints what it got and checks it.
//
// Usage: node examples/node/seeds_demo.js URL   e.g. http://127.0.0.1:8080/
// (the nginx of tests/support/with-servers.sh). Exits non-zero on a failure.
"use strict";
const assert = require("assert");
const path = require("path");
const httpc = require(process.env.HTTPC_NODE_PACKAGE || path.join(__dirname, "..", "..", "build", "node"));

const target = new URL(process.argv[2] || "");
const HOST = target.hostname;
const PORT = Number(target.port) || 80;
let passed = 0;

function step(what, got, check) {
  check(got);
  passed++;
  console.log(`  ok  ${what}: ${typeof got === "string" ? got : JSON.stringify(got)}`);
}

async function promiseSessions() {
  console.log("Promise API");
  // Creating connections (host, host:port, port, timeout).
  const h2 = new httpc.HTTPConnection(`${HOST}:${PORT}`);
  const h3 = new httpc.HTTPConnection(HOST, PORT, { timeout: 10000 });
  step("host:port and (host, port) agree", [h2.host, h2.port], (v) => assert.deepEqual(v, [h3.host, h3.port]));

  // A GET, reading in chunks, and an invalid request.
  const conn = new httpc.HTTPConnection(HOST, PORT);
  await conn.request("GET", "/index.html");
  const r1 = await conn.getresponse();
  step("GET /index.html", `${r1.status} ${r1.reason}`, (v) => assert.equal(v, "200 OK"));
  const data1 = await r1.readAll();
  await conn.request("GET", "/index.html");
  const again = await conn.getresponse();
  const chunks = [];
  while (!again.closed) chunks.push(await again.read(200));
  step("the same body read 200 bytes at a time", `${chunks.length} reads`, () => assert.deepEqual(Buffer.concat(chunks), data1));
  await conn.request("GET", "/parrot.spam");
  const r2 = await conn.getresponse();
  step("GET /parrot.spam", `${r2.status} ${r2.reason}`, (v) => assert.equal(v, "404 Not Found"));
  await r2.readAll();
  conn.close();

  // HEAD never returns a body.
  const head = new httpc.HTTPConnection(HOST, PORT);
  await head.request("HEAD", "/index.html");
  const res = await head.getresponse();
  step("HEAD /index.html body length", (await res.readAll()).length, (v) => assert.equal(v, 0));
  head.close();

  // A POST of a form, with the for-await reading of the body.
  const params = new URLSearchParams({ "@number": 12524, "@type": "issue", "@action": "show" }).toString();
  const post = new httpc.HTTPConnection(HOST, PORT);
  await post.request("POST", "/post", params, { "Content-type": "application/x-www-form-urlencoded", Accept: "text/plain" });
  const response = await post.getresponse();
  let body = "";
  for await (const chunk of response) body += chunk;
  step("POST /post", `${response.status} ${response.reason} ${JSON.stringify(body)}`, (v) => assert.equal(v, '200 OK "ok\\n"'));
  post.close();

  // The one-shot call.
  const one = await httpc.request(`http://${HOST}:${PORT}/index.html`);
  const oneBody = Buffer.from(await one.body.arrayBuffer());
  step("httpc.request (one-shot)", `${one.statusCode} ${oneBody.length} bytes`, () => assert.deepEqual(oneBody, data1));
}

function syncSessions() {
  console.log("Sync API");
  // A PUT creating a resource, then reading it back.
  const conn = new httpc.HTTPConnection(HOST, PORT);
  conn.requestSync("PUT", "/upload/node-file", "***filecontents***");
  const put = conn.getresponseSync();
  step("PUT /upload/node-file", put.status, (v) => assert.ok([200, 201, 204].includes(v)));
  put.readAllSync();
  conn.requestSync("GET", "/upload/node-file");
  step("GET it back", conn.getresponseSync().readAllSync().toString(), (v) => assert.equal(v, "***filecontents***"));
  conn.close();

  // Errors are http.client's classes, as JavaScript Errors.
  try {
    new httpc.HTTPConnection(`${HOST}:nonnumeric`);
    assert.fail("no error");
  } catch (err) {
    step("a non-numeric port", `${err.name}: ${err.message}`, () => assert.ok(err instanceof httpc.InvalidURL));
  }
  step("responses[NOT_FOUND]", httpc.responses[httpc.status.NOT_FOUND], (v) => assert.equal(v, "Not Found"));
}

(async () => {
  await promiseSessions();
  syncSessions();
  console.log(`seeds demo (Node, httpc ${httpc.version}): ${passed} examples passed`);
})().catch((err) => {
  console.error(`seeds demo (Node): FAILED after ${passed} examples:`, err);
  process.exit(1);
});
