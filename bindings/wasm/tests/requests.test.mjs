// configure, transitions, apply and fireTimer through the WASM build, on the repository's
// examples (bikes for the configurator, orders for the workflow), each compared with the native
// CLI's answer to the same request.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";

import {
  cliConfigure,
  cliWorkflow,
  loadWasm,
  outcome,
  repoRoot,
  sameAsNative,
} from "./support.mjs";

const { Ruleset } = loadWasm();
const bikesFile = path.join(repoRoot, "examples/bikes/bikes.ordo");
const bikes = Ruleset.compile(readFileSync(bikesFile, "utf8"));
const ordersFile = path.join(repoRoot, "examples/orders/orders.ordo");
const orders = Ruleset.compile(readFileSync(ordersFile, "utf8"));
const readJson = (name) => JSON.parse(readFileSync(path.join(repoRoot, "examples/orders", name), "utf8"));
const order = readJson("order.json");

/**
 * Runs `call` in WASM and checks the answer against the CLI's. Returns the WASM outcome
 * ({ok, text, result} or {ok: false, error}).
 */
function compared(call, native) {
  const mine = outcome(() => JSON.stringify(call()));
  sameAsNative(mine, native());
  return mine.ok ? { ...mine, result: JSON.parse(mine.text) } : mine;
}

const optionOf = (result, field, value) =>
  result.fields[field].options.find((o) => o.value === value);

describe("configure", () => {
  it("disables what an error constraint rules out, with the constraint's message", () => {
    const partial = { frame: "gravel" };
    const mine = compared(() => bikes.configure(partial), () => cliConfigure(bikesFile, partial));
    assert.ok(mine.ok, mine.errorText);
    const electric = optionOf(mine.result, "groupset", "electric");
    assert.equal(electric.available, false);
    assert.deepEqual(electric.blocked_by.map((b) => b.id), ["electric_gravel"]);
    assert.equal(electric.blocked_by[0].message, "There is no electric gravel bike");
    const childSeat = optionOf(mine.result, "accessories", "child_seat");
    assert.equal(childSeat.available, false);
    assert.deepEqual(childSeat.blocked_by.map((b) => b.id), ["child_seat_frames"]);
    assert.equal(optionOf(mine.result, "groupset", "sport").available, true);
    assert.deepEqual(mine.result.violations, []);
  });

  it("an empty choice leaves every option open", () => {
    const mine = compared(() => bikes.configure({}), () => cliConfigure(bikesFile, {}));
    for (const [name, field] of Object.entries(mine.result.fields)) {
      for (const option of field.options) {
        assert.equal(option.available, true, `${name} = ${JSON.stringify(option.value)}`);
      }
    }
  });

  it("applies defaults to prices and leaves context fields out, as the CLI does", () => {
    const partial = { frame: "gravel" };
    const options = { defaults: "apply", context: ["dealer"] };
    const mine = compared(
      () => bikes.configure(partial, options),
      () => cliConfigure(bikesFile, partial, options),
    );
    assert.ok(mine.ok, mine.errorText);
    assert.notEqual(mine.result.outputs.unit_price_eur, null);
    assert.equal(mine.result.fields.dealer, undefined);
    assert.equal(mine.result.fields.size.selected, null);
    assert.throws(() => bikes.configure(partial, { defaults: "always" }), /defaults/);
  });

  it("takes asOf and refuses JS numbers that are not safe integers", () => {
    const partial = { frame: "cargo", fleet_discount: "0.05" };
    const options = { asOf: "2026-07-01" };
    const mine = compared(
      () => bikes.configure(partial, options),
      () => cliConfigure(bikesFile, partial, options),
    );
    assert.ok(mine.ok, mine.errorText);
    const small = optionOf(mine.result, "size", "s");
    assert.equal(small.available, false);
    assert.equal(small.blocked_by[0].message, "Cargo frames come in sizes M and L only");

    const bad = outcome(() => bikes.configure({ fleet_discount: 0.05 }));
    assert.equal(bad.ok, false);
    assert.equal(bad.error.kind, "invalid_input");
    assert.equal(bad.error.path, "fleet_discount");
    const badOption = outcome(() => bikes.configure({}, { as_of: "2026-07-01" }));
    assert.equal(badOption.error.kind, "invalid_request");
  });
});

describe("workflow", () => {
  const draft = { workflow: "order", state: "draft", actor: "sales", input: order };

  it("transitions lists the next actions with the reasons they are closed", () => {
    const mine = compared(() => orders.transitions(draft), () => cliWorkflow(ordersFile, draft, "transitions"));
    assert.ok(mine.ok, mine.errorText);
    assert.equal(mine.result.state, "draft");
    const submit = mine.result.transitions.find((x) => x.id === "submit");
    assert.equal(submit.enabled, true);
    assert.equal(submit.to, "submitted");

    const workshop = { ...draft, actor: "workshop" };
    const closed = compared(() => orders.transitions(workshop), () => cliWorkflow(ordersFile, workshop, "transitions"));
    const reasons = closed.result.transitions.find((x) => x.id === "submit").reasons;
    assert.equal(closed.result.transitions.find((x) => x.id === "submit").enabled, false);
    assert.deepEqual(reasons.map((r) => r.kind), ["role"]);
  });

  it("apply moves the order and returns the triggers' actions and timers", () => {
    const request = {
      ...draft,
      as_of: "2026-03-02",
      transition: "submit",
      event: readJson("submit.json"),
    };
    const mine = compared(() => orders.apply(request), () => cliWorkflow(ordersFile, request, "apply"));
    assert.ok(mine.ok, mine.errorText);
    assert.equal(mine.result.from, "draft");
    assert.equal(mine.result.to, "submitted");
    assert.ok(mine.result.actions.some((a) => a.trigger === "large_order"));
    assert.ok(mine.result.timers.some((x) => x.trigger === "approval_reminder"));
  });

  it("apply refuses an approval the deal desk has not given, as a transition error", () => {
    const request = {
      workflow: "order",
      state: "submitted",
      actor: "sales_manager",
      input: order,
      transition: "approve",
      event: readJson("approve.json"),
    };
    const mine = compared(() => orders.apply(request), () => cliWorkflow(ordersFile, request, "apply"));
    assert.equal(mine.ok, false);
    assert.ok(mine.error instanceof Error);
    assert.equal(mine.error.kind, "transition");

    const granted = { ...request, approvals: readJson("approvals.json") };
    const approved = compared(() => orders.apply(granted), () => cliWorkflow(ordersFile, granted, "apply"));
    assert.ok(approved.ok, approved.errorText);
    assert.equal(approved.result.to, "approved");
  });

  it("fireTimer returns the due timer's actions", () => {
    const request = {
      workflow: "order",
      state: "submitted",
      input: order,
      trigger: "approval_reminder",
      event: readJson("reminder.json"),
    };
    const mine = compared(() => orders.fireTimer(request), () => cliWorkflow(ordersFile, request, "fireTimer"));
    assert.ok(mine.ok, mine.errorText);
    assert.ok(mine.result.actions.length > 0);
  });

  it("an unknown workflow is an invalid_request", () => {
    const bad = outcome(() => orders.transitions({ ...draft, workflow: "nope" }));
    assert.equal(bad.ok, false);
    assert.equal(bad.error.kind, "invalid_request");
  });
});
