#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The bad-input catalogue, through the command line: JSON with a key given twice, JSON and
//! sources with a byte-order mark, a folder of versions with one that is not semver. Each test
//! runs the `ordo` binary on files written for it.

mod common;

use std::path::{Path, PathBuf};

use common::ordo_with;

const RULESET: &str = r#"ruleset shop version "1.0.0"

input {
  model: Text
  positions: List<{ model: Text, qty: Int }> = []
}

output m = model
"#;

/// A fresh folder for one test's files.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ordo-bad-inputs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn eval_refuses_a_key_given_twice_naming_its_path() {
    let dir = folder("eval-dup");
    let ruleset = write(&dir, "shop.ordo", RULESET);
    for (input, path) in [
        (r#"{"model": "a", "model": "b"}"#, "model"),
        (
            r#"{"model": "a", "positions": [{"model": "x", "qty": 1}, {"model": "y", "qty": 1},
                {"model": "z", "qty": 1, "model": "w"}]}"#,
            "positions[2].model",
        ),
    ] {
        let file = write(&dir, "input.json", input);
        let out = ordo_with(
            &["eval", &ruleset, "--input", &file, "--format", "json"],
            None,
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["error"]["kind"], "invalid_input", "{json}");
        assert_eq!(json["error"]["path"], path, "{json}");
        // From standard input too.
        let out = ordo_with(&["eval", &ruleset, "--input", "-"], Some(input));
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains("appears twice"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_batch_refuses_a_line_with_a_key_given_twice() {
    let dir = folder("batch-dup");
    let ruleset = write(&dir, "shop.ordo", RULESET);
    let lines = "{\"model\": \"a\"}\n{\"model\": \"a\", \"model\": \"b\"}\n";
    let batch = write(&dir, "inputs.jsonl", lines);
    for extra in [&[][..], &["--as-of-field", "day"][..]] {
        let mut args = vec!["eval", &ruleset, "--batch", &batch];
        args.extend_from_slice(extra);
        let out = ordo_with(&args, None);
        let stdout = text(&out.stdout);
        let results: Vec<serde_json::Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(results.len(), 2, "{stdout}");
        assert_eq!(results[0]["outputs"]["m"], "a", "{stdout}");
        assert_eq!(results[1]["line"], 2, "{stdout}");
        assert_eq!(results[1]["error"]["kind"], "invalid_input", "{stdout}");
        assert_eq!(results[1]["error"]["path"], "model", "{stdout}");
    }
}

#[test]
fn diff_cases_refuse_a_key_given_twice() {
    let dir = folder("diff-dup");
    let ruleset = write(&dir, "shop.ordo", RULESET);
    let cases = write(
        &dir,
        "cases.json",
        r#"{"input": {"model": "a", "model": "b"}}"#,
    );
    let out = ordo_with(&["diff", &ruleset, &ruleset, "--cases", &cases], None);
    let stderr = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("appears twice"), "{stderr}");
    assert!(stderr.contains("input.model"), "{stderr}");
}

#[test]
fn a_byte_order_mark_in_front_of_an_input_or_a_source_is_skipped() {
    let dir = folder("bom");
    let ruleset = write(&dir, "shop.ordo", &format!("\u{feff}{RULESET}"));
    let input = write(&dir, "input.json", "\u{feff}{\"model\": \"a\"}");
    let out = ordo_with(&["eval", &ruleset, "--input", &input, "--compact"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(r#""m":"a""#));
    let batch = write(&dir, "inputs.jsonl", "\u{feff}{\"model\": \"a\"}\n");
    let out = ordo_with(&["eval", &ruleset, "--batch", &batch], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = ordo_with(&["check", &ruleset], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn a_version_that_is_not_semver_fails_check_and_a_folder_naming_the_file() {
    let dir = folder("versions");
    let banana = write(&dir, "banana.ordo", &RULESET.replace("1.0.0", "banana"));
    let out = ordo_with(&["check", &banana], None);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`banana` is not a semantic version"),
        "{stderr}"
    );
    assert!(stderr.contains("write MAJOR.MINOR.PATCH"), "{stderr}");

    let versions = dir.join("next");
    std::fs::create_dir_all(&versions).unwrap();
    write(&versions, "a.ordo", RULESET);
    write(&versions, "b.ordo", &RULESET.replace("1.0.0", "1.1"));
    let input = write(&dir, "input.json", r#"{"model": "a"}"#);
    let out = ordo_with(
        &["eval", &versions.display().to_string(), "--input", &input],
        None,
    );
    let stderr = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("b.ordo"), "{stderr}");
    assert!(
        stderr.contains("`1.1` is not a semantic version"),
        "{stderr}"
    );
}

/// `ordo eval --batch` on a generated order book of 100,000 lines through the binary: one
/// answer per line, in order, the bad lines answered by an error with their line number in
/// place, and the file streamed (it is never held whole; see benches/RESULTS.md for the peak
/// memory measured on this input).
#[test]
fn a_batch_of_100_000_lines_keeps_the_order_and_the_errors_in_place() {
    let dir = folder("batch-100k");
    let ruleset = write(
        &dir,
        "double.ordo",
        "ruleset d version \"1.0.0\"\ninput { n: Int }\noutput double = n * 2\n",
    );
    let mut lines = String::with_capacity(2_000_000);
    for n in 1..=100_000u32 {
        if n % 9_973 == 0 {
            lines.push_str("{\"n\": \"many\"}\n");
        } else {
            lines.push_str(&format!("{{\"n\": {n}}}\n"));
        }
    }
    let batch = write(&dir, "book.jsonl", &lines);
    let out = ordo_with(&["eval", &ruleset, "--batch", &batch, "--jobs", "2"], None);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a bad line makes the exit code 1"
    );
    let stdout = text(&out.stdout);
    let answers: Vec<&str> = stdout.lines().collect();
    assert_eq!(answers.len(), 100_000);
    for (i, answer) in answers.iter().enumerate() {
        let n = i + 1;
        let json: serde_json::Value = serde_json::from_str(answer).unwrap();
        if n % 9_973 == 0 {
            assert_eq!(json["line"], n, "{answer}");
            assert_eq!(json["error"]["kind"], "invalid_input", "{answer}");
        } else {
            assert_eq!(
                json["outputs"]["double"],
                (2 * n).to_string(),
                "line {n}: {answer}"
            );
        }
    }
}
