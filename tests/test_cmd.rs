#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! `ordo test`: runs the test blocks of rulesets, reports failures with expected and actual
//! values at file:line, closes with `N passed, N failed`, and measures rule coverage.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{Value as Json, json};

const COVERAGE: &str = "tests/fixtures/fmt/coverage.ordo";

fn ordo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ordo"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn temp_ruleset(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ordo-test-cmd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_examples_pass_their_tests() {
    let out = ordo(&[
        "test",
        "examples/bikes/bikes.ordo",
        "examples/freight/freight.ordo",
        "tests/fixtures/conformance/pumps/ruleset.ordo",
    ]);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.lines().any(|l| l == "16 passed, 0 failed"), "{text}");
    assert!(text.contains("ok   examples/bikes/bikes.ordo:"), "{text}");
}

const FAILING: &str = "ruleset f version \"1.0.0\"
input { quantity: Int }
let double = quantity * 2
constraint positive: quantity > 0 else error \"positive\"

test \"right\" {
  given { quantity: 2 }
  expect double == 4
}

test \"wrong\" {
  given { quantity: 3 }
  expect valid
  expect double == 7
  expect violations == [\"positive\"]
}

test \"broken input\" {
  given { quantity: 1.5 }
  expect valid
}
";

#[test]
fn failures_show_expected_and_actual_values_at_file_and_line() {
    let path = temp_ruleset("failing.ordo", FAILING);
    let file = path.to_str().unwrap();
    let out = ordo(&["test", file]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains(&format!("ok   {file}:6  right")), "{text}");
    assert!(text.contains(&format!("FAIL {file}:11  wrong")), "{text}");
    assert!(
        text.contains(&format!("{file}:14: expect double == 7")),
        "{text}"
    );
    assert!(
        text.contains("expected: \"7\"") && text.contains("actual:   \"6\""),
        "{text}"
    );
    assert!(
        text.contains("expected: [\"positive\"]") && text.contains("actual:   []"),
        "{text}"
    );
    assert!(
        text.contains(&format!("FAIL {file}:18  broken input")),
        "{text}"
    );
    assert!(text.contains("invalid_input"), "{text}");
    assert_eq!(text.lines().last(), Some("1 passed, 2 failed"), "{text}");
}

#[test]
fn json_reports_every_test_and_failure() {
    let path = temp_ruleset("failing-json.ordo", FAILING);
    let out = ordo(&["test", "--format", "json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["passed"], 1);
    assert_eq!(report["failed"], 2);
    let tests = &report["files"][0]["tests"];
    assert_eq!(tests[0]["passed"], true);
    assert_eq!(tests[1]["name"], "wrong");
    assert_eq!(tests[1]["failures"][0]["line"], 14);
    assert_eq!(tests[1]["failures"][0]["expected"], "7");
    assert_eq!(tests[1]["failures"][0]["actual"], "6");
    assert_eq!(tests[2]["failures"][0]["actual"]["kind"], "invalid_input");
}

#[test]
fn a_file_that_does_not_compile_fails_with_its_diagnostics() {
    let path = temp_ruleset(
        "broken.ordo",
        "ruleset b version \"1.0.0\"\ninput { q: Int }\nlet x = qq + 1\n",
    );
    let out = ordo(&["test", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown_name") && stderr.contains("did you mean `q`?"),
        "{stderr}"
    );
    assert_eq!(stdout(&out).lines().last(), Some("0 passed, 1 failed"));
}

#[test]
fn coverage_names_what_no_test_exercised() {
    let out = ordo(&["test", "--coverage", COVERAGE]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("coverage tests/fixtures/fmt/coverage.ordo: 66.7% (10 of 15)"),
        "{text}"
    );
    for line in [
        "constraint outcomes  3/4 (75.0%)",
        "decision rows        2/3 (66.7%)",
        "price lines          2/3 (66.7%)",
        "approval steps       1/2 (50.0%)",
        "transitions          2/3 (66.7%)",
        "coverage.ordo:30: constraint positive: no test violates it",
        "coverage.ordo:18: decision rate row 2",
        "coverage.ordo:26: price line quote.big",
        "coverage.ordo:37: approval step sign.never",
        "coverage.ordo:46: transition flow.approve",
    ] {
        assert!(text.contains(line), "missing `{line}` in\n{text}");
    }
    assert_eq!(
        text.matches(": constraint ").count() + text.matches(": decision ").count(),
        2
    );
}

#[test]
fn coverage_as_json() {
    let out = ordo(&["test", "--coverage", "--format", "json", COVERAGE]);
    assert!(out.status.success());
    let report: Json = serde_json::from_slice(&out.stdout).unwrap();
    let coverage = &report["files"][0]["coverage"];
    assert_eq!(coverage["covered"], 10);
    assert_eq!(coverage["total"], 15);
    assert_eq!(coverage["percent"], "66.7");
    assert_eq!(
        coverage["by_kind"]["decision_row"],
        json!({"covered": 2, "total": 3, "percent": "66.7"})
    );
    assert_eq!(
        coverage["uncovered"],
        json!([
            {"kind": "constraint", "owner": "positive", "item": "violated", "line": 30},
            {"kind": "decision_row", "owner": "rate", "item": "2", "line": 18},
            {"kind": "price_line", "owner": "quote", "item": "big", "line": 26},
            {"kind": "approval_step", "owner": "sign", "item": "never", "line": 37},
            {"kind": "transition", "owner": "flow", "item": "approve", "line": 46},
        ])
    );
}

#[test]
fn the_examples_cover_their_rules() {
    let out = ordo(&[
        "test",
        "--coverage",
        "--format",
        "json",
        "examples/bikes/bikes.ordo",
        "examples/freight/freight.ordo",
    ]);
    assert!(out.status.success());
    let report: Json = serde_json::from_slice(&out.stdout).unwrap();
    for file in report["files"].as_array().unwrap() {
        assert_eq!(file["coverage"]["uncovered"], json!([]), "{}", file["file"]);
    }
}

#[test]
fn folders_are_searched_for_rulesets() {
    let out = ordo(&["test", "tests/fixtures/fmt"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("coverage.ordo:49  close: a small order"),
        "{text}"
    );
    assert!(text.contains("messy.ordo"), "{text}");
}
