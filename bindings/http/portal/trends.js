// The dashboard's trends over a chosen range: how long approval steps waited for their
// decisions (median and 90th percentile per step, from `GET /v1/portal/approval-leads`) and
// which rules audited evaluations violated (stacked per rule, from `GET /v1/portal/violations`),
// by day or week. Every chart has its numbers in a table beside it.

import { get, query } from "./api.js";
import { duration, pointChart, stackedBarChart } from "./charts.js";
import { explain, field, h, mount } from "./ui.js";

/** Lines drawn at most per chart (the table lists every step or rule). */
const MAX_LINES = 6;

function day(date) {
  return date.toISOString().slice(0, 10);
}

/** The range a period names: the last `days` days up to today (UTC). */
function rangeOf(days) {
  const to = new Date();
  const from = new Date(to.getTime() - (days - 1) * 86400000);
  return { from: day(from), to: day(to) };
}

function leadCharts(leads, unit) {
  if (!leads.steps.length) return h("p.muted", {}, "No approval step was decided in this range.");
  const known = leads.steps.filter((x) => x.median_seconds !== null);
  const drawn = [...known].sort((a, b) => b.decisions - a.decisions).slice(0, Math.floor(MAX_LINES / 2));
  const name = (x) => `${x.ruleset} · ${x.chain}.${x.step}`;
  return [
    drawn.length
      ? pointChart(
          `Approval lead time (waiting to decision) per ${unit}: median and 90th percentile`,
          leads.buckets,
          drawn.flatMap((x) => [
            { name: `${name(x)} median`, values: x.median },
            { name: `${name(x)} p90`, values: x.p90 },
          ]),
          duration,
        )
      : null,
    h(
      "table.leads",
      {},
      h("caption", {}, "Approval lead times over the range"),
      h("thead", {}, h("tr", {}, ["Step", "Decisions", "Median", "90th percentile", "Wait unknown"].map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        leads.steps.map((x) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, name(x)),
            h("td", {}, x.decisions),
            h("td", {}, x.median_seconds === null ? "unknown" : duration(x.median_seconds)),
            h("td", {}, x.p90_seconds === null ? "unknown" : duration(x.p90_seconds)),
            h("td", {}, x.unknown),
          ),
        ),
      ),
    ),
    leads.truncated ? h("p.muted", {}, "Only the first 100,000 decisions are counted.") : null,
  ];
}

function violationCharts(violations, unit) {
  if (!violations.rules.length) return h("p.muted", {}, "No audited evaluation violated a rule in this range.");
  const drawn = violations.rules.slice(0, MAX_LINES - 1);
  const rest = violations.totals.map((total, i) => total - drawn.reduce((sum, x) => sum + x.counts[i], 0));
  const series = drawn.map((x) => ({ name: `${x.ruleset} · ${x.rule}`, values: x.counts }));
  if (rest.some((n) => n > 0)) series.push({ name: "other rules", values: rest });
  return [
    stackedBarChart(`Violations by rule per ${unit} (audited evaluations)`, violations.buckets, series),
    violations.truncated ? h("p.muted", {}, "Only the 50 most violated rules are listed.") : null,
  ];
}

/** Draws both trends for `period` (days) and `bucket` into `out`. */
async function draw(out, period, bucket) {
  const params = query({ ...rangeOf(period), bucket });
  const unit = bucket === "week" ? "week" : "day";
  try {
    const [leads, violations] = await Promise.all([get(`/v1/portal/approval-leads${params}`), get(`/v1/portal/violations${params}`)]);
    mount(
      out,
      h("section.leads", { "aria-labelledby": "leads-title" }, h("h3", { id: "leads-title" }, "Approval lead times"), leadCharts(leads, unit)),
      h("section.violations", { "aria-labelledby": "violations-title" }, h("h3", { id: "violations-title" }, "Violations by rule"), violationCharts(violations, unit)),
    );
  } catch (error) {
    mount(out, h("p.error", { role: "alert" }, explain(error)));
  }
}

/** The trends section with its period and bucket controls; resolves once drawn. */
export async function trends() {
  const out = h("div.trends", { "aria-live": "polite" });
  const choice = { period: 28, bucket: "day" };
  const redraw = () => draw(out, choice.period, choice.bucket);
  const period = h(
    "select",
    { name: "trend-period", onchange: (e) => ((choice.period = Number(e.target.value)), redraw()) },
    [7, 28, 90, 365].map((n) => h("option", { value: n, selected: n === 28 }, `${n} days`)),
  );
  const bucket = h(
    "select",
    { name: "trend-bucket", onchange: (e) => ((choice.bucket = e.target.value), redraw()) },
    h("option", { value: "day", selected: true }, "by day"),
    h("option", { value: "week" }, "by week"),
  );
  const section = h(
    "section",
    { "aria-labelledby": "trends-title" },
    h("h2", { id: "trends-title" }, "Approvals and violations"),
    h("form.filters", { "aria-label": "Trend range", onsubmit: (e) => e.preventDefault() }, field("Range", period), field("Buckets", bucket)),
    out,
  );
  await redraw();
  return section;
}
