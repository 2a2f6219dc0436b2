// Measures the WebAssembly build against native code and prints a report:
// module sizes (raw and gzipped, against the 600 KB gzipped budget) and evaluations per second
// of the bikes example's quote in Node.js (WASM) and in a native Rust loop
// (examples/native_eval.rs, built with `cargo build --release`).
//
//   node bench.mjs [SECONDS]      (after build.sh; SECONDS per measurement, default 3)

import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import os from "node:os";
import path from "node:path";

import { loadWasm, repoRoot, bindingDir } from "./tests/support.mjs";

const seconds = Number(process.argv[2] ?? 3);
const rulesetFile = path.join(repoRoot, "examples/bikes/bikes.ordo");
const inputFile = path.join(repoRoot, "examples/bikes/quote.json");
const source = readFileSync(rulesetFile, "utf8");
const inputText = readFileSync(inputFile, "utf8");
const input = JSON.parse(inputText);
const BUDGET_GZIP = 600 * 1024;

/** Calls `f` for about `budget` seconds after a short warm-up; calls per second. */
function rate(budget, f) {
  const warmUntil = performance.now() + budget * 100;
  while (performance.now() < warmUntil) f();
  let calls = 0;
  const start = performance.now();
  const end = start + budget * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++) f();
    calls += 16;
  }
  return calls / ((performance.now() - start) / 1000);
}

function sizes() {
  const rows = [];
  for (const target of ["web", "nodejs"]) {
    for (const file of ["ordo_wasm_bg.wasm", "ordo_wasm.js"]) {
      const full = path.join(bindingDir, "pkg", target, file);
      const bytes = readFileSync(full);
      rows.push({ target, file, raw: statSync(full).size, gzip: gzipSync(bytes, { level: 9 }).length });
    }
  }
  return rows;
}

function wasmRates() {
  const { Ruleset } = loadWasm();
  const compiles = rate(seconds / 4, () => Ruleset.compile(source).free());
  const ruleset = Ruleset.compile(source);
  const evaluateJson = rate(seconds, () => ruleset.evaluateJson(inputText));
  const evaluate = rate(seconds, () => ruleset.evaluate(input));
  const configure = rate(seconds / 2, () => ruleset.configure({ frame: "gravel" }));
  return { compiles, evaluateJson, evaluate, configure };
}

function nativeRates() {
  const env = { ...process.env };
  const cargo = (args) => execFileSync("cargo", args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "inherit"] });
  cargo(["build", "--release", "-p", "ordo-wasm", "--example", "native_eval"]);
  const targetDir = env.CARGO_TARGET_DIR ? path.resolve(repoRoot, env.CARGO_TARGET_DIR) : path.join(repoRoot, "target");
  const binary = path.join(targetDir, "release/examples/native_eval");
  const line = execFileSync(binary, [rulesetFile, inputFile, String(seconds)], { encoding: "utf8" });
  return JSON.parse(line);
}

const fmt = (n) => Math.round(n).toLocaleString("en-US");
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

const sizeRows = sizes();
console.log("sizes", sizeRows);
const wasm = wasmRates();
console.log("wasm", wasm);
const native = nativeRates();
console.log("native", native);

const wasmModule = sizeRows.find((r) => r.target === "web" && r.file === "ordo_wasm_bg.wasm");
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const report = `# WebAssembly binding: size and speed

Measured by \`bindings/wasm/bench.mjs\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} cores (${cpu}),
Node.js ${process.version}, each rate over about ${seconds} s after a warm-up. The input is
\`examples/bikes/quote.json\` against \`examples/bikes/bikes.ordo\` (12 bikes, options, fleet and
dealer discounts, shipping decision table, VAT, approvals).

## Size (profile \`wasm\`: opt-level z, LTO, one codegen unit, panic=abort; wasm-bindgen
\`--remove-name-section --remove-producers-section\`; binaryen 132 \`wasm-opt -O3 --low-memory-unused --zero-filled-memory\`)

| file | raw | gzip -9 |
| --- | ---: | ---: |
${sizeRows.map((r) => `| pkg/${r.target}/${r.file} | ${kb(r.raw)} | ${kb(r.gzip)} |`).join("\n")}

The module is ${kb(wasmModule.gzip)} gzipped: ${wasmModule.gzip <= BUDGET_GZIP ? "within" : "OVER"} the 600 KB budget
(${Math.round((100 * wasmModule.gzip) / BUDGET_GZIP)}% of it). The same module serves both targets.

## Speed

| operation | WASM (Node.js) per second | native per second | WASM / native |
| --- | ---: | ---: | ---: |
| \`evaluateJson\` (text in, canonical text out) vs native \`evaluate_str\` | ${fmt(wasm.evaluateJson)} | ${fmt(native.evaluate_str_per_sec)} | ${(wasm.evaluateJson / native.evaluate_str_per_sec).toFixed(2)} |
| \`evaluate\` (plain JS object in and out) vs native \`evaluate\` (serde value) | ${fmt(wasm.evaluate)} | ${fmt(native.evaluate_value_per_sec)} | ${(wasm.evaluate / native.evaluate_value_per_sec).toFixed(2)} |
| \`Ruleset.compile\` (bikes.ordo) | ${fmt(wasm.compiles)} | ${fmt(native.compiles_per_sec)} | ${(wasm.compiles / native.compiles_per_sec).toFixed(2)} |
| \`configure({frame: "gravel"})\` | ${fmt(wasm.configure)} | — | — |

One evaluation of the quote takes ${(1e6 / wasm.evaluateJson).toFixed(0)} µs in WASM and ${(1e6 / native.evaluate_str_per_sec).toFixed(0)} µs natively: a configurator page
can re-evaluate on every keystroke. The native loop is \`bindings/wasm/examples/native_eval.rs\`
(release profile, same input); the machine was shared with other builds, so treat the ratios as
approximate.
`;

// Printed, not written: benches/RESULTS-wasm.md holds the figures of speed.mjs and sizes.mjs.
console.log(report);
