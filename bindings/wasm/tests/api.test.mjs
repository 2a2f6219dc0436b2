// The JavaScript API of the WASM build: compile errors, run-time errors as Error objects,
// decimals as strings both ways, options, identity getters, artifacts, and agreement with the
// native CLI on the bikes example.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";

import { cliCheck, cliEval, errorJsonText, loadWasm, repoRoot } from "./support.mjs";

const { Ruleset } = loadWasm();
const bikesFile = path.join(repoRoot, "examples/bikes/bikes.ordo");
const bikesSource = readFileSync(bikesFile, "utf8");
const quoteText = readFileSync(path.join(repoRoot, "examples/bikes/quote.json"), "utf8");
const quote = JSON.parse(quoteText);
const bikes = Ruleset.compile(bikesSource, "bikes.ordo");

/** Calls `f`, which must throw; returns what it threw. */
function thrown(f) {
  try {
    f();
  } catch (error) {
    return error;
  }
  assert.fail("expected an error");
}

/** Every number in `value` (the result must carry decimals as strings). */
function numbersIn(value, at = "", found = []) {
  if (typeof value === "number") found.push([at, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => numbersIn(v, `${at}[${i}]`, found));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) numbersIn(v, at ? `${at}.${k}` : k, found);
  }
  return found;
}

describe("identity", () => {
  it("has the name, version, effective date and hash of the native CLI", () => {
    assert.equal(bikes.name, "bikes");
    assert.equal(bikes.version, "2.0.0");
    assert.equal(bikes.effective, "2026-01-01");
    assert.match(bikes.hash, /^sha256:[0-9a-f]{64}$/);
    const native = cliCheck(bikesFile);
    assert.ok(native.ok);
    assert.deepEqual(native.ruleset, { name: bikes.name, version: bikes.version, hash: bikes.hash });
  });

  it("keeps the hash when only a comment is added and changes it with the meaning", () => {
    const commented = Ruleset.compile(`${bikesSource}\n// a new comment\n`);
    assert.equal(commented.hash, bikes.hash);
    const changed = Ruleset.compile(bikesSource.replace("city => 420.00", "city => 421.00"));
    assert.notEqual(changed.hash, bikes.hash);
  });

  it("round-trips through an artifact", () => {
    const bytes = bikes.toArtifact();
    assert.ok(bytes instanceof Uint8Array && bytes.length > 0);
    const restored = Ruleset.fromArtifact(bytes);
    assert.equal(restored.hash, bikes.hash);
    assert.equal(restored.evaluateJson(quoteText), bikes.evaluateJson(quoteText));
    const error = thrown(() => Ruleset.fromArtifact(new Uint8Array([1, 2, 3])));
    assert.equal(error.name, "OrdoError");
    assert.equal(typeof error.kind, "string");
  });
});

describe("evaluate", () => {
  it("returns plain objects equal to the canonical JSON text", () => {
    const result = bikes.evaluate(quote);
    assert.deepEqual(result, JSON.parse(bikes.evaluateJson(quoteText)));
    assert.equal(result.ruleset.hash, bikes.hash);
    assert.equal(result.valid, true);
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
  });

  it("gives the native CLI's bytes for the bikes quote, with and without options", () => {
    assert.equal(bikes.evaluateJson(quoteText), cliEval(bikesFile, quoteText).text);
    const options = { asOf: "2026-07-15", trace: true };
    assert.equal(
      bikes.evaluateJson(quoteText, options),
      cliEval(bikesFile, quoteText, { asOf: "2026-07-15", trace: true }).text,
    );
  });

  it("returns every decimal as a string that keeps its scale", () => {
    const result = bikes.evaluate(quote);
    const q = result.quotes.quote;
    assert.equal(q.currency, "EUR");
    assert.equal(typeof q.total, "string");
    assert.match(q.total, /^\d+\.\d{2}$/);
    for (const line of q.lines) {
      assert.equal(typeof line.amount, "string", line.id);
      if (line.unit_price !== undefined) assert.equal(typeof line.unit_price, "string");
    }
    assert.equal(result.outputs.unit_price_eur, "847.50");
    assert.deepEqual(numbersIn(result), []);
  });

  it("takes decimals as strings, safe integers and BigInts as numbers", () => {
    const asStrings = bikes.evaluate({ ...quote, quantity: "12" });
    assert.deepEqual(asStrings, bikes.evaluate(quote));
    const asBigInt = bikes.evaluate({ ...quote, quantity: 12n });
    assert.deepEqual(asBigInt, bikes.evaluate(quote));
  });

  it("refuses a JS number that is not a safe integer, naming the path", () => {
    const fraction = thrown(() => bikes.evaluate({ ...quote, fleet_discount: 0.05 }));
    assert.ok(fraction instanceof Error);
    assert.equal(fraction.name, "OrdoError");
    assert.equal(fraction.kind, "invalid_input");
    assert.equal(fraction.path, "fleet_discount");
    assert.match(fraction.message, /0\.05/);
    assert.equal(fraction.hint, 'pass decimals as strings: "0.05"');

    const nested = thrown(() => bikes.evaluate({ ...quote, ship_to: { country: "DE", express: 1.5 } }));
    assert.equal(nested.path, "ship_to.express");

    const huge = thrown(() => bikes.evaluate({ ...quote, quantity: 2 ** 53 }));
    assert.equal(huge.kind, "invalid_input");
    assert.equal(huge.path, "quantity");

    const nan = thrown(() => bikes.evaluate({ ...quote, quantity: NaN }));
    assert.equal(nan.path, "quantity");
    assert.match(nan.message, /NaN/);

    const inArray = thrown(() => bikes.evaluate({ ...quote, accessories: ["rack", 0.5] }));
    assert.equal(inArray.path, "accessories[1]");
  });

  it("throws run-time errors as Error objects with kind, path, rule and hint", () => {
    const { frame: _frame, ...noFrame } = quote;
    const missing = thrown(() => bikes.evaluate(noFrame));
    assert.ok(missing instanceof Error);
    assert.equal(missing.kind, "missing_input");
    assert.equal(missing.path, "frame");
    assert.equal(missing.rule, undefined);
    assert.ok(missing.message.length > 0);
    assert.ok(missing.stack);

    const unknown = thrown(() => bikes.evaluate({ ...quote, colour: "red" }));
    assert.equal(unknown.kind, "unknown_field");
    assert.equal(unknown.path, "colour");

    const badEnum = thrown(() => bikes.evaluate({ ...quote, frame: "tandem" }));
    assert.equal(badEnum.kind, "invalid_input");
    assert.equal(badEnum.path, "frame");
    assert.match(badEnum.message, /city, trekking, gravel, cargo/);

    // The same error, field for field, as the native CLI's error JSON.
    const text = JSON.stringify({ ...quote, frame: "tandem" });
    assert.equal(errorJsonText(thrown(() => bikes.evaluateJson(text))), cliEval(bikesFile, text).errorText);
  });

  it("names the failing rule of a rule error", () => {
    const source = `ruleset lookup version "1.0.0"
input { country: Text }
table rate: Text -> Decimal { "DE" => 19.00 }
output vat = rate[country]
`;
    const error = thrown(() => Ruleset.compile(source).evaluate({ country: "FR" }));
    assert.equal(error.kind, "missing_key");
    assert.equal(error.rule, "rate");
  });

  it("refuses JSON text with a key given twice, naming its path, as the native CLI does", () => {
    const text = quoteText.replace(/}\s*$/, ', "quantity": 1}');
    const repeated = thrown(() => bikes.evaluateJson(text));
    assert.equal(repeated.kind, "invalid_input");
    assert.equal(repeated.path, "quantity");
    assert.match(repeated.message, /appears twice/);
    assert.equal(errorJsonText(repeated), cliEval(bikesFile, text).errorText);
    // A byte-order mark in front is skipped.
    assert.equal(bikes.evaluateJson("\uFEFF" + quoteText), bikes.evaluateJson(quoteText));
  });

  it("reports bad JSON text and bad arguments as invalid_request", () => {
    const badJson = thrown(() => bikes.evaluateJson("{"));
    assert.equal(badJson.kind, "invalid_request");
    assert.match(badJson.message, /not valid JSON/);
    const undef = thrown(() => bikes.evaluate(undefined));
    assert.equal(undef.kind, "invalid_request");
    const cyclic = {};
    cyclic.self = cyclic;
    const cycle = thrown(() => bikes.evaluate(cyclic));
    assert.equal(cycle.kind, "invalid_request");
    assert.match(cycle.message, /circular/i);
  });
});

describe("options", () => {
  const cargo = { frame: "cargo", size: "m", quantity: 1, ship_to: { country: "DE" } };

  it("asOf picks the table version in force", () => {
    const before = bikes.evaluate(cargo, { asOf: "2026-03-01" });
    const after = bikes.evaluate(cargo, { asOf: "2026-07-01" });
    assert.equal(before.outputs.unit_price_eur, "1490.00");
    assert.equal(after.outputs.unit_price_eur, "1590.00");
    assert.equal(after.as_of, "2026-07-01");
    assert.equal(bikes.evaluate(cargo).as_of, "2026-01-01");
    assert.deepEqual(bikes.evaluate(cargo, null), bikes.evaluate(cargo, undefined));
  });

  it("trace explains the result", () => {
    const result = bikes.evaluate(cargo, { trace: true });
    assert.ok(Array.isArray(result.trace) && result.trace.length > 0);
    assert.ok(result.trace.some((t) => t.id === "shipping"));
    assert.equal(bikes.evaluate(cargo).trace, undefined);
  });

  it("approvals are matched against the facts they were granted on", () => {
    const big = { ...quote, dealer: "premium" };
    const pending = bikes.evaluate(big).approvals.discounts;
    const lead = pending.steps.find((s) => s.id === "lead");
    assert.equal(lead.status, "pending");
    const approvals = { discounts: { lead: { by: "ana", facts: lead.facts } } };
    const granted = bikes.evaluate(big, { approvals });
    assert.equal(granted.approvals.discounts.steps.find((s) => s.id === "lead").status, "granted");
    const text = JSON.stringify(big);
    assert.equal(
      bikes.evaluateJson(text, { approvals }),
      cliEval(bikesFile, text, { approvalsText: JSON.stringify(approvals) }).text,
    );
  });

  it("an unknown option or a malformed date is an invalid_request", () => {
    const typo = thrown(() => bikes.evaluate(cargo, { as_of: "2026-03-01" }));
    assert.equal(typo.kind, "invalid_request");
    assert.match(typo.message, /as_of/);
    const date = thrown(() => bikes.evaluate(cargo, { asOf: "1 March 2026" }));
    assert.equal(date.kind, "invalid_request");
    const trace = thrown(() => bikes.evaluateJson("{}", { trace: "yes" }));
    assert.equal(trace.kind, "invalid_request");
  });
});

describe("compile errors", () => {
  it("throw an Error with every diagnostic: kind, message, line, column, hint", () => {
    const source = `ruleset broken version "1.0.0"
input { quantity: Int }
output total = quantty * 2
output other = missing_thing + 1
`;
    const error = thrown(() => Ruleset.compile(source, "broken.ordo"));
    assert.ok(error instanceof Error);
    assert.equal(error.name, "OrdoError");
    assert.equal(error.kind, "compile");
    assert.equal(error.diagnostics.length, 2);
    const [first, second] = error.diagnostics;
    assert.equal(first.kind, "unknown_name");
    assert.equal(first.line, 3);
    assert.equal(first.column, 16);
    assert.equal(first.file, "broken.ordo");
    assert.match(first.message, /quantty/);
    assert.match(first.hint, /quantity/);
    assert.equal(second.line, 4);
    assert.equal(typeof second.message, "string");
    assert.ok("hint" in second);
    // The message is the rendered report, as the CLI prints it.
    assert.match(error.message, /broken\.ordo:3:16/);
    assert.match(error.message, /quantty/);
  });

  it("run rulesets at the depth limit and refuse deeper ones with a diagnostic", () => {
    const chain = (depth) => {
      let text = "";
      for (let i = 0; i < depth; i++) text += `if x == ${i} then ${i} else `;
      return `ruleset deep version "1.0.0"\ninput { x: Int }\noutput y = ${text}0\n`;
    };
    const atLimit = Ruleset.compile(chain(63));
    assert.equal(atLimit.evaluate({ x: 62 }).outputs.y, "62");
    for (const depth of [64, 2500, 100000]) {
      const error = thrown(() => Ruleset.compile(chain(depth)));
      assert.equal(error.kind, "compile");
      assert.match(error.diagnostics[0].message, /nest more than 64 levels deep/);
    }
    // Inputs: deep or circular values are refused with their path, not a stack overflow.
    let deep = 1;
    for (let i = 0; i < 100000; i++) deep = { a: deep };
    const circular = [];
    circular.push(circular);
    for (const value of [deep, circular]) {
      const error = thrown(() => atLimit.evaluate({ x: value }));
      assert.match(error.message, /nests more than 128 levels deep/);
    }
  });

  it("report syntax errors with their position", () => {
    const error = thrown(() => Ruleset.compile('ruleset x version "1.0.0"\ninput { a: Int \n'));
    assert.equal(error.kind, "compile");
    assert.equal(error.diagnostics[0].kind, "syntax");
    assert.ok(error.diagnostics[0].line >= 2);
    assert.equal(error.diagnostics[0].file, "ruleset.ordo");
  });
});

describe("data files (spec §21)", () => {
  const source = `ruleset contracts version "1.0.0"
effective 2026-01-01
enum Model { c10, c20 }
input { customer: Text  model: Model }
table contract_price: (Text, Model) -> Decimal from "contracts.csv"
output unit = contract_price[customer, model]? ?? 1.00
`;
  const csv = "customer,model,price,valid_from,valid_to\nC-1,c20,200.00,2026-01-01,2026-07-01\nC-1,c20,210.00,2026-07-01,\n";

  it("are given by name and read at the evaluation date", () => {
    const ruleset = Ruleset.compile(source, "contracts.ordo", { "contracts.csv": csv });
    const input = { customer: "C-1", model: "c20" };
    assert.equal(ruleset.evaluate(input, { asOf: "2026-03-01" }).outputs.unit, "200.00");
    assert.equal(ruleset.evaluate(input, { asOf: "2026-08-01" }).outputs.unit, "210.00");
    const changed = Ruleset.compile(source, "contracts.ordo", {
      "contracts.csv": csv.replace("210.00", "211.00"),
    });
    assert.notEqual(changed.hash, ruleset.hash);
  });

  it("report a missing file and a bad cell as invalid_data", () => {
    const missing = thrown(() => Ruleset.compile(source));
    assert.equal(missing.diagnostics[0].kind, "invalid_data");
    const bad = thrown(() =>
      Ruleset.compile(source, "contracts.ordo", { "contracts.csv": csv.replace("200.00", "lots") }),
    );
    assert.equal(bad.diagnostics[0].file, "contracts.csv");
    assert.equal(bad.diagnostics[0].line, 2);
    assert.equal(bad.diagnostics[0].ruleset.file, "contracts.ordo");
  });
});
