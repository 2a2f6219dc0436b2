#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! `ordo lint` and `ordo graph` end to end: the examples are lint-clean, findings fail the
//! command, and the drawings are valid Mermaid and DOT (DOT checked by Graphviz's `dot`).

use std::io::Write;
use std::process::{Command, Stdio};

mod common;
use common::ordo;

const EXAMPLES: [&str; 5] = [
    "examples/documents/documents.ordo",
    "examples/bikes/bikes.ordo",
    "examples/freight/freight.ordo",
    "examples/orders/orders.ordo",
    "examples/tickets/tickets.ordo",
];

#[test]
fn the_examples_are_lint_clean() {
    let mut args = vec!["lint", "--deny", "warnings"];
    args.extend(EXAMPLES);
    let out = ordo(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn findings_fail_lint_and_are_reported_as_json() {
    let out = ordo(&[
        "lint",
        "tests/fixtures/conformance/runtime_errors/ruleset.ordo",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = report[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"decision.gap") && ids.contains(&"decision.overlap"),
        "{ids:?}"
    );
    assert_eq!(report[0]["findings"][1]["line"], 12);
}

/// A ruleset with functions and a decision with parameters (spec §19), written to a file.
fn parts_file() -> String {
    let dir = std::env::temp_dir().join(format!("ordo-graph-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("parts.ordo");
    std::fs::write(
        &path,
        "ruleset parts version \"1.0.0\"\n\
         enum Model { c10, c20 }\n\
         type Item = { pos: Text, model: Model, qty: Int in 1..100 }\n\
         input { customer: Text  items: List<Item> len 1..20 }\n\
         table list_price: Model -> Decimal { c10 => 100.00  c20 => 250.00 }\n\
         table contract_price: (Text, Model) -> Decimal { (\"C-1\", c20) => 200.00 }\n\
         fn price_of(customer: Text, m: Model) -> Decimal = contract_price[customer, m]? ?? list_price[m]\n\
         decision fee(i: Item) hit first {\n  | i.model || fee |\n  | c10 || 30.00 |\n  | - || 45.00 |\n}\n\
         price quote currency \"EUR\" {\n  for i in items key i.pos {\n    line unit \"{i.pos}\" qty i.qty at price_of(customer, i.model)\n    surcharge fee \"Fee\" = fee(i)\n  }\n}\n\
         output positions = [i.pos for i in items]\n",
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn dot_output_is_accepted_by_graphviz() {
    let parts = parts_file();
    for example in EXAMPLES.iter().copied().chain([parts.as_str()]) {
        let out = ordo(&["graph", example, "--format", "dot"]);
        assert!(out.status.success());
        let mut dot = Command::new("dot")
            .arg("-Tsvg")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("Graphviz `dot` is needed for this test (apt-get install graphviz)");
        dot.stdin.take().unwrap().write_all(&out.stdout).unwrap();
        let rendered = dot.wait_with_output().unwrap();
        assert!(
            rendered.status.success(),
            "{example}: {}",
            String::from_utf8_lossy(&rendered.stderr)
        );
        assert!(String::from_utf8_lossy(&rendered.stdout).contains("<svg"));
    }
}

#[test]
fn mermaid_output_is_a_well_formed_flowchart() {
    let out = ordo(&["graph", "examples/bikes/bikes.ordo"]);
    assert!(well_formed_mermaid(&String::from_utf8(out.stdout).unwrap()) > 10);
}

#[test]
fn functions_and_decisions_with_parameters_are_drawn_with_their_calls() {
    let parts = parts_file();
    let out = ordo(&["graph", &parts]);
    let text = String::from_utf8(out.stdout).unwrap();
    well_formed_mermaid(&text);
    let id = |label: &str| {
        text.lines()
            .find(|l| l.contains(&format!("\"{label}\"")))
            .map(|l| l.trim().split(['[', '{', '(']).next().unwrap().to_string())
            .unwrap_or_else(|| panic!("no node {label}:\n{text}"))
    };
    assert!(
        text.contains(&format!("{}[/\"price_of\"\\]", id("price_of"))),
        "{text}"
    );
    for (from, to) in [
        ("contract_price", "price_of"),
        ("list_price", "price_of"),
        ("price_of", "quote"),
        ("fee", "quote"),
        ("items", "quote"),
    ] {
        assert!(
            text.contains(&format!("{} --> {}", id(from), id(to))),
            "{from} -> {to}:\n{text}"
        );
    }
    assert!(!text.contains("\"Item\""), "{text}");
    // Lint reads calls too: nothing is unused.
    let lint = ordo(&["lint", "--deny", "warnings", &parts]);
    assert!(
        lint.status.success(),
        "{}",
        String::from_utf8_lossy(&lint.stderr)
    );
}

/// Checks a Mermaid flowchart line by line; the number of nodes.
fn well_formed_mermaid(text: &str) -> usize {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("flowchart LR"));
    let shapes = [
        ("[/\"", "\"\\]"),
        ("([\"", "\"])"),
        ("[(\"", "\")]"),
        ("{{\"", "\"}}"),
        ("[/\"", "\"/]"),
        ("[[\"", "\"]]"),
        (">\"", "\"]"),
        ("{\"", "\"}"),
        ("(\"", "\")"),
        ("((\"", "\"))"),
        ("[\"", "\"]"),
    ];
    let mut declared = std::collections::BTreeSet::new();
    for line in lines {
        let line = line.trim();
        if let Some((a, b)) = line.split_once(" --> ") {
            assert!(
                declared.contains(a) && declared.contains(b),
                "edge to an undeclared node: {line}"
            );
            continue;
        }
        let id: String = line
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let rest = &line[id.len()..];
        let shape = shapes.iter().find(|(o, c)| {
            rest.starts_with(o) && rest.ends_with(c) && rest.len() >= o.len() + c.len()
        });
        let (open, close) = shape.unwrap_or_else(|| panic!("bad node line: {line}"));
        assert!(id.starts_with('n'), "{line}");
        let label = &rest[open.len()..rest.len() - close.len()];
        assert!(!label.is_empty() && !label.contains('"'), "{line}");
        declared.insert(id);
    }
    declared.len()
}

#[test]
fn focus_keeps_what_feeds_and_what_depends() {
    let out = ordo(&["graph", "examples/bikes/bikes.ordo", "--focus", "shipping"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("\"ship_to.country\"") && text.contains("\"quote\""),
        "{text}"
    );
    assert!(!text.contains("\"cargo_sizes\""), "{text}");
    let unknown = ordo(&["graph", "examples/bikes/bikes.ordo", "--focus", "shiping"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean `shipping`?"));
}
