#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Who the caller is: tokens limited to rulesets, a request's actor that must be the token's
//! person, tokens read again on SIGHUP without a restart.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{ADMIN as ROOT, AUDITOR as AUDIT, CI_DEMO as CI, SHOP_DEMO as SHOP};
use common::{ServeProcess, TempDir, TestServer};
use serde_json::json;

const FIRST: &str = "first-token-0123456789abcdef";
const SECOND: &str = "second-token-0123456789abcdef";

fn tokens_file(token: &str) -> String {
    format!("[[tokens]]\ntoken = \"{token}\"\ncaller = \"ops\"\nroles = [\"admin\"]\n")
}

fn hang_up(process: &ServeProcess) {
    let status = Command::new("kill")
        .args(["-HUP", &process.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits (bounded) until `token` gets `status` from `/v1/rulesets`.
fn until_status(process: &ServeProcess, token: &str, status: u16) -> u16 {
    let mut last = 0;
    for _ in 0..200 {
        last = process.client(Some(token)).get("/v1/rulesets").status;
        if last == status {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    last
}

#[test]
fn sighup_reads_the_tokens_again_without_a_restart() {
    let dir = TempDir::new("sighup");
    let tokens = dir.path("tokens.toml");
    std::fs::write(&tokens, tokens_file(FIRST)).unwrap();
    let db = dir.path("ordo.db");
    let mut process = ServeProcess::start(&[
        "--db",
        db.to_str().unwrap(),
        "--tokens",
        tokens.to_str().unwrap(),
    ]);
    assert_eq!(process.client(Some(FIRST)).get("/v1/rulesets").status, 200);
    assert_eq!(process.client(Some(SECOND)).get("/v1/rulesets").status, 401);
    std::fs::write(&tokens, tokens_file(SECOND)).unwrap();
    hang_up(&process);
    assert_eq!(until_status(&process, SECOND, 200), 200);
    assert_eq!(process.client(Some(FIRST)).get("/v1/rulesets").status, 401);
    // An invalid file changes nothing, and the server keeps running.
    std::fs::write(&tokens, "[[tokens]]\ntoken = \"short\"\n").unwrap();
    hang_up(&process);
    std::fs::write(&tokens, tokens_file(FIRST)).unwrap();
    hang_up(&process);
    assert_eq!(until_status(&process, FIRST, 200), 200);
    assert!(process.child.try_wait().unwrap().is_none());
    assert_eq!(process.terminate(), Some(0));
}

fn limited_server() -> TestServer {
    common::ops_server("identity")
}

fn other_source() -> String {
    "ruleset other version \"1.0.0\"\n\ninput {\n  n: Int\n}\n\noutput result = n\n".to_string()
}

#[test]
fn a_token_limited_to_rulesets_works_only_with_them() {
    let server = limited_server();
    let ci = server.client(Some(CI));
    ci.publish_new(&common::demo_source("1.0.0", "2026-01-01", 2));
    let refused = ci.publish(&other_source());
    refused.assert_error(403, "forbidden");
    assert!(refused.audit_id.is_some());
    server.client(Some(ROOT)).publish_new(&other_source());
    let shop = server.client(Some(SHOP));
    let input = json!({"input": {"n": 1}});
    assert_eq!(shop.evaluate("demo", &input).status, 200);
    let refused = shop.evaluate("other", &input);
    refused.assert_error(403, "forbidden");
    assert!(refused.audit_id.is_some());
    let listed = shop.get("/v1/rulesets").json();
    assert_eq!(listed["rulesets"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["rulesets"][0]["name"], "demo");
    shop.get("/v1/rulesets/other")
        .assert_error(403, "forbidden");
    shop.get("/v1/rulesets/other/versions/latest")
        .assert_error(403, "forbidden");
    // The portal's views of a ruleset hold to the same limits.
    shop.get("/v1/rulesets/other/versions/latest/lint")
        .assert_error(403, "forbidden");
    shop.get("/v1/rulesets/other/diff?from=1.0.0&to=latest")
        .assert_error(403, "forbidden");
    assert_eq!(
        shop.get("/v1/rulesets/demo/versions/latest/lint").status,
        200
    );
    // Refusals are in the audit log with the caller that was refused.
    let log = server
        .client(Some(AUDIT))
        .get("/v1/audit?caller=shop")
        .json();
    let outcomes: Vec<&str> = common::entries(&log)
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["ok", "forbidden"], "{log}");
}

#[test]
fn an_actor_that_is_not_the_tokens_person_is_refused() {
    let server = limited_server();
    server
        .client(Some(CI))
        .publish_new(&common::demo_source("1.0.0", "2026-01-01", 2));
    let shop = server.client(Some(SHOP));
    let request = |actor: serde_json::Value| json!({"workflow": "order", "state": "draft", "actor": actor, "input": {"n": 1}});
    for actor in [
        json!({"id": "ben", "roles": []}),
        json!({"id": "ana", "roles": ["sales", "finance"]}),
    ] {
        let refused = shop.post("/v1/rulesets/demo/transitions", &request(actor.clone()));
        refused.assert_error(403, "forbidden");
        assert!(refused.audit_id.is_some(), "{actor}");
    }
    // The token's own person passes the identity check (the engine answers the rest: this
    // ruleset has no workflow).
    let own = shop.post(
        "/v1/rulesets/demo/transitions",
        &request(json!({"id": "ana", "roles": ["sales"]})),
    );
    assert_ne!(own.status, 403, "{}", own.text);
}

#[test]
fn an_invalid_tokens_file_read_again_changes_nothing() {
    let server = limited_server();
    let tokens = server.dir.path("tokens.toml");
    std::fs::write(
        &tokens,
        "[[tokens]]\ntoken = \"short\"\ncaller = \"x\"\nroles = [\"admin\"]\n",
    )
    .unwrap();
    assert!(server.state.reload_tokens().is_err());
    assert_eq!(server.client(Some(ROOT)).get("/v1/rulesets").status, 200);
    std::fs::write(&tokens, tokens_file(FIRST)).unwrap();
    assert_eq!(server.state.reload_tokens().unwrap(), 1);
    assert_eq!(server.client(Some(ROOT)).get("/v1/rulesets").status, 401);
    assert_eq!(server.client(Some(FIRST)).get("/v1/rulesets").status, 200);
}

/// `orders` under another name: the same workflow, roles and approval chains.
fn orders_eu_source() -> String {
    common::read("examples/orders/orders.ordo").replacen(
        "ruleset orders version",
        "ruleset orders_eu version",
        1,
    )
}

/// Starts `id` of `ruleset` as ana and submits it: a large order, so the manager's step waits
/// and the submission puts an action in the outbox.
fn submitted_order(server: &TestServer, ruleset: &str, id: &str) {
    let ana = server.client(Some(common::ANA));
    let input = json!({
        "product": "table_oak", "quantity": 25, "channel": "contract", "discount": "0.12",
        "customer": {"name": "Hotel Adler", "country": "AT"}, "sales_rep": "ana",
    });
    let started = ana.post(
        "/v1/instances",
        &json!({"ruleset": ruleset, "workflow": "order", "id": id, "input": input}),
    );
    common::ok(&started, 201);
    let submitted = ana.post(
        &format!("/v1/instances/{id}/apply"),
        &json!({"transition": "submit", "seq": 1}),
    );
    common::ok(&submitted, 200);
}

/// Every page of `path` (which ends in `?...&limit=N`), following `next_cursor`.
fn all_pages(client: &common::Client, path: &str, items: &str) -> Vec<serde_json::Value> {
    let mut found = Vec::new();
    let mut next = path.to_string();
    for _ in 0..100 {
        let page = common::ok(&client.get(&next), 200);
        found.extend(page[items].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => next = format!("{path}&cursor={cursor}"),
            None => return found,
        }
    }
    panic!("{path} did not end");
}

#[test]
fn a_token_limited_to_rulesets_lists_only_their_rows() {
    let server = limited_server();
    let author = server.client(Some(common::AUTHOR));
    author.publish_new(&common::read("examples/orders/orders.ordo"));
    author.publish_new(&orders_eu_source());
    // Interleaved, so a page of the limited token skips rows of the other ruleset.
    for (ruleset, id) in [
        ("orders_eu", "EU-1"),
        ("orders", "SO-1"),
        ("orders_eu", "EU-2"),
        ("orders_eu", "EU-3"),
        ("orders", "SO-2"),
        ("orders_eu", "EU-4"),
    ] {
        submitted_order(&server, ruleset, id);
    }
    let olga = server.client(Some(common::OLGA));
    let ids = |rows: &[serde_json::Value], key: &str| -> Vec<String> {
        rows.iter()
            .map(|row| row[key].as_str().unwrap().to_string())
            .collect()
    };

    // Instances: page by page, only `orders`; naming another ruleset finds none.
    let instances = all_pages(&olga, "/v1/instances?limit=1", "instances");
    assert_eq!(ids(&instances, "id"), ["SO-1", "SO-2"]);
    let everyone = all_pages(
        &server.client(Some(common::AUDITOR)),
        "/v1/instances?limit=2",
        "instances",
    );
    assert_eq!(everyone.len(), 6);
    let other = common::ok(&olga.get("/v1/instances?ruleset=orders_eu"), 200);
    assert_eq!(other["instances"], json!([]), "{other}");
    assert!(other["next_cursor"].is_null());
    // A direct read of another ruleset's instance is refused.
    for path in [
        "/v1/instances/EU-1",
        "/v1/instances/EU-1/history",
        "/v1/instances/EU-1/next",
    ] {
        olga.get(path).assert_error(403, "forbidden");
    }
    assert_eq!(olga.get("/v1/instances/SO-1").status, 200);

    // The inbox: the manager's steps of `orders` only (ben, unlimited, sees all six).
    let inbox = common::ok(&olga.get("/v1/approvals/inbox"), 200);
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(ids(items, "instance"), ["SO-1", "SO-2"], "{inbox}");
    assert_eq!(common::inbox_steps(&server, common::BEN).len(), 6);

    // The outbox: the submissions' actions of `orders` only, page by page.
    let mut after = 0;
    let mut actions = Vec::new();
    for _ in 0..100 {
        let page = common::ok(&olga.get(&format!("/v1/outbox?after={after}&limit=1")), 200);
        let got = page["actions"].as_array().unwrap().clone();
        after = page["next_after"].as_i64().unwrap();
        if got.is_empty() {
            break;
        }
        actions.extend(got);
    }
    let all = common::ok(
        &server
            .client(Some(common::DISPATCHER))
            .get("/v1/outbox?limit=1000"),
        200,
    );
    let every = ids(all["actions"].as_array().unwrap(), "instance");
    let of_orders: Vec<&String> = every.iter().filter(|id| id.starts_with("SO-")).collect();
    assert!(every.iter().any(|id| id == "EU-4"), "{all}");
    assert!(!of_orders.is_empty());
    assert_eq!(
        ids(&actions, "instance").iter().collect::<Vec<_>>(),
        of_orders
    );
    // Past the rows it may not see: the next poll starts after the last action.
    assert_eq!(all["next_after"].as_i64().unwrap(), after);

    // The audit log: `orders` entries only, page by page.
    let entries = all_pages(&olga, "/v1/audit?limit=1", "entries");
    assert_eq!(entries.len(), 4, "two starts and two submissions");
    assert!(
        entries.iter().all(|e| e["ruleset"] == "orders"),
        "{entries:?}"
    );
    let other = common::ok(&olga.get("/v1/audit?ruleset=orders_eu"), 200);
    assert_eq!(other["entries"], json!([]));
    let everything = all_pages(
        &server.client(Some(AUDIT)),
        "/v1/audit?limit=1000",
        "entries",
    );
    assert_eq!(everything.len(), 12, "six starts and six submissions");
}

#[test]
fn a_stateless_request_records_grants_of_the_tokens_person_only() {
    let server = limited_server();
    server
        .client(Some(common::AUTHOR))
        .publish_new(&common::read("examples/orders/orders.ordo"));
    let input: serde_json::Value =
        serde_json::from_str(&common::read("examples/orders/order.json")).unwrap();
    let grant = |by: &str| json!({"by": by, "role": "sales_manager", "facts": {}});
    let evaluate = |token: &str, approvals: serde_json::Value| {
        server
            .client(Some(token))
            .evaluate("orders", &json!({"input": input, "approvals": approvals}))
    };
    // The shop's token acts as ana: a grant by ben is not hers to pass.
    let refused = evaluate(SHOP, json!({"deal_desk": {"manager": grant("ben")}}));
    refused.assert_error(403, "forbidden");
    assert!(
        refused.text.contains("deal_desk.manager"),
        "{}",
        refused.text
    );
    assert!(refused.audit_id.is_some());
    // One grant by someone else in a list of grants is refused as well.
    let refused = evaluate(
        SHOP,
        json!({"deal_desk": {"finance": [grant("ana"), grant("cara")]}}),
    );
    refused.assert_error(403, "forbidden");
    // Her own grant, and a grant without an approver (which does not count), pass.
    assert_eq!(
        evaluate(SHOP, json!({"deal_desk": {"manager": grant("ana")}})).status,
        200
    );
    assert_eq!(
        evaluate(SHOP, json!({"deal_desk": {"manager": {"by": ""}}})).status,
        200
    );
    // A token without a person passes the grants it is given.
    assert_eq!(
        evaluate(
            common::EVALUATOR,
            json!({"deal_desk": {"manager": grant("ben")}})
        )
        .status,
        200
    );
    // The engine's workflow requests hold to the same rule, beside the actor's.
    let shop = server.client(Some(SHOP));
    let transitions = |approvals: serde_json::Value| {
        shop.post(
            "/v1/rulesets/orders/transitions",
            &json!({"workflow": "order", "state": "submitted", "input": input,
                    "actor": {"id": "ana", "roles": ["sales"]}, "approvals": approvals}),
        )
    };
    transitions(json!({"deal_desk": {"manager": grant("ben")}})).assert_error(403, "forbidden");
    assert_eq!(
        transitions(json!({"deal_desk": {"manager": grant("ana")}})).status,
        200
    );
    let apply = shop.post(
        "/v1/rulesets/orders/apply",
        &json!({"workflow": "order", "state": "submitted", "transition": "approve",
                "input": input, "actor": {"id": "ana", "roles": ["sales"]},
                "approvals": {"deal_desk": {"manager": grant("ben")}},
                "event": {"instance": "SO-9", "seq": 2}}),
    );
    apply.assert_error(403, "forbidden");
    // The log has each refusal with the caller that was refused.
    let log = server.audit_log("?caller=shop");
    let refused = common::entries(&log)
        .iter()
        .filter(|e| e["outcome"] == "forbidden")
        .count();
    assert_eq!(refused, 4, "{log}");
}
