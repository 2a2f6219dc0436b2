#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The dashboard's over-time charts against a real server (SQLite, or PostgreSQL under
//! `ORDO_TEST_STORE=postgres`): approval lead times per step from the moment a step began to
//! wait to its decision, and violations per rule from audited evaluations; their ranges,
//! buckets and role checks.

mod common;

use common::*;
use ordo_http::clock::ManualClock;
use serde_json::{Value as Json, json};

fn order(channel: &str, discount: &str) -> Json {
    json!({
        "product": "table_oak", "quantity": 25, "channel": channel, "discount": discount,
        "po_number": "PO-7", "customer": {"name": "Hotel Adler", "country": "AT"},
        "sales_rep": "ana"
    })
}

/// Starts and submits an order: its manager and finance steps begin to wait.
fn submit(ana: &Client, id: &str) {
    start_submitted_order(ana, "orders", id, &order("contract", "0.12"));
}

fn decide(client: &Client, id: &str, step: &str, decision: &str) {
    ok(
        &client.post(
            &format!("/v1/instances/{id}/approvals/deal_desk/{step}/{decision}"),
            &json!({}),
        ),
        200,
    );
}

fn orders_server(clock: &ManualClock, tag: &str) -> TestServer {
    let dir = TempDir::new(tag);
    let server = TestServer::run(ops_config(&dir, clock), dir);
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/orders/orders.ordo"));
    server
}

#[test]
fn approval_lead_times_run_from_waiting_to_each_decision() {
    let clock = ManualClock::new(at("2026-03-02T08:00:00Z"));
    let server = orders_server(&clock, "dashboard-leads");
    let (ana, ben, fay) = (
        server.client(Some(ANA)),
        server.client(Some(BEN)),
        server.client(Some(FAY)),
    );
    // SO-1 waits from 08:00: the manager grants after 2 hours, finance after a day.
    submit(&ana, "SO-1");
    clock.set(at("2026-03-02T10:00:00Z"));
    decide(&ben, "SO-1", "manager", "grant");
    clock.set(at("2026-03-03T08:00:00Z"));
    decide(&fay, "SO-1", "finance", "grant");
    // SO-2 waits from 09:00; the manager rejects after 30 minutes.
    clock.set(at("2026-03-03T09:00:00Z"));
    submit(&ana, "SO-2");
    clock.set(at("2026-03-03T09:30:00Z"));
    decide(&ben, "SO-2", "manager", "reject");

    let auditor = server.client(Some(AUDITOR));
    let leads = ok(
        &auditor.get("/v1/portal/approval-leads?from=2026-03-01&to=2026-03-03"),
        200,
    );
    assert_eq!(leads["bucket"], "day");
    assert_eq!(
        leads["buckets"],
        json!(["2026-03-01", "2026-03-02", "2026-03-03"])
    );
    assert_eq!(leads["truncated"], false);
    let steps = leads["steps"].as_array().unwrap();
    assert_eq!(field_strs(&leads["steps"], "step"), ["finance", "manager"]);
    let (finance, manager) = (&steps[0], &steps[1]);
    assert_eq!(finance["ruleset"], "orders");
    assert_eq!(finance["chain"], "deal_desk");
    assert_eq!(finance["counts"], json!([0, 0, 1]));
    assert_eq!(finance["median"], json!([null, null, 86400]));
    assert_eq!(manager["decisions"], 2);
    assert_eq!(manager["unknown"], 0);
    assert_eq!(manager["counts"], json!([0, 1, 1]));
    assert_eq!(manager["median"], json!([null, 7200, 1800]));
    assert_eq!(manager["p90"], json!([null, 7200, 1800]));
    assert_eq!(manager["median_seconds"], 1800);
    assert_eq!(manager["p90_seconds"], 7200);

    // Weeks from `from`; a ruleset filter; a range before any decision.
    let weekly = ok(
        &auditor.get("/v1/portal/approval-leads?from=2026-03-02&to=2026-03-10&bucket=week"),
        200,
    );
    assert_eq!(weekly["buckets"], json!(["2026-03-02", "2026-03-09"]));
    assert_eq!(weekly["steps"][1]["counts"], json!([2, 0]));
    let other = ok(
        &auditor.get("/v1/portal/approval-leads?from=2026-03-02&ruleset=documents&to=2026-03-03"),
        200,
    );
    assert_eq!(other["steps"], json!([]));
    // The default range is the four weeks up to today (the server's clock).
    let default = ok(
        &server.client(Some(ANA)).get("/v1/portal/approval-leads"),
        200,
    );
    assert_eq!(default["buckets"].as_array().unwrap().len(), 28);
    assert_eq!(default["buckets"][27], "2026-03-03");

    for query in [
        "from=2026-03-04&to=2026-03-03",
        "from=2025-01-01&to=2026-03-03",
        "from=yesterday",
        "bucket=month",
        "days=3",
    ] {
        auditor
            .get(&format!("/v1/portal/approval-leads?{query}"))
            .assert_error(400, "invalid_request");
    }
    server
        .client(Some(EVALUATOR))
        .get("/v1/portal/approval-leads")
        .assert_error(403, "forbidden");
    server
        .client(None)
        .get("/v1/portal/approval-leads")
        .assert_error(401, "unauthorized");
}

#[test]
fn violations_are_counted_per_rule_from_audited_evaluations() {
    // Audit entries carry the wall clock's time: the range is around today.
    let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    let today = now.date_naive();
    let clock = ManualClock::new(now);
    let server = orders_server(&clock, "dashboard-violations");
    let evaluator = server.client(Some(EVALUATOR));
    // Ten pieces take four weeks: no `long_build` warning beside the discount rules.
    let evaluate = |mut input: Json| {
        input["quantity"] = json!(10);
        let answer = evaluator.post("/v1/rulesets/orders/evaluate", &json!({"input": input}));
        ok(&answer, 200)
    };
    let online = evaluate(order("online", "0.12"));
    assert_eq!(field_strs(&online["violations"], "id"), ["online_discount"]);
    evaluate(order("online", "0.15"));
    evaluate(order("contract", "0.12"));
    let capped = evaluate(order("online", "0.35"));
    assert_eq!(
        field_strs(&capped["violations"], "id"),
        ["discount_cap", "online_discount"]
    );
    // A refused evaluation records nothing.
    evaluator
        .post(
            "/v1/rulesets/orders/evaluate",
            &json!({"input": {"product": "desk"}}),
        )
        .assert_error(422, "missing_input");

    let range = format!(
        "from={}&to={}",
        today - chrono::Duration::days(1),
        today + chrono::Duration::days(1)
    );
    let auditor = server.client(Some(AUDITOR));
    let violations = ok(&auditor.get(&format!("/v1/portal/violations?{range}")), 200);
    assert_eq!(violations["buckets"].as_array().unwrap().len(), 3);
    assert_eq!(violations["totals"].as_array().unwrap().len(), 3);
    let total: u64 = violations["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_u64().unwrap())
        .sum();
    assert_eq!(total, 4, "{violations}");
    assert_eq!(
        field_strs(&violations["rules"], "rule"),
        ["online_discount", "discount_cap"]
    );
    assert_eq!(violations["rules"][0]["total"], 3);
    assert_eq!(violations["rules"][0]["severity"], "error");
    assert_eq!(violations["rules"][1]["total"], 1);
    assert_eq!(violations["truncated"], false);

    let weekly = ok(
        &auditor.get(&format!("/v1/portal/violations?{range}&bucket=week")),
        200,
    );
    assert_eq!(weekly["rules"][0]["counts"], json!([3]));
    let other = ok(
        &auditor.get(&format!("/v1/portal/violations?{range}&ruleset=demo")),
        200,
    );
    assert_eq!(other["rules"], json!([]));
    auditor
        .get("/v1/portal/violations?to=2026-13-01")
        .assert_error(400, "invalid_request");
    evaluator
        .get("/v1/portal/violations")
        .assert_error(403, "forbidden");
}

/// Removes `waited_since` from the store of `dir`, as a store written before it existed.
fn drop_waited_since(dir: &TempDir) {
    let db = store_db(dir);
    let sql = "ALTER TABLE approval_decisions DROP COLUMN waited_since";
    if std::env::var("ORDO_TEST_STORE").as_deref() == Ok("postgres") {
        postgres_rows(db.to_str().unwrap(), sql);
    } else {
        rusqlite::Connection::open(db)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
    }
}

#[test]
fn decisions_stored_before_the_column_existed_wait_an_unknown_time() {
    let clock = ManualClock::new(at("2026-03-02T08:00:00Z"));
    let server = orders_server(&clock, "dashboard-old-rows");
    submit(&server.client(Some(ANA)), "SO-1");
    clock.set(at("2026-03-02T09:00:00Z"));
    decide(&server.client(Some(BEN)), "SO-1", "manager", "grant");
    let dir = server.stop_keeping_files();
    drop_waited_since(&dir);

    // The column comes back when the store opens; the old decision has none.
    let server = TestServer::run(ops_config(&dir, &clock), dir);
    clock.set(at("2026-03-02T11:00:00Z"));
    decide(&server.client(Some(FAY)), "SO-1", "finance", "grant");
    let path = "/v1/portal/approval-leads?from=2026-03-02&to=2026-03-02";
    let leads = ok(&server.client(Some(AUDITOR)).get(path), 200);
    assert_eq!(field_strs(&leads["steps"], "step"), ["finance", "manager"]);
    let (finance, manager) = (&leads["steps"][0], &leads["steps"][1]);
    assert_eq!(finance["median"], json!([3 * 3600]));
    assert_eq!(finance["unknown"], 0);
    assert_eq!(manager["decisions"], 1);
    assert_eq!(manager["unknown"], 1);
    assert_eq!(manager["counts"], json!([0]));
    assert_eq!(manager["median_seconds"], Json::Null);

    // Opening a store that has the column changes nothing.
    let dir = server.stop_keeping_files();
    let server = TestServer::run(ops_config(&dir, &clock), dir);
    assert_eq!(ok(&server.client(Some(AUDITOR)).get(path), 200), leads);
}
