// Small DOM helpers: elements built from data (text is always set as text, never as HTML),
// the status line read out by screen readers, and formats.

/** `h("a.card", {href}, child, ...)`: an element with classes, attributes and children. */
export function h(tag, attributes = {}, ...children) {
  const [name, ...classes] = tag.split(".");
  const element = document.createElement(name);
  if (classes.length) element.className = classes.join(" ");
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(element.dataset, value);
    } else if (value === true) {
      element.setAttribute(key, "");
    } else {
      element.setAttribute(key, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the content of `element`. */
export function mount(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

let statusTimer;

/** Says `message` in the status line (`kind`: `info`, `ok` or `error`). */
export function say(message, kind = "info") {
  const status = document.getElementById("status");
  status.className = `status ${kind}`;
  status.textContent = message;
  clearTimeout(statusTimer);
  if (kind !== "error") statusTimer = setTimeout(() => (status.textContent = ""), 8000);
}

/** The message of an error, with the engine's reasons when it gives some. */
export function explain(error) {
  const details = error?.details ?? {};
  const more = [];
  if (details.path) more.push(`at ${details.path}`);
  if (details.hint) more.push(details.hint);
  return [error?.message ?? String(error), ...more].join(" — ");
}

/** A date and time for people, in the browser's zone. */
export function when(text) {
  if (!text) return "";
  const date = new Date(text);
  return Number.isNaN(date.getTime())
    ? text
    : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A duration in words: `3 h`, `2 d`. */
export function age(from, to = new Date()) {
  const minutes = Math.max(0, Math.round((to - new Date(from)) / 60000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

/** A value as a compact text (records and lists as JSON). */
export function show(value) {
  if (value === null || value === undefined) return "—";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** A definition list of the fields of a record, nested records flattened with dots. */
export function facts(record, prefix = "") {
  const rows = [];
  const walk = (value, path) => {
    if (value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length) {
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
    } else {
      rows.push(h("div", {}, h("dt", {}, path), h("dd", {}, show(value))));
    }
  };
  walk(record, prefix);
  return h("dl.facts", {}, rows);
}

/** A labelled field: `<label for>` and the control. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintId = hint ? `${id}-hint` : undefined;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h("div.field", {}, h("label", { for: id }, label), control, hint && h("small", { id: hintId }, hint));
}

/** A heading and the page's title. */
export function title(text) {
  document.title = `${text} · ordo portal`;
  return h("h1", {}, text);
}
