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

const ROOT: &str = "root-token-0123456789abcdef";
const CI: &str = "ci-token-0123456789abcdef";
const SHOP: &str = "shop-token-0123456789abcdef";
const AUDIT: &str = "audit-token-0123456789abcdef";

const LIMITED: &str = r#"
[[tokens]]
token = "root-token-0123456789abcdef"
caller = "root"
roles = ["admin"]

[[tokens]]
token = "ci-token-0123456789abcdef"
caller = "ci"
roles = ["author"]
rulesets = ["demo"]

[[tokens]]
token = "shop-token-0123456789abcdef"
caller = "shop"
roles = ["evaluator"]
rulesets = ["demo"]
person = { id = "ana", roles = ["sales"] }

[[tokens]]
token = "audit-token-0123456789abcdef"
caller = "audit"
roles = ["auditor"]
"#;

fn limited_server() -> TestServer {
    let dir = TempDir::new("identity");
    let config = TestServer::config(&dir);
    std::fs::write(config.tokens.as_ref().unwrap(), LIMITED).unwrap();
    TestServer::run(config, dir)
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
