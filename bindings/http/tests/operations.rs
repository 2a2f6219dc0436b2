#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The evaluation-type endpoints (evaluate, configure, transitions, apply) run the cases of the
//! conformance suite's `orders` and `pumps` folders: each answer must be byte for byte what the
//! engine gives in process, must meet the case's expectation, and must be audited. The suite has
//! no timer cases, so `fire_timer` is checked on the `orders` ruleset's reminder timer.

mod common;

use common::*;
use ordo_engine::{
    ApplyRequest, ConfigureRequest, EvalOptions, Ruleset, TimerRequest, TransitionsRequest,
};
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
                .map(|d| ordo_engine::text::parse_date(d).unwrap());
            let options = EvalOptions {
                as_of,
                trace: false,
                approvals: request
                    .get("approvals")
                    .map(|a| ordo_engine::Approvals::from_json(a).unwrap()),
                at: None,
            };
            ruleset.evaluate(&request["input"], &options)
        }
        "configure" => ConfigureRequest::from_json(request).and_then(|r| ruleset.configure(&r)),
        "transitions" => {
            TransitionsRequest::from_json(request).and_then(|r| ruleset.transitions(&r))
        }
        "apply" => ApplyRequest::from_json(request).and_then(|r| ruleset.apply(&r)),
        "fire_timer" => TimerRequest::from_json(request).and_then(|r| ruleset.fire_timer(&r)),
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
    let log = server.audit_log("?limit=1000");
    let entries = entries(&log);
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
    author.publish_new(&source);
    let evaluator = server.client(Some(EVALUATOR));
    let request = json!({
        "version": "^1", "workflow": "order", "state": "draft", "actor": "sales",
        "input": {"amount": "60000.00", "discount": "0.12"}
    });
    let answer = evaluator.post("/v1/rulesets/orders/transitions", &request);
    assert_eq!(answer.status, 200, "{}", answer.text);
    // `version` picks the version and is not passed to the engine.
    let mut engine_request = request.clone();
    engine_request.as_object_mut().unwrap().remove("version");
    let ruleset = Ruleset::compile(&source).unwrap();
    assert_eq!(
        answer.text,
        ordo_engine::to_json_string(
            &ruleset
                .transitions(&TransitionsRequest::from_json(&engine_request).unwrap())
                .unwrap()
        )
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
    bad.assert_error(400, "invalid_request");
    let bad = evaluator.post("/v1/rulesets/orders/configure", &json!([1, 2]));
    assert_eq!(bad.status, 400);
    let bad = evaluator.post(
        "/v1/rulesets/orders/configure",
        &json!({"input": {}, "as_of": "March"}),
    );
    assert_eq!(bad.status, 400);
    let log = server.audit_log("");
    assert_eq!(
        field_strs(&log["entries"], "outcome"),
        [
            "ok",
            "not_found",
            "invalid_request",
            "invalid_request",
            "invalid_request"
        ]
    );
}

/// A timer request of the `orders` ruleset: its reminder (`on stay submitted after 2 days`),
/// for an order that entered `submitted` on 1 March, fired at `at`.
fn reminder(state: &str, at: &str) -> Json {
    json!({
        "workflow": "order", "state": state, "trigger": "approval_reminder",
        "input": {"amount": "60000.00", "discount": "0.12"},
        "event": {"instance": "SO-1", "seq": 2, "at": at, "entered_at": "2026-03-01T09:00:00Z"}
    })
}

/// `{"version": version, ...request}`.
fn pinned(version: &str, request: &Json) -> Json {
    let mut pinned = request.clone();
    pinned["version"] = json!(version);
    pinned
}

#[test]
fn fire_timer_answers_as_the_engine_and_is_audited() {
    let server = TestServer::start();
    let source = read("tests/fixtures/conformance/orders/ruleset.ordo");
    let published = server.client(Some(AUTHOR)).publish_new(&source);
    let hash = published.json()["hash"].as_str().unwrap().to_string();
    // A second version with another reminder, to see that the request picks the version.
    let second = source
        .replace("version \"1.0.0\"", "version \"2.0.0\"")
        .replace("Order waiting for approval", "Order still waiting");
    server.client(Some(AUTHOR)).publish_new(&second);
    let ruleset = Ruleset::compile(&source).unwrap();
    let evaluator = server.client(Some(EVALUATOR));
    let path = "/v1/rulesets/orders/fire_timer";

    // Due (two days after entering `submitted`): the reminder goes to the state's owner.
    let due = reminder("submitted", "2026-03-03T09:00:00Z");
    let fired = evaluator.post(path, &pinned("1.0.0", &due));
    assert_eq!(fired.status, 200, "{}", fired.text);
    assert_eq!(
        fired.text,
        ordo_engine::to_json_string(
            &ruleset
                .fire_timer(&TimerRequest::from_json(&due).unwrap())
                .unwrap()
        ),
        "the server's answer is not the engine's"
    );
    let body = fired.json();
    assert_eq!(body["trigger"], "approval_reminder");
    assert_eq!(body["fired"], true);
    let actions = body["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{body}");
    assert_eq!(actions[0]["action"], "notify");
    assert_eq!(actions[0]["args"]["to"], "sales_manager");
    assert_eq!(actions[0]["args"]["message"], "Order waiting for approval");

    // Without `version`, the latest answers; a requirement picks among the versions.
    let latest = evaluator.post(path, &due);
    assert_eq!(latest.status, 200, "{}", latest.text);
    assert_eq!(
        latest.json()["actions"][0]["args"]["message"],
        "Order still waiting"
    );
    let by_requirement = evaluator.post(path, &pinned("^1", &due));
    assert_eq!(by_requirement.text, fired.text);

    // Not due yet, or the instance has moved on: not fired, with the reason, no actions.
    let early = evaluator.post(
        path,
        &pinned("1.0.0", &reminder("submitted", "2026-03-02T09:00:00Z")),
    );
    assert_eq!(early.status, 200, "{}", early.text);
    let body = early.json();
    assert_eq!(body["fired"], false);
    assert!(
        body["reason"].as_str().unwrap().contains("not due"),
        "{body}"
    );
    assert_eq!(body["actions"], json!([]));
    let moved = evaluator.post(
        path,
        &pinned("1.0.0", &reminder("approved", "2026-03-09T09:00:00Z")),
    );
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.json()["fired"], false, "{}", moved.text);

    // Bad requests: 400 `invalid_request` naming the field; a bad input: 422.
    let mut unknown = pinned("1.0.0", &due);
    unknown["trigger"] = json!("approval_remider");
    let unknown = evaluator.post(path, &unknown);
    unknown.assert_error(400, "invalid_request");
    assert_eq!(unknown.json()["error"]["path"], "trigger");
    let mut not_a_timer = pinned("1.0.0", &due);
    not_a_timer["trigger"] = json!("big_order");
    let not_a_timer = evaluator.post(path, &not_a_timer);
    assert_eq!(not_a_timer.status, 400, "{}", not_a_timer.text);
    assert_eq!(not_a_timer.json()["error"]["path"], "trigger");
    let mut no_event = pinned("1.0.0", &due);
    no_event.as_object_mut().unwrap().remove("event");
    let no_event = evaluator.post(path, &no_event);
    assert_eq!(no_event.status, 400, "{}", no_event.text);
    assert_eq!(no_event.json()["error"]["path"], "event");
    let mut no_amount = pinned("1.0.0", &due);
    no_amount["input"] = json!({"discount": "0.12"});
    let no_amount = evaluator.post(path, &no_amount);
    no_amount.assert_error(422, "missing_input");
    let no_version = evaluator.post(path, &pinned("^3", &due));
    assert_eq!(no_version.status, 404, "{}", no_version.text);
    let bad_version = evaluator.post(path, &json!({"version": 1, "input": {}}));
    assert_eq!(bad_version.status, 400, "{}", bad_version.text);

    // Only evaluators (and admins) may fire timers.
    for token in [AUTHOR, AUDITOR] {
        server
            .client(Some(token))
            .post(path, &due)
            .assert_error(403, "forbidden");
    }
    assert_eq!(server.client(Some(ADMIN)).post(path, &due).status, 200);
    assert_eq!(server.client(None).post(path, &due).status, 401);

    // Every evaluator's and the admin's call is in the log, in order; refused callers are not.
    let answers = [
        (&fired, "ok", Some("1.0.0")),
        (&latest, "ok", Some("2.0.0")),
        (&by_requirement, "ok", Some("1.0.0")),
        (&early, "ok", Some("1.0.0")),
        (&moved, "ok", Some("1.0.0")),
        (&unknown, "invalid_request", Some("1.0.0")),
        (&not_a_timer, "invalid_request", Some("1.0.0")),
        (&no_event, "invalid_request", Some("1.0.0")),
        (&no_amount, "missing_input", Some("1.0.0")),
        (&no_version, "not_found", None),
        (&bad_version, "invalid_request", None),
    ];
    let log = server.audit_log("?ruleset=orders&caller=pricing");
    let entries = entries(&log);
    assert_eq!(entries.len(), answers.len(), "{log}");
    for (entry, (answer, outcome, version)) in entries.iter().zip(answers) {
        assert_audit_entry(entry, answer, outcome);
        assert_eq!(entry["operation"], "fire_timer");
        assert_eq!(entry["caller"], "pricing");
        assert_eq!(entry["version"], json!(version), "{entry}");
    }
    assert_eq!(entries[0]["hash"], hash.as_str());
    assert_eq!(entries[0]["request"], pinned("1.0.0", &due));
    assert_eq!(entry_ids(&server.audit_log("?caller=root")).len(), 1);
    // Refused callers are audited too, with the kind of their refusal.
    for caller in ["ci", "compliance"] {
        let refused = server.audit_log(&format!("?caller={caller}"));
        assert_eq!(
            field_strs(&refused["entries"], "outcome"),
            ["forbidden"],
            "{refused}"
        );
    }
}
