"use strict";
// Handles are freed by the garbage collector: connections and responses left
// unclosed give their sockets back (run with --expose-gc).
const assert = require("node:assert/strict");
const { it } = require("node:test");
const { httpc, replyServer, openFds } = require("./support/helpers");

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function collect() {
  for (let i = 0; i < 5; i++) {
    global.gc();
    await tick();
  }
}

it("frees 1,000 connections left unclosed, with their responses", async () => {
  assert.equal(typeof global.gc, "function", "run with --expose-gc");
  const reply = Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  const server = await replyServer({ reply, keepOpen: true });
  try {
    await collect();
    const before = openFds();
    let peak = 0;
    for (let round = 0; round < 10; round++) {
      const open = [];
      for (let i = 0; i < 100; i++) {
        const conn = new httpc.HTTPConnection("127.0.0.1", server.port);
        await conn.connect();
        if (i % 2) {
          await conn.request("GET", "/");
          open.push(await conn.getresponse()); // a response left unread
        }
        open.push(conn);
      }
      peak = Math.max(peak, openFds() - before);
    }
    assert.ok(peak >= 100, `the connections were open (${peak} descriptors)`);
    await collect();
    const after = openFds();
    // The server's side of each socket closes when the client's does.
    assert.ok(after - before <= 10, `${after - before} descriptors still open after collection`);
  } finally {
    await server.close();
  }
});
