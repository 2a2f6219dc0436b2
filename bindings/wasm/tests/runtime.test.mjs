// The runtime module (`pkg/runtime-nodejs`, built without the compiler): it has no
// `Ruleset.compile`, loads what the full module compiled, gives the same bytes for every
// operation, and stays within its size budget.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { gzipSync } from "node:zlib";

import { bindingDir, cliEval, loadWasm, repoRoot } from "./support.mjs";

/** The gzipped size the runtime module must stay within (bytes). */
const RUNTIME_BUDGET = 600 * 1024;

const runtimeDir = path.join(bindingDir, "pkg/runtime-nodejs");
const entry = path.join(runtimeDir, "ordo_wasm.js");
if (!existsSync(entry)) {
  throw new Error(`${entry} is missing: run bindings/wasm/build.sh first`);
}
const runtime = createRequire(import.meta.url)(entry);
const full = loadWasm();

const bikesFile = path.join(repoRoot, "examples/bikes/bikes.ordo");
const bikesSource = readFileSync(bikesFile, "utf8");
const quoteText = readFileSync(path.join(repoRoot, "examples/bikes/quote.json"), "utf8");
const partial = JSON.parse(readFileSync(path.join(repoRoot, "examples/bikes/partial.json"), "utf8"));
const compiled = full.Ruleset.compile(bikesSource, "bikes.ordo");
const loaded = runtime.Ruleset.fromArtifact(compiled.toArtifact());

describe("the runtime module", () => {
  it("has no compiler", () => {
    assert.equal(typeof runtime.Ruleset.compile, "undefined");
    assert.equal(typeof full.Ruleset.compile, "function");
  });

  it("loads an artifact the full module wrote, with its identity", () => {
    assert.equal(loaded.name, compiled.name);
    assert.equal(loaded.version, compiled.version);
    assert.equal(loaded.hash, compiled.hash);
    assert.deepEqual(loaded.toArtifact(), compiled.toArtifact());
  });

  it("evaluates to the native CLI's bytes", () => {
    const native = cliEval(bikesFile, quoteText);
    assert.ok(native.ok, native.errorText);
    assert.equal(loaded.evaluateJson(quoteText), native.text);
    assert.equal(loaded.evaluateJson(quoteText), compiled.evaluateJson(quoteText));
  });

  it("configures as the full module does", () => {
    assert.deepEqual(loaded.configure(partial), compiled.configure(partial));
  });

  it("refuses a damaged artifact as the full module does", () => {
    const bytes = compiled.toArtifact();
    bytes[bytes.length - 2] ^= 1;
    const message = (module) => {
      try {
        module.Ruleset.fromArtifact(bytes);
      } catch (error) {
        return error.message;
      }
      assert.fail("a damaged artifact loaded");
    };
    assert.equal(message(runtime), message(full));
  });

  it(`is at most ${RUNTIME_BUDGET / 1024} KB gzipped`, () => {
    const module = readFileSync(path.join(runtimeDir, "ordo_wasm_bg.wasm"));
    const gzipped = gzipSync(module, { level: 9 }).length;
    assert.ok(gzipped <= RUNTIME_BUDGET, `${gzipped} bytes gzipped`);
  });
});
