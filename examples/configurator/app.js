// The bike configurator: every change asks the rules engine (compiled to WebAssembly, running
// in this page) two questions — which options are still possible (`configure`), and what the
// chosen bike costs (`evaluate`) — and shows the answers. Nothing here knows a price or a rule:
// they all live in bikes.ordo.

import init, { Ruleset } from "./pkg/ordo_wasm.js";
import { countries, labelOf, noteOf } from "./catalogue.js";

/** Where the rules are looked for: beside the page (copied there by the build), or in the
 * repository's examples folder when the page is served from there. */
const RULESET_URLS = ["./bikes.ordo", "../bikes/bikes.ordo"];

/** Fields shown as groups of option buttons, and how each is chosen. */
const GROUPS = [
  { field: "frame", kind: "radio" },
  { field: "size", kind: "radio" },
  { field: "groupset", kind: "radio" },
  { field: "accessories", kind: "set" },
];

/** What the engine's input paths are called on this page (for error messages). */
const FIELD_NAMES = {
  frame: "Frame",
  size: "Size",
  groupset: "Groupset",
  accessories: "Accessories",
  quantity: "Quantity",
  dealer: "Customer",
  fleet_discount: "Fleet discount",
  "ship_to.country": "Ship to",
  "ship_to.express": "Delivery",
};

const OUTPUT_NAMES = {
  unit_price_eur: ["Price per bike", (v) => money(v, "EUR")],
  weight_kg: ["Shipment weight", (v) => `${v} kg`],
  delivery_days: ["Delivery", (v) => `${v} working day${v === "1" ? "" : "s"}`],
};

const $ = (selector) => document.querySelector(selector);

let ruleset = null;

// ---- start ------------------------------------------------------------------------------------

async function start() {
  let first;
  try {
    await init();
    const source = await fetchFirst(RULESET_URLS);
    ruleset = Ruleset.compile(source, "bikes.ordo");
    first = configure({});
  } catch (error) {
    showError("The configurator could not start.", error.message ?? String(error));
    return;
  }
  $("#rules-name").textContent = ruleset.name;
  $("#rules-version").textContent = ruleset.version;
  $("#rules-effective").textContent = ruleset.effective ?? "—";
  $("#rules-hash").textContent = shortHash(ruleset.hash);
  $("#rules-hash").title = ruleset.hash;

  buildControls(first.fields);
  $("#as_of").value = today();
  const form = $("#builder");
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  form.addEventListener("submit", (event) => event.preventDefault());
  update();
  form.setAttribute("aria-busy", "false");
  document.body.dataset.ready = "true";
}

async function fetchFirst(urls) {
  for (const url of urls) {
    try {
      const response = await fetch(url);
      if (response.ok) return await response.text();
    } catch {
      // try the next place
    }
  }
  throw new Error(`bikes.ordo was not found (looked at ${urls.join(", ")})`);
}

// ---- controls ---------------------------------------------------------------------------------

/** The values of a field, in the rules' order (from the engine's `configure` answer). */
function valuesOf(fields, field) {
  return (fields[field]?.options ?? []).map((o) => o.value);
}

/**
 * Builds the option buttons once (updates only change their state). The rules' defaults are
 * preselected.
 */
function buildControls(fields) {
  for (const { field, kind } of GROUPS) {
    const box = document.querySelector(`[data-field="${field}"] .options`);
    const values = valuesOf(fields, field);
    const chosen = fields[field]?.default;
    for (const value of values) {
      const option = document.createElement("label");
      option.className = "option";
      option.dataset.value = value;
      const input = document.createElement("input");
      input.type = kind === "set" ? "checkbox" : "radio";
      input.name = field;
      input.value = value;
      input.checked = kind === "set" ? Array.isArray(chosen) && chosen.includes(value) : chosen === value;
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = labelOf(field, value);
      option.append(input, name);
      const note = noteOf(field, value);
      if (note) {
        const small = document.createElement("small");
        small.textContent = note;
        option.append(small);
      }
      box.append(option);
    }
  }
  const dealer = $("#dealer");
  const dealerDefault = fields.dealer?.default ?? "direct";
  for (const value of valuesOf(fields, "dealer")) {
    dealer.append(new Option(labelOf("dealer", value), value, false, value === dealerDefault));
  }
  const country = $("#country");
  for (const [code, name] of countries) country.append(new Option(`${name} (${code})`, code));
  $("#express").checked = fields["ship_to.express"]?.default === true;
}

// ---- reading the form -------------------------------------------------------------------------

/** The input the engine gets; `frame` is left out until one is chosen. */
function currentInput() {
  const form = $("#builder");
  const radio = (name) => form.querySelector(`input[name="${name}"]:checked`)?.value;
  const input = {};
  const frame = radio("frame");
  if (frame !== undefined) input.frame = frame;
  for (const name of ["size", "groupset"]) {
    const value = radio(name);
    if (value !== undefined) input[name] = value;
  }
  input.accessories = [...form.querySelectorAll('input[name="accessories"]:checked')].map((i) => i.value);
  const quantity = $("#quantity").value.trim();
  // Whole numbers go as numbers; anything else as text, so the rules can say what is wrong.
  input.quantity = /^\d{1,15}$/.test(quantity) ? Number(quantity) : quantity;
  input.dealer = $("#dealer").value;
  input.ship_to = { country: $("#country").value, express: $("#express").checked };
  const discount = $("#fleet_discount").value.trim();
  // Decimals always cross as strings: "5" on the page is "5%" for the rules.
  input.fleet_discount = discount === "" ? "0%" : discount.endsWith("%") ? discount : `${discount}%`;
  return input;
}

// ---- asking the engine ------------------------------------------------------------------------

/** Which options remain possible for the partial input (the engine's `configure`). Fields left
 * unset count at their defaults for the outputs and prices (`defaults: "apply"`), while their
 * options are still judged open; options a warning or review would flag carry `warned_by`. */
function configure(partial) {
  return ruleset.configure(partial, { asOf: $("#as_of").value || undefined, defaults: "apply" });
}

function update() {
  const input = currentInput();
  const asOf = $("#as_of").value || undefined;
  const messages = [];
  const started = performance.now();

  let availability = null;
  try {
    availability = configure(input);
  } catch (error) {
    messages.push(errorMessage(error));
  }
  renderAvailability(availability, input);

  let result = null;
  if (input.frame !== undefined) {
    try {
      result = ruleset.evaluate(input, { asOf });
    } catch (error) {
      messages.push(errorMessage(error));
    }
  }
  const elapsed = performance.now() - started;

  renderQuote(result, input.frame !== undefined);
  const violations = result?.violations ?? availability?.violations ?? [];
  for (const v of violations) messages.push({ severity: v.severity, text: v.message, id: v.id });
  for (const chain of Object.values(result?.approvals ?? {})) {
    for (const step of chain.steps) {
      if (step.status !== "granted") {
        messages.push({ severity: "approval", text: `Needs approval: ${step.label}`, id: step.id });
      }
    }
  }
  renderMessages(messages, result);
  $("#rules-timing").textContent = `${elapsed.toFixed(1)} ms, in this browser`;
  $("#request-json").textContent = JSON.stringify({ input, as_of: asOf ?? null }, null, 2);
}

function errorMessage(error) {
  const where = error.path ? `${FIELD_NAMES[error.path] ?? error.path}: ` : "";
  return { severity: "error", text: `${where}${error.message}`, id: error.kind };
}

// ---- rendering ----------------------------------------------------------------------------------

/** Disables the options the rules rule out, with the reason on hover. */
function renderAvailability(availability, input) {
  const fields = availability?.fields ?? {};
  for (const { field } of GROUPS) {
    const options = fields[field]?.options ?? [];
    for (const label of document.querySelectorAll(`[data-field="${field}"] .option`)) {
      const answer = options.find((o) => o.value === label.dataset.value);
      // Blocking errors first, then the warnings and reviews the option would raise.
      const reasons = [...(answer?.blocked_by ?? []), ...(answer?.warned_by ?? [])].map((b) => b.message);
      const blocked = answer !== undefined && !answer.available;
      label.classList.toggle("warned", (answer?.warned_by ?? []).length > 0);
      const control = label.querySelector("input");
      // A chosen value stays clickable (to undo it); its conflict is shown instead.
      control.disabled = blocked && !control.checked;
      label.classList.toggle("blocked", blocked && !control.checked);
      label.classList.toggle("conflict", blocked && control.checked);
      if (reasons.length) {
        label.dataset.reason = reasons.join(" · ");
        label.title = reasons.join("\n");
      } else {
        delete label.dataset.reason;
        label.removeAttribute("title");
      }
      label.classList.toggle("selected", control.checked);
    }
  }
  const express = fields["ship_to.express"]?.options?.find((o) => o.value === true);
  const expressBox = $("#express");
  const blocked = express !== undefined && !express.available && !expressBox.checked;
  expressBox.disabled = blocked;
  const reason = (express?.blocked_by ?? []).map((b) => b.message).join("\n");
  expressBox.parentElement.title = blocked ? reason : "";
  for (const option of $("#dealer").options) {
    const answer = fields.dealer?.options?.find((o) => o.value === option.value);
    option.disabled = answer !== undefined && !answer.available && option.value !== input.dealer;
    option.title = (answer?.blocked_by ?? []).map((b) => b.message).join("\n");
  }
}

function renderQuote(result, frameChosen) {
  const quote = result ? Object.values(result.quotes)[0] : null;
  $("#quote-empty").hidden = quote !== null && quote !== undefined;
  $("#quote-empty").textContent = frameChosen
    ? "This configuration cannot be priced yet — see the checks below."
    : "Choose a frame to see your quote.";
  const table = $("#quote-lines");
  const facts = $("#facts");
  table.hidden = !quote;
  facts.hidden = !quote;
  if (!quote) return;
  const body = table.querySelector("tbody");
  body.replaceChildren(
    ...quote.lines.map((line) => {
      const row = document.createElement("tr");
      row.className = `line ${line.kind}`;
      row.dataset.id = line.id;
      const head = document.createElement("th");
      head.scope = "row";
      head.textContent = line.label;
      if (line.quantity !== undefined && line.unit_price !== undefined) {
        const detail = document.createElement("small");
        detail.textContent = `${line.quantity} × ${money(line.unit_price, quote.currency)}`;
        head.append(detail);
      }
      const amount = document.createElement("td");
      amount.textContent = line.amount === null ? "—" : money(line.amount, quote.currency);
      amount.dataset.value = line.amount ?? "";
      row.append(head, amount);
      return row;
    }),
  );
  const total = $("#total");
  total.textContent = quote.total === null ? "—" : money(quote.total, quote.currency);
  total.dataset.value = quote.total ?? "";
  table.classList.toggle("invalid", !result.valid);

  facts.replaceChildren();
  for (const [name, value] of Object.entries(result.outputs)) {
    if (value === null) continue;
    const [label, show] = OUTPUT_NAMES[name] ?? [name, String];
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = show(value);
    dd.dataset.output = name;
    facts.append(dt, dd);
  }
}

function renderMessages(messages, result) {
  const items = messages.map((m) => {
    const item = document.createElement("li");
    item.className = m.severity;
    item.dataset.id = m.id;
    item.textContent = m.text;
    return item;
  });
  if (result?.valid) {
    const ok = document.createElement("li");
    ok.className = "ok";
    ok.textContent = "This bike can be ordered as configured.";
    items.unshift(ok);
  } else if (items.length === 0) {
    const none = document.createElement("li");
    none.className = "ok";
    none.textContent = "No problems so far.";
    items.push(none);
  }
  $("#messages").replaceChildren(...items);
}

function showError(title, detail) {
  const notice = $("#notice");
  notice.className = "notice error";
  notice.replaceChildren();
  const strong = document.createElement("strong");
  strong.textContent = title;
  const pre = document.createElement("pre");
  pre.textContent = ` ${detail}`;
  notice.append(strong, pre);
  notice.hidden = false;
}

// ---- formatting (decimal strings are never turned into floats) --------------------------------

/** "12345.6" → "€12,345.60" (two decimals at least, the scale kept beyond that). */
export function money(decimal, currency) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(decimal);
  if (!m) return `${decimal} ${currency}`;
  const [, sign, whole, fraction = ""] = m;
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = fraction.padEnd(2, "0");
  const symbol = { EUR: "€", USD: "$", GBP: "£", CHF: "CHF " }[currency] ?? `${currency} `;
  return `${sign === "-" ? "−" : ""}${symbol}${grouped}.${cents}`;
}

function shortHash(hash) {
  const [algorithm, digest = ""] = hash.split(":");
  return `${algorithm}:${digest.slice(0, 12)}…`;
}

function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

start();
