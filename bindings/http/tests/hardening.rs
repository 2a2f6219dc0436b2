#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Requests that must not take the server down: deep sources, refused callers, made-up
//! methods, half-sent requests, heavy publications, long names, requests of web pages, long
//! URIs; refused callers of evaluation-type requests are audited.

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::{AUTHOR, EVALUATOR, TestServer, entries, sha256_hex};

/// A ruleset whose one output nests `if ... then ... else` `depth` deep.
fn nested_source(depth: usize) -> String {
    let mut expression = String::from("0");
    for i in 0..depth {
        expression = format!("if n > {i} then {i} else {expression}");
    }
    format!(
        "ruleset deep version \"1.0.0\"\n\ninput {{\n  n: Int\n}}\n\noutput result = {expression}\n"
    )
}

#[test]
fn deep_publications_are_answered_and_the_server_stays_up() {
    let server = TestServer::start();
    let author = server.client(Some(AUTHOR));
    for depth in [600, 5_000] {
        let answer = author.publish(&nested_source(depth));
        answer.assert_error(422, "compile");
        assert!(answer.text.contains("nest more than"), "{}", answer.text);
        assert!(answer.audit_id.is_some(), "{}", answer.text);
        assert_eq!(server.client(None).get("/healthz").status, 200);
    }
    // The deepest legal source is published, stored, served and evaluated.
    let legal = ordo_dsl::MAX_DEPTH - 2;
    author.publish_new(&nested_source(legal));
    let answer = server
        .client(Some(EVALUATOR))
        .evaluate("deep", &serde_json::json!({"input": {"n": 0}}));
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(server.client(None).get("/healthz").status, 200);
}

#[test]
fn a_refused_caller_cannot_make_the_server_parse() {
    let server = TestServer::start();
    let answer = server
        .client(Some(EVALUATOR))
        .publish(&nested_source(5_000));
    answer.assert_error(403, "forbidden");
    assert_eq!(server.client(None).get("/healthz").status, 200);
}

/// The number of lines of the `/metrics` exposition (values change, label sets must not).
fn metric_lines(server: &TestServer) -> usize {
    let metrics = server.client(None).get("/metrics");
    assert_eq!(metrics.status, 200);
    metrics.text.lines().count()
}

#[test]
fn made_up_methods_do_not_grow_the_metrics() {
    let server = TestServer::start();
    let made_up = |i: usize| {
        let answer = server.raw(&format!(
            "XMETHOD{i} /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        ));
        assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    };
    made_up(0);
    metric_lines(&server);
    let before = metric_lines(&server);
    for i in 1..=2_000 {
        made_up(i);
    }
    let after = metric_lines(&server);
    assert_eq!(before, after, "made-up methods grew /metrics");
    let text = server.client(None).get("/metrics").text;
    assert!(text.contains("method=\"OTHER\""), "{text}");
    assert!(!text.contains("XMETHOD"), "{text}");
    assert_eq!(server.client(None).get("/healthz").status, 200);
}

#[test]
fn half_sent_requests_do_not_stop_the_server_accepting() {
    let server = TestServer::start_with(|config| {
        config.max_connections = 50;
        config.header_timeout = Duration::from_secs(1);
    });
    // Six times the cap of connections, each stopping in the middle of its headers.
    let mut half_sent = Vec::new();
    for _ in 0..300 {
        let mut stream = server.connect();
        let _ = stream.write_all(b"POST /v1/rulesets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-");
        half_sent.push(stream);
    }
    // A normal request is answered: the cap keeps descriptors for it and the header deadline
    // frees the slots the half-sent requests hold.
    let answer = server.client(None).get("/healthz");
    assert_eq!(answer.status, 200, "{}", answer.text);
    let published =
        server
            .client(Some(AUTHOR))
            .publish(&common::demo_source("1.0.0", "2026-01-01", 2));
    assert_eq!(published.status, 201, "{}", published.text);
    // The server closed the first half-sent connection (it did not wait for the rest).
    let first = half_sent.first_mut().unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut rest = Vec::new();
    let closed = first.read_to_end(&mut rest);
    assert!(
        closed.is_ok()
            || closed
                .as_ref()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "the half-sent connection is still open: {closed:?}"
    );
    drop(half_sent);
    let started = Instant::now();
    assert_eq!(server.client(None).get("/healthz").status, 200);
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A ruleset `name` whose decision table has `rows` rows (one per value of `n`, then a default).
fn table_source(name: &str, version: &str, rows: usize) -> String {
    let mut source = format!(
        "ruleset {name} version \"{version}\"\n\ninput {{\n  n: Int\n}}\n\ndecision rate hit first {{\n  | n || r |\n"
    );
    for row in 0..rows.saturating_sub(1) {
        source.push_str(&format!("  | {row} || {row} |\n"));
    }
    source.push_str("  | - || 0 |\n}\n\noutput result = rate\n");
    source
}

#[test]
fn publications_over_the_size_limits_are_refused_with_json() {
    let server = TestServer::start_with(|config| {
        config.max_source_bytes = 4_000;
        config.max_table_rows = 100;
    });
    let author = server.client(Some(AUTHOR));
    let large = author.publish(&table_source("large", "1.0.0", 400));
    large.assert_error(413, "source_too_large");
    assert_eq!(large.json()["error"]["limit"], 4_000, "{}", large.text);
    assert!(large.audit_id.is_some());
    let rows = author.publish(&table_source("rows", "1.0.0", 101));
    rows.assert_error(422, "too_many_rows");
    let error = &rows.json()["error"];
    assert_eq!(
        (error["table"].as_str(), error["rows"].as_u64()),
        (Some("rate"), Some(101))
    );
    // At the limits, it is published.
    author.publish_new(&table_source("rows", "1.0.0", 100));
    assert_eq!(server.client(None).get("/healthz").status, 200);
}

#[test]
fn a_long_unknown_name_is_answered_without_a_suggestion() {
    let server = TestServer::start();
    let name = "q".repeat(10_000);
    let source = format!(
        "ruleset long version \"1.0.0\"\n\ninput {{\n  {near}: Int\n}}\n\noutput result = {name} + 1\n",
        near = "q".repeat(9_990)
    );
    let started = Instant::now();
    let answer = server.client(Some(AUTHOR)).publish(&source);
    answer.assert_error(422, "compile");
    let diagnostic = &answer.json()["error"]["diagnostics"][0];
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .contains("unknown name"),
        "{diagnostic}"
    );
    assert!(
        diagnostic
            .get("hint")
            .is_none_or(|hint| !hint.to_string().contains("did you mean")),
        "{diagnostic}"
    );
    // Only to detect a hang: the suggestion used to take many seconds.
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.client(None).get("/healthz").status, 200);
}

#[test]
fn a_burst_past_the_cpu_queue_is_refused_with_retry_after() {
    let server = TestServer::start_with(|config| {
        config.cpu_jobs = 1;
        config.cpu_queue = 1;
    });
    let heavy: Vec<String> = (0..8)
        .map(|i| table_source("burst", &format!("1.0.{i}"), 3_000))
        .collect();
    let answers: Vec<common::Answer> = std::thread::scope(|scope| {
        let threads: Vec<_> = heavy
            .iter()
            .map(|source| {
                let author = server.client(Some(AUTHOR));
                scope.spawn(move || author.publish(source))
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let refused: Vec<&common::Answer> = answers.iter().filter(|a| a.status == 503).collect();
    assert!(!refused.is_empty(), "no request was refused");
    for answer in &answers {
        assert!(
            matches!(answer.status, 201 | 503),
            "{}: {}",
            answer.status,
            answer.text
        );
    }
    for answer in refused {
        answer.assert_error(503, "overloaded");
        assert_eq!(answer.retry_after.as_deref(), Some("1"));
    }
    // Once the burst is over, the server works again.
    assert_eq!(server.client(None).get("/healthz").status, 200);
    let answer = server
        .client(Some(EVALUATOR))
        .evaluate("burst", &serde_json::json!({"input": {"n": 7}}));
    assert!(matches!(answer.status, 200 | 404), "{}", answer.text);
}

/// The status and the JSON body of a raw answer.
fn status_and_json(raw: &str) -> (u16, serde_json::Value) {
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {raw}"));
    let body = raw.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    let json = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {raw}"));
    (status, json)
}

/// A `POST` of `body` to `path` with extra header lines (each ending in CRLF).
fn post(server: &TestServer, path: &str, headers: &str, body: &str) -> (u16, serde_json::Value) {
    status_and_json(&server.raw(&format!(
        "POST {path} HTTP/1.1\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )))
}

#[test]
fn only_json_bodies_are_accepted() {
    let server = TestServer::start();
    let source = common::demo_source("1.0.0", "2026-01-01", 2);
    let body = serde_json::json!({ "source": source }).to_string();
    let author = format!("Host: 127.0.0.1\r\nAuthorization: Bearer {AUTHOR}\r\n");
    for content_type in [
        "Content-Type: text/plain\r\n",
        "Content-Type: application/x-www-form-urlencoded\r\n",
        "",
    ] {
        let (status, answer) = post(
            &server,
            "/v1/rulesets",
            &format!("{author}{content_type}"),
            &body,
        );
        assert_eq!(status, 415, "{content_type}: {answer}");
        assert_eq!(
            answer["error"]["kind"], "unsupported_media_type",
            "{answer}"
        );
    }
    assert_eq!(
        server.client(Some(AUTHOR)).get("/v1/rulesets").json()["rulesets"],
        serde_json::json!([])
    );
    let (status, answer) = post(
        &server,
        "/v1/rulesets",
        &format!("{author}Content-Type: application/json; charset=utf-8\r\n"),
        &body,
    );
    assert_eq!(status, 201, "{answer}");
    let (status, answer) = post(
        &server,
        "/v1/rulesets/demo/evaluate",
        &format!(
            "Host: 127.0.0.1\r\nAuthorization: Bearer {EVALUATOR}\r\nContent-Type: text/plain\r\n"
        ),
        r#"{"input": {"n": 1}}"#,
    );
    assert_eq!(status, 415, "{answer}");
    assert_eq!(server.client(None).get("/healthz").status, 200);
}

#[test]
fn an_open_server_answers_only_its_own_machine() {
    let server = TestServer::start_with(|config| config.tokens = None);
    let source = common::demo_source("1.0.0", "2026-01-01", 2);
    let body = serde_json::json!({ "source": source }).to_string();
    let json = "Content-Type: application/json\r\n";
    // DNS rebinding: a name of another site that resolves to 127.0.0.1.
    for host in [
        "Host: evil.example\r\n",
        "Host: evil.example:8080\r\n",
        "Host: localhost.evil.example\r\n",
        "",
    ] {
        let (status, answer) = post(&server, "/v1/rulesets", &format!("{host}{json}"), &body);
        assert_eq!(status, 403, "{host}: {answer}");
        assert_eq!(answer["error"]["kind"], "forbidden", "{answer}");
    }
    // A page of another site.
    for origin in ["https://evil.example", "null", "http://192.168.1.10:8080"] {
        let (status, answer) = post(
            &server,
            "/v1/rulesets",
            &format!("Host: 127.0.0.1\r\nOrigin: {origin}\r\n{json}"),
            &body,
        );
        assert_eq!(status, 403, "{origin}: {answer}");
    }
    assert_eq!(
        server.client(None).get("/v1/rulesets").json()["rulesets"],
        serde_json::json!([])
    );
    // This machine, by any loopback name, and a page served from it.
    let (status, answer) = post(
        &server,
        "/v1/rulesets",
        &format!("Host: localhost:8080\r\nOrigin: http://localhost:3000\r\n{json}"),
        &body,
    );
    assert_eq!(status, 201, "{answer}");
    let (status, answer) = post(
        &server,
        "/v1/rulesets/demo/evaluate",
        &format!("Host: [::1]\r\n{json}"),
        r#"{"input": {"n": 1}}"#,
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(server.client(None).get("/healthz").status, 200);
}

#[test]
fn a_server_with_tokens_does_not_check_the_host() {
    let server = TestServer::start();
    let (status, answer) =
        status_and_json(&server.raw(
            "GET /healthz HTTP/1.1\r\nHost: ordo.internal.example\r\nConnection: close\r\n\r\n",
        ));
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn refused_callers_of_evaluation_requests_are_audited() {
    let server = TestServer::start();
    server
        .client(Some(AUTHOR))
        .publish_new(&common::demo_source("1.0.0", "2026-01-01", 2));
    let operations = [
        "evaluate",
        "configure",
        "transitions",
        "apply",
        "fire_timer",
        "start",
        "update",
    ];
    let body = serde_json::json!({"input": {"n": 1}});
    let mut expected = Vec::new();
    for operation in operations {
        let path = format!("/v1/rulesets/demo/{operation}");
        let unknown = server.client(None).post(&path, &body);
        unknown.assert_error(401, "unauthorized");
        assert_eq!(unknown.www_authenticate.as_deref(), Some("Bearer"));
        expected.push((operation, "", "unauthorized", unknown));
        let author = server.client(Some(AUTHOR)).post(&path, &body);
        author.assert_error(403, "forbidden");
        expected.push((operation, "ci", "forbidden", author));
    }
    let log = server.audit_log("?limit=100");
    let logged = entries(&log);
    assert_eq!(logged.len(), expected.len(), "{log}");
    for (entry, (operation, caller, outcome, answer)) in logged.iter().zip(&expected) {
        assert_eq!(entry["id"], answer.audit_id.unwrap(), "{entry}");
        assert_eq!(entry["operation"], *operation, "{entry}");
        assert_eq!(entry["caller"], *caller, "{entry}");
        assert_eq!(entry["ruleset"], "demo", "{entry}");
        assert_eq!(entry["outcome"], *outcome, "{entry}");
        assert_eq!(entry["result_sha256"], sha256_hex(&answer.text), "{entry}");
    }
    // The known caller's body is kept; an unknown caller's is not read.
    assert_eq!(logged[0]["request"], "", "{}", logged[0]);
    assert_eq!(logged[1]["request"], body, "{}", logged[1]);
}

#[test]
fn long_uris_are_answered_and_the_server_keeps_serving() {
    let server = TestServer::start();
    let long = server
        .client(Some(EVALUATOR))
        .get(&format!("/v1/rulesets/{}", "a".repeat(10_000)));
    long.assert_error(414, "uri_too_long");
    assert_eq!(long.json()["error"]["limit"], 8192);
    // Past what the HTTP layer reads, it answers by itself and closes: with a JSON body too.
    let answer = server.raw(&format!(
        "GET /{} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        "a".repeat(70_000)
    ));
    let (status, body) = status_and_json(&answer);
    assert_eq!(
        (status, &body["error"]["kind"]),
        (414, &serde_json::json!("uri_too_long")),
        "{answer}"
    );
    assert!(
        answer.contains("content-type: application/json\r\n"),
        "{answer}"
    );
    let many: String = (0..120).map(|i| format!("X-Header-{i}: {i}\r\n")).collect();
    let answer = server.raw(&format!(
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n{many}Connection: close\r\n\r\n"
    ));
    let (status, body) = status_and_json(&answer);
    assert_eq!(
        (status, &body["error"]["kind"]),
        (431, &serde_json::json!("headers_too_large")),
        "{answer}"
    );
    let answer = server.raw("GET /healthz HTTP/9\r\n\r\n");
    let (status, body) = status_and_json(&answer);
    assert_eq!(
        (status, &body["error"]["kind"]),
        (400, &serde_json::json!("invalid_request")),
        "{answer}"
    );
    assert_eq!(server.client(None).get("/healthz").status, 200);
}

#[test]
fn a_date_without_a_version_in_effect_is_named_plainly() {
    let server = TestServer::start();
    server
        .client(Some(AUTHOR))
        .publish_new(&common::demo_source("1.0.0", "2026-01-01", 2));
    let answer = server.client(Some(EVALUATOR)).evaluate(
        "demo",
        &serde_json::json!({"input": {"n": 1}, "version": "2025-06-01"}),
    );
    answer.assert_error(404, "not_found");
    let message = answer.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("`demo` has no version in effect on 2025-06-01"),
        "{message}"
    );
    let answer = server.client(Some(EVALUATOR)).evaluate(
        "demo",
        &serde_json::json!({"input": {"n": 1}, "version": "^3"}),
    );
    let message = answer.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("has no version matching `^3`"),
        "{message}"
    );
}

#[test]
fn a_publication_answered_408_after_its_commit_is_served() {
    let server = TestServer::start_with(|config| config.request_timeout = Duration::from_secs(2));
    // Another connection holds the store's write lock, so the publication's commit waits
    // (within the store's busy timeout) until the request has timed out.
    let blocker = rusqlite::Connection::open(server.dir.path("ordo.db")).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let answer =
        server
            .client(Some(AUTHOR))
            .publish(&common::demo_source("1.0.0", "2026-01-01", 2));
    answer.assert_error(408, "timeout");
    blocker.execute_batch("COMMIT").unwrap();
    // The commit goes through once the lock is free; the version is then served without a
    // restart (bounded wait for the writer, not a timing assertion).
    let reader = server.client(Some(EVALUATOR));
    let mut served = reader.get("/v1/rulesets/demo/versions/1.0.0");
    for _ in 0..200 {
        if served.status == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        served = reader.get("/v1/rulesets/demo/versions/1.0.0");
    }
    assert_eq!(served.status, 200, "{}", served.text);
    let stored: i64 = blocker
        .query_row("SELECT count(*) FROM ruleset_versions", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(stored, 1);
    let answer = reader.evaluate("demo", &serde_json::json!({"input": {"n": 1}}));
    assert_eq!(answer.status, 200, "{}", answer.text);
    // Publishing it again is the same content: 200, not a conflict.
    let again = server
        .client(Some(AUTHOR))
        .publish(&common::demo_source("1.0.0", "2026-01-01", 2));
    assert_eq!(again.status, 200, "{}", again.text);
}

#[test]
fn a_publication_that_times_out_stops_compiling_and_frees_its_worker() {
    let server = TestServer::start_with(|config| {
        config.cpu_jobs = 1;
        config.request_timeout = Duration::from_secs(2);
        config.max_table_rows = 100_000;
        config.max_source_bytes = 4 * 1024 * 1024;
        config.max_body_bytes = 8 * 1024 * 1024;
    });
    let author = server.client(Some(AUTHOR));
    // Compiling this table takes far longer than the timeout, on the only CPU worker.
    let answer = author.publish(&table_source("huge", "1.0.0", 40_000));
    answer.assert_error(408, "timeout");
    // The compile was cancelled, so the worker serves the next publication (which waits at
    // most a few timeouts for it, where the whole compile would have taken minutes).
    let small = common::demo_source("1.0.0", "2026-01-01", 2);
    let mut published = author.publish(&small);
    for _ in 0..5 {
        if published.status != 408 {
            break;
        }
        published = author.publish(&small);
    }
    assert_eq!(published.status, 201, "{}", published.text);
    assert_eq!(
        author.get("/v1/rulesets/huge").status,
        404,
        "the cancelled publication was stored"
    );
}

#[test]
fn a_caller_past_its_rate_limit_gets_429_with_retry_after() {
    let server = TestServer::start_with(|config| {
        config.rate_limit = Some(ordo_http::rate::RateLimit {
            burst: std::num::NonZeroU32::new(3).unwrap(),
            replenish: Duration::from_secs(3600),
        });
    });
    let evaluator = server.client(Some(EVALUATOR));
    for _ in 0..3 {
        assert_eq!(evaluator.get("/v1/rulesets").status, 200);
    }
    let refused = evaluator.get("/v1/rulesets");
    refused.assert_error(429, "rate_limited");
    let retry: u64 = refused.retry_after.as_deref().unwrap().parse().unwrap();
    assert!(retry > 60, "{retry}");
    assert_eq!(refused.json()["error"]["retry_after"], retry);
    // Each caller has its own bucket; probes are never limited.
    assert_eq!(server.client(Some(AUTHOR)).get("/v1/rulesets").status, 200);
    for _ in 0..5 {
        assert_eq!(server.client(None).get("/healthz").status, 200);
    }
    // Callers without a known token count by their address.
    for _ in 0..3 {
        assert_eq!(server.client(None).get("/metrics").status, 200);
    }
    server
        .client(None)
        .get("/metrics")
        .assert_error(429, "rate_limited");
    // A refused request does no work: nothing was audited for it.
    let refused = evaluator.evaluate("demo", &serde_json::json!({"input": {"n": 1}}));
    refused.assert_error(429, "rate_limited");
    assert!(refused.audit_id.is_none());
}

/// The bytes of the store's files (the database and its write-ahead log).
fn store_bytes(server: &TestServer) -> u64 {
    ["ordo.db", "ordo.db-wal"]
        .iter()
        .filter_map(|name| std::fs::metadata(server.dir.path(name)).ok())
        .map(|meta| meta.len())
        .sum()
}

/// An evaluation request of about `bytes` bytes (an input the engine refuses, audited all the
/// same).
fn padded_request(bytes: usize) -> String {
    format!(
        "{{\"input\": {{\"n\": 1, \"pad\": \"{}\"}}}}",
        "x".repeat(bytes)
    )
}

#[test]
fn bodies_past_the_audit_cap_are_kept_by_digest() {
    let server = TestServer::start_with(|config| config.audit_body_cap = 1024);
    server
        .client(Some(AUTHOR))
        .publish_new(&common::demo_source("1.0.0", "2026-01-01", 2));
    let evaluator = server.client(Some(EVALUATOR));
    let small = padded_request(100);
    let kept = evaluator.post_text("/v1/rulesets/demo/evaluate", &small);
    let large = padded_request(5000);
    let digested = evaluator.post_text("/v1/rulesets/demo/evaluate", &large);
    // A body that is not JSON and starts like the marker is kept by digest too, so no caller
    // can pass its own body off as another's digest.
    let forged = "\u{0}ordo-omitted-body {\"sha256\":\"00\",\"bytes\":1}";
    let forgery = evaluator.post_text("/v1/rulesets/demo/evaluate", forged);
    forgery.assert_error(400, "invalid_request");
    let log = server.audit_log("");
    let entry = |answer: &common::Answer| {
        entries(&log)
            .iter()
            .find(|e| e["id"].as_i64() == answer.audit_id)
            .unwrap()
            .clone()
    };
    let small_entry = entry(&kept);
    assert_eq!(small_entry["request"]["input"]["n"], 1);
    assert!(small_entry.get("request_omitted").is_none());
    let large_entry = entry(&digested);
    assert_eq!(large_entry["request"], serde_json::Value::Null);
    assert_eq!(
        large_entry["request_omitted"],
        serde_json::json!({"sha256": sha256_hex(&large), "bytes": large.len()})
    );
    // The rest of the entry is there as ever.
    assert_eq!(large_entry["result_sha256"], sha256_hex(&digested.text));
    let forged_entry = entry(&forgery);
    assert_eq!(
        forged_entry["request_omitted"]["sha256"],
        sha256_hex(forged)
    );
    assert_eq!(forged_entry["request_omitted"]["bytes"], forged.len());
}

#[test]
fn large_bodies_do_not_grow_the_audit_log() {
    // The default cap: 64 KiB.
    let server = TestServer::start();
    server
        .client(Some(AUTHOR))
        .publish_new(&common::demo_source("1.0.0", "2026-01-01", 2));
    let before = store_bytes(&server);
    let evaluator = server.client(Some(EVALUATOR));
    let body = padded_request(1_000_000);
    for _ in 0..40 {
        let answer = evaluator.post_text("/v1/rulesets/demo/evaluate", &body);
        assert!(answer.audit_id.is_some(), "{}", answer.text);
    }
    let grown = store_bytes(&server).saturating_sub(before);
    // 40 MB of bodies; their digests take a few kB.
    assert!(grown < 2 * 1024 * 1024, "the store grew by {grown} bytes");
    assert_eq!(entries(&server.audit_log("?limit=1000")).len(), 40);
}

#[test]
fn an_audit_page_stops_before_4_mib() {
    let server = TestServer::start();
    server
        .client(Some(AUTHOR))
        .publish_new(&common::demo_source("1.0.0", "2026-01-01", 2));
    let evaluator = server.client(Some(EVALUATOR));
    // 80 entries of 60 kB each (under the cap, kept as they are): 4.8 MB.
    let body = padded_request(60_000);
    for _ in 0..80 {
        evaluator.post_text("/v1/rulesets/demo/evaluate", &body);
    }
    let first = server
        .client(Some(common::AUDITOR))
        .get("/v1/audit?limit=1000");
    assert_eq!(first.status, 200);
    assert!(first.text.len() <= 4 * 1024 * 1024, "{}", first.text.len());
    let first = first.json();
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = server.audit_log(&format!("?limit=1000&cursor={cursor}"));
    assert!(second["next_cursor"].is_null());
    let (a, b) = (entries(&first).len(), entries(&second).len());
    assert!(a > 1 && b > 1, "{a} + {b}");
    assert_eq!(a + b, 80);
    let mut ids = common::entry_ids(&first);
    ids.extend(common::entry_ids(&second));
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

/// `/readyz` until it answers `status` (bounded; each refusal may take the probe's 2 s).
fn readyz_until(server: &TestServer, status: u16) -> common::Answer {
    let client = server.client(None);
    let mut last = client.get("/readyz");
    for _ in 0..30 {
        if last.status == status {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        last = client.get("/readyz");
    }
    last
}

#[test]
fn readyz_answers_503_while_the_store_cannot_commit() {
    let server = TestServer::start();
    assert_eq!(readyz_until(&server, 200).status, 200);
    // Another process holds the store's write lock: the server's writes wait.
    let other = rusqlite::Connection::open(server.dir.path("ordo.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let refused = readyz_until(&server, 503);
    refused.assert_error(503, "unavailable");
    assert!(refused.text.contains("commit"), "{}", refused.text);
    // Liveness is another matter.
    assert_eq!(server.client(None).get("/healthz").status, 200);
    other.execute_batch("ROLLBACK").unwrap();
    let ready = readyz_until(&server, 200);
    assert_eq!(ready.status, 200, "{}", ready.text);
}
