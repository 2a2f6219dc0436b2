//! The source's nesting bound: every form pest recurses on, at the limit and one past it, on a
//! 1 MiB stack (a WASM module's default), and the lexical forms that must not move the count
//! (comments and strings inside interpolations, raw patterns, labels after a name `matching`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::check_source;
use crate::parser::{MAX_DEPTH, parse, parse_expression};
use crate::{format_canonical, format_ruleset};

const HEADER: &str = "ruleset t version \"1.0.0\"\n";

fn on_small_stack(work: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(work)
        .unwrap()
        .join()
        .unwrap();
}

/// A string whose interpolations nest `levels` deep; `comment` puts a `//` comment holding a
/// quote in each interpolation, before the string it holds.
fn interpolations(levels: usize, comment: bool) -> String {
    let open = if comment { "\"{ // a \" here\n" } else { "\"{" };
    let close = if comment { "\n}\"" } else { "}\"" };
    format!("{}x{}", open.repeat(levels), close.repeat(levels))
}

fn value(expression: &str) -> String {
    format!("{HEADER}let a = {expression}\n")
}

fn refused_as_too_deep(source: &str, what: &str) {
    let errors = parse(source).expect_err(what);
    let first = &errors.0[0];
    assert!(
        first.message.contains("nest more than"),
        "{what}: {}",
        first.message
    );
    assert!(first.span.start < source.len(), "{what}");
}

/// The forms that nest only through pest's recursion, `levels` deep.
fn forms(levels: usize) -> Vec<(&'static str, String)> {
    vec![
        ("interpolations", value(&interpolations(levels, false))),
        (
            "interpolations with a quote in a comment",
            value(&interpolations(levels, true)),
        ),
        (
            "interpolations holding calls",
            value(&format!(
                "{}x{}",
                "\"{f(".repeat(levels / 2),
                ")}\"".repeat(levels / 2)
            )),
        ),
        (
            "matches",
            value(&format!(
                "{}x{}",
                "match b { true => ".repeat(levels),
                ", _ => 0 }".repeat(levels)
            )),
        ),
        (
            "list types",
            format!(
                "{HEADER}type t = {}Int{}\n",
                "List<".repeat(levels),
                ">".repeat(levels)
            ),
        ),
        (
            "set types in a field",
            format!(
                "{HEADER}input {{ a: {}Int{} }}\n",
                "Set<".repeat(levels - 1),
                ">".repeat(levels - 1)
            ),
        ),
    ]
}

#[test]
fn every_form_at_the_limit_parses_and_formats_on_a_one_mib_stack() {
    on_small_stack(|| {
        for (form, source) in forms(MAX_DEPTH) {
            let ast = parse(&source).unwrap_or_else(|e| panic!("{form}: {e:?}"));
            let _ = format_ruleset(&ast, &source);
            let _ = format_canonical(&ast);
        }
    });
}

#[test]
fn every_form_one_level_past_the_limit_is_refused() {
    on_small_stack(|| {
        for (form, source) in forms(MAX_DEPTH + 1) {
            if form == "interpolations holding calls" {
                continue;
            }
            refused_as_too_deep(&source, form);
        }
        refused_as_too_deep(
            &value(&format!(
                "{}x{}",
                "\"{f(".repeat(MAX_DEPTH / 2 + 1),
                ")}\"".repeat(MAX_DEPTH / 2 + 1)
            )),
            "interpolations holding calls",
        );
    });
}

/// Far past the limit, in every form: refused before pest runs, without reaching the stack's
/// end (the bound this pass gives is what keeps pest's parse on the stack).
#[test]
fn deep_forms_are_refused_cleanly() {
    on_small_stack(|| {
        let n = 100_000;
        let sources = [
            value(&interpolations(n, false)),
            value(&interpolations(n, true)),
            value(&format!("{}x{}", "match ".repeat(n), " {}".repeat(n))),
            value(&format!(
                "{}x{}",
                "match {1} == ".repeat(n),
                " {}".repeat(n)
            )),
            format!(
                "{HEADER}type t = {}Int{}\n",
                "List<".repeat(n),
                ">".repeat(n)
            ),
            // `type`, `fn` and `price` may be names: they do not end an `if` chain.
            value(&"if c then type else ".repeat(n)),
            value(&"if c then price else ".repeat(n)),
            // A pattern with an open brace does not turn the code after it into a string.
            format!(
                "{HEADER}input {{ x: Text matching \"a{{\" }} let y = {}1{}\n",
                "(".repeat(n),
                ")".repeat(n)
            ),
            format!(
                "{HEADER}input {{ x: tax matching \"a{{\" }} let y = {}1{}\n",
                "(".repeat(n),
                ")".repeat(n)
            ),
            // A label after a step named `matching` is a string with interpolations.
            format!(
                "{HEADER}approval a {{ step matching {} by r }}\n",
                interpolations(n, true)
            ),
        ];
        for source in &sources {
            assert!(check_source(source).is_some(), "{}", &source[..80]);
            refused_as_too_deep(source, &source[..80]);
        }
        assert!(parse_expression(&interpolations(n, true)).is_err());
    });
}

/// What must not count: brackets in comments, in strings and in patterns, braces escaped in
/// strings, labels with interpolations after a name `matching`; and what ends an `if` or a
/// `match`: the cells of a row, a lone `=`, the next declaration.
#[test]
fn valid_sources_are_not_refused() {
    let n = 3 * MAX_DEPTH;
    let many = |item: &str| item.repeat(n);
    let sources = [
        value(&format!("\"{}\"", "(".repeat(n))),
        value(&format!("\"{}\"", "\\{".repeat(n))),
        value(&format!("x // {}\n", "(\"".repeat(n))),
        value(&format!(
            "\"{{ x // {} \n}} {}\"",
            "(".repeat(n),
            "(".repeat(n)
        )),
        value(&format!("\"{{ \"a \\\"{}\" }} \"", "(".repeat(n))),
        format!(
            "{HEADER}input {{\n{}}}\n",
            many("  a: Text matching \"[{(]\\\\{\" else \"no \\{\"\n")
        ),
        format!(
            "{HEADER}approval a {{\n{}}}\n",
            many("  step matching \"Check {f(\"(\")}\" by r\n")
        ),
        format!(
            "{HEADER}decision d {{\n  | a || r |\n{}}}\n",
            many("  | if a then 1 else 2 | match b { _ => 1 } || 1 |\n")
        ),
        format!(
            "{HEADER}{}",
            many("fn f(a: Int) -> Int = if a > 0 then a else 0\n")
        ),
        format!(
            "{HEADER}{}",
            many("type t = { a: List<Set<Int>>, b: Int = match x { _ => 1 } }\n")
        ),
        format!("{HEADER}let a = [{}]\n", many("match x { _ => 1 }, ")),
    ];
    for source in &sources {
        assert_eq!(check_source(source), None, "{source}");
        assert!(parse(source).is_ok(), "{source}");
    }
}

/// A string's nesting is the interpolation's: the limit counts it with the brackets around it.
#[test]
fn interpolations_count_with_the_brackets_around_them() {
    let half = MAX_DEPTH / 2;
    let mixed = |levels: usize| {
        value(&format!(
            "{}x{}",
            "(\"{".repeat(levels),
            "}\")".repeat(levels)
        ))
    };
    assert!(parse(&mixed(half)).is_ok());
    refused_as_too_deep(&mixed(half + 1), "brackets and interpolations");
}

/// Trailing comments are found after strings whose interpolations hold strings (with escaped
/// quotes) and after patterns, where `{` is text; never inside a string.
#[test]
fn comments_are_found_outside_strings_interpolations_and_patterns() {
    fn found(line: &str) -> Option<&str> {
        super::comment_start(line).map(|at| &line[at..])
    }
    for line in [
        "a + 1 // c",
        "\"a // b\" // c",
        "| \"a \\\"q\\\" {round(\"a \\\"q\\\"\", 1)} end\" | // c",
        "\"{ \"{ \"x // y\" }\" }\" // c",
        "x: Text matching \"a\\\"{\" // c",
        "\"{ x // c",
    ] {
        assert_eq!(found(line), Some("// c"), "{line}");
    }
    // In a pattern `\\` is no escape: `\"` after it is, and the pattern goes on.
    for line in [
        "x: Text matching \"[{]\\\\\" // c",
        "\"a // b\"",
        "\"{ \"//\" }\"",
        "x: Text matching \"a{ // b\"",
    ] {
        assert_eq!(found(line), None, "{line}");
    }
}
