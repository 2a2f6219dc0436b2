#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Which version answers: pre-releases and versions not yet in effect only when asked for, a
//! date selector evaluates at that date, build metadata does not tell versions apart.

mod common;

use chrono::{DateTime, Utc};
use common::{AUTHOR, EVALUATOR, TestServer};
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
