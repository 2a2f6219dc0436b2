#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Which version answers: pre-releases and versions not yet in effect only when asked for, a
//! date selector evaluates at that date, build metadata does not tell versions apart; yanked
//! versions answer only their exact version, deprecated ones carry a notice; each change is
//! authorised, audited, kept across a restart, followed by replicas, and the stores of the
//! schema before it are upgraded.

mod common;

use chrono::{DateTime, Utc};
use common::{
    ADMIN, AUTHOR, EVALUATOR, TempDir, TestServer, entries, fresh_postgres, postgres_rows,
    sha256_hex,
};
use ordo_http::clock::ManualClock;
use serde_json::json;

/// A version of `dated` that answers its factor and the date it is evaluated at.
fn dated(version: &str, effective: &str, factor: u32) -> String {
    format!(
        "ruleset dated version \"{version}\"\neffective {effective}\n\ninput {{\n  n: Int\n}}\n\noutput result = n * {factor}\noutput day = as_of\n"
    )
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// The version that answers `request`, and the day it evaluated at.
fn answered(server: &TestServer, request: &serde_json::Value) -> (String, String) {
    let answer = server.client(Some(EVALUATOR)).evaluate("dated", request);
    assert_eq!(answer.status, 200, "{request}: {}", answer.text);
    let result = answer.json();
    (
        result["ruleset"]["version"].as_str().unwrap().to_string(),
        result["outputs"]["day"].as_str().unwrap().to_string(),
    )
}

#[test]
fn latest_skips_pre_releases_and_versions_not_yet_in_effect() {
    let clock = ManualClock::new(at("2026-06-15T12:00:00Z"));
    let server = {
        let clock = clock.clone();
        TestServer::start_with(move |config| config.clock = std::sync::Arc::new(clock))
    };
    let author = server.client(Some(AUTHOR));
    author.publish_new(&dated("1.0.0", "2026-01-01", 2));
    author.publish_new(&dated("1.1.0", "2026-03-01", 3));
    author.publish_new(&dated("2.0.0-rc.1", "2026-01-01", 5));
    author.publish_new(&dated("1.2.0", "2027-01-01", 7));
    let input = json!({"n": 1});
    let version = |selector: Option<&str>| {
        let mut request = json!({ "input": input });
        if let Some(selector) = selector {
            request["version"] = json!(selector);
        }
        answered(&server, &request).0
    };
    // Neither the pre-release nor the version effective next year.
    assert_eq!(version(None), "1.1.0");
    assert_eq!(version(Some("latest")), "1.1.0");
    assert_eq!(version(Some("^1")), "1.1.0");
    let latest = server
        .client(Some(EVALUATOR))
        .get("/v1/rulesets/dated/versions/latest");
    assert_eq!(latest.json()["version"], "1.1.0", "{}", latest.text);
    let none = server
        .client(Some(EVALUATOR))
        .evaluate("dated", &json!({"input": input, "version": "^2"}));
    none.assert_error(404, "not_found");
    // Asked for explicitly, they answer.
    assert_eq!(version(Some("^2.0.0-rc")), "2.0.0-rc.1");
    assert_eq!(version(Some("2.0.0-rc.1")), "2.0.0-rc.1");
    assert_eq!(version(Some("1.2.0")), "1.2.0");
    // A date picks the version in effect that day and evaluates at that day.
    assert_eq!(
        answered(&server, &json!({"input": input, "version": "2026-02-01"})),
        ("1.0.0".to_string(), "2026-02-01".to_string())
    );
    assert_eq!(
        answered(&server, &json!({"input": input, "version": "2027-02-01"})),
        ("1.2.0".to_string(), "2027-02-01".to_string())
    );
    // An explicit `as_of` still says when to evaluate.
    assert_eq!(
        answered(
            &server,
            &json!({"input": input, "version": "2026-02-01", "as_of": "2026-02-03"})
        ),
        ("1.0.0".to_string(), "2026-02-03".to_string())
    );
    // Once its day comes, the new version is the latest, without a restart.
    clock.set(at("2027-01-01T00:00:00Z"));
    assert_eq!(version(None), "1.2.0");
}

#[test]
fn build_metadata_does_not_tell_versions_apart() {
    let server = TestServer::start();
    let author = server.client(Some(AUTHOR));
    author.publish_new(&dated("1.0.0+a", "2026-01-01", 2));
    let refused = author.publish(&dated("1.0.0+b", "2026-01-01", 3));
    refused.assert_error(409, "conflict");
    assert_eq!(refused.json()["error"]["existing_version"], "1.0.0+a");
    assert!(refused.audit_id.is_some());
    let refused = author.publish(&dated("1.0.0", "2026-01-01", 2));
    refused.assert_error(409, "conflict");
    // The same version again is the same version; an exact selector may leave the build out.
    assert_eq!(
        author.publish(&dated("1.0.0+a", "2026-01-01", 2)).status,
        200
    );
    let (version, _) = answered(&server, &json!({"input": {"n": 1}, "version": "1.0.0"}));
    assert_eq!(version, "1.0.0+a");
    let versions = author.get("/v1/rulesets/dated").json();
    assert_eq!(
        versions["versions"].as_array().unwrap().len(),
        1,
        "{versions}"
    );
}

/// `POST /v1/rulesets/dated/versions/{version}/{change}` with `reason`.
fn change(
    server: &TestServer,
    token: &str,
    version: &str,
    change: &str,
    reason: &str,
) -> common::Answer {
    server.client(Some(token)).post(
        &format!("/v1/rulesets/dated/versions/{version}/{change}"),
        &json!({ "reason": reason }),
    )
}

/// Publishes 1.0.0 (factor 2) and 1.1.0 (factor 3) of `dated`.
fn two_versions(server: &TestServer) {
    let author = server.client(Some(AUTHOR));
    author.publish_new(&dated("1.0.0", "2026-01-01", 2));
    author.publish_new(&dated("1.1.0", "2026-01-01", 3));
}

/// The version that answers `selector` (none: the latest).
fn picked(server: &TestServer, selector: Option<&str>) -> String {
    let mut request = json!({"input": {"n": 1}});
    if let Some(selector) = selector {
        request["version"] = json!(selector);
    }
    answered(server, &request).0
}

#[test]
fn a_yanked_version_answers_only_its_exact_version_until_unyanked() {
    let server = TestServer::start();
    two_versions(&server);
    assert_eq!(picked(&server, None), "1.1.0");

    let yanked = change(&server, AUTHOR, "1.1.0", "yank", "  wrong rate  ");
    assert_eq!(yanked.status, 200, "{}", yanked.text);
    let summary = yanked.json();
    assert_eq!(summary["version"], "1.1.0");
    assert_eq!(summary["yanked"]["reason"], "wrong rate");
    assert_eq!(summary["yanked"]["by"], "ci");
    assert!(summary.get("deprecated").is_none(), "{summary}");

    // `latest`, requirements and dates skip it; its exact version still answers.
    assert_eq!(picked(&server, None), "1.0.0");
    assert_eq!(picked(&server, Some("latest")), "1.0.0");
    assert_eq!(picked(&server, Some("^1")), "1.0.0");
    server
        .client(Some(EVALUATOR))
        .evaluate("dated", &json!({"input": {"n": 1}, "version": "=1.1.0"}))
        .assert_error(404, "not_found");
    assert_eq!(picked(&server, Some("2026-06-01")), "1.0.0");
    assert_eq!(picked(&server, Some("1.1.0")), "1.1.0");
    let reader = server.client(Some(EVALUATOR));
    let latest = reader.get("/v1/rulesets/dated/versions/latest");
    assert_eq!(latest.json()["version"], "1.0.0", "{}", latest.text);
    let exact = reader.get("/v1/rulesets/dated/versions/1.1.0");
    assert_eq!(exact.status, 200, "{}", exact.text);
    assert_eq!(exact.json()["yanked"]["reason"], "wrong rate");
    let list = reader.get("/v1/rulesets/dated").json();
    let versions = list["versions"].as_array().unwrap();
    assert!(versions[0].get("yanked").is_none(), "{list}");
    assert_eq!(versions[1]["yanked"]["reason"], "wrong rate", "{list}");

    // Yanking again changes nothing and says so; so does undoing what was not done.
    change(&server, AUTHOR, "1.1.0", "yank", "again").assert_error(409, "conflict");
    change(&server, AUTHOR, "1.0.0", "unyank", "never yanked").assert_error(409, "conflict");
    // Every version yanked: `latest` has nothing to answer.
    assert_eq!(
        change(&server, ADMIN, "1.0.0", "yank", "also wrong").status,
        200
    );
    server
        .client(Some(EVALUATOR))
        .evaluate("dated", &json!({"input": {"n": 1}}))
        .assert_error(404, "not_found");

    let unyanked = change(&server, AUTHOR, "1.1.0", "unyank", "the rate was right");
    assert_eq!(unyanked.status, 200, "{}", unyanked.text);
    assert!(unyanked.json().get("yanked").is_none(), "{}", unyanked.text);
    assert_eq!(picked(&server, None), "1.1.0");
}

#[test]
fn a_deprecated_version_answers_with_a_notice_until_undeprecated() {
    let server = TestServer::start();
    two_versions(&server);
    let deprecated = change(
        &server,
        AUTHOR,
        "1.0.0",
        "deprecate",
        "use 1.1 for the new rates",
    );
    assert_eq!(deprecated.status, 200, "{}", deprecated.text);
    let at = deprecated.json()["deprecated"]["at"]
        .as_str()
        .unwrap()
        .to_string();
    let seconds = DateTime::parse_from_rfc3339(&at).unwrap().timestamp();

    // Still served everywhere it was, with the header and the field.
    let evaluator = server.client(Some(EVALUATOR));
    let answer = evaluator.evaluate("dated", &json!({"input": {"n": 1}, "version": "1.0.0"}));
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        answer.deprecation.as_deref(),
        Some(format!("@{seconds}").as_str())
    );
    let result = answer.json();
    assert_eq!(result["outputs"]["result"], "2", "{result}");
    assert_eq!(result["deprecation"]["reason"], "use 1.1 for the new rates");
    assert_eq!(result["deprecation"]["by"], "ci");
    // The audit entry holds the answer as given, notice included.
    let page = server.audit_log("?ruleset=dated&limit=1000");
    let entry = entries(&page)
        .iter()
        .find(|e| e["id"] == answer.audit_id.unwrap())
        .unwrap();
    assert_eq!(entry["result_sha256"], sha256_hex(&answer.text));
    let detail = evaluator.get("/v1/rulesets/dated/versions/1.0.0");
    assert!(detail.deprecation.is_some());
    assert_eq!(
        detail.json()["deprecated"]["reason"],
        "use 1.1 for the new rates"
    );
    let configured = evaluator.post(
        "/v1/rulesets/dated/configure",
        &json!({"input": {}, "version": "^1.0, <1.1"}),
    );
    assert_eq!(configured.status, 200, "{}", configured.text);
    assert!(configured.deprecation.is_some());
    assert!(
        configured.json()["deprecation"].is_object(),
        "{}",
        configured.text
    );

    // Other versions carry no notice.
    let other = evaluator.evaluate("dated", &json!({"input": {"n": 1}}));
    assert_eq!(other.deprecation, None);
    assert!(other.json().get("deprecation").is_none(), "{}", other.text);

    let undone = change(&server, AUTHOR, "1.0.0", "undeprecate", "still in use");
    assert_eq!(undone.status, 200, "{}", undone.text);
    let answer = evaluator.evaluate("dated", &json!({"input": {"n": 1}, "version": "1.0.0"}));
    assert_eq!(answer.deprecation, None);
    assert!(
        answer.json().get("deprecation").is_none(),
        "{}",
        answer.text
    );
}

#[test]
fn changes_are_authorised_checked_and_audited() {
    let server = TestServer::start();
    two_versions(&server);
    // An evaluator may not; the refusal is audited, and nothing changed.
    let refused = change(&server, EVALUATOR, "1.1.0", "yank", "mine");
    refused.assert_error(403, "forbidden");
    assert!(refused.audit_id.is_some());
    assert_eq!(picked(&server, None), "1.1.0");
    // A reason is required; the version must be exact and published.
    change(&server, AUTHOR, "1.1.0", "yank", "   ").assert_error(400, "invalid_request");
    change(&server, AUTHOR, "^1", "yank", "range").assert_error(400, "invalid_request");
    change(&server, AUTHOR, "3.0.0", "yank", "missing").assert_error(404, "not_found");
    let no_reason = server
        .client(Some(AUTHOR))
        .post("/v1/rulesets/dated/versions/1.1.0/deprecate", &json!({}));
    no_reason.assert_error(400, "invalid_request");

    let yanked = change(&server, AUTHOR, "1.1.0", "yank", "wrong rate");
    assert_eq!(yanked.status, 200);
    let page = server.audit_log("?ruleset=dated");
    let changes: Vec<_> = entries(&page)
        .iter()
        .filter(|e| e["operation"] == "yank")
        .collect();
    let outcomes: Vec<_> = changes
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "forbidden",
            "invalid_request",
            "invalid_request",
            "not_found",
            "ok"
        ],
        "{page}"
    );
    let forbidden = changes[0];
    assert_eq!(forbidden["id"], refused.audit_id.unwrap());
    assert_eq!(forbidden["caller"], "pricing");
    let done = changes[4];
    assert_eq!(done["id"], yanked.audit_id.unwrap());
    assert_eq!(done["caller"], "ci");
    assert_eq!(done["version"], "1.1.0");
    assert!(done["hash"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(done["result_sha256"], sha256_hex(&yanked.text));
    assert_eq!(done["request"]["reason"], "wrong rate", "{done}");
}

#[test]
fn changes_are_kept_across_a_restart() {
    let server = TestServer::start();
    two_versions(&server);
    assert_eq!(
        change(&server, AUTHOR, "1.1.0", "yank", "wrong rate").status,
        200
    );
    assert_eq!(
        change(&server, AUTHOR, "1.0.0", "deprecate", "old").status,
        200
    );
    assert_eq!(change(&server, AUTHOR, "1.0.0", "yank", "gone").status, 200);
    assert_eq!(
        change(&server, AUTHOR, "1.0.0", "unyank", "back").status,
        200
    );
    let dir = server.stop_keeping_files();
    let config = TestServer::config(&dir);
    let server = TestServer::run(config, dir);
    assert_eq!(picked(&server, None), "1.0.0");
    assert_eq!(picked(&server, Some("1.1.0")), "1.1.0");
    let answer = server
        .client(Some(EVALUATOR))
        .evaluate("dated", &json!({"input": {"n": 1}}));
    assert!(answer.deprecation.is_some());
    assert_eq!(answer.json()["deprecation"]["reason"], "old");
    // What was undone stays undone: 1.0.0 is deprecated, not yanked.
    let list = server
        .client(Some(EVALUATOR))
        .get("/v1/rulesets/dated")
        .json();
    assert!(list["versions"][0].get("yanked").is_none(), "{list}");
    assert_eq!(
        list["versions"][1]["yanked"]["reason"], "wrong rate",
        "{list}"
    );
}

#[test]
fn a_store_of_the_schema_before_lifecycles_is_upgraded() {
    let dir = TempDir::new("lifecycle-upgrade");
    let path = dir.path("old.db");
    {
        // A store as version 2 left it: neither `version_events` nor the audit chain.
        let conn = ordo_http::store::open(&path).unwrap();
        conn.execute_batch(
            "DROP TABLE version_events; DROP TABLE audit_anchor;
             ALTER TABLE audit_log DROP COLUMN entry_hash;
             ALTER TABLE audit_log DROP COLUMN prev_hash;
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let mut config = TestServer::config(&dir);
    config.db = path.clone();
    let server = TestServer::run(config, dir);
    two_versions(&server);
    assert_eq!(
        change(&server, AUTHOR, "1.1.0", "yank", "wrong rate").status,
        200
    );
    assert_eq!(picked(&server, None), "1.0.0");
    let dir = server.stop_keeping_files();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert_eq!(version, 4);
    let events: i64 = conn
        .query_row("SELECT count(*) FROM version_events", [], |row| row.get(0))
        .unwrap();
    assert_eq!(events, 1);
    drop(dir);
}

#[test]
fn a_postgres_database_of_the_schema_before_lifecycles_is_upgraded() {
    let Some(url) = fresh_postgres() else {
        eprintln!("note: skipped: set ORDO_TEST_POSTGRES to a PostgreSQL URL to run it");
        return;
    };
    let open = |url: &str| {
        common::block_on(async {
            ordo_http::pg::open(url).await.map(|_| ()).unwrap();
        });
    };
    open(&url);
    // A database as version 1 left it: everything but `version_events`.
    postgres_rows(&url, "DROP TABLE version_events");
    postgres_rows(&url, "UPDATE ordo_schema_version SET version = 1");
    let dir = TempDir::new("lifecycle-pg-upgrade");
    let mut config = TestServer::config(&dir);
    config.db = std::path::PathBuf::from(&url);
    let server = TestServer::run(config, dir);
    two_versions(&server);
    assert_eq!(
        change(&server, AUTHOR, "1.1.0", "yank", "wrong rate").status,
        200
    );
    assert_eq!(picked(&server, None), "1.0.0");
    drop(server);
    let version: i64 = postgres_rows(&url, "SELECT max(version) FROM ordo_schema_version")
        .first()
        .unwrap()
        .get(0);
    assert_eq!(version, 3);
    let events: i64 = postgres_rows(&url, "SELECT count(*) FROM version_events")
        .first()
        .unwrap()
        .get(0);
    assert_eq!(events, 1);
}

#[test]
fn a_replica_follows_yanks_and_deprecations() {
    let Some(url) = fresh_postgres() else {
        eprintln!("note: skipped: set ORDO_TEST_POSTGRES to a PostgreSQL URL to run it");
        return;
    };
    let replica = || {
        let dir = TempDir::new("lifecycle-replica");
        let mut config = TestServer::config(&dir);
        config.db = std::path::PathBuf::from(&url);
        TestServer::run(config, dir)
    };
    let (one, two) = (replica(), replica());
    two_versions(&one);
    let await_until = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !done() {
            assert!(
                std::time::Instant::now() < deadline,
                "not within 5 s: {what}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    await_until("the versions reach the other replica", &|| {
        two.client(Some(EVALUATOR))
            .get("/v1/rulesets/dated/versions/1.1.0")
            .status
            == 200
    });
    assert_eq!(
        change(&one, AUTHOR, "1.1.0", "yank", "wrong rate").status,
        200
    );
    assert_eq!(
        change(&one, AUTHOR, "1.0.0", "deprecate", "old").status,
        200
    );
    await_until("the yank reaches the other replica", &|| {
        picked(&two, None) == "1.0.0"
    });
    await_until("the deprecation reaches the other replica", &|| {
        two.client(Some(EVALUATOR))
            .evaluate("dated", &json!({"input": {"n": 1}}))
            .deprecation
            .is_some()
    });
    // The other replica checks against what it follows: yanking again is refused there too.
    change(&two, AUTHOR, "1.1.0", "yank", "again").assert_error(409, "conflict");
}
