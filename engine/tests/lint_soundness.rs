#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The lint's constraint findings are sound: whenever `ordo lint` says a constraint over
//! optional enums and Bools always holds (or is always violated), evaluating it for every
//! input — each optional field absent too, and each optional record — never disagrees.

use ordo_engine::{EvalOptions, Ruleset};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{Map, Value as Json, json};

/// The inputs the generated constraints read, with every value each can be given as JSON; an
/// optional one (`?`) is also left out.
const FIELDS: &[(&str, &str, &[&str])] = &[
    ("a", "E?", &["\"x\"", "\"y\""]),
    ("b", "E?", &["\"x\"", "\"y\""]),
    ("c", "E", &["\"x\"", "\"y\""]),
    ("p", "Bool?", &["true", "false"]),
    ("q", "Bool", &["true", "false"]),
    (
        "r",
        "{ d: E? }?",
        &["{\"d\": \"x\"}", "{\"d\": \"y\"}", "{}"],
    ),
    ("s", "{ d: E }?", &["{\"d\": \"x\"}", "{\"d\": \"y\"}"]),
];

fn head() -> String {
    let fields: Vec<String> = FIELDS
        .iter()
        .map(|(name, ty, _)| format!("  {name}: {ty}"))
        .collect();
    format!(
        "ruleset t version \"1.0.0\"\nenum E {{ x, y }}\ninput {{\n{}\n}}\n",
        fields.join("\n")
    )
}

/// A Bool-valued condition over the fields.
fn condition() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("is_some(a)".to_string()),
        Just("is_some(b)".to_string()),
        Just("is_some(p)".to_string()),
        Just("a == x".to_string()),
        Just("b != y".to_string()),
        Just("a == b".to_string()),
        Just("c == x".to_string()),
        Just("(a ?? y) == x".to_string()),
        Just("(b ?? c) == c".to_string()),
        Just("(p ?? false)".to_string()),
        Just("q".to_string()),
        Just("a in [x, y]".to_string()),
        Just("true".to_string()),
        Just("is_some(r)".to_string()),
        Just("is_some(r.d)".to_string()),
        Just("r.d == x".to_string()),
        Just("(r.d ?? c) == x".to_string()),
        Just("is_some(s.d)".to_string()),
        Just("s.d != y".to_string()),
        Just("(s.d ?? y) == x".to_string()),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| format!("not ({a})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) implies ({b})")),
            (inner.clone(), inner.clone(), inner)
                .prop_map(|(a, b, c)| format!("if {a} then {b} else {c}")),
        ]
    })
}

/// Every input: each field given each of its values, or absent where it is optional.
fn every_input() -> Vec<Json> {
    let mut inputs = vec![Map::new()];
    for (name, ty, values) in FIELDS {
        let mut next = Vec::new();
        for input in &inputs {
            for value in *values {
                let mut with = input.clone();
                with.insert((*name).to_string(), serde_json::from_str(value).unwrap());
                next.push(with);
            }
            if ty.ends_with('?') {
                next.push(input.clone());
            }
        }
        inputs = next;
    }
    inputs.into_iter().map(Json::Object).collect()
}

/// Whether constraint `k` is violated by `input`; `None` when evaluation fails.
fn violated(ruleset: &Ruleset, input: &Json) -> Option<bool> {
    let json = ruleset.evaluate(input, &EvalOptions::default()).ok()?;
    let violations = json.get("violations")?.as_array()?;
    Some(violations.iter().any(|v| v["id"] == json!("k")))
}

/// The source of a ruleset whose constraint `k` is `condition`.
fn source(condition: &str) -> String {
    format!(
        "{}constraint k: {condition} else error \"no\"\noutput o = 1\n",
        head()
    )
}

/// The ids of the lint's findings about constraint `k`.
fn constraint_findings(ruleset: &Ruleset, source: &str) -> Vec<&'static str> {
    let ast = ordo_dsl::parse(source).unwrap();
    ordo_engine::lint::lint(ruleset, &ast)
        .iter()
        .filter(|f| f.rule == "k" && f.id.starts_with("constraint."))
        .map(|f| f.id)
        .collect()
}

/// Every finding about `k` agrees with evaluating every input.
fn check(ruleset: &Ruleset, source: &str, condition: &str) -> Result<(), TestCaseError> {
    for id in constraint_findings(ruleset, source) {
        let expect_violated = match id {
            "constraint.always_holds" => false,
            "constraint.always_violated" | "constraint.contradicts_refinement" => true,
            _ => continue,
        };
        for input in every_input() {
            let outcome = violated(ruleset, &input);
            // An input that fails to evaluate is not a violation (nor a holding constraint).
            prop_assert!(
                outcome == Some(expect_violated) || outcome.is_none(),
                "lint says {id} for `{condition}`, but {input} gives {outcome:?}"
            );
        }
    }
    Ok(())
}

#[test]
fn an_implication_between_optionals_is_not_always_true() {
    let condition = "is_some(a) implies is_some(b)";
    let source = source(condition);
    let ruleset = Ruleset::compile(&source).unwrap();
    // `{"a": "x"}` violates it: lint must not say it always holds.
    assert_eq!(
        violated(&ruleset, &json!({"a": "x", "c": "x", "q": true})),
        Some(true)
    );
    assert_eq!(constraint_findings(&ruleset, &source), Vec::<&str>::new());
    check(&ruleset, &source, condition).unwrap();
}

#[test]
fn the_generated_constraints_compile_and_some_are_decided() {
    // Guards the property below against passing vacuously.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut compiled, mut decided) = (0, 0);
    for _ in 0..200 {
        let condition = condition().new_tree(&mut runner).unwrap().current();
        let source = source(&condition);
        let ruleset =
            Ruleset::compile(&source).unwrap_or_else(|d| panic!("{}", d.render("t.ordo", &source)));
        compiled += 1;
        decided += usize::from(!constraint_findings(&ruleset, &source).is_empty());
    }
    assert_eq!(compiled, 200);
    assert!(decided >= 5, "only {decided} of 200 decided");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn constraint_findings_agree_with_every_input(condition in condition()) {
        let source = source(&condition);
        let ruleset = Ruleset::compile(&source)
            .map_err(|d| TestCaseError::fail(d.render("t.ordo", &source)))?;
        check(&ruleset, &source, &condition)?;
    }
}
