"use strict";
// The Promise API runs on the event loop itself: no thread pool
// caps concurrency or starves fs, a Worker terminated mid-request and
// process.exit() with a request pending end at once, and a Worker blocked in
// a sync call can be terminated.
const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const { describe, it } = require("node:test");
const { Worker } = require("node:worker_threads");
const { httpc, PACKAGE, replyServer } = require("./support/helpers");

// Answers every request after delayMs, counting how many wait at once.
// With `together`, holds the requests until that many wait (or 30 s have
// passed), then answers them all: whether they overlapped does not depend
// on how fast a loaded machine sends them.
async function slowServer(delayMs, together = 0) {
  const state = { waiting: 0, maxWaiting: 0, answered: 0 };
  const held = [];
  const answer = (socket) => {
    state.waiting--;
    state.answered++;
    socket.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  };
  const release = () => {
    clearTimeout(fallback);
    fallback = null;
    for (const socket of held.splice(0)) setTimeout(() => answer(socket), delayMs);
  };
  let fallback = null;
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", () => {
      state.waiting++;
      state.maxWaiting = Math.max(state.maxWaiting, state.waiting);
      if (!together) return setTimeout(() => answer(socket), delayMs);
      held.push(socket);
      if (!fallback) fallback = setTimeout(release, 30000);
      if (held.length >= together) release();
    });
  });
  state.stopFallback = () => clearTimeout(fallback);
  // A backlog for a thousand connections arriving at once (Node's default: 511).
  await new Promise((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: 2048 }, resolve));
  state.port = server.address().port;
  state.close = () => {
    state.stopFallback();
    return new Promise((resolve) => server.close(resolve));
  };
  return state;
}

// A server that accepts and never answers.
async function silentServer() {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(resolve);
    }),
  };
}

async function get(port) {
  const conn = new httpc.HTTPConnection("127.0.0.1", port);
  await conn.request("GET", "/");
  const body = await (await conn.getresponse()).readAll();
  conn.close();
  return body.toString();
}

describe("concurrency on the event loop", () => {
  it("runs 50 requests to a 200 ms server at once, with fs calls answered meanwhile", async (t) => {
    const server = await slowServer(200, 50);
    try {
      const started = Date.now();
      const all = Promise.all(Array.from({ length: 50 }, () => get(server.port)));
      // With the requests on a thread pool, fs would queue behind them.
      await fs.promises.readFile(__filename);
      const answeredBeforeFs = server.answered;
      const bodies = await all;
      t.diagnostic(`50 concurrent 200 ms requests: ${Date.now() - started} ms, at most ${server.maxWaiting} waiting at once`);
      assert.deepEqual(bodies, Array(50).fill("ok"));
      assert.equal(server.maxWaiting, 50, "all 50 requests waited at once");
      assert.equal(answeredBeforeFs, 0, "fs.readFile finished while the requests were waiting");
      const oneShots = await Promise.all(Array.from({ length: 50 }, async () => (await httpc.request(`http://127.0.0.1:${server.port}/`)).body.text()));
      assert.deepEqual(oneShots, Array(50).fill("ok"));
    } finally {
      await server.close();
    }
  });

  it("runs 1,000 requests to a 500 ms server at once", async (t) => {
    const server = await slowServer(500, 1000);
    try {
      const started = Date.now();
      const bodies = await Promise.all(Array.from({ length: 1000 }, () => get(server.port)));
      const elapsed = Date.now() - started;
      t.diagnostic(`1,000 concurrent 500 ms requests: ${elapsed} ms (one at a time: 500 s), at most ${server.maxWaiting} waiting at once`);
      assert.equal(bodies.filter((b) => b === "ok").length, 1000);
      assert.equal(server.maxWaiting, 1000, "all 1,000 requests waited at once");
    } finally {
      await server.close();
    }
  });
});

// Resolves once check() is true, looking every 20 ms; rejects after 30 s.
async function until(check, what) {
  for (let waited = 0; !check(); waited += 20) {
    if (waited > 30000) throw new Error(`still not ${what} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("Client's idle connections", () => {
  it("closes those idle for keepAliveTimeout and reuses the others", async () => {
    const server = await replyServer({ reply: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", keepOpen: true });
    const client = new httpc.Client(`http://127.0.0.1:${server.port}`, { keepAliveTimeout: 1000 });
    try {
      const three = await Promise.all(Array.from({ length: 3 }, () => client.request({})));
      assert.deepEqual(three.map((r) => r.body.toString()), ["ok", "ok", "ok"]);
      assert.equal(server.connections(), 3);
      await until(() => server.openSockets() === 0, "closed"); // the client closed all three
      assert.equal((await client.request({})).body.toString(), "ok");
      assert.equal(server.connections(), 4);
      // Within the timeout (1 s: a loaded machine still answers sooner) the
      // connection is used again.
      assert.equal((await client.request({})).body.toString(), "ok");
      assert.equal(server.connections(), 4);
    } finally {
      client.close();
      await server.close();
    }
  });
});

describe("Client's connection limit", () => {
  it("runs at most `connections` requests at once, the rest in turn", async () => {
    const server = await slowServer(100, 3);
    const client = new httpc.Client(`http://127.0.0.1:${server.port}`, { connections: 3 });
    try {
      const results = await Promise.all(Array.from({ length: 12 }, () => client.request({})));
      assert.deepEqual(results.map((r) => r.body.toString()), Array(12).fill("ok"));
      assert.equal(server.maxWaiting, 3);

      // A request waiting for its turn can be aborted; the others go on.
      const controller = new AbortController();
      const first = Array.from({ length: 3 }, () => client.request({}));
      const queued = client.request({ signal: controller.signal });
      controller.abort();
      await assert.rejects(queued, (err) => err.name === "AbortError");
      assert.equal((await Promise.all(first)).length, 3);

      // close() rejects the waiting ones.
      const busy = Array.from({ length: 3 }, () => client.request({}));
      const waiting = client.request({});
      client.close();
      await assert.rejects(waiting, httpc.StateError);
      await Promise.all(busy);
    } finally {
      client.close();
      await server.close();
    }
    assert.throws(() => new httpc.Client("http://127.0.0.1:1", { connections: 0 }), httpc.InvalidArgumentError);
  });
});

describe("ending with requests pending", () => {
  it("terminates a Worker waiting in the Promise API (20 times), exit code 1", async () => {
    const server = await silentServer();
    try {
      const script = `
        const { parentPort, workerData } = require("worker_threads");
        const httpc = require(workerData.pkg);
        (async () => {
          const conn = new httpc.HTTPConnection("127.0.0.1", workerData.port);
          await conn.request("GET", "/");
          const pending = conn.getresponse();
          const oneShot = httpc.request("http://127.0.0.1:" + workerData.port + "/");
          parentPort.postMessage("waiting");
          await Promise.all([pending, oneShot]);
        })();`;
      for (let i = 0; i < 20; i++) {
        const worker = new Worker(script, { eval: true, workerData: { pkg: PACKAGE, port: server.port } });
        const errors = [];
        worker.on("error", (e) => errors.push(e));
        await new Promise((resolve) => worker.once("message", resolve));
        assert.equal(await worker.terminate(), 1);
        assert.deepEqual(errors, []);
      }
    } finally {
      await server.close();
    }
  });

  it("terminates a Worker blocked in a sync call", async () => {
    const server = await silentServer();
    try {
      const script = `
        const { parentPort, workerData } = require("worker_threads");
        const httpc = require(workerData.pkg);
        const conn = new httpc.HTTPConnection("127.0.0.1", workerData.port);
        conn.requestSync("GET", "/");
        parentPort.postMessage("waiting");
        conn.getresponseSync();
        parentPort.postMessage("answered?");`;
      for (let i = 0; i < 5; i++) {
        const worker = new Worker(script, { eval: true, workerData: { pkg: PACKAGE, port: server.port } });
        const messages = [];
        await new Promise((resolve) => worker.once("message", resolve));
        worker.on("message", (m) => messages.push(m));
        await new Promise((resolve) => setTimeout(resolve, 150)); // well inside getresponseSync
        assert.equal(await worker.terminate(), 1);
        assert.deepEqual(messages, []);
      }
    } finally {
      await server.close();
    }
  });

  it("lets process.exit() from a timer end a process with a request pending (20 times)", async () => {
    const server = await silentServer();
    try {
      const script = `
        const httpc = require(${JSON.stringify(PACKAGE)});
        (async () => {
          const conn = new httpc.HTTPConnection("127.0.0.1", ${server.port});
          await conn.request("GET", "/");
          setTimeout(() => process.exit(7), 100);
          await conn.getresponse();
        })();`;
      for (let i = 0; i < 20; i++) {
        const child = spawn(process.execPath, ["-e", script], { stdio: "inherit" });
        const killer = setTimeout(() => child.kill("SIGKILL"), 20000);
        const [code, signal] = await new Promise((resolve) => child.once("exit", (c, s) => resolve([c, s])));
        clearTimeout(killer);
        assert.equal(signal, null, "exited by itself, not killed");
        assert.equal(code, 7);
      }
    } finally {
      await server.close();
    }
  });

  it("lets a process whose connections are idle end by itself", async () => {
    const server = await slowServer(0);
    try {
      const script = `
        const httpc = require(${JSON.stringify(PACKAGE)});
        (async () => {
          const client = new httpc.Client("http://127.0.0.1:${server.port}", { keepAliveTimeout: 60000 });
          await client.request({});
          const conn = new httpc.HTTPConnection("127.0.0.1", ${server.port});
          await conn.connect();
          console.log("done");
        })();`;
      const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
      const killer = setTimeout(() => child.kill("SIGKILL"), 20000);
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      const [code, signal] = await new Promise((resolve) => child.once("exit", (c, s) => resolve([c, s])));
      clearTimeout(killer);
      assert.equal(signal, null, "the idle connections kept the loop alive");
      assert.equal(code, 0);
      assert.equal(out, "done\n");
    } finally {
      await server.close();
    }
  });
});
