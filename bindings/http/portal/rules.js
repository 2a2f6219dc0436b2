// Rules: the published rulesets and their versions, a version's source (highlighted), its lint
// findings, its graphs (the data flow and each workflow's states), what changed between two
// versions, and a playground that evaluates an input.

import { get, post } from "./api.js";
import { explain, field, h, mount, say, title, when } from "./ui.js";
import { highlight } from "./highlight.js";
import { drawGraph } from "./graph.js";

/** The badges of a version's lifecycle: yanked (only its exact version answers), deprecated. */
function lifecycleBadges(v) {
  return [
    v.yanked ? h("span.badge.danger", { title: `yanked: ${v.yanked.reason}` }, "yanked") : null,
    v.deprecated ? h("span.badge.warn", { title: `deprecated: ${v.deprecated.reason}` }, "deprecated") : null,
  ].filter(Boolean);
}

/** Who yanked or deprecated a version, when and why. */
function lifecycleNotes(detail) {
  const note = (what, mark, meaning) =>
    h("p.lifecycle", { role: "note" }, h("span.badge", {}, what), ` by ${mark.by} on ${when(mark.at)}: ${mark.reason} — ${meaning}`);
  return [
    detail.yanked ? note("yanked", detail.yanked, "only its exact version answers; latest, ranges and dates skip it.") : null,
    detail.deprecated ? note("deprecated", detail.deprecated, "it answers, with a deprecation notice.") : null,
  ].filter(Boolean);
}

/** The graphs of a version: a choice of drawing, the SVG, and `ordo graph`'s Mermaid text. */
async function graphs(base, version) {
  const path = `${base}/versions/${encodeURIComponent(version)}/graph`;
  const out = h("div.graph-out", { "aria-live": "polite" });
  const show = async (workflow) => {
    try {
      const graph = await get(`${path}${workflow ? `?workflow=${encodeURIComponent(workflow)}` : ""}`);
      // Short names: the page's other fields are labelled "From" and "To".
      const label = workflow ? `States of workflow ${workflow}` : "Data-flow graph";
      mount(
        out,
        graph.nodes.length
          ? h("div.graph-wrap", { tabindex: 0, role: "region", "aria-label": label, dataset: { graph: workflow || "data-flow" } }, drawGraph(graph, label))
          : h("p.muted", {}, "Nothing to draw."),
        h("details", {}, h("summary", {}, "As Mermaid (ordo graph)"), h("pre.mermaid-text", { tabindex: 0 }, graph.mermaid)),
      );
      return graph;
    } catch (error) {
      mount(out, h("p.error", { role: "alert" }, explain(error)));
      return null;
    }
  };
  const first = await show("");
  const workflows = first?.workflows ?? [];
  const choice = h(
    "select",
    { name: "graph", onchange: (e) => show(e.target.value) },
    h("option", { value: "" }, "Data flow"),
    workflows.map((w) => h("option", { value: w }, `Workflow ${w}`)),
  );
  return h("div.graphs", {}, h("form.filters", { "aria-label": "Graph", onsubmit: (e) => e.preventDefault() }, field("Draw", choice)), out);
}

function versionSelect(name, versions, selected) {
  return h(
    "select",
    { name },
    versions.map((v) => h("option", { value: v.version, selected: v.version === selected }, `${v.version}${v.effective ? ` (from ${v.effective})` : ""}`)),
  );
}

function diffView(report) {
  const { diff, text } = report;
  const rows = [
    ...diff.schema.map((c) => ["input", c]),
    ...diff.rules.map((c) => ["rule", c]),
    ...diff.data.map((c) => ["data", c]),
  ];
  return h(
    "div.diff",
    {},
    h(
      "p",
      {},
      `${diff.old.version ?? ""} → ${diff.new.version ?? ""}: `,
      diff.breaking ? h("span.badge.danger", {}, "breaking for old inputs") : h("span.badge.okay", {}, "compatible inputs"),
    ),
    rows.length
      ? h(
          "table",
          {},
          h("caption", {}, "Changes"),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "What"), h("th", { scope: "col" }, "Change"))),
          h("tbody", {}, rows.map(([what, change]) => h("tr", { class: `change-${change.change ?? ""}` }, h("td", {}, what), h("td", {}, h("code", {}, JSON.stringify(change)))))),
        )
      : h("p", {}, "No differences."),
    h("details", { open: true }, h("summary", {}, "As ordo diff prints it"), h("pre.difftext", { tabindex: 0 }, colourDiff(text))),
  );
}

function colourDiff(text) {
  return text.split("\n").map((line) => {
    const kind = /^\s*\+/.test(line) ? "add" : /^\s*-/.test(line) ? "del" : /^\s*~/.test(line) ? "mod" : "";
    return h("span", { class: kind ? `line-${kind}` : undefined }, `${line}\n`);
  });
}

function lintView(report) {
  if (!report.findings.length) return h("p.ok", {}, "Lint clean: no findings.");
  return h(
    "ul.findings",
    {},
    report.findings.map((f) => h("li", { class: `sev-${f.level}` }, h("span.badge", {}, f.level), ` line ${f.line ?? "?"}: ${f.message} `, h("code", {}, f.id))),
  );
}

function playground(name, version, me, schema) {
  const example = {};
  for (const f of schema.fields) if (f.default !== undefined && f.default !== null) example[f.name] = f.default;
  const input = h("textarea.code", { name: "input", rows: 10, spellcheck: "false" }, JSON.stringify(example, null, 2));
  const asOf = h("input", { type: "date", name: "as_of" });
  const out = h("div.playground-result", { "aria-live": "polite" });
  const may = me.roles.includes("evaluator");
  const run = async (event) => {
    event.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(input.value);
    } catch (error) {
      mount(out, h("p.error", { role: "alert" }, `The input is not JSON: ${error.message}`));
      return;
    }
    try {
      const { body, audit } = await post(`/v1/rulesets/${encodeURIComponent(name)}/evaluate`, {
        input: parsed,
        version,
        trace: true,
        ...(asOf.value ? { as_of: asOf.value } : {}),
      });
      const { trace, ...result } = body;
      mount(
        out,
        h("p", {}, body.valid ? h("span.badge.okay", {}, "valid") : h("span.badge.danger", {}, "not valid"), ` audit entry ${audit}`),
        h("h3", {}, "Result"),
        h("pre.json", { tabindex: 0 }, JSON.stringify(result, null, 2)),
        h("h3", {}, "Trace"),
        h("pre.json.trace", { tabindex: 0, "aria-label": "Trace" }, JSON.stringify(trace ?? [], null, 2)),
      );
    } catch (error) {
      mount(out, h("p.error", { role: "alert" }, explain(error)));
    }
  };
  return h(
    "form.playground",
    { onsubmit: run, "aria-label": "Playground" },
    field("Input (JSON)", input, `The fields: ${schema.fields.map((f) => `${f.name}: ${f.type}`).join(", ")}`),
    field("As of (optional)", asOf),
    h("button", { type: "submit", disabled: !may }, "Evaluate"),
    may ? null : h("p.muted", {}, "Evaluating needs the evaluator role."),
    out,
  );
}

export async function rules(main, { me, params }) {
  const { rulesets } = await get("/v1/rulesets");
  if (!rulesets.length) {
    mount(main, title("Rules"), h("p.empty", {}, "No ruleset is published yet."));
    return;
  }
  const name = params[0] && rulesets.some((r) => r.name === params[0]) ? params[0] : rulesets[0].name;
  const ruleset = rulesets.find((r) => r.name === name);
  const version = params[1] ?? ruleset.latest;
  const base = `/v1/rulesets/${encodeURIComponent(name)}`;
  const [detail, lint] = await Promise.all([
    get(`${base}/versions/${encodeURIComponent(version)}`),
    get(`${base}/versions/${encodeURIComponent(version)}/lint`),
  ]);
  const versions = ruleset.versions;
  const older = versions.length > 1 ? versions[versions.length - 2].version : version;
  const from = versionSelect("from", versions, older);
  const to = versionSelect("to", versions, version);
  const diffOut = h("div", { id: "diff-result", "aria-live": "polite" });
  const compare = async (event) => {
    event.preventDefault();
    try {
      const report = await get(`${base}/diff?from=${encodeURIComponent(from.value)}&to=${encodeURIComponent(to.value)}`);
      mount(diffOut, diffView(report));
    } catch (error) {
      say(explain(error), "error");
    }
  };
  mount(
    main,
    title("Rules"),
    h(
      "div.rules",
      {},
      h(
        "nav.rulesets",
        { "aria-label": "Rulesets" },
        h("h2", {}, "Rulesets"),
        h(
          "ul",
          {},
          rulesets.map((r) =>
            h(
              "li",
              {},
              h("a", { href: `#/rules/${encodeURIComponent(r.name)}`, "aria-current": r.name === name ? "page" : undefined }, r.name),
              h(
                "ul.versions",
                {},
                r.versions.map((v) =>
                  h(
                    "li",
                    {},
                    h(
                      "a",
                      {
                        href: `#/rules/${encodeURIComponent(r.name)}/${encodeURIComponent(v.version)}`,
                        "aria-current": r.name === name && v.version === detail.version ? "true" : undefined,
                      },
                      v.version,
                    ),
                    ...lifecycleBadges(v),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
      h(
        "div.ruleset",
        {},
        h("h2", {}, `${detail.name} ${detail.version}`, ...lifecycleBadges(detail)),
        ...lifecycleNotes(detail),
        h("p.meta", {}, `published by ${detail.published_by} on ${when(detail.published_at)}`, detail.effective ? ` · effective ${detail.effective}` : "", " · ", h("code", { title: detail.hash }, detail.hash.slice(0, 19), "…")),
        h("section", {}, h("h3", {}, "Lint"), lintView(lint)),
        h("section", {}, h("h3", {}, "Graphs"), await graphs(base, detail.version)),
        h(
          "section",
          {},
          h("h3", {}, "Compare versions"),
          h("form.compare", { onsubmit: compare, "aria-label": "Compare versions" }, field("From", from), field("To", to), h("button", { type: "submit" }, "Compare")),
          diffOut,
        ),
        h("section", {}, h("h3", {}, "Playground"), playground(name, detail.version, me, detail.input_schema)),
        h("section", {}, h("h3", {}, "Source"), h("div.source-wrap", { tabindex: 0, role: "region", "aria-label": "Source code" }, highlight(detail.source))),
      ),
    ),
  );
}
