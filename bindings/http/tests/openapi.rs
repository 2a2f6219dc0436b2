#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! `/openapi.json` describes exactly the server's routes: every documented operation is a real
//! route (it is not answered by the router's "no route" fallback, nor "method not allowed"),
//! every route the server has is documented, and the documented security matches what the
//! server enforces.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::{Value as Json, json};

/// Every route of the server, as the rest of this suite exercises them.
const ROUTES: [(&str, &str); 45] = [
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("post", "/v1/rulesets"),
    ("get", "/v1/rulesets"),
    ("get", "/v1/rulesets/{name}"),
    ("get", "/v1/rulesets/{name}/versions/{version}"),
    ("post", "/v1/rulesets/{name}/versions/{version}/yank"),
    ("post", "/v1/rulesets/{name}/versions/{version}/unyank"),
    ("post", "/v1/rulesets/{name}/versions/{version}/deprecate"),
    ("post", "/v1/rulesets/{name}/versions/{version}/undeprecate"),
    ("post", "/v1/rulesets/{name}/evaluate"),
    ("post", "/v1/rulesets/{name}/configure"),
    ("post", "/v1/rulesets/{name}/transitions"),
    ("post", "/v1/rulesets/{name}/apply"),
    ("post", "/v1/rulesets/{name}/fire_timer"),
    ("post", "/v1/rulesets/{name}/start"),
    ("post", "/v1/rulesets/{name}/update"),
    ("get", "/v1/audit"),
    ("get", "/v1/audit/verify"),
    ("post", "/v1/instances"),
    ("get", "/v1/instances"),
    ("get", "/v1/instances/{id}"),
    ("post", "/v1/instances/{id}/update"),
    ("post", "/v1/instances/{id}/apply"),
    ("get", "/v1/instances/{id}/history"),
    ("post", "/v1/instances/{id}/approvals/{chain}/{step}/grant"),
    ("post", "/v1/instances/{id}/approvals/{chain}/{step}/reject"),
    ("get", "/v1/approvals/inbox"),
    ("get", "/v1/outbox"),
    ("get", "/v1/deliveries"),
    ("post", "/v1/delegations"),
    ("get", "/v1/delegations"),
    ("post", "/v1/delegations/{id}/revoke"),
    ("post", "/v1/deliveries/{webhook}/{seq}/retry"),
    ("get", "/v1/rulesets/{name}/diff"),
    ("get", "/v1/rulesets/{name}/versions/{version}/lint"),
    ("get", "/v1/rulesets/{name}/versions/{version}/graph"),
    ("get", "/v1/portal/activity"),
    ("get", "/v1/portal/approval-leads"),
    ("get", "/v1/portal/violations"),
    ("get", "/v1/me"),
    ("get", "/v1/instances/{id}/next"),
    ("get", "/v1/review"),
];

fn concrete(path: &str) -> String {
    path.replace("{name}", "bikes")
        .replace("{version}", "2.0.0")
        .replace("{id}", "SO-1")
        .replace("{chain}", "deal_desk")
        .replace("{step}", "manager")
        .replace("{webhook}", "mailer")
        .replace("{seq}", "1")
}

/// Whether an answer came from the router's fallback or its method check (not a route).
fn is_not_a_route(answer: &Answer) -> bool {
    answer.status == 405
        || (answer.status == 404
            && answer.json()["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("no route")))
}

#[test]
fn the_document_lists_exactly_the_real_routes() {
    let server = TestServer::start();
    server.client(Some(ADMIN)).publish_new(&bikes_source());
    let document = server.client(None).get("/openapi.json");
    assert_eq!(document.status, 200);
    let document = document.json();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));

    let mut documented = BTreeSet::new();
    let mut secured = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            documented.insert((method.clone(), path.clone()));
            if operation.get("security").is_some() {
                secured.insert((method.clone(), path.clone()));
            }
        }
    }
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, expected, "the document and the routes differ");

    let admin = server.client(Some(ADMIN));
    let anonymous = server.client(None);
    for (method, path) in &documented {
        let method = method.to_uppercase();
        let path = concrete(path);
        let body = (method == "POST").then(|| json!({"input": {}}).to_string());
        let answer = admin.try_send(&method, &path, body.clone()).unwrap();
        assert!(
            !is_not_a_route(&answer),
            "{method} {path} is documented but not a route: {}",
            answer.text
        );
        // Documented security is what the server enforces.
        let without_token = anonymous.try_send(&method, &path, body).unwrap();
        let needs_token = secured.contains(&(method.to_lowercase(), path_template(&path)));
        assert_eq!(
            without_token.status == 401,
            needs_token,
            "{method} {path}: documented security and enforcement differ ({})",
            without_token.status
        );
    }

    // What is not documented is not a route.
    for (method, path) in [
        ("GET", "/v1"),
        ("GET", "/v1/rulesets/bikes/versions"),
        ("POST", "/v1/rulesets/bikes/fire"),
        ("DELETE", "/v1/rulesets/bikes"),
        ("PUT", "/v1/audit"),
        ("GET", "/v1/rulesets/bikes/evaluate"),
    ] {
        let answer = admin.try_send(method, path, None).unwrap();
        assert!(
            is_not_a_route(&answer),
            "{method} {path} answered {}: {}",
            answer.status,
            answer.text
        );
    }
}

fn path_template(path: &str) -> String {
    ROUTES
        .iter()
        .map(|(_, p)| *p)
        .find(|p| concrete(p) == path)
        .unwrap()
        .to_string()
}

#[test]
fn the_document_describes_requests_and_errors() {
    let document: Json = serde_json::to_value(ordo_http::openapi()).unwrap();
    let schemas = &document["components"]["schemas"];
    for name in [
        "PublishRequest",
        "VersionSummary",
        "VersionDetail",
        "EvaluateRequest",
        "EvaluationResult",
        "AuditPage",
        "ErrorBody",
    ] {
        assert!(schemas.get(name).is_some(), "no schema {name}");
    }
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_documents_audited_answers(
        &document,
        "/v1/rulesets/{name}/evaluate",
        &["200", "400", "401", "403", "404", "413", "422", "503"],
    );
    assert_documents_audited_answers(
        &document,
        "/v1/rulesets/{name}/fire_timer",
        &["200", "400", "401", "403", "404", "422", "503"],
    );
    assert_documents_audited_answers(
        &document,
        "/v1/instances/{id}/apply",
        &["200", "400", "401", "403", "404", "409", "422", "503"],
    );
    for name in [
        "InstanceView",
        "InstanceEvent",
        "InstancePage",
        "HistoryPage",
        "DecisionAnswer",
        "Inbox",
        "OutboxPage",
    ] {
        assert!(schemas.get(name).is_some(), "no schema {name}");
    }
    let list = &document["paths"]["/v1/instances"]["get"];
    assert_eq!(
        field_strs(&list["parameters"], "name"),
        [
            "ruleset",
            "workflow",
            "state",
            "owner",
            "overdue",
            "updated_since",
            "limit",
            "cursor"
        ]
    );
    let publish = &document["paths"]["/v1/rulesets"]["post"];
    for status in ["400", "403", "409", "422"] {
        assert!(
            publish["responses"][status]["headers"]
                .get("x-ordo-audit-id")
                .is_some(),
            "a refused publication ({status}) documents no audit id"
        );
    }
    let audit = &document["paths"]["/v1/audit"]["get"];
    assert_eq!(
        field_strs(&audit["parameters"], "name"),
        [
            "ruleset", "version", "caller", "from", "to", "limit", "cursor"
        ]
    );
}

/// Asserts that the POST operation of `path` documents each of `statuses`, and the audit id
/// of its 200 answer.
fn assert_documents_audited_answers(document: &Json, path: &str, statuses: &[&str]) {
    let operation = &document["paths"][path]["post"];
    for status in statuses {
        assert!(
            operation["responses"].get(status).is_some(),
            "{path} documents no {status}"
        );
    }
    assert!(
        operation["responses"]["200"]["headers"]
            .get("x-ordo-audit-id")
            .is_some(),
        "{path} documents no audit id"
    );
}

/// A validator of the document's component `name`: the document's components, with a root that
/// refers to it (so `#/components/schemas/...` references resolve as in the document).
fn component_validator(document: &Json, name: &str) -> jsonschema::Validator {
    let wrapper = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": document["components"],
    });
    jsonschema::validator_for(&wrapper)
        .unwrap_or_else(|e| panic!("the component {name} does not build: {e}"))
}

#[track_caller]
fn assert_matches(document: &Json, name: &str, answer: &Answer) {
    let value = answer.json();
    let problems: Vec<String> = component_validator(document, name)
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "the answer is not a {name}: {problems:?}\n{value}"
    );
}

#[test]
fn answers_match_their_schemas_in_the_document() {
    let server = TestServer::start();
    let document = server.client(None).get("/openapi.json").json();
    let author = server.client(Some(AUTHOR));
    // The bikes have defaults of every kind: an enum, a set, a boolean, a percentage.
    let published = author.publish_new(&bikes_source());
    assert_matches(&document, "VersionSummary", &published);
    let reader = server.client(Some(EVALUATOR));
    let detail = reader.get("/v1/rulesets/bikes/versions/latest");
    assert_eq!(detail.status, 200, "{}", detail.text);
    assert!(detail.text.contains("\"default\""), "{}", detail.text);
    assert_matches(&document, "VersionDetail", &detail);
    assert_matches(&document, "RulesetList", &reader.get("/v1/rulesets"));
    assert_matches(
        &document,
        "RulesetVersions",
        &reader.get("/v1/rulesets/bikes"),
    );
    let missing = reader.get("/v1/rulesets/nope");
    assert_eq!(missing.status, 404);
    assert_matches(&document, "ErrorBody", &missing);
    let evaluated = reader.evaluate("bikes", &json!({"input": bikes_quote()}));
    assert_eq!(evaluated.status, 200, "{}", evaluated.text);
    assert_matches(&document, "EvaluationResult", &evaluated);
}
