// Measures a portal page's first paint with many instances: starts `ordo serve` (open, on a
// fresh store), starts N instances of a three-state workflow through the API (spread over the
// states; an urgent ticket is closed only once a lead has signed it off, so the dashboard's
// approval lead-times chart has data), makes E audited evaluations of which two in three violate a rule (for the
// dashboard's violations chart; none for the board), then loads the page in headless Chromium
// R times and reports, per load, the browser's first contentful paint (the page shell), the
// moment the page is in the page (`body[data-ready=true]` with the page's parts: the board's
// columns; the dashboard's tiles, activity charts, approval lead-times and violations charts), and that moment after
// the next two animation frames (painted). Prints a Markdown table with the median of each.
//
//   node paint.mjs board [INSTANCES=10000] [RUNS=5]
//   node paint.mjs dashboard [INSTANCES=10000] [RUNS=5] [EVALUATIONS=300]
//
// Needs ORDO_BIN (default target/debug/ordo) and Debian's chromium (CHROMIUM).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { serveOrdo } from "./serve.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../../..");
const ordoBin = process.env.ORDO_BIN ?? path.join(repoRoot, "target/debug/ordo");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";

// What differs between the pages measured: the route, the selectors that must all be in the
// page once it is drawn, the rules the tickets have, and what is counted in the drawn page.
const PAGES = {
  board: {
    route: "#/board",
    drawn: [".column"],
    constraints: "",
    evaluations: 0,
    counted: "cards drawn",
    count: () => document.querySelectorAll(".card").length,
  },
  dashboard: {
    route: "#/dashboard",
    drawn: [".tiles", ".activity figure", ".trends section.leads figure.chart", ".trends section.violations"],
    constraints: `
constraint low_priority_titled: priority > 1 or title != ""
  else warning "A low priority ticket needs a title"
constraint not_urgent_online: priority < 5
  else review "An urgent ticket is looked at by a person"
`,
    evaluations: 300,
    counted: "instances counted",
    count: () => Number(document.querySelector(".tiles .big")?.textContent),
  },
};
const name = process.argv[2];
const measured = PAGES[name];
if (!measured) {
  console.error(`usage: node paint.mjs ${Object.keys(PAGES).join("|")} [INSTANCES] [RUNS] [EVALUATIONS]`);
  process.exit(2);
}
const count = Number(process.argv[3] ?? 10000);
const runs = Number(process.argv[4] ?? 5);
const evaluations = Number(process.argv[5] ?? measured.evaluations);

const TICKETS = `ruleset tickets version "1.0.0"
effective 2026-01-01

roles agent, lead

input {
  title: Text
  priority: Int in 1..5
}

/// An urgent ticket is closed only once a lead has signed it off.
approval signoff {
  step lead "Team lead" by lead when priority >= 4 facts priority
}

workflow ticket {
  state open initial owner agent sla 2 days
  state working owner agent
  state closed final

  transition take: open -> working by agent
  transition close: working -> closed by agent requires signoff
}
${measured.constraints}`;

function serve(dir) {
  return serveOrdo(ordoBin, ["--db", path.join(dir, "ordo.db")]);
}

async function post(base, route, body) {
  const response = await fetch(`${base}${route}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
  return response.json();
}

const actor = { id: "amy", roles: ["agent"] };
const lead = { id: "lee", roles: ["lead"] };

// Seeds the tickets and evaluations; returns the sign-offs granted.
async function seed(base) {
  await post(base, "/v1/rulesets", { source: TICKETS });
  // 16 requests at a time over the tickets, one pass after the other.
  const pass = async (work) => {
    let next = 0;
    const worker = async () => {
      while (next < count) await work(next++);
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  };
  // A third stay open, a third are being worked on, a third are closed.
  await pass(async (i) => {
    const id = `T-${i}`;
    await post(base, "/v1/instances", { ruleset: "tickets", workflow: "ticket", id, input: { title: `Ticket ${i}`, priority: 1 + (i % 5) }, actor });
    if (i % 3 >= 1) await post(base, `/v1/instances/${id}/apply`, { transition: "take", seq: 1, actor });
  });
  // Closed once every ticket is in: an urgent one (priority 4 or 5) waited for its sign-off
  // from its `take` until the lead's grant here, so the lead times spread over the seeding.
  let grants = 0;
  await pass(async (i) => {
    if (i % 3 !== 2) return;
    const id = `T-${i}`;
    if (1 + (i % 5) >= 4) {
      await post(base, `/v1/instances/${id}/approvals/signoff/lead/grant`, { seq: 2, actor: lead });
      grants++;
    }
    await post(base, `/v1/instances/${id}/apply`, { transition: "close", seq: 2, actor });
  });
  // Audited evaluations: two in three violate a rule of the dashboard's tickets.
  for (let i = 0; i < evaluations; i++) {
    const input = { title: i % 3 === 0 ? `Ticket ${i}` : "", priority: i % 3 === 1 ? 5 : 1 };
    await post(base, "/v1/rulesets/tickets/evaluate", { input });
  }
  return grants;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

const dir = mkdtempSync(path.join(tmpdir(), `ordo-${name}-paint-`));
const server = await serve(dir);
try {
  const seeded = performance.now();
  const grants = await seed(server.base);
  console.error(`seeded ${count} instances (${grants} sign-offs granted) and ${evaluations} evaluations in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"] });
  const rows = [];
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Noted in the page as it happens, not when the test polls for it.
    await context.addInitScript((drawn) => {
      const watch = new MutationObserver(() => {
        const all = drawn.every((selector) => document.querySelector(selector));
        if (document.body?.dataset.ready !== "true" || !all || window.pageReady) return;
        window.pageReady = performance.now();
        watch.disconnect();
        requestAnimationFrame(() => requestAnimationFrame(() => (window.pagePainted = performance.now())));
      });
      watch.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-ready"] });
    }, measured.drawn);
    const page = await context.newPage();
    await page.goto(`${server.base}/${measured.route}`);
    await page.waitForFunction(() => window.pagePainted, null, { timeout: 120000 });
    const timing = await page.evaluate(() => ({
      fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
      ready: window.pageReady,
      painted: window.pagePainted,
    }));
    timing.counted = await page.evaluate(measured.count);
    rows.push(timing);
    console.error(`run ${run + 1}: ${JSON.stringify(timing)}`);
    await context.close();
  }
  await browser.close();
  const ms = (v) => `${Math.round(v)} ms`;
  console.log(`| instances | sign-offs granted | evaluations | runs | first contentful paint | ${name} in the page | ${name} painted | ${measured.counted} |`);
  console.log(`| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
  console.log(
    `| ${count} | ${grants} | ${evaluations} | ${runs} | ${ms(median(rows.map((r) => r.fcp)))} | ${ms(median(rows.map((r) => r.ready)))} | ${ms(median(rows.map((r) => r.painted)))} | ${rows[0].counted} |`,
  );
  console.log(`painted: ${rows.map((r) => Math.round(r.painted)).join(", ")} ms`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
