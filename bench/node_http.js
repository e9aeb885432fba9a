// node_http.js HOST PORT PATH N TLS MODE: N sequential GETs with Node's
// http/https module and a keep-alive agent (no keep-alive for newconn).
// Before the timed run, BENCH_WARMUP untimed requests warm the JIT, as for
// every client of the bench.
"use strict";
const fs = require("fs");

const [host, port, path, countText, tls, mode] = process.argv.slice(2);
const count = Number(countText);
const warmup = Number(process.env.BENCH_WARMUP || 0); // tools/bench.sh gives it per scenario
if (mode.startsWith("concurrent")) process.exit(3);
const transport = require(tls === "1" ? "https" : "http");
const agentOptions = { keepAlive: mode !== "newconn", maxSockets: 1 };
if (tls === "1" && process.env.BENCH_CAFILE) agentOptions.ca = fs.readFileSync(process.env.BENCH_CAFILE);
const agent = new transport.Agent(agentOptions);
let connections = 0;
let bytes = 0;

function once() {
  return new Promise((resolve, reject) => {
    const request = transport.get({ host, port: Number(port), path, agent }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`status ${response.statusCode}`));
      response.on("data", (chunk) => { bytes += chunk.length; });
      response.on("end", resolve);
      response.on("error", reject);
    });
    request.on("socket", (socket) => { if (!socket.benchSeen) { socket.benchSeen = true; connections++; } });
    request.on("error", reject);
  });
}

(async () => {
  for (let i = 0; i < warmup; i++) await once();
  bytes = 0;
  const warmConnections = connections;
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await once();
  connections = Math.max(connections - warmConnections, mode === "newconn" ? 0 : 1);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`requests=${count} bytes=${bytes} seconds=${seconds.toFixed(6)} conns=${connections}`);
  agent.destroy();
})().catch((error) => { console.error(`node_http: ${error.message}`); process.exit(1); });
