#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Every endpoint against a real server (the library's, on a 127.0.0.1:0 listener) through a
//! real HTTP client: publishing, reading, evaluating by every kind of selector, the audit log,
//! roles, and every error status.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::*;
use serde_json::{Value as Json, json};

/// A ruleset that does not compile (`price` is not declared).
const BROKEN: &str = "ruleset broken version \"1.0.0\"\n\noutput total = price * 2\n";

/// A ruleset with a lint error: a `unique` table whose rows overlap and leave a gap.
const GAPS: &str = "ruleset gaps version \"1.0.0\"\ninput { units: Int }\ndecision d {\n  | units || c |\n  | < 100 || 1 |\n  | >= 50 || 2 |\n}\noutput o = d\n";

#[test]
fn publish_is_idempotent_and_versions_are_immutable() {
    let server = TestServer::start();
    let author = server.client(Some(AUTHOR));
    let source = bikes_source();

    let first = author.publish_new(&source);
    assert!(first.content_type.starts_with("application/json"));
    let published = first.json();
    assert_eq!(published["name"], "bikes");
    assert_eq!(published["version"], "2.0.0");
    assert_eq!(published["effective"], "2026-01-01");
    assert_eq!(published["published_by"], "ci");
    let hash = published["hash"].as_str().unwrap().to_string();
    assert!(hash.starts_with("sha256:"));

    // The same content again: 200 with the original publication.
    let again = server.client(Some(ADMIN)).publish(&source);
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json(), published);

    // Different content under the same version: 409, naming the published hash.
    let changed = source.replace("trekking => 560.00", "trekking => 565.00");
    assert_ne!(changed, source);
    let conflict = author.publish(&changed);
    conflict.assert_error(409, "conflict");
    assert_eq!(conflict.json()["error"]["existing_hash"], hash.as_str());

    // The published version is unchanged.
    let detail = author.get("/v1/rulesets/bikes/versions/2.0.0").json();
    assert_eq!(detail["hash"], hash.as_str());
    assert_eq!(detail["source"], source.as_str());
}

#[test]
fn a_ruleset_with_lint_errors_is_refused_unless_asked() {
    let server = TestServer::start();
    let author = server.client(Some(AUTHOR));
    let refused = author.publish(GAPS);
    refused.assert_error(422, "lint");
    let error = &refused.json()["error"];
    assert_eq!(field_strs(&error["findings"], "id"), ["decision.overlap"]);
    assert_eq!(author.get("/v1/rulesets").json(), json!({"rulesets": []}));
    let forced = author.post(
        "/v1/rulesets",
        &json!({"source": GAPS, "allow_lint_errors": true}),
    );
    assert_eq!(forced.status, 201, "{}", forced.text);
}

#[test]
fn a_ruleset_that_does_not_compile_is_refused_with_diagnostics() {
    let server = TestServer::start();
    let author = server.client(Some(AUTHOR));
    let answer = author.publish(BROKEN);
    answer.assert_error(422, "compile");
    let error = &answer.json()["error"];
    let diagnostics = error["diagnostics"].as_array().unwrap();
    assert!(!diagnostics.is_empty());
    assert_eq!(diagnostics[0]["kind"], "unknown_name");
    assert_eq!(diagnostics[0]["line"], 3);
    // Nothing was published.
    assert_eq!(author.get("/v1/rulesets").json(), json!({"rulesets": []}));

    // Not a publish request at all.
    let answer = author.post("/v1/rulesets", &json!({"text": "ruleset x"}));
    answer.assert_error(400, "invalid_request");
    let answer = author.post_text("/v1/rulesets", "{not json");
    answer.assert_error(400, "invalid_request");
}

#[test]
fn refused_publications_are_audited() {
    let server = TestServer::start();
    let author = server.client(Some(AUTHOR));
    let source = bikes_source();
    let published = author.publish_new(&source);
    assert_eq!(
        published.audit_id, None,
        "an accepted publication is not an audit entry"
    );
    let hash = published.json()["hash"].as_str().unwrap().to_string();

    // Each refusal, with what the entry must say: ruleset, version, whether a hash is known.
    let compile = author.publish(BROKEN);
    compile.assert_error(422, "compile");

    let syntax = author.publish("ruleset ??? version");
    syntax.assert_error(422, "compile");

    let changed = source.replace("trekking => 560.00", "trekking => 565.00");
    let changed_hash = ordo_engine::Ruleset::compile(&changed)
        .unwrap()
        .hash()
        .to_string();
    let conflict = author.publish(&changed);
    assert_eq!(conflict.status, 409, "{}", conflict.text);

    let lint = author.publish(GAPS);
    lint.assert_error(422, "lint");

    let not_a_request = author.post("/v1/rulesets", &json!({"text": "ruleset x"}));
    assert_eq!(not_a_request.status, 400, "{}", not_a_request.text);

    let demo = demo_source("1.0.0", "2026-01-01", 2);
    let forbidden = server.client(Some(EVALUATOR)).publish(&demo);
    forbidden.assert_error(403, "forbidden");

    // Nothing of it was published.
    let listed = author.get("/v1/rulesets").json();
    assert_eq!(listed["rulesets"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["rulesets"][0]["versions"][0]["hash"], hash.as_str());

    let refusals = [
        (
            &compile,
            "ci",
            "broken",
            Some("1.0.0"),
            None,
            BROKEN.to_string(),
        ),
        (
            &syntax,
            "ci",
            "",
            None,
            None,
            "ruleset ??? version".to_string(),
        ),
        (
            &conflict,
            "ci",
            "bikes",
            Some("2.0.0"),
            Some(changed_hash.as_str()),
            changed.clone(),
        ),
        (&lint, "ci", "gaps", Some("1.0.0"), None, GAPS.to_string()),
        (&not_a_request, "ci", "", None, None, String::new()),
        (
            &forbidden,
            "pricing",
            // A refusal of the caller never parses the source, so names nothing from it.
            "",
            None,
            None,
            demo.clone(),
        ),
    ];
    let log = server.audit_log("");
    let entries = entries(&log);
    assert_eq!(entries.len(), refusals.len(), "{log}");
    for (entry, (answer, caller, ruleset, version, hash, source)) in entries.iter().zip(&refusals) {
        assert_audit_entry(entry, answer, &answer.kind());
        assert_eq!(entry["operation"], "publish");
        assert_eq!(entry["caller"], *caller);
        assert_eq!(entry["ruleset"], *ruleset, "{entry}");
        assert_eq!(entry["version"], json!(version), "{entry}");
        if !source.is_empty() {
            assert_eq!(entry["request"]["source"], source.as_str());
        }
        if let Some(hash) = hash {
            assert_eq!(entry["hash"], *hash, "{entry}");
        }
    }
    // The lint refusal compiled, so its hash is known; the compile failures have none.
    assert!(entries[3]["hash"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(entries[0]["hash"], Json::Null);
    assert_eq!(entries[4]["request"], json!({"text": "ruleset x"}));

    // The log's filters apply to them.
    let ids = |query: &str| entry_ids(&server.audit_log(query));
    let id = |answer: &Answer| answer.audit_id.unwrap();
    assert_eq!(ids("?ruleset=bikes"), [id(&conflict)]);
    assert_eq!(ids("?ruleset=bikes&version=2.0.0"), [id(&conflict)]);
    assert!(ids("?ruleset=bikes&version=1.0.0").is_empty());
    assert_eq!(ids("?ruleset=broken&version=1.0.0"), [id(&compile)]);
    assert_eq!(ids("?caller=pricing"), [id(&forbidden)]);
    assert!(ids("?caller=pricing&ruleset=demo").is_empty());
    assert_eq!(ids("?caller=ci").len(), 5);
    let first_at = entries[0]["at"].as_str().unwrap().replace('+', "%2B");
    assert_eq!(ids(&format!("?from={first_at}")).len(), 6);
    assert!(ids(&format!("?to={first_at}")).is_empty());
    let page = server.audit_log("?caller=ci&limit=2");
    assert_eq!(entry_ids(&page).len(), 2);
    assert_eq!(page["next_cursor"], id(&syntax).to_string());

    // Evaluations are logged beside them, in order.
    let evaluated = server
        .client(Some(EVALUATOR))
        .evaluate("bikes", &json!({"input": bikes_quote()}));
    assert_eq!(evaluated.status, 200);
    assert_eq!(
        ids("?ruleset=bikes"),
        [id(&conflict), evaluated.audit_id.unwrap()]
    );
}

#[test]
fn rulesets_and_versions_are_listed_and_described() {
    let server = TestServer::start();
    let author = server.client(Some(AUTHOR));
    for (version, effective, factor) in DEMO_VERSIONS {
        author.publish_new(&demo_source(version, effective, factor));
    }
    author.publish_new(&bikes_source());

    let reader = server.client(Some(AUDITOR));
    let list = reader.get("/v1/rulesets");
    assert_eq!(list.status, 200);
    let list = list.json();
    assert_eq!(field_strs(&list["rulesets"], "name"), ["bikes", "demo"]);
    let demo = &list["rulesets"][1];
    assert_eq!(demo["latest"], "2.0.0");
    assert_eq!(
        field_strs(&demo["versions"], "version"),
        ["1.0.0", "1.1.0", "2.0.0"]
    );

    let one = reader.get("/v1/rulesets/demo");
    assert_eq!(one.status, 200);
    assert_eq!(&one.json(), demo);

    // One version, by exact version, requirement, `latest` or date.
    for (selector, expected) in [
        ("1.1.0", "1.1.0"),
        ("%5E1", "1.1.0"),
        ("latest", "2.0.0"),
        ("2026-04-01", "1.1.0"),
    ] {
        let answer = reader.get(&format!("/v1/rulesets/demo/versions/{selector}"));
        assert_eq!(answer.status, 200, "{selector}: {}", answer.text);
        assert_eq!(answer.json()["version"], expected, "{selector}");
    }
    let detail = reader.get("/v1/rulesets/demo/versions/1.0.0").json();
    assert_eq!(detail["effective"], "2026-01-01");
    assert_eq!(
        detail["source"],
        demo_source("1.0.0", "2026-01-01", 2).as_str()
    );
    assert_eq!(
        detail["input_schema"]["fields"],
        json!([{"name": "n", "type": "Int", "required": true}])
    );
    assert_eq!(detail["outputs"], json!(["result"]));

    let bikes = reader.get("/v1/rulesets/bikes/versions/2.0.0").json();
    let fields = bikes["input_schema"]["fields"].as_array().unwrap();
    let size = fields.iter().find(|f| f["name"] == "size").unwrap();
    assert_eq!(size["required"], false);
    assert_eq!(size["default"], "m");
    let ship_to = fields.iter().find(|f| f["name"] == "ship_to").unwrap();
    assert_eq!(ship_to["required"], true);
    assert_eq!(ship_to["fields"][0]["name"], "country");
    assert!(
        bikes["input_schema"]["enums"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "Frame" && e["values"][0] == "city")
    );

    // Unknown ruleset or version: 404; a selector that is none of the forms: 400.
    let missing = reader.get("/v1/rulesets/dmeo");
    missing.assert_error(404, "not_found");
    let missing = reader.get("/v1/rulesets/dmeo/versions/1.0.0");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["hint"], "did you mean `demo`?");
    let missing = reader.get("/v1/rulesets/demo/versions/3.0.0");
    assert_eq!(missing.status, 404, "{}", missing.text);
    let bad = reader.get("/v1/rulesets/demo/versions/not-a-version");
    bad.assert_error(400, "invalid_request");
}

#[test]
fn evaluation_picks_the_version_by_every_kind_of_selector() {
    let server = TestServer::start();
    let author = server.client(Some(AUTHOR));
    for (version, effective, factor) in DEMO_VERSIONS {
        author.publish_new(&demo_source(version, effective, factor));
    }
    let evaluator = server.client(Some(EVALUATOR));
    let cases = [
        (
            json!({"input": {"n": 5}, "version": "1.0.0"}),
            "1.0.0",
            "10",
        ),
        (json!({"input": {"n": 5}, "version": "^1"}), "1.1.0", "15"),
        (
            json!({"input": {"n": 5}, "version": "latest"}),
            "2.0.0",
            "20",
        ),
        (json!({"input": {"n": 5}}), "2.0.0", "20"),
        (
            json!({"input": {"n": 5}, "as_of": "2026-04-01"}),
            "1.1.0",
            "15",
        ),
        (
            json!({"input": {"n": 5}, "version": "2026-02-01"}),
            "1.0.0",
            "10",
        ),
        // An explicit version wins over `as_of`, which then only dates the evaluation.
        (
            json!({"input": {"n": 5}, "version": "2.0.0", "as_of": "2026-04-01"}),
            "2.0.0",
            "20",
        ),
    ];
    for (request, version, result) in cases {
        let answer = evaluator.evaluate("demo", &request);
        assert_eq!(answer.status, 200, "{request}: {}", answer.text);
        let body = answer.json();
        assert_eq!(body["ruleset"]["version"], version, "{request}");
        assert_eq!(body["outputs"]["result"], result, "{request}");
        assert!(answer.audit_id.is_some());
    }
    for request in [
        json!({"input": {"n": 5}, "version": "^3"}),
        json!({"input": {"n": 5}, "as_of": "2025-12-31"}),
    ] {
        let answer = evaluator.evaluate("demo", &request);
        assert_eq!(answer.status, 404, "{request}: {}", answer.text);
        assert_eq!(answer.kind(), "not_found");
    }
    let answer = evaluator.evaluate("nope", &json!({"input": {}}));
    assert_eq!(answer.status, 404);
}

#[test]
fn results_are_the_engines_byte_for_byte_and_audited_before_the_answer() {
    let server = TestServer::start();
    server.client(Some(AUTHOR)).publish_new(&bikes_source());
    let request = json!({"input": bikes_quote(), "version": "2.0.0"});
    let answer = server.client(Some(EVALUATOR)).evaluate("bikes", &request);
    assert_eq!(answer.status, 200, "{}", answer.text);

    let ruleset = ordo_engine::Ruleset::compile(&bikes_source()).unwrap();
    let expected = ruleset
        .evaluate(&bikes_quote(), &ordo_engine::EvalOptions::default())
        .unwrap();
    assert_eq!(answer.text, ordo_engine::to_json_string(&expected));
    assert!(answer.json()["quotes"]["quote"]["total"].is_string());

    // With a trace.
    let traced = server
        .client(Some(EVALUATOR))
        .evaluate("bikes", &json!({"input": bikes_quote(), "trace": true}));
    assert_eq!(traced.status, 200);
    assert!(traced.json().get("trace").is_some());

    let log = server.audit_log("?ruleset=bikes");
    let entry = &log["entries"][0];
    assert_audit_entry(entry, &answer, "ok");
    assert_eq!(entry["caller"], "pricing");
    assert_eq!(entry["operation"], "evaluate");
    assert_eq!(entry["ruleset"], "bikes");
    assert_eq!(entry["version"], "2.0.0");
    assert_eq!(entry["hash"], ruleset.hash());
    assert_eq!(entry["request"], request);
    assert!(entry["at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(log["entries"][1]["id"], traced.audit_id.unwrap());
    assert_eq!(log["next_cursor"], Json::Null);
}

#[test]
fn evaluation_errors_carry_the_engines_kinds_and_are_audited() {
    let server = TestServer::start();
    server.client(Some(AUTHOR)).publish_new(&bikes_source());
    let evaluator = server.client(Some(EVALUATOR));

    let mut quote = bikes_quote();
    quote.as_object_mut().unwrap().remove("quantity");
    let missing = evaluator.evaluate("bikes", &json!({"input": quote}));
    missing.assert_error(422, "missing_input");
    let error = &missing.json()["error"];
    assert_eq!(error["path"], "quantity");
    assert!(error["message"].as_str().unwrap().contains("quantity"));

    let mut quote = bikes_quote();
    quote["frame"] = json!("tandem");
    let invalid = evaluator.evaluate("bikes", &json!({"input": quote}));
    invalid.assert_error(422, "invalid_input");

    let mut quote = bikes_quote();
    quote["colour"] = json!("red");
    let unknown = evaluator.evaluate("bikes", &json!({"input": quote}));
    unknown.assert_error(422, "unknown_field");

    // Malformed requests are the engine's `invalid_request`, 400.
    let not_json = evaluator.post_text("/v1/rulesets/bikes/evaluate", "{\"input\": ");
    not_json.assert_error(400, "invalid_request");
    // A key given twice: in the input, an invalid input at its path; elsewhere in the request,
    // an invalid request. A JSON tree would have kept only the last of them.
    let quote = bikes_quote().to_string();
    let twice = format!(
        "{{\"input\": {}, \"quantity\": 1}}}}",
        quote.strip_suffix('}').unwrap()
    );
    let repeated_in_input = evaluator.post_text("/v1/rulesets/bikes/evaluate", &twice);
    repeated_in_input.assert_error(422, "invalid_input");
    assert_eq!(repeated_in_input.json()["error"]["path"], "quantity");
    let twice = format!("{{\"input\": {quote}, \"trace\": true, \"trace\": false}}");
    let repeated_in_request = evaluator.post_text("/v1/rulesets/bikes/evaluate", &twice);
    repeated_in_request.assert_error(400, "invalid_request");
    // A byte-order mark in front of the body is skipped.
    let with_bom = format!("\u{feff}{{\"input\": {quote}}}");
    let answer = evaluator.post_text("/v1/rulesets/bikes/evaluate", &with_bom);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let typo = evaluator.evaluate("bikes", &json!({"inptu": bikes_quote()}));
    typo.assert_error(400, "invalid_request");
    let bad_date = evaluator.evaluate(
        "bikes",
        &json!({"input": bikes_quote(), "as_of": "01/03/2026"}),
    );
    bad_date.assert_error(400, "invalid_request");
    let bad_selector =
        evaluator.evaluate("bikes", &json!({"input": bikes_quote(), "version": "two"}));
    assert_eq!(bad_selector.status, 400);

    // Every one of them is in the log with its kind and the digest of the answered error.
    let log = server.audit_log("");
    let entries = entries(&log);
    let answers = [
        &missing,
        &invalid,
        &unknown,
        &not_json,
        &repeated_in_input,
        &repeated_in_request,
        &answer,
        &typo,
        &bad_date,
        &bad_selector,
    ];
    assert_eq!(entries.len(), answers.len());
    for (entry, answer) in entries.iter().zip(answers) {
        let outcome = if answer.status == 200 {
            "ok".to_string()
        } else {
            answer.kind()
        };
        assert_audit_entry(entry, answer, &outcome);
    }
    // A request that did not resolve a version records none; one that did, records it.
    assert_eq!(entries[0]["version"], "2.0.0");
    assert_eq!(entries[3]["version"], Json::Null);
    assert_eq!(entries[3]["request"], "{\"input\": ");
}

#[test]
fn the_audit_log_filters_and_pages() {
    let server = TestServer::start();
    let author = server.client(Some(AUTHOR));
    // demo 1.0.0 and 1.1.0, and bikes.
    for (version, effective, factor) in &DEMO_VERSIONS[..2] {
        author.publish_new(&demo_source(version, effective, *factor));
    }
    author.publish_new(&bikes_source());
    let pricing = server.client(Some(EVALUATOR));
    let shop = server.client(Some(SHOP));
    let mut ids = Vec::new();
    for n in 0..6 {
        let (client, version) = if n % 2 == 0 {
            (&pricing, "1.0.0")
        } else {
            (&shop, "1.1.0")
        };
        let answer = client.evaluate("demo", &json!({"input": {"n": n}, "version": version}));
        assert_eq!(answer.status, 200);
        ids.push(answer.audit_id.unwrap());
    }
    let answer = shop.evaluate("bikes", &json!({"input": bikes_quote()}));
    ids.push(answer.audit_id.unwrap());
    assert!(ids.windows(2).all(|w| w[0] < w[1]));

    let page = |query: &str| server.audit_log(query);
    assert_eq!(entry_ids(&page("")), ids);
    assert_eq!(entry_ids(&page("?ruleset=demo")).len(), 6);
    assert_eq!(entry_ids(&page("?ruleset=bikes")), [ids[6]]);
    assert_eq!(
        entry_ids(&page("?ruleset=demo&version=1.1.0")),
        [ids[1], ids[3], ids[5]]
    );
    assert_eq!(
        entry_ids(&page("?caller=pricing")),
        [ids[0], ids[2], ids[4]]
    );
    assert_eq!(
        entry_ids(&page("?caller=shop&ruleset=demo")),
        [ids[1], ids[3], ids[5]]
    );
    assert!(entry_ids(&page("?caller=nobody")).is_empty());

    // Time filters: `from` is inclusive, `to` exclusive.
    let all = page("");
    let at = |i: usize| all["entries"][i]["at"].as_str().unwrap().to_string();
    let from = at(3);
    let to = at(5);
    let window = entry_ids(&page(&format!("?from={from}&to={to}")));
    assert!(
        window.contains(&ids[3]) && window.contains(&ids[4]),
        "{window:?}"
    );
    assert!(
        !window.contains(&ids[5]) && !window.contains(&ids[2]),
        "{window:?}"
    );
    assert!(entry_ids(&page("?from=2999-01-01T00:00:00Z")).is_empty());
    assert_eq!(entry_ids(&page("?to=2999-01-01T00:00:00%2B02:00")), ids);

    // Paging: three pages of at most three entries, cursor to cursor.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &cursor {
            Some(cursor) => format!("?limit=3&cursor={cursor}"),
            None => "?limit=3".to_string(),
        };
        let p = page(&query);
        pages += 1;
        seen.extend(entry_ids(&p));
        match p["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
    let filtered = page("?caller=shop&limit=2");
    assert_eq!(entry_ids(&filtered), [ids[1], ids[3]]);
    let next = filtered["next_cursor"].as_str().unwrap();
    assert_eq!(
        entry_ids(&page(&format!("?caller=shop&limit=2&cursor={next}"))),
        [ids[5], ids[6]]
    );

    let auditor = server.client(Some(AUDITOR));
    for bad in [
        "?limit=0",
        "?limit=5000",
        "?limit=x",
        "?cursor=abc",
        "?from=yesterday",
        "?to=2026-13-01",
    ] {
        let answer = auditor.get(&format!("/v1/audit{bad}"));
        assert_eq!(answer.status, 400, "{bad}: {}", answer.text);
        assert_eq!(answer.kind(), "invalid_request", "{bad}");
    }
}

/// Each protected route, the roles that may call it, and a request to call it with.
fn protected_routes() -> Vec<(
    &'static str,
    &'static str,
    Option<Json>,
    &'static [&'static str],
)> {
    let evaluation = json!({"input": bikes_quote()});
    let workflow =
        json!({"workflow": "order", "state": "draft", "actor": "sales", "input": bikes_quote()});
    let timer = json!({
        "workflow": "order", "state": "submitted", "trigger": "approval_reminder",
        "input": bikes_quote(),
        "event": {"instance": "SO-1", "seq": 2, "at": "2026-03-03T09:00:00Z", "entered_at": "2026-03-01T09:00:00Z"}
    });
    vec![
        (
            "POST",
            "/v1/rulesets",
            Some(json!({"source": bikes_source()})),
            &["admin", "author"],
        ),
        (
            "GET",
            "/v1/rulesets",
            None,
            &["admin", "author", "evaluator", "auditor"],
        ),
        (
            "GET",
            "/v1/rulesets/bikes",
            None,
            &["admin", "author", "evaluator", "auditor"],
        ),
        (
            "GET",
            "/v1/rulesets/bikes/versions/2.0.0",
            None,
            &["admin", "author", "evaluator", "auditor"],
        ),
        (
            "POST",
            "/v1/rulesets/bikes/evaluate",
            Some(evaluation),
            &["admin", "evaluator"],
        ),
        (
            "POST",
            "/v1/rulesets/bikes/configure",
            Some(json!({"input": {}})),
            &["admin", "evaluator"],
        ),
        (
            "POST",
            "/v1/rulesets/bikes/transitions",
            Some(workflow.clone()),
            &["admin", "evaluator"],
        ),
        (
            "POST",
            "/v1/rulesets/bikes/apply",
            Some(workflow),
            &["admin", "evaluator"],
        ),
        (
            "POST",
            "/v1/rulesets/bikes/fire_timer",
            Some(timer),
            &["admin", "evaluator"],
        ),
        ("GET", "/v1/audit", None, &["admin", "auditor"]),
    ]
}

fn call(client: &Client, method: &str, path: &str, body: &Option<Json>) -> Answer {
    client
        .try_send(method, path, body.as_ref().map(Json::to_string))
        .unwrap()
}

#[test]
fn every_role_is_allowed_exactly_its_routes() {
    let server = TestServer::start();
    server.client(Some(ADMIN)).publish_new(&bikes_source());
    let roles = [
        ("admin", ADMIN),
        ("author", AUTHOR),
        ("evaluator", EVALUATOR),
        ("auditor", AUDITOR),
    ];
    for (method, path, body, allowed) in protected_routes() {
        for (role, token) in roles {
            let answer = call(&server.client(Some(token)), method, path, &body);
            if allowed.contains(&role) {
                assert!(
                    answer.status != 401 && answer.status != 403,
                    "{role} must be allowed {method} {path}: {} {}",
                    answer.status,
                    answer.text
                );
            } else {
                assert_eq!(
                    answer.status, 403,
                    "{role} must be refused {method} {path}: {}",
                    answer.text
                );
                assert_eq!(answer.kind(), "forbidden");
            }
        }
        // No token, a malformed header, an unknown token: 401 with a Bearer challenge.
        for client in [
            server.client(None),
            server.client(Some("not-a-known-token-at-all")),
        ] {
            let answer = call(&client, method, path, &body);
            assert_eq!(answer.status, 401, "{method} {path}: {}", answer.text);
            assert_eq!(answer.kind(), "unauthorized");
            assert_eq!(answer.www_authenticate.as_deref(), Some("Bearer"));
        }
        let mut stream = server.connect();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l\r\nContent-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).unwrap();
        assert!(raw.starts_with("HTTP/1.1 401"), "{raw}");
    }
    // Service routes need no token.
    let anonymous = server.client(None);
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        assert_eq!(anonymous.get(path).status, 200, "{path}");
    }
}

#[test]
fn an_open_server_treats_every_local_caller_as_anonymous_admin() {
    let server = TestServer::start_with(|config| config.tokens = None);
    let anyone = server.client(None);
    let published = anyone.publish_new(&bikes_source());
    assert_eq!(published.json()["published_by"], "anonymous");
    let answer = anyone.evaluate("bikes", &json!({"input": bikes_quote()}));
    assert_eq!(answer.status, 200);
    let log = anyone.get("/v1/audit").json();
    assert_eq!(log["entries"][0]["caller"], "anonymous");
}

#[test]
fn an_open_server_refuses_a_network_address() {
    let dir = TempDir::new("open");
    let config = ordo_http::ServeConfig {
        addr: "0.0.0.0:0".parse().unwrap(),
        db: dir.path("ordo.db"),
        tokens: None,
        ..ordo_http::ServeConfig::default()
    };
    let refused = block_on(ordo_http::Server::bind(&config));
    assert!(matches!(
        refused,
        Err(ordo_http::ServeError::OpenToNetwork(_))
    ));
}

#[test]
fn without_audit_nothing_is_logged() {
    let server = TestServer::start_with(|config| config.audit = false);
    server.client(Some(AUTHOR)).publish_new(&bikes_source());
    let answer = server
        .client(Some(EVALUATOR))
        .evaluate("bikes", &json!({"input": bikes_quote()}));
    assert_eq!(answer.status, 200);
    assert_eq!(answer.audit_id, None);
    // Nor a refused publication.
    let refused = server.client(Some(AUTHOR)).publish(BROKEN);
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.audit_id, None);
    assert_eq!(server.audit_log("")["entries"], json!([]));
}

#[test]
fn unknown_routes_and_methods_answer_json_errors() {
    let server = TestServer::start();
    let admin = server.client(Some(ADMIN));
    let missing = admin.get("/v2/rulesets");
    missing.assert_error(404, "not_found");
    assert!(missing.content_type.starts_with("application/json"));
    let wrong = admin.send("DELETE", "/v1/rulesets");
    wrong.assert_error(405, "method_not_allowed");
    assert!(wrong.allow.unwrap().contains("POST"));
    let wrong = admin.send("PUT", "/v1/rulesets/bikes/evaluate");
    assert_eq!(wrong.status, 405);
}

#[test]
fn bodies_over_the_limit_are_refused() {
    let server = TestServer::start_with(|config| config.max_body_bytes = 4096);
    let author = server.client(Some(AUTHOR));
    let big = json!({"source": format!("// {}\n{}", "x".repeat(8000), bikes_source())});
    let answer = author.post("/v1/rulesets", &big);
    answer.assert_error(413, "payload_too_large");

    // Without a Content-Length (chunked), the limit is found while reading.
    let mut stream = server.connect();
    let chunk = "y".repeat(3000);
    write!(
        stream,
        "POST /v1/rulesets/bikes/evaluate HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {EVALUATOR}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    for _ in 0..3 {
        let _ = write!(stream, "{:x}\r\n{chunk}\r\n", chunk.len());
    }
    let _ = write!(stream, "0\r\n\r\n");
    let mut raw = String::new();
    let _ = stream.read_to_string(&mut raw);
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
    assert!(raw.contains("\"kind\":\"payload_too_large\""), "{raw}");

    // Under the limit works.
    author.publish_new(&demo_source("1.0.0", "2026-01-01", 2));
}

#[test]
fn slow_requests_time_out() {
    let server =
        TestServer::start_with(|config| config.request_timeout = Duration::from_millis(500));
    let mut stream = server.connect();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // Announce a body and never send it.
    write!(
        stream,
        "POST /v1/rulesets/bikes/evaluate HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {EVALUATOR}\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{"
    )
    .unwrap();
    let mut raw = Vec::new();
    let mut buffer = [0u8; 4096];
    // Read until the answer's body is there (the server may keep the socket open).
    while !String::from_utf8_lossy(&raw).contains("}}") {
        let n = stream.read(&mut buffer).unwrap();
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buffer[..n]);
    }
    let raw = String::from_utf8_lossy(&raw);
    assert!(raw.starts_with("HTTP/1.1 408"), "{raw}");
    assert!(raw.contains("\"kind\":\"timeout\""), "{raw}");
}

#[test]
fn when_the_audit_log_cannot_be_written_no_result_is_given() {
    let server = TestServer::start();
    server.client(Some(AUTHOR)).publish_new(&bikes_source());
    let evaluator = server.client(Some(EVALUATOR));
    assert_eq!(
        evaluator
            .evaluate("bikes", &json!({"input": bikes_quote()}))
            .status,
        200
    );
    assert_eq!(server.client(None).get("/readyz").status, 200);

    // The store's writer stops (as when the disk fails).
    block_on(server.state.store().stop());

    let answer = evaluator.evaluate("bikes", &json!({"input": bikes_quote()}));
    answer.assert_error(503, "unavailable");
    assert!(!answer.text.contains("total"));
    server
        .client(None)
        .get("/readyz")
        .assert_error(503, "unavailable");
    let publish = server
        .client(Some(AUTHOR))
        .publish(&demo_source("1.0.0", "2026-01-01", 2));
    assert_eq!(publish.status, 503);
    // A refusal is not answered either when its audit entry cannot be written.
    let refused = server.client(Some(AUTHOR)).publish(BROKEN);
    refused.assert_error(503, "unavailable");
    assert_eq!(refused.audit_id, None);
    // Reads still work.
    assert_eq!(entries(&server.audit_log("")).len(), 1);
}

#[test]
fn readiness_fails_while_shutting_down() {
    let server = TestServer::start();
    let ready = server.client(None).get("/readyz");
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json(), json!({"status": "ready", "versions": 0}));
    server.state.begin_shutdown();
    let ready = server.client(None).get("/readyz");
    assert_eq!(ready.status, 503);
    assert_eq!(
        server.client(None).get("/healthz").json(),
        json!({"status": "ok"})
    );
}

#[test]
fn metrics_count_requests_and_time_them_per_route() {
    let server = TestServer::start();
    let admin = server.client(Some(ADMIN));
    admin.publish_new(&bikes_source());
    for _ in 0..3 {
        assert_eq!(
            admin
                .evaluate("bikes", &json!({"input": bikes_quote()}))
                .status,
            200
        );
    }
    assert_eq!(admin.evaluate("bikes", &json!({"input": {}})).status, 422);
    let _ = admin.get("/nowhere");
    let metrics = server.client(None).get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .content_type
            .starts_with("application/openmetrics-text")
    );
    let text = metrics.text;
    for line in [
        "ordo_http_requests_total{method=\"POST\",route=\"/v1/rulesets/{name}/evaluate\",status=\"200\"} 3",
        "ordo_http_requests_total{method=\"POST\",route=\"/v1/rulesets/{name}/evaluate\",status=\"422\"} 1",
        "ordo_http_requests_total{method=\"POST\",route=\"/v1/rulesets\",status=\"201\"} 1",
        "ordo_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1",
        "ordo_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/rulesets/{name}/evaluate\"} 4",
        "ordo_http_request_duration_seconds_bucket{le=\"+Inf\",method=\"POST\",route=\"/v1/rulesets/{name}/evaluate\"} 4",
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    // Five writes: a publication and four audit entries, in one or more transactions.
    let rows: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("ordo_store_commit_rows_sum "))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(rows, 5.0);
}

#[test]
fn published_versions_and_the_log_survive_a_restart() {
    let dir = TempDir::new("restart");
    let config = TestServer::config(&dir);
    let first = TestServer::run(config.clone(), TempDir::new("unused"));
    first.client(Some(AUTHOR)).publish_new(&bikes_source());
    let answer = first
        .client(Some(EVALUATOR))
        .evaluate("bikes", &json!({"input": bikes_quote()}));
    first.stop().unwrap();

    let second = TestServer::run(config, TempDir::new("unused"));
    let again = second
        .client(Some(EVALUATOR))
        .evaluate("bikes", &json!({"input": bikes_quote()}));
    assert_eq!(again.status, 200);
    assert_eq!(again.text, answer.text);
    assert!(again.audit_id.unwrap() > answer.audit_id.unwrap());
    assert_eq!(entries(&second.audit_log("")).len(), 2);
    assert_eq!(
        second.client(Some(AUTHOR)).publish(&bikes_source()).status,
        200
    );
}
