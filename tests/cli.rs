#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The `ordo` binary end to end: exit codes, output shapes, and clear errors (never a panic)
//! for malformed input of every kind.

mod common;

use common::ordo_with as ordo;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const PUMPS: &str = "tests/fixtures/conformance/pumps/ruleset.ordo";

#[test]
fn check_accepts_the_examples() {
    let out = ordo(
        &[
            "check",
            "examples/bikes/bikes.ordo",
            "examples/freight/freight.ordo",
            PUMPS,
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("sha256:"));
}

#[test]
fn check_reports_errors_with_location_and_exit_1() {
    let path = "tests/fixtures/conformance/compile_unknown_name/ruleset.ordo";
    let out = ordo(&["check", path], None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("unknown_name"), "{stderr}");
    assert!(stderr.contains("did you mean `quantity`?"), "{stderr}");
    let out = ordo(&["check", "--format", "json", path], None);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["diagnostics"][0]["kind"], "unknown_name");
    assert_eq!(json[0]["diagnostics"][0]["line"], 8);
}

#[test]
fn eval_prints_the_result() {
    let input =
        r#"{"model": "p200", "quantity": 12, "customer": {"tier": "gold", "country": "DE"}}"#;
    let out = ordo(&["eval", PUMPS, "--input", "-"], Some(input));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["quotes"]["quote"]["total"], "23776.20");
    assert_eq!(json["valid"], true);
}

#[test]
fn eval_trace_explains_lines_and_decisions() {
    let input =
        r#"{"model": "p200", "quantity": 60, "customer": {"tier": "gold", "country": "DE"}}"#;
    let out = ordo(&["eval", PUMPS, "--input", "-", "--trace"], Some(input));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["quotes"]["quote"]["lines"][0]["explain"],
        "60 × 1850.00"
    );
    assert_eq!(
        json["quotes"]["quote"]["lines"][1]["explain"],
        "8% of list 111000.00"
    );
    let trace = json["trace"].as_array().unwrap();
    let volume = trace.iter().find(|t| t["id"] == "volume_rate").unwrap();
    assert_eq!(volume["rows"][0]["row"], 2);
    assert_eq!(volume["value"], "0.08");
}

/// Every malformed input exits 1 with a message naming the problem, never a panic.
#[test]
fn malformed_inputs_are_clear_errors() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!(
        r#"{{"model": "p200", "quantity": 1, "customer": {}1{}}}"#,
        "{\"a\":".repeat(100),
        "}".repeat(100)
    );
    let cases: Vec<(String, &str)> = vec![
        ("{not json".into(), "not valid JSON"),
        (deep, "not valid JSON"),
        (deep_object, "customer.a"),
        ("[]".into(), "must be a JSON object"),
        (r#"{"model": "p200", "quantity": 1e400, "customer": {"country": "DE"}}"#.into(), "quantity"),
        (r#"{"model": "p200", "quantity": "99999999999999999999999999999999", "customer": {"country": "DE"}}"#.into(), "quantity"),
        (r#"{"model": "p200", "quantity": true, "customer": {"country": "DE"}}"#.into(), "quantity"),
        (r#"{"model": 7, "quantity": 1, "customer": {"country": "DE"}}"#.into(), "model"),
        (r#"{"model": "p200", "quantity": 1, "customer": {"country": "DE"}, "extras": "heater"}"#.into(), "extras"),
        (r#"{"model": "p200", "quantity": 10000000000000000000000000000, "customer": {"country": "DE"}}"#.into(), "overflow"),
    ];
    for (input, needle) in cases {
        let out = ordo(&["eval", PUMPS, "--input", "-"], Some(&input));
        let stderr = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "input {}: {stderr}",
            &input.chars().take(80).collect::<String>()
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stderr.contains(needle), "expected `{needle}` in: {stderr}");
        assert!(out.stdout.is_empty(), "no partial result may be printed");
    }
}

#[test]
fn eval_errors_as_json() {
    let input = r#"{"model": "p400", "quantity": 1, "customer": {"country": "DE"}}"#;
    let out = ordo(
        &["eval", PUMPS, "--input", "-", "--format", "json"],
        Some(input),
    );
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["error"]["kind"], "invalid_input");
    assert_eq!(json["error"]["path"], "model");
}

#[test]
fn conformance_runner_passes_the_bundled_suite() {
    let out = ordo(&["conformance", "tests/fixtures/conformance"], None);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let last = stdout.lines().last().unwrap();
    assert!(last.contains(" 0 failed"), "{last}");
}

#[test]
fn conformance_runner_fails_on_a_wrong_expectation() {
    let dir = std::env::temp_dir().join(format!("ordo-conformance-{}", std::process::id()));
    let suite = dir.join("broken");
    std::fs::create_dir_all(&suite).unwrap();
    std::fs::write(
        suite.join("ruleset.ordo"),
        "ruleset b version \"1.0.0\"\ninput { q: Int }\noutput d = q * 2\n",
    )
    .unwrap();
    std::fs::write(
        suite.join("cases.json"),
        r#"[{"name": "wrong", "input": {"q": 2}, "expect": {"outputs": {"d": "5"}}},
        {"name": "right", "input": {"q": 2}, "expect": {"outputs": {"d": "4.00"}}},
        {"name": "later", "op": "frobnicate", "input": {"q": 2}, "expect": {}}]"#,
    )
    .unwrap();
    let out = ordo(&["conformance", dir.to_str().unwrap()], None);
    let stdout = text(&out.stdout);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("1 passed, 1 failed, 1 skipped"), "{stdout}");
}

/// A ruleset whose output is an else-if chain `depth` levels deep.
fn else_if_chain(depth: usize) -> String {
    let mut chain = String::new();
    for i in 0..depth {
        chain.push_str(&format!("if x == {i} then {i} else "));
    }
    format!("ruleset deep version \"1.0.0\"\n\ninput {{\n  x: Int\n}}\n\noutput y = {chain}0\n")
}

#[test]
fn check_refuses_deep_rulesets_with_a_diagnostic_not_an_abort() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    // 63 `if`s and the last `==`: the deepest chain allowed.
    let at_limit = dir.join("deep_at_limit.ordo");
    std::fs::write(&at_limit, else_if_chain(ordo_dsl::MAX_DEPTH - 1)).unwrap();
    let out = ordo(&["check", at_limit.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = ordo(
        &["eval", at_limit.to_str().unwrap(), "--input", "-"],
        Some(r#"{"x": 62}"#),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(r#""y": "62""#),
        "{}",
        text(&out.stdout)
    );
    for depth in [ordo_dsl::MAX_DEPTH, 2_500, 100_000] {
        let path = dir.join(format!("deep_{depth}.ordo"));
        std::fs::write(&path, else_if_chain(depth)).unwrap();
        let out = ordo(&["check", path.to_str().unwrap()], None);
        assert_eq!(out.status.code(), Some(1), "{depth}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("nest more than 64 levels deep"),
            "{depth}: {}",
            text(&out.stderr)
        );
    }
}
