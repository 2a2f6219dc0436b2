#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The example rulesets: they compile, their `test` blocks pass, and their results match the
//! golden files in `tests/golden/` (regenerate with `UPDATE_GOLDEN=1 cargo test --test examples`
//! and review the diff).

mod common;

use std::path::PathBuf;

use ordo_engine::{ApplyRequest, ConfigureRequest, EvalOptions, text::parse_date};
use serde_json::{Value as Json, json};

use common::example;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(example: &str, file: &str) -> Json {
    let path = root().join("examples").join(example).join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Compares `actual` with the golden file, or rewrites it under `UPDATE_GOLDEN=1`.
fn golden(name: &str, actual: &Json) {
    let path = root().join("tests/golden").join(format!("{name}.json"));
    let text = format!("{}\n", ordo_engine::to_json_pretty(actual));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing: run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(expected, text, "{name} differs from its golden file");
}

#[test]
fn every_example_passes_its_own_tests() {
    for name in ["bikes", "conveyors", "freight", "orders", "sync"] {
        let ruleset = example(name);
        let outcomes = ruleset.run_tests();
        assert!(!outcomes.is_empty(), "{name} has no test blocks");
        for outcome in outcomes {
            assert!(
                outcome.failures.is_empty(),
                "{name}: test {:?} failed: {:?}",
                outcome.name,
                outcome.failures
            );
        }
    }
}

#[test]
fn evaluations_match_their_golden_files() {
    // The conveyors results without their trace: it holds a call of `drive_size` per line
    // (100 KB for ten positions); the lines, outputs, violations and input notes are pinned.
    let cases = [
        ("bikes", "quote.json", None, true),
        ("bikes", "invalid.json", None, true),
        ("conveyors", "quote.json", Some("2026-08-03"), false),
        ("conveyors", "violations.json", Some("2026-08-03"), false),
        ("conveyors", "export.json", Some("2026-08-03"), false),
        ("freight", "parcel.json", Some("2026-03-02"), true),
        ("freight", "pallet.json", Some("2026-03-02"), true),
        ("orders", "order.json", Some("2026-03-02"), true),
        // Without the trace: it holds every call of the field map and the conflict table.
        ("sync", "batch.json", None, false),
    ];
    for (name, input, as_of, trace) in cases {
        let options = EvalOptions {
            as_of: as_of.map(|d| parse_date(d).unwrap()),
            trace,
            approvals: None,
            at: None,
        };
        let result = example(name)
            .evaluate(&read_json(name, input), &options)
            .unwrap();
        golden(
            &format!("{name}-{}", input.trim_end_matches(".json")),
            &result,
        );
    }
}

#[test]
fn configure_and_workflow_answers_match_their_golden_files() {
    let bikes = example("bikes");
    let partial = read_json("bikes", "partial.json");
    golden(
        "bikes-configure",
        &bikes
            .configure(&ConfigureRequest::from_json(&json!({"input": partial})).unwrap())
            .unwrap(),
    );

    let orders = example("orders");
    let order = read_json("orders", "order.json");
    let submit = orders
        .apply(&ApplyRequest::from_json(&json!({"workflow": "order", "state": "draft", "actor": "sales", "transition": "submit",
            "input": order, "as_of": "2026-03-02", "event": read_json("orders", "submit.json")}),).unwrap())
        .unwrap();
    golden("orders-submit", &submit);
    let approve = orders
        .apply(&ApplyRequest::from_json(&json!({"workflow": "order", "state": "submitted", "actor": "sales_manager", "transition": "approve",
            "input": order, "approvals": read_json("orders", "approvals.json"),
            "event": read_json("orders", "approve.json")})).unwrap())
        .unwrap();
    assert_eq!(approve["to"], "approved");
}

/// Two conveyor positions with one number: the run-time error `duplicate_key` for the whole
/// evaluation, never a partial quote.
#[test]
fn conveyors_duplicate_positions_are_an_error() {
    let options = EvalOptions {
        as_of: Some(parse_date("2026-08-03").unwrap()),
        ..EvalOptions::default()
    };
    let error = example("conveyors")
        .evaluate(&read_json("conveyors", "duplicate.json"), &options)
        .unwrap_err();
    assert_eq!(error.kind, ordo_engine::ErrorKind::DuplicateKey);
    golden("conveyors-duplicate", &error.to_json());
}

/// The conveyors quotes of 10 and 200 positions are valid, and the per-position summary adds up
/// to the quote's equipment subtotal, cent for cent.
#[test]
fn conveyors_position_summary_adds_up_to_the_equipment() {
    let conveyors = example("conveyors");
    let options = EvalOptions {
        as_of: Some(parse_date("2026-08-03").unwrap()),
        ..EvalOptions::default()
    };
    let decimal = |v: &Json| {
        v.as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap()
    };
    for (file, positions) in [("quote.json", 10), ("large.json", 200)] {
        let result = conveyors
            .evaluate(&read_json("conveyors", file), &options)
            .unwrap();
        assert_eq!(result["valid"], Json::Bool(true), "{file}");
        let summary = result["outputs"]["positions_summary"].as_array().unwrap();
        assert_eq!(summary.len(), positions, "{file}");
        let sum: rust_decimal::Decimal = summary.iter().map(|s| decimal(&s["amount"])).sum();
        let equipment = decimal(&result["quotes"]["quote"]["subtotals"]["equipment"]);
        assert_eq!(sum, equipment, "{file}");
    }
}

/// The result written straight to text is the result tree written out, byte for byte, for
/// every example input, with and without a trace and with granted approvals.
#[test]
fn results_written_as_text_are_the_trees_text() {
    let cases = [
        ("bikes", "quote.json"),
        ("conveyors", "quote.json"),
        ("conveyors", "export.json"),
        ("freight", "pallet.json"),
        ("freight", "parcel.json"),
        ("orders", "order.json"),
    ];
    let granted = json!({"discounts": {"lead": {"by": "ana", "facts": {"quantity": "12"}}}});
    for (name, file) in cases {
        let ruleset = example(name);
        let input = read_json(name, file);
        let text = std::fs::read_to_string(root().join("examples").join(name).join(file)).unwrap();
        let read = ruleset.read_input(&input).unwrap();
        assert_eq!(
            read,
            ruleset.read_input_str(&text).unwrap(),
            "{name}/{file}"
        );
        for trace in [false, true] {
            let approvals =
                (name == "bikes").then(|| ordo_engine::Approvals::from_json(&granted).unwrap());
            let options = EvalOptions {
                trace,
                approvals,
                ..EvalOptions::default()
            };
            let result = ruleset.run(&read, &options).unwrap();
            let tree = ruleset.evaluate(&input, &options).unwrap();
            assert_eq!(result.to_json(), tree, "{name}/{file}");
            assert_eq!(
                result.to_json_string(),
                ordo_engine::to_json_string(&tree),
                "{name}/{file} trace={trace}"
            );
            assert_eq!(
                ruleset.evaluate_str(&text, &options).unwrap(),
                result.to_json_string()
            );
        }
    }
}
