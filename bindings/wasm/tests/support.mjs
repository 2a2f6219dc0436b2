// Shared helpers of the Node tests: loading the WASM build, running the native CLI, exact JSON
// (numbers keep their source text), and the conformance suite's matching rules.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const bindingDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const repoRoot = path.resolve(bindingDir, "../..");

/** The `--target nodejs` build (run build.sh first). */
export function loadWasm() {
  const entry = path.join(bindingDir, "pkg/nodejs/ordo_wasm.js");
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing: run bindings/wasm/build.sh first`);
  }
  return createRequire(import.meta.url)(entry);
}

/** Debian's Chromium, or the one `CHROMIUM` names. */
export const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** Headless Chromium, driven by playwright-core, with what reaches for the network turned off
 * (on a closed network its connections are refused, many at a time). */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/** The conformance suite's folder, or null when it is not there. */
export function conformanceDir() {
  const dir = process.env.ORDO_CONFORMANCE
    ? path.resolve(repoRoot, process.env.ORDO_CONFORMANCE)
    : path.resolve(repoRoot, "../shared/conformance");
  return existsSync(dir) ? dir : null;
}

/** The native `ordo` binary (ORDO_BIN, else the cargo target dir's debug build). */
export function ordoBin() {
  const candidates = process.env.ORDO_BIN
    ? [process.env.ORDO_BIN]
    : [
        process.env.CARGO_TARGET_DIR && path.join(process.env.CARGO_TARGET_DIR, "debug/ordo"),
        path.join(repoRoot, "target/debug/ordo"),
      ].filter(Boolean);
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new Error(
      `the native CLI was not found (${candidates.join(", ")}): run \`cargo build --bin ordo\` ` +
        "or set ORDO_BIN",
    );
  }
  return found;
}

/**
 * Runs the native CLI with `args` (plus `--compact --format json`). `files` maps a flag to JSON
 * text written to a scratch file (`{"--approvals": "{...}"}`); `stdin` is standard input.
 * Returns {ok: true, text} (the result line) or {ok: false, error, errorText} (the error JSON).
 */
export function cli(args, { stdin = "", files = {} } = {}) {
  const scratch = mkdtempSync(path.join(tmpdir(), "ordo-wasm-"));
  try {
    const full = [...args, "--compact", "--format", "json"];
    for (const [flag, text] of Object.entries(files)) {
      const file = path.join(scratch, `${flag.replace(/^-+/, "")}.json`);
      writeFileSync(file, text);
      full.push(flag, file);
    }
    const run = spawnSync(ordoBin(), full, { input: stdin, encoding: "utf8" });
    if (run.error) throw run.error;
    const stdout = run.stdout.replace(/\n$/, "");
    if (run.status === 0) return { ok: true, text: stdout };
    const parsed = stdout ? JSON.parse(stdout) : null;
    if (!parsed || !parsed.error) {
      throw new Error(`ordo ${args[0]} failed without a JSON error (exit ${run.status}): ${run.stderr}`);
    }
    return { ok: false, error: parsed.error, errorText: JSON.stringify(parsed.error) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `ordo eval FILE --input - [--as-of D] [--trace] [--approvals F]` on `inputText`. */
export function cliEval(rulesetFile, inputText, { asOf, approvalsText, trace } = {}) {
  const args = ["eval", rulesetFile, "--input", "-"];
  if (asOf !== undefined) args.push("--as-of", asOf);
  if (trace) args.push("--trace");
  const files = approvalsText === undefined ? {} : { "--approvals": approvalsText };
  return cli(args, { stdin: inputText, files });
}

/** `ordo configure FILE --input - [--as-of D]` for a partial input (a plain JS object). */
export function cliConfigure(rulesetFile, partial, { asOf, defaults, context } = {}) {
  const args = ["configure", rulesetFile, "--input", "-"];
  if (asOf !== undefined) args.push("--as-of", asOf);
  if (defaults !== undefined) args.push("--defaults", defaults);
  for (const path of context ?? []) args.push("--context", path);
  return cli(args, { stdin: JSON.stringify(partial) });
}

/**
 * `ordo workflow FILE ...` for a request object of `transitions`, `apply` or `fireTimer`
 * (`op`): the same request the WASM call gets, spelled as flags and files.
 */
export function cliWorkflow(rulesetFile, request, op) {
  const args = ["workflow", rulesetFile, "--workflow", request.workflow, "--state", request.state];
  if (request.actor !== undefined) args.push("--actor", request.actor);
  if (request.as_of !== undefined) args.push("--as-of", request.as_of);
  if (op === "apply") args.push("--apply", request.transition);
  if (op === "fireTimer") args.push("--timer", request.trigger);
  const files = { "--input": JSON.stringify(request.input ?? {}) };
  if (request.approvals !== undefined) files["--approvals"] = JSON.stringify(request.approvals);
  if (request.event !== undefined) files["--event"] = JSON.stringify(request.event);
  return cli(args, { files });
}

/** Runs `op`; returns {ok: true, text} or {ok: false, error, errorText} like the CLI helpers. */
export function outcome(op) {
  try {
    return { ok: true, text: op() };
  } catch (error) {
    if (error?.name !== "OrdoError") throw error;
    return { ok: false, error, errorText: errorJsonText(error) };
  }
}

/** WASM and the native CLI gave the same answer, byte for byte (result or error). */
export function sameAsNative(mine, native) {
  if (native.ok) {
    assert.ok(mine.ok, `the CLI succeeded but WASM threw ${mine.errorText}`);
    assert.equal(mine.text, native.text);
  } else {
    assert.ok(!mine.ok, `the CLI failed with ${native.errorText} but WASM returned ${mine.text}`);
    assert.equal(mine.errorText, native.errorText);
  }
}

/** `ordo check FILE --format json`: the file's report ({file, ok, ruleset?, diagnostics}). */
export function cliCheck(rulesetFile) {
  const run = spawnSync(ordoBin(), ["check", rulesetFile, "--format", "json"], { encoding: "utf8" });
  if (run.error) throw run.error;
  const [report] = JSON.parse(run.stdout);
  return report;
}

/** A thrown OrdoError as the engine's error JSON text (kind, message, path, rule, hint, more). */
export function errorJsonText(error) {
  const out = {};
  for (const key of ["kind", "message", "path", "rule", "hint", "more"]) {
    if (error[key] !== undefined) out[key] = error[key];
  }
  return JSON.stringify(out);
}

// ---- exact JSON: numbers keep their source text ----------------------------------------------

/** A JSON number as written in the source ("60000.00" stays "60000.00"). */
export class RawNumber {
  constructor(text) {
    this.text = text;
  }
}

/** JSON.parse that keeps each number's text as a RawNumber. */
export function parseExact(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const fail = (what) => {
    throw new SyntaxError(`${what} at offset ${i}`);
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj = {};
      ws();
      if (text[i] === "}") return i++, obj;
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a key");
        const key = string();
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        obj[key] = value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return i++, obj;
        else fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const arr = [];
      ws();
      if (text[i] === "]") return i++, arr;
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return i++, arr;
        else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (m) {
      i += m[0].length;
      return new RawNumber(m[0]);
    }
    for (const [word, v] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    fail("unexpected character");
  };
  const string = () => {
    const start = i;
    i++;
    while (text[i] !== '"') {
      if (i >= text.length) fail("unterminated string");
      i += text[i] === "\\" ? 2 : 1;
    }
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const result = value();
  ws();
  if (i !== text.length) fail("trailing characters");
  return result;
}

/** Compact JSON text of a parseExact value, numbers as written. */
export function stringifyExact(value) {
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringifyExact).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${stringifyExact(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * A parseExact value as a plain JS value for the object API: safe integers stay numbers,
 * every other number becomes its decimal string (decimals cross the boundary as strings).
 */
export function toJsValue(value) {
  if (value instanceof RawNumber) {
    const n = Number(value.text);
    return /^-?\d+$/.test(value.text) && Number.isSafeInteger(n) ? n : value.text;
  }
  if (Array.isArray(value)) return value.map(toJsValue);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsValue(v)]));
  }
  return value;
}

// ---- the conformance suite's matching rules ---------------------------------------------------

/** A decimal's canonical text (sign, digits, no leading/trailing zeros), or null. */
export function normalizeDecimal(text) {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(String(text));
  if (!m) return null;
  const int = m[2].replace(/^0+(?=\d)/, "");
  const frac = (m[3] || "").replace(/0+$/, "");
  const zero = /^0*$/.test(int + frac);
  return `${zero ? "" : m[1] === "-" ? "-" : ""}${int}${frac ? "." + frac : ""}`;
}

function decimalEqual(a, b) {
  const x = normalizeDecimal(a);
  return x !== null && x === normalizeDecimal(b);
}

/**
 * Where `actual` does not match the partial expectation `expected`, or null (objects match on
 * the expected keys, arrays element by element, decimal strings by value).
 */
export function mismatch(expected, actual, at = "") {
  const where = at || "the result";
  if (expected instanceof RawNumber) {
    if (typeof actual === "number" || typeof actual === "string") {
      return decimalEqual(expected.text, actual) || expected.text === String(actual)
        ? null
        : `${where} is ${JSON.stringify(actual)}, expected ${expected.text}`;
    }
    return `${where} is ${JSON.stringify(actual)}, expected ${expected.text}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return `${where} is ${JSON.stringify(actual)}, expected ${expected.length} element(s)`;
    }
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(expected[i], actual[i], `${at}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
      return `${where} is ${JSON.stringify(actual)}, expected an object`;
    }
    for (const [key, e] of Object.entries(expected)) {
      const child = at ? `${at}.${key}` : key;
      if (!(key in actual)) return `${child} is missing`;
      const m = mismatch(e, actual[key], child);
      if (m) return m;
    }
    return null;
  }
  if (typeof expected === "string" && typeof actual === "string") {
    return expected === actual || decimalEqual(expected, actual)
      ? null
      : `${where} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
  }
  return expected === actual
    ? null
    : `${where} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
}
