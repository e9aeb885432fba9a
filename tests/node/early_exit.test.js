"use strict";
// Leaving a request or a response half done leaves the connection usable
//: a request body source that fails closes the connection, so
// the next request reconnects instead of meeting CannotSendRequest; leaving
// a body early (break, destroy()) releases the response, so the next request
// does not meet ResponseNotReady.
const assert = require("node:assert/strict");
const { Readable } = require("node:stream");
const { describe, it } = require("node:test");
const { httpc, replyServer, OK_SMALL } = require("./support/helpers");

const BIG_CHUNKED = Buffer.concat([
  Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
  ...Array.from({ length: 200 }, () => Buffer.from("400\r\n" + "x".repeat(1024) + "\r\n")),
  Buffer.from("0\r\n\r\n"),
]);

// A server whose replies are taken from `replies` in turn (the last repeats).
function serverOf(replies) {
  let n = 0;
  return replyServer({ keepOpen: true, reply: () => replies[Math.min(n++, replies.length - 1)] });
}

async function expectNextRequestWorks(conn) {
  await conn.request("GET", "/next");
  const res = await conn.getresponse();
  assert.equal((await res.readAll()).toString(), "hello");
}

describe("a request body source that fails", () => {
  const failing = {
    "a Readable destroyed with an error": () => {
      const r = new Readable({ read() {} });
      r.push("ab");
      setImmediate(() => r.destroy(new Error("source broke")));
      return r;
    },
    "an async generator that throws": () => (async function* () {
      yield "ab";
      throw new Error("source broke");
    })(),
    "an object-mode stream": () => Readable.from([{ not: "bytes" }], { objectMode: true }),
    "an array holding a number": () => ["a", 42],
  };

  for (const [what, make] of Object.entries(failing)) {
    it(`rejects and leaves the connection usable: ${what}`, async () => {
      const server = await serverOf([OK_SMALL]);
      try {
        const conn = new httpc.HTTPConnection("127.0.0.1", server.port);
        await assert.rejects(conn.request("POST", "/upload", make()));
        await expectNextRequestWorks(conn);
        conn.close();
      } finally {
        await server.close();
      }
    });
  }

  it("closes the connection after a failing sync iterable too", async () => {
    const server = await serverOf([OK_SMALL]);
    try {
      const conn = new httpc.HTTPConnection("127.0.0.1", server.port);
      assert.throws(() => conn.requestSync("POST", "/upload", ["a", 42]), TypeError);
      await expectNextRequestWorks(conn);
      conn.close();
    } finally {
      await server.close();
    }
  });
});

describe("leaving a response body early", () => {
  it("for await ... break releases the response", async () => {
    const server = await serverOf([BIG_CHUNKED, OK_SMALL]);
    try {
      const conn = new httpc.HTTPConnection("127.0.0.1", server.port);
      await conn.request("GET", "/big");
      const res = await conn.getresponse();
      for await (const chunk of res) {
        assert.ok(chunk.length > 0);
        break;
      }
      assert.equal(res.closed, true);
      await expectNextRequestWorks(conn);
      conn.close();
    } finally {
      await server.close();
    }
  });

  it("stream().destroy() releases the response", async () => {
    const server = await serverOf([BIG_CHUNKED, OK_SMALL]);
    try {
      const conn = new httpc.HTTPConnection("127.0.0.1", server.port);
      await conn.request("GET", "/big");
      const res = await conn.getresponse();
      const stream = res.stream();
      await new Promise((resolve) => stream.once("data", resolve));
      stream.destroy();
      await new Promise((resolve) => stream.once("close", resolve));
      // The iterator's cleanup may still be one tick behind the stream's.
      for (let i = 0; i < 100 && !res.closed; i++) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(res.closed, true);
      await expectNextRequestWorks(conn);
      conn.close();
    } finally {
      await server.close();
    }
  });

  it("a body read to its end keeps the connection alive", async () => {
    const server = await serverOf([BIG_CHUNKED, OK_SMALL]);
    try {
      const conn = new httpc.HTTPConnection("127.0.0.1", server.port);
      await conn.request("GET", "/big");
      const res = await conn.getresponse();
      let total = 0;
      for await (const chunk of res) total += chunk.length;
      assert.equal(total, 200 * 1024);
      await expectNextRequestWorks(conn);
      assert.equal(server.connections(), 1);
      conn.close();
    } finally {
      await server.close();
    }
  });
});
