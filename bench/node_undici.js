// node_undici.js HOST PORT PATH N TLS MODE: N sequential GETs with undici
// (from npm, installed by tools/run deps into bindings/node/dev):
// undici.request on a keep-alive Client (a new Client per request for
// newconn), after BENCH_WARMUP untimed ones made the same way (the JIT warms
// up). Exits 3 when undici is not installed.
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
const warmup = Number(process.env.BENCH_WARMUP || 0);
const origin = `${tls === "1" ? "https" : "http"}://${host}:${port}`;
const clientOptions = { pipelining: 1 };
if (tls === "1" && process.env.BENCH_CAFILE) clientOptions.connect = { ca: fs.readFileSync(process.env.BENCH_CAFILE) };
let connections = 0;
let bytes = 0;

function newClient() {
  const client = new undici.Client(origin, clientOptions);
  client.on("connect", () => connections++);
  return client;
}

(async () => {
  let client = newClient();
  let start = process.hrtime.bigint();
  for (let i = 0; i < warmup + count; i++) {
    if (i === warmup) { // the timed requests start here
      bytes = 0;
      connections = 0;
      start = process.hrtime.bigint();
    }
    if (mode === "newconn" && i > 0) {
      await client.close();
      client = newClient();
    }
    const { statusCode, body } = await client.request({ path: pathName, method: "GET" });
    if (statusCode !== 200) throw new Error(`status ${statusCode}`);
    for await (const chunk of body) bytes += chunk.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`requests=${count} bytes=${bytes} seconds=${seconds.toFixed(6)} conns=${connections}`);
  await client.close();
})().catch((error) => { console.error(`node_undici: ${error.message}`); process.exit(1); });
