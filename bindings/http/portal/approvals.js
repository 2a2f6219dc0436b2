// The approvals inbox: the steps that wait for the signed-in person, with the facts a grant
// records (and whether an earlier grant went stale), granted or rejected with a comment; and
// the person's delegations: one of their roles lent to another person for a window, created
// and revoked here.

import { get, post } from "./api.js";
import { age, explain, facts, field, h, mount, say, title, when } from "./ui.js";

function item(entry, redraw) {
  const key = `${entry.instance}-${entry.chain}-${entry.step}`.replace(/\W+/g, "-");
  const comment = h("textarea", { name: "comment", rows: 2, maxlength: 2000 });
  const decide = async (verdict) => {
    const path = `/v1/instances/${encodeURIComponent(entry.instance)}/approvals/${encodeURIComponent(entry.chain)}/${encodeURIComponent(entry.step)}/${verdict}`;
    const body = comment.value.trim() ? { comment: comment.value.trim() } : {};
    try {
      const { body: answer, audit } = await post(path, body);
      say(`${verdict === "grant" ? "Granted" : "Rejected"} ${entry.label} of ${entry.instance} as ${answer.role} (audit entry ${audit}).`, "ok");
    } catch (error) {
      say(explain(error), "error");
    }
    await redraw();
  };
  return h(
    "li.inbox-item",
    { dataset: { instance: entry.instance, step: `${entry.chain}.${entry.step}` } },
    h(
      "article",
      { "aria-labelledby": `h-${key}` },
      h(
        "h2",
        { id: `h-${key}` },
        `${entry.label} — `,
        h("a", { href: `#/instance/${encodeURIComponent(entry.instance)}` }, entry.instance),
      ),
      h(
        "p.meta",
        {},
        `${entry.ruleset} · ${entry.workflow} · ${entry.state} · chain ${entry.chain} · waiting ${age(entry.since)} (since ${when(entry.since)})`,
        entry.status === "stale" ? h("span.badge.warn", {}, "stale: the facts changed since a grant") : h("span.badge", {}, entry.status),
      ),
      entry.granted_by.length ? h("p", {}, `Granted so far by ${entry.granted_by.join(", ")}`) : null,
      h("h3", {}, "The facts you approve"),
      facts(entry.facts),
      h(
        "form.decide",
        { onsubmit: (e) => e.preventDefault() },
        field("Comment (optional)", comment),
        h(
          "div.buttons",
          {},
          h("button", { type: "button", class: "grant", onclick: () => decide("grant") }, "Grant"),
          h("button", { type: "button", class: "reject danger", onclick: () => decide("reject") }, "Reject"),
        ),
      ),
    ),
  );
}

/** Whether a delegation is in force, yet to come, over or revoked, at `now`. */
function standing(d, now) {
  if (d.revoked_at) return "revoked";
  if (new Date(d.until) <= now) return "ended";
  return new Date(d.from) > now ? "scheduled" : "active";
}

/** A `datetime-local` value `hours` from now, in the browser's zone. */
function localInput(hours) {
  const at = new Date(Date.now() + hours * 3600000);
  at.setSeconds(0, 0);
  return new Date(at.getTime() - at.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function delegationForm(me, redraw) {
  const roles = me.person.roles;
  const role = h("select", { name: "role", required: true }, roles.map((r) => h("option", { value: r }, r)));
  const to = h("input", { type: "text", name: "to", required: true, autocomplete: "off" });
  const from = h("input", { type: "datetime-local", name: "from", required: true, value: localInput(0) });
  const until = h("input", { type: "datetime-local", name: "until", required: true, value: localInput(24 * 7) });
  const error = h("p.error", { role: "alert" });
  const form = h(
    "form.delegate",
    {
      "aria-labelledby": "delegate-title",
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = "";
        if (new Date(until.value) <= new Date(from.value)) {
          until.setCustomValidity("The window must end after it starts.");
          form.reportValidity();
          return;
        }
        until.setCustomValidity("");
        try {
          const { body, audit } = await post("/v1/delegations", {
            role: role.value,
            to: to.value.trim(),
            from: new Date(from.value).toISOString(),
            until: new Date(until.value).toISOString(),
          });
          say(`Delegated ${body.role} to ${body.delegate} until ${when(body.until)} (audit entry ${audit}).`, "ok");
          await redraw();
        } catch (failure) {
          error.textContent = explain(failure);
        }
      },
    },
    h("h3", { id: "delegate-title" }, "Delegate a role"),
    roles.length
      ? [
          h("div.row", {}, field("Role", role), field("To (person id)", to), field("From", from), field("Until", until)),
          error,
          h("button", { type: "submit" }, "Delegate"),
        ]
      : h("p.muted", {}, "You hold no role to delegate."),
  );
  return form;
}

function delegationTable(list, me, redraw) {
  if (!list.length) return h("p.empty", { id: "no-delegations" }, "No delegations given or received.");
  const now = new Date();
  const revoke = async (d) => {
    try {
      const { audit } = await post(`/v1/delegations/${encodeURIComponent(d.id)}/revoke`);
      say(`Revoked the delegation of ${d.role} to ${d.delegate} (audit entry ${audit}).`, "ok");
    } catch (error) {
      say(explain(error), "error");
    }
    await redraw();
  };
  return h(
    "table.delegations",
    {},
    h("caption", {}, "Delegations given and received, newest first"),
    h("thead", {}, h("tr", {}, ["Role", "From person", "To person", "Window", "Status", ""].map((c) => h("th", { scope: "col" }, c)))),
    h(
      "tbody",
      {},
      list.map((d) => {
        const status = standing(d, now);
        const mine = d.delegator === me.person.id;
        return h(
          "tr",
          { dataset: { delegation: d.id, status } },
          h("td", {}, d.role),
          h("td", {}, d.delegator),
          h("td", {}, d.delegate),
          h("td", {}, `${when(d.from)} – ${when(d.until)}`),
          h("td", {}, h("span", { class: status === "active" ? "badge okay" : "badge" }, status)),
          h(
            "td",
            {},
            mine && (status === "active" || status === "scheduled")
              ? h("button.danger", { type: "button", "aria-label": `Revoke ${d.role} for ${d.delegate}`, onclick: () => revoke(d) }, "Revoke")
              : null,
          ),
        );
      }),
    ),
  );
}

export async function approvals(main, { me, redraw }) {
  const [inbox, delegations] = await Promise.all([get("/v1/approvals/inbox"), get("/v1/delegations")]);
  mount(
    main,
    title("Approvals"),
    h("p", {}, `Steps waiting for ${inbox.person}`, inbox.roles.length ? ` (as ${inbox.roles.join(", ")})` : "", "."),
    inbox.items.length
      ? h("ul.inbox", {}, inbox.items.map((entry) => item(entry, redraw)))
      : h("p.empty", {}, "Nothing waits for you."),
    h(
      "section.delegation",
      { "aria-labelledby": "delegations-title" },
      h("h2", { id: "delegations-title" }, "Delegations"),
      h("p", {}, "Lend one of your roles to another person while you are away: they see its steps and may decide them until the window closes."),
      delegationTable(delegations.delegations, me, redraw),
      delegationForm(me, redraw),
    ),
  );
}
