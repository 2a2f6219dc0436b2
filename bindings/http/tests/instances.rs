#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Workflow instances driven end to end through the API on the `orders` example: start,
//! update, approvals by several people, transitions, a timer fired by the scheduler on a
//! clock the test moves, the actions in the outbox exactly once, optimistic concurrency
//! (`409` on a stale `seq`), roles (`403`), and an instance that outlives a restart.

mod common;

use std::time::{Duration, Instant};

use common::*;
use ordo_http::clock::ManualClock;
use serde_json::{Value as Json, json};

/// A server with the operations tokens, a fast scheduler and `clock`, on the files of `dir`.
fn server(dir: TempDir, clock: &ManualClock) -> TestServer {
    let config = ops_config(&dir, clock);
    TestServer::run(config, dir)
}

/// The outbox from the start, as the dispatcher reads it page by page.
fn outbox(server: &TestServer) -> Vec<Json> {
    let client = server.client(Some(DISPATCHER));
    let mut after = 0;
    let mut actions = Vec::new();
    loop {
        let page = ok(
            &client.get(&format!("/v1/outbox?after={after}&limit=2")),
            200,
        );
        let got = page["actions"].as_array().unwrap().clone();
        if got.is_empty() {
            assert_eq!(page["next_after"], after);
            return actions;
        }
        after = page["next_after"].as_i64().unwrap();
        actions.extend(got);
    }
}

fn action_names(actions: &[Json]) -> Vec<String> {
    actions
        .iter()
        .map(|a| {
            format!(
                "{}.{}",
                a["trigger"].as_str().unwrap(),
                a["action"]["action"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn an_order_runs_end_to_end_through_the_api() {
    let clock = ManualClock::new(at("2026-03-02T08:40:00Z"));
    let server = server(TempDir::new("instances"), &clock);
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/orders/orders.ordo"));
    let ana = server.client(Some(ANA));
    let ben = server.client(Some(BEN));

    // Start: the engine picks the initial state and its owner; the version is pinned.
    let input = json!({
        "product": "table_oak",
        "quantity": 12,
        "channel": "contract",
        "discount": "0.05",
        "customer": {"name": "Hotel Adler", "country": "AT"},
        "sales_rep": "ana"
    });
    let started = ok(
        &ana.post(
            "/v1/instances",
            &json!({"ruleset": "orders", "workflow": "order", "input": input, "id": "SO-1042"}),
        ),
        201,
    );
    let instance = &started["instance"];
    assert_eq!(instance["id"], "SO-1042");
    assert_eq!(instance["state"], "draft");
    assert_eq!(instance["owner"], "sales");
    assert_eq!(instance["version"], "1.0.0");
    assert_eq!(instance["seq"], 1);
    assert_eq!(started["result"]["state"], "draft");
    // The same id again is a conflict.
    ana.post(
        "/v1/instances",
        &json!({"ruleset": "orders", "workflow": "order", "input": input, "id": "SO-1042"}),
    )
    .assert_error(409, "conflict");

    // Update: a bigger order with a purchase order number.
    let mut bigger = input.clone();
    bigger["quantity"] = json!(25);
    bigger["discount"] = json!("0.12");
    bigger["po_number"] = json!("PO-7");
    let updated = ok(
        &ana.post(
            "/v1/instances/SO-1042/update",
            &json!({"input": bigger, "seq": 1}),
        ),
        200,
    );
    assert_eq!(updated["instance"]["seq"], 2);
    assert_eq!(updated["instance"]["input"]["quantity"], 25);

    // Submit: the engine fires `large_order` and arms the reminder; the SLA is two days.
    clock.set(at("2026-03-02T09:15:00Z"));
    let submitted = ok(
        &ana.post(
            "/v1/instances/SO-1042/apply",
            &json!({"transition": "submit", "seq": 2}),
        ),
        200,
    );
    let instance = &submitted["instance"];
    assert_eq!(instance["state"], "submitted");
    assert_eq!(instance["owner"], "sales_manager");
    assert_eq!(instance["seq"], 3);
    assert_eq!(instance["due"], "2026-03-04T09:15:00.000000Z");
    assert_eq!(
        field_strs(&instance["timers"], "trigger"),
        ["approval_reminder"]
    );
    assert_eq!(
        field_strs(&submitted["result"]["actions"], "trigger"),
        ["large_order"]
    );

    // What waits for whom: the manager's step for ben, finance's for fay and finn.
    assert_eq!(inbox_steps(&server, BEN), ["deal_desk.manager"]);
    assert_eq!(inbox_steps(&server, FAY), ["deal_desk.finance"]);
    assert!(inbox_steps(&server, ANA).is_empty());
    let fay_inbox = ok(&server.client(Some(FAY)).get("/v1/approvals/inbox"), 200);
    let item = &fay_inbox["items"][0];
    assert_eq!(item["instance"], "SO-1042");
    assert_eq!(item["status"], "pending");
    assert_eq!(item["since"], "2026-03-02T09:15:00.000000Z");
    assert_eq!(item["facts"]["quote.net"], "50600.00");

    // The approvals are not there yet: the engine refuses, saying why.
    ben.post(
        "/v1/instances/SO-1042/apply",
        &json!({"transition": "approve", "seq": 3}),
    )
    .assert_error(422, "transition");
    // An evaluator may not run instances; a salesperson may not take the manager's step.
    server
        .client(Some(EVALUATOR))
        .post(
            "/v1/instances/SO-1042/apply",
            &json!({"transition": "approve", "seq": 3}),
        )
        .assert_error(403, "forbidden");
    ana.post(
        "/v1/instances/SO-1042/approvals/deal_desk/manager/grant",
        &json!({}),
    )
    .assert_error(403, "forbidden");
    // On a server with tokens the actor is the token's person: naming another is refused.
    ana.post(
        "/v1/instances/SO-1042/apply",
        &json!({"transition": "submit", "seq": 3, "actor": {"id": "ben", "roles": ["sales_manager"]}}),
    )
    .assert_error(403, "forbidden");

    // Two days later the scheduler fires the reminder (the engine re-checks it).
    let overdue = ok(&ben.get("/v1/instances?overdue=true"), 200);
    assert!(overdue["instances"].as_array().unwrap().is_empty());
    clock.set(at("2026-03-04T09:16:00Z"));
    let deadline = Instant::now() + Duration::from_secs(20);
    let fired = loop {
        let actions = outbox(&server);
        if actions.len() >= 3 {
            break actions;
        }
        assert!(
            Instant::now() < deadline,
            "the reminder did not fire: {actions:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        action_names(&fired),
        [
            "large_order.notify",
            "approval_reminder.notify",
            "approval_reminder.escalate"
        ]
    );
    let reminded = ok(&ben.get("/v1/instances/SO-1042"), 200);
    assert_eq!(reminded["seq"], 4);
    assert_eq!(reminded["overdue"], true);
    assert!(reminded["timers"].as_array().unwrap().is_empty());
    let overdue = ok(&ben.get("/v1/instances?overdue=true"), 200);
    assert_eq!(field_strs(&overdue["instances"], "id"), ["SO-1042"]);

    // ben read seq 3 before the reminder: his apply is stale.
    let stale = ben.post(
        "/v1/instances/SO-1042/apply",
        &json!({"transition": "approve", "seq": 3}),
    );
    stale.assert_error(409, "conflict");
    assert_eq!(stale.json()["error"]["seq"], 4);

    // Grants by three people, each with the facts of the current evaluation.
    let granted = ok(
        &ben.post(
            "/v1/instances/SO-1042/approvals/deal_desk/manager/grant",
            &json!({"seq": 4}),
        ),
        200,
    );
    assert_eq!(granted["by"], "ben");
    assert_eq!(granted["role"], "sales_manager");
    assert_eq!(granted["facts"]["quote.net"], "50600.00");
    assert_eq!(granted["status"]["status"], "granted");
    ok(
        &server.client(Some(FAY)).post(
            "/v1/instances/SO-1042/approvals/deal_desk/finance/grant",
            &json!({}),
        ),
        200,
    );
    // Fay granted: the step (quorum 2) still waits, but no longer for her.
    assert!(inbox_steps(&server, FAY).is_empty());
    assert_eq!(inbox_steps(&server, FINN), ["deal_desk.finance"]);
    let finn = ok(
        &server.client(Some(FINN)).post(
            "/v1/instances/SO-1042/approvals/deal_desk/finance/grant",
            &json!({}),
        ),
        200,
    );
    assert_eq!(finn["status"]["status"], "granted");
    assert!(inbox_steps(&server, FINN).is_empty());
    assert!(inbox_steps(&server, BEN).is_empty());

    // The instance, its grants and its history outlive a restart.
    let dir = server.stop_keeping_files();
    let server = self::server(dir, &clock);
    let ben = server.client(Some(BEN));
    let wes = server.client(Some(WES));
    let kept = ok(&ben.get("/v1/instances/SO-1042"), 200);
    assert_eq!(kept["state"], "submitted");
    assert_eq!(kept["seq"], 4);

    // The approvals are complete: ben approves, and the workshop builds and ships.
    clock.set(at("2026-03-05T10:00:00Z"));
    let approved = ok(
        &ben.post(
            "/v1/instances/SO-1042/apply",
            &json!({"transition": "approve", "seq": 4}),
        ),
        200,
    );
    assert_eq!(approved["instance"]["state"], "approved");
    assert_eq!(approved["instance"]["owner"], "workshop");
    ok(
        &wes.post(
            "/v1/instances/SO-1042/apply",
            &json!({"transition": "start", "seq": 5}),
        ),
        200,
    );
    clock.set(at("2026-05-04T16:00:00Z"));
    let shipped = ok(
        &wes.post(
            "/v1/instances/SO-1042/apply",
            &json!({"transition": "ship", "seq": 6}),
        ),
        200,
    );
    assert_eq!(shipped["instance"]["state"], "shipped");
    assert_eq!(shipped["instance"]["previous_state"], "in_production");

    // Every action is in the outbox once, with the engine's key.
    std::thread::sleep(Duration::from_millis(100));
    let actions = outbox(&server);
    assert_eq!(
        action_names(&actions),
        [
            "large_order.notify",
            "approval_reminder.notify",
            "approval_reminder.escalate",
            "production_slot.task",
            "handover.emit"
        ]
    );
    let mut keys: Vec<&str> = actions.iter().map(|a| a["key"].as_str().unwrap()).collect();
    for action in &actions {
        assert_eq!(action["key"], action["action"]["key"]);
    }
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), actions.len());
    assert_eq!(actions[3]["action"]["args"]["weeks"], "8");

    // The history: every event, who made it, and what it did.
    let history = ok(&ben.get("/v1/instances/SO-1042/history"), 200);
    let events = history["events"].as_array().unwrap();
    let summary: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                "{} {} by {} -> {}",
                e["kind"].as_str().unwrap(),
                e["name"].as_str().unwrap_or("-"),
                e["actor"].as_str().unwrap(),
                e["to"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "start - by ana -> draft",
            "update - by ana -> draft",
            "apply submit by ana -> submitted",
            "timer approval_reminder by scheduler -> submitted",
            "grant deal_desk.manager by ben -> submitted",
            "grant deal_desk.finance by fay -> submitted",
            "grant deal_desk.finance by finn -> submitted",
            "apply approve by ben -> approved",
            "apply start by wes -> in_production",
            "apply ship by wes -> shipped",
        ]
    );
    assert_eq!(events[3]["seq"], 4);
    assert_eq!(events[3]["at"], "2026-03-04T09:16:00.000000Z");
    assert_eq!(
        field_strs(&events[3]["actions"], "action"),
        ["notify", "escalate"]
    );
    assert_eq!(events[4]["detail"]["facts"]["quote.net"], "50600.00");

    // Lists filter and page.
    let shipped = ok(
        &ben.get("/v1/instances?state=shipped&ruleset=orders&workflow=order"),
        200,
    );
    assert_eq!(field_strs(&shipped["instances"], "id"), ["SO-1042"]);
    let none = ok(&ben.get("/v1/instances?state=draft"), 200);
    assert!(none["instances"].as_array().unwrap().is_empty());
    let later = ok(
        &ben.get("/v1/instances?updated_since=2026-06-01T00:00:00Z"),
        200,
    );
    assert!(later["instances"].as_array().unwrap().is_empty());

    // Every write is audited, refusals included.
    let refused = server.audit_log("?caller=pricing");
    let refused = entries(&refused);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["operation"], "instance.apply");
    assert_eq!(refused[0]["outcome"], "forbidden");
    let timer = server.audit_log("?caller=scheduler");
    assert_eq!(entries(&timer)[0]["operation"], "instance.timer");
    assert_eq!(entries(&timer)[0]["version"], "1.0.0");
}

#[test]
fn lists_page_with_an_opaque_cursor_and_readers_need_a_role() {
    let clock = ManualClock::new(at("2026-03-02T08:40:00Z"));
    let server = server(TempDir::new("instance-list"), &clock);
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/orders/orders.ordo"));
    let ana = server.client(Some(ANA));
    let input: Json = serde_json::from_str(&read("examples/orders/order.json")).unwrap();
    let mut ids = Vec::new();
    for _ in 0..5 {
        let started = ok(
            &ana.post(
                "/v1/instances",
                &json!({"ruleset": "orders", "workflow": "order", "input": input, "version": "^1"}),
            ),
            201,
        );
        ids.push(started["instance"]["id"].as_str().unwrap().to_string());
    }
    let mut seen = Vec::new();
    let mut path = "/v1/instances?limit=2".to_string();
    loop {
        let page = ok(&ana.get(&path), 200);
        seen.extend(
            field_strs(&page["instances"], "id")
                .iter()
                .map(|s| s.to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/instances?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    ana.get("/v1/instances?cursor=42")
        .assert_error(400, "invalid_request");
    ana.get("/v1/instances/nope").assert_error(404, "not_found");
    server
        .client(Some(EVALUATOR))
        .get("/v1/instances")
        .assert_error(403, "forbidden");
    server
        .client(Some(ANA))
        .get("/v1/outbox")
        .assert_error(403, "forbidden");
    let audited = ok(
        &server
            .client(Some(AUDITOR))
            .get(&format!("/v1/instances/{}", ids[0])),
        200,
    );
    assert_eq!(audited["state"], "draft");
}

/// An open server takes the actor from the request; what it acknowledged survives SIGKILL.
#[test]
fn acknowledged_instance_writes_survive_sigkill() {
    let dir = TempDir::new("instances-kill");
    let db = store_db(&dir);
    let db = db.to_str().unwrap();
    let mut first = ServeProcess::start(&["--db", db, "--scheduler-interval-ms", "50"]);
    let client = first.client(None);
    ok(&client.publish(&read("examples/orders/orders.ordo")), 201);
    let input: Json = serde_json::from_str(&read("examples/orders/order.json")).unwrap();
    let ana = json!({"id": "ana", "roles": ["sales"]});
    for n in 0..20 {
        let id = format!("SO-{n}");
        ok(
            &client.post(
                "/v1/instances",
                &json!({"ruleset": "orders", "workflow": "order", "input": input, "id": id, "actor": ana}),
            ),
            201,
        );
        ok(
            &client.post(
                &format!("/v1/instances/{id}/apply"),
                &json!({"transition": "submit", "seq": 1, "actor": ana}),
            ),
            200,
        );
    }
    first.kill();

    let second = ServeProcess::start(&["--db", db]);
    let client = second.client(None);
    let page = ok(&client.get("/v1/instances?state=submitted&limit=1000"), 200);
    assert_eq!(page["instances"].as_array().unwrap().len(), 20);
    let one = ok(&client.get("/v1/instances/SO-7"), 200);
    assert_eq!(one["seq"], 2);
    assert_eq!(field_strs(&one["timers"], "trigger"), ["approval_reminder"]);
    let history = ok(&client.get("/v1/instances/SO-7/history"), 200);
    assert_eq!(field_strs(&history["events"], "actor"), ["ana", "ana"]);
    // Each submit of a large order put its notification in the outbox.
    let outbox = ok(&client.get("/v1/outbox?limit=1000"), 200);
    assert_eq!(outbox["actions"].as_array().unwrap().len(), 20);
}

/// Waits until the outbox holds `count` actions, and returns them.
fn await_outbox(server: &TestServer, count: usize) -> Vec<Json> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let actions = outbox(server);
        if actions.len() >= count {
            return actions;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox did not reach {count} actions: {actions:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `tickets` example: updates re-arm the SLA and deadline timers, the scheduler fires the
/// SLA breach, `on change` fires on an update, and a computed owner follows the input.
#[test]
fn a_ticket_updates_timers_and_owner_through_the_api() {
    let clock = ManualClock::new(at("2026-04-02T08:00:00Z"));
    let server = server(TempDir::new("tickets"), &clock);
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/tickets/tickets.ordo"));
    let ivy = server.client(Some(IVY));
    let input = json!({"priority": "normal", "team": "desk", "opened_at": "2026-04-02T08:00:00Z"});
    let started = ok(
        &ivy.post(
            "/v1/instances",
            &json!({"ruleset": "tickets", "workflow": "ticket", "input": input, "id": "T-1"}),
        ),
        201,
    );
    let ticket = &started["instance"];
    assert_eq!(ticket["state"], "new");
    assert_eq!(ticket["owner"], "desk");
    assert_eq!(ticket["due"], "2026-04-02T16:00:00.000000Z");
    assert_eq!(
        field_strs(&ticket["timers"], "trigger"),
        ["sla:new", "deadline"]
    );

    // Urgent now: the SLA and the deadline move.
    clock.set(at("2026-04-02T08:30:00Z"));
    let mut urgent = input.clone();
    urgent["priority"] = json!("urgent");
    let updated = ok(
        &ivy.post(
            "/v1/instances/T-1/update",
            &json!({"input": urgent, "seq": 1}),
        ),
        200,
    );
    assert_eq!(
        field_strs(&updated["result"]["timers"], "trigger"),
        ["sla:new", "deadline"]
    );
    let ticket = &updated["instance"];
    assert_eq!(ticket["due"], "2026-04-02T09:00:00.000000Z");
    assert_eq!(
        field_strs(&ticket["timers"], "due"),
        ["2026-04-02T09:00:00.000000Z", "2026-04-07T15:00:00.000000Z"]
    );

    // The first response is late: the scheduler fires the breach.
    clock.set(at("2026-04-02T09:01:00Z"));
    let actions = await_outbox(&server, 3);
    assert_eq!(
        action_names(&actions),
        [
            "welcome.notify",
            "first_response_late.escalate",
            "first_response_late.notify"
        ]
    );

    // Ivy takes it; the deadline stays armed, the SLA timer is gone.
    let taken = ok(
        &ivy.post(
            "/v1/instances/T-1/apply",
            &json!({"transition": "take", "seq": 3}),
        ),
        200,
    );
    assert_eq!(taken["instance"]["state"], "working");
    assert_eq!(taken["instance"]["due"], Json::Null);
    assert_eq!(
        field_strs(&taken["instance"]["timers"], "trigger"),
        ["deadline"]
    );

    // Assigning it fires `on change` and makes the assignee its owner.
    let mut assigned = urgent.clone();
    assigned["assignee"] = json!("ivy");
    let reassigned = ok(
        &ivy.post(
            "/v1/instances/T-1/update",
            &json!({"input": assigned, "seq": 4}),
        ),
        200,
    );
    assert_eq!(reassigned["instance"]["owner"], "ivy");
    assert_eq!(
        field_strs(&reassigned["result"]["actions"], "trigger"),
        ["reassigned"]
    );
    let mine = ok(&ivy.get("/v1/instances?owner=ivy"), 200);
    assert_eq!(field_strs(&mine["instances"], "id"), ["T-1"]);

    // On hold and back to where it was (`-> previous`).
    let mut waiting = assigned.clone();
    waiting["waiting_on_customer"] = json!(true);
    ok(
        &ivy.post(
            "/v1/instances/T-1/update",
            &json!({"input": waiting, "seq": 5}),
        ),
        200,
    );
    ok(
        &ivy.post(
            "/v1/instances/T-1/apply",
            &json!({"transition": "hold", "seq": 6}),
        ),
        200,
    );
    let answered = ok(
        &ivy.post(
            "/v1/instances/T-1/update",
            &json!({"input": assigned, "seq": 7}),
        ),
        200,
    );
    assert_eq!(
        field_strs(&answered["result"]["actions"], "trigger"),
        ["customer_answered"]
    );
    let resumed = ok(
        &ivy.post(
            "/v1/instances/T-1/apply",
            &json!({"transition": "resume", "seq": 8}),
        ),
        200,
    );
    assert_eq!(resumed["instance"]["state"], "working");
    assert_eq!(resumed["instance"]["previous_state"], "on_hold");
    let actions = outbox(&server);
    assert_eq!(
        action_names(&actions),
        [
            "welcome.notify",
            "first_response_late.escalate",
            "first_response_late.notify",
            "reassigned.notify",
            "customer_answered.task"
        ]
    );
}

/// A rejection does not count, leaves the rejecting person's inbox, and is in the history.
#[test]
fn a_rejected_step_does_not_count() {
    let clock = ManualClock::new(at("2026-03-02T09:00:00Z"));
    let server = server(TempDir::new("reject"), &clock);
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/orders/orders.ordo"));
    let ana = server.client(Some(ANA));
    let ben = server.client(Some(BEN));
    let input: Json = serde_json::from_str(&read("examples/orders/order.json")).unwrap();
    ok(
        &ana.post(
            "/v1/instances",
            &json!({"ruleset": "orders", "workflow": "order", "input": input, "id": "SO-9"}),
        ),
        201,
    );
    // Nothing waits in `draft`.
    ben.post(
        "/v1/instances/SO-9/approvals/deal_desk/manager/grant",
        &json!({}),
    )
    .assert_error(422, "approval");
    ok(
        &ana.post(
            "/v1/instances/SO-9/apply",
            &json!({"transition": "submit", "seq": 1}),
        ),
        200,
    );
    assert_eq!(inbox_steps(&server, BEN), ["deal_desk.manager"]);
    let rejected = ok(
        &ben.post(
            "/v1/instances/SO-9/approvals/deal_desk/manager/reject",
            &json!({"seq": 2}),
        ),
        200,
    );
    assert_eq!(rejected["decision"], "reject");
    assert_eq!(rejected["status"]["status"], "pending");
    assert!(inbox_steps(&server, BEN).is_empty());
    ben.post(
        "/v1/instances/SO-9/apply",
        &json!({"transition": "approve", "seq": 2}),
    )
    .assert_error(422, "transition");
    // Ben thinks again: his grant replaces his rejection.
    let granted = ok(
        &ben.post(
            "/v1/instances/SO-9/approvals/deal_desk/manager/grant",
            &json!({"seq": 2}),
        ),
        200,
    );
    assert_eq!(granted["status"]["status"], "granted");
    ok(
        &ben.post(
            "/v1/instances/SO-9/apply",
            &json!({"transition": "approve", "seq": 2}),
        ),
        200,
    );
    let history = ok(&ben.get("/v1/instances/SO-9/history"), 200);
    assert_eq!(
        field_strs(&history["events"], "kind"),
        ["start", "apply", "reject", "grant", "apply"]
    );
}

/// Two people granting the same step at the same moment both count, and the step leaves the
/// inbox of everyone else once its quorum is met.
#[test]
fn simultaneous_grants_both_count() {
    let clock = ManualClock::new(at("2026-03-02T09:00:00Z"));
    let server = server(TempDir::new("grants"), &clock);
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/orders/orders.ordo"));
    let ana = server.client(Some(ANA));
    let mut input: Json = serde_json::from_str(&read("examples/orders/order.json")).unwrap();
    input["quantity"] = json!(25);
    for n in 0..8 {
        let id = format!("SO-{n}");
        start_submitted_order(&ana, "orders", &id, &input);
        // The manager's step comes first in the chain.
        let manager = ok(
            &server.client(Some(BEN)).post(
                &format!("/v1/instances/{id}/approvals/deal_desk/manager/grant"),
                &json!({}),
            ),
            200,
        );
        assert_eq!(manager["status"]["status"], "granted", "{manager}");
    }
    assert_eq!(inbox_steps(&server, FRITZ).len(), 8);
    let granting: Vec<_> = [FAY, FINN]
        .into_iter()
        .map(|token| {
            let client = server.client(Some(token));
            std::thread::spawn(move || {
                for n in 0..8 {
                    let answer = client.post(
                        &format!("/v1/instances/SO-{n}/approvals/deal_desk/finance/grant"),
                        &json!({}),
                    );
                    assert_eq!(answer.status, 200, "{}", answer.text);
                    assert!(
                        answer.json()["status"].get("refused").is_none(),
                        "{}",
                        answer.text
                    );
                }
            })
        })
        .collect();
    for thread in granting {
        thread.join().unwrap();
    }
    // Quorum 2 is met everywhere: nothing waits for finance any more.
    let left = server.client(Some(FRITZ)).get("/v1/approvals/inbox");
    assert!(inbox_steps(&server, FRITZ).is_empty(), "{}", left.text);
}
