"use strict";
// The Error classes of httpc, built from the C error table (httpc_error_count,
// httpc_error_at, httpc_error_name, httpc_error_parent), so a code added in C
// gets a class here with no edit. Names are the table's (docs/errors.md),
// except the few that are Python's own words. A class with two parents in C
// (RemoteDisconnected: BadStatusLine and ConnectionResetError) extends one of
// them (the one below the other, when one is: InvalidChunk extends
// IncompleteRead, not HTTPException); `instanceof` asks the C table, so it
// answers true for both.
const os = require("os");

// Python's names that would read oddly in JavaScript.
const RENAMED = {
  gaierror: "ResolveError",
  ValueError: "InvalidArgumentError",
  MemoryError: "OutOfMemoryError",
  RuntimeError: "StateError",
};
// The base of the classes whose code has no parent.
const ROOT_BASE = { InvalidArgumentError: TypeError, OutOfMemoryError: RangeError };
// err.code as Node's own modules say it, where Node has a word for it.
const NODE_CODES = {
  TimeoutError: "ETIMEDOUT",
  ConnectionRefusedError: "ECONNREFUSED",
  ConnectionResetError: "ECONNRESET",
  RemoteDisconnected: "ECONNRESET",
  ResolveError: "ENOTFOUND",
  BrokenPipeError: "EPIPE",
  SSLError: "ERR_TLS",
  InvalidArgumentError: "ERR_INVALID_ARG_VALUE",
  ConnectionAbortedError: "ECONNABORTED",
};
// wolfSSL's verification failures, as Node's tls module names them.
const TLS_VERIFY_CODES = {
  "-322": "ERR_TLS_CERT_ALTNAME_INVALID", // DOMAIN_NAME_MISMATCH
  "-188": "UNABLE_TO_VERIFY_LEAF_SIGNATURE", // ASN_NO_SIGNER_E
  "-151": "CERT_HAS_EXPIRED", // ASN_AFTER_DATE_E
  "-150": "CERT_NOT_YET_VALID", // ASN_BEFORE_DATE_E
};
const ERRNO_NAMES = Object.fromEntries(Object.entries(os.constants.errno).map(([name, n]) => [n, name]));

// "IncompleteRead" -> "ERR_HTTPC_INCOMPLETE_READ"
function derivedCode(name) {
  return "ERR_HTTPC_" + name.replace(/Error$/, "").replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

function buildClasses(raw) {
  const classes = {}; // name -> class
  const byCode = new Map(); // C code -> class
  const count = raw.httpc_error_count();
  for (let i = 0; i < count; i++) {
    const code = raw.httpc_error_at(i);
    const tableName = raw.httpc_error_name(code);
    const name = RENAMED[tableName] || tableName;
    let parentCode = raw.httpc_error_parent(code, 0);
    const second = raw.httpc_error_parent(code, 1);
    if (second !== 0 && raw.httpc_error_is(second, parentCode) === 1) parentCode = second;
    const Parent = byCode.get(parentCode) || ROOT_BASE[name] || Error;
    const cls = {
      [name]: class extends Parent {
        constructor(message, options) {
          super(message === undefined ? raw.httpc_strerror(new.target.httpcCode) : message, options);
          // The most derived class decides (a base constructor ran first).
          this.httpcCode = new.target.httpcCode;
          this.code = new.target.nodeCode;
        }
        static [Symbol.hasInstance](value) {
          if (value instanceof Error && typeof value.httpcCode === "number") {
            return raw.httpc_error_is(value.httpcCode, code) === 1;
          }
          return Function.prototype[Symbol.hasInstance].call(this, value);
        }
      },
    }[name];
    Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });
    Object.defineProperty(cls, "httpcCode", { value: code });
    Object.defineProperty(cls, "nodeCode", { value: NODE_CODES[name] || derivedCode(name) });
    classes[name] = cls;
    byCode.set(code, cls);
  }
  return { classes, byCode };
}

// The factory the addon calls for every failure (sync throw or Promise
// rejection): (code, message, errno, tlsError, expected, line, partial).
function makeFactory(raw, byCode) {
  const HTTPException = byCode.get(raw.HTTPC_E_HTTP);
  return function makeError(code, message, osErrno, tlsError, expected, line, partial) {
    const cls = byCode.get(code) || HTTPException;
    const err = new cls(message);
    err.httpcCode = code;
    if (raw.httpc_error_is(code, raw.HTTPC_E_OS) && osErrno) {
      err.errno = -osErrno; // Node's convention (uv error numbers)
      if (code === raw.HTTPC_E_OS && ERRNO_NAMES[osErrno]) err.code = ERRNO_NAMES[osErrno];
    }
    if (code === raw.HTTPC_E_TLS_CERT_VERIFY) {
      err.code = TLS_VERIFY_CODES[tlsError] || "UNABLE_TO_VERIFY_LEAF_SIGNATURE";
    }
    if (tlsError) err.tlsError = tlsError;
    // The IncompleteRead family (InvalidChunk too, as the C table says): the
    // body read so far, and the bytes still expected when the record knows
    // them (a subclass such as InvalidChunk breaks a chunked body, whose
    // length is unknown).
    if (raw.httpc_error_is(code, raw.HTTPC_E_INCOMPLETE_READ) === 1) {
      err.partial = partial || Buffer.alloc(0);
      err.expected = code === raw.HTTPC_E_INCOMPLETE_READ && expected >= 0 ? expected : null;
    }
    if (raw.httpc_error_is(code, raw.HTTPC_E_BAD_STATUS_LINE) && code !== raw.HTTPC_E_REMOTE_DISCONNECTED) {
      err.line = line;
    }
    return err;
  };
}

module.exports = { buildClasses, makeFactory };
