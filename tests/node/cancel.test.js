"use strict";
// A server cannot outrun a cancel or a deadline: against an
// endless body sent as fast as a separate process can, an AbortSignal, the
// total deadline (totalTimeout) and maxResponseSize end the read, in the
// Promise and the sync API, and memory stays bounded. Reads hand over
// everything decoded so far (one step per read, not one per
// chunk).
const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const { describe, it } = require("node:test");
const { Worker } = require("node:worker_threads");
const { httpc, replyServer, PACKAGE } = require("./support/helpers");

const MiB = 1024 * 1024;
const rss = () => process.memoryUsage().rss;

// An endless body from a child process: chunked, or a Content-Length of 1 TB.
async function endlessServer(chunked) {
  const script = `
    const net = require("net");
    const chunked = ${chunked};
    const piece = chunked ? Buffer.from("10000\\r\\n" + "x".repeat(65536) + "\\r\\n") : Buffer.alloc(65536, 0x78);
    const server = net.createServer((s) => {
      s.on("error", () => {});
      s.once("data", () => {
        s.write(chunked ? "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n" : "HTTP/1.1 200 OK\\r\\nContent-Length: 1000000000000\\r\\n\\r\\n");
        const pump = () => { while (s.writable) { if (!s.write(piece)) return s.once("drain", pump); } };
        pump();
      });
    });
    server.listen(0, "127.0.0.1", () => console.log(server.address().port));
    setTimeout(() => process.exit(0), 120000).unref();
    process.stdin.on("end", () => process.exit(0)); process.stdin.resume();`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once("data", (d) => resolve(Number(String(d).trim())));
    child.once("exit", () => reject(new Error("server exited")));
  });
  return { port, close: () => new Promise((resolve) => { child.once("exit", resolve); child.stdin.end(); }) };
}

async function openBody(port, options) {
  const conn = new httpc.HTTPConnection("127.0.0.1", port, options);
  await conn.request("GET", "/");
  return { conn, res: await conn.getresponse() };
}

for (const chunked of [true, false]) {
  describe(`an endless fast ${chunked ? "chunked" : "Content-Length"} body`, () => {
    it("readAll({signal}) rejects with AbortError once the signal fires", async (t) => {
      const server = await endlessServer(chunked);
      try {
        const before = rss();
        const { conn, res } = await openBody(server.port);
        const controller = new AbortController();
        let abortedAt = 0;
        setTimeout(() => { abortedAt = Date.now(); controller.abort(); }, 200);
        await assert.rejects(res.readAll({ signal: controller.signal }), (err) => err.name === "AbortError");
        const late = Date.now() - abortedAt;
        t.diagnostic(`rejected ${late} ms after the abort; RSS grew ${((rss() - before) / MiB).toFixed(0)} MB (what arrived in 200 ms)`);
        assert.ok(abortedAt > 0 && late < 5000, `rejected ${late} ms after the abort`);
        conn.close();
      } finally {
        await server.close();
      }
    });

    it("a read loop with a signal stops in flat memory", async (t) => {
      const server = await endlessServer(chunked);
      try {
        const { conn, res } = await openBody(server.port);
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 500);
        const before = rss();
        let peak = before;
        let total = 0;
        await assert.rejects(async () => {
          for (;;) {
            total += (await res.read(65536, { signal: controller.signal })).length;
            peak = Math.max(peak, rss());
          }
        }, (err) => err.name === "AbortError");
        t.diagnostic(`read ${(total / MiB).toFixed(0)} MB before the abort, RSS peak +${((peak - before) / MiB).toFixed(1)} MB`);
        assert.ok(total > 0);
        assert.ok(peak - before < 64 * MiB, `RSS grew by ${((peak - before) / MiB).toFixed(1)} MB`);
        conn.close();
      } finally {
        await server.close();
      }
    });

    it("totalTimeout ends a Promise read loop and a sync one with TimeoutError", async (t) => {
      const server = await endlessServer(chunked);
      try {
        const { res } = await openBody(server.port, { totalTimeout: 400 });
        let started = Date.now();
        await assert.rejects(async () => { for (;;) await res.read(65536); }, httpc.TimeoutError);
        t.diagnostic(`Promise loop: TimeoutError after ${Date.now() - started} ms (total deadline 400 ms)`);
        assert.ok(Date.now() - started < 10000);

        const conn = new httpc.HTTPConnection("127.0.0.1", server.port, { totalTimeout: 400 });
        conn.requestSync("GET", "/");
        const syncRes = conn.getresponseSync();
        started = Date.now();
        assert.throws(() => { while (syncRes.readSync(65536).length) { /* keep reading */ } }, (err) => err instanceof httpc.TimeoutError && err.code === "ETIMEDOUT");
        t.diagnostic(`sync loop: TimeoutError after ${Date.now() - started} ms`);
        conn.requestSync("GET", "/");
        started = Date.now();
        assert.throws(() => conn.getresponseSync().readAllSync(), httpc.TimeoutError);
        t.diagnostic(`readAllSync: TimeoutError after ${Date.now() - started} ms`);
        conn.close();
      } finally {
        await server.close();
      }
    });

    it("Worker.terminate() stops a Worker reading it with the sync API", async () => {
      const server = await endlessServer(chunked);
      try {
        const script = `
          const { parentPort, workerData } = require("worker_threads");
          const httpc = require(workerData.pkg);
          const conn = new httpc.HTTPConnection("127.0.0.1", workerData.port);
          conn.requestSync("GET", "/");
          const res = conn.getresponseSync();
          parentPort.postMessage("reading");
          res.readAllSync();
          parentPort.postMessage("done?");`;
        const worker = new Worker(script, { eval: true, workerData: { pkg: PACKAGE, port: server.port } });
        await new Promise((resolve) => worker.once("message", resolve));
        const messages = [];
        worker.on("message", (m) => messages.push(m));
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(await worker.terminate(), 1);
        assert.deepEqual(messages, []);
      } finally {
        await server.close();
      }
    });

    it("maxResponseSize ends readAll with ResponseTooLarge", async () => {
      const server = await endlessServer(chunked);
      try {
        const { res } = await openBody(server.port, { maxResponseSize: MiB });
        await assert.rejects(res.readAll(), (err) => err instanceof httpc.ResponseTooLarge && err instanceof httpc.HTTPException);
        const conn = new httpc.HTTPConnection("127.0.0.1", server.port, { maxResponseSize: MiB });
        conn.requestSync("GET", "/");
        assert.throws(() => conn.getresponseSync().readAllSync(), httpc.ResponseTooLarge);
        conn.close();
      } finally {
        await server.close();
      }
    });
  });
}

describe("maxResponseSize", () => {
  it("leaves the connection usable: the next request reconnects", async () => {
    const big = Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 3000000\r\n\r\n"), Buffer.alloc(3000000, 0x61)]);
    const small = Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    let n = 0;
    const server = await replyServer({ keepOpen: true, reply: () => (n++ % 2 === 0 ? big : small) });
    try {
      const conn = new httpc.HTTPConnection("127.0.0.1", server.port, { maxResponseSize: 1000000 });
      await conn.request("GET", "/big");
      await assert.rejects((await conn.getresponse()).readAll(), httpc.ResponseTooLarge);
      await conn.request("GET", "/small");
      assert.equal((await (await conn.getresponse()).readAll()).toString(), "hello");
      assert.equal(server.connections(), 2);
      const under = new httpc.HTTPConnection("127.0.0.1", server.port, { maxResponseSize: 5 });
      await under.request("GET", "/");
      await assert.rejects((await under.getresponse()).readAll(), httpc.ResponseTooLarge);
      await under.request("GET", "/");
      assert.equal((await (await under.getresponse()).readAll()).toString(), "hello", "a body of exactly the maximum is fine");
      assert.throws(() => new httpc.HTTPConnection("127.0.0.1", 80, { maxResponseSize: -1 }), httpc.InvalidArgumentError);
    } finally {
      await server.close();
    }
  });
});

describe("reads of small chunks", () => {
  it("hand over everything decoded so far per step, not one chunk per step", async (t) => {
    const chunks = 100000;
    const reply = Buffer.concat([
      Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
      Buffer.from("1\r\nx\r\n".repeat(chunks)),
      Buffer.from("0\r\n\r\n"),
    ]);
    const server = await replyServer({ reply, keepOpen: true });
    try {
      const conn = new httpc.HTTPConnection("127.0.0.1", server.port);
      await conn.request("GET", "/");
      const res = await conn.getresponse();
      let steps = 0;
      let total = 0;
      for await (const piece of res) {
        steps++;
        total += piece.length;
      }
      t.diagnostic(`${chunks} one-byte chunks in ${steps} iterator steps`);
      assert.equal(total, chunks);
      assert.ok(steps < chunks / 20, `${steps} steps`);

      await conn.request("GET", "/");
      let events = 0;
      let streamed = 0;
      for await (const piece of (await conn.getresponse()).stream()) {
        events++;
        streamed += piece.length;
      }
      assert.equal(streamed, chunks);
      assert.ok(events < chunks / 20, `${events} stream chunks`);
    } finally {
      await server.close();
    }
  });
});
