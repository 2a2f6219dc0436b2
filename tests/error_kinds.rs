#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The catalogue of error kinds (spec §17), through the command line: for every kind the spec
//! names, a ruleset or an input that gives it, and what the rule author sees — the kind, where it
//! applies (file, line and column at compile time; the JSON path or the rule's id at run time),
//! exit code 1, and never a partial result.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use common::ordo_with;
use serde_json::Value as Json;

/// A fresh folder for one test's files.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ordo-kinds-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `source` as `NAME/ruleset.ordo` (with `files` beside it) and returns its path.
fn ruleset(name: &str, source: &str, files: &[(&str, &str)]) -> String {
    let dir = folder(name);
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    let path = dir.join("ruleset.ordo");
    std::fs::write(&path, source).unwrap();
    path.display().to_string()
}

/// `ordo check --format json` on a ruleset that must not compile: its first diagnostic.
fn compile_error(name: &str, source: &str, files: &[(&str, &str)]) -> Json {
    let path = ruleset(name, source, files);
    let out = ordo_with(&["check", "--format", "json", &path], None);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{name}: {stdout}");
    let report: Json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    report[0]["diagnostics"][0].clone()
}

#[track_caller]
fn assert_compile_error(name: &str, source: &str, kind: &str, line: u64) {
    let diagnostic = compile_error(name, source, &[]);
    assert_eq!(diagnostic["kind"], kind, "{name}: {diagnostic}");
    assert_eq!(diagnostic["line"], line, "{name}: {diagnostic}");
    assert!(diagnostic["column"].as_u64().unwrap() >= 1, "{diagnostic}");
    assert!(
        !diagnostic["message"].as_str().unwrap().is_empty(),
        "{diagnostic}"
    );
}

const HEADER: &str = "ruleset kinds version \"1.0.0\"\n";

#[test]
fn syntax() {
    assert_compile_error(
        "syntax",
        &format!("{HEADER}input {{ n: Int }}\noutput x = n +\n"),
        "syntax",
        4,
    );
}

#[test]
fn unknown_name() {
    assert_compile_error(
        "unknown_name",
        &format!("{HEADER}input {{ n: Int }}\noutput x = m + 1\n"),
        "unknown_name",
        3,
    );
}

#[test]
fn type_mismatch() {
    assert_compile_error(
        "type_mismatch",
        &format!("{HEADER}input {{ n: Int }}\noutput x = n + \"a\"\n"),
        "type_mismatch",
        3,
    );
}

#[test]
fn cycle() {
    assert_compile_error(
        "cycle",
        &format!("{HEADER}input {{ n: Int }}\nlet a = b + n\nlet b = a + 1\noutput x = a\n"),
        "cycle",
        3,
    );
}

#[test]
fn non_exhaustive() {
    assert_compile_error(
        "non_exhaustive",
        &format!(
            "{HEADER}enum Tier {{ gold, silver }}\ninput {{ tier: Tier }}\n\
             output x = match tier {{\n  gold => 1\n}}\n"
        ),
        "non_exhaustive",
        4,
    );
}

#[test]
fn duplicate() {
    assert_compile_error(
        "duplicate",
        &format!("{HEADER}input {{ n: Int }}\noutput x = n\noutput x = n + 1\n"),
        "duplicate",
        4,
    );
}

#[test]
fn overlap_of_bands() {
    assert_compile_error(
        "overlap",
        &format!(
            "{HEADER}input {{ n: Int }}\nbands freight {{\n  1..10 => 12.00\n  5..20 => 9.00\n}}\n\
             output x = volume(n, freight)\n"
        ),
        "overlap",
        5,
    );
}

#[test]
fn workflow() {
    assert_compile_error(
        "workflow",
        &format!(
            "{HEADER}input {{ n: Int }}\nworkflow w {{\n  state a initial\n  state b final\n  \
             state lost\n  transition go: a -> b\n}}\noutput x = n\n"
        ),
        "workflow",
        6,
    );
}

#[test]
fn invalid_data_names_the_file_line_and_column() {
    let source = format!(
        "{HEADER}input {{ code: Text }}\ntable rate: Text -> Decimal from \"rates.csv\"\n\
         output x = rate[code]\n"
    );
    let diagnostic = compile_error(
        "invalid_data",
        &source,
        &[("rates.csv", "key,value\na,1.00\nb,lots\n")],
    );
    assert_eq!(diagnostic["kind"], "invalid_data", "{diagnostic}");
    assert_eq!(diagnostic["file"], "rates.csv", "{diagnostic}");
    assert_eq!(diagnostic["line"], 3, "{diagnostic}");
    assert_eq!(diagnostic["column"], 3, "{diagnostic}");
    assert!(
        diagnostic["message"].as_str().unwrap().contains("lots"),
        "{diagnostic}"
    );
}

/// A ruleset that compiles, for the run-time kinds: one output per kind, each reading its own
/// inputs so that an input chooses the error.
const RUNTIME: &str = r#"ruleset kinds version "1.0.0"

enum Segment { retail, wholesale, partner }

roles sales, workshop

type Item = { pos: Text, qty: Int }

input {
  segment: Segment = retail
  region: Text = "north"
  units: Int = 4
  split: Int = 1
  big: Decimal = 1
  items: List<Item> = []
  at: Int = 0
}

decision channel {
  | segment   | units   || channel |
  | retail    | -       || "shop"  |
  | wholesale | < 100   || "desk"  |
  | wholesale | >= 50   || "key"   |
}

table region_rate: Text -> Percent {
  "north" => 3%
  "south" => 4%
}

bands freight {
  1..10 => 12.00
  11..100 => 9.00
}

price quote currency "EUR" {
  for i in items key i.pos {
    line unit "{i.qty} × {i.pos}" qty i.qty at 10.00
  }
}

output chosen = channel
output rate = region_rate[region]
output per_part = units / split
output freight_cost = volume(units, freight)
output squared = big * big
output picked = if at > 0 then items[at].pos else "none"

workflow order {
  state draft initial owner sales
  state done final
  transition finish: draft -> done by sales when units > 1
}
"#;

/// The run-time ruleset's file, written once for every test that reads it.
fn runtime_ruleset() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| ruleset("runtime", RUNTIME, &[]))
}

/// `ordo eval --format json` on the run-time ruleset: the error object.
fn eval_error(input: &str) -> Json {
    let path = runtime_ruleset();
    let out = ordo_with(
        &["eval", path, "--input", "-", "--format", "json"],
        Some(input),
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{input}: {stdout}");
    let json: Json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert!(json.get("outputs").is_none(), "no partial result: {json}");
    json["error"].clone()
}

#[track_caller]
fn assert_eval_error(input: &str, kind: &str, key: &str, at: &str) {
    let error = eval_error(input);
    assert_eq!(error["kind"], kind, "{input}: {error}");
    assert_eq!(error[key], at, "{input}: {error}");
    assert!(!error["message"].as_str().unwrap().is_empty(), "{error}");
}

#[test]
fn the_runtime_ruleset_evaluates_a_clean_input() {
    let out = ordo_with(&["eval", runtime_ruleset(), "--input", "-"], Some("{}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn missing_input() {
    let source = format!("{HEADER}input {{ n: Int }}\noutput x = n\n");
    let path = ruleset("missing_input", &source, &[]);
    let out = ordo_with(
        &["eval", &path, "--input", "-", "--format", "json"],
        Some("{}"),
    );
    assert_eq!(out.status.code(), Some(1));
    let json: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["error"]["kind"], "missing_input", "{json}");
    assert_eq!(json["error"]["path"], "n", "{json}");
}

#[test]
fn invalid_input() {
    assert_eval_error(
        r#"{"segment": "online"}"#,
        "invalid_input",
        "path",
        "segment",
    );
    assert_eval_error(
        r#"{"items": [{"pos": "A", "qty": "many"}]}"#,
        "invalid_input",
        "path",
        "items[0].qty",
    );
}

#[test]
fn unknown_field() {
    assert_eval_error(r#"{"colour": "red"}"#, "unknown_field", "path", "colour");
}

#[test]
fn no_match() {
    assert_eval_error(r#"{"segment": "partner"}"#, "no_match", "rule", "channel");
}

#[test]
fn multiple_matches() {
    assert_eval_error(
        r#"{"segment": "wholesale", "units": 70}"#,
        "multiple_matches",
        "rule",
        "channel",
    );
}

#[test]
fn missing_key() {
    assert_eval_error(
        r#"{"region": "east"}"#,
        "missing_key",
        "rule",
        "region_rate",
    );
}

#[test]
fn out_of_bands() {
    assert_eval_error(r#"{"units": 101}"#, "out_of_bands", "rule", "freight");
}

#[test]
fn division_by_zero() {
    let error = eval_error(r#"{"split": 0}"#);
    assert_eq!(error["kind"], "division_by_zero", "{error}");
}

#[test]
fn overflow() {
    let error = eval_error(r#"{"big": "70000000000000000000000000000"}"#);
    assert_eq!(error["kind"], "overflow", "{error}");
}

#[test]
fn index_out_of_range() {
    let error = eval_error(r#"{"items": [{"pos": "A", "qty": 1}], "at": 3}"#);
    assert_eq!(error["kind"], "index_out_of_range", "{error}");
}

#[test]
fn duplicate_key() {
    let error = eval_error(r#"{"items": [{"pos": "A", "qty": 1}, {"pos": "A", "qty": 2}]}"#);
    assert_eq!(error["kind"], "duplicate_key", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains('A'),
        "names the key: {error}"
    );
}

#[test]
fn transition() {
    let path = runtime_ruleset();
    let event = std::path::Path::new(path).with_file_name("event.json");
    std::fs::write(
        &event,
        r#"{"instance": "o-1", "seq": 1, "at": "2026-03-01T10:00:00Z", "entered_at": "2026-03-01T09:00:00Z"}"#,
    )
    .unwrap();
    let event = event.display().to_string();
    let run = |actor: &str, input: &str| {
        let out = ordo_with(
            &[
                "workflow",
                path,
                "--workflow",
                "order",
                "--state",
                "draft",
                "--actor",
                actor,
                "--apply",
                "finish",
                "--event",
                &event,
                "--input",
                "-",
                "--format",
                "json",
            ],
            Some(input),
        );
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    // Allowed: the role holds and the guard is true.
    let (code, stdout) = run("sales", r#"{"units": 4}"#);
    assert_eq!(code, Some(0), "{stdout}");
    // The wrong role, then a false guard: each a `transition` error.
    for (actor, input) in [
        ("workshop", r#"{"units": 4}"#),
        ("sales", r#"{"units": 1}"#),
    ] {
        let (code, stdout) = run(actor, input);
        assert_eq!(code, Some(1), "{actor} {input}: {stdout}");
        let json: Json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
        assert_eq!(json["error"]["kind"], "transition", "{json}");
        assert_eq!(json["error"]["rule"], "finish", "{json}");
    }
}
