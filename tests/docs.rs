#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Every ```ordo block of the documentation is a complete ruleset that must compile, so the
//! docs cannot drift from the engine.

use std::path::Path;

fn ordo_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        match &mut current {
            None if line.trim_start().starts_with("```ordo") => {
                current = Some((i + 1, String::new()))
            }
            None => {}
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
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
    let blocks = ordo_blocks(&text);
    for (line, source) in &blocks {
        if let Err(diagnostics) = ordo_engine::Ruleset::compile(source) {
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

#[test]
fn readme_examples_compile() {
    assert!(check_file("README.md") >= 1);
}
