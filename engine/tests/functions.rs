#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Functions and decisions with parameters (spec §19) as hosts see them: each call of a
//! decision traced with its arguments and its value written with their field names, and the
//! decision's rows counted by test coverage.

use ordo_engine::testing::CoverageKind;
use ordo_engine::{EvalOptions, Ruleset};
use serde_json::json;

const SOURCE: &str = r#"ruleset calls version "1.0.0"
enum M { a, b }
type Item = { id: Text, m: M }
input { items: List<Item> }
table t: M -> Decimal {
  a => 1.00
  b => 2.00
}
fn f(x: M) -> Decimal = t[x]
decision d(i: Item) hit first {
  | i.m || size | kw   |
  | a   || "s"  | 0.37 |
  | -   || "m"  | 0.75 |
}
output total = sum(f(i.m) + d(i).kw for i in items)
test "one" {
  given { items: [{ id: "x", m: a }] }
  expect total == 1.37
}
"#;

#[test]
fn each_call_of_a_decision_is_traced_with_its_arguments() {
    let ruleset = Ruleset::compile(SOURCE).unwrap();
    let options = EvalOptions {
        trace: true,
        ..EvalOptions::default()
    };
    let input = json!({"items": [{"id": "x", "m": "a"}, {"id": "y", "m": "b"}]});
    let result = ruleset.evaluate(&input, &options).unwrap();
    assert_eq!(result["outputs"]["total"], "4.12");
    let calls: Vec<_> = result["trace"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["id"] == "d")
        .collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["value"], json!({"size": "s", "kw": "0.37"}));
    assert_eq!(calls[0]["reads"], json!({"i": {"id": "x", "m": "a"}}));
    assert_eq!(calls[0]["rows"], json!([{"row": 1, "line": 12}]));
    assert_eq!(calls[1]["reads"], json!({"i": {"id": "y", "m": "b"}}));
    assert_eq!(calls[1]["rows"], json!([{"row": 2, "line": 13}]));
}

#[test]
fn coverage_counts_the_rows_of_decisions_with_parameters() {
    let ruleset = Ruleset::compile(SOURCE).unwrap();
    let (outcomes, coverage) = ruleset.run_tests_with_coverage();
    assert!(outcomes.iter().all(|o| o.failures.is_empty()));
    assert_eq!(coverage.count(Some(CoverageKind::DecisionRow)), (1, 2));
}

#[test]
fn a_call_is_reused_only_for_the_same_arguments_down_to_their_scale() {
    let source = r#"ruleset scales version "1.0.0"
input { a: Decimal, b: Decimal }
fn label(x: Decimal) -> Text = "{x} EUR"
output first = label(a)
output second = label(b)
output again = label(a)
"#;
    let ruleset = Ruleset::compile(source).unwrap();
    let result = ruleset
        .evaluate(&json!({"a": "1.0", "b": "1.00"}), &EvalOptions::default())
        .unwrap();
    assert_eq!(result["outputs"]["first"], "1.0 EUR");
    assert_eq!(result["outputs"]["second"], "1.00 EUR");
    assert_eq!(result["outputs"]["again"], "1.0 EUR");
}
