// The portal in real headless Chromium against a real `ordo serve` on loopback: people sign in
// with their tokens and see what their roles allow; an incoming document is sent to review,
// corrected, accepted and booked; an order's approval steps are granted and rejected by two
// people; the audit log shows the correction and the hash chain's status (intact, then broken
// where a row of the store file was changed); two versions are compared on the rules page.
// axe-core checks every page for serious accessibility violations. Screenshots go to
// target/portal-screenshots/.
//
// Needs the `ordo` binary (ORDO_BIN, default target/debug/ordo) and Debian's chromium
// (CHROMIUM, default /usr/bin/chromium); scripts/test-portal provides both, and the `sqlite3`
// command that changes a row of the store for the broken chain (skipped without it unless
// ORDO_BROWSER_TEST=required).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { serveOrdo } from "./serve.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../../..");
const ordoBin = process.env.ORDO_BIN ?? path.join(repoRoot, "target/debug/ordo");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const shots = path.join(repoRoot, "target/portal-screenshots");
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** People and programs: a token each. Operators act as persons with ruleset roles. */
const PEOPLE = {
  admin: { token: "admin-token-0123456789abcdef", caller: "ops-admin", roles: ["admin"] },
  author: { token: "author-token-0123456789abcdef", caller: "ci", roles: ["author"] },
  evaluator: { token: "evaluator-token-0123456789abcdef", caller: "pricing", roles: ["evaluator"] },
  auditor: { token: "auditor-token-0123456789abcdef", caller: "compliance", roles: ["auditor"] },
  // Cleo also holds a role of another ruleset: her writes on documents send only `clerk`.
  cleo: { token: "cleo-token-0123456789abcdef", caller: "cleo-laptop", roles: ["operator", "evaluator"], person: ["clerk", "sales"] },
  rita: { token: "rita-token-0123456789abcdef", caller: "rita-laptop", roles: ["operator"], person: ["reviewer"] },
  aron: { token: "aron-token-0123456789abcdef", caller: "aron-laptop", roles: ["operator"], person: ["accountant"] },
  ana: { token: "ana-token-0123456789abcdef", caller: "ana-laptop", roles: ["operator"], person: ["sales", "finance"] },
  ben: { token: "ben-token-0123456789abcdef", caller: "ben-laptop", roles: ["operator"], person: ["sales_manager"] },
  bea: { token: "bea-token-0123456789abcdef", caller: "bea-laptop", roles: ["operator"], person: ["sales_manager"] },
};

function tokensFile() {
  return Object.entries(PEOPLE)
    .map(([id, p]) => {
      const person = p.person ? `person = { id = "${id}", roles = [${p.person.map((r) => `"${r}"`).join(", ")}] }\n` : "";
      return `[[tokens]]\ntoken = "${p.token}"\ncaller = "${p.caller}"\nroles = [${p.roles.map((r) => `"${r}"`).join(", ")}]\n${person}`;
    })
    .join("\n");
}

/** A ruleset whose only state is overdue the moment it is entered (an SLA of 0 minutes). */
const CALLBACKS = `ruleset callbacks version "1.0.0"
effective 2026-01-01

roles agent

input {
  customer: Text
}

workflow callback {
  state waiting initial owner agent sla 0 minutes
  state done final

  transition call: waiting -> done by agent
}
`;

/** Starts `ordo serve` on a free loopback port; resolves to `{base, stop}`. */
async function startServer(dir) {
  writeFileSync(path.join(dir, "tokens.toml"), tokensFile());
  return serveOrdo(ordoBin, ["--db", path.join(dir, "ordo.db"), "--tokens", path.join(dir, "tokens.toml")]);
}

async function api(base, who, method, route, body) {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: { Authorization: `Bearer ${PEOPLE[who].token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  assert.ok(response.ok, `${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function seed(base) {
  const documents = readFileSync(path.join(repoRoot, "examples/documents/documents.ordo"), "utf8");
  await api(base, "author", "POST", "/v1/rulesets", { source: documents });
  await api(base, "author", "POST", "/v1/rulesets", {
    source: documents.replace('version "1.0.0"', 'version "1.1.0"').replace("invoice => 0.90", "invoice => 0.80"),
  });
  await api(base, "author", "POST", "/v1/rulesets", { source: readFileSync(path.join(repoRoot, "examples/orders/orders.ordo"), "utf8") });
  await api(base, "author", "POST", "/v1/rulesets", { source: CALLBACKS });
  const doc = (id, klass, confidence, amountConfidence) => ({
    document_id: id,
    class: klass,
    confidence,
    supplier: { value: "Kranz GmbH", confidence: "0.95" },
    amount: { value: "1180.00", confidence: amountConfidence },
  });
  const start = (who, ruleset, workflow, id, input, version) =>
    api(base, who, "POST", "/v1/instances", { ruleset, workflow, id, input, ...(version ? { version } : {}) });
  await start("cleo", "documents", "document", "D-1", doc("D-1", "invoice", "0.81", "0.60"), "1.0.0");
  await start("cleo", "documents", "document", "D-2", doc("D-2", "receipt", "0.97", "0.92"), "1.0.0");
  await start("cleo", "documents", "document", "D-3", doc("D-3", "customs_form", "0.99", "0.99"), "1.0.0");
  await start("admin", "callbacks", "callback", "CB-1", { customer: "Kranz GmbH" });
  await start("ana", "orders", "order", "SO-1", {
    product: "desk",
    quantity: 30,
    discount: "0.25",
    customer: { name: "Kranz GmbH", country: "DE" },
    sales_rep: "ana",
  });
}

/** Every entry of the audit log, oldest first, read page by page as the auditor. */
async function auditEntries(base) {
  const entries = [];
  let cursor;
  do {
    const page = await api(base, "auditor", "GET", `/v1/audit?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    entries.push(...page.entries);
    cursor = page.next_cursor;
  } while (cursor);
  return entries;
}

/** Runs `sql` on the SQLite store file `db` beside the running server; returns its output. */
function sqlite(db, sql) {
  return execFileSync("sqlite3", ["-bail", "-cmd", ".timeout 10000", db], { input: sql, encoding: "utf8" });
}

const noSqlite = spawnSync("sqlite3", ["-version"]).error ? "no sqlite3 command" : null;

const skip = (() => {
  try {
    readFileSync(chromiumPath);
  } catch {
    return `no Chromium at ${chromiumPath}`;
  }
  try {
    readFileSync(ordoBin);
  } catch {
    return `no ordo binary at ${ordoBin}`;
  }
  return null;
})();

test("the portal in headless Chromium", { skip: process.env.ORDO_BROWSER_TEST !== "required" && skip }, async (t) => {
  assert.equal(skip, null, skip ?? "");
  const dir = mkdtempSync(path.join(tmpdir(), "ordo-portal-"));
  mkdirSync(shots, { recursive: true });
  const server = await startServer(dir);
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  const problems = [];
  const serious = [];
  try {
    await seed(server.base);

    /** A fresh tab (its own sessionStorage) signed in as `who`. */
    const signIn = async (who) => {
      // bypassCSP lets the test inject axe-core; the page itself runs under the server's policy.
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
      const page = await context.newPage();
      page.on("pageerror", (error) => problems.push(`${who}: page error: ${error.message}`));
      page.on("console", (message) => {
        // A refused request (403, 422) is the test's point in places; the browser logs it.
        if (message.type() === "error" && !/status of (4\d\d)/.test(message.text())) problems.push(`${who}: console: ${message.text()}`);
      });
      await page.goto(`${server.base}/`);
      await page.getByLabel("Token").fill(PEOPLE[who].token);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForSelector("body[data-ready='true'] #whoami");
      return page;
    };
    const go = async (page, hash, selector) => {
      const same = await page.evaluate((h) => {
        document.body.dataset.ready = "false";
        if (location.hash === h) return true;
        location.hash = h;
        return false;
      }, hash);
      // The same hash fires no hashchange: load the page again (the token stays in the tab).
      if (same) await page.reload();
      try {
        await page.waitForSelector("body[data-ready='true']", { timeout: 10000 });
        if (selector) await page.waitForSelector(selector, { timeout: 10000 });
      } catch (error) {
        await shot(page, `failed-${hash.replace(/\W+/g, "-")}`);
        throw new Error(`${hash}: ${error.message}\n${await page.locator("main").textContent()}`);
      }
    };
    const axe = async (page, name) => {
      await page.addScriptTag({ content: axeSource });
      const result = await page.evaluate(async () => {
        // eslint-disable-next-line no-undef
        const found = await axe.run(document, { resultTypes: ["violations"] });
        return found.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
      });
      for (const v of result) if (v.impact === "serious" || v.impact === "critical") serious.push(`${name}: ${v.id} (${v.impact}) at ${v.nodes.join(", ")}`);
    };
    const shot = (page, name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: false });
    const navLabels = (page) => page.locator("#nav a").allTextContents();

    await t.test("a wrong token is refused, and the sign-in form is accessible", async () => {
      const context = await browser.newContext({ bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${server.base}/`);
      await page.getByLabel("Token").fill("not-a-known-token-0123456789");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForSelector("#login-error:has-text('not known')");
      await axe(page, "sign-in");
      await shot(page, "sign-in");
      await context.close();
    });

    await t.test("each role sees its pages", async () => {
      const expected = {
        admin: ["Work board", "Approvals", "Review queue", "Rules", "Dashboard", "Audit"],
        author: ["Rules"],
        evaluator: ["Rules"],
        auditor: ["Work board", "Review queue", "Rules", "Dashboard", "Audit"],
        cleo: ["Work board", "Approvals", "Review queue", "Rules", "Dashboard"],
      };
      for (const [who, pages] of Object.entries(expected)) {
        const page = await signIn(who);
        assert.deepEqual(await navLabels(page), pages, who);
        await page.context().close();
      }
    });

    await t.test("a clerk sends an unsure document to review from the work board", async () => {
      const page = await signIn("cleo");
      await go(page, "#/board", ".column");
      const received = page.locator('.workflow:has(h2:has-text("documents")) .column[data-state="received"] .card');
      assert.equal(await received.count(), 3);
      assert.equal(await page.locator('.card.overdue[data-instance="CB-1"]').count(), 1, "CB-1 is overdue");
      await page.getByLabel("Overdue only").check();
      assert.deepEqual(await page.locator(".card").evaluateAll((cards) => cards.map((c) => c.dataset.instance)), ["CB-1"]);
      await page.getByLabel("Overdue only").uncheck();
      await axe(page, "board");

      await page.click('.card[data-instance="D-1"] a');
      await page.waitForSelector('h1:has-text("Instance D-1")');
      const route = page.locator('[data-transition="route"]');
      assert.equal(await route.locator("button").isDisabled(), true);
      assert.match(await route.locator(".reasons").textContent(), /Condition not met/);
      assert.match(await page.locator('[data-transition="discard"] .reasons').textContent(), /reviewer/);
      await axe(page, "instance");
      await shot(page, "instance");
      await page.getByRole("button", { name: "to_review → review" }).click();
      await page.waitForSelector('#status:has-text("now review")');
      assert.equal(await page.locator('[data-key="State"]').textContent(), "review");

      await go(page, "#/instance/D-2", 'h1:has-text("Instance D-2")');
      await page.getByRole("button", { name: "route → ready" }).click();
      await page.waitForSelector('#status:has-text("now ready")');
      await go(page, "#/board", ".column");
      await shot(page, "board");
      await page.context().close();
    });

    await t.test("a reviewer corrects the document, which is evaluated again, and accepts it", async () => {
      const page = await signIn("rita");
      await go(page, "#/review", ".queue");
      assert.deepEqual(await page.locator(".queue > li").evaluateAll((items) => items.map((i) => i.dataset.instance)), ["D-1", "D-3"]);
      await page.click('.queue > li[data-instance="D-1"] a');
      await page.waitForSelector(".review-form");
      await axe(page, "review");
      // The form is typed by the input schema: the class is a choice, amounts are decimals.
      assert.equal(await page.locator('select[name="class"]').inputValue(), "invoice");
      // A refinement (`in 0..1 else "..."`) is checked in the form: nothing is sent.
      await page.fill('input[name="confidence"]', "1.5");
      await page.getByRole("button", { name: "Save and evaluate again" }).click();
      assert.equal(await page.locator('input[name="confidence"]').evaluate((e) => e.validity.valid), false);
      assert.equal(await page.locator('input[name="confidence"]').getAttribute("aria-invalid"), "true");
      assert.match(await page.locator("#in-confidence-error").textContent(), /A confidence is between 0 and 1/);
      assert.match(await page.locator("#status").textContent(), /Correct the marked fields/);
      await page.fill('input[name="confidence"]', "0.81");
      assert.equal(await page.locator("#in-confidence-error").textContent(), "");
      await page.fill('input[name="amount.confidence"]', "not a number");
      await page.getByRole("button", { name: "Save and evaluate again" }).click();
      assert.equal(await page.locator('input[name="amount.confidence"]').evaluate((e) => e.validity.valid), false);
      await page.fill('input[name="amount.confidence"]', "1");
      await page.fill('input[name="amount.value"]', "1108.00");
      await page.fill('input[name="checked_by"]', "rita");
      await page.getByRole("button", { name: "Save and evaluate again" }).click();
      await page.waitForSelector('#status:has-text("no review finding remains")');
      await shot(page, "review");
      await go(page, "#/instance/D-1", 'h1:has-text("Instance D-1")');
      assert.match(await page.locator(".facts").first().textContent(), /1108\.00/);
      await page.getByRole("button", { name: "accept → ready" }).click();
      await page.waitForSelector('#status:has-text("now ready")');
      await page.context().close();
    });

    await t.test("an accountant books it", async () => {
      const page = await signIn("aron");
      await go(page, "#/instance/D-1", 'h1:has-text("Instance D-1")');
      await page.getByRole("button", { name: "book → booked" }).click();
      await page.waitForSelector('#status:has-text("now booked")');
      // The status is said before the page is drawn again with the new history.
      await page.waitForFunction(() => document.querySelectorAll("table.history tbody tr").length === 5);
      const history = await page.locator("table.history tbody tr td:nth-child(2)").allTextContents();
      assert.deepEqual(history, ["start", "apply to_review", "update", "apply accept", "apply book"]);
      await page.context().close();
    });

    await t.test("two managers grant and reject an order's approval steps", async () => {
      const ana = await signIn("ana");
      await go(ana, "#/instance/SO-1", 'h1:has-text("Instance SO-1")');
      await ana.getByRole("button", { name: "submit → submitted" }).click();
      await ana.waitForSelector('#status:has-text("now submitted")');
      await ana.context().close();

      const ben = await signIn("ben");
      await go(ben, "#/approvals", ".inbox");
      const steps = () => ben.locator(".inbox-item").evaluateAll((items) => items.map((i) => i.dataset.step));
      assert.deepEqual(await steps(), ["deal_desk.manager", "deal_desk.manager_two"]);
      await axe(ben, "approvals");
      await shot(ben, "approvals");
      const manager = ben.locator('.inbox-item[data-step="deal_desk.manager"]');
      await manager.getByLabel("Comment (optional)").fill("Kranz orders every quarter");
      await manager.getByRole("button", { name: "Grant" }).click();
      await ben.waitForSelector('#status:has-text("Granted")');
      await ben.waitForFunction(() => document.querySelectorAll(".inbox-item").length === 1);

      const bea = await signIn("bea");
      await go(bea, "#/approvals", ".inbox");
      const second = bea.locator('.inbox-item[data-step="deal_desk.manager_two"]');
      await second.getByLabel("Comment (optional)").fill("25% is too much for desks");
      await second.getByRole("button", { name: "Reject" }).click();
      await bea.waitForSelector('#status:has-text("Rejected")');
      await go(bea, "#/instance/SO-1", 'h1:has-text("Instance SO-1")');
      assert.equal(await bea.locator('[data-transition="approve"] button').isDisabled(), true);
      assert.match(await bea.locator('[data-transition="approve"] .reasons').textContent(), /manager_two/);
      assert.match(await bea.locator("table.history").textContent(), /25% is too much for desks/);
      await bea.context().close();

      // Ben's grant of the second step completes the chain; the rejection does not count.
      await go(ben, "#/approvals", ".inbox");
      await ben.locator('.inbox-item[data-step="deal_desk.manager_two"]').getByRole("button", { name: "Grant" }).click();
      await ben.waitForSelector('#status:has-text("Granted")');
      await go(ben, "#/instance/SO-1", 'h1:has-text("Instance SO-1")');
      await ben.getByRole("button", { name: "approve → approved" }).click();
      await ben.waitForSelector('#status:has-text("now approved")');
      await ben.context().close();
    });

    await t.test("a person delegates a role for a window and revokes it", async () => {
      const ana = await signIn("ana");
      await go(ana, "#/approvals", "#delegations-title");
      assert.equal(await ana.locator("#no-delegations").count(), 1);
      await ana.getByLabel("Role", { exact: true }).selectOption("finance");
      await ana.getByLabel("To (person id)").fill("ben");
      await ana.getByRole("button", { name: "Delegate" }).click();
      await ana.waitForSelector('#status:has-text("Delegated finance to ben")');
      await ana.waitForSelector('table.delegations tr[data-status="active"]');
      const row = ana.locator('table.delegations tbody tr[data-status="active"]');
      assert.deepEqual(await row.locator("td").evaluateAll((cells) => cells.slice(0, 3).map((c) => c.textContent)), ["finance", "ana", "ben"]);
      await axe(ana, "delegations");
      await shot(ana, "delegations");

      // Ben sees the delegation he received, without a way to revoke it.
      const ben = await signIn("ben");
      await go(ben, "#/approvals", "table.delegations");
      assert.equal(await ben.locator('table.delegations tbody tr[data-status="active"] td:first-child').textContent(), "finance");
      assert.equal(await ben.locator('table.delegations button:has-text("Revoke")').count(), 0);
      await ben.context().close();

      // A window that ends before it starts is refused in the form.
      await ana.getByLabel("To (person id)").fill("bea");
      await ana.getByLabel("Until").fill("2020-01-01T00:00");
      await ana.getByRole("button", { name: "Delegate" }).click();
      assert.equal(await ana.getByLabel("Until").evaluate((e) => e.validity.valid), false);
      assert.equal(await ana.locator("table.delegations tbody tr").count(), 1);

      await ana.getByRole("button", { name: "Revoke finance for ben" }).click();
      await ana.waitForSelector('#status:has-text("Revoked the delegation of finance to ben")');
      await ana.waitForSelector('table.delegations tr[data-status="revoked"]');
      assert.equal(await ana.locator('table.delegations button:has-text("Revoke")').count(), 0);
      await ana.context().close();
    });

    await t.test("the auditor reads the correction in the audit log, and the dashboard", async () => {
      const page = await signIn("auditor");
      await go(page, "#/audit", "table.audit");
      await page.getByLabel("Caller").fill("rita-laptop");
      await page.getByRole("button", { name: "Filter" }).click();
      await page.waitForFunction(() => [...document.querySelectorAll("table.audit tbody tr")].some((r) => r.textContent.includes("instance.update")));
      const row = page.locator('table.audit tbody tr:has-text("instance.update")');
      await row.locator("summary").click();
      assert.match(await row.locator("pre").textContent(), /"1108.00"/);
      await axe(page, "audit");
      await shot(page, "audit");
      await go(page, "#/dashboard", ".tiles");
      assert.match(await page.locator(".tiles").textContent(), /1\s*overdue/);
      // Five instances started today, all in one bar; D-1 reached a final state (booked).
      await page.waitForSelector("svg.chart rect.bar.started");
      const started = await page.locator("svg.chart rect.bar.started").evaluateAll((bars) => bars.map((b) => Number(b.dataset.value)));
      assert.deepEqual(started, [5]);
      const completed = await page.locator("svg.chart rect.bar.completed").evaluateAll((bars) => bars.map((b) => Number(b.dataset.value)));
      assert.deepEqual(completed, [1]);
      assert.deepEqual(await page.locator(".activity svg.chart .series").evaluateAll((series) => series.map((g) => [g.dataset.series, g.querySelectorAll("circle.point").length])), [["documents · document", 1]]);
      // Approval lead times: ben granted both manager steps of SO-1, bea rejected the second.
      await page.waitForSelector("table.leads tbody tr");
      const leads = await page.locator("table.leads tbody tr").evaluateAll((rows) => rows.map((r) => [r.querySelector("th").textContent, r.querySelector("td").textContent]));
      assert.deepEqual(leads, [["orders · deal_desk.manager", "1"], ["orders · deal_desk.manager_two", "2"]]);
      const leadSeries = await page.locator(".trends svg.chart .series").evaluateAll((series) => series.map((g) => [g.dataset.series, g.querySelectorAll("circle.point").length]));
      assert.deepEqual(leadSeries.map(([name]) => name).sort(), ["orders · deal_desk.manager median", "orders · deal_desk.manager p90", "orders · deal_desk.manager_two median", "orders · deal_desk.manager_two p90"]);
      assert.ok(leadSeries.every(([, points]) => points === 1), JSON.stringify(leadSeries));
      // Violations by rule: two audited evaluations break the online discount rule, one the cap.
      const online = { product: "desk", quantity: 2, channel: "online", discount: "0.15", customer: { name: "Kranz", country: "DE" } };
      await api(server.base, "evaluator", "POST", "/v1/rulesets/orders/evaluate", { input: online });
      await api(server.base, "evaluator", "POST", "/v1/rulesets/orders/evaluate", { input: { ...online, discount: "0.35" } });
      await page.getByLabel("Buckets").selectOption("week");
      await page.waitForSelector(".trends svg.chart rect.bar.stack");
      const stacks = (await page.locator(".trends svg.chart rect.bar.stack").evaluateAll((bars) => bars.map((b) => [b.dataset.series, Number(b.dataset.value)]))).filter(([name]) => name.startsWith("orders"));
      assert.deepEqual(stacks, [["orders · online_discount", 2], ["orders · discount_cap", 1]]);
      assert.match(await page.locator(".trends figcaption").last().textContent(), /per week/);
      await page.getByLabel("Period", { exact: true }).selectOption("7");
      await page.waitForFunction(() => document.querySelectorAll("svg.chart .tick").length && document.querySelector("figcaption")?.textContent.includes("last 7 days"));
      assert.equal(await page.locator("svg.chart rect.bar.started").count(), 1);
      await axe(page, "dashboard");
      await shot(page, "dashboard");
      await page.context().close();
    });

    await t.test("the rules page compares two versions and evaluates an input", async () => {
      const page = await signIn("cleo");
      await go(page, "#/rules/documents", ".source");
      await page.getByLabel("From").selectOption("1.0.0");
      await page.getByLabel("To").selectOption("1.1.0");
      await page.getByRole("button", { name: "Compare" }).click();
      await page.waitForSelector("#diff-result .difftext");
      assert.match(await page.locator("#diff-result").textContent(), /changed table `class_threshold`/);
      assert.ok((await page.locator(".tok-keyword").count()) > 20, "the source is highlighted");
      assert.match(await page.locator(".findings, .ok").first().textContent(), /Lint clean/);
      // The data flow and the workflow's states, drawn as SVG.
      await page.waitForSelector('.graph-wrap[data-graph="data-flow"] svg.graph');
      const flow = await page.locator("svg.graph .node text").allTextContents();
      assert.ok(flow.includes("needs_review") && flow.includes("class_threshold"), flow.join(", "));
      assert.ok((await page.locator("svg.graph .edge").count()) > 10);
      await page.getByLabel("Draw").selectOption("document");
      await page.waitForSelector('.graph-wrap[data-graph="document"] svg.graph');
      const states = await page.locator("svg.graph .node").evaluateAll((nodes) => nodes.map((n) => n.dataset.node));
      assert.deepEqual(states.sort(), ["booked", "ready", "received", "rejected", "review"]);
      assert.equal(await page.locator("svg.graph .node.final").count(), 2);
      assert.equal(await page.locator("svg.graph .edge").count(), 6);
      assert.match(await page.locator("pre.mermaid-text").textContent(), /^stateDiagram-v2/);
      await shot(page, "rules-graph");
      await page.getByLabel("Input (JSON)").fill(readFileSync(path.join(repoRoot, "examples/documents/invoice.json"), "utf8"));
      await page.getByRole("button", { name: "Evaluate" }).click();
      await page.waitForSelector(".playground-result pre.trace");
      assert.match(await page.locator(".playground-result").textContent(), /needs_review/);
      await axe(page, "rules");
      await shot(page, "rules");
      await page.context().close();
    });

    /** The audit page's line on the hash chain, once checked. */
    const chainLine = async (page) => {
      await page.waitForFunction(() => {
        const line = document.querySelector("p.chain[role='status']")?.textContent ?? "";
        return line && !line.startsWith("Checking");
      });
      return page.locator("p.chain").textContent();
    };

    await t.test("the audit page says the hash chain is intact, with every entry checked", async () => {
      const page = await signIn("auditor");
      await go(page, "#/audit", "table.audit");
      const line = await chainLine(page);
      const entries = await auditEntries(server.base);
      // The day's writes are all there, the reviewer's correction among them.
      assert.ok(entries.some((e) => e.caller === "rita-laptop" && e.operation === "instance.update"), JSON.stringify(entries.map((e) => e.operation)));
      assert.equal(line, `Audit chain intact: ${entries.length} entries checked.`);
      const report = await api(server.base, "auditor", "GET", "/v1/audit/verify");
      assert.equal(report.status, "intact");
      assert.equal(report.checked, entries.length);
      assert.equal(report.head.id, entries.at(-1).id);
      await page.context().close();
    });

    await t.test("a changed row of the store breaks the chain at that entry", { skip: process.env.ORDO_BROWSER_TEST !== "required" && noSqlite }, async () => {
      assert.equal(noSqlite, null, noSqlite ?? "");
      const page = await signIn("auditor");
      await go(page, "#/audit", "table.audit");
      assert.match(await chainLine(page), /^Audit chain intact/);
      // Someone with the file rewrites the reviewer's correction of D-1 (the append-only
      // trigger dropped and put back around the change, as a careful forger would).
      const entries = await auditEntries(server.base);
      const at = entries.findIndex((e) => e.caller === "rita-laptop" && e.operation === "instance.update");
      assert.ok(at >= 0, "the correction's entry");
      const forged = entries[at].id;
      const changed = sqlite(
        path.join(dir, "ordo.db"),
        `BEGIN IMMEDIATE;
DROP TRIGGER audit_log_append_only;
UPDATE audit_log SET request = replace(request, '1108.00', '1180.00') WHERE id = ${forged} AND instr(request, '1108.00') > 0;
SELECT changes();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
COMMIT;
`,
      );
      assert.equal(changed.trim(), "1");
      await go(page, "#/audit", "table.audit");
      // Entries up to the changed one are checked; the page says which and why.
      assert.equal(await chainLine(page), `Audit chain BROKEN at entry ${forged}: its fields do not hash to its entry_hash (it was changed) (${at + 1} entries checked).`);
      const report = await api(server.base, "auditor", "GET", "/v1/audit/verify");
      assert.equal(report.status, "broken");
      assert.deepEqual([report.first_break.id, report.first_break.reason, report.checked], [forged, "hash_mismatch", at + 1]);
      await axe(page, "audit-broken");
      await shot(page, "audit-chain-broken");
      await page.context().close();
    });

    await t.test("on a narrow screen the board is one column", async () => {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${server.base}/`);
      await page.getByLabel("Token").fill(PEOPLE.admin.token);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForSelector(".column");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
      await shot(page, "board-narrow");
      await context.close();
    });

    assert.deepEqual(serious, [], "serious accessibility violations");
    assert.deepEqual(problems, [], "errors in the page");
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
