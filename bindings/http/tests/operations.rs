#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The evaluation-type endpoints (evaluate, configure, transitions, apply) run the cases of the
//! conformance suite's `orders` and `pumps` folders: each answer must be byte for byte what the
//! engine gives in process, must meet the case's expectation, and must be audited.

mod common;

use common::*;
use ordo_engine::{EvalOptions, Ruleset};
use serde_json::{Map, Value as Json, json};

const FOLDERS: [&str; 2] = ["orders", "pumps"];

struct Case {
    folder: &'static str,
    name: String,
    op: String,
    /// The request body as the server takes it.
    request: Json,
    expect: Option<Json>,
    expect_error: Option<Json>,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for folder in FOLDERS {
        let text = read(&format!("tests/fixtures/conformance/{folder}/cases.json"));
        let cases: Vec<Json> = serde_json::from_str(&text).unwrap();
        for case in cases {
            let mut request: Map<String, Json> = case.as_object().unwrap().clone();
            let name = request
                .remove("name")
                .unwrap()
                .as_str()
                .unwrap()
                .to_string();
            let op = request.remove("op").map_or("evaluate".to_string(), |op| {
                op.as_str().unwrap().to_string()
            });
            let expect = request.remove("expect");
            let expect_error = request.remove("expect_error");
            out.push(Case {
                folder,
                name,
                op,
                request: Json::Object(request),
                expect,
                expect_error,
            });
        }
    }
    out
}

/// What the engine answers in process, as the text the server must send.
fn engine_answer(ruleset: &Ruleset, op: &str, request: &Json) -> (u16, String) {
    let result = match op {
        "evaluate" => {
            let as_of = request
                .get("as_of")
                .and_then(Json::as_str)
                .map(|d| ordo_engine::input::parse_date(d).unwrap());
            let options = EvalOptions {
                as_of,
                trace: false,
                approvals: request.get("approvals").cloned(),
            };
            ruleset.evaluate(&request["input"], &options)
        }
        "configure" => ruleset.configure(request),
        "transitions" => ruleset.transitions(request),
        "apply" => ruleset.apply(request),
        other => panic!("unknown op {other}"),
    };
    match result {
        Ok(result) => (200, ordo_engine::to_json_string(&result)),
        Err(error) => {
            let status = if error.kind == ordo_engine::ErrorKind::InvalidRequest {
                400
            } else {
                422
            };
            (
                status,
                ordo_engine::to_json_string(&json!({"error": error.to_json()})),
            )
        }
    }
}

/// The conformance suite's partial match: objects by expected keys, arrays element by
/// element, decimal strings numerically.
fn matches(expected: &Json, actual: &Json) -> bool {
    match (expected, actual) {
        (Json::Object(e), Json::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|actual| matches(v, actual))),
        (Json::Array(e), Json::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(e, a)| matches(e, a))
        }
        (Json::String(e), Json::String(a)) => match (decimal(e), decimal(a)) {
            (Some(e), Some(a)) => e == a,
            _ => e == a,
        },
        _ => expected == actual,
    }
}

/// A decimal string in a normal form (`12.50` → `12.5`, `-0` → `0`), or `None`.
fn decimal(text: &str) -> Option<String> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let body = if fraction.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{fraction}")
    };
    Some(if body == "0" {
        body
    } else {
        format!("{sign}{body}")
    })
}

fn run_op(op: &str) {
    let server = TestServer::start();
    let author = server.client(Some(AUTHOR));
    let evaluator = server.client(Some(EVALUATOR));
    let mut rulesets = std::collections::HashMap::new();
    for folder in FOLDERS {
        let source = read(&format!("tests/fixtures/conformance/{folder}/ruleset.ordo"));
        let published = author.publish(&source);
        assert_eq!(published.status, 201, "{folder}: {}", published.text);
        rulesets.insert(folder, Ruleset::compile(&source).unwrap());
    }
    let cases: Vec<Case> = cases().into_iter().filter(|c| c.op == op).collect();
    assert!(!cases.is_empty(), "no {op} cases");
    let mut audit_ids = Vec::new();
    for case in &cases {
        let ruleset = &rulesets[case.folder];
        let answer = evaluator.post(
            &format!("/v1/rulesets/{}/{op}", ruleset.name()),
            &case.request,
        );
        assert!(
            !not_available(&answer),
            "{op} is not available in this build of the engine: {}",
            answer.text
        );
        let (status, text) = engine_answer(ruleset, op, &case.request);
        assert_eq!(answer.status, status, "{}: {}", case.name, answer.text);
        assert_eq!(
            answer.text, text,
            "{}: the server's answer is not the engine's",
            case.name
        );
        let body = answer.json();
        if let Some(expect) = &case.expect {
            assert_eq!(answer.status, 200, "{}: {}", case.name, answer.text);
            assert!(
                matches(expect, &body),
                "{}: expected {expect}\n got {body}",
                case.name
            );
        }
        if let Some(expect_error) = &case.expect_error {
            assert!(
                matches(expect_error, &body["error"]),
                "{}: expected error {expect_error}\n got {body}",
                case.name
            );
        }
        audit_ids.push((answer.audit_id.unwrap(), case));
    }
    // Every case is in the audit log, under its operation.
    let log = server
        .client(Some(AUDITOR))
        .get("/v1/audit?limit=1000")
        .json();
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), cases.len());
    for (entry, (id, case)) in entries.iter().zip(&audit_ids) {
        assert_eq!(entry["id"], *id);
        assert_eq!(entry["operation"], op);
        assert_eq!(entry["request"], case.request);
        let outcome = match &case.expect_error {
            Some(expect_error) => expect_error["kind"].as_str().unwrap(),
            None => "ok",
        };
        assert_eq!(entry["outcome"], outcome, "{}", case.name);
    }
}

#[test]
fn evaluate_cases() {
    run_op("evaluate");
}

#[test]
fn configure_cases() {
    run_op("configure");
}

#[test]
fn transitions_cases() {
    run_op("transitions");
}

#[test]
fn apply_cases() {
    run_op("apply");
}

#[test]
fn engine_requests_pick_their_version_and_reject_bad_ones() {
    let server = TestServer::start();
    let author = server.client(Some(AUTHOR));
    let source = read("tests/fixtures/conformance/orders/ruleset.ordo");
    assert_eq!(author.publish(&source).status, 201);
    let evaluator = server.client(Some(EVALUATOR));
    let request = json!({
        "version": "^1", "workflow": "order", "state": "draft", "actor": "sales",
        "input": {"amount": "60000.00", "discount": "0.12"}
    });
    let answer = evaluator.post("/v1/rulesets/orders/transitions", &request);
    assert!(!not_available(&answer), "{}", answer.text);
    assert_eq!(answer.status, 200, "{}", answer.text);
    // `version` picks the version and is not passed to the engine.
    let mut engine_request = request.clone();
    engine_request.as_object_mut().unwrap().remove("version");
    let ruleset = Ruleset::compile(&source).unwrap();
    assert_eq!(
        answer.text,
        ordo_engine::to_json_string(&ruleset.transitions(&engine_request).unwrap())
    );

    let missing = evaluator.post(
        "/v1/rulesets/orders/transitions",
        &json!({"version": "^2", "workflow": "order", "state": "draft", "actor": "sales", "input": {}}),
    );
    assert_eq!(missing.status, 404);
    let bad = evaluator.post(
        "/v1/rulesets/orders/apply",
        &json!({"version": 2, "input": {}}),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(bad.kind(), "invalid_request");
    let bad = evaluator.post("/v1/rulesets/orders/configure", &json!([1, 2]));
    assert_eq!(bad.status, 400);
    let bad = evaluator.post(
        "/v1/rulesets/orders/configure",
        &json!({"input": {}, "as_of": "March"}),
    );
    assert_eq!(bad.status, 400);
    let log = server.client(Some(AUDITOR)).get("/v1/audit").json();
    let outcomes: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "ok",
            "not_found",
            "invalid_request",
            "invalid_request",
            "invalid_request"
        ]
    );
}
