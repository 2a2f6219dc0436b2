// WebAssembly against native, by time: `evaluateJson` in Node.js against the native
// `evaluate_str` (examples/native_eval.rs, release profile), the bikes quote, same ruleset, same
// input, same (default) options. The two sides run in turns on the same machine, alternating
// which goes first, so that a change of load hits both; each round gives one ratio, and the
// median of the rounds is the figure. The load average is printed with every round. Both sides
// are timed by the wall clock and, on Linux, by the time the measuring thread was on a CPU
// (`/proc/thread-self/schedstat`), which waiting for a CPU on a loaded machine does not inflate.
//
//   node speed.mjs [ROUNDS] [SECONDS]      (after build.sh; default 7 rounds of 2 s a side)
//
// BROWSER=1 runs the WebAssembly side in headless Chromium (CHROMIUM, default
// /usr/bin/chromium; pkg/web's module, driven by playwright-core), timed by the page's clock,
// so by wall-clock time only.
// WASM_JS may name another build's `ordo_wasm.js` (--target nodejs) than pkg/nodejs's.
// NATIVE_EVAL may name an already built native_eval binary; otherwise it is built with
// `cargo build --release -p ordo-wasm --example native_eval`.

import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { launchChromium, loadWasm, repoRoot } from "./tests/support.mjs";

const rounds = Number(process.argv[2] ?? 7);
const seconds = Number(process.argv[3] ?? 2);
const rulesetFile = path.join(repoRoot, "examples/bikes/bikes.ordo");
const inputFile = path.join(repoRoot, "examples/bikes/quote.json");
const source = readFileSync(rulesetFile, "utf8");
const inputText = readFileSync(inputFile, "utf8");

function nativeBinary() {
  if (process.env.NATIVE_EVAL) return process.env.NATIVE_EVAL;
  execFileSync("cargo", ["build", "--release", "-p", "ordo-wasm", "--example", "native_eval"], {
    cwd: repoRoot,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const targetDir = process.env.CARGO_TARGET_DIR
    ? path.resolve(repoRoot, process.env.CARGO_TARGET_DIR)
    : path.join(repoRoot, "target");
  return path.join(targetDir, "release/examples/native_eval");
}

/** The nanoseconds this (the main) thread has spent on a CPU, or null off Linux. */
function threadCpu() {
  const file = "/proc/thread-self/schedstat";
  return existsSync(file) ? Number(readFileSync(file, "utf8").split(" ")[0]) : null;
}

/** Calls `f` for about `budget` seconds after a warm-up of a tenth of that: the calls made
 * (warm-up included, as native_eval counts them) and calls per second of wall-clock time.
 * Self-contained, so that a browser page can run it too (`inBrowser` sends its text). */
function timedCalls(budget, f) {
  let warmCalls = 0;
  const warmUntil = performance.now() + budget * 100;
  while (performance.now() < warmUntil) {
    f();
    warmCalls++;
  }
  let calls = 0;
  const start = performance.now();
  const end = start + budget * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++) f();
    calls += 16;
  }
  return { calls: warmCalls + calls, wall: calls / ((performance.now() - start) / 1000) };
}

/** `timedCalls`, with calls per second of CPU time where the thread's clock is known. */
function rate(budget, f) {
  const cpuStart = threadCpu();
  const { calls, wall } = timedCalls(budget, f);
  const cpu = cpuStart === null ? null : (calls * 1e9) / (threadCpu() - cpuStart);
  return { wall, cpu };
}

/** The WebAssembly side in Node.js: its result, and a round's rates. */
function inNode() {
  const { Ruleset } = process.env.WASM_JS
    ? createRequire(import.meta.url)(path.resolve(process.env.WASM_JS))
    : loadWasm();
  const ruleset = Ruleset.compile(source);
  return {
    result: ruleset.evaluateJson(inputText),
    round: async () => rate(seconds, () => ruleset.evaluateJson(inputText)),
    close: async () => {},
  };
}

/** The WebAssembly side in headless Chromium: pkg/web's module on a page of its own. */
async function inBrowser() {
  const browser = await launchChromium();
  const page = await browser.newPage();
  const webDir = path.join(repoRoot, "bindings/wasm/pkg/web");
  await page.route("http://ordo.test/**", (route) => {
    const name = new URL(route.request().url()).pathname.slice(1);
    if (name === "" || name === "index.html") {
      return route.fulfill({ contentType: "text/html", body: "<!doctype html><title>speed</title>" });
    }
    const type = name.endsWith(".wasm") ? "application/wasm" : "text/javascript";
    return route.fulfill({ contentType: type, body: readFileSync(path.join(webDir, path.basename(name))) });
  });
  await page.goto("http://ordo.test/index.html");
  const result = await page.evaluate(
    async ([source, input]) => {
      const module = await import("/ordo_wasm.js");
      await module.default();
      globalThis.ruleset = module.Ruleset.compile(source);
      globalThis.input = input;
      return globalThis.ruleset.evaluateJson(input);
    },
    [source, inputText],
  );
  // The same loop as `rate`, in the page (which has no CPU clock).
  const loop = `(${timedCalls})(${seconds}, () => globalThis.ruleset.evaluateJson(globalThis.input))`;
  const round = async () => ({ wall: (await page.evaluate(loop)).wall, cpu: null });
  return { result, round, close: () => browser.close() };
}

const binary = nativeBinary();
const side = process.env.BROWSER === "1" ? await inBrowser() : inNode();
const wasmResult = side.result;
// Warm V8 up (tiering to optimised code) before the first round.
await side.round();

const native = () => {
  const line = execFileSync(binary, [rulesetFile, inputFile, String(seconds), "str"], { encoding: "utf8" });
  const rates = JSON.parse(line);
  return { wall: rates.evaluate_str_per_sec, cpu: rates.evaluate_str_per_cpu_sec };
};
const wasm = side.round;

const ratios = [];
const cpuRatios = [];
const us = (r) => (r ? (1e6 / r).toFixed(1) : "—");
console.log("| round | load (1 min) | native µs (wall / CPU) | WASM µs (wall / CPU) | WASM / native (wall / CPU) |");
console.log("| ---: | ---: | ---: | ---: | ---: |");
for (let round = 1; round <= rounds; round++) {
  let n;
  let w;
  if (round % 2) {
    n = native();
    w = await wasm();
  } else {
    w = await wasm();
    n = native();
  }
  ratios.push(w.wall / n.wall);
  if (w.cpu && n.cpu) cpuRatios.push(w.cpu / n.cpu);
  const cpuRatio = w.cpu && n.cpu ? (w.cpu / n.cpu).toFixed(2) : "—";
  console.log(
    `| ${round} | ${os.loadavg()[0].toFixed(2)} | ${us(n.wall)} / ${us(n.cpu)} | ${us(w.wall)} / ${us(w.cpu)} | ${(w.wall / n.wall).toFixed(2)} / ${cpuRatio} |`,
  );
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `\nmedian WASM / native: ${median(ratios).toFixed(2)} by wall-clock time, ` +
    `${cpuRatios.length ? median(cpuRatios).toFixed(2) : "—"} by CPU time (${rounds} rounds of ${seconds} s a side)`,
);
console.log(`result: ${wasmResult.length} bytes`);
await side.close();
