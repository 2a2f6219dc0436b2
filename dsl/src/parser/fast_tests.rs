//! The fast grammar against the documented one: the same tree (spans and comments included)
//! wherever the fast grammar accepts a source, and the documented grammar's diagnostic wherever
//! it refuses one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use super::{MAX_DEPTH, parse, parse_fast_only, parse_full};

/// Both paths agree on `source`; `true` when the fast grammar accepted it.
fn agree(source: &str, what: &str) -> bool {
    let full = parse_full(source);
    match parse_fast_only(source) {
        Some(fast) => {
            assert_eq!(fast, full, "the two grammars disagree on {what}");
            true
        }
        None => {
            assert_eq!(
                parse(source),
                full,
                "the fallback changed the result of {what}"
            );
            false
        }
    }
}

fn ordo_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            ordo_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "ordo") {
            out.push(path);
        }
    }
}

/// Every ruleset of the repository: the examples, the test fixtures and the fuzzing corpus.
fn repository_sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["examples", "tests", "engine/tests", "fuzz/corpus"] {
        ordo_files(&root.join(dir), &mut files);
    }
    files.sort();
    files
}

#[test]
fn every_repository_ruleset_parses_to_the_same_tree_on_both_paths() {
    let files = repository_sources();
    assert!(files.len() > 20, "only {} rulesets found", files.len());
    let mut valid = 0;
    for path in &files {
        let source = std::fs::read_to_string(path).unwrap();
        let accepted = agree(&source, &path.display().to_string());
        if parse_full(&source).is_ok() {
            valid += 1;
            assert!(accepted, "the fast grammar refuses {}", path.display());
        }
    }
    assert!(valid > 20, "only {valid} valid rulesets");
}

#[test]
fn the_examples_take_the_fast_path() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut files = Vec::new();
    ordo_files(&root, &mut files);
    assert!(files.len() >= 5);
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        let fast = parse_fast_only(&source);
        assert!(matches!(fast, Some(Ok(_))), "{}: {fast:?}", path.display());
    }
}

const HEADER: &str = "ruleset t version \"1.0.0\"\n";

/// Forms each guard of the fast grammar must let through or pass on exactly as the documented
/// grammar does: numbers beside dates, percents and durations; names beside calls; cells that
/// are and are not ranges, with `|` and `..` inside strings and comments.
#[test]
fn the_guarded_forms_give_the_same_tree() {
    let bodies = [
        "let a = 310.00 + 5% * 2 days - 1 hour",
        "let a = 2026-03-01 + 3 days\nlet b = 2026-03-01T09:00:00Z\nlet c = 2026-3 - 1",
        "let a = 2026 -01\nlet b = 20261-01-01",
        "let a = 5 days\nlet b = 5\ndays: Int",
        "let a = f(x) + f (x) + g(y for y in ys if y > 1) + all(i in xs: i > 0)",
        "let a = contains(s, \"x\") and s contains \"y\" or not b implies c ?? d",
        "let a = x in 1..<5 and y in [1, 2] and z.w[1, 2]? at 2026-01-01",
        "let a = -x.y + -(1) / 2 != 3 >= 4 <= 5 < 6 > 7 == 8",
        "let a = if a then b else if c then d else { x: 1, y: [1, 2, {3}] }",
        "let a = match x { 1, 2 => \"a\", _ => \"b {x} \\\" c\" }",
        "decision d hit first {\n | a | b | c || r |\n | 1..5 | \"a|b\" | - || 1 |\n | >= 2 | none | 1, 2 || 2 |\n | \"x\"..\"y\" | -1..<1 | a.b..c || 3 |\n | (1/2)..1 | // | comment\n 2 | x || 4 |\n | - | - | - || n |\n}",
        "decision d { | a || r | | 1 .. 2 | 3 | }",
        "decision d { | a || r | | 1 | | }",
        "table t: Text -> Int { \"a\" => 1, _ => 2 }\ntable u: (Text, Int) -> Int { (\"a\", 1) => 1, (_, 2) => 2 }",
        "bands b { 0..10 => 1, 10..<20 => 2, 20.. => 3 }",
        "input { a: Int in 0..10 = 2, b: Text matching \"x\" else \"no\" fallback \"y\", c: { d: Int } }",
        "price p currency \"EUR\" rounding half_up {\n line base \"Base\" qty n at 10\n discount d = 5% of base when x\n subtotal s\n for l in lines key l.id { tax t = l.a }\n}",
        "test \"t\" { given { a: 1, b: \"x\" } as_of 2026-01-01 expect a == 1 expect b }\ntest \"u\" { given {} expect true }",
        "constraint c for x in xs: x > 0 else error \"bad {x}\"\nfn f(a: Int, b: List<Int>) -> Int = a + len(b)",
        "let a = x // a comment | with .. bars\n  + 1 // and another\n// between\nlet b = \"//\" + \"..\"",
        "let a = f(\n  1,\n  2,\n)\nlet b = f\n(1)",
        // Cells read as one primary before their `|`, and cells that only start like one.
        "decision d {\n | a | b || r | s |\n | \"x\" | y_1 || 5 | 5% |\n | 12.50 // c\n | _z || n | \"w {v}\" |\n | name | nonex || \"a\" // c\n | 2026 |\n}",
        // A trailing comment after a string whose interpolation holds a string.
        "decision d hit first {\n| 0 || a | a |\n| - || \"a \\\"q\\\" {round(\"a \\\"q\\\"\", 1)} end\" | 1 | // trailing\n}\nlet b = \"{f(\"x\")}\" // c",
        // Cells read as one node (`cell_leaf`) beside cells that only start like one: empty
        // strings, a `}` in a string, escapes, interpolations, calls, reserved words.
        "decision d {\n | a | b | c || r | s | t |\n | \"\" | \"a}b\" | \"\\\"\" || \"\" | \"}\" | \"a\\nb\" |\n | \"{x}\" | x.y | -1 || f(x) | g(x, 1) | f() |\n | true | falsey | nonex || true | falsey | nonex |\n | 0% | 1.5% | 007 || 100.00% | 0.0 | _ |\n | x_1 | y // c\n | z || 1 | 2 | 3 |\n}",
        // Tests read as one node (`cell_test`) beside tests that only start like one.
        "decision d {\n | a | b | c || r |\n | 1..<10 | 1..10 | 1.5..2.25 || 1 |\n | >= 10 | >=10 | <  5 || 2 |\n | == 0.5 | != 3 | >\t7 // c\n || 3 |\n | > 5 days | 1..5 days | 1 .. 5 || 4 |\n | >= 10 + 1 | >= -1 | 1..5% || 5 |\n | 2026..2027 | <= 2026-01-01 | 0..<0.5 // c\n || 6 |\n | 1..x | x..1 | == x || 7 |\n}",
        "decision d {\n | a | b || r | s |\n | none | - || true | none |\n | 5 days | 2026-01-01 || 2026-01-01T09:00:00Z | 5 days |\n | \"a\"..\"b\" | 1..5 || f (x) | x.y |\n | \"a\", \"b\" | -1 || 1 + 2 | g(1) |\n | x in [1] | 2026-1 || \"a\" ?? b | 1 - 1 |\n}",
    ];
    for body in bodies {
        let source = format!("{HEADER}{body}\n");
        let accepted = agree(&source, &source);
        if parse_full(&source).is_ok() {
            assert!(accepted, "the fast grammar refuses:\n{source}");
        }
    }
}

/// The reserved words, which the fast grammar tries by their first letter, and names that
/// start like them.
#[test]
fn reserved_words_and_names_like_them_give_the_same_tree() {
    for word in super::KEYWORDS.iter().chain(&["price", "x"]) {
        for name in [word.to_string(), format!("{word}x"), format!("{word}_1")] {
            let prefix: String = name.chars().take(name.len().saturating_sub(1)).collect();
            for source in [
                format!("{HEADER}let a = {name}\n"),
                format!("{HEADER}let a = {prefix} + f({name}) + {{ {name}: 1 }}\n"),
                format!("{HEADER}let {name} = 1\n"),
            ] {
                agree(&source, &source);
            }
        }
    }
}

/// Broken sources: the fast grammar refuses them and the documented grammar's diagnostic is
/// reported unchanged.
#[test]
fn refused_sources_keep_the_documented_diagnostic() {
    let broken = [
        "ruleset t",
        "ruleset t version \"1\"\nlet a = 1 +\n",
        "ruleset t version \"1\"\nlet a = (1\n",
        "ruleset t version \"1\"\ndecision d { | a || r | | 1.. | 2 | }\n",
        "ruleset t version \"1\"\nlet a = 5 %\n",
        "ruleset t version \"1\"\nlet a = f(1 2)\n",
        "ruleset t version \"1\"\nlet if = 1\n",
        "ruleset t version \"1\"\ntable t: Int -> Int { 1 => }\n",
        "",
    ];
    for source in broken {
        assert!(parse_fast_only(source).is_none(), "{source}");
        let full = parse_full(source);
        assert!(full.is_err(), "{source}");
        assert_eq!(parse(source), full, "{source}");
    }
}

/// Literal errors are found in the tree, so both paths report them the same way.
#[test]
fn literal_errors_are_the_same_on_both_paths() {
    let source = format!("{HEADER}let a = 2026-02-30\nlet b = 99999999999999999999999999999999\n");
    assert!(parse_full(&source).is_err());
    assert!(agree(&source, "literal errors"));
    // In decision cells read as one node: numbers and percents too large for a decimal, alone,
    // in ranges and in comparisons.
    let huge = "99999999999999999999999999999999";
    let source = format!(
        "{HEADER}decision d {{\n | a | b || r | s |\n | {huge} | 1..{huge} || {huge}% | {huge} |\n | {huge}% | >= {huge} || 1 | 2 |\n | {huge}..<1 | != {huge} || 1 | 2 |\n}}\n"
    );
    assert!(parse_full(&source).is_err());
    assert!(agree(&source, "literal errors in cells"));
}

/// The depth limit holds on the fast path: the deepest accepted nesting of each form parses,
/// one level more is refused with the same diagnostic.
#[test]
fn the_depth_limit_holds_on_the_fast_path() {
    let deep = |open: &str, close: &str, levels: usize| {
        format!(
            "{HEADER}let a = {}1{}\n",
            open.repeat(levels),
            close.repeat(levels)
        )
    };
    let chain = |op: &str, terms: usize| {
        let terms: Vec<String> = (0..terms).map(|i| format!("x{i}")).collect();
        format!("{HEADER}let a = {}\n", terms.join(op))
    };
    let sources = [
        deep("(", ")", MAX_DEPTH),
        deep("(", ")", MAX_DEPTH + 1),
        deep("[", "]", MAX_DEPTH),
        deep("[", "]", MAX_DEPTH + 1),
        deep("{ a: ", " }", MAX_DEPTH),
        deep("{ a: ", " }", MAX_DEPTH + 1),
        deep("f(", ")", MAX_DEPTH + 1),
        deep("-", "", MAX_DEPTH + 1),
        deep("not ", "", MAX_DEPTH + 1),
        chain(" + ", MAX_DEPTH + 1),
        chain(" + ", MAX_DEPTH + 2),
        chain(" and ", 5_000),
        chain(" or ", 5_000),
        chain(" + ", 5_000),
        format!(
            "{HEADER}let a = {}0\n",
            (0..2_500)
                .map(|i| format!("if c{i} then {i} else "))
                .collect::<String>()
        ),
    ];
    for source in &sources {
        agree(source, "a deep source");
    }
    assert!(parse(&sources[0]).is_ok());
    assert!(parse(&sources[1]).is_err());
    assert!(parse(&sources[11]).is_err());
}
