"use strict";
// The Node API against loopback servers of its own: errors and their classes,
// bad input, bodies and headers, responses, the one-shot request.
const assert = require("node:assert/strict");
const net = require("node:net");
const path = require("node:path");
const { Readable } = require("node:stream");
const { describe, it } = require("node:test");
const { httpc, PACKAGE, replyServer, childReplyServer, OK_SMALL } = require("./support/helpers");

const raw = require(path.join(PACKAGE, "httpc_raw.node"));

async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function bodyOf(request) {
  return request.subarray(request.indexOf("\r\n\r\n") + 4);
}

describe("error classes", () => {
  it("has one class per code of the C table, in its hierarchy", () => {
    const count = raw.httpc_error_count();
    const classes = Object.values(httpc).filter((v) => typeof v === "function" && typeof v.httpcCode === "number");
    assert.equal(classes.length, count);
    for (let i = 0; i < count; i++) {
      const code = raw.httpc_error_at(i);
      const cls = classes.find((c) => c.httpcCode === code);
      assert.ok(cls, `a class for ${raw.httpc_error_name(code)}`);
      const err = new cls("x");
      assert.ok(err instanceof Error);
      assert.equal(err.httpcCode, code);
      assert.equal(err.name, cls.name);
      for (const other of classes) {
        assert.equal(err instanceof other, raw.httpc_error_is(code, other.httpcCode) === 1, `${cls.name} instanceof ${other.name}`);
      }
    }
  });

  it("makes RemoteDisconnected a BadStatusLine and a ConnectionResetError with ECONNRESET", () => {
    const err = new httpc.RemoteDisconnected();
    assert.ok(err instanceof httpc.BadStatusLine);
    assert.ok(err instanceof httpc.ConnectionResetError);
    assert.ok(err instanceof httpc.HTTPException);
    assert.ok(err instanceof httpc.OSError);
    assert.equal(err.code, "ECONNRESET");
    assert.ok(!(new httpc.BadStatusLine() instanceof httpc.ConnectionResetError));
  });

  it("uses Node's codes and base classes", () => {
    assert.equal(new httpc.TimeoutError().code, "ETIMEDOUT");
    assert.equal(new httpc.ConnectionRefusedError().code, "ECONNREFUSED");
    assert.equal(new httpc.ResolveError().code, "ENOTFOUND");
    assert.equal(new httpc.BrokenPipeError().code, "EPIPE");
    assert.ok(new httpc.InvalidArgumentError() instanceof TypeError);
    assert.equal(new httpc.IncompleteRead().code, "ERR_HTTPC_INCOMPLETE_READ");
    assert.equal(new httpc.TimeoutError().message, "timed out");
  });
});

describe("errors from the network", () => {
  it("rejects and throws the same ConnectionRefusedError", async () => {
    const port = await closedPort();
    const conn = new httpc.HTTPConnection("127.0.0.1", port);
    let syncError;
    assert.throws(() => conn.requestSync("GET", "/"), (err) => (syncError = err) instanceof httpc.ConnectionRefusedError);
    await assert.rejects(conn.request("GET", "/"), (err) => {
      assert.equal(err.constructor, syncError.constructor);
      assert.equal(err.code, "ECONNREFUSED");
      assert.equal(err.code, syncError.code);
      assert.equal(err.message, syncError.message);
      assert.equal(err.errno, -111);
      assert.equal(err.syscall, "connect");
      assert.equal(err.address, "127.0.0.1");
      assert.equal(err.port, port);
      assert.equal(err.message, `connect ECONNREFUSED 127.0.0.1:${port}`);
      assert.match(err.stack, /unit\.test\.js/, "the stack has the caller's frames");
      assert.equal(err.httpcCode, raw.HTTPC_E_CONNECTION_REFUSED);
      // Never "[Errno 111]" twice (the message is Node's words now: none).
      assert.ok(err.message.split("[Errno").length - 1 <= 1, err.message);
      assert.ok(String(err).split("[Errno").length - 1 <= 1, String(err));
      assert.equal(String(err), `ConnectionRefusedError: ${err.message}`);
      return true;
    });
  });

  it("times out with ETIMEDOUT (Promise)", async () => {
    const server = await replyServer({ reply: OK_SMALL, delayMs: 3000 });
    try {
      const conn = new httpc.HTTPConnection("127.0.0.1", server.port, { timeout: 200 });
      await conn.request("GET", "/");
      await assert.rejects(conn.getresponse(), (err) => err instanceof httpc.TimeoutError && err.code === "ETIMEDOUT" && err instanceof httpc.OSError);
      conn.close();
    } finally {
      await server.close();
    }
  });

  it("times out with ETIMEDOUT (sync)", async () => {
    const server = await childReplyServer({ reply: OK_SMALL, delayMs: 3000 });
    try {
      const conn = new httpc.HTTPConnection(`127.0.0.1:${server.port}`, { timeout: 200 });
      conn.requestSync("GET", "/");
      assert.throws(() => conn.getresponseSync(), (err) => err instanceof httpc.TimeoutError && err.code === "ETIMEDOUT");
      conn.close();
    } finally {
      await server.close();
    }
  });

  it("gives IncompleteRead with the partial body and the bytes expected", async () => {
    const server = await replyServer({ reply: Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") });
    try {
      const conn = new httpc.HTTPConnection("127.0.0.1", server.port);
      await conn.request("GET", "/");
      const res = await conn.getresponse();
      await assert.rejects(res.readAll(), (err) => {
        assert.ok(err instanceof httpc.IncompleteRead);
        assert.deepEqual(err.partial, Buffer.from("abc"));
        assert.equal(err.expected, 7);
        return true;
      });
      assert.equal(res.closed, true);
    } finally {
      await server.close();
    }
  });

  it("gives InvalidChunk, an IncompleteRead with the partial body, for a bad chunk size", async () => {
    const server = await replyServer({
      reply: Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\nhello\r\n0\r\n\r\n"),
    });
    try {
      const conn = new httpc.HTTPConnection("127.0.0.1", server.port);
      await conn.request("GET", "/");
      const res = await conn.getresponse();
      await assert.rejects(res.readAll(), (err) => {
        assert.ok(err instanceof httpc.InvalidChunk);
        assert.ok(err instanceof httpc.IncompleteRead, "http.client raises IncompleteRead here");
        assert.ok(Object.getPrototypeOf(httpc.InvalidChunk) === httpc.IncompleteRead, "extends IncompleteRead");
        assert.deepEqual(err.partial, Buffer.from("ok"));
        assert.equal(err.expected, null);
        assert.match(err.message, /chunk size/);
        return true;
      });
    } finally {
      await server.close();
    }
  });

  it("gives RemoteDisconnected (ECONNRESET) when the server closes without answering", async () => {
    const server = await replyServer({ reply: Buffer.alloc(0) });
    try {
      const conn = new httpc.HTTPConnection("127.0.0.1", server.port);
      await conn.request("GET", "/");
      await assert.rejects(conn.getresponse(), (err) => err instanceof httpc.RemoteDisconnected && err.code === "ECONNRESET");
    } finally {
      await server.close();
    }
  });

  it("gives BadStatusLine with the line", async () => {
    const server = await replyServer({ reply: Buffer.from("NONSENSE here\r\n\r\n") });
    try {
      const conn = new httpc.HTTPConnection("127.0.0.1", server.port);
      await conn.request("GET", "/");
      await assert.rejects(conn.getresponse(), (err) => err instanceof httpc.BadStatusLine && err.line.startsWith("NONSENSE"));
    } finally {
      await server.close();
    }
  });
});

describe("bad input", () => {
  const conn = new httpc.HTTPConnection("127.0.0.1", 9);

  it("rejects wrong argument types with TypeError", async () => {
    assert.throws(() => new httpc.HTTPConnection(42), TypeError);
    assert.throws(() => new httpc.HTTPConnection("127.0.0.1", 70000), httpc.InvalidArgumentError);
    assert.throws(() => new httpc.HTTPConnection("127.0.0.1", 80, { timeout: -1 }), httpc.InvalidArgumentError);
    assert.throws(() => new httpc.HTTPConnection("127.0.0.1", 80, { timeout: "soon" }), httpc.InvalidArgumentError);
    assert.throws(() => conn.requestSync(1, "/"), TypeError);
    assert.throws(() => conn.requestSync("GET", null), TypeError);
    assert.throws(() => conn.requestSync("GET", "/", 12), TypeError);
    assert.throws(() => conn.requestSync("GET", "/", null, "x: y"), TypeError);
    assert.throws(() => conn.requestSync("GET", "/", null, { x: {} }), TypeError);
    assert.throws(() => conn.requestSync("GET", "/", null, [["a"]]), TypeError);
    await assert.rejects(conn.request("GET", "/", 12), TypeError);
    await assert.rejects(conn.request(undefined, "/"), TypeError);
    assert.throws(() => httpc.createDefaultContext({ minVersion: "SSLv3" }), httpc.InvalidArgumentError);
    assert.throws(() => new httpc.HTTPSConnection("localhost", 443, { context: {} }), TypeError);
  });

  it("rejects CR/LF, NUL and characters above U+00FF in the request, sending nothing", async () => {
    const server = await replyServer({ reply: OK_SMALL });
    try {
      const c = new httpc.HTTPConnection("127.0.0.1", server.port);
      await assert.rejects(c.request("GET", "/", null, { "X-A\r\nB": "1" }), httpc.InvalidArgumentError);
      await assert.rejects(c.request("GET", "/", null, { "X-A": "1\r\nInjected: yes" }), httpc.InvalidArgumentError);
      await assert.rejects(c.request("GET", "/", null, { "X-A": "1\0" }), httpc.InvalidArgumentError);
      await assert.rejects(c.request("GET", "/", null, { "X-A": "\u20ac" }), httpc.InvalidArgumentError);
      await assert.rejects(c.request("GET", "/a b\r\n"), httpc.InvalidURL);
      await assert.rejects(c.request("GE\nT", "/"), httpc.InvalidArgumentError);
      assert.throws(() => c.requestSync("GET", "/", null, [["X-A", "1\nx"]]), httpc.InvalidArgumentError);
      assert.equal(server.requests.length, 0);
      await c.request("GET", "/");
      const res = await c.getresponse();
      assert.equal((await res.readAll()).toString(), "hello");
    } finally {
      await server.close();
    }
  });

  it("refuses a second request while a response is unread (CannotSendRequest)", async () => {
    const server = await replyServer({ reply: OK_SMALL, keepOpen: true });
    try {
      const c = new httpc.HTTPConnection("127.0.0.1", server.port);
      await c.request("GET", "/");
      await assert.rejects(c.request("GET", "/"), httpc.CannotSendRequest);
      assert.throws(() => c.requestSync("GET", "/"), (err) => err instanceof httpc.CannotSendRequest && err instanceof httpc.ImproperConnectionState);
      const res = await c.getresponse();
      assert.equal((await res.readAll()).toString(), "hello");
      c.close();
    } finally {
      await server.close();
    }
  });

  it("refuses concurrent operations on one connection with a clear error", async () => {
    const server = await replyServer({ reply: OK_SMALL, delayMs: 300 });
    try {
      const c = new httpc.HTTPConnection("127.0.0.1", server.port);
      await c.request("GET", "/");
      const pending = c.getresponse();
      await assert.rejects(c.getresponse(), (err) => err instanceof httpc.StateError && /in progress/.test(err.message));
      assert.throws(() => c.requestSync("GET", "/"), httpc.StateError);
      assert.throws(() => c.putrequest("GET", "/"), httpc.StateError);
      const res = await pending;
      const reading = res.readAll();
      await assert.rejects(res.read(1), httpc.StateError);
      assert.equal((await reading).toString(), "hello");
    } finally {
      await server.close();
    }
  });

  it("handles a closed connection: getresponse is ResponseNotReady, request reconnects, close() is idempotent", async () => {
    const server = await replyServer({ reply: OK_SMALL });
    try {
      const c = new httpc.HTTPConnection("127.0.0.1", server.port);
      c.close();
      c.close();
      await assert.rejects(c.getresponse(), httpc.ResponseNotReady);
      await c.request("GET", "/");
      c.close();
      await assert.rejects(c.getresponse(), httpc.ResponseNotReady);
      assert.equal(c.fileno(), -1);
      await c.request("GET", "/");
      const res = await c.getresponse();
      res.close();
      res.close();
      assert.equal(res.closed, true);
      assert.equal((await res.readAll()).length, 0);
    } finally {
      await server.close();
    }
  });

  it("closes after the operation in flight when close() comes during it", async () => {
    const server = await replyServer({ reply: OK_SMALL, delayMs: 200, keepOpen: true });
    try {
      const c = new httpc.HTTPConnection("127.0.0.1", server.port);
      await c.request("GET", "/");
      const pending = c.getresponse();
      c.close();
      const res = await pending;
      assert.equal(res.status, 200);
      assert.equal(c.fileno(), -1);
    } finally {
      await server.close();
    }
  });
});

describe("request bodies and headers", () => {
  const echo = (request) => {
    const body = bodyOf(request);
    return Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${request.length}\r\n\r\n`), request]);
  };
  async function sent(body, headers, options) {
    const server = await replyServer({ reply: echo });
    try {
      const c = new httpc.HTTPConnection("127.0.0.1", server.port);
      await c.request("POST", "/p", body, headers, options);
      const res = await c.getresponse();
      const request = await res.readAll();
      assert.deepEqual(request, server.requests[0]);
      return request.toString("latin1");
    } finally {
      await server.close();
    }
  }

  it("sends a Buffer, a Uint8Array and a string (UTF-8) with Content-Length", async () => {
    assert.match(await sent(Buffer.from("abc")), /\r\nContent-Length: 3\r\n\r\nabc$/);
    assert.match(await sent(new Uint8Array([65, 66])), /\r\nContent-Length: 2\r\n\r\nAB$/);
    assert.match(await sent("\u00e9"), /\r\nContent-Length: 2\r\n\r\n\u00c3\u00a9$/);
    assert.match(await sent(null), /\r\nContent-Length: 0\r\n\r\n$/);
  });

  it("sends iterables, async iterables and streams chunked", async () => {
    const want = /\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n$/;
    assert.match(await sent([Buffer.from("ab"), Buffer.alloc(0), "cde"]), want);
    assert.match(await sent((async function* () { yield Buffer.from("ab"); yield Buffer.from("cde"); })()), want);
    assert.match(await sent(Readable.from([Buffer.from("ab"), Buffer.from("cde")])), want);
    assert.match(await sent(["abc"], { "Content-Length": "3" }), /\r\nContent-Length: 3\r\n\r\nabc$/);
  });

  it("keeps the order and the repeats of headers given as pairs or array values", async () => {
    const text = await sent(null, [["X-B", "1"], ["X-A", "2"], ["X-B", "3"]]);
    assert.match(text, /\r\nX-B: 1\r\nX-A: 2\r\nX-B: 3\r\n/);
    const text2 = await sent(null, { "X-C": ["1", 2], Host: "example.test" });
    assert.match(text2, /\r\nX-C: 1\r\nX-C: 2\r\nHost: example.test\r\n/);
    assert.equal((text2.match(/Host:/g) || []).length, 1);
  });

  it("builds a request from putrequest/putheader/endheaders/send", async () => {
    const server = await replyServer({ reply: echo });
    try {
      const c = new httpc.HTTPConnection("127.0.0.1", server.port);
      c.putrequest("PUT", "/x", { skipAcceptEncoding: true });
      c.putheader("Content-Length", 5);
      c.putheader("X-Multi", "a", "b");
      await c.endheaders();
      await c.send("hel");
      await c.send(Buffer.from("lo"));
      const res = await c.getresponse();
      const text = (await res.readAll()).toString("latin1");
      assert.match(text, /^PUT \/x HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nContent-Length: 5\r\nX-Multi: a\r\n\tb\r\n\r\nhello$/);
    } finally {
      await server.close();
    }
  });
});

describe("responses", () => {
  const reply = Buffer.from(
    "HTTP/1.1 201 Made It\r\nSet-Cookie: a=1\r\nX-Dup: one\r\nSet-Cookie: b=2\r\nx-dup: two\r\nContent-Type: text/a\r\nContent-Type: text/b\r\n" +
      "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: done\r\n\r\n");

  it("gives status, reason, version, headers as Node joins them, rawHeaders and trailers", async () => {
    const server = await replyServer({ reply });
    try {
      const c = new httpc.HTTPConnection("127.0.0.1", server.port);
      await c.request("GET", "/");
      const res = await c.getresponse();
      assert.equal(res.status, 201);
      assert.equal(res.reason, "Made It");
      assert.equal(res.version, 11);
      assert.equal(res.chunked, true);
      assert.deepEqual(res.headers["set-cookie"], ["a=1", "b=2"]);
      assert.equal(res.headers["x-dup"], "one, two");
      assert.equal(res.headers["content-type"], "text/a");
      assert.equal(res.rawHeaders[0], "Set-Cookie");
      assert.equal(res.rawHeaders.length, 14);
      assert.equal(res.getHeader("X-DUP"), "one, two");
      assert.equal(res.getHeader("missing", "dflt"), "dflt");
      assert.equal(res.getHeader("missing"), null);
      const chunks = [];
      for await (const chunk of res) chunks.push(chunk);
      assert.equal(Buffer.concat(chunks).toString(), "hello world");
      assert.deepEqual(res.trailers, Object.assign(Object.create(null), { "x-trailer": "done" }));
      assert.equal(res.closed, true);
    } finally {
      await server.close();
    }
  });

  it("gives the same through Client, its headers made when first read", async () => {
    const server = await replyServer({ reply, keepOpen: true });
    const client = new httpc.Client(`http://127.0.0.1:${server.port}`);
    try {
      // A whole request body: one addon operation; a stream: three calls.
      for (const body of [undefined, Readable.from([Buffer.from("up")])]) {
        const res = await client.request({ method: body ? "POST" : "GET", body });
        assert.equal(res.statusCode, 201);
        assert.equal(res.status, 201);
        assert.equal(res.reason, "Made It");
        assert.equal(res.rawHeaders.length, 14);
        assert.equal(res.rawHeaders[0], "Set-Cookie");
        assert.deepEqual(res.headers["set-cookie"], ["a=1", "b=2"]);
        assert.equal(res.headers["x-dup"], "one, two");
        assert.equal(res.headers["content-type"], "text/a");
        assert.equal(res.headers, res.headers); // made once
        assert.equal(Object.getPrototypeOf(res.headers), null);
        assert.deepEqual(res.rawTrailers, ["X-Trailer", "done"]);
        assert.deepEqual(res.trailers, Object.assign(Object.create(null), { "x-trailer": "done" }));
        assert.equal(res.body.toString(), "hello world");
      }
      assert.equal(server.connections(), 1); // kept alive between them
    } finally {
      client.close();
      await server.close();
    }
  });

  it("reads by size, and as a stream.Readable", async () => {
    const server = await replyServer({ reply: Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789") });
    try {
      const c = new httpc.HTTPConnection("127.0.0.1", server.port);
      await c.request("GET", "/");
      const res = await c.getresponse();
      assert.equal(res.length, 10);
      assert.equal((await res.read(2)).toString(), "01");
      const into = new Uint8Array(2);
      assert.equal(await res.readInto(into), 2);
      assert.equal(Buffer.from(into).toString(), "23");
      assert.equal(res.length, 6);
      const parts = [];
      for await (const part of res.stream()) parts.push(part);
      assert.equal(Buffer.concat(parts).toString(), "456789");
      assert.equal((await res.read(4)).length, 0);
    } finally {
      await server.close();
    }
  });

  it("reads with the sync API", async () => {
    const server = await childReplyServer({ reply: Buffer.from("HTTP/1.0 200 OK\r\n\r\nline one\nline two\n") });
    try {
      const c = new httpc.HTTPConnection("127.0.0.1", server.port);
      c.requestSync("GET", "/");
      const res = c.getresponseSync();
      assert.equal(res.version, 10);
      assert.equal(res.willClose, true);
      assert.equal(res.readlineSync().toString(), "line one\n");
      const into = Buffer.alloc(2);
      assert.equal(res.readIntoSync(into), 2);
      assert.equal(into.toString(), "li");
      assert.equal(res.readSync(2).toString(), "ne");
      assert.equal(res.readAllSync().toString(), " two\n");
      assert.equal(res.closed, true);
    } finally {
      await server.close();
    }
  });
});

describe("Client (keep-alive, one addon operation per request)", () => {
  const echoBody = (req) => Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${bodyOf(req).length}\r\n\r\n`), bodyOf(req)]);

  it("reuses one connection, sends whole and streamed bodies", async () => {
    const server = await replyServer({ reply: echoBody, keepOpen: true });
    const client = new httpc.Client(`http://127.0.0.1:${server.port}`);
    try {
      for (let i = 0; i < 3; i++) {
        const res = await client.request({ path: `/${i}`, method: "POST", body: `body ${i}`, headers: [["X-I", String(i)]] });
        assert.equal(res.status, 200);
        assert.equal(res.body.toString(), `body ${i}`);
      }
      const streamed = await client.request({ method: "PUT", body: Readable.from([Buffer.from("ab"), Buffer.from("c")]) });
      assert.equal(streamed.status, 200);
      assert.equal(server.connections(), 1);
      assert.match(server.requests[3].toString(), /Transfer-Encoding: chunked/);
    } finally {
      client.close();
      await server.close();
    }
  });

  it("retries an idempotent request once when the kept connection was closed by the server", async () => {
    const server = await replyServer({ reply: OK_SMALL, keepOpen: false });
    const client = new httpc.Client(`http://127.0.0.1:${server.port}`);
    try {
      assert.equal((await client.request({ path: "/a" })).body.toString(), "hello");
      await new Promise((resolve) => setTimeout(resolve, 50)); // the server has closed it
      assert.equal((await client.request({ path: "/b" })).body.toString(), "hello");
      assert.equal(server.connections(), 2);
      await assert.rejects(client.request({ path: "/c", method: "POST", body: "x" }).then(() => client.request({ path: "/d", method: "POST", body: "x" })), (err) => err instanceof httpc.RemoteDisconnected || err instanceof httpc.ConnectionResetError || err instanceof httpc.BrokenPipeError);
    } finally {
      client.close();
      await server.close();
    }
  });

  it("gives the same errors, and aborts", async () => {
    const client = new httpc.Client(`http://127.0.0.1:${await closedPort()}`);
    await assert.rejects(client.request({}), httpc.ConnectionRefusedError);
    const silent = await replyServer({ reply: Buffer.alloc(0), delayMs: 60000, keepOpen: true });
    try {
      const c2 = new httpc.Client(`http://127.0.0.1:${silent.port}`);
      const reason = new Error("stop");
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 100);
      await assert.rejects(c2.request({ signal: controller.signal }), (err) => err.name === "AbortError" && err.cause === reason);
      c2.close();
      await assert.rejects(c2.request({}), httpc.StateError);
    } finally {
      await silent.close();
    }
    assert.throws(() => new httpc.Client("ftp://x/"), httpc.InvalidURL);
  });
});

describe("one-shot request and tables", () => {
  it("returns statusCode, headers and a body stream like undici.request", async () => {
    const server = await replyServer({ keepOpen: true, reply: (req) => Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${bodyOf(req).length}\r\nX-Seen: yes\r\n\r\n`), bodyOf(req)]) });
    try {
      const res = await httpc.request(`http://127.0.0.1:${server.port}/path?q=1`, { method: "POST", body: "payload", headers: { "X-Req": "1" } });
      assert.equal(res.statusCode, 200);
      assert.equal(res.status, 200);
      assert.equal(res.reason, "OK");
      assert.equal(res.headers["x-seen"], "yes");
      assert.equal(await res.body.text(), "payload");
      assert.match(server.requests[0].toString(), /^POST \/path\?q=1 HTTP\/1\.1\r\n/);
      assert.match(server.requests[0].toString(), /\r\nX-Req: 1\r\n/);
      await assert.rejects(httpc.request("ftp://127.0.0.1/"), httpc.InvalidURL);
      // Shared keep-alive connections per origin when no options of its own.
      await (await httpc.request(`http://127.0.0.1:${server.port}/again`)).body.dump();
      assert.equal(server.connections(), 1);
    } finally {
      await server.close();
    }
  });

  it("has responses, status constants, ports and version", () => {
    assert.equal(httpc.responses[404], "Not Found");
    assert.equal(httpc.status.NOT_FOUND, 404);
    assert.equal(httpc.HTTP_PORT, 80);
    assert.equal(httpc.HTTPS_PORT, 443);
    assert.match(httpc.version, /^\d+\.\d+\.\d+$/);
  });
});

describe("the addon", () => {
  it("is built on Node-API alone: no V8 or Node C++ symbol is imported", () => {
    const { execFileSync } = require("node:child_process");
    const imported = execFileSync("nm", ["-D", "--undefined-only", path.join(PACKAGE, "httpc_raw.node")], { encoding: "utf8" });
    const names = imported.split("\n").map((line) => line.trim().split(/\s+/).pop()).filter(Boolean);
    assert.ok(names.includes("napi_create_promise"), "imports Node-API");
    assert.deepEqual(names.filter((name) => /^_ZN(2v8|4node)/.test(name)), []);
  });

  it("tells its handles from other values", () => {
    const conn = new httpc.HTTPConnection("127.0.0.1", 1);
    const handle = raw.connNew("127.0.0.1", 1, false, -1, -1, null, 0, 8192, 0, 0, -1);
    assert.equal(raw.isHandle(handle, 1), true);
    assert.equal(raw.isHandle(handle, 2), false);
    for (const other of [{}, null, 1, "x", Buffer.alloc(8), conn]) assert.equal(raw.isHandle(other, 1), false);
    assert.throws(() => raw.httpc_conn_close({}), TypeError);
    raw.httpc_conn_close(handle);
  });

  for (const [label, length, sent] of [["whole", 300000, 300000], ["cut short", 300000, 200000]]) {
    it(`reads a large body of a known length (${label}) alike through readAll, readAllSync and Client`, async () => {
      const head = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${length}\r\n\r\n`);
      const check = (body) => {
        assert.equal(body.length, sent);
        assert.ok(Buffer.isBuffer(body) && body.every((b) => b === 0x78));
      };
      const settle = async (promiseOrValue) => {
        try {
          check(await promiseOrValue());
          assert.equal(sent, length);
        } catch (err) {
          if (!(err instanceof httpc.IncompleteRead)) throw err;
          assert.ok(sent < length);
          check(err.partial);
          assert.equal(err.expected, length - sent);
        }
      };
      for (const way of ["readAll", "readAllSync", "Client"]) {
        const server = await childReplyServer({ reply: head, fillBytes: sent });
        try {
          if (way === "Client") {
            const client = new httpc.Client(`http://127.0.0.1:${server.port}`);
            await settle(async () => (await client.request({ path: "/" })).body);
            client.close();
          } else {
            const conn = new httpc.HTTPConnection("127.0.0.1", server.port);
            if (way === "readAll") {
              await conn.request("GET", "/");
              const res = await conn.getresponse();
              await settle(() => res.readAll());
            } else {
              conn.requestSync("GET", "/");
              const res = conn.getresponseSync();
              await settle(() => res.readAllSync());
            }
            conn.close();
          }
        } finally {
          await server.close();
        }
      }
    });
  }
});
