"use strict";
// A name that does not resolve (run under tests/support/no-dns.sh, so no
// query leaves the machine): ResolveError with Node's ENOTFOUND.
const assert = require("node:assert/strict");
const { it } = require("node:test");
const { httpc } = require("./support/helpers");

it("rejects and throws ResolveError (ENOTFOUND) for a name that does not resolve", async () => {
  const conn = new httpc.HTTPConnection("no-such-host.httpc-test.example", 80, { timeout: 5000 });
  const check = (err) => err instanceof httpc.ResolveError && err instanceof httpc.OSError && err.code === "ENOTFOUND";
  assert.throws(() => conn.requestSync("GET", "/"), check);
  await assert.rejects(conn.request("GET", "/"), check);
  await assert.rejects(httpc.request("http://no-such-host.httpc-test.example/"), check);
});
