// The approvals inbox: the steps that wait for the signed-in person, with the facts a grant
// records (and whether an earlier grant went stale), granted or rejected with a comment.

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

export async function approvals(main, { redraw }) {
  const inbox = await get("/v1/approvals/inbox");
  mount(
    main,
    title("Approvals"),
    h("p", {}, `Steps waiting for ${inbox.person}`, inbox.roles.length ? ` (as ${inbox.roles.join(", ")})` : "", "."),
    inbox.items.length
      ? h("ul.inbox", {}, inbox.items.map((entry) => item(entry, redraw)))
      : h("p.empty", {}, "Nothing waits for you."),
  );
}
