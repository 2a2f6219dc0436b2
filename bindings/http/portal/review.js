// The review queue: instances whose evaluation has a `review` violation (a classifier's low
// confidence, a class always checked). A person corrects the input in a form typed by the
// version's input schema; saving updates the instance (audited with the request) and shows the
// evaluation again. The input's refinements (`in A..B`, `matching "RE"`, `len A..B`, with their
// `else` messages) are checked in the form before it is sent; the server checks them again and
// its refusal is shown at the field it names.

import { get, post } from "./api.js";
import { explain, h, mount, say, title, when } from "./ui.js";

const NUMBER = "^-?\\d+(\\.\\d+)?$";
const NUMERIC = ["Int", "Decimal", "Money", "Percent"];

/** A field's value as a number (`25%` is 0.25), or NaN. */
function number(text, base) {
  const trimmed = String(text).trim();
  if (base === "Percent" && trimmed.endsWith("%")) return Number(trimmed.slice(0, -1)) / 100;
  return trimmed === "" ? NaN : Number(trimmed);
}

/** What a refinement asks, as the engine says it when the field has no `else` message. */
function requirement(r) {
  const after = (word) => r.text.replace(new RegExp(`^${word}\\s*`), "");
  if (r.kind === "in") return /^[<>]/.test(after("in")) ? `must be ${after("in")}` : `must be in ${after("in")}`;
  if (r.kind === "matching") return `must match ${after("matching")}`;
  return `must have a length in ${after("len")}`;
}

/** Whether `value` (a text, or a list for `len`) satisfies refinement `r` of a `base` field. */
function holds(r, value, base) {
  if (r.kind === "matching") {
    if (typeof value !== "string") return true;
    try {
      return new RegExp(`^(?:${r.pattern})$`, "u").test(value);
    } catch {
      return true; // A pattern this browser cannot read is left to the server.
    }
  }
  if (r.kind === "len") {
    const length = typeof value === "string" ? [...value].length : Array.isArray(value) ? value.length : null;
    if (length === null) return true;
    const below = r.max === undefined || length < Number(r.max) || (r.max_inclusive && length === Number(r.max));
    return length >= Number(r.min) && below;
  }
  // Bounds: numbers compared as numbers, dates and texts as texts.
  const numeric = NUMERIC.includes(base);
  const v = numeric ? number(value, base) : String(value);
  if (numeric && Number.isNaN(v)) return true;
  const bound = (b) => (numeric ? Number(b) : b);
  const above = r.min === undefined || v > bound(r.min) || (r.min_inclusive && v === bound(r.min));
  const below = r.max === undefined || v < bound(r.max) || (r.max_inclusive && v === bound(r.max));
  return above && below;
}

/** The message of the first refinement `value` breaks, or "". */
function broken(spec, value, base, path) {
  if (value === undefined || value === "" || value === null) return "";
  const r = (spec.refinements ?? []).find((r) => !holds(r, value, base));
  if (!r) return "";
  return spec.message ?? `\`${path}\` ${requirement(r)}`;
}

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
      validate: () => children.map((c) => (c.validate ? c.validate() : true)).every(Boolean),
      refuse: (at, message) => children.some((c) => c.refuse?.(at, message)),
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
  const error = h("small.field-error", { id: `${id}-error` });
  const wrap = (input, hint) => {
    input.setAttribute("aria-describedby", `${id}-error`);
    input.addEventListener("input", () => validate(input));
    return {
      node: h("div.field", {}, h("label", { for: id }, label, h("span.type", {}, ` ${spec.type}`)), input, hint && h("small", {}, hint), error),
      input,
    };
  };
  /** Checks the refinements, marking the control and saying why; true when they hold. */
  const validate = (input) => {
    let value = input.value;
    if (input.tagName === "TEXTAREA") {
      try {
        value = input.value.trim() ? JSON.parse(input.value) : "";
      } catch {
        return true;
      }
    }
    const message = broken(spec, value, base, path);
    input.setCustomValidity(message);
    input.setAttribute("aria-invalid", message ? "true" : "false");
    error.textContent = message;
    return !message;
  };
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
  if (made.input) {
    made.validate = () => validate(made.input);
    // The server's refusal of this field, shown at it until the value changes.
    made.refuse = (at, message) => {
      if (at !== path) return false;
      made.input.setAttribute("aria-invalid", "true");
      error.textContent = message;
      made.input.focus();
      return true;
    };
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
      // The handler checks (and says why) before the browser's own check would stop it.
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        // Every field's refinements first, so each says what is wrong before anything is sent.
        const valid = controls.map((c) => (c.validate ? c.validate() : true)).every(Boolean);
        if (!valid || !form.reportValidity()) {
          say("Correct the marked fields first.", "error");
          return;
        }
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
          const path = (error.details?.path ?? "").replace(/^\$\.?/, "");
          if (path && !controls.some((c) => c.refuse?.(path, error.message))) form.querySelector(`[name="${CSS.escape(path)}"]`)?.focus();
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
