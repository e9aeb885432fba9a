// node_httpc.js API HOST PORT PATH N TLS MODE: N GETs with httpc's Node
// binding. API: "client" (httpc.Client.request, as undici.request on a
// Client: one addon operation per request, the body returned whole),
// "promise" (HTTPConnection's request, getresponse and reads, each driven by
// the event loop) or "sync". MODE keepalive: one connection, sequential;
// newconn: a new one per request; concurrentK: K connections at once, each
// sequential (Promise APIs only), N requests in all. With promise and sync,
// bodies up to 1 MiB are read in one call, larger ones in 1 MiB pieces into
// one reused Buffer (readInto, as http.client's readinto). Before the timed
// run, BENCH_WARMUP untimed requests on the same connections (spread over
// them) warm the JIT, as for every client of the bench.
"use strict";
const path = require("path");

const [api, host, port, pathName, countText, tls, mode] = process.argv.slice(2);
const httpc = require(process.env.BENCH_HTTPC_NODE || path.join(__dirname, "..", "build", "node"));
const count = Number(countText);
const warmup = Number(process.env.BENCH_WARMUP || 0); // tools/bench.sh gives it per scenario
const concurrency = mode.startsWith("concurrent") ? Number(mode.slice("concurrent".length)) : 1;
const PIECE = 1 << 20;
const options = tls === "1" ? { cafile: process.env.BENCH_CAFILE } : {};
const Connection = tls === "1" ? httpc.HTTPSConnection : httpc.HTTPConnection;
const origin = `${tls === "1" ? "https" : "http"}://${host}:${port}`;
let connections = 0;
let bytes = 0;

// One sequence of requests on its own connection (or Client).
class Lane {
  conn = null;
  client = null;
  scratch = Buffer.allocUnsafe(PIECE);

  connection() {
    if (this.conn === null || mode === "newconn") {
      if (this.conn) this.conn.close();
      this.conn = new Connection(host, Number(port), options);
    }
    if (this.conn.fileno() < 0) connections++;
    return this.conn;
  }

  async oncePromise() {
    const c = this.connection();
    await c.request("GET", pathName);
    const res = await c.getresponse();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    if (res.length !== null && res.length <= PIECE) {
      const body = await res.readAll(); // not `bytes += await ...`: lanes run at once
      bytes += body.length;
      return;
    }
    for (;;) {
      const n = await res.readInto(this.scratch);
      if (n === 0) break;
      bytes += n;
    }
  }

  onceSync() {
    const c = this.connection();
    c.requestSync("GET", pathName);
    const res = c.getresponseSync();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    if (res.length !== null && res.length <= PIECE) {
      bytes += res.readAllSync().length;
      return;
    }
    for (;;) {
      const n = res.readIntoSync(this.scratch);
      if (n === 0) break;
      bytes += n;
    }
  }

  async onceClient(shared) {
    if (shared) this.client = shared;
    else if (this.client === null || mode === "newconn") {
      if (this.client) this.client.close();
      this.client = new httpc.Client(origin, options);
      connections++; // Client hides its sockets: what it is built to use
    }
    const res = await this.client.request({ path: pathName });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    bytes += res.body.length;
  }

  async run(n, shared) {
    for (let i = 0; i < n; i++) {
      if (api === "sync") this.onceSync();
      else if (api === "client") await this.onceClient(shared);
      else await this.oncePromise();
    }
  }

  close() {
    if (this.conn) this.conn.close();
    if (this.client) this.client.close();
  }
}

(async () => {
  if (!["client", "promise", "sync"].includes(api)) throw new Error(`API must be client, promise or sync, not ${api}`);
  if (concurrency > 1 && api === "sync") process.exit(3); // one thread cannot wait on several
  const lanes = Array.from({ length: concurrency }, () => new Lane());
  // concurrentK with the client API: one Client with K connections.
  const shared = api === "client" && concurrency > 1 ? new httpc.Client(origin, { ...options, connections: concurrency, maxIdle: concurrency }) : null;
  const share = (total) => lanes.map((_, i) => Math.floor(total / concurrency) + (i < total % concurrency ? 1 : 0));
  const runAll = (total) => Promise.all(share(total).map((n, i) => lanes[i].run(n, shared)));
  await runAll(warmup);
  bytes = 0;
  const warmConnections = connections;
  const start = process.hrtime.bigint();
  await runAll(count);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  connections -= warmConnections;
  if (shared) connections = concurrency;
  else if (mode !== "newconn" && connections === 0) connections = concurrency; // the warmed ones
  console.log(`requests=${count} bytes=${bytes} seconds=${seconds.toFixed(6)} conns=${connections}`);
  for (const lane of lanes) lane.close();
  if (shared) shared.close();
})().catch((error) => { console.error(`node_httpc: ${error.message}`); process.exit(1); });
