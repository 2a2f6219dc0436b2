// The work board (instances by workflow, states as columns) and one instance's page: its data,
// evaluation, next actions with the reasons a transition is disabled, and history.

import { allInstances, get, post } from "./api.js";
import { age, explain, facts, field, h, mount, say, title, when } from "./ui.js";

/** Cards drawn per column at most; the rest are counted. */
const CARDS_PER_COLUMN = 200;

const sources = new Map();

/** The states of `workflow` in the order its source declares them (from the pinned version). */
async function declaredStates(ruleset, version, workflow) {
  const key = `${ruleset}@${version}`;
  if (!sources.has(key)) {
    sources.set(
      key,
      get(`/v1/rulesets/${encodeURIComponent(ruleset)}/versions/${encodeURIComponent(version)}`)
        .then((detail) => detail.source)
        .catch(() => ""),
    );
  }
  const source = await sources.get(key);
  const block = source.match(new RegExp(`^workflow\\s+${workflow}\\s*\\{([\\s\\S]*?)^\\}`, "m"));
  if (!block) return [];
  return [...block[1].matchAll(/^\s*state\s+(\w+)/gm)].map((m) => m[1]);
}

/** A short label of an instance's input: the first text field that names it. */
function subject(input) {
  for (const key of ["title", "name", "document_id", "reference", "subject"]) {
    if (typeof input?.[key] === "string") return input[key];
  }
  const customer = input?.customer?.name;
  return typeof customer === "string" ? customer : "";
}

function card(instance) {
  const named = subject(instance.input);
  const label = named === instance.id ? "" : named;
  return h(
    "li.card",
    { class: instance.overdue ? "card overdue" : "card", dataset: { instance: instance.id } },
    h(
      "a",
      { href: `#/instance/${encodeURIComponent(instance.id)}` },
      h("strong", {}, instance.id),
      label && h("span.subject", {}, label),
    ),
    h(
      "dl.meta",
      {},
      h("div", {}, h("dt", {}, "Owner"), h("dd", {}, instance.owner ?? "—")),
      instance.due && h("div", {}, h("dt", {}, "Due"), h("dd", {}, h("time", { datetime: instance.due }, when(instance.due)))),
    ),
    instance.overdue && h("span.badge.danger", {}, "Overdue"),
  );
}

export async function board(main, { me }) {
  const filters = { scope: "all", overdue: false, workflow: "" };
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const instances = await allInstances();
  const groups = new Map();
  for (const instance of instances) {
    const key = `${instance.ruleset} · ${instance.workflow}`;
    if (!groups.has(key)) groups.set(key, { ruleset: instance.ruleset, workflow: instance.workflow, version: instance.version, items: [] });
    groups.get(key).items.push(instance);
  }
  filters.workflow = params.get("workflow") ?? "";
  const person = me.person;
  const keep = (instance) => {
    if (filters.overdue && !instance.overdue) return false;
    if (filters.scope === "mine") return instance.owner === person.id;
    if (filters.scope === "team") return instance.owner === person.id || person.roles.includes(instance.owner);
    return true;
  };

  const columns = h("div.workflows");
  const draw = async () => {
    const sections = [];
    for (const [key, group] of groups) {
      if (filters.workflow && filters.workflow !== key) continue;
      const declared = await declaredStates(group.ruleset, group.version, group.workflow);
      const states = [...declared];
      for (const instance of group.items) if (!states.includes(instance.state)) states.push(instance.state);
      const shown = group.items.filter(keep);
      sections.push(
        h(
          "section.workflow",
          { "aria-labelledby": `wf-${key.replace(/\W+/g, "-")}` },
          h("h2", { id: `wf-${key.replace(/\W+/g, "-")}` }, key, h("span.count", {}, ` ${shown.length} shown`)),
          h(
            "div.columns",
            {},
            states.map((state) => {
              const here = shown.filter((i) => i.state === state);
              const headingId = `col-${key.replace(/\W+/g, "-")}-${state}`;
              return h(
                "section.column",
                { "aria-labelledby": headingId, dataset: { state } },
                h("h3", { id: headingId }, state, h("span.count", { "aria-label": `${here.length} instances` }, here.length)),
                h("ul.cards", {}, here.slice(0, CARDS_PER_COLUMN).map(card)),
                here.length > CARDS_PER_COLUMN && h("p.muted", {}, `and ${here.length - CARDS_PER_COLUMN} more`),
              );
            }),
          ),
        ),
      );
    }
    mount(columns, sections.length ? sections : h("p.empty", {}, "No instances yet. Start one with POST /v1/instances."));
  };

  const scope = h(
    "select",
    { name: "scope", onchange: (e) => ((filters.scope = e.target.value), draw()) },
    h("option", { value: "all" }, "Everyone's"),
    h("option", { value: "mine" }, "Mine"),
    h("option", { value: "team" }, "My team's"),
  );
  const workflow = h(
    "select",
    { name: "workflow", onchange: (e) => ((filters.workflow = e.target.value), draw()) },
    h("option", { value: "" }, "All workflows"),
    [...groups.keys()].map((key) => h("option", { value: key, selected: key === filters.workflow }, key)),
  );
  const overdue = h("input", { type: "checkbox", name: "overdue", onchange: (e) => ((filters.overdue = e.target.checked), draw()) });
  const overdueCount = instances.filter((i) => i.overdue).length;
  mount(
    main,
    title("Work board"),
    h(
      "form.filters",
      { "aria-label": "Filters", onsubmit: (e) => e.preventDefault() },
      field("Show", scope),
      field("Workflow", workflow),
      h("div.field.check", {}, h("label", {}, overdue, " Overdue only"), h("small", {}, `${overdueCount} overdue`)),
    ),
    columns,
  );
  await draw();
}

function reasonText(reason) {
  switch (reason.kind) {
    case "role":
      return `Needs one of the roles ${(reason.allowed ?? []).join(", ")}`;
    case "guard":
      return `Condition not met: ${reason.guard}`;
    case "approvals": {
      const parts = [];
      if (reason.pending?.length) parts.push(`pending: ${reason.pending.join(", ")}`);
      if (reason.stale?.length) parts.push(`stale: ${reason.stale.join(", ")}`);
      return `Approval chain ${reason.chain} is not complete (${parts.join("; ")})`;
    }
    case "previous":
      return "There is no previous state to return to";
    default:
      return reason.message ?? JSON.stringify(reason);
  }
}

function nextActions(view, onApply, canApply) {
  const transitions = view.next.transitions ?? [];
  if (!transitions.length) return h("p.muted", {}, "No transition leaves this state.");
  return h(
    "ul.actions",
    {},
    transitions.map((t) => {
      const reasonsId = `reasons-${t.id}`;
      return h(
        "li",
        { dataset: { transition: t.id, enabled: String(t.enabled) } },
        h(
          "button",
          {
            type: "button",
            disabled: !t.enabled || !canApply,
            "aria-describedby": t.enabled ? undefined : reasonsId,
            onclick: () => onApply(t.id),
          },
          `${t.id} → ${t.to ?? "?"}`,
        ),
        !t.enabled && h("ul.reasons", { id: reasonsId }, t.reasons.map((r) => h("li", {}, reasonText(r)))),
      );
    }),
  );
}

function violations(result) {
  const list = result.violations ?? [];
  if (!list.length) return h("p.ok", {}, "No violations.");
  return h(
    "ul.violations",
    {},
    list.map((v) => h("li", { class: `sev-${v.severity}` }, h("span.badge", {}, v.severity), ` ${v.message} `, h("code", {}, v.id))),
  );
}

function approvalsOf(result) {
  const chains = Object.entries(result.approvals ?? {});
  if (!chains.length) return null;
  return h(
    "section",
    {},
    h("h2", {}, "Approvals"),
    chains.map(([chain, c]) =>
      h(
        "div.chain",
        {},
        h("h3", {}, chain, c.complete ? h("span.badge.okay", {}, "complete") : h("span.badge", {}, "incomplete")),
        h(
          "ul",
          {},
          (c.steps ?? []).map((s) =>
            h("li", {}, `${s.label ?? s.id}: ${s.status}`, s.granted_by?.length ? ` (by ${s.granted_by.join(", ")})` : ""),
          ),
        ),
      ),
    ),
  );
}

function historyTable(events) {
  return h(
    "table.history",
    {},
    h("caption", {}, "History, oldest first"),
    h("thead", {}, h("tr", {}, ["When", "Event", "Who", "From → to", "Detail"].map((c) => h("th", { scope: "col" }, c)))),
    h(
      "tbody",
      {},
      events.map((e) =>
        h(
          "tr",
          {},
          h("td", {}, when(e.at)),
          h("td", {}, e.kind, e.name ? ` ${e.name}` : ""),
          h("td", {}, e.actor),
          h("td", {}, e.from || e.to ? `${e.from ?? "—"} → ${e.to ?? "—"}` : ""),
          h("td", {}, e.detail?.comment ? `“${e.detail.comment}” ` : "", e.actions?.length ? `${e.actions.length} action(s)` : ""),
        ),
      ),
    ),
  );
}

export async function instance(main, { me, params, redraw }) {
  const id = params[0];
  const base = `/v1/instances/${encodeURIComponent(id)}`;
  const [view, history] = await Promise.all([get(`${base}/next`), get(`${base}/history`)]);
  const inst = view.instance;
  const canApply = me.roles.includes("operator");
  const apply = async (transition) => {
    try {
      const { body, audit } = await post(`${base}/apply`, { transition, seq: inst.seq });
      say(`Applied ${transition}: now ${body.instance.state} (audit entry ${audit}).`, "ok");
    } catch (error) {
      say(explain(error), "error");
    }
    await redraw();
  };
  mount(
    main,
    h("p", {}, h("a", { href: "#/board" }, "← Work board")),
    title(`Instance ${inst.id}`),
    h(
      "dl.summary",
      {},
      [
        ["Workflow", `${inst.ruleset} ${inst.version} · ${inst.workflow}`],
        ["State", inst.state],
        ["Owner", inst.owner ?? "—"],
        ["Due", inst.due ? `${when(inst.due)}${inst.overdue ? " (overdue)" : ""}` : "—"],
        ["In this state for", age(inst.entered_at)],
        ["Event", `seq ${inst.seq}`],
      ].map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", { dataset: { key: k } }, v))),
    ),
    h("section", {}, h("h2", {}, "Next actions"), nextActions(view, apply, canApply)),
    h("section", {}, h("h2", {}, "Violations"), violations(view.result)),
    approvalsOf(view.result),
    h(
      "section.two",
      {},
      h("div", {}, h("h2", {}, "Data"), facts(inst.input)),
      h("div", {}, h("h2", {}, "Outputs"), facts(view.result.outputs ?? {})),
    ),
    inst.timers.length
      ? h("section", {}, h("h2", {}, "Timers"), h("ul", {}, inst.timers.map((t) => h("li", {}, `${t.trigger}: ${when(t.due)}`))))
      : null,
    h("section", {}, h("h2", {}, "History"), historyTable(history.events)),
  );
}
