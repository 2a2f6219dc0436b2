#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Tables read from data files (spec §21) as hosts see them: rows valid in time, lookups at a
//! date, the data in the hash and the artifact, and the same result from every way of giving
//! the files.

use chrono::NaiveDate;
use ordo_engine::{DataFiles, EvalOptions, Ruleset};
use serde_json::json;

const SOURCE: &str = r#"ruleset contracts version "1.0.0"
effective 2026-01-01
enum Model { c10, c20 }
input {
  customer: Text
  model: Model
  quoted_on: Date? = none
}
table list_price: Model -> Decimal {
  c10 => 100.00
  c20 => 250.00
}
table contract_price: (Text, Model) -> Decimal from "contracts.csv"
output unit = contract_price[customer, model]? ?? list_price[model]
output protected = contract_price[customer, model]? at quoted_on ?? list_price[model]
"#;

const CSV: &str = "customer,model,price,valid_from,valid_to
C-1001,c20,200.00,2026-01-01,2026-07-01
C-1001,c20,210.00,2026-07-01,
C-2002,c10,90.00,,
";

fn files(csv: &str) -> DataFiles {
    [("contracts.csv", csv)].into_iter().collect()
}

fn on(date: &str) -> EvalOptions {
    EvalOptions {
        as_of: Some(NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap()),
        ..EvalOptions::default()
    }
}

#[test]
fn a_lookup_takes_the_row_valid_on_the_date() {
    let ruleset = Ruleset::compile_with_files(SOURCE, &files(CSV)).unwrap();
    let input = json!({"customer": "C-1001", "model": "c20"});
    let march = ruleset.evaluate(&input, &on("2026-03-01")).unwrap();
    assert_eq!(march["outputs"]["unit"], "200.00");
    let july = ruleset.evaluate(&input, &on("2026-07-01")).unwrap();
    assert_eq!(july["outputs"]["unit"], "210.00");
    // Before every row of the key: no contract, the list price.
    let before = ruleset.evaluate(&input, &on("2025-12-31")).unwrap();
    assert_eq!(before["outputs"]["unit"], "250.00");
}

#[test]
fn a_lookup_at_a_date_protects_a_quoted_price() {
    let ruleset = Ruleset::compile_with_files(SOURCE, &files(CSV)).unwrap();
    let input = json!({"customer": "C-1001", "model": "c20", "quoted_on": "2026-03-01"});
    let result = ruleset.evaluate(&input, &on("2026-08-01")).unwrap();
    assert_eq!(result["outputs"]["unit"], "210.00");
    assert_eq!(result["outputs"]["protected"], "200.00");
}

#[test]
fn a_strict_lookup_with_no_row_valid_names_the_key() {
    let source = SOURCE.replace(
        "output unit = contract_price[customer, model]? ?? list_price[model]",
        "output unit = contract_price[customer, model]",
    );
    let ruleset = Ruleset::compile_with_files(&source, &files(CSV)).unwrap();
    let input = json!({"customer": "C-9", "model": "c20"});
    let error = ruleset.evaluate(&input, &on("2026-03-01")).unwrap_err();
    assert_eq!(error.kind.as_str(), "missing_key");
    assert!(error.message.contains("\"C-9\""), "{}", error.message);
}

#[test]
fn the_data_is_part_of_the_hash_and_line_endings_are_not() {
    let a = Ruleset::compile_with_files(SOURCE, &files(CSV)).unwrap();
    let crlf = Ruleset::compile_with_files(
        SOURCE,
        &files(&format!("\u{feff}{}", CSV.replace('\n', "\r\n"))),
    )
    .unwrap();
    assert_eq!(a.hash(), crlf.hash());
    let changed =
        Ruleset::compile_with_files(SOURCE, &files(&CSV.replace("90.00", "91.00"))).unwrap();
    assert_ne!(a.hash(), changed.hash());
    assert!(a.canonical().contains("C-2002,c10,90.00"));
}

#[test]
fn the_artifact_carries_the_data() {
    let ruleset = Ruleset::compile_with_files(SOURCE, &files(CSV)).unwrap();
    let loaded = Ruleset::from_artifact(&ruleset.to_artifact().unwrap()).unwrap();
    assert_eq!(loaded.hash(), ruleset.hash());
    for (customer, date) in [
        ("C-1001", "2026-03-01"),
        ("C-1001", "2026-09-01"),
        ("C-3", "2026-03-01"),
    ] {
        let input = json!({"customer": customer, "model": "c20"});
        assert_eq!(
            loaded.evaluate(&input, &on(date)).unwrap(),
            ruleset.evaluate(&input, &on(date)).unwrap()
        );
    }
}

#[test]
fn the_files_a_ruleset_reads_are_named_before_compiling() {
    assert_eq!(
        Ruleset::data_files_of(SOURCE),
        vec!["contracts.csv".to_string()]
    );
    assert!(Ruleset::data_files_of("not a ruleset").is_empty());
}

#[test]
fn a_data_file_that_is_not_given_is_an_invalid_data_error() {
    let diagnostics = Ruleset::compile(SOURCE).unwrap_err();
    assert_eq!(diagnostics.len(), 1);
    let d = diagnostics.iter().next().unwrap();
    assert_eq!(d.kind.as_str(), "invalid_data");
    let json = d.to_json("r.ordo", SOURCE);
    assert_eq!(json["file"], "r.ordo");
}

#[test]
fn a_bad_cell_is_reported_with_the_data_file_s_place() {
    let diagnostics =
        Ruleset::compile_with_files(SOURCE, &files(&CSV.replace("90.00", "ninety"))).unwrap_err();
    let d = diagnostics.iter().next().unwrap();
    let json = d.to_json("r.ordo", SOURCE);
    assert_eq!(json["kind"], "invalid_data");
    assert_eq!(json["file"], "contracts.csv");
    assert_eq!(json["line"], 4);
    assert_eq!(json["column"], 12);
    assert_eq!(json["ruleset"]["file"], "r.ordo");
    let text = d.render("r.ordo", SOURCE);
    assert!(text.contains("contracts.csv:4:12"), "{text}");
}

#[test]
fn a_diff_counts_the_data_rows_added_removed_and_changed() {
    let old = Ruleset::compile_with_files(SOURCE, &files(CSV)).unwrap();
    let changed_csv = CSV
        .replace("C-2002,c10,90.00,,\n", "C-3003,c10,95.00,,\n")
        .replace("210.00", "215.00");
    let new = Ruleset::compile_with_files(SOURCE, &files(&changed_csv)).unwrap();
    let ast = ordo_dsl::parse(SOURCE).unwrap();
    let diff = ordo_engine::diff::RulesetDiff::between(&old, &ast, &new, &ast);
    let data = &diff.to_json()["data"];
    assert_eq!(
        data,
        &json!([{"table": "contract_price", "file": "contracts.csv", "added": 1, "removed": 1, "changed": 1}])
    );
    let same = ordo_engine::diff::RulesetDiff::between(&old, &ast, &old, &ast);
    assert_eq!(same.to_json()["data"], json!([]));
}
