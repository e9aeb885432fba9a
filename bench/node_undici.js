// node_undici.js HOST PORT PATH N TLS MODE: N GETs with undici (from npm,
// installed by tools/run deps into bindings/node/dev): undici.request on a
// keep-alive Client (a new Client per request for newconn; for concurrentK a
// Pool of K connections with K requests in flight). Before the timed run,
// BENCH_WARMUP untimed requests warm the JIT, as for every client of the
// bench. Exits 3 when undici is not installed.
"use strict";
const fs = require("fs");
const path = require("path");

let undici;
try {
  undici = require(path.join(__dirname, "..", "bindings", "node", "dev", "node_modules", "undici"));
} catch {
  console.error("node_undici: undici is not installed (tools/run deps)");
  process.exit(3);
}
const [host, port, pathName, countText, tls, mode] = process.argv.slice(2);
const count = Number(countText);
const warmup = Number(process.env.BENCH_WARMUP || 0); // tools/bench.sh gives it per scenario
const concurrency = mode.startsWith("concurrent") ? Number(mode.slice("concurrent".length)) : 1;
const origin = `${tls === "1" ? "https" : "http"}://${host}:${port}`;
const clientOptions = { pipelining: 1 };
if (tls === "1" && process.env.BENCH_CAFILE) clientOptions.connect = { ca: fs.readFileSync(process.env.BENCH_CAFILE) };
let connections = 0;
let bytes = 0;

function newDispatcher() {
  const dispatcher = concurrency > 1
    ? new undici.Pool(origin, { ...clientOptions, connections: concurrency })
    : new undici.Client(origin, clientOptions);
  dispatcher.on("connect", () => connections++);
  return dispatcher;
}

let dispatcher = newDispatcher();

async function sequence(n) {
  for (let i = 0; i < n; i++) {
    if (mode === "newconn") {
      await dispatcher.close();
      dispatcher = newDispatcher();
    }
    const { statusCode, body } = await dispatcher.request({ path: pathName, method: "GET" });
    if (statusCode !== 200) throw new Error(`status ${statusCode}`);
    for await (const chunk of body) bytes += chunk.length;
  }
}

const runAll = (total) => Promise.all(Array.from({ length: concurrency },
  (_, i) => sequence(Math.floor(total / concurrency) + (i < total % concurrency ? 1 : 0))));

(async () => {
  await runAll(warmup);
  bytes = 0;
  const warmConnections = connections;
  const start = process.hrtime.bigint();
  await runAll(count);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  connections -= warmConnections;
  if (mode !== "newconn" && connections === 0) connections = concurrency; // the warmed ones
  console.log(`requests=${count} bytes=${bytes} seconds=${seconds.toFixed(6)} conns=${connections}`);
  await dispatcher.close();
})().catch((error) => { console.error(`node_undici: ${error.message}`); process.exit(1); });
