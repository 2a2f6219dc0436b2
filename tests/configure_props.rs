#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The configurator against brute force on small generated rulesets: every option it disables
//! has no valid completion, and in complete mode every option it leaves available has one.

use ordo_engine::{ConfigureRequest, Ruleset};
use proptest::prelude::*;
use serde_json::{Map, Value as Json, json};

/// Four fields: three enums of three values and a Bool.
const FIELDS: [(&str, &[&str]); 4] = [
    ("a", &["a0", "a1", "a2"]),
    ("b", &["b0", "b1", "b2"]),
    ("c", &["c0", "c1", "c2"]),
    ("flag", &["true", "false"]),
];

#[derive(Debug, Clone)]
struct Clause {
    left: (usize, usize),
    right: (usize, usize),
    shape: u8,
}

fn literal(field: usize, value: usize) -> String {
    let (name, values) = FIELDS[field];
    let value = values[value % values.len()];
    if name == "flag" {
        format!("flag == {value}")
    } else {
        format!("{name} == {value}")
    }
}

fn source(clauses: &[Clause]) -> String {
    let mut s = String::from(
        "ruleset gen version \"1.0.0\"\nenum A { a0, a1, a2 }\nenum B { b0, b1, b2 }\nenum C { c0, c1, c2 }\ninput { a: A  b: B  c: C  flag: Bool }\n",
    );
    for (i, clause) in clauses.iter().enumerate() {
        let l = literal(clause.left.0, clause.left.1);
        let r = literal(clause.right.0, clause.right.1);
        let condition = match clause.shape % 3 {
            0 => format!("{l} implies not ({r})"),
            1 => format!("{l} or {r}"),
            _ => format!("{l} implies {r}"),
        };
        s.push_str(&format!(
            "constraint k{i}: {condition} else error \"k{i}\"\n"
        ));
    }
    s
}

fn clause() -> impl Strategy<Value = Clause> {
    ((0usize..4, 0usize..3), (0usize..4, 0usize..3), 0u8..3)
        .prop_filter("two different fields", |(l, r, _)| l.0 != r.0)
        .prop_map(|(left, right, shape)| Clause { left, right, shape })
}

fn json_value(field: usize, value: usize) -> Json {
    let (name, values) = FIELDS[field];
    if name == "flag" {
        json!(values[value] == "true")
    } else {
        json!(values[value])
    }
}

/// Is there a complete input that extends `fixed` and satisfies every constraint?
fn completable(ruleset: &Ruleset, fixed: &Map<String, Json>) -> bool {
    let free: Vec<usize> = (0..FIELDS.len())
        .filter(|f| !fixed.contains_key(FIELDS[*f].0))
        .collect();
    let sizes: Vec<usize> = free.iter().map(|f| FIELDS[*f].1.len()).collect();
    let total: usize = sizes.iter().product();
    (0..total).any(|mut n| {
        let mut input = fixed.clone();
        for (f, size) in free.iter().zip(&sizes) {
            input.insert(FIELDS[*f].0.into(), json_value(*f, n % size));
            n /= size;
        }
        ruleset
            .evaluate(&Json::Object(input), &Default::default())
            .unwrap()["valid"]
            == json!(true)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn configure_is_sound_and_complete_mode_is_exact(
        clauses in prop::collection::vec(clause(), 1..6),
        chosen in prop::collection::vec(prop::option::of(0usize..3), 4),
    ) {
        let ruleset = Ruleset::compile(&source(&clauses)).unwrap();
        let mut partial = Map::new();
        for (f, choice) in chosen.iter().enumerate() {
            if let Some(v) = choice {
                partial.insert(FIELDS[f].0.into(), json_value(f, v % FIELDS[f].1.len()));
            }
        }
        let plain = ruleset.configure(&ConfigureRequest::from_json(&json!({"input": partial})).unwrap()).unwrap();
        let complete = ruleset.configure(&ConfigureRequest::from_json(&json!({"input": partial, "complete": true})).unwrap()).unwrap();
        for (f, (name, values)) in FIELDS.iter().enumerate() {
            for v in 0..values.len() {
                let mut fixed = partial.clone();
                fixed.insert((*name).into(), json_value(f, v));
                let possible = completable(&ruleset, &fixed);
                let plain_available = plain["fields"][*name]["options"][v]["available"] == json!(true);
                let complete_available = complete["fields"][*name]["options"][v]["available"] == json!(true);
                // Sound: never disable what a completion allows.
                prop_assert!(plain_available || !possible, "{name}={v} disabled but completable\n{}", source(&clauses));
                prop_assert!(complete_available || !possible, "{name}={v} dead end but completable");
                // Complete mode: what stays available has a completion.
                prop_assert!(!complete_available || possible, "{name}={v} available but no completion\n{}", source(&clauses));
            }
        }
    }
}
