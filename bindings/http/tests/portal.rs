#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The portal `ordo serve` serves at `/`: its embedded files with their content types and
//! security headers, and the endpoints it reads — `/v1/me`, an instance's next actions,
//! the review queue, version diffs and lint findings — each with the roles it requires. The
//! browser test of the pages themselves is `scripts/test-portal`.

mod common;

use common::*;
use serde_json::{Value as Json, json};

fn server() -> TestServer {
    ops_server("portal")
}

/// The headers (lower-cased names) and body of a raw `GET path`.
fn fetch(server: &TestServer, path: &str) -> (u16, Vec<(String, String)>, String) {
    let host = server.base.trim_start_matches("http://");
    let raw = server.raw(&format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    ));
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status.parse().unwrap(), headers, body.to_string())
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> &'h str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

/// The body of a chunked answer (the embedded files are sent in one piece, but tolerate both).
fn content(headers: &[(String, String)], body: &str) -> String {
    if !headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        return body.to_string();
    }
    let mut text = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        text.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    text
}

#[test]
fn the_page_and_its_files_are_served_with_their_types() {
    let server = server();
    let (status, headers, body) = fetch(&server, "/");
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    let policy = header(&headers, "content-security-policy");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let page = content(&headers, &body);
    assert!(page.contains(r#"<script type="module" src="/portal/app.js">"#));
    assert!(page.contains(r#"href="/portal/style.css""#));

    // Every module the page loads, and every module those import, is served as JavaScript.
    let mut pending = vec!["app.js".to_string()];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(file) = pending.pop() {
        if !seen.insert(file.clone()) {
            continue;
        }
        let (status, headers, body) = fetch(&server, &format!("/portal/{file}"));
        assert_eq!(status, 200, "{file}");
        assert_eq!(
            header(&headers, "content-type"),
            "text/javascript; charset=utf-8",
            "{file}"
        );
        for line in content(&headers, &body).lines() {
            if let Some(rest) = line.split(" from \"./").nth(1) {
                pending.push(rest.split('"').next().unwrap().to_string());
            }
        }
    }
    assert!(seen.len() >= 8, "{seen:?}");

    for (file, content_type) in [
        ("style.css", "text/css; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ] {
        let (status, headers, _) = fetch(&server, &format!("/portal/{file}"));
        assert_eq!(status, 200, "{file}");
        assert_eq!(header(&headers, "content-type"), content_type, "{file}");
    }
    let (status, headers, body) = fetch(&server, "/portal/secrets.toml");
    assert_eq!(status, 404);
    assert!(header(&headers, "content-type").starts_with("application/json"));
    assert!(body.contains("not_found"), "{body}");
    let (status, _, _) = fetch(&server, "/portal/../tokens.toml");
    assert_eq!(status, 404);
}

#[test]
fn an_open_server_serves_the_page_to_local_callers_only() {
    let dir = TempDir::new("portal-open");
    let mut config = TestServer::config(&dir);
    config.tokens = None;
    let server = TestServer::run(config, dir);
    let (status, _, _) = fetch(&server, "/");
    assert_eq!(status, 200);
    let raw = server.raw("GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
    assert!(raw.starts_with("HTTP/1.1 403"), "{raw}");
    let me = ok(&server.client(None).get("/v1/me"), 200);
    assert_eq!(me["caller"], "anonymous");
    assert_eq!(me["open"], true);
    assert!(me["roles"].as_array().unwrap().contains(&json!("operator")));
}

#[test]
fn me_names_the_caller_its_roles_and_person() {
    let server = server();
    let me = ok(&server.client(Some(RITA)).get("/v1/me"), 200);
    assert_eq!(
        me,
        json!({
            "caller": "rita-laptop",
            "roles": ["operator"],
            "person": {"id": "rita", "roles": ["reviewer"]},
            "open": false,
        })
    );
    let me = ok(&server.client(Some(AUDITOR)).get("/v1/me"), 200);
    assert_eq!(me["roles"], json!(["auditor"]));
    assert_eq!(me["person"], json!({"id": "compliance", "roles": []}));
    server
        .client(None)
        .get("/v1/me")
        .assert_error(401, "unauthorized");
    server
        .client(Some("not-a-known-token-0123456789"))
        .get("/v1/me")
        .assert_error(401, "unauthorized");
}

fn document(id: &str, confidence: &str, amount_confidence: &str) -> Json {
    json!({
        "document_id": id,
        "class": "invoice",
        "confidence": confidence,
        "supplier": {"value": "Kranz GmbH", "confidence": "0.95"},
        "amount": {"value": "1180.00", "confidence": amount_confidence},
    })
}

fn start(server: &TestServer, id: &str, input: Json) -> Json {
    let answer = server.client(Some(CLEO)).post(
        "/v1/instances",
        &json!({"ruleset": "documents", "workflow": "document", "id": id, "input": input}),
    );
    ok(&answer, 201)["instance"].clone()
}

fn queue_ids(queue: &Json) -> Vec<&str> {
    queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["instance"]["id"].as_str().unwrap())
        .collect()
}

#[test]
fn next_actions_say_why_a_transition_is_disabled_for_the_person() {
    let server = server();
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/documents/documents.ordo"));
    start(&server, "D-1", document("D-1", "0.81", "0.60"));

    let next = ok(
        &server.client(Some(CLEO)).get("/v1/instances/D-1/next"),
        200,
    );
    assert_eq!(next["instance"]["state"], "received");
    let transitions = next["next"]["transitions"].as_array().unwrap();
    let by_id = |id: &str| transitions.iter().find(|t| t["id"] == id).unwrap();
    assert_eq!(by_id("to_review")["enabled"], true);
    assert_eq!(by_id("route")["enabled"], false);
    assert_eq!(by_id("route")["reasons"][0]["kind"], "guard");
    assert_eq!(by_id("discard")["reasons"][0]["kind"], "role");
    let violations: Vec<&str> = next["result"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(violations, ["class_confidence", "amount_confidence"]);

    // Rita is a reviewer: for her, discarding is enabled and routing is not hers.
    let next = ok(
        &server.client(Some(RITA)).get("/v1/instances/D-1/next"),
        200,
    );
    let transitions = next["next"]["transitions"].as_array().unwrap();
    let discard = transitions.iter().find(|t| t["id"] == "discard").unwrap();
    assert_eq!(discard["enabled"], true);

    ok(
        &server.client(Some(AUDITOR)).get("/v1/instances/D-1/next"),
        200,
    );
    server
        .client(Some(EVALUATOR))
        .get("/v1/instances/D-1/next")
        .assert_error(403, "forbidden");
    server
        .client(Some(CLEO))
        .get("/v1/instances/D-404/next")
        .assert_error(404, "not_found");
}

#[test]
fn the_review_queue_lists_open_instances_with_review_violations() {
    let server = server();
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/documents/documents.ordo"));
    start(&server, "D-1", document("D-1", "0.81", "0.60"));
    start(&server, "D-2", document("D-2", "0.97", "0.92"));
    let mut invented = document("D-3", "0.99", "0.99");
    invented["class"] = json!("customs_form");
    start(&server, "D-3", invented);
    start(&server, "D-4", document("D-4", "0.50", "0.99"));

    let rita = server.client(Some(RITA));
    let queue = ok(&rita.get("/v1/review"), 200);
    assert_eq!(queue_ids(&queue), ["D-1", "D-3", "D-4"]);
    assert_eq!(queue["truncated"], false);
    let first = &queue["items"][0];
    assert_eq!(first["violations"][0]["severity"], "review");
    assert_eq!(first["violations"][0]["id"], "class_confidence");
    assert_eq!(
        queue["items"][1]["input_notes"][0],
        json!({"path": "class", "received": "customs_form", "read_as": "other"})
    );

    // A correction is an update: audited with its request, and the instance leaves the queue.
    let mut corrected = document("D-1", "0.81", "1");
    corrected["amount"]["value"] = json!("1108.00");
    corrected["checked_by"] = json!("rita");
    let answer = rita.post(
        "/v1/instances/D-1/update",
        &json!({"input": corrected, "seq": 1}),
    );
    ok(&answer, 200);
    let audit_id = answer.audit_id.unwrap();
    let log = ok(&server.client(Some(AUDITOR)).get("/v1/audit"), 200);
    let entry = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == audit_id)
        .unwrap();
    assert_eq!(entry["caller"], "rita-laptop");
    assert_eq!(entry["request"]["instance"], "D-1");
    assert_eq!(
        entry["request"]["body"]["input"]["amount"]["value"],
        "1108.00"
    );
    assert_eq!(entry["outcome"], "ok");

    // An instance in a final state waits for nobody.
    ok(
        &rita.post(
            "/v1/instances/D-4/apply",
            &json!({"transition": "discard", "seq": 1}),
        ),
        200,
    );
    let queue = ok(&rita.get("/v1/review"), 200);
    assert_eq!(queue_ids(&queue), ["D-3"]);
    let queue = ok(&rita.get("/v1/review?ruleset=orders"), 200);
    assert_eq!(queue_ids(&queue), Vec::<&str>::new());

    ok(&server.client(Some(AUDITOR)).get("/v1/review"), 200);
    server
        .client(Some(EVALUATOR))
        .get("/v1/review")
        .assert_error(403, "forbidden");
    server
        .client(None)
        .get("/v1/review")
        .assert_error(401, "unauthorized");
}

#[test]
fn diff_and_lint_of_published_versions() {
    let server = server();
    let author = server.client(Some(AUTHOR));
    let source = read("examples/documents/documents.ordo");
    author.publish_new(&source);
    let next = source
        .replace("version \"1.0.0\"", "version \"1.1.0\"")
        .replace("invoice => 0.90", "invoice => 0.85");
    author.publish_new(&next);

    // Every known caller may compare versions, as it may read their sources.
    let evaluator = server.client(Some(EVALUATOR));
    let diff = ok(
        &evaluator.get("/v1/rulesets/documents/diff?from=1.0.0&to=latest"),
        200,
    );
    assert_eq!(diff["diff"]["old"]["version"], "1.0.0");
    assert_eq!(diff["diff"]["new"]["version"], "1.1.0");
    assert_eq!(diff["diff"]["breaking"], false);
    assert_eq!(
        diff["diff"]["rules"],
        json!([{"kind": "table", "id": "class_threshold", "change": "changed"}])
    );
    assert!(diff["text"].as_str().unwrap().contains("class_threshold"));

    evaluator
        .get("/v1/rulesets/documents/diff?from=1.0.0")
        .assert_error(400, "invalid_request");
    evaluator
        .get("/v1/rulesets/documents/diff?from=1.0.0&to=9.0.0")
        .assert_error(404, "not_found");
    evaluator
        .get("/v1/rulesets/nothing/diff?from=1.0.0&to=1.0.0")
        .assert_error(404, "not_found");
    server
        .client(None)
        .get("/v1/rulesets/documents/diff?from=1.0.0&to=1.1.0")
        .assert_error(401, "unauthorized");

    let lint = ok(
        &evaluator.get("/v1/rulesets/documents/versions/1.0.0/lint"),
        200,
    );
    assert_eq!(lint["name"], "documents");
    assert_eq!(lint["findings"], json!([]));

    // A version published with lint errors shows them.
    let gappy = r#"ruleset gappy version "1.0.0"
input {
  quantity: Int
}

decision size hit first {
  | quantity || size |
  | < 10     || 1    |
  | > 10     || 2    |
}

output size_class = size
"#;
    let answer = author.post(
        "/v1/rulesets",
        &json!({"source": gappy, "allow_lint_errors": true}),
    );
    ok(&answer, 201);
    let lint = ok(
        &evaluator.get("/v1/rulesets/gappy/versions/latest/lint"),
        200,
    );
    let ids: Vec<&str> = lint["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"decision.gap"), "{lint}");
}

#[test]
fn a_decision_keeps_its_comment_in_the_history() {
    let server = server();
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/orders/orders.ordo"));
    let order = json!({
        "product": "desk", "quantity": 30, "discount": "0.15",
        "customer": {"name": "Kranz GmbH", "country": "DE"}, "sales_rep": "ana",
    });
    let ana = server.client(Some(ANA));
    ok(
        &ana.post(
            "/v1/instances",
            &json!({"ruleset": "orders", "workflow": "order", "id": "SO-1", "input": order}),
        ),
        201,
    );
    let ben = server.client(Some(BEN));
    // In `draft` no step waits for a decision.
    ben.post(
        "/v1/instances/SO-1/approvals/deal_desk/manager/grant",
        &json!({"comment": "fine"}),
    )
    .assert_error(422, "approval");
    ok(
        &ana.post(
            "/v1/instances/SO-1/apply",
            &json!({"transition": "submit", "seq": 1}),
        ),
        200,
    );
    let long = "x".repeat(2001);
    ben.post(
        "/v1/instances/SO-1/approvals/deal_desk/manager/grant",
        &json!({"comment": long}),
    )
    .assert_error(400, "invalid_request");
    let granted = ben.post(
        "/v1/instances/SO-1/approvals/deal_desk/manager/grant",
        &json!({"comment": "Kranz is a good customer"}),
    );
    assert_eq!(ok(&granted, 200)["decision"], "grant");
    let history = ok(&ben.get("/v1/instances/SO-1/history"), 200);
    let grant = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "grant")
        .unwrap();
    assert_eq!(grant["detail"]["comment"], "Kranz is a good customer");
    assert_eq!(grant["detail"]["role"], "sales_manager");
    let log = ok(&server.client(Some(AUDITOR)).get("/v1/audit"), 200);
    let entry = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| Some(e["id"].as_i64().unwrap()) == granted.audit_id)
        .unwrap();
    assert_eq!(
        entry["request"]["body"]["comment"],
        "Kranz is a good customer"
    );
}
