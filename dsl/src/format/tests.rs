#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::parse;

fn fmt(source: &str) -> String {
    match parse(source) {
        Ok(ruleset) => format_ruleset(&ruleset, source),
        Err(d) => panic!("{}", d.render("test.ordo", source)),
    }
}

#[test]
fn header_comments_and_groups() {
    let src = "/// doc\nruleset t version \"1.0.0\" // trailing\neffective 2026-01-01\n\n// lead\nlet x = (1 + 2) * 3 // why\nlet y = 1\n\ninput {\n  a: Int // first\n  b: { c: Text = \"x\" }\n}\n";
    let out = fmt(src);
    assert_eq!(
        out,
        "/// doc\nruleset t version \"1.0.0\" // trailing\neffective 2026-01-01\n\n// lead\nlet x = (1 + 2) * 3 // why\nlet y = 1\n\ninput {\n  a: Int // first\n  b: {\n    c: Text = \"x\"\n  }\n}\n"
    );
    assert_eq!(fmt(&out), out);
}

#[test]
fn decision_columns_are_aligned() {
    let src = "ruleset t version \"1\"\ndecision d hit first { | q | r || a | b | | >= 100 | \"x\" || 12% | 1 | | - | - || 0% | 22 | }\n";
    assert_eq!(
        fmt(src),
        "ruleset t version \"1\"\n\ndecision d hit first {\n  | q      | r   || a   | b  |\n  | >= 100 | \"x\" || 12% | 1  |\n  | -      | -   || 0%  | 22 |\n}\n"
    );
}

#[test]
fn the_canonical_form_drops_comments_docs_tests_and_layout() {
    let a = "/// doc\nruleset t version \"1\"\n// c\nlet x = 1 // t\nlet y = 2\ndecision d hit unique { | x || v | | - || 1 | }\ntest \"t\" { expect x == 1 }\n";
    let b = "ruleset t version \"1\" let x = (1) let y = 2 decision d { | x || v | | - || 1 | }";
    let canonical = format_canonical(&parse(a).unwrap());
    assert_eq!(canonical, format_canonical(&parse(b).unwrap()));
    assert_eq!(
        canonical,
        "ruleset t version \"1\"\n\nlet x = 1\n\nlet y = 2\n\ndecision d {\n  | x || v |\n  | - || 1 |\n}\n"
    );
}

#[test]
fn separators_are_added_where_elements_would_glue() {
    let src = "ruleset t version \"1\"\ntable t: Int -> Int { 1 => 2, -1 => 3 }\nbands b { 0..1 => x, (a).. => 2 }\ninput { a: Int = 2, days: Int }\n";
    let out = fmt(src);
    assert!(out.contains("  1 => 2,\n  -1 => 3\n"), "{out}");
    assert!(out.contains("  a: Int = 2,\n  days: Int\n"), "{out}");
    assert!(same_tree(&parse(src).unwrap(), &parse(&out).unwrap()));
}

#[test]
fn long_values_break_before_operators() {
    let long = (0..30)
        .map(|i| format!("value_{i}"))
        .collect::<Vec<_>>()
        .join(" + ");
    let src = format!("ruleset t version \"1\"\nlet total = {long}\n");
    let out = keeps_the_tree(&src);
    assert!(out.lines().all(|l| l.chars().count() <= 100), "{out}");
    assert!(
        out.lines().filter(|l| l.starts_with("  + ")).count() >= 2,
        "{out}"
    );
}

#[test]
fn the_contains_built_in_and_operator_print_back() {
    let src = "ruleset t version \"1\"\ninput { name: Text  tags: List<Text> }\nlet a = contains(name,\"x\") and tags contains \"y\"\nlet b = tags contains(\"z\")\nlet c = not contains( lower(name) , \"q\" )\n";
    let out = keeps_the_tree(src);
    assert!(
        out.contains("let a = contains(name, \"x\") and tags contains \"y\"\n"),
        "{out}"
    );
    assert!(out.contains("let b = tags contains \"z\"\n"), "{out}");
    assert!(
        out.contains("let c = not contains(lower(name), \"q\")\n"),
        "{out}"
    );
}

#[test]
fn a_field_of_a_dated_lookup_keeps_its_parentheses() {
    let src = "ruleset t version \"1\"\nlet x = (t[k] at d).f + t[k].f\n";
    let out = fmt(src);
    assert!(out.contains("let x = (t[k] at d).f + t[k].f\n"), "{out}");
    assert!(same_tree(&parse(src).unwrap(), &parse(&out).unwrap()));
}

/// A byte-order mark in front of the file is not part of the first doc comment's line: the
/// ruleset's doc reads the same with it as without it (found by the `parse` fuzz target).
#[test]
fn a_byte_order_mark_does_not_hide_the_first_doc_line() {
    let src = "\u{feff}/// First line.\n/// Second line.\nruleset bom version \"1.0.0\"\n";
    let with_mark = parse(src).unwrap();
    let out = fmt(src);
    assert!(!out.starts_with('\u{feff}'), "{out}");
    assert!(same_tree(&with_mark, &parse(&out).unwrap()), "{out}");
}

/// Comments may come before the byte-order mark, which then starts the header's line: the doc
/// comments above it stay the ruleset's doc, and formatting keeps the tree (found by the
/// `parse` fuzz target).
#[test]
fn a_byte_order_mark_after_the_doc_comments_keeps_them_the_rulesets() {
    let src = "/// First line.\n/// Second line.\n\u{feff}ruleset bom version \"1.0.0\"\n";
    let with_mark = parse(src).unwrap();
    assert_eq!(with_mark.doc, vec![" First line.", " Second line."]);
    let out = fmt(src);
    assert!(!out.contains('\u{feff}'), "{out}");
    assert!(same_tree(&with_mark, &parse(&out).unwrap()), "{out}");
}

/// A doc comment above a field whose line starts with the comma that separates it from the
/// field before documents that field, as it does once formatting drops the comma (found by
/// the `parse` fuzz target).
#[test]
fn a_doc_comment_above_a_leading_comma_documents_the_next_field() {
    let src = "ruleset r version \"1.0.0\"\n\ntype P = {\n  a: Int = 0\n  /// The b.\n  ,b: Int\n}\n\ninput {\n  p: P\n}\n\noutput x = 1\n";
    let out = keeps_the_tree(src);
    assert!(out.contains("  /// The b.\n  b: Int\n"), "{out}");
}

/// A `///` comment inside an expression that the layout moves after the declaration stays a
/// comment: a blank line keeps it off the next declaration's doc comments (found by the
/// `parse` fuzz target).
#[test]
fn a_doc_comment_moved_out_of_an_expression_documents_nothing() {
    let src = "ruleset r version \"1.0.0\"\n\nlet a = 1\n  + 2\n\n/// Inside the sum.\n/ 3\n/// The b.\nlet b = 4\n";
    let out = keeps_the_tree(src);
    assert!(
        out.contains("/// Inside the sum.\n\n/// The b.\nlet b = 4\n"),
        "{out}"
    );
}

/// ... and where the code it was in ends a block, the block closes right after it: formatting
/// stays a fixed point (found by the `parse` fuzz target).
#[test]
fn a_doc_comment_moved_out_of_a_last_row_stays_before_the_closing_brace() {
    let src = "ruleset r version \"1.0.0\"\n\ntable t: Text -> Bool {\n  \"A\", \"B\", /// One.\n/// Two.\n  _ => false\n}\n\noutput x = t[\"A\"]\n";
    keeps_the_tree(src);
}

/// A second trailing `///` comment goes on a line of its own, where it would document the next
/// field: a blank line keeps it a comment (found by the `parse` fuzz target).
#[test]
fn a_second_trailing_doc_comment_documents_nothing() {
    let src = "ruleset r version \"1.0.0\"\n\ninput {\n  quantity: Int // how many\n  ?/// Chosen extras.\n  note: Text?\n}\n\noutput x = 1\n";
    keeps_the_tree(src);
}

/// `src` formatted, once it is checked to mean the same tree and to be a fixed point.
fn keeps_the_tree(src: &str) -> String {
    let tree = parse(src).unwrap();
    let out = fmt(src);
    assert!(same_tree(&tree, &parse(&out).unwrap()), "{out}");
    assert_eq!(fmt(&out), out);
    out
}
