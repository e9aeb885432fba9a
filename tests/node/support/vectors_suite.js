"use strict";
// One test per conformance vector, plus a check that they all ran.
const assert = require("node:assert/strict");
const path = require("node:path");
const { describe, it, after } = require("node:test");
const { vectorFiles, runVector, checkVector } = require("./helpers");

// The suite holds 126 vectors today; a glob that finds far fewer is a bug.
const MINIMUM_VECTORS = 120;

function runVectorSuite({ sync, concurrency }) {
  const files = vectorFiles();
  let ran = 0;
  describe(`vectors through the ${sync ? "sync" : "Promise"} API`, { concurrency }, () => {
    it("finds the whole suite", () => {
      assert.ok(files.length >= MINIMUM_VECTORS, `only ${files.length} vector files`);
    });
    for (const file of files) {
      it(path.basename(file), async () => {
        checkVector(await runVector(file, sync));
        ran++;
      });
    }
    after(() => {
      assert.equal(ran, files.length, "every vector ran and passed");
    });
  });
}

module.exports = { runVectorSuite };
