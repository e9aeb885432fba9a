"use strict";
// A program that only uses the sync API never lets the event loop turn: the
// bodies readAllSync hands out must still be freed (20,000
// requests grew RSS by 160 MB when their memory was released only on a loop
// turn). Small bodies and bodies large enough to be handed over without a
// copy are both checked.
const assert = require("node:assert/strict");
const { it } = require("node:test");
const { httpc, childReplyServer } = require("./support/helpers");

const MiB = 1024 * 1024;
const rss = () => process.memoryUsage().rss;

function syncLoop(port, count, expectedLength) {
  const conn = new httpc.HTTPConnection("127.0.0.1", port);
  const before = rss();
  let peak = before;
  for (let i = 0; i < count; i++) {
    conn.requestSync("GET", "/");
    const body = conn.getresponseSync().readAllSync();
    if (body.length !== expectedLength) throw new Error(`body of ${body.length} bytes`);
    if (i % 1000 === 0) peak = Math.max(peak, rss());
  }
  conn.close();
  return { growth: Math.max(peak, rss()) - before };
}

it("20,000 sync requests with small bodies stay within 30 MB of RSS growth", async (t) => {
  const server = await childReplyServer({ reply: Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), keepAlive: true });
  try {
    const { growth } = syncLoop(server.port, 20000, 5);
    t.diagnostic(`RSS growth over 20,000 requests: ${(growth / MiB).toFixed(1)} MB`);
    assert.ok(growth < 30 * MiB, `RSS grew by ${(growth / MiB).toFixed(1)} MB`);
  } finally {
    await server.close();
  }
});

it("2,000 sync requests with 300 kB bodies (600 MB in all) stay bounded", async (t) => {
  const size = 300000;
  const reply = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
  const server = await childReplyServer({ reply, keepAlive: true, fillBytes: size });
  try {
    const { growth } = syncLoop(server.port, 2000, size);
    t.diagnostic(`RSS growth over 2,000 requests of 300 kB: ${(growth / MiB).toFixed(1)} MB`);
    // V8 collects external memory in steps of tens of MB; unbounded would be 600 MB.
    assert.ok(growth < 150 * MiB, `RSS grew by ${(growth / MiB).toFixed(1)} MB`);
  } finally {
    await server.close();
  }
});
