#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Every ```ordo block of the documentation is a complete ruleset that must compile, so the
//! docs cannot drift from the engine. A ```` ```csv NAME ```` block is a data file the examples
//! of its page may read (`from "NAME"`).

use std::path::Path;

use ordo_engine::DataFiles;

/// The blocks whose info string starts with `kind` (`ordo`, `csv NAME`): the line each starts
/// on, the rest of its info string and its text.
fn blocks(markdown: &str, kind: &str) -> Vec<(usize, String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String, String)> = None;
    let fence = format!("```{kind}");
    for (i, line) in markdown.lines().enumerate() {
        match &mut current {
            None if line.trim_start().starts_with(&fence) => {
                let info = line.trim_start()[fence.len()..].trim().to_string();
                current = Some((i + 1, info, String::new()))
            }
            None => {}
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(current.take()),
            Some((_, _, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    blocks
}

fn check_file(path: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(path)).unwrap();
    let files: DataFiles = blocks(&text, "csv")
        .into_iter()
        .map(|(_, name, text)| (name, text))
        .collect();
    let blocks = blocks(&text, "ordo");
    for (line, _, source) in &blocks {
        if let Err(diagnostics) = ordo_engine::Ruleset::compile_with_files(source, &files) {
            panic!(
                "{path}:{line}: the example does not compile:\n{}",
                diagnostics.render(path, source)
            );
        }
    }
    blocks.len()
}

#[test]
fn language_reference_examples_compile() {
    assert!(
        check_file("docs/language.md") >= 12,
        "the reference should show every construct"
    );
}

/// The workflow guide's examples compile, and their `test` blocks pass: each shows what it
/// says.
#[test]
fn workflow_guide_examples_compile_and_pass_their_tests() {
    let path = "docs/workflows.md";
    assert!(
        check_file(path) >= 6,
        "time, calendars, SLAs, timers from data, edges and workflow tests each have an example"
    );
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let mut tests = 0;
    for (line, _, source) in blocks(&text, "ordo") {
        let ruleset = ordo_engine::Ruleset::compile(&source).unwrap();
        for outcome in ruleset.run_tests() {
            tests += 1;
            assert!(
                outcome.failures.is_empty(),
                "{path}:{line}: test \"{}\" fails: {:?}",
                outcome.name,
                outcome.failures
            );
        }
    }
    assert!(tests >= 5, "{tests} tests");
}

#[test]
fn price_book_examples_compile() {
    assert!(check_file("docs/price-books.md") >= 2);
}

#[test]
fn readme_examples_compile() {
    assert!(check_file("README.md") >= 1);
}

/// Every finding id the lint can report (each `id: "..."` in `engine/src/lint`) has a row in
/// the table of docs/lint.md, and the table names no id the lint does not have.
#[test]
fn every_lint_finding_is_documented() {
    let mut ids = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir("engine/src/lint").unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // `id: "decision.gap"` in a finding, or the id alone on its line in a call.
        for line in text.lines() {
            let line = line.trim();
            let quoted = line
                .strip_prefix("id: \"")
                .or_else(|| line.strip_prefix('"').filter(|l| l.ends_with("\",")))
                .and_then(|rest| rest.split('"').next());
            if let Some(id) = quoted.filter(|id| {
                id.contains('.')
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
            }) {
                ids.insert(id.to_string());
            }
        }
    }
    assert!(ids.contains("decision.not_analysed"), "{ids:?}");
    let docs = std::fs::read_to_string("docs/lint.md").unwrap();
    let table: String = docs.lines().filter(|l| l.starts_with("| `")).collect();
    for id in &ids {
        let written = format!("`{id}`");
        // `unused.let`, `unused.table`, ... share a row.
        assert!(
            table.contains(&written),
            "docs/lint.md has no row for `{id}`"
        );
    }
}
