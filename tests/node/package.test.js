"use strict";
// build/node is a complete npm package: it installs into a new project
// (from the folder and from `npm pack`'s tarball) and require('httpc')
// works there; index.d.ts type-checks a program using the whole API.
const assert = require("node:assert/strict");
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { describe, it, before, after } = require("node:test");
const { ROOT, PACKAGE } = require("./support/helpers");

const DEV = path.join(ROOT, "bindings", "node", "dev", "node_modules");
const npm = (args, cwd) => execFileSync("npm", [...args, "--offline", "--no-audit", "--no-fund"], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

describe("the npm package", () => {
  let dir;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "httpc-node-pkg-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("has the fields npm and TypeScript look at", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE, "package.json"), "utf8"));
    assert.equal(pkg.name, "httpc");
    assert.equal(pkg.main, "index.js");
    assert.equal(pkg.types, "index.d.ts");
    assert.ok(pkg.engines.node);
    for (const file of [pkg.main, pkg.types, "httpc_raw.node", "index.mjs", "index.d.mts"]) assert.ok(fs.existsSync(path.join(PACKAGE, file)), file);
    for (const file of pkg.files) assert.ok(fs.existsSync(path.join(PACKAGE, file)), `${file} of "files"`);
    assert.equal(pkg.exports["."].import.default, "./index.mjs");
    // The addon links wolfSSL in: both licences are named and shipped.
    assert.equal(pkg.license, "(MIT AND GPL-2.0-or-later)");
    assert.match(fs.readFileSync(path.join(PACKAGE, "LICENSE"), "utf8"), /MIT License/);
    assert.match(fs.readFileSync(path.join(PACKAGE, "LICENSE.wolfSSL"), "utf8"), /wolfSSL[\s\S]*GNU GENERAL PUBLIC LICENSE/);
    assert.deepEqual(pkg.os, ["linux"]);
    assert.deepEqual(pkg.cpu, [process.arch]);
  });

  it("installs from the folder and from the packed tarball into a new project", () => {
    for (const how of ["folder", "tarball"]) {
      const project = path.join(dir, how);
      fs.mkdirSync(project);
      npm(["init", "-y"], project);
      let source = PACKAGE;
      if (how === "tarball") {
        const name = npm(["pack", PACKAGE, "--pack-destination", dir], project).trim().split("\n").pop();
        source = path.join(dir, name);
      }
      npm(["install", source], project);
      const out = execFileSync(process.execPath, ["-e", "const h = require('httpc'); console.log(h.version, typeof h.HTTPConnection, h.responses[200])"], {
        cwd: project, encoding: "utf8",
      });
      assert.match(out, /^\d+\.\d+\.\d+ function OK\n$/, how);
    }
  });

  it("imports every name index.d.ts declares, and every export of require, from an ES module", () => {
    const project = path.join(dir, "esm");
    fs.mkdirSync(path.join(project, "node_modules"), { recursive: true });
    fs.symlinkSync(PACKAGE, path.join(project, "node_modules", "httpc"));
    const declarations = fs.readFileSync(path.join(PACKAGE, "index.d.ts"), "utf8");
    const declared = [...declarations.matchAll(/^export (?:declare )?(?:class|function|const) ([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]);
    const required = Object.keys(require(PACKAGE));
    assert.ok(declared.includes("TimeoutError") && declared.includes("request"), "the declarations were read");
    assert.deepEqual(required.filter((name) => !declared.includes(name)), [], "every export is declared in index.d.ts");
    const names = [...new Set([...declared, ...required])];
    const program = `import { ${names.join(", ")} } from "httpc";
      import httpc from "httpc";
      const values = { ${names.join(", ")} };
      const missing = Object.keys(values).filter((k) => values[k] === undefined || values[k] !== httpc[k]);
      if (missing.length) throw new Error("not importable: " + missing.join(", "));
      const dynamic = await import("httpc");
      if (!(new dynamic.TimeoutError() instanceof OSError)) throw new Error("TimeoutError is not an OSError");
      console.log(Object.keys(values).length);`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", program], { cwd: project, encoding: "utf8" });
    assert.equal(Number(out.trim()), names.length);
  });

  it("type-checks named ES module imports with tsc --module nodenext", () => {
    const tsc = path.join(DEV, "typescript", "bin", "tsc");
    const project = path.join(dir, "ts-esm");
    fs.mkdirSync(path.join(project, "node_modules", "@types"), { recursive: true });
    fs.symlinkSync(PACKAGE, path.join(project, "node_modules", "httpc"));
    fs.symlinkSync(path.join(DEV, "@types", "node"), path.join(project, "node_modules", "@types", "node"));
    fs.symlinkSync(path.join(DEV, "undici-types"), path.join(project, "node_modules", "undici-types"));
    fs.writeFileSync(path.join(project, "main.mts"), `import httpc, { TimeoutError, HTTPConnection, request, type OneShotResponse } from "httpc";
      const conn: HTTPConnection = new HTTPConnection("127.0.0.1", 8080, { timeout: 100 });
      const isTimeout: boolean = new TimeoutError() instanceof httpc.OSError;
      export async function get(): Promise<number> {
        const res: OneShotResponse = await request("http://127.0.0.1/");
        return res.statusCode + (await res.body.text()).length + (isTimeout ? 1 : 0) + conn.fileno();
      }
`);
    execFileSync(process.execPath, [tsc, "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--types", "node", "main.mts"], {
      cwd: project, encoding: "utf8",
    });
    fs.writeFileSync(path.join(project, "misuse.mts"), 'import { NoSuchExport } from "httpc";\nexport { NoSuchExport };\n');
    assert.throws(() => execFileSync(process.execPath, [tsc, "--noEmit", "--strict", "--module", "nodenext", "--types", "node", "misuse.mts"], { cwd: project, stdio: "pipe" }));
  });

  it("type-checks a program using the whole API with tsc --strict", () => {
    const tsc = path.join(DEV, "typescript", "bin", "tsc");
    assert.ok(fs.existsSync(tsc), "typescript is installed by tools/run deps in bindings/node/dev");
    const project = path.join(dir, "ts");
    fs.mkdirSync(path.join(project, "node_modules", "@types"), { recursive: true });
    fs.symlinkSync(PACKAGE, path.join(project, "node_modules", "httpc"));
    fs.symlinkSync(path.join(DEV, "@types", "node"), path.join(project, "node_modules", "@types", "node"));
    fs.symlinkSync(path.join(DEV, "undici-types"), path.join(project, "node_modules", "undici-types"));
    fs.copyFileSync(path.join(__dirname, "types", "uses_whole_api.ts"), path.join(project, "uses_whole_api.ts"));
    execFileSync(process.execPath, [tsc, "--noEmit", "--strict", "--target", "es2022", "--module", "commonjs", "--types", "node", "uses_whole_api.ts"], {
      cwd: project, encoding: "utf8",
    });
    // And it catches a misuse.
    fs.writeFileSync(path.join(project, "misuse.ts"), 'import * as httpc from "httpc";\nconst n: number = new httpc.HTTPConnection("h").host;\nexport { n };\n');
    assert.throws(() => execFileSync(process.execPath, [tsc, "--noEmit", "--strict", "--types", "node", "misuse.ts"], { cwd: project, stdio: "pipe" }));
  });
});
