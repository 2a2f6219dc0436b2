// The whole conformance suite through the WASM build. Every case must meet its expectation,
// and the WASM answer must be byte for byte the native CLI's answer to the same input:
// `evaluateJson` against `ordo eval --compact`, `configure` / `transitions` / `apply` /
// `fireTimer` (plain objects, decimals as strings) against `ordo configure` / `ordo workflow`.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";

import {
  cliCheck,
  cliConfigure,
  cliEval,
  cliWorkflow,
  conformanceDir,
  loadWasm,
  mismatch,
  outcome,
  sameAsNative,
  parseExact,
  stringifyExact,
  toJsValue,
} from "./support.mjs";

const suite = conformanceDir();
const { Ruleset } = loadWasm();

/** Checks a case's outcome against the case's `expect` / `expect_error`. */
function judge(result, kase) {
  if (result.ok) {
    assert.ok(kase.expect, `expected the error ${stringifyExact(kase.expect_error)}, got ${result.text}`);
    const problem = mismatch(kase.expect, JSON.parse(result.text));
    assert.equal(problem, null, `${problem}\nresult: ${result.text}`);
  } else {
    assert.ok(kase.expect_error, `unexpected error: ${result.errorText}`);
    const problem = mismatch(kase.expect_error, result.error, "error");
    assert.equal(problem, null, `${problem}\nerror: ${result.errorText}`);
  }
}

function runEvaluate(ruleset, file, kase) {
  const inputText = stringifyExact(kase.input ?? null);
  const asOf = kase.as_of;
  const approvals = kase.approvals === undefined ? undefined : toJsValue(kase.approvals);
  const options = { asOf, approvals };
  const mine = outcome(() => ruleset.evaluateJson(inputText, options));
  const approvalsText = kase.approvals === undefined ? undefined : stringifyExact(kase.approvals);
  sameAsNative(mine, cliEval(file, inputText, { asOf, approvalsText }));
  judge(mine, kase);
}

function runConfigure(ruleset, file, kase) {
  const partial = toJsValue(kase.input ?? {});
  const mine = outcome(() => JSON.stringify(ruleset.configure(partial, { asOf: kase.as_of })));
  sameAsNative(mine, cliConfigure(file, partial, { asOf: kase.as_of }));
  judge(mine, kase);
}

function runWorkflow(ruleset, file, kase, op) {
  const request = { workflow: kase.workflow, state: kase.state, actor: kase.actor };
  for (const key of ["input", "as_of", "approvals", "transition", "trigger", "event"]) {
    if (kase[key] !== undefined) request[key] = toJsValue(kase[key]);
  }
  const mine = outcome(() => JSON.stringify(ruleset[op](request)));
  sameAsNative(mine, cliWorkflow(file, request, op));
  judge(mine, kase);
}

if (!suite) {
  it("conformance suite", (t) => t.skip("the conformance suite folder is not there (ORDO_CONFORMANCE)"));
} else {
  const folders = readdirSync(suite)
    .filter((name) => existsSync(path.join(suite, name, "cases.json")))
    .sort();

  it("the suite has cases", () => assert.ok(folders.length > 0, `no case folders in ${suite}`));

  for (const folder of folders) {
    const file = path.join(suite, folder, "ruleset.ordo");
    const source = readFileSync(file, "utf8");
    const cases = parseExact(readFileSync(path.join(suite, folder, "cases.json"), "utf8"));

    describe(folder, () => {
      if (!Array.isArray(cases)) {
        it("is rejected at compile time", () => {
          const expected = cases.compile_error;
          assert.ok(expected, "cases.json is neither a list nor a compile_error");
          const lines = (expected.lines ?? []).map((n) => Number(n.text));
          let thrown = null;
          try {
            Ruleset.compile(source, "ruleset.ordo");
          } catch (error) {
            thrown = error;
          }
          assert.ok(thrown, `expected a ${expected.kind} compile error, but the ruleset compiled`);
          assert.equal(thrown.kind, "compile");
          const hit = thrown.diagnostics.some(
            (d) => d.kind === expected.kind && (lines.length === 0 || lines.includes(d.line)),
          );
          assert.ok(hit, `no ${expected.kind} at lines ${lines}: ${JSON.stringify(thrown.diagnostics)}`);
          const native = cliCheck(file);
          assert.ok(!native.ok, "the CLI compiled what WASM rejected");
          // The CLI names the file by its path; everything else must agree.
          const withoutFile = (ds) => JSON.stringify(ds.map(({ file: _file, ...rest }) => rest));
          assert.equal(withoutFile(thrown.diagnostics), withoutFile(native.diagnostics));
        });
        return;
      }
      const ruleset = Ruleset.compile(source, "ruleset.ordo");
      cases.forEach((kase, i) => {
        const op = kase.op ?? "evaluate";
        it(kase.name ?? `case ${i + 1}`, () => {
          switch (op) {
            case "evaluate":
              return runEvaluate(ruleset, file, kase);
            case "configure":
              return runConfigure(ruleset, file, kase);
            case "transitions":
            case "apply":
              return runWorkflow(ruleset, file, kase, op);
            case "fire_timer":
              return runWorkflow(ruleset, file, kase, "fireTimer");
            default:
              assert.fail(`the case's operation \`${op}\` is not known to this runner`);
          }
        });
      });
    });
  }
}
