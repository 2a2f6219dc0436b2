#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The integration example (`examples/sync`) through a real server on loopback: the sync rules
//! are published like any ruleset and a batch of changes from the CRM, the ERP and accounting
//! is decided by `POST /rulesets/sync/evaluate`, byte for byte as the engine decides it.

mod common;

use common::*;
use serde_json::{Value as Json, json};

fn sync_source() -> String {
    read("examples/sync/sync.ordo")
}

fn batch() -> Json {
    serde_json::from_str(&read("examples/sync/batch.json")).unwrap()
}

#[test]
fn a_batch_of_changes_is_decided_through_the_server() {
    let server = TestServer::start();
    // Published without `allow_lint`: the example is lint-clean.
    let published = server.client(Some(AUTHOR)).publish_new(&sync_source());
    assert_eq!(published.json()["name"], "sync");

    let request = json!({"input": batch()});
    let answer = server.client(Some(EVALUATOR)).evaluate("sync", &request);
    assert_eq!(answer.status, 200, "{}", answer.text);

    let ruleset = ordo_engine::Ruleset::compile(&sync_source()).unwrap();
    let expected = ruleset
        .evaluate(&batch(), &ordo_engine::EvalOptions::default())
        .unwrap();
    assert_eq!(answer.text, ordo_engine::to_json_string(&expected));

    let result = answer.json();
    let decisions = result["outputs"]["decisions"].as_array().unwrap();
    assert_eq!(
        decisions.len(),
        batch()["changes"].as_array().unwrap().len()
    );
    let actions: Vec<&str> = decisions
        .iter()
        .map(|d| d["outcome"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "push", "revert", "pull", "push", "review", "push", "review", "review", "push",
            "revert", "reject", "push", "reject"
        ]
    );
    // The owner's value reaches the other systems, normalised.
    assert_eq!(decisions[0]["outcome"]["targets"], json!(["erp"]));
    assert_eq!(decisions[0]["outcome"]["value"], "+49711123456");
    // The CRM's VAT id lost to accounting's, which the CRM takes.
    assert_eq!(decisions[2]["outcome"]["targets"], json!(["crm"]));
    assert_eq!(decisions[2]["outcome"]["value"], "DE111222333");

    // Rejected changes are violations at their place in the batch; the unknown system is an
    // input note, not an error of the whole batch.
    let violations = result["violations"].as_array().unwrap();
    let places: Vec<(&str, &str)> = violations
        .iter()
        .map(|v| (v["id"].as_str().unwrap(), v["at"].as_str().unwrap()))
        .collect();
    assert_eq!(
        places,
        [
            ("valid_change", "changes[10]"),
            ("valid_change", "changes[12]"),
            ("approved_change", "changes[4]"),
        ]
    );
    assert_eq!(
        result["input_notes"],
        json!([{"path": "changes[12].system", "received": "shopware", "read_as": "unknown"}])
    );
    let summary = &result["outputs"]["summary"];
    assert_eq!(summary["changes"], "13");
    assert_eq!(summary["push"], "5");
    assert_eq!(summary["contested_records"], json!(["A-300", "P-100"]));
}

#[test]
fn a_change_log_line_without_its_timestamp_fails_the_batch_with_its_path() {
    let server = TestServer::start();
    server.client(Some(AUTHOR)).publish_new(&sync_source());
    let mut input = batch();
    input["changes"][3]
        .as_object_mut()
        .unwrap()
        .remove("changed_at");
    let answer = server
        .client(Some(EVALUATOR))
        .evaluate("sync", &json!({"input": input}));
    answer.assert_error(422, "missing_input");
    assert_eq!(answer.json()["error"]["path"], "changes[3].changed_at");
}
