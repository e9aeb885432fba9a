"use strict";
// httpc for Node.js: http.client's classes over the httpc C library.
//
// Promise API (the default): every call that can wait is driven by the event
// loop itself (the addon watches the connection's socket and deadline; no
// thread pool), one operation at a time per connection.
// Sync API (`...Sync`): the same calls waiting on the calling thread, for
// scripts and CLIs.
// Both go through the same natives of the private addon (httpc_raw.node), so
// they give the same results and throw or reject with the same errors.
const fs = require("fs");
const os = require("os");
const path = require("path");
const { Readable } = require("stream");
const raw = require("./httpc_raw.node");
const { buildClasses, makeFactory } = require("./errors");

const { classes: errors, byCode } = buildClasses(raw);
raw.setErrorFactory(makeFactory(raw, byCode));
// Called by a sync call every 100 ms of waiting: entering JavaScript is how
// native code learns that a Worker is being terminated.
raw.setTerminationProbe(function terminationProbe() {});

const HTTP_PORT = raw.HTTPC_HTTP_PORT;
const HTTPS_PORT = raw.HTTPC_HTTPS_PORT;
const READ_ANY = 1; // everything decoded so far (at least one byte)
const READ_LINE = 2;
const CHUNK_SIZE = 65536;

function invalidArgument(message) {
  return new errors.InvalidArgumentError(message);
}

// ---------------------------------------------------------------- options

const CONNECTION_OPTIONS = ["timeout", "connectTimeout", "totalTimeout", "sourceAddress", "blocksize", "debugLevel", "maxResponseSize"];
const TLS_OPTIONS = ["context", "ca", "cafile", "capath", "cert", "key", "rejectUnauthorized", "minVersion", "checkHostname"];
const CLIENT_OPTIONS = ["maxIdle", "keepAliveTimeout", "connections"];
const CLIENT_REQUEST_OPTIONS = ["path", "method", "headers", "body", "signal"];
const ONE_SHOT_OPTIONS = ["method", "headers", "body", "signal", "maxRedirections"];

// Levenshtein distance, for "did you mean" (option names are short).
function editDistance(a, b) {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

// The options object of `where`, or {} when none was given. A name it does
// not know is a mistake (`methd`), never silently dropped.
function checkOptions(options, allowed, where) {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object" || Array.isArray(options)) throw new TypeError(`${where}: options must be an object`);
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const near = allowed.filter((name) => editDistance(name.toLowerCase(), key.toLowerCase()) <= 2);
    const hint = near.length ? ` (did you mean ${JSON.stringify(near[0])}?)` : "";
    throw invalidArgument(`${where}: unknown option ${JSON.stringify(key)}${hint}`);
  }
  return options;
}

// ---------------------------------------------------------------- headers

// Request headers: a plain object (array values repeat the header), a Map, a
// Headers, or an iterable of [name, value] pairs (order and repeats kept).
// Returns the flat [name, value, ...] list the addon takes.
function flattenHeaders(headers) {
  if (headers === undefined || headers === null) return null;
  if (typeof headers !== "object") throw new TypeError("headers must be an object or an array of [name, value] pairs");
  const pairs = typeof headers[Symbol.iterator] === "function" ? headers : Object.entries(headers);
  const flat = [];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError("each header must be a [name, value] pair");
    const [name, value] = pair;
    if (typeof name !== "string") throw new TypeError("a header name must be a string");
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one === "string") flat.push(name, one);
      else if (typeof one === "number" || typeof one === "bigint") flat.push(name, String(one));
      else throw new TypeError(`the value of header ${JSON.stringify(name)} must be a string or a number`);
    }
  }
  return flat;
}

// Headers Node's http keeps only once (it drops later copies).
const SINGLE_VALUED = new Set([
  "age", "authorization", "content-length", "content-type", "etag", "expires", "from", "host",
  "if-modified-since", "if-unmodified-since", "last-modified", "location", "max-forwards",
  "proxy-authorization", "referer", "retry-after", "server", "user-agent",
]);

// Header names in lower case, by name as received: servers send the same
// names in every response, and the same string each time is a property key
// V8 has already looked up.
const lowerNames = new Map();

function lowerName(name) {
  let lower = lowerNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerNames.size >= 1024) lowerNames.clear();
    lowerNames.set(name, lower);
  }
  return lower;
}

// A flat [name, value, ...] list as Node's http shows it: lower-case names,
// set-cookie an array, cookie joined with "; ", the rest with ", ".
function headersObject(flat) {
  const out = Object.create(null);
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = lowerName(flat[i]);
    const value = flat[i + 1];
    const seen = out[name];
    if (name === "set-cookie") (seen ? seen : (out[name] = [])).push(value);
    else if (seen === undefined) out[name] = value;
    else if (SINGLE_VALUED.has(name)) continue;
    else out[name] = seen + (name === "cookie" ? "; " : ", ") + value;
  }
  return out;
}

// ---------------------------------------------------------------- bodies

function isBytes(value) {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

function asBuffer(value) {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError("a body chunk must be a Buffer, a Uint8Array or a string");
}

// A body the addon sends in one call (null: none), or undefined when the body
// is an iterable or a stream that is sent chunk by chunk.
function wholeBody(body) {
  if (body === undefined || body === null) return null;
  if (typeof body === "string" || isBytes(body)) return asBuffer(body);
  if (typeof body === "object" && (typeof body[Symbol.iterator] === "function" || typeof body[Symbol.asyncIterator] === "function")) {
    return undefined;
  }
  throw new TypeError("body must be a Buffer, a Uint8Array, a string, an iterable or async iterable of them, or a stream.Readable");
}

// A body given in pieces is pushed to the C library (HTTPC_BODY_PUSH), which
// frames them: chunked unless the caller set Content-Length.
const PUSHED_BODY = true;

// ---------------------------------------------------------------- TLS

function pemIsInline(value) {
  return Buffer.isBuffer(value) || (typeof value === "string" && value.includes("-----BEGIN"));
}

// Loads a client certificate and key given as file names or PEM text (the C
// library reads files: inline PEM goes through a private temporary file).
function loadCertChain(handle, cert, key) {
  const dir = pemIsInline(cert) || pemIsInline(key) ? fs.mkdtempSync(path.join(os.tmpdir(), "httpc-node-")) : null;
  try {
    const file = (value, name) => {
      if (value === undefined || value === null) return null;
      if (!pemIsInline(value)) return String(value);
      const where = path.join(dir, name);
      fs.writeFileSync(where, value, { mode: 0o600 });
      return where;
    };
    raw.httpc_tls_context_load_cert_chain(handle, file(cert, "cert.pem"), file(key, "key.pem"));
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The counterpart of Python's ssl.SSLContext, for HTTPSConnection. */
class TLSContext {
  #handle;
  constructor({ loadSystemStore = true } = {}) {
    this.#handle = loadSystemStore ? raw.httpc_tls_context_new() : raw.httpc_tls_context_new_empty();
  }
  static handleOf(ctx) {
    return ctx.#handle;
  }
  get checkHostname() { return raw.httpc_tls_context_check_hostname(this.#handle) === 1; }
  set checkHostname(on) { raw.httpc_tls_context_set_check_hostname(this.#handle, on ? 1 : 0); }
  get rejectUnauthorized() { return raw.httpc_tls_context_verify_mode(this.#handle) !== raw.HTTPC_CERT_NONE; }
  set rejectUnauthorized(on) {
    if (!on) raw.httpc_tls_context_set_check_hostname(this.#handle, 0);
    raw.httpc_tls_context_set_verify_mode(this.#handle, on ? raw.HTTPC_CERT_REQUIRED : raw.HTTPC_CERT_NONE);
  }
  get minVersion() { return raw.httpc_tls_context_min_version(this.#handle) === raw.HTTPC_TLS_VERSION_1_3 ? "TLSv1.3" : "TLSv1.2"; }
  set minVersion(name) {
    const versions = { "TLSv1.2": raw.HTTPC_TLS_VERSION_1_2, "TLSv1.3": raw.HTTPC_TLS_VERSION_1_3 };
    if (!(name in versions)) throw invalidArgument(`minVersion must be 'TLSv1.2' or 'TLSv1.3', not ${JSON.stringify(name)}`);
    raw.httpc_tls_context_set_min_version(this.#handle, versions[name]);
  }
  loadVerifyLocations({ cafile, capath, ca } = {}) {
    if (cafile !== undefined) raw.httpc_tls_context_load_verify_file(this.#handle, String(cafile));
    if (capath !== undefined) raw.httpc_tls_context_load_verify_dir(this.#handle, String(capath));
    for (const pem of ca === undefined ? [] : Array.isArray(ca) ? ca : [ca]) raw.httpc_tls_context_load_verify_pem(this.#handle, pem);
  }
  loadCertChain(cert, key) {
    loadCertChain(this.#handle, cert, key);
  }
}

/** As tls.createSecureContext with Python's defaults: verification and
 * hostname checks on; the CAs given (ca: PEM text, cafile, capath) or else
 * the system store. */
function createDefaultContext(options = {}) {
  const { ca, cafile, capath, checkHostname, rejectUnauthorized, minVersion, cert, key } = options;
  const given = ca !== undefined || cafile !== undefined || capath !== undefined;
  const ctx = new TLSContext({ loadSystemStore: !given });
  if (given) ctx.loadVerifyLocations({ ca, cafile, capath });
  if (rejectUnauthorized === false) ctx.rejectUnauthorized = false;
  if (checkHostname !== undefined) ctx.checkHostname = checkHostname;
  if (minVersion !== undefined) ctx.minVersion = minVersion;
  if (cert !== undefined) ctx.loadCertChain(cert, key);
  return ctx;
}

// ---------------------------------------------------------------- connections

function seconds(ms, what) {
  if (ms === undefined || ms === null) return -1;
  if (typeof ms !== "number" || Number.isNaN(ms) || ms < 0) throw invalidArgument(`${what} must be a number of milliseconds >= 0`);
  return ms / 1000;
}

/** What a Promise call rejects with when its AbortSignal fires, as Node's
 * own AbortError: code ABORT_ERR, the signal's reason as `cause`. */
class AbortError extends Error {
  constructor(message = "The operation was aborted", options = undefined) {
    super(message, options);
    this.code = "ABORT_ERR";
  }
}
Object.defineProperty(AbortError.prototype, "name", { value: "AbortError", writable: true, configurable: true });

function checkSignal(signal) {
  if (signal === undefined || signal === null) return null;
  if (typeof signal !== "object" || typeof signal.aborted !== "boolean" || typeof signal.addEventListener !== "function") {
    throw new TypeError("signal must be an AbortSignal");
  }
  return signal;
}

// What a connection and its responses share: one operation at a time, and
// the connection's handle, which an AbortSignal interrupts.
class Lane {
  busy = false;
  afterOp = []; // closes asked for while an operation was in flight
  constructor(connHandle) {
    this.connHandle = connHandle;
  }
  enter() {
    if (this.busy) {
      throw new errors.StateError("another operation is in progress on this connection (await it first)");
    }
    this.busy = true;
  }
  leave() {
    this.busy = false;
    if (this.afterOp.length === 0) return;
    const pending = this.afterOp.splice(0);
    for (const fn of pending) fn();
  }
  // Runs fn now, or once the operation in flight has ended.
  whenIdle(fn) {
    if (this.busy) this.afterOp.push(fn);
    else fn();
  }
}

// Runs a Promise call's work (one or more addon operations) on the lane. An
// abort interrupts the operation in flight (it wakes the loop's watch at once)
// or the next one; the call then rejects with AbortError and the connection
// is closed, as after any failure, which also forgets an unused interrupt.
// `work` may return a Promise or the value itself (an addon call that ended
// at once); whenDone runs once it has ended, before the lane is free.
function onLane(lane, work, signalOption = null, whenDone = null) {
  let signal;
  try {
    signal = checkSignal(signalOption);
  } catch (err) {
    return Promise.reject(err);
  }
  // Without a signal, no listener and no closure: most calls have none.
  return signal === null ? runOnLane(lane, work, whenDone) : runOnLaneWithSignal(lane, work, signal, whenDone);
}

async function runOnLane(lane, work, whenDone) {
  lane.enter();
  try {
    return await work();
  } catch (err) {
    throw laneError(err, lane);
  } finally {
    if (whenDone) whenDone();
    lane.leave();
  }
}

async function runOnLaneWithSignal(lane, work, signal, whenDone) {
  if (signal.aborted) throw new AbortError(undefined, { cause: signal.reason });
  lane.enter();
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    raw.httpc_conn_interrupt(lane.connHandle);
  };
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const result = await work();
    if (aborted) throw new AbortError(undefined, { cause: signal.reason });
    return result;
  } catch (err) {
    if (aborted && !(err instanceof AbortError)) throw new AbortError(undefined, { cause: signal.reason });
    throw laneError(err, lane);
  } finally {
    signal.removeEventListener("abort", onAbort);
    if (whenDone) whenDone();
    if (aborted) raw.httpc_conn_close(lane.connHandle);
    lane.leave();
  }
}

function laneError(err, lane) {
  // Made by the addon on the loop, the error's stack had no frame of the
  // caller: taken here, it has the awaiting functions (async stack traces).
  if (err instanceof Error && typeof err.httpcCode === "number") Error.captureStackTrace(err);
  return withNodeFields(err, lane.connHandle);
}

function onLaneSync(lane, work) {
  lane.enter();
  try {
    return work();
  } catch (err) {
    throw withNodeFields(err, lane.connHandle);
  } finally {
    lane.leave();
  }
}

// Errors of connecting, in the words of Node's net module: message
// "connect ECONNREFUSED 127.0.0.1:8080", syscall, address and port.
const CONNECT_ERRORS = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "EADDRINUSE"]);

function withNodeFields(err, connHandle) {
  if (!(err instanceof errors.OSError) || err.syscall !== undefined) return err;
  const host = raw.httpc_conn_host(connHandle);
  const port = raw.httpc_conn_port(connHandle);
  if (CONNECT_ERRORS.has(err.code)) {
    Object.assign(err, { syscall: "connect", address: host, port });
    err.message = `connect ${err.code} ${host}:${port}`;
  } else if (err.code === "ENOTFOUND") {
    Object.assign(err, { syscall: "getaddrinfo", hostname: host });
    err.message = `getaddrinfo ENOTFOUND ${host}`;
  }
  return err;
}

class HTTPConnection {
  #handle;
  #lane;
  #blocksize;
  static defaultPort = HTTP_PORT;
  /** The names the constructor's options may have. */
  static optionNames = CONNECTION_OPTIONS;

  /**
   * @param host "host", "host:port", "[v6]:port"
   * @param port 0/undefined: from host, else the default port
   * @param options {timeout, connectTimeout, totalTimeout (ms), sourceAddress: [host, port], blocksize,
   *   debugLevel, maxResponseSize (bytes)}
   */
  constructor(host, port, options = {}) {
    if (typeof port === "object" && port !== null) [port, options] = [undefined, port];
    if (port !== undefined && port !== null && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
      throw invalidArgument(`port must be an integer from 0 to 65535, not ${String(port)}`);
    }
    options = checkOptions(options, new.target.optionNames, `new ${new.target.name}`);
    const { timeout, connectTimeout, totalTimeout, sourceAddress, blocksize = 8192, debugLevel = 0, maxResponseSize = 0 } = options;
    if (typeof maxResponseSize !== "number" || !(maxResponseSize >= 0)) throw invalidArgument("maxResponseSize must be a number of bytes >= 0");
    const [sourceHost, sourcePort] = sourceAddress ? sourceAddress : [null, 0];
    this.#blocksize = blocksize;
    this.#handle = raw.connNew(host, port || 0, this._tls(options), seconds(timeout, "timeout"),
      seconds(connectTimeout, "connectTimeout"), sourceHost || null, sourcePort || 0, blocksize, debugLevel, maxResponseSize,
      seconds(totalTimeout, "totalTimeout"));
    this.#lane = new Lane(this.#handle);
  }

  // false: plain HTTP (HTTPSConnection gives its context).
  _tls() {
    return false;
  }

  get host() { return raw.httpc_conn_host(this.#handle); }
  get port() { return raw.httpc_conn_port(this.#handle); }
  /** The socket's file descriptor, or -1 when not connected. */
  fileno() { return raw.httpc_conn_fileno(this.#handle); }

  setDebugLevel(level) { raw.httpc_conn_set_debuglevel(this.#handle, level | 0); }
  setTimeout(ms) { raw.httpc_conn_set_timeout(this.#handle, seconds(ms, "timeout")); }

  setTunnel(host, port, headers) {
    raw.setTunnel(this.#handle, host, port || 0, flattenHeaders(headers));
  }
  getProxyResponseHeaders() {
    const flat = raw.proxyHeaders(this.#handle);
    return flat === null ? null : headersObject(flat);
  }

  /** Closes the socket (idempotent); the connection reconnects on its next
   * request. With an operation in flight, closes when it ends. */
  close() {
    this.#lane.whenIdle(() => raw.httpc_conn_close(this.#handle));
  }

  connect({ signal } = {}) {
    return onLane(this.#lane, () => raw.connect(this.#handle, true), signal);
  }
  connectSync() {
    onLaneSync(this.#lane, () => raw.connect(this.#handle, false));
  }

  putrequest(method, url, { skipHost = false, skipAcceptEncoding = false } = {}) {
    onLaneSync(this.#lane, () =>
      raw.httpc_conn_putrequest(this.#handle, method, url, (skipHost ? raw.HTTPC_SKIP_HOST : 0) | (skipAcceptEncoding ? raw.HTTPC_SKIP_ACCEPT_ENCODING : 0)));
  }
  putheader(name, ...values) {
    const texts = values.map((v) => (typeof v === "number" || typeof v === "bigint" ? String(v) : v));
    onLaneSync(this.#lane, () => raw.putheader(this.#handle, name, texts));
  }
  endheaders(body, { encodeChunked = false, signal } = {}) {
    return onLane(this.#lane, () => {
      const data = body === undefined || body === null ? null : asBuffer(body);
      return raw.endheaders(this.#handle, data, encodeChunked ? raw.HTTPC_ENCODE_CHUNKED : 0, true);
    }, signal);
  }
  endheadersSync(body, { encodeChunked = false } = {}) {
    const data = body === undefined || body === null ? null : asBuffer(body);
    onLaneSync(this.#lane, () => raw.endheaders(this.#handle, data, encodeChunked ? raw.HTTPC_ENCODE_CHUNKED : 0, false));
  }
  send(data, { signal } = {}) {
    return onLane(this.#lane, () => raw.send(this.#handle, asBuffer(data), true), signal);
  }
  sendSync(data) {
    const bytes = asBuffer(data);
    onLaneSync(this.#lane, () => raw.send(this.#handle, bytes, false));
  }

  /** Sends a request. body: Buffer, Uint8Array, string (UTF-8), an iterable
   * or async iterable of those, or a stream.Readable (the last three sent
   * chunked unless a Content-Length header is given). */
  request(method, url, body, headers, { encodeChunked = false, signal } = {}) {
    // Not an async function: a whole body is one addon call, whose result
    // (a Promise, or undefined when the socket took the request at once)
    // onLane awaits.
    return onLane(this.#lane, () => {
      const flat = flattenHeaders(headers);
      const whole = wholeBody(body);
      const flags = encodeChunked ? raw.HTTPC_ENCODE_CHUNKED : 0;
      if (whole !== undefined) return raw.request(this.#handle, method, url, whole, flat, flags, true);
      return this.#pushBody(method, url, body, flat, flags);
    }, signal);
  }

  async #pushBody(method, url, body, flat, flags) {
    try {
      await raw.request(this.#handle, method, url, PUSHED_BODY, flat, flags, true);
      for await (const chunk of body) {
        const bytes = asBuffer(chunk);
        if (bytes.length) await raw.bodyWrite(this.#handle, bytes, true);
      }
      await raw.bodyEnd(this.#handle, true);
    } catch (err) {
      this.#abandonRequest();
      throw err;
    }
  }

  // A request whose body source failed is half sent: close, so that the
  // next request reconnects instead of meeting CannotSendRequest.
  #abandonRequest() {
    raw.httpc_conn_close(this.#handle);
  }

  requestSync(method, url, body, headers, { encodeChunked = false } = {}) {
    onLaneSync(this.#lane, () => {
      const flat = flattenHeaders(headers);
      const whole = wholeBody(body);
      if (whole !== undefined) {
        raw.request(this.#handle, method, url, whole, flat, encodeChunked ? raw.HTTPC_ENCODE_CHUNKED : 0, false);
        return;
      }
      if (typeof body[Symbol.iterator] !== "function") {
        throw new TypeError("requestSync cannot wait for an async iterable or a stream: use request()");
      }
      try {
        raw.request(this.#handle, method, url, PUSHED_BODY, flat, encodeChunked ? raw.HTTPC_ENCODE_CHUNKED : 0, false);
        for (const chunk of body) {
          const bytes = asBuffer(chunk);
          if (bytes.length) raw.bodyWrite(this.#handle, bytes, false);
        }
        raw.bodyEnd(this.#handle, false);
      } catch (err) {
        this.#abandonRequest();
        throw err;
      }
    });
  }

  // request + getresponse + readAll, for Client: one addon operation for a
  // whole body, the three calls for a body that comes in pieces. Resolves
  // to the addon's exchange array (see ClientResponse).
  _exchange(method, url, body, headers, signal) {
    const whole = wholeBody(body);
    if (whole === undefined) return this.#exchangeInPieces(method, url, body, headers, signal);
    return onLane(this.#lane, () => raw.exchange(this.#handle, method, url, whole, flattenHeaders(headers), 0, true), signal);
  }
  async #exchangeInPieces(method, url, body, headers, signal) {
    await this.request(method, url, body, headers, { signal });
    const res = await this.getresponse({ signal });
    const data = await res.readAll({ signal });
    return [res.status, res.reason, res.version, res.willClose, data, res.rawTrailers, ...res.rawHeaders];
  }

  // request + getresponse in one addon operation when the body is whole,
  // for the one-shot request (which streams the response body).
  async _requestHead(method, url, body, headers, signal) {
    const whole = wholeBody(body);
    if (whole === undefined) {
      await this.request(method, url, body, headers, { signal });
      return this.getresponse({ signal });
    }
    return onLane(this.#lane, async () =>
      new HTTPResponse(await raw.exchange(this.#handle, method, url, whole, flattenHeaders(headers), 0, true, true), this.#lane, this), signal);
  }

  /** Reads the status line and headers of the response. */
  getresponse({ signal } = {}) {
    return onLane(this.#lane, () => {
      const head = raw.getresponse(this.#handle, true); // a Promise unless the head was there
      return head instanceof Promise ? head.then((h) => new HTTPResponse(h, this.#lane, this)) : new HTTPResponse(head, this.#lane, this);
    }, signal);
  }
  getresponseSync() {
    return onLaneSync(this.#lane, () => new HTTPResponse(raw.getresponse(this.#handle, false), this.#lane, this));
  }
}

class HTTPSConnection extends HTTPConnection {
  static defaultPort = HTTPS_PORT;
  static optionNames = [...CONNECTION_OPTIONS, ...TLS_OPTIONS];
  /** options: those of HTTPConnection plus context (createDefaultContext()),
   * checkHostname, and ca/cafile/capath/cert/key/rejectUnauthorized/minVersion
   * for a context made here. */
  constructor(host, port, options = {}) {
    super(host, port, options);
  }
  _tls(options) {
    let { context } = options;
    const own = TLS_OPTIONS.some((k) => k !== "context" && options[k] !== undefined);
    if (context === undefined || context === null) {
      if (!own) return null; // the library's default context
      context = createDefaultContext(options);
    } else if (!(context instanceof TLSContext)) {
      throw new TypeError("context must come from httpc.createDefaultContext()");
    } else if (options.checkHostname !== undefined) {
      context.checkHostname = options.checkHostname;
    }
    return TLSContext.handleOf(context);
  }
}

// ---------------------------------------------------------------- responses

class HTTPResponse {
  #handle;
  #lane;
  #conn; // kept alive while the body may still be read from it
  #rawHeaders = null;
  #headers = null;
  #done = false;

  constructor(head, lane, conn) {
    const [handle, status, reason, version, willClose, chunked] = head;
    this.#handle = handle;
    this.#lane = lane;
    this.#conn = conn;
    this.status = status;
    this.reason = reason;
    this.version = version;
    this.willClose = willClose;
    this.chunked = chunked;
  }

  /** Body bytes still expected by Content-Length, or null when unknown. */
  get length() {
    const n = raw.httpc_response_length(this.#handle);
    return n < 0 ? null : n;
  }
  /** [name, value, name, value, ...] as received (Node's rawHeaders). */
  get rawHeaders() {
    if (this.#rawHeaders === null) this.#rawHeaders = raw.responseHeaders(this.#handle, false);
    return this.#rawHeaders;
  }
  /** Lower-case names; repeated values joined as Node's http joins them. */
  get headers() {
    if (this.#headers === null) this.#headers = headersObject(this.rawHeaders);
    return this.#headers;
  }
  /** All values of a header joined with ", " (http.client's getheader). */
  getHeader(name, defaultValue = null) {
    const want = String(name).toLowerCase();
    const flat = this.rawHeaders;
    const values = [];
    for (let i = 0; i < flat.length; i += 2) if (flat[i].toLowerCase() === want) values.push(flat[i + 1]);
    return values.length ? values.join(", ") : defaultValue;
  }
  /** The trailer fields of a chunked body, once it has been read. */
  get trailers() { return headersObject(raw.responseHeaders(this.#handle, true)); }
  get rawTrailers() { return raw.responseHeaders(this.#handle, true); }
  get closed() { return this.#done; }
  fileno() { return raw.httpc_response_fileno(this.#handle); }

  close() {
    if (this.#done) return;
    this.#done = true;
    this.#conn = null;
    this.#lane.whenIdle(() => raw.httpc_response_close(this.#handle));
  }

  #after(data, asked) {
    if ((data.length === 0 && asked !== 0) || raw.httpc_response_isclosed(this.#handle)) this.close();
    return data;
  }

  /** Up to n bytes (n undefined: the whole rest of the body). */
  read(n, { signal } = {}) {
    if (n === undefined || n === null || n < 0) return this.readAll({ signal });
    if (this.#done) return Promise.resolve(Buffer.alloc(0));
    return onLane(this.#lane, async () => this.#after(await raw.read(this.#handle, n, 0, true), n), signal);
  }
  readSync(n) {
    if (n === undefined || n === null || n < 0) return this.readAllSync();
    if (this.#done) return Buffer.alloc(0);
    return onLaneSync(this.#lane, () => this.#after(raw.read(this.#handle, n, 0, false), n));
  }
  /** Reads into `buffer` (a Uint8Array), filling it unless the body ends,
   * as http.client's readinto; resolves to the count (0 at the end). */
  readInto(buffer, { signal } = {}) {
    if (!ArrayBuffer.isView(buffer)) return Promise.reject(new TypeError("readInto takes a Buffer or a Uint8Array"));
    if (this.#done) return Promise.resolve(0);
    return onLane(this.#lane, async () => this.#afterCount(await raw.read(this.#handle, 0, 0, true, buffer), buffer.byteLength), signal);
  }
  readIntoSync(buffer) {
    if (!ArrayBuffer.isView(buffer)) throw new TypeError("readIntoSync takes a Buffer or a Uint8Array");
    if (this.#done) return 0;
    return onLaneSync(this.#lane, () => this.#afterCount(raw.read(this.#handle, 0, 0, false, buffer), buffer.byteLength));
  }
  #afterCount(n, asked) {
    if ((n === 0 && asked !== 0) || raw.httpc_response_isclosed(this.#handle)) this.close();
    return n;
  }
  /** One line of the body, "\n" included. */
  readlineSync(limit = CHUNK_SIZE) {
    if (this.#done) return Buffer.alloc(0);
    return onLaneSync(this.#lane, () => this.#after(raw.read(this.#handle, limit, READ_LINE, false), limit));
  }
  readAll({ signal } = {}) {
    if (this.#done) return Promise.resolve(Buffer.alloc(0));
    // A Promise, or the Buffer when the body was all there; closed once read.
    return onLane(this.#lane, () => raw.readAll(this.#handle, true), signal, () => this.close());
  }
  readAllSync() {
    if (this.#done) return Buffer.alloc(0);
    return onLaneSync(this.#lane, () => {
      try {
        return raw.readAll(this.#handle, false);
      } finally {
        this.close();
      }
    });
  }
  // What one read step gives (up to 64 KiB); an empty Buffer at the end.
  _readSome(signal) {
    if (this.#done) return Promise.resolve(Buffer.alloc(0));
    return onLane(this.#lane, async () => this.#after(await raw.read(this.#handle, CHUNK_SIZE, READ_ANY, true), CHUNK_SIZE), signal);
  }
  /** The body as Buffers, each everything received and decoded so far (up
   * to 64 KiB); leaving early (break) closes the response. */
  async *[Symbol.asyncIterator]() {
    try {
      while (!this.#done) {
        const chunk = await this._readSome(null);
        if (chunk.length) yield chunk;
      }
    } finally {
      // Left early (break, an error, stream().destroy()): release the
      // response; the C library closes the connection if the body was not
      // read to its end, so the next request starts clean.
      this.close();
    }
  }
  /** The body as a stream.Readable. */
  stream() {
    return Readable.from(this, { objectMode: false });
  }
}

// ---------------------------------------------------------------- Client

/** What Client.request resolves to, from the addon's exchange array:
 * [status, reason, version, willClose, body, rawTrailers, ...rawHeaders].
 * headers and trailers are made from the raw lists when first read (as
 * Node's IncomingMessage does): many callers read a few headers or none. */
class ClientResponse {
  #headers = null;
  #trailers = null;
  constructor(exchanged) {
    this.statusCode = this.status = exchanged[0];
    this.reason = exchanged[1];
    this.rawHeaders = exchanged.slice(6);
    this.rawTrailers = exchanged[5];
    this.body = exchanged[4];
  }
  get headers() { return this.#headers ??= headersObject(this.rawHeaders); }
  get trailers() { return this.#trailers ??= headersObject(this.rawTrailers); }
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
// Errors of a kept-alive connection the server had closed meanwhile.
const STALE = ["RemoteDisconnected", "ConnectionResetError", "BrokenPipeError"];

// A body that can be sent again (a retry, a redirect).
function isReplayable(body) {
  return body === undefined || body === null || typeof body === "string" || isBytes(body);
}

function checkOrigin(origin, where) {
  const url = origin instanceof URL ? origin : new URL(String(origin));
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new errors.InvalidURL(`unsupported URL scheme ${JSON.stringify(url.protocol)}`);
  return url;
}

/** Requests to one origin over kept-alive connections, like undici.Client:
 * `await client.request({path, method, headers, body, signal})` resolves to
 * {statusCode, status, reason, headers, rawHeaders, trailers, body: Buffer}.
 * A request with a whole body is one addon operation (request, response and
 * body). */
class Client {
  #Connection;
  #host;
  #port;
  #options;
  // Idle connections, the oldest first, and when each was kept
  // (performance.now()); one timer closes those kept too long.
  #idle = [];
  #idleSince = [];
  #idleTimer = null;
  #maxIdle;
  #keepAliveTimeout;
  #closed = false;
  #limit;
  #busy = 0; // connections in use by a request
  #queue = []; // requests waiting for one: {resolve, reject, signal, onAbort}

  /** options: those of HTTP(S)Connection, plus maxIdle (connections kept,
   * default 8), keepAliveTimeout (ms an idle connection is kept, 4000) and
   * connections (most in use at once, as undici's Pool; more requests wait
   * in turn; default no limit). */
  constructor(origin, options = {}) {
    const url = checkOrigin(origin);
    const https = url.protocol === "https:";
    for (const name of https || !options ? [] : TLS_OPTIONS) {
      if (options[name] !== undefined) throw invalidArgument(`new Client: option ${JSON.stringify(name)} applies to https: origins only`);
    }
    const allowed = [...CONNECTION_OPTIONS, ...CLIENT_OPTIONS, ...(https ? TLS_OPTIONS : [])];
    const { maxIdle = 8, keepAliveTimeout = 4000, connections = Infinity, ...connectionOptions } = checkOptions(options, allowed, "new Client");
    if (!(connections === Infinity || (Number.isInteger(connections) && connections > 0))) {
      throw invalidArgument("connections must be an integer > 0");
    }
    this.#limit = connections;
    this.#Connection = https ? HTTPSConnection : HTTPConnection;
    this.#host = url.hostname;
    this.#port = Number(url.port) || (https ? HTTPS_PORT : HTTP_PORT);
    this.#options = connectionOptions;
    if (https && connectionOptions.context === undefined &&
        TLS_OPTIONS.some((k) => connectionOptions[k] !== undefined)) {
      this.#options = { ...connectionOptions, context: createDefaultContext(connectionOptions) }; // one context for all
      for (const name of TLS_OPTIONS) if (name !== "context" && name !== "checkHostname") delete this.#options[name];
    }
    this.#maxIdle = maxIdle;
    this.#keepAliveTimeout = keepAliveTimeout;
  }

  get closed() { return this.#closed; }

  #take() {
    if (this.#idle.length === 0) return null;
    this.#idleSince.pop();
    return this.#idle.pop();
  }

  #keep(conn) {
    if (this.#closed || this.#idle.length >= this.#maxIdle) {
      conn.close();
      return;
    }
    this.#idle.push(conn);
    this.#idleSince.push(performance.now());
    if (this.#idleTimer === null && Number.isFinite(this.#keepAliveTimeout)) this.#armIdleTimer(this.#keepAliveTimeout);
  }

  // (No timer per kept connection: one per request cost more than the rest
  // of the pool's work.)
  #armIdleTimer(ms) {
    this.#idleTimer = setTimeout(() => this.#closeExpired(), Math.min(Math.max(ms, 1), 2 ** 31 - 1));
    this.#idleTimer.unref();
  }

  #closeExpired() {
    this.#idleTimer = null;
    const now = performance.now();
    let expired = 0;
    while (expired < this.#idle.length && now - this.#idleSince[expired] >= this.#keepAliveTimeout) expired++;
    for (const conn of this.#idle.splice(0, expired)) conn.close();
    this.#idleSince.splice(0, expired);
    if (this.#idle.length) this.#armIdleTimer(this.#idleSince[0] + this.#keepAliveTimeout - now);
  }

  // Waits for a turn when `connections` are in use.
  #acquire(signal) {
    if (this.#busy < this.#limit) {
      this.#busy++;
      return null;
    }
    if (checkSignal(signal) && signal.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject, signal, onAbort: null };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.#queue.indexOf(waiter);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(new AbortError(undefined, { cause: signal.reason }));
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
    });
  }

  // A connection is free again: the next waiting request takes its turn.
  #handOver() {
    const next = this.#queue.shift();
    if (!next) {
      this.#busy--;
      return;
    }
    if (next.signal) next.signal.removeEventListener("abort", next.onAbort);
    next.resolve();
  }

  // Runs `exchange(conn)` on a kept or a new connection, within the limit;
  // a kept one the server had closed meanwhile is replaced once for a
  // request that may be repeated. Resolves to [conn, what exchange gave];
  // the turn is the caller's to end (#handOver) once the connection is
  // given back.
  async #onConnection(method, body, signal, exchange) {
    if (this.#closed) throw new errors.StateError("the client is closed");
    const waiting = this.#acquire(signal);
    if (waiting) await waiting;
    try {
      return await this.#attempt(method, body, exchange);
    } catch (err) {
      this.#handOver();
      throw err;
    }
  }

  // (A request taken before close() still gets its retry.)
  async #attempt(method, body, exchange) {
    let conn = this.#take();
    const reused = conn !== null;
    if (!conn) conn = new this.#Connection(this.#host, this.#port, this.#options);
    try {
      return [conn, await exchange(conn)];
    } catch (err) {
      conn.close();
      if (reused && isReplayable(body) && IDEMPOTENT.has(String(method).toUpperCase()) && STALE.includes(err.name)) {
        return this.#attempt(method, body, exchange);
      }
      throw err;
    }
  }

  async request(options = {}) {
    const { path = "/", method = "GET", headers, body, signal } = checkOptions(options, CLIENT_REQUEST_OPTIONS, "Client.request");
    const [conn, exchanged] = await this.#onConnection(method, body, signal, (c) => c._exchange(method, path, body, headers, signal));
    if (exchanged[3]) conn.close(); // willClose
    else this.#keep(conn);
    this.#handOver();
    return new ClientResponse(exchanged);
  }

  // For the one-shot request: sends the request and reads the head.
  // Resolves to {conn, res}; the connection stays checked out until
  // _release(conn, reusable) once the body is over.
  async _open({ path, method, headers, body, signal }) {
    const [conn, res] = await this.#onConnection(method, body, signal, (c) => c._requestHead(method, path, body, headers, signal));
    return { conn, res };
  }
  _release(conn, reusable) {
    if (reusable) this.#keep(conn);
    else conn.close();
    this.#handOver();
  }

  /** Closes the idle connections; the client takes no more requests (those
   * waiting for a turn are rejected). */
  close() {
    this.#closed = true;
    for (const waiter of this.#queue.splice(0)) {
      if (waiter.signal) waiter.signal.removeEventListener("abort", waiter.onAbort);
      waiter.reject(new errors.StateError("the client is closed"));
    }
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    this.#idleSince.length = 0;
    for (const conn of this.#idle.splice(0)) conn.close();
  }
}

// ---------------------------------------------------------------- one-shot

/** The body of a one-shot response, as undici's: a stream.Readable that
 * reads from the connection as it is consumed (flat memory for any size),
 * with text(), json(), arrayBuffer(), bytes(), blob() to take it whole. */
class ResponseBody extends Readable {
  #res;
  #signal;
  #release; // (reusable) => gives the connection back, once
  #trailers;
  #contentType;
  #used = false;
  #ended = false;

  constructor(res, signal, release, trailers) {
    super({ highWaterMark: CHUNK_SIZE });
    this.#res = res;
    this.#signal = signal;
    this.#release = release;
    this.#trailers = trailers;
    this.#contentType = res.getHeader("content-type", "");
  }

  _read() {
    this.#res._readSome(this.#signal).then((chunk) => {
      if (this.destroyed) return;
      if (chunk.length) this.push(chunk);
      if (this.#res.closed || chunk.length === 0) this.#end();
    }, (err) => this.destroy(err));
  }

  // The whole body was read: the connection can serve another request.
  #end() {
    if (this.#ended) return;
    this.#ended = true;
    Object.assign(this.#trailers, this.#res.trailers);
    this.#giveBack(!this.#res.willClose);
    this.push(null);
  }

  #giveBack(reusable) {
    const release = this.#release;
    this.#release = null;
    if (release) release(reusable);
  }

  _destroy(err, callback) {
    if (!this.#ended) {
      // Left before its end: the C library closes the connection with the
      // response, so nothing unread is taken for the next response.
      this.#res.close();
      this.#giveBack(false);
    }
    callback(err);
  }

  /** true once the body has been read from or taken. */
  get bodyUsed() {
    return this.#used || this.readableDidRead || this.destroyed;
  }

  async #take() {
    if (this.bodyUsed) throw new TypeError("the body has already been read");
    this.#used = true;
    const parts = [];
    for await (const chunk of this) parts.push(chunk);
    return Buffer.concat(parts);
  }
  async text() { return (await this.#take()).toString("utf8"); }
  async json() { return JSON.parse(await this.text()); }
  async arrayBuffer() {
    const all = await this.#take();
    return all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  }
  async bytes() { return new Uint8Array(await this.arrayBuffer()); }
  async blob() { return new Blob([await this.#take()], { type: this.#contentType }); }
  /** Reads and drops up to `limit` bytes; a longer body is cut off (and its
   * connection closed). */
  async dump({ limit = 131072 } = {}) {
    this.#used = true;
    let seen = 0;
    for await (const chunk of this) {
      seen += chunk.length;
      if (seen > limit) break;
    }
  }
}

// One Client per origin and options (like undici's global dispatcher): the
// one-shot calls with the same options share kept-alive connections and one
// TLS context, the least recently used Client beyond these many is closed.
const CLIENT_CACHE_SIZE = 32;
const clientCache = new Map(); // key -> Client, most recently used last
const contextIds = new WeakMap();
let nextContextId = 1;

// Options compared by value (PEM text by its bytes), TLS contexts by identity.
function optionKeyPart(value) {
  if (value instanceof TLSContext) {
    if (!contextIds.has(value)) contextIds.set(value, nextContextId++);
    return `context#${contextIds.get(value)}`;
  }
  if (ArrayBuffer.isView(value)) return "bytes:" + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  if (Array.isArray(value)) return value.map(optionKeyPart);
  return value;
}

function clientFor(origin, options) {
  const parts = Object.keys(options).filter((k) => options[k] !== undefined).sort().map((k) => [k, optionKeyPart(options[k])]);
  const key = origin + " " + JSON.stringify(parts);
  let client = clientCache.get(key);
  if (client && !client.closed) {
    clientCache.delete(key);
    clientCache.set(key, client);
    return client;
  }
  client = new Client(origin, options);
  clientCache.set(key, client);
  if (clientCache.size > CLIENT_CACHE_SIZE) {
    const [oldestKey, oldest] = clientCache.entries().next().value;
    clientCache.delete(oldestKey);
    oldest.close();
  }
  return client;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Dropped when a redirect leads to another origin (as undici and fetch do).
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "host"]);
// Dropped with the body when a redirect turns the request into a GET.
const BODY_HEADERS = new Set(["content-length", "content-type", "content-encoding", "content-language", "content-location", "transfer-encoding"]);

function headerPairs(headers) {
  const flat = flattenHeaders(headers) || [];
  const pairs = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  return pairs;
}

/** One request, like undici.request: resolves to {statusCode, headers,
 * trailers, body} where body is a stream.Readable with text(), json(),
 * arrayBuffer(), bytes(), blob() (trailers are filled once the body has been
 * read), plus http.client's status, reason and rawHeaders. options: method,
 * headers, body, signal (also aborts the body), maxRedirections (redirects
 * followed, default 0), and the connection and TLS options of Client
 * (timeout in ms, ca, ...). Connections are kept alive and shared per origin
 * and options. */
async function request(url, options = {}) {
  let target = new URL(url instanceof URL ? url.href : String(url));
  const allowed = [...ONE_SHOT_OPTIONS, ...CONNECTION_OPTIONS, ...TLS_OPTIONS];
  let { method = "GET", headers, body, signal, maxRedirections = 0, ...clientOptions } = checkOptions(options, allowed, "httpc.request");
  if (!Number.isInteger(maxRedirections) || maxRedirections < 0) throw invalidArgument("maxRedirections must be an integer >= 0");
  if (checkSignal(signal) && signal.aborted) throw new AbortError(undefined, { cause: signal.reason });
  const plainOptions = Object.fromEntries(Object.entries(clientOptions).filter(([k]) => !TLS_OPTIONS.includes(k)));
  let pairs = headerPairs(headers);
  for (let redirects = 0; ; redirects++) {
    checkOrigin(target);
    const client = clientFor(target.origin, target.protocol === "https:" ? clientOptions : plainOptions);
    const path = (target.pathname || "/") + target.search;
    const { conn, res } = await client._open({ path, method, headers: pairs, body, signal });
    const trailers = Object.create(null);
    const responseBody = new ResponseBody(res, signal, (reusable) => client._release(conn, reusable), trailers);
    const location = REDIRECT_STATUSES.has(res.status) ? res.getHeader("location") : null;
    if (location === null || redirects >= maxRedirections || !isReplayable(body)) {
      return {
        statusCode: res.status, status: res.status, reason: res.reason,
        headers: res.headers, rawHeaders: res.rawHeaders, trailers, body: responseBody,
      };
    }
    await responseBody.dump();
    const next = new URL(location, target);
    if ((res.status === 303 && method.toUpperCase() !== "HEAD") || ((res.status === 301 || res.status === 302) && method.toUpperCase() === "POST")) {
      method = "GET";
      body = null;
      pairs = pairs.filter(([name]) => !BODY_HEADERS.has(name.toLowerCase()));
    }
    if (next.origin !== target.origin) pairs = pairs.filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase()));
    target = next;
  }
}

// ---------------------------------------------------------------- tables

const responses = {};
const status = {};
for (let i = 0; i < raw.httpc_status_count(); i++) {
  const code = raw.httpc_status_at(i);
  responses[code] = raw.httpc_status_phrase(code);
  status[raw.httpc_status_name(code)] = code;
}
Object.freeze(responses);
Object.freeze(status);

module.exports = {
  HTTPConnection,
  HTTPSConnection,
  HTTPResponse,
  Client,
  TLSContext,
  AbortError,
  createDefaultContext,
  request,
  responses,
  status,
  HTTP_PORT,
  HTTPS_PORT,
  version: raw.httpc_version_string(),
  ...errors,
};
