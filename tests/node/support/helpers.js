"use strict";
// Shared by the Node test files: where the package is, the conformance
// vector parser and runner (docs/vectors.md), and small loopback servers.
const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..", "..");
const PACKAGE = process.env.HTTPC_NODE_PACKAGE || path.join(ROOT, "build", "node");
const httpc = require(PACKAGE);
// The interpreter itself, not a version manager's shim (pyenv's takes seconds
// to start, once per vector).
const PYTHON = process.env.HTTPC_PYTHON || (fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");

// ---------------------------------------------------------------- vectors

const CONCAT_KEYS = new Set(["reply", "expect-request", "expect-body", "expect-partial", "request-body"]);
const LIST_KEYS = new Set(["request-body-chunks"]);
const HEADER_KEYS = new Set(["request-header", "expect-header", "expect-trailer"]);
const INT_KEYS = new Set(["expect-status", "expect-version", "expect-expected"]);
const FLOAT_KEYS = new Set(["timeout", "reply-delay", "reply-drip"]);
const BOOL_KEYS = new Set(["encode-chunked", "reply-close", "reply-reset", "expect-will-close"]);
const TEXT_KEYS = new Set(["name", "description", "expect-error", "error-at", "deviation", "server-address"]);
const ESCAPED_TEXT_KEYS = new Set(["method", "url", "host", "expect-reason"]);
const SIMPLE_ESCAPES = { r: 13, n: 10, t: 9, 0: 0, "\\": 92, '"': 34 };

function unescape(text) {
  const out = [];
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c !== "\\") {
      out.push(text.charCodeAt(i) & 0xff);
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e in SIMPLE_ESCAPES) {
      out.push(SIMPLE_ESCAPES[e]);
      i += 2;
    } else if (e === "x" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 2, i + 4))) {
      out.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 4;
    } else {
      throw new Error(`bad escape in ${JSON.stringify(text)}`);
    }
  }
  return Buffer.from(out);
}

function splitHeader(text) {
  const colon = text.indexOf(":");
  if (colon < 0) throw new Error(`header item without ':': ${text}`);
  let value = text.slice(colon + 1);
  if (value.startsWith(" ")) value = value.slice(1);
  return [unescape(text.slice(0, colon)), unescape(value)];
}

function parseVector(file) {
  const v = { path: file };
  const repeat = {};
  for (const line of fs.readFileSync(file, "latin1").split(/\r?\n/)) {
    const s = line.trim();
    if (!s || s.startsWith("#")) continue;
    const colon = s.indexOf(":");
    if (colon < 0) throw new Error(`${file}: missing ':'`);
    const key = s.slice(0, colon).trim().toLowerCase();
    const value = s.slice(colon + 1).trim();
    if (key.endsWith("-repeat") && CONCAT_KEYS.has(key.slice(0, -7))) {
      repeat[key.slice(0, -7)] = Number(value);
    } else if (CONCAT_KEYS.has(key)) {
      const data = Buffer.concat(Array(repeat[key] || 1).fill(unescape(value)));
      delete repeat[key];
      v[key] = v[key] ? Buffer.concat([v[key], data]) : data;
    } else if (HEADER_KEYS.has(key)) {
      (v[key] = v[key] || []).push(splitHeader(value));
    } else if (LIST_KEYS.has(key)) {
      (v[key] = v[key] || []).push(unescape(value));
    } else if (ESCAPED_TEXT_KEYS.has(key)) {
      v[key] = unescape(value).toString("latin1");
    } else if (INT_KEYS.has(key)) {
      v[key] = parseInt(value, 10);
    } else if (FLOAT_KEYS.has(key)) {
      v[key] = parseFloat(value);
    } else if (BOOL_KEYS.has(key)) {
      v[key] = value === "yes";
    } else if (TEXT_KEYS.has(key)) {
      v[key] = key in v ? `${v[key]} ${value}` : value;
    } else {
      throw new Error(`${file}: unknown key ${key}`);
    }
  }
  return { name: path.basename(file), method: "GET", url: "/", reply: Buffer.alloc(0), "encode-chunked": false, ...v };
}

function vectorFiles() {
  const dir = path.join(ROOT, "tests", "vectors");
  return fs.readdirSync(dir).filter((f) => f.endsWith(".vec")).sort().map((f) => path.join(dir, f));
}

const withPort = (text, port) => text.split("{port}").join(String(port));

// The vector names of docs/vectors.md for an httpc error.
function vectorErrorName(err) {
  const names = {
    InvalidArgumentError: "InvalidArgument",
    ConnectionResetError: "ConnectionReset",
    BrokenPipeError: "ConnectionReset",
    ConnectionRefusedError: "ConnectionRefused",
  };
  return names[err.name] || err.name;
}

// Drives the client as docs/vectors.md says: construct, request,
// getresponse, read everything. `sync` picks the API.
async function runClient(v, port, sync) {
  const out = { stage: "construct", error: null };
  let conn;
  try {
    const options = v.timeout !== undefined ? { timeout: v.timeout * 1000 } : {};
    conn = new httpc.HTTPConnection(withPort(v.host || "127.0.0.1:{port}", port), options);
    out.stage = "request";
    const headers = (v["request-header"] || []).map(([n, x]) => [n.toString("latin1"), x.toString("latin1")]);
    const body = v["request-body-chunks"] ? v["request-body-chunks"].values() : v["request-body"];
    const options2 = { encodeChunked: v["encode-chunked"] };
    if (sync) conn.requestSync(v.method, withPort(v.url, port), body, headers, options2);
    else await conn.request(v.method, withPort(v.url, port), body, headers, options2);
    out.stage = "getresponse";
    const res = sync ? conn.getresponseSync() : await conn.getresponse();
    out.status = res.status;
    out.reason = res.reason;
    out.version = res.version;
    const flat = res.rawHeaders;
    out.headers = [];
    for (let i = 0; i < flat.length; i += 2) out.headers.push([Buffer.from(flat[i], "latin1"), Buffer.from(flat[i + 1], "latin1")]);
    out.willClose = res.willClose;
    out.stage = "read";
    out.body = sync ? res.readAllSync() : await res.readAll();
    const trailers = res.rawTrailers;
    out.trailers = [];
    for (let i = 0; i < trailers.length; i += 2) out.trailers.push([Buffer.from(trailers[i], "latin1"), Buffer.from(trailers[i + 1], "latin1")]);
    out.stage = null;
  } catch (err) {
    out.error = vectorErrorName(err);
    out.exception = err;
    if (err instanceof httpc.IncompleteRead) {
      out.partial = err.partial;
      out.expected = err.expected;
    }
  } finally {
    if (conn) conn.close();
  }
  return out;
}

// Starts vector_server.py for the vector and resolves to its port.
function startVectorServer(file, capture) {
  const server = spawn(PYTHON, [path.join(ROOT, "tests", "support", "vector_server.py"), file, "--capture", capture], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((resolve) => server.on("exit", resolve));
  const port = new Promise((resolve, reject) => {
    let text = "";
    server.stdout.on("data", (d) => {
      text += d;
      if (text.includes("\n")) resolve(Number(text.trim().split("\n")[0]));
    });
    exited.then(() => reject(new Error(`vector server exited before giving its port for ${file}`)));
  });
  return { server, port, exited };
}

// Serves and runs one vector; returns {v, out, request, port}.
async function runVector(file, sync) {
  const v = parseVector(file);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "httpc-node-vec-"));
  const capture = path.join(dir, "request.bin");
  const { server, port: portPromise, exited } = startVectorServer(file, capture);
  try {
    const port = await portPromise;
    const out = await runClient(v, port, sync);
    const grace = new Promise((resolve) => setTimeout(resolve, out.error ? 500 : 2000).unref());
    await Promise.race([exited, grace]);
    const request = fs.existsSync(capture) ? fs.readFileSync(capture) : Buffer.alloc(0);
    return { v, out, request, port };
  } finally {
    if (server.exitCode === null) server.kill();
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Asserts the outcome matches the vector's expectations.
function checkVector({ v, out, request, port }) {
  const context = `${v.name}: ${out.error ? `${out.error} at ${out.stage}: ${out.exception && out.exception.message}` : "no error"}`;
  if (v["expect-request"] !== undefined) {
    assert.equal(request.toString("latin1"), withPort(v["expect-request"].toString("latin1"), port), `${context}: request bytes`);
  }
  assert.equal(out.error, v["expect-error"] || null, `${context}: error`);
  if (v["expect-error"]) {
    if (v["error-at"]) assert.equal(out.stage, v["error-at"], `${context}: error-at`);
    if (v["expect-partial"] !== undefined) assert.deepEqual(out.partial, v["expect-partial"], `${context}: partial`);
    if (v["expect-expected"] !== undefined) assert.equal(out.expected, v["expect-expected"], `${context}: expected`);
  }
  if (v["expect-status"] !== undefined) assert.equal(out.status, v["expect-status"], `${context}: status`);
  if (v["expect-reason"] !== undefined) assert.equal(out.reason, v["expect-reason"], `${context}: reason`);
  if (v["expect-version"] !== undefined) assert.equal(out.version, v["expect-version"], `${context}: version`);
  if (v["expect-will-close"] !== undefined) assert.equal(out.willClose, v["expect-will-close"], `${context}: will close`);
  if (v["expect-header"] !== undefined) assert.deepEqual(out.headers, v["expect-header"], `${context}: headers`);
  if (v["expect-body"] !== undefined) assert.deepEqual(out.body, v["expect-body"], `${context}: body`);
  if (v["expect-trailer"] !== undefined && !out.error) assert.deepEqual(out.trailers, v["expect-trailer"], `${context}: trailers`);
}

// ---------------------------------------------------------------- servers

// An in-process loopback server answering each request with `reply` (bytes
// or a function of the request bytes) after `delayMs`; it records the
// request bytes. For the Promise API only (a sync call blocks this loop).
async function replyServer({ reply, delayMs = 0, keepOpen = false } = {}) {
  const requests = [];
  const sockets = new Set();
  const timers = new Set();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let data = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      const end = requestEnd(data);
      if (end < 0) return;
      const request = data.subarray(0, end);
      data = data.subarray(end);
      requests.push(request);
      const send = () => {
        if (socket.destroyed) return;
        socket.write(typeof reply === "function" ? reply(request) : reply);
        if (!keepOpen) socket.end();
      };
      if (delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, delayMs);
        timers.add(timer);
      } else {
        send();
      }
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    requests,
    connections: () => connections,
    openSockets: () => sockets.size,
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const s of sockets) s.destroy();
        server.close(resolve);
      }),
  };
}

// Where one request ends in `data` (head plus a Content-Length or chunked
// body), or -1 when it is not all there yet.
function requestEnd(data) {
  const text = data.toString("latin1");
  const head = text.indexOf("\r\n\r\n");
  if (head < 0) return -1;
  const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, head));
  if (lengthMatch) {
    const end = head + 4 + Number(lengthMatch[1]);
    return data.length >= end ? end : -1;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(text.slice(0, head))) {
    const last = text.indexOf("\r\n0\r\n\r\n", head);
    const first = text.startsWith("0\r\n\r\n", head + 4) ? head + 4 + 5 : -1;
    if (first > 0) return first;
    return last < 0 ? -1 : last + 7;
  }
  return head + 4;
}

// The same server in a child process, for the sync API (the loop is blocked
// while a sync call waits). Resolves to {port, requests(), close()}.
// keepAlive: answers every request of a connection (requests without a
// body) and keeps it open; otherwise answers once and closes. fillBytes:
// that many "x" appended to the reply (too big for the command line).
async function childReplyServer({ reply, delayMs = 0, keepAlive = false, fillBytes = 0 }) {
  const script = `
    const net = require("net");
    const reply = Buffer.concat([Buffer.from(${JSON.stringify(Buffer.from(reply).toString("base64"))}, "base64"), Buffer.alloc(${fillBytes}, 0x78)]);
    const server = net.createServer((s) => {
      let data = Buffer.alloc(0);
      s.on("error", () => {});
      s.on("data", (c) => {
        data = Buffer.concat([data, c]);
        if (${keepAlive}) {
          for (let end; (end = data.indexOf("\\r\\n\\r\\n")) >= 0; ) { data = data.subarray(end + 4); s.write(reply); }
          return;
        }
        if (data.includes("\\r\\n\\r\\n")) setTimeout(() => { s.write(reply); s.end(); }, ${delayMs});
      });
    });
    server.listen(0, "127.0.0.1", () => console.log(server.address().port));
    setTimeout(() => process.exit(0), 60000).unref();
    process.stdin.on("end", () => process.exit(0)); process.stdin.resume();`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once("data", (d) => resolve(Number(String(d).trim())));
    child.once("exit", () => reject(new Error("child server exited")));
  });
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.stdin.end();
      }),
  };
}

const OK_SMALL = Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");

function openFds() {
  return fs.readdirSync("/proc/self/fd").length;
}

module.exports = {
  ROOT, PACKAGE, httpc, parseVector, vectorFiles, runVector, checkVector, replyServer,
  childReplyServer, OK_SMALL, openFds, requestEnd,
};
