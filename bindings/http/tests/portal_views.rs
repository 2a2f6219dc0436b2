#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! What the portal's graphs, charts and forms read: a version's data-flow map and workflow
//! drawings (`ordo graph`'s Mermaid and DOT, with nodes and edges), instances started and
//! completed per day with lead times, the input refinements of the version detail; and that
//! a person's writes carry only the roles the instance's ruleset declares.

mod common;

use common::*;
use ordo_http::clock::ManualClock;
use serde_json::{Value as Json, json};

/// Beside the role tokens of `common::TOKENS`: Cleo holds `sales` from another ruleset beside
/// her `clerk`, Aron the accounting roles.
const PEOPLE: &str = r#"
[[tokens]]
token = "cleo-token-0123456789abcdef"
caller = "cleo-laptop"
roles = ["operator"]
person = { id = "cleo", roles = ["clerk", "sales"] }

[[tokens]]
token = "aron-token-0123456789abcdef"
caller = "aron-laptop"
roles = ["operator"]
person = { id = "aron", roles = ["accountant", "finance"] }
"#;

const ARON: &str = "aron-token-0123456789abcdef";

fn server(clock: &ManualClock) -> TestServer {
    let dir = TempDir::new("portal-views");
    let mut config = TestServer::config(&dir);
    std::fs::write(config.tokens.as_ref().unwrap(), format!("{TOKENS}{PEOPLE}")).unwrap();
    config.clock = std::sync::Arc::new(clock.clone());
    TestServer::run(config, dir)
}

fn document(id: &str, class: &str, confidence: &str) -> Json {
    json!({
        "document_id": id,
        "class": class,
        "confidence": confidence,
        "supplier": {"value": "Kranz GmbH", "confidence": "0.95"},
        "amount": {"value": "1180.00", "confidence": "0.95"},
    })
}

fn start(server: &TestServer, id: &str, input: Json) -> Json {
    let answer = server.client(Some(CLEO)).post(
        "/v1/instances",
        &json!({"ruleset": "documents", "workflow": "document", "id": id, "input": input}),
    );
    ok(&answer, 201)["instance"].clone()
}

fn apply(server: &TestServer, token: &str, id: &str, transition: &str) -> Json {
    let instance = ok(
        &server
            .client(Some(token))
            .get(&format!("/v1/instances/{id}")),
        200,
    );
    let answer = server.client(Some(token)).post(
        &format!("/v1/instances/{id}/apply"),
        &json!({"transition": transition, "seq": instance["seq"]}),
    );
    ok(&answer, 200)["instance"].clone()
}

#[test]
fn a_persons_writes_carry_only_the_roles_the_ruleset_declares() {
    let clock = ManualClock::new(at("2026-03-02T08:00:00Z"));
    let server = server(&clock);
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/documents/documents.ordo"));
    // Cleo is a clerk here and in sales for the orders ruleset, which `documents` does not
    // declare: the engine would refuse `sales` as an unknown role.
    start(&server, "D-1", document("D-1", "receipt", "0.97"));
    let routed = apply(&server, CLEO, "D-1", "route");
    assert_eq!(routed["state"], "ready");
    let booked = apply(&server, ARON, "D-1", "book");
    assert_eq!(booked["state"], "booked");
    let history = ok(
        &server
            .client(Some(AUDITOR))
            .get("/v1/instances/D-1/history"),
        200,
    );
    let roles: Vec<(&str, Json)> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["actor_roles"].clone()))
        .collect();
    assert_eq!(
        roles,
        [
            ("start", json!(["clerk"])),
            ("apply", json!(["clerk"])),
            ("apply", json!(["accountant"])),
        ],
        "{history}"
    );
    // The update is the same person's write.
    start(&server, "D-2", document("D-2", "invoice", "0.81"));
    let answer = server.client(Some(CLEO)).post(
        "/v1/instances/D-2/update",
        &json!({"input": document("D-2", "invoice", "0.99"), "seq": 1}),
    );
    ok(&answer, 200);
}

#[test]
fn graphs_of_a_version_are_ordo_graphs_drawings() {
    let clock = ManualClock::new(at("2026-03-02T08:00:00Z"));
    let server = server(&clock);
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/documents/documents.ordo"));
    let client = server.client(Some(EVALUATOR));

    let flow = ok(
        &client.get("/v1/rulesets/documents/versions/latest/graph"),
        200,
    );
    assert_eq!(flow["version"], "1.0.0");
    assert_eq!(flow["workflow"], Json::Null);
    assert_eq!(flow["workflows"], json!(["document"]));
    assert!(
        flow["mermaid"]
            .as_str()
            .unwrap()
            .starts_with("flowchart LR"),
        "{flow}"
    );
    assert!(flow["dot"].as_str().unwrap().starts_with("digraph ordo"));
    let nodes = flow["nodes"].as_array().unwrap();
    let node = |label: &str| {
        nodes
            .iter()
            .find(|n| n["label"] == label)
            .unwrap_or_else(|| panic!("no node {label} in {flow}"))
    };
    assert_eq!(node("needs_review")["kind"], "output");
    assert_eq!(node("class_threshold")["kind"], "table");
    // `checked` reads `checked_by`; `needs_review` reads `checked`.
    let edge = |from: &str, to: &str| {
        let (from, to) = (&node(from)["id"], &node(to)["id"]);
        flow["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| &e["from"] == from && &e["to"] == to)
    };
    assert!(edge("checked_by", "checked"));
    assert!(edge("checked", "needs_review"));
    assert!(!edge("needs_review", "checked"));
    // Every edge joins two nodes of the drawing, as in the Mermaid text.
    for e in flow["edges"].as_array().unwrap() {
        for end in [&e["from"], &e["to"]] {
            assert!(nodes.iter().any(|n| &n["id"] == end), "{e}");
        }
        let line = format!(
            "  {} --> {}\n",
            e["from"].as_str().unwrap(),
            e["to"].as_str().unwrap()
        );
        assert!(flow["mermaid"].as_str().unwrap().contains(&line), "{line}");
    }

    let workflow = ok(
        &client.get("/v1/rulesets/documents/versions/1.0.0/graph?workflow=document"),
        200,
    );
    let states: Vec<(&str, bool, bool)> = workflow["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap(),
                n["initial"] == true,
                n["final"] == true,
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("received", true, false),
            ("review", false, false),
            ("ready", false, false),
            ("booked", false, true),
            ("rejected", false, true),
        ]
    );
    assert_eq!(workflow["nodes"][1]["note"], "owner reviewer, sla 1 day");
    let mermaid = workflow["mermaid"].as_str().unwrap();
    assert!(mermaid.starts_with("stateDiagram-v2\n"), "{mermaid}");
    assert!(
        mermaid
            .contains("  review --> ready : accept by reviewer when valid and not needs_review\n"),
        "{mermaid}"
    );
    // `discard` leaves two states: an edge from each.
    let discards = workflow["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["label"] == "discard by reviewer")
        .count();
    assert_eq!(discards, 2);

    client
        .get("/v1/rulesets/documents/versions/latest/graph?workflow=order")
        .assert_error(404, "not_found");
    client
        .get("/v1/rulesets/documents/versions/latest/graph?colour=blue")
        .assert_error(400, "invalid_request");
    client
        .get("/v1/rulesets/nothing/versions/latest/graph")
        .assert_error(404, "not_found");
}

#[test]
fn activity_counts_starts_and_completions_per_day_with_lead_times() {
    let clock = ManualClock::new(at("2026-03-02T08:00:00Z"));
    let server = server(&clock);
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/documents/documents.ordo"));
    // Day 1 (03-02): two started, one booked after 2 hours.
    start(&server, "D-1", document("D-1", "receipt", "0.97"));
    start(&server, "D-2", document("D-2", "receipt", "0.97"));
    apply(&server, CLEO, "D-1", "route");
    clock.set(at("2026-03-02T10:00:00Z"));
    apply(&server, ARON, "D-1", "book");
    // Day 2 (03-03): one started; D-2 booked after 30 hours (ready is not final).
    clock.set(at("2026-03-03T09:00:00Z"));
    start(&server, "D-3", document("D-3", "receipt", "0.97"));
    apply(&server, CLEO, "D-2", "route");
    clock.set(at("2026-03-03T14:00:00Z"));
    apply(&server, ARON, "D-2", "book");
    clock.set(at("2026-03-04T12:00:00Z"));

    let activity = ok(
        &server
            .client(Some(AUDITOR))
            .get("/v1/portal/activity?days=4"),
        200,
    );
    assert_eq!(
        activity["days"],
        json!(["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"])
    );
    assert_eq!(activity["started"], json!([0, 2, 1, 0]));
    assert_eq!(activity["completed"], json!([0, 1, 1, 0]));
    assert_eq!(activity["truncated"], false);
    let workflows = activity["workflows"].as_array().unwrap();
    assert_eq!(workflows.len(), 1, "{activity}");
    assert_eq!(workflows[0]["workflow"], "document");
    assert_eq!(
        workflows[0]["lead_seconds"],
        json!([null, 7200, 30 * 3600, null])
    );
    assert_eq!(workflows[0]["median_lead_seconds"], 7200);

    // A shorter window leaves out what came before it.
    let today = ok(
        &server.client(Some(CLEO)).get("/v1/portal/activity?days=1"),
        200,
    );
    assert_eq!(today["started"], json!([0]));
    assert_eq!(today["workflows"], json!([]));

    let client = server.client(Some(AUDITOR));
    client
        .get("/v1/portal/activity?days=0")
        .assert_error(400, "invalid_request");
    client
        .get("/v1/portal/activity?days=367")
        .assert_error(400, "invalid_request");
    server
        .client(Some(EVALUATOR))
        .get("/v1/portal/activity")
        .assert_error(403, "forbidden");
}

#[test]
fn the_version_detail_gives_each_fields_refinements() {
    let clock = ManualClock::new(at("2026-03-02T08:00:00Z"));
    let server = server(&clock);
    let source = r#"ruleset signup version "1.0.0"
effective 2026-01-01

input {
  code: Text matching "C-[0-9]{4}" else "A code is C- and four digits"
  name: Text len 1..<40
  age: Int in >= 18
  share: Percent in 0%..100%
  plain: Text
}

output ok = true
"#;
    server.client(Some(AUTHOR)).publish_new(source);
    let detail = ok(
        &server
            .client(Some(EVALUATOR))
            .get("/v1/rulesets/signup/versions/1.0.0"),
        200,
    );
    let fields = detail["input_schema"]["fields"].as_array().unwrap();
    let field = |name: &str| fields.iter().find(|f| f["name"] == name).unwrap();
    assert_eq!(
        field("code")["refinements"],
        json!([{"kind": "matching", "text": "matching \"C-[0-9]{4}\"", "pattern": "C-[0-9]{4}"}])
    );
    assert_eq!(field("code")["message"], "A code is C- and four digits");
    assert_eq!(
        field("name")["refinements"],
        json!([{"kind": "len", "text": "len 1..<40", "min": "1", "min_inclusive": true, "max": "40", "max_inclusive": false}])
    );
    assert_eq!(field("name").get("message"), None);
    assert_eq!(
        field("age")["refinements"],
        json!([{"kind": "in", "text": "in >= 18", "min": "18", "min_inclusive": true}])
    );
    assert_eq!(field("share")["refinements"][0]["max"], "1");
    assert_eq!(field("plain").get("refinements"), None);
}
