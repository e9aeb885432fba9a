// node_httpc.js API HOST PORT PATH N TLS MODE: N sequential GETs with
// httpc's Node binding. API: "client" (httpc.Client.request, as
// undici.request on a Client: one addon operation per request, the body
// returned whole), "promise" (HTTPConnection's request, getresponse and
// reads, each driven by the event loop) or "sync". One keep-alive connection (a new
// one per request for newconn). With promise and sync, bodies up to 1 MiB
// are read in one call, larger ones in 1 MiB pieces into one reused Buffer
// (readInto, as http.client's readinto).
"use strict";
const path = require("path");

const [api, host, port, pathName, countText, tls, mode] = process.argv.slice(2);
const httpc = require(process.env.BENCH_HTTPC_NODE || path.join(__dirname, "..", "build", "node"));
const count = Number(countText);
const PIECE = 1 << 20;
const scratch = Buffer.allocUnsafe(PIECE);
const options = tls === "1" ? { cafile: process.env.BENCH_CAFILE } : {};
const Connection = tls === "1" ? httpc.HTTPSConnection : httpc.HTTPConnection;
let connections = 0;
let bytes = 0;
let conn = null;

function connection() {
  if (conn === null || mode === "newconn") {
    if (conn) conn.close();
    conn = new Connection(host, Number(port), options);
  }
  if (conn.fileno() < 0) connections++;
  return conn;
}

async function oncePromise() {
  const c = connection();
  await c.request("GET", pathName);
  const res = await c.getresponse();
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  if (res.length !== null && res.length <= PIECE) {
    bytes += (await res.readAll()).length;
    return;
  }
  for (;;) {
    const n = await res.readInto(scratch);
    if (n === 0) break;
    bytes += n;
  }
}

function onceSync() {
  const c = connection();
  c.requestSync("GET", pathName);
  const res = c.getresponseSync();
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  if (res.length !== null && res.length <= PIECE) {
    bytes += res.readAllSync().length;
    return;
  }
  for (;;) {
    const n = res.readIntoSync(scratch);
    if (n === 0) break;
    bytes += n;
  }
}

async function runClient() {
  const origin = `${tls === "1" ? "https" : "http"}://${host}:${port}`;
  let client = null;
  for (let i = 0; i < count; i++) {
    if (client === null || mode === "newconn") {
      if (client) client.close();
      client = new httpc.Client(origin, options);
    }
    const res = await client.request({ path: pathName });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    bytes += res.body.length;
  }
  client.close();
  connections = mode === "newconn" ? count : 1; // Client hides its sockets: what it is built to use
}

(async () => {
  if (!["client", "promise", "sync"].includes(api)) throw new Error(`API must be client, promise or sync, not ${api}`);
  const start = process.hrtime.bigint();
  if (api === "sync") for (let i = 0; i < count; i++) onceSync();
  else if (api === "client") await runClient();
  else for (let i = 0; i < count; i++) await oncePromise();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`requests=${count} bytes=${bytes} seconds=${seconds.toFixed(6)} conns=${connections}`);
  if (conn) conn.close();
})().catch((error) => { console.error(`node_httpc: ${error.message}`); process.exit(1); });
