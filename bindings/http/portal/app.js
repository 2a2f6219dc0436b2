// The portal's shell: sign-in, the navigation the caller's roles allow, and a hash router
// (`#/board`, `#/instance/ID`, ...) that draws one page at a time into <main>.

import { ApiError, get, setToken, token } from "./api.js";
import { explain, field, h, mount, say, title } from "./ui.js";
import { board, instance } from "./board.js";
import { approvals } from "./approvals.js";
import { rules } from "./rules.js";
import { review } from "./review.js";
import { audit, dashboard } from "./insights.js";

const readsInstances = (me) => me.roles.includes("operator") || me.roles.includes("auditor");

/** The pages, in the navigation's order, with who sees them. */
const PAGES = [
  { path: "board", label: "Work board", show: readsInstances, draw: board },
  { path: "approvals", label: "Approvals", show: (me) => me.roles.includes("operator"), draw: approvals },
  { path: "review", label: "Review queue", show: readsInstances, draw: review },
  { path: "rules", label: "Rules", show: () => true, draw: rules },
  { path: "dashboard", label: "Dashboard", show: readsInstances, draw: dashboard },
  { path: "audit", label: "Audit", show: (me) => me.roles.includes("auditor"), draw: audit },
];

const HIDDEN = [{ path: "instance", show: readsInstances, draw: instance }];

let me = null;
/** Counts navigations, so a slow page drawn after a later one is dropped. */
let routes = 0;

async function signIn(secret) {
  setToken(secret);
  try {
    me = await get("/v1/me");
  } catch (error) {
    setToken(null);
    me = null;
    throw error;
  }
}

function loginForm(message) {
  const main = document.getElementById("main");
  mount(document.getElementById("nav"));
  mount(document.getElementById("who"));
  const input = h("input", { type: "password", name: "token", autocomplete: "current-password", required: true });
  const error = h("p.error", { role: "alert", id: "login-error" }, message ?? "");
  const form = h(
    "form.login",
    {
      "aria-labelledby": "login-title",
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          document.body.dataset.ready = "false";
          await signIn(input.value.trim());
          location.hash = `#/${firstPage()}`;
          await route();
        } catch (failure) {
          error.textContent =
            failure instanceof ApiError && failure.status === 401 ? "This token is not known to the server." : explain(failure);
          input.focus();
          document.body.dataset.ready = "true";
        }
      },
    },
    h("h1", { id: "login-title" }, "Sign in"),
    h("p", {}, "Paste the bearer token the server's tokens file gives you. It stays in this tab only."),
    field("Token", input),
    error,
    h("button", { type: "submit" }, "Sign in"),
  );
  mount(main, form);
  document.title = "Sign in · ordo portal";
  input.focus();
}

function firstPage() {
  return PAGES.find((page) => page.show(me))?.path ?? "rules";
}

function drawNav(current) {
  const links = PAGES.filter((page) => page.show(me)).map((page) =>
    h("a", { href: `#/${page.path}`, "aria-current": page.path === current ? "page" : undefined }, page.label),
  );
  mount(document.getElementById("nav"), links);
  const person = me.person;
  const roles = person.roles.length ? ` (${person.roles.join(", ")})` : "";
  mount(
    document.getElementById("who"),
    h("span", { id: "whoami" }, `${person.id}${roles}`),
    me.open
      ? null
      : h(
          "button.link",
          {
            type: "button",
            onclick: () => {
              setToken(null);
              me = null;
              location.hash = "";
              loginForm("Signed out.");
            },
          },
          "Sign out",
        ),
  );
}

async function route() {
  if (!me) return;
  const [path, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  const page = [...PAGES, ...HIDDEN].find((p) => p.path === path && p.show(me));
  if (!page) {
    location.replace(`#/${firstPage()}`);
    return;
  }
  const drawing = ++routes;
  document.body.dataset.ready = "false";
  drawNav(page.path === "instance" ? "board" : page.path);
  const main = document.getElementById("main");
  // Each page draws into a detached element, shown only if no later navigation overtook it.
  const view = h("div");
  try {
    await page.draw(view, { me, params: rest.map(decodeURIComponent), redraw: route });
    if (drawing !== routes) return;
    mount(main, [...view.childNodes]);
  } catch (error) {
    if (drawing !== routes) return;
    if (error instanceof ApiError && error.status === 401) {
      setToken(null);
      me = null;
      loginForm("Your token is no longer accepted; sign in again.");
      return;
    }
    mount(main, title("Something went wrong"), h("p.error", { role: "alert" }, explain(error)));
  }
  main.focus({ preventScroll: true });
  document.body.dataset.ready = "true";
}

async function start() {
  window.addEventListener("hashchange", () => route());
  try {
    // An open server answers without a token; a saved token is tried again.
    await signIn(token());
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) say(explain(error), "error");
    loginForm();
    document.body.dataset.ready = "true";
    return;
  }
  await route();
}

start();
