// The dashboard (instances by state, overdue ones, what waits for approval and since when,
// instances started and completed per day and lead times per workflow, approval lead times and
// violations by rule from trends.js) and the audit log with its filters and the status of its
// hash chain.

import { allInstances, get, query } from "./api.js";
import { age, explain, field, h, mount, title, when } from "./ui.js";
import { barChart, duration, pointChart } from "./charts.js";
import { trends } from "./trends.js";

/** Charts over the last `days` days from `GET /v1/portal/activity`. */
async function activityCharts(out, days) {
  let activity;
  try {
    activity = await get(`/v1/portal/activity${query({ days })}`);
  } catch (error) {
    mount(out, h("p.error", { role: "alert" }, explain(error)));
    return;
  }
  const withLeads = activity.workflows.filter((w) => w.median_lead_seconds !== null);
  mount(
    out,
    barChart(`Instances started and completed per day, last ${days} days`, activity.days, [
      { name: "started", className: "started", values: activity.started },
      { name: "completed", className: "completed", values: activity.completed },
    ]),
    withLeads.length
      ? pointChart(
          "Median lead time (start to final state) of the instances completed each day",
          activity.days,
          withLeads.map((w) => ({ name: `${w.ruleset} · ${w.workflow}`, values: w.lead_seconds })),
          duration,
        )
      : h("p.muted", {}, "No instance reached a final state in these days."),
    withLeads.length
      ? h("ul.leads", {}, withLeads.map((w) => h("li", {}, `${w.ruleset} · ${w.workflow}: median lead time ${duration(w.median_lead_seconds)}`)))
      : null,
    activity.truncated ? h("p.muted", {}, "Only the first 100,000 instances are counted.") : null,
  );
}

export async function dashboard(main, { me }) {
  const instances = await allInstances();
  const byWorkflow = new Map();
  for (const i of instances) {
    const key = `${i.ruleset} · ${i.workflow}`;
    if (!byWorkflow.has(key)) byWorkflow.set(key, new Map());
    const states = byWorkflow.get(key);
    states.set(i.state, (states.get(i.state) ?? 0) + 1);
  }
  const overdue = instances.filter((i) => i.overdue);
  const inbox = me.roles.includes("operator") ? await get("/v1/approvals/inbox") : null;
  const max = Math.max(1, ...[...byWorkflow.values()].flatMap((s) => [...s.values()]));
  const charts = h("div.activity", { "aria-live": "polite" });
  const trendSection = trends();
  const days = h(
    "select",
    { name: "days", onchange: (e) => activityCharts(charts, e.target.value) },
    [7, 14, 30, 90].map((n) => h("option", { value: n, selected: n === 14 }, `${n} days`)),
  );
  mount(
    main,
    title("Dashboard"),
    h(
      "div.tiles",
      {},
      h("div.tile", {}, h("span.big", {}, instances.length), " instances"),
      h("div.tile", { class: overdue.length ? "tile danger" : "tile" }, h("span.big", {}, overdue.length), " overdue"),
      inbox && h("div.tile", {}, h("span.big", {}, inbox.items.length), " approvals wait for you"),
    ),
    h(
      "section",
      { "aria-labelledby": "activity-title" },
      h("h2", { id: "activity-title" }, "Over time"),
      h("form.filters", { "aria-label": "Chart period", onsubmit: (e) => e.preventDefault() }, field("Period", days)),
      charts,
    ),
    await trendSection,
    [...byWorkflow].map(([key, states]) =>
      h(
        "section",
        {},
        h("h2", {}, key),
        h(
          "table.bars",
          {},
          h("caption", {}, `Instances of ${key} by state`),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "State"), h("th", { scope: "col" }, "Instances"))),
          h(
            "tbody",
            {},
            [...states].map(([state, count]) =>
              h(
                "tr",
                {},
                h("th", { scope: "row" }, state),
                h("td", {}, h("span.bar", { dataset: { width: Math.round((100 * count) / max) } }), ` ${count}`),
              ),
            ),
          ),
        ),
      ),
    ),
    overdue.length
      ? h(
          "section",
          {},
          h("h2", {}, "Overdue"),
          h("ul", {}, overdue.map((i) => h("li", {}, h("a", { href: `#/instance/${encodeURIComponent(i.id)}` }, i.id), ` ${i.state}, owner ${i.owner ?? "—"}, due ${when(i.due)}`))),
        )
      : null,
    inbox?.items.length
      ? h(
          "section",
          {},
          h("h2", {}, "Approval lead times (waiting now)"),
          h("ul", {}, inbox.items.map((i) => h("li", {}, `${i.label} of ${i.instance}: waiting ${age(i.since)}`))),
        )
      : null,
  );
  await activityCharts(charts, 14);
  // Widths as properties, not inline style attributes (the page's policy allows no inline style).
  for (const bar of main.querySelectorAll(".bar")) bar.style.setProperty("--w", `${bar.dataset.width}%`);
}

export async function audit(main) {
  const filters = { ruleset: "", caller: "", from: "", to: "" };
  const table = h("div");
  const more = h("button", { type: "button", hidden: true }, "Older entries");
  let cursor;
  const rows = [];
  const load = async (reset) => {
    if (reset) {
      rows.length = 0;
      cursor = undefined;
    }
    const page = await get(
      `/v1/audit${query({
        ruleset: filters.ruleset,
        caller: filters.caller,
        from: filters.from ? `${filters.from}T00:00:00Z` : "",
        to: filters.to ? `${filters.to}T23:59:59Z` : "",
        limit: 200,
        cursor,
      })}`,
    );
    rows.push(...page.entries);
    cursor = page.next_cursor;
    more.hidden = !cursor;
    mount(
      table,
      h(
        "table.audit",
        {},
        h("caption", {}, `${rows.length} entries, oldest first`),
        h("thead", {}, h("tr", {}, ["#", "When", "Caller", "Operation", "Ruleset", "Outcome", "Request", "Answer digest"].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          rows.map((e) =>
            h(
              "tr",
              { class: e.outcome === "ok" ? undefined : "failed" },
              h("td", {}, e.id),
              h("td", {}, when(e.at)),
              h("td", {}, e.caller),
              h("td", {}, e.operation),
              h("td", {}, `${e.ruleset} ${e.version ?? ""}`),
              h("td", {}, e.outcome),
              h("td", {}, h("details", {}, h("summary", {}, "body"), h("pre.json", { tabindex: 0 }, JSON.stringify(e.request, null, 2)))),
              h("td", {}, h("code", { title: e.result_sha256 }, (e.result_sha256 ?? "").slice(0, 12))),
            ),
          ),
        ),
      ),
    );
  };
  more.addEventListener("click", () => load(false));
  const input = (name, type = "text") => h("input", { name, type, onchange: (e) => (filters[name] = e.target.value) });
  // One line on the hash chain (`GET /v1/audit/verify`): intact, or the first broken link.
  const chain = h("p.chain", { role: "status" }, "Checking the audit chain…");
  get("/v1/audit/verify").then(
    (c) =>
      mount(
        chain,
        c.status === "intact"
          ? `Audit chain intact: ${c.checked} entries checked${c.anchor ? ` from the anchor after entry ${c.anchor.id}` : ""}.`
          : `Audit chain BROKEN at entry ${c.first_break.id}: ${c.first_break.detail} (${c.checked} entries checked).`,
      ),
    (error) => mount(chain, `The audit chain could not be checked: ${error.message ?? error}`),
  );
  mount(
    main,
    title("Audit log"),
    chain,
    h(
      "form.filters",
      { "aria-label": "Audit filters", onsubmit: (e) => (e.preventDefault(), load(true)) },
      field("Ruleset", input("ruleset")),
      field("Caller", input("caller")),
      field("From", input("from", "date")),
      field("To", input("to", "date")),
      h("button", { type: "submit" }, "Filter"),
    ),
    table,
    more,
  );
  await load(true);
}
