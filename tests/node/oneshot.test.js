"use strict";
// httpc.request in undici's shape: statusCode, headers, trailers
// and a streamed body with undici's body mixin; redirects up to
// maxRedirections; unknown options refused by name; connections shared per
// origin and options instead of a client per call.
const assert = require("node:assert/strict");
const net = require("node:net");
const { Readable } = require("node:stream");
const { describe, it } = require("node:test");
const { httpc, replyServer, OK_SMALL } = require("./support/helpers");

const MiB = 1024 * 1024;
const pathOf = (request) => request.toString("latin1").split(" ")[1];
const bodyOf = (request) => request.subarray(request.indexOf("\r\n\r\n") + 4);
const reply = (status, headers, body = "") =>
  Buffer.from(`HTTP/1.1 ${status} X\r\n${headers.map((h) => h + "\r\n").join("")}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

describe("unknown options", () => {
  const isUnknown = (name, hint) => (err) => {
    assert.ok(err instanceof TypeError, `${err} is a TypeError`);
    assert.ok(err instanceof httpc.InvalidArgumentError);
    assert.match(err.message, new RegExp(`unknown option "${name}"`));
    if (hint) assert.match(err.message, new RegExp(`did you mean "${hint}"`));
    return true;
  };

  it("are refused by httpc.request before anything is sent", async () => {
    const server = await replyServer({ reply: OK_SMALL, keepOpen: true });
    try {
      const url = `http://127.0.0.1:${server.port}/`;
      await assert.rejects(httpc.request(url, { methd: "PUT" }), isUnknown("methd", "method"));
      await assert.rejects(httpc.request(url, { timout: 10 }), isUnknown("timout", "timeout"));
      await assert.rejects(httpc.request(url, { maxIdle: 1 }), isUnknown("maxIdle"));
      await assert.rejects(httpc.request(url, "GET"), TypeError);
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });

  it("are refused by the HTTPConnection, HTTPSConnection and Client constructors", async () => {
    assert.throws(() => new httpc.HTTPConnection("127.0.0.1", 80, { timout: 1 }), isUnknown("timout", "timeout"));
    assert.throws(() => new httpc.HTTPConnection("127.0.0.1", { ca: "x" }), isUnknown("ca"));
    assert.throws(() => new httpc.HTTPSConnection("127.0.0.1", 443, { cafle: "x" }), isUnknown("cafle", "cafile"));
    assert.throws(() => new httpc.Client("http://127.0.0.1:1", { maxidle: 1 }), isUnknown("maxidle", "maxIdle"));
    assert.throws(() => new httpc.Client("http://127.0.0.1:1", { ca: "x" }), /https: origins only/);
    assert.throws(() => new httpc.Client("http://127.0.0.1:1", 5), TypeError);
    const client = new httpc.Client("http://127.0.0.1:1");
    await assert.rejects(client.request({ pth: "/" }), isUnknown("pth", "path"));
    // The known ones still work.
    new httpc.HTTPSConnection("127.0.0.1", 443, { timeout: 5, checkHostname: false, rejectUnauthorized: false }).close();
  });
});

describe("the one-shot request", () => {
  it("shares one connection across calls with the same options", async () => {
    const server = await replyServer({ reply: OK_SMALL, keepOpen: true });
    try {
      const url = `http://127.0.0.1:${server.port}/`;
      for (let i = 0; i < 50; i++) {
        const res = await httpc.request(url, { timeout: 5000, connectTimeout: 1000 });
        assert.equal(await res.body.text(), "hello");
      }
      assert.equal(server.connections(), 1);
      // Other options: another client, kept alive as well.
      for (let i = 0; i < 5; i++) await (await httpc.request(url, { timeout: 6000 })).body.dump();
      assert.equal(server.connections(), 2);
    } finally {
      await server.close();
    }
  });

  it("has statusCode, headers, trailers and undici's body mixin", async () => {
    const chunked = Buffer.from("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "7\r\n{\"a\": 1\r\n1\r\n}\r\n0\r\nX-Sum: 42\r\n\r\n");
    const server = await replyServer({ reply: chunked, keepOpen: true });
    try {
      const url = `http://127.0.0.1:${server.port}/`;
      const res = await httpc.request(url);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers["content-type"], "application/json");
      assert.ok(res.body instanceof Readable);
      assert.deepEqual(await res.body.json(), { a: 1 });
      assert.equal(res.trailers["x-sum"], "42");
      assert.equal(res.body.bodyUsed, true);
      await assert.rejects(res.body.text(), TypeError);
      assert.equal(await (await httpc.request(url)).body.text(), '{"a": 1}');
      assert.equal(Buffer.from(await (await httpc.request(url)).body.arrayBuffer()).toString(), '{"a": 1}');
      assert.deepEqual(await (await httpc.request(url)).body.bytes(), new Uint8Array(Buffer.from('{"a": 1}')));
      const blob = await (await httpc.request(url)).body.blob();
      assert.equal(blob.type, "application/json");
      assert.equal(await blob.text(), '{"a": 1}');
      const parts = [];
      for await (const part of (await httpc.request(url)).body) parts.push(part);
      assert.equal(Buffer.concat(parts).toString(), '{"a": 1}');
      assert.equal(server.connections(), 1, "every body read to its end gave the connection back");
    } finally {
      await server.close();
    }
  });

  it("streams a 100 MB body in flat memory", async (t) => {
    const total = 100 * MiB;
    const piece = Buffer.alloc(64 * 1024, 0x61);
    const server = net.createServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            sent += piece.length;
            if (!socket.write(piece)) return socket.once("drain", pump);
          }
          socket.end();
        };
        pump();
      });
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      let received = 0;
      const res = await httpc.request(`http://127.0.0.1:${server.address().port}/big`);
      for await (const chunk of res.body) {
        received += chunk.length;
        if ((received & (4 * MiB - 1)) < chunk.length) peak = Math.max(peak, process.memoryUsage().rss);
      }
      assert.equal(received, total);
      const growth = (peak - before) / MiB;
      t.diagnostic(`RSS growth while streaming 100 MB: ${growth.toFixed(1)} MB`);
      assert.ok(growth < 60, `RSS grew by ${growth.toFixed(1)} MB`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("gives the connection up when the body is destroyed early", async () => {
    const big = reply(200, [], "x".repeat(500000));
    const server = await replyServer({ reply: big, keepOpen: true });
    try {
      const url = `http://127.0.0.1:${server.port}/`;
      const res = await httpc.request(url);
      await new Promise((resolve) => res.body.once("data", resolve));
      res.body.destroy();
      const again = await httpc.request(url);
      assert.equal((await again.body.arrayBuffer()).byteLength, 500000);
      assert.equal(server.connections(), 2, "the abandoned connection was not reused");
    } finally {
      await server.close();
    }
  });
});

describe("redirects", () => {
  async function redirectServer() {
    const seen = [];
    const server = await replyServer({
      keepOpen: true,
      reply: (request) => {
        const path = pathOf(request);
        seen.push({ path, method: request.toString("latin1").split(" ")[0], text: request.toString("latin1"), body: bodyOf(request).toString() });
        if (path === "/a") return reply(302, ["Location: /b"]);
        if (path === "/b") return reply(301, [`Location: http://127.0.0.1:${server.port}/c`]);
        if (path === "/post") return reply(303, ["Location: /c"]);
        if (path === "/keep") return reply(307, ["Location: /c"]);
        if (path === "/loop") return reply(302, ["Location: /loop"]);
        return reply(200, [], `final ${path}`);
      },
    });
    return { server, seen };
  }

  it("are not followed by default, as undici", async () => {
    const { server } = await redirectServer();
    try {
      const res = await httpc.request(`http://127.0.0.1:${server.port}/a`);
      assert.equal(res.statusCode, 302);
      assert.equal(res.headers.location, "/b");
      await res.body.dump();
    } finally {
      await server.close();
    }
  });

  it("are followed up to maxRedirections, with the method rules of fetch", async () => {
    const { server, seen } = await redirectServer();
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const res = await httpc.request(`${base}/a`, { maxRedirections: 2 });
      assert.equal(res.statusCode, 200);
      assert.equal(await res.body.text(), "final /c");
      assert.deepEqual(seen.map((s) => s.path), ["/a", "/b", "/c"]);

      const cut = await httpc.request(`${base}/loop`, { maxRedirections: 3 });
      assert.equal(cut.statusCode, 302, "the last redirect is given back when the limit is reached");
      await cut.body.dump();

      seen.length = 0;
      const posted = await httpc.request(`${base}/post`, { method: "POST", body: "data", headers: { "Content-Type": "text/plain" }, maxRedirections: 1 });
      assert.equal(await posted.body.text(), "final /c");
      assert.equal(seen[1].method, "GET");
      assert.equal(seen[1].body, "");
      assert.doesNotMatch(seen[1].text, /Content-Type/i);

      seen.length = 0;
      const kept = await httpc.request(`${base}/keep`, { method: "PUT", body: "data", maxRedirections: 1 });
      assert.equal(await kept.body.text(), "final /c");
      assert.equal(seen[1].method, "PUT");
      assert.equal(seen[1].body, "data");
      assert.equal(server.connections(), 1, "the redirect bodies were read and the connection kept");
    } finally {
      await server.close();
    }
  });

  it("drop credentials on the way to another origin", async () => {
    const other = await replyServer({ reply: reply(200, [], "there"), keepOpen: true });
    const first = await replyServer({ reply: reply(302, [`Location: http://127.0.0.1:${other.port}/x`]), keepOpen: true });
    try {
      const res = await httpc.request(`http://127.0.0.1:${first.port}/`, {
        maxRedirections: 1, headers: { Authorization: "Basic eA==", Cookie: "a=1", "X-Kept": "yes" },
      });
      assert.equal(await res.body.text(), "there");
      const sent = other.requests[0].toString("latin1");
      assert.doesNotMatch(sent, /Authorization|Cookie/i);
      assert.match(sent, /X-Kept: yes/);
      assert.match(first.requests[0].toString("latin1"), /Authorization: Basic/);
    } finally {
      await first.close();
      await other.close();
    }
  });
});
