// The review queue: instances whose evaluation has a `review` violation (a classifier's low
// confidence, a class always checked). A person corrects the input in a form typed by the
// version's input schema; saving updates the instance (audited with the request) and shows the
// evaluation again.

import { get, post } from "./api.js";
import { explain, h, mount, say, title, when } from "./ui.js";

const NUMBER = "^-?\\d+(\\.\\d+)?$";

/** A control for one field of the schema, holding `value`; `read()` gives its JSON value. */
function control(spec, value, enums, path) {
  const optional = spec.type.endsWith("?");
  const base = spec.type.replace(/\?$/, "");
  const id = `in-${path.replace(/\W+/g, "-")}`;
  const label = `${spec.name}${optional ? " (optional)" : ""}`;
  if (spec.fields?.length) {
    const children = spec.fields.map((f) => control(f, value?.[f.name], enums, `${path}.${f.name}`));
    return {
      node: h("fieldset", { dataset: { path } }, h("legend", {}, label), children.map((c) => c.node)),
      read: () => {
        const record = {};
        for (const [i, f] of spec.fields.entries()) {
          const v = children[i].read();
          if (v !== undefined) record[f.name] = v;
        }
        return record;
      },
    };
  }
  const wrap = (input, hint) => ({
    node: h("div.field", {}, h("label", { for: id }, label, h("span.type", {}, ` ${spec.type}`)), input, hint && h("small", {}, hint)),
    input,
  });
  const known = enums.find((e) => e.name === base);
  let made;
  if (known) {
    const values = [...known.values];
    if (typeof value === "string" && !values.includes(value)) values.push(value);
    const input = h(
      "select",
      { id, name: path, required: !optional },
      optional ? h("option", { value: "" }, "—") : null,
      values.map((v) => h("option", { value: v, selected: v === value }, v)),
    );
    made = { ...wrap(input), read: () => input.value || undefined };
  } else if (base === "Bool") {
    const input = h("input", { id, name: path, type: "checkbox", checked: value === true });
    made = {
      node: h("div.field.check", {}, h("label", {}, input, ` ${label}`)),
      read: () => input.checked,
    };
  } else if (base === "Int") {
    const input = h("input", { id, name: path, type: "number", step: 1, required: !optional, value: value ?? "" });
    made = { ...wrap(input), read: () => (input.value === "" ? undefined : Number(input.value)) };
  } else if (["Decimal", "Money", "Percent"].includes(base)) {
    // Sent as text: a decimal stays exact (a JSON number would pass through a binary float).
    const input = h("input", { id, name: path, inputmode: "decimal", pattern: base === "Percent" ? "^-?\\d+(\\.\\d+)?%?$" : NUMBER, required: !optional, value: value ?? "" });
    made = { ...wrap(input, "A decimal number, such as 0.95"), read: () => (input.value === "" ? undefined : input.value) };
  } else if (base === "Date") {
    const input = h("input", { id, name: path, type: "date", required: !optional, value: value ?? "" });
    made = { ...wrap(input), read: () => input.value || undefined };
  } else if (/^(List|Set|Map)</.test(base) || /^\{/.test(base)) {
    const input = h("textarea.code", { id, name: path, rows: 3, required: !optional }, value === undefined ? "" : JSON.stringify(value));
    made = {
      ...wrap(input, "JSON"),
      read: () => {
        if (!input.value.trim()) return undefined;
        try {
          input.setCustomValidity("");
          return JSON.parse(input.value);
        } catch {
          input.setCustomValidity("Not JSON");
          throw new Error(`${path}: not JSON`);
        }
      },
    };
  } else {
    const input = h("input", { id, name: path, type: "text", required: !optional, value: value ?? "" });
    made = { ...wrap(input), read: () => (input.value === "" ? undefined : input.value) };
  }
  return made;
}

function violationList(violations) {
  return h(
    "ul.violations",
    {},
    violations.map((v) => h("li", { class: `sev-${v.severity}` }, h("span.badge", {}, v.severity), ` ${v.message} `, h("code", {}, v.id))),
  );
}

async function editor(item, me, redraw) {
  const inst = item.instance;
  const detail = await get(`/v1/rulesets/${encodeURIComponent(inst.ruleset)}/versions/${encodeURIComponent(inst.version)}`);
  const schema = detail.input_schema;
  const controls = schema.fields.map((f) => control(f, inst.input[f.name], schema.enums, f.name));
  const result = h("div.review-result", { "aria-live": "polite" });
  const may = me.roles.includes("operator");
  const form = h(
    "form.review-form",
    {
      "aria-label": `Correct ${inst.id}`,
      onsubmit: async (event) => {
        event.preventDefault();
        if (!form.reportValidity()) return;
        let input;
        try {
          input = {};
          for (const [i, f] of schema.fields.entries()) {
            const v = controls[i].read();
            if (v !== undefined) input[f.name] = v;
          }
        } catch (error) {
          say(explain(error), "error");
          return;
        }
        try {
          const { audit } = await post(`/v1/instances/${encodeURIComponent(inst.id)}/update`, { input, seq: inst.seq });
          const again = await get(`/v1/instances/${encodeURIComponent(inst.id)}/next`);
          const left = (again.result.violations ?? []).filter((v) => v.severity === "review");
          say(`Saved ${inst.id} (audit entry ${audit}); ${left.length ? `${left.length} review finding(s) remain` : "no review finding remains"}.`, "ok");
          mount(
            result,
            h("h3", {}, "Evaluated again"),
            again.result.violations?.length ? violationList(again.result.violations) : h("p.ok", {}, "No violations."),
            h("p", {}, h("a", { href: `#/instance/${encodeURIComponent(inst.id)}` }, `Open ${inst.id} to move it on`)),
          );
        } catch (error) {
          mount(result, h("p.error", { role: "alert" }, explain(error)));
          const path = error.details?.path;
          if (path) form.querySelector(`[name="${CSS.escape(path)}"]`)?.focus();
        }
      },
    },
    controls.map((c) => c.node),
    h("button", { type: "submit", disabled: !may }, "Save and evaluate again"),
    may ? null : h("p.muted", {}, "Correcting needs the operator role."),
  );
  return h("div.editor", {}, form, result);
}

export async function review(main, { me, params, redraw }) {
  const queue = await get("/v1/review");
  const selected = params[0] ? queue.items.find((i) => i.instance.id === params[0]) : null;
  const list = h(
    "ul.queue",
    {},
    queue.items.map((item) =>
      h(
        "li",
        { dataset: { instance: item.instance.id }, class: item === selected ? "selected" : undefined },
        h(
          "a",
          { href: `#/review/${encodeURIComponent(item.instance.id)}`, "aria-current": item === selected ? "true" : undefined },
          h("strong", {}, item.instance.id),
          ` ${item.instance.ruleset} · ${item.instance.state} · since ${when(item.instance.entered_at)}`,
        ),
        violationList(item.violations),
        item.input_notes ? h("p.note", {}, item.input_notes.map((n) => `${n.path}: “${n.received}” read as ${n.read_as}`).join("; ")) : null,
      ),
    ),
  );
  mount(
    main,
    title("Review queue"),
    h("p", {}, `${queue.items.length} waiting for a person${queue.truncated ? " (the first 10,000 instances looked at)" : ""}.`),
    h(
      "div.review",
      {},
      queue.items.length ? list : h("p.empty", {}, "Nothing waits for a review."),
      selected ? h("section", { "aria-label": "Correction" }, h("h2", {}, `Correct ${selected.instance.id}`), await editor(selected, me, redraw)) : null,
    ),
  );
}
