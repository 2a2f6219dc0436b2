#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The audit chain against a real server: intact after many writes, a tampered row found at
//! its id, export and prune keeping the rest verifiable (and audited), and the omitted-body
//! marker stored on either store. Runs on SQLite, or on PostgreSQL with
//! `ORDO_TEST_STORE=postgres` (scripts/test-postgres). Needs `cargo build --bin ordo` first.

mod common;

use std::path::Path;
use std::process::Command;

use common::{AUDITOR, AUTHOR, EVALUATOR, TestServer, entries};

/// Publishes the demo ruleset and sends `n` evaluations.
fn evaluate(server: &TestServer, n: usize) {
    let evaluator = server.client(Some(EVALUATOR));
    for i in 0..n {
        let answer = evaluator.post_text(
            "/v1/rulesets/demo/evaluate",
            &format!("{{\"input\": {{\"n\": {}}}}}", i + 1),
        );
        assert_eq!(answer.status, 200, "{}", answer.text);
    }
}

fn start() -> TestServer {
    let server = TestServer::start();
    server
        .client(Some(AUTHOR))
        .publish_new(&common::demo_source("1.0.0", "2026-01-01", 2));
    server
}

/// `ordo audit ARGS...`: exit code and standard output.
fn ordo_audit(args: &[&str]) -> (i32, String) {
    let output = Command::new(common::ordo_binary())
        .arg("audit")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    (
        output.status.code().unwrap_or(-1),
        format!("{stdout}{stderr}"),
    )
}

fn db_text(db: &Path) -> String {
    db.display().to_string()
}

fn is_postgres() -> bool {
    std::env::var("ORDO_TEST_STORE").as_deref() == Ok("postgres")
}

#[test]
fn the_chain_is_intact_after_many_writes() {
    let server = start();
    evaluate(&server, 60);
    let report = server.client(Some(AUDITOR)).get("/v1/audit/verify");
    assert_eq!(report.status, 200, "{}", report.text);
    let report = report.json();
    assert_eq!(report["status"], "intact", "{report}");
    assert!(report["checked"].as_u64().unwrap() >= 60, "{report}");
    assert!(report["first_break"].is_null());
    // An evaluator may not read it.
    let refused = server.client(Some(EVALUATOR)).get("/v1/audit/verify");
    refused.assert_error(403, "forbidden");
    let db = common::store_db(&server.dir);
    let (code, out) = ordo_audit(&["verify", &db_text(&db)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact"), "{out}");
}

#[test]
fn a_tampered_row_is_found_at_its_id() {
    if is_postgres() {
        return; // The file is edited directly: the SQLite store only.
    }
    let server = start();
    evaluate(&server, 20);
    let target = entries(&server.audit_log("?limit=100"))[9]["id"]
        .as_i64()
        .unwrap();
    let dir = server.stop_keeping_files();
    let db = dir.path("ordo.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("DROP TRIGGER audit_log_append_only")
            .unwrap();
        conn.execute(
            "UPDATE audit_log SET outcome = 'forged' WHERE id = ?1",
            [target],
        )
        .unwrap();
    }
    let (code, out) = ordo_audit(&["verify", &db_text(&db)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("BROKEN at entry {target}:")), "{out}");
    let (code, out) = ordo_audit(&["verify", &db_text(&db), "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let status: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(status["first_break"]["id"], target);
    assert_eq!(status["first_break"]["reason"], "hash_mismatch");
}

#[test]
fn export_and_prune_keep_the_rest_verifiable_and_are_audited() {
    let server = start();
    evaluate(&server, 30);
    let db = common::store_db(&server.dir);
    let exported = server.dir.path("export.jsonl");
    let (code, out) = ordo_audit(&[
        "export",
        &db_text(&db),
        "--before",
        "2999-01-01",
        "--out",
        &db_text(&exported),
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        std::fs::read_to_string(&exported).unwrap().lines().count(),
        30
    );
    // An export never overwrites.
    let (code, out) = ordo_audit(&[
        "export",
        &db_text(&db),
        "--before",
        "2999-01-01",
        "--out",
        &db_text(&exported),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("exists"), "{out}");

    let pruned = server.dir.path("pruned.jsonl");
    let (code, out) = ordo_audit(&[
        "prune",
        &db_text(&db),
        "--before",
        "2999-01-01",
        "--export",
        &db_text(&pruned),
        "--caller",
        "ops",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("pruned 30 entries"), "{out}");
    let lines = std::fs::read_to_string(&pruned).unwrap();
    assert_eq!(lines.lines().count(), 30);
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["prev_hash"], "0".repeat(64));

    // The server keeps writing after the anchor; the chain verifies from it.
    evaluate(&server, 5);
    let log = server.audit_log("?limit=100");
    let kept = entries(&log);
    assert_eq!(kept.len(), 6, "{log}");
    let prune_entry = &kept[0];
    assert_eq!(prune_entry["operation"], "audit_prune");
    assert_eq!(prune_entry["caller"], "ops");
    assert_eq!(prune_entry["request"]["entries"], 30);
    let report = server.client(Some(AUDITOR)).get("/v1/audit/verify").json();
    assert_eq!(report["status"], "intact", "{report}");
    assert_eq!(report["checked"], 6);
    assert!(report["anchor"]["id"].as_i64().is_some(), "{report}");
    let (code, out) = ordo_audit(&["verify", &db_text(&db)]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn an_omitted_body_is_stored_on_either_store() {
    let server = TestServer::start_with(|config| config.audit_body_cap = 64);
    server
        .client(Some(AUTHOR))
        .publish_new(&common::demo_source("1.0.0", "2026-01-01", 2));
    let large = format!(
        "{{\"input\": {{\"n\": 1, \"pad\": \"{}\"}}}}",
        "x".repeat(500)
    );
    let answer = server
        .client(Some(EVALUATOR))
        .post_text("/v1/rulesets/demo/evaluate", &large);
    // The input is refused (`pad` is not a field), and its entry stored: not a 503 on
    // PostgreSQL, whose TEXT columns refuse a NUL.
    assert_eq!(answer.status, 422, "{}", answer.text);
    let log = server.audit_log("");
    let entry = entries(&log)
        .iter()
        .find(|e| e["id"].as_i64() == answer.audit_id)
        .unwrap()
        .clone();
    assert_eq!(entry["request_omitted"]["bytes"], large.len());
    let report = server.client(Some(AUDITOR)).get("/v1/audit/verify").json();
    assert_eq!(report["status"], "intact", "{report}");
}
