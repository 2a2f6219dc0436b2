#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The formatter: idempotent, faithful (the output parses to the same tree as the input, spans
//! and comments aside), keeps every comment, and gives the content hash its stability. Checked
//! on generated rulesets, on every ruleset of the repository, and through `ordo fmt`.

use std::path::{Path, PathBuf};
use std::process::Command;

use ordo_dsl::{format_canonical, format_ruleset, parse};
use ordo_engine::Ruleset;
use proptest::prelude::*;
use serde_json::Value as Json;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The tree as JSON with every span and the comment list removed.
fn tree(source: &str) -> Json {
    let ruleset = parse(source).unwrap_or_else(|d| panic!("{}", d.render("gen.ordo", source)));
    let mut json = serde_json::to_value(&ruleset).unwrap();
    strip(&mut json);
    json
}

fn strip(value: &mut Json) {
    match value {
        Json::Object(map) => {
            map.retain(|key, _| key != "comments" && !key.ends_with("span"));
            // A bare span (the `_` key of a table row).
            if map.len() == 2 && map.contains_key("start") && map.contains_key("end") {
                *value = Json::Null;
                return;
            }
            map.values_mut().for_each(strip);
        }
        Json::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

fn comments(source: &str) -> Vec<String> {
    parse(source)
        .unwrap()
        .comments
        .iter()
        .map(|c| format!("{}{}", if c.doc { "///" } else { "//" }, c.text))
        .collect()
}

fn fmt(source: &str) -> String {
    format_ruleset(&parse(source).unwrap(), source)
}

/// Every property the formatter promises, for one source.
fn check_formatting(source: &str) {
    let formatted = fmt(source);
    let reparsed = parse(&formatted).unwrap_or_else(|d| {
        panic!(
            "the output does not parse:\n{}\n--- input:\n{source}\n--- output:\n{formatted}",
            d.render("out.ordo", &formatted)
        )
    });
    assert_eq!(
        tree(source),
        tree(&formatted),
        "the tree changed\n--- input:\n{source}\n--- output:\n{formatted}"
    );
    assert_eq!(
        fmt(&formatted),
        formatted,
        "not idempotent\n--- input:\n{source}"
    );
    assert_eq!(
        comments(source),
        comments(&formatted),
        "comments lost or reordered\n--- input:\n{source}\n--- output:\n{formatted}"
    );
    assert_eq!(
        format_canonical(&parse(source).unwrap()),
        format_canonical(&reparsed),
        "the canonical form changed"
    );
    assert!(formatted.ends_with('\n') && !formatted.ends_with("\n\n"));
    assert!(
        formatted.lines().all(|l| l == l.trim_end()),
        "trailing spaces\n{formatted}"
    );
}

// ---------------------------------------------------------------------------------------------
// Generated rulesets: random declarations, expressions with random parentheses, comments and
// blank lines. Only syntax matters to the formatter, so the rulesets need not type-check.

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "a", "b", "quantity", "x_1", "total", "price", "line", "days", "owner", "p200",
    ])
    .prop_map(str::to_string)
}

fn text_literal() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        r#""""#,
        r#""DE""#,
        r#""a \"quoted\" word""#,
        r#""back\\slash and \{brace}""#,
        r#""tab\tnew\nline""#,
        r#""× ünïcode""#,
        r#""closing } alone""#,
    ])
    .prop_map(str::to_string)
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "0",
            "12",
            "1850.00",
            "0.5",
            "12%",
            "8.1%",
            "2.50%",
            "true",
            "false",
            "none",
            "2026-03-01",
            "2 days",
            "1 day",
            "3 weeks",
            "12 hours",
            "30 minutes",
            "1.5 hours",
        ])
        .prop_map(str::to_string),
        text_literal(),
        name(),
    ]
}

/// A range bound (the grammar's `operand`).
fn operand() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["0", "10", "-5", "49.5", "a", "-b", "x_1.f", "(a + 1)"])
            .prop_map(str::to_string),
    ]
}

/// Whitespace between tokens, sometimes a line break or a comment.
fn gap() -> impl Strategy<Value = String> {
    prop::sample::select(vec![" ", " ", " ", "  ", "\n  ", " // note\n  "]).prop_map(str::to_string)
}

fn paren(e: String, wrap: bool) -> String {
    if wrap { format!("({e})") } else { e }
}

fn expr() -> impl Strategy<Value = String> {
    literal().prop_recursive(4, 40, 4, |inner| {
        prop_oneof![
            // Binary operators, each side parenthesised or not.
            (
                inner.clone(),
                prop::sample::select(vec![
                    "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "and", "or", "implies",
                    "in", "contains", "??",
                ]),
                inner.clone(),
                any::<bool>(),
                any::<bool>(),
                gap(),
            )
                .prop_map(|(l, op, r, pl, pr, g)| format!(
                    "{}{g}{op} {}",
                    paren(l, pl),
                    paren(r, pr)
                )),
            (inner.clone(), any::<bool>()).prop_map(|(e, p)| format!("-{}", paren(e, p))),
            (inner.clone(), any::<bool>()).prop_map(|(e, p)| format!("not {}", paren(e, p))),
            (inner.clone(), name()).prop_map(|(e, f)| format!("({e}).{f}")),
            (name(), name()).prop_map(|(t, f)| format!("{t}.{f}")),
            (name(), inner.clone()).prop_map(|(t, k)| format!("{t}[{k}]")),
            // v0.2: composite keys, optional lookups, lookups at a date, list comprehensions.
            (name(), inner.clone(), inner.clone()).prop_map(|(t, a, b)| format!("{t}[{a}, {b}]?")),
            (name(), inner.clone(), name()).prop_map(|(t, k, d)| format!("{t}[{k}] at {d}")),
            (
                inner.clone(),
                inner.clone(),
                prop::option::of(inner.clone())
            )
                .prop_map(|(body, c, f)| match f {
                    Some(f) => format!("[{body} for x in {c} if {f}]"),
                    None => format!("[{body} for x in {c}]"),
                }),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("price_of({a}, {b})")),
            (inner.clone(), operand(), operand(), any::<bool>()).prop_map(|(v, lo, hi, h)| {
                format!("({v}) in {lo}{}{hi}", if h { "..<" } else { ".." })
            }),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("if {c} then {a} else {b}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(s, a, b)| format!("match {s} {{ p200, a => {a}\n  _ => {b} }}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("round({a}, {b})")),
            Just("floor()".to_string()),
            (
                inner.clone(),
                inner.clone(),
                prop::option::of(inner.clone())
            )
                .prop_map(|(body, c, f)| match f {
                    Some(f) => format!("sum({body} for x in {c} if {f})"),
                    None => format!("sum({body} for x in {c})"),
                }),
            (inner.clone(), inner.clone()).prop_map(|(c, p)| format!("any(e in {c}: {p})")),
            prop::collection::vec(inner.clone(), 0..3)
                .prop_map(|items| format!("[{}]", items.join(", "))),
            prop::collection::vec(name(), 0..3)
                .prop_map(|items| format!("{{{}}}", items.join(", "))),
            (name(), inner.clone()).prop_map(|(f, v)| format!("{{ {f}: {v} }}")),
            (inner.clone(), text_literal()).prop_map(|(e, t)| {
                let body = t.trim_matches('"');
                format!("\"{body} {{{e}}} end\"")
            }),
        ]
    })
}

fn comment() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "",
        "",
        "// plain\n",
        "/// doc line\n",
        "// two\n// lines\n",
        "\n// after blank\n",
        "/// doc\n\n",
    ])
    .prop_map(str::to_string)
}

fn trailing() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "", "", " // trailing"]).prop_map(str::to_string)
}

fn type_expr() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Int",
        "Decimal",
        "Text?",
        "List<Int>",
        "Set<Extra>",
        "{ a: Int, b: Text = \"x\" }",
        "{ c: Bool }?",
        "Percent",
    ])
    .prop_map(str::to_string)
}

fn decl() -> impl Strategy<Value = String> {
    prop_oneof![
        (name(), expr(), trailing()).prop_map(|(n, e, t)| format!("let {n} = {e}{t}")),
        (name(), type_expr(), expr()).prop_map(|(n, ty, e)| format!("output {n}: {ty} = {e}")),
        (name(), expr(), prop::sample::select(vec!["error", "warning", "review"]), trailing())
            .prop_map(|(n, e, s, t)| format!("constraint {n}: {e}{t}\n  else {s} \"msg {{a}}\"")),
        prop::collection::vec(name(), 0..4)
            .prop_map(|v| format!("enum E {{ {} }}", v.join(", "))),
        // v0.2: named types with refinements, functions, decisions with parameters,
        // constraints over elements, composite keys.
        (name(), refinement(), prop::option::of(text_literal()), prop::option::of(literal()))
            .prop_map(|(n, r, message, d)| {
                let message = message.map_or(String::new(), |m| format!(" else {m}"));
                let fallback = if r == "E" { " fallback other" } else { "" };
                let default = d.map_or(String::new(), |d| format!(" = {d}"));
                format!("type T = {{ pos: Text, {n}: {r}{message}{fallback}{default} }}")
            }),
        (name(), prop::collection::vec(name(), 0..3), prop::option::of(type_expr()), expr())
            .prop_map(|(n, params, result, body)| {
                let params: Vec<String> = params.iter().map(|p| format!("{p}: Int")).collect();
                let result = result.map_or(String::new(), |t| format!(" -> {t}"));
                format!("fn f_{n}({}){result} = {body}", params.join(", "))
            }),
        (name(), expr(), expr(), prop::sample::select(vec!["error", "warning"]))
            .prop_map(|(n, c, cond, s)| {
                format!("constraint {n} for x in {c}: {cond}\n  else {s} \"at {{x}}\"")
            }),
        (name(), literal(), expr())
            .prop_map(|(n, k, v)| format!("table t2: (Text, E) -> Int {{\n  ({k}, {n}) => {v}\n  (_, {n}) => 0\n}}")),
        (name(), expr()).prop_map(|(p, e)| {
            format!("decision dp({p}: Int) hit first {{\n| {p} || v |\n| -  || {} |\n}}", e.replace('\n', " ").replace("// note", ""))
        }),
        prop::collection::vec(name(), 1..4).prop_map(|v| format!("roles {}", v.join(", "))),
        prop::collection::vec((name(), type_expr(), prop::option::of(literal()), comment(), trailing()), 0..5)
            .prop_map(|fields| {
                let body: Vec<String> = fields
                    .into_iter()
                    .map(|(n, t, d, c, tr)| match d {
                        Some(d) => format!("{c}{n}: {t} = {d}{tr}"),
                        None => format!("{c}{n}: {t}{tr}"),
                    })
                    .collect();
                // A field named `days` after a default ending in a number stays a field
                // (a duration does not span lines).
                format!("input {{\n{}\n}}", body.join("\n"))
            }),
        prop::collection::vec((prop::collection::vec(literal(), 1..3), expr(), any::<bool>(), trailing()), 0..5)
            .prop_map(|rows| {
                let rows: Vec<String> = rows
                    .into_iter()
                    .map(|(keys, v, wild, t)| {
                        let key = if wild { "_".to_string() } else { keys.join(", ") };
                        format!("  {key} => {v}{t}")
                    })
                    .collect();
                format!(
                    "table t: Text -> Decimal effective 2026-07-01 {{\n{}\n}}",
                    rows.join("\n")
                )
            }),
        prop::collection::vec((operand(), prop::option::of(operand()), any::<bool>(), literal()), 0..4)
            .prop_map(|rows| {
                let rows: Vec<String> = rows
                    .into_iter()
                    .map(|(lo, hi, h, v)| match hi {
                        Some(hi) => format!("{lo}{}{hi} => {v}", if h { "..<" } else { ".." }),
                        None => format!("{lo}.. => {v}"),
                    })
                    .collect();
                // A row after another must not start with `-` or `(` (a subtraction, a call).
                let mut text = String::from("bands u {");
                for (i, row) in rows.iter().enumerate() {
                    let sep = if i == 0 { " " } else if row.starts_with(['-', '(']) { ",\n" } else { "\n" };
                    text.push_str(sep);
                    text.push_str(row);
                }
                text.push_str(" }");
                text
            }),
        decision(),
        price(),
        (
            prop::collection::vec(
                (name(), prop::option::of(expr()), prop::option::of(1u8..4), prop::collection::vec(expr(), 0..3)),
                1..3,
            ),
            prop::collection::vec(
                (name(), prop::option::of(expr()), prop::option::of(1u8..4), prop::collection::vec(expr(), 0..3)),
                0..3,
            ),
            prop::option::of(expr()),
        )
            .prop_map(|(steps, parallel, requester)| {
                type Step = (String, Option<String>, Option<u8>, Vec<String>);
                let step = |(id, when, quorum, facts): Step| {
                    let quorum = quorum.map_or(String::new(), |q| format!(" quorum {q}"));
                    let facts =
                        if facts.is_empty() { String::new() } else { format!(" facts {}", facts.join(", ")) };
                    match when {
                        Some(w) => format!("step {id} \"Label {{a}}\" by r1, r2{quorum} when {w}{facts}"),
                        None => format!("step {id} by r1{quorum}{facts}"),
                    }
                };                let mut body: Vec<String> = steps.into_iter().map(step).collect();
                if !parallel.is_empty() {
                    let p: Vec<String> = parallel.into_iter().map(step).collect();
                    body.push(format!("parallel {{ {} }}", p.join(" ")));
                }
                let requester = requester.map_or(String::new(), |r| format!(" requested_by {r}"));
                format!("approval chain{requester} {{\n{}\n}}", body.join("\n"))
            }),
        (prop::option::of(expr()), prop::option::of(expr()), comment()).prop_map(|(guard, sla, c)| {
            let sla = sla.map_or(String::new(), |s| format!(" sla {s}"));
            let guard = guard.map_or(String::new(), |g| format!(" when {g}"));
            format!(
                "workflow w {{\n  state draft initial owner r1\n  {c}transition go: draft, review -> done by r1, r2{guard} requires chain\n  state review{sla}\n  state done final\n}}"
            )
        }),
        (prop::option::of(expr()), expr(), prop::collection::vec((name(), expr()), 0..3)).prop_map(
            |(when, message, fields)| {
                let when = when.map_or(String::new(), |w| format!(" when {w}"));
                let fields: Vec<String> = fields.into_iter().map(|(n, e)| format!("{n}: {e}")).collect();
                let block = if fields.is_empty() { String::new() } else { format!(" {{ {} }}", fields.join(", ")) };
                format!(
                    "trigger tr on stay review after 2 days{when} {{\n  notify owner {message}\n  notify \"ops\" \"x\"\n  escalate r2\n  task \"check\"{block}\n  emit ev\n}}"
                )
            }
        ),
        (prop::collection::vec((name(), literal()), 0..6), prop::collection::vec(expr(), 0..3), any::<bool>())
            .prop_map(|(given, expects, as_of)| {
                let given: Vec<String> = given.into_iter().map(|(n, v)| format!("{n}: {v}")).collect();
                let expects: Vec<String> = expects.into_iter().map(|e| format!("expect {e}")).collect();
                let as_of = if as_of { "as_of 2026-03-01\n" } else { "" };
                format!(
                    "test \"a \\\"named\\\" test\" {{\n{as_of}given {{ {} }}\n{}\n}}",
                    given.join(", "),
                    expects.join("\n")
                )
            }),
    ]
}

fn unary_test() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-".to_string()),
        Just("none".to_string()),
        (
            prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!="]),
            literal()
        )
            .prop_map(|(op, v)| format!("{op} {v}")),
        (operand(), operand(), any::<bool>())
            .prop_map(|(lo, hi, h)| format!("{lo}{}{hi}", if h { "..<" } else { ".." })),
        prop::collection::vec(literal(), 1..3).prop_map(|v| v.join(", ")),
    ]
}

/// An input refinement (spec §20) with the type it refines.
fn refinement() -> impl Strategy<Value = String> {
    prop_oneof![
        (operand(), prop::option::of(operand()), any::<bool>()).prop_map(|(lo, hi, h)| {
            match hi {
                Some(hi) => format!("Int in {lo}{}{hi}", if h { "..<" } else { ".." }),
                None => format!("Int in {lo}.."),
            }
        }),
        operand().prop_map(|b| format!("Decimal in >= {b}")),
        Just("Text matching \"C-[0-9]{4}\"".to_string()),
        Just("List<Int> len 1..20".to_string()),
        // No refinement: an enum with a fallback after the message.
        Just("E".to_string()),
    ]
}

fn decision() -> impl Strategy<Value = String> {
    (1usize..3, 1usize..3).prop_flat_map(|(inputs, outputs)| {
        (
            prop::collection::vec(expr(), inputs),
            prop::collection::vec(name(), outputs),
            prop::collection::vec(
                (
                    prop::collection::vec(unary_test(), inputs),
                    prop::collection::vec(expr(), outputs),
                    trailing(),
                ),
                0..4,
            ),
            prop::sample::select(vec!["", " hit first", " hit unique", " hit collect sum"]),
        )
            .prop_map(|(ins, outs, rows, hit)| {
                let mut text = format!(
                    "decision d{hit} {{\n| {} || {} |\n",
                    ins.iter()
                        .map(|e| e.replace('\n', " ").replace("// note", ""))
                        .collect::<Vec<_>>()
                        .join(" | "),
                    outs.join(" | ")
                );
                for (tests, values, t) in rows {
                    let values: Vec<String> = values
                        .iter()
                        .map(|e| e.replace('\n', " ").replace("// note", ""))
                        .collect();
                    text.push_str(&format!(
                        "| {} || {} |{t}\n",
                        tests.join(" | "),
                        values.join(" | ")
                    ));
                }
                text.push('}');
                text
            })
    })
}

fn price() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            (
                name(),
                prop::option::of(text_literal()),
                expr(),
                prop::option::of(expr())
            )
                .prop_map(|(id, label, amount, when)| {
                    let label = label.map_or(String::new(), |l| format!(" {l}"));
                    let when = when.map_or(String::new(), |w| format!(" when {w}"));
                    format!("line {id}{label} = {amount}{when}")
                }),
            // A lookup ending the quantity would take the line's `at` as its date.
            (name(), expr(), expr()).prop_map(|(id, q, u)| format!("line {id} qty ({q}) at {u}")),
            (name(), expr(), name()).prop_map(|(id, p, s)| format!("discount {id} = {p} of {s}")),
            (name(), expr()).prop_map(|(id, p)| format!("tax {id} \"VAT\" = {p} of total")),
            name().prop_map(|id| format!("subtotal {id} \"Sub\"")),
            (name(), expr())
                .prop_map(|(id, e)| format!("for x in {e} {{ surcharge {id} = 1.00 }}")),
            (name(), expr(), expr())
                .prop_map(|(id, e, k)| format!("for x in {e} key {k} {{ surcharge {id} = 1.00 }}")),
        ],
        0..5,
    )
    .prop_map(|stmts| {
        format!(
            "price quote currency \"EUR\" rounding half_even {{\n{}\n}}",
            stmts.join("\n")
        )
    })
}

fn ruleset() -> impl Strategy<Value = String> {
    (
        comment(),
        any::<bool>(),
        prop::collection::vec(
            (
                comment(),
                decl(),
                prop::sample::select(vec!["\n", "\n", "\n\n", "\n\n\n"]),
            ),
            0..6,
        ),
        comment(),
    )
        .prop_map(|(head, effective, decls, tail)| {
            let mut text = format!("{head}ruleset gen version \"1.0.0\"\n");
            if effective {
                text.push_str("effective 2026-01-01\n");
            }
            for (c, d, sep) in decls {
                text.push_str(&c);
                text.push_str(&d);
                text.push_str(sep);
            }
            text.push_str(&tail);
            text
        })
}

/// 300 generated rulesets per property; `ORDO_FMT_CASES=5000` for a longer search.
fn cases() -> u32 {
    std::env::var("ORDO_FMT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn generated_rulesets_format_faithfully_and_idempotently(source in ruleset()) {
        check_formatting(&source);
    }

    /// The parser's fast grammar gives the documented grammar's tree, spans and comments
    /// included, on the generated rulesets and on their formatted form.
    #[test]
    fn generated_rulesets_parse_alike_on_both_paths(source in ruleset()) {
        for text in [source.clone(), fmt(&source)] {
            let full = ordo_dsl::parse_paths::parse_full(&text);
            prop_assert!(full.is_ok());
            prop_assert_eq!(ordo_dsl::parse_paths::parse_fast_only(&text), Some(full));
        }
    }

    #[test]
    fn generated_rulesets_keep_their_hash_when_reformatted(source in ruleset()) {
        let ast = parse(&source).unwrap();
        let reformatted = parse(&fmt(&source)).unwrap();
        prop_assert_eq!(format_canonical(&ast), format_canonical(&reformatted));
        // The canonical form is itself formatted and parses to the tree without tests.
        let canonical = format_canonical(&ast);
        prop_assert_eq!(fmt(&canonical), canonical.clone());
    }
}

// ---------------------------------------------------------------------------------------------
// Every ruleset of the repository.

fn ordo_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            ordo_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "ordo") {
            out.push(path);
        }
    }
}

fn repository_rulesets() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        "examples",
        "tests/fixtures/conformance",
        "tests/fixtures/fmt",
    ] {
        ordo_files(&Path::new(ROOT).join(dir), &mut files);
    }
    assert!(
        files.len() >= 12,
        "expected the examples and the suite, found {files:?}"
    );
    files
}

#[test]
fn every_repository_ruleset_formats_faithfully() {
    for file in repository_rulesets() {
        let source = std::fs::read_to_string(&file).unwrap();
        if parse(&source).is_err() {
            continue; // the suite's syntax-error cases
        }
        check_formatting(&source);
    }
}

#[test]
fn the_examples_are_formatted() {
    for file in ["examples/bikes/bikes.ordo", "examples/freight/freight.ordo"] {
        let source = std::fs::read_to_string(Path::new(ROOT).join(file)).unwrap();
        assert_eq!(
            fmt(&source),
            source,
            "{file} is not in the canonical layout"
        );
    }
}

#[test]
fn the_layout_of_a_messy_file_is_the_expected_one() {
    let dir = Path::new(ROOT).join("tests/fixtures/fmt");
    let source = std::fs::read_to_string(dir.join("messy.ordo")).unwrap();
    let expected = std::fs::read_to_string(dir.join("messy.expected.ordo")).unwrap();
    assert_eq!(fmt(&source), expected);
}

#[test]
fn minimal_parentheses_follow_precedence() {
    let cases = [
        ("(1 + 2) * 3", "(1 + 2) * 3"),
        ("1 + (2 * 3)", "1 + 2 * 3"),
        ("(1 - 2) - 3", "1 - 2 - 3"),
        ("1 - (2 - 3)", "1 - (2 - 3)"),
        ("a implies (b implies c)", "a implies b implies c"),
        ("(a implies b) implies c", "(a implies b) implies c"),
        ("not (a and b)", "not (a and b)"),
        ("(not a) and b", "not a and b"),
        ("(not a) == b", "(not a) == b"),
        ("-(a.b)", "-a.b"),
        ("(-a).b", "(-a).b"),
        ("((a ?? 0) + 1)", "(a ?? 0) + 1"),
        ("a ?? (0 + 1)", "a ?? 0 + 1"),
        ("(x + 1) in 10..<50", "x + 1 in 10..<50"),
        ("x in (a + 1)..(b)", "x in (a + 1)..b"),
        ("(if a then 1 else 2) + 3", "(if a then 1 else 2) + 3"),
        ("1 + (if a then 1 else 2)", "1 + (if a then 1 else 2)"),
        ("(a or b) and (c or d)", "(a or b) and (c or d)"),
        ("(t[k]).f", "t[k].f"),
        ("- - a", "--a"),
        ("-(not a)", "-(not a)"),
        ("(a == b) == c", "a == b == c"),
        ("a == (b == c)", "a == (b == c)"),
    ];
    for (input, expected) in cases {
        let source = format!("ruleset p version \"1\"\nlet v = {input}\n");
        let formatted = fmt(&source);
        assert_eq!(
            formatted,
            format!("ruleset p version \"1\"\n\nlet v = {expected}\n"),
            "{input}"
        );
        assert_eq!(tree(&source), tree(&formatted), "{input}");
    }
}

#[test]
fn literals_keep_their_written_form() {
    let source = "ruleset l version \"1\"\nlet v = [1850.00, 0.50, 8.1%, 12%, 2026-03-01, 1 day, 3 weeks, \"a\\\"b\\\\c\\{d}\\n\"]\n";
    let formatted = fmt(source);
    assert!(
        formatted
            .contains(r#"[1850.00, 0.50, 8.1%, 12%, 2026-03-01, 1 day, 3 weeks, "a\"b\\c\{d}\n"]"#),
        "{formatted}"
    );
}

#[test]
fn comments_stay_where_they_were() {
    let source = "/// The ruleset.\nruleset c version \"1\" // header\n\n// about x\nlet x = 1 // one\n\n/// y's doc\nlet y = x\ninput {\n  // first\n  q: Int // trailing\n\n  r: Int\n  // last\n}\n// end\n";
    let formatted = fmt(source);
    assert_eq!(
        formatted,
        "/// The ruleset.\nruleset c version \"1\" // header\n\n// about x\nlet x = 1 // one\n\n/// y's doc\nlet y = x\n\ninput {\n  // first\n  q: Int // trailing\n\n  r: Int\n  // last\n}\n// end\n"
    );
}

// ---------------------------------------------------------------------------------------------
// The content hash.

fn hash(source: &str) -> String {
    Ruleset::compile(source)
        .unwrap_or_else(|d| panic!("{}", d.render("h.ordo", source)))
        .hash()
        .to_string()
}

#[test]
fn reformatting_and_comments_keep_the_hash_and_meaning_changes_it() {
    let path = Path::new(ROOT).join("examples/bikes/bikes.ordo");
    let source = std::fs::read_to_string(path).unwrap();
    let original = hash(&source);
    // Reformatted by hand: everything on fewer lines, comments edited, tests dropped.
    let squashed: String = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("///"))
        .map(|l| format!("{l} "))
        .collect::<Vec<_>>()
        .join("\n");
    let squashed = squashed.split("\ntest ").next().unwrap().to_string();
    assert_eq!(hash(&squashed), original);
    let commented = source.replace("enum Frame", "// a new comment\nenum Frame");
    assert_eq!(hash(&commented), original);
    assert_eq!(hash(&fmt(&source)), original);
    // Any change of meaning changes it.
    for (from, to) in [
        ("city => 420.00", "city => 421.00"),
        ("city => 420.00", "city => 420.0"),
        ("\"2.0.0\"", "\"2.0.1\""),
        ("20.. => 30.00", "21.. => 30.00"),
        ("hit first", "hit unique"),
        ("else warning", "else review"),
        ("discount_rate <= 20%", "discount_rate < 20%"),
    ] {
        assert!(source.contains(from), "{from}");
        assert_ne!(
            hash(&source.replacen(from, to, 1)),
            original,
            "{from} -> {to}"
        );
    }
}

#[test]
fn the_hash_is_sha256_of_the_canonical_form() {
    use std::fmt::Write;
    let source = "ruleset h version \"1.0.0\"\n// gone\nlet x = (1 + 2)\n";
    let canonical = format_canonical(&parse(source).unwrap());
    assert_eq!(canonical, "ruleset h version \"1.0.0\"\n\nlet x = 1 + 2\n");
    let ruleset = Ruleset::compile(source).unwrap();
    assert_eq!(ruleset.canonical(), canonical);
    // Recompute the digest independently of the engine's code.
    let digest = sha256(canonical.as_bytes());
    let mut hex = String::new();
    for b in digest {
        write!(hex, "{b:02x}").unwrap();
    }
    assert_eq!(ruleset.hash(), format!("sha256:{hex}"));
}

/// A small SHA-256 (FIPS 180-4), so the test does not trust the engine's digest code.
fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for chunk in message.chunks(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                chunk[4 * i],
                chunk[4 * i + 1],
                chunk[4 * i + 2],
                chunk[4 * i + 3],
            ]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (i, word) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}

// ---------------------------------------------------------------------------------------------
// `ordo fmt` itself.

fn ordo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ordo"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .unwrap()
}

#[test]
fn ordo_fmt_rewrites_checks_and_refuses_broken_files() {
    let dir = std::env::temp_dir().join(format!("ordo-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let messy = dir.join("messy.ordo");
    let clean = dir.join("clean.ordo");
    let broken = dir.join("broken.ordo");
    let fixtures = Path::new(ROOT).join("tests/fixtures/fmt");
    std::fs::copy(fixtures.join("messy.ordo"), &messy).unwrap();
    std::fs::copy(fixtures.join("messy.expected.ordo"), &clean).unwrap();
    std::fs::write(&broken, "ruleset b version \"1\"\nlet x = (1 +\n").unwrap();
    let (m, c, b) = (
        messy.to_str().unwrap(),
        clean.to_str().unwrap(),
        broken.to_str().unwrap(),
    );

    // --check names the unformatted file, changes nothing, exits 1.
    let out = ordo(&["fmt", "--check", m, c]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("messy.ordo") && !stdout.contains("clean.ordo"),
        "{stdout}"
    );
    assert_ne!(
        std::fs::read_to_string(&messy).unwrap(),
        std::fs::read_to_string(&clean).unwrap()
    );

    // Formatting rewrites it in place; a second run and --check find nothing to do.
    assert!(ordo(&["fmt", m, c]).status.success());
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        std::fs::read_to_string(&clean).unwrap()
    );
    let again = ordo(&["fmt", m, c]);
    assert!(again.status.success());
    assert!(
        again.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert!(ordo(&["fmt", "--check", m, c]).status.success());

    // A file that does not parse is refused with its diagnostics and left alone.
    let out = ordo(&["fmt", b]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("syntax") && stderr.contains("not formatted"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap(),
        "ruleset b version \"1\"\nlet x = (1 +\n"
    );

    // Folders are searched for rulesets.
    std::fs::remove_file(&broken).unwrap();
    let folder = ordo(&["fmt", "--check", dir.to_str().unwrap()]);
    assert!(
        folder.status.success(),
        "{}",
        String::from_utf8_lossy(&folder.stderr)
    );
    std::fs::write(dir.join("more.ordo"), "ruleset m version \"1\" let x = 1").unwrap();
    let folder = ordo(&["fmt", "--check", dir.to_str().unwrap()]);
    assert_eq!(folder.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&folder.stdout).contains("more.ordo"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_tools_guide_shows_formatted_rulesets() {
    let guide = std::fs::read_to_string(Path::new(ROOT).join("docs/tools.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in guide.lines() {
        match &mut current {
            None if line.starts_with("```ordo") => current = Some(String::new()),
            None => {}
            Some(_) if line.starts_with("```") => blocks.extend(current.take()),
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    assert!(!blocks.is_empty());
    for block in blocks {
        Ruleset::compile(&block).unwrap_or_else(|d| panic!("{}", d.render("tools.md", &block)));
        assert_eq!(
            fmt(&block),
            block,
            "docs/tools.md shows a block `ordo fmt` would change"
        );
    }
}
