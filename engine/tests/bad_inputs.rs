#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The bad-input catalogue: what the engine does with inputs and sources that are wrong in a
//! way easy to miss — a JSON key given twice, a byte-order mark, a version that is not semver,
//! a zero that loses its scale, messages that misname the problem. Each row is one situation
//! and what it must give. Only the engine's public API is used.

use ordo_engine::{ErrorKind, EvalError, EvalOptions, Ruleset, parse_json, parse_request_json};

const SCHEMA: &str = r#"ruleset bikes version "1.0.0"

input {
  model: Text
  positions: List<{ model: Text, qty: Int }> = []
  ship: { country: Text = "DE" }
}

output m = model
output n = count(positions)
"#;

fn ruleset() -> Ruleset {
    Ruleset::compile(SCHEMA).expect("compiles")
}

fn eval_str(text: &str) -> Result<String, EvalError> {
    ruleset().evaluate_str(text, &EvalOptions::default())
}

// ---- 1. A key given twice in one JSON object -------------------------------------------------

/// (JSON text, the path of the repeated key)
const REPEATED_KEYS: &[(&str, &str)] = &[
    (r#"{"model": "a", "model": "b"}"#, "model"),
    (
        r#"{"model": "a", "positions": [{"model": "x", "qty": 1}, {"model": "y", "qty": 1},
            {"model": "z", "qty": 1, "model": "w"}]}"#,
        "positions[2].model",
    ),
    (
        r#"{"model": "a", "ship": {"country": "FR", "country": "DE"}}"#,
        "ship.country",
    ),
    // Spelt differently, the same key.
    (r#"{"model": "a", "mod\u0065l": "b"}"#, "model"),
    // A key the schema does not know, given twice: still the repeated key first.
    (r#"{"model": "a", "colour": 1, "colour": 2}"#, "colour"),
];

#[test]
fn a_repeated_key_is_an_invalid_input_at_its_path_from_text() {
    for (text, path) in REPEATED_KEYS {
        let error = eval_str(text).expect_err(text);
        assert_eq!(error.kind, ErrorKind::InvalidInput, "{text}");
        assert_eq!(error.path.as_deref(), Some(*path), "{text}");
        assert!(error.message.contains("appears twice"), "{}", error.message);
        let read = ruleset().read_input_str(text).map(|_| ()).expect_err(text);
        assert_eq!(read.path.as_deref(), Some(*path), "{text}");
    }
}

#[test]
fn a_repeated_key_is_refused_by_the_json_parser_hosts_use() {
    for (text, path) in REPEATED_KEYS {
        let error = parse_json(text).expect_err(text);
        assert_eq!(error.kind, ErrorKind::InvalidInput, "{text}");
        assert_eq!(error.path.as_deref(), Some(*path), "{text}");
    }
    // The same text, keys unique: read as before.
    assert!(parse_json(r#"{"model": "a", "ship": {"model": "a"}}"#).is_ok());
}

#[test]
fn a_repeated_key_in_a_request_is_placed_in_the_input_or_the_request() {
    let error = parse_request_json(r#"{"input": {"model": "a", "model": "b"}}"#).unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert_eq!(error.path.as_deref(), Some("model"));
    let error =
        parse_request_json(r#"{"input": {"positions": [{"qty": 1, "qty": 2}]}}"#).unwrap_err();
    assert_eq!(error.path.as_deref(), Some("positions[0].qty"));
    let error =
        parse_request_json(r#"{"input": {"model": "a"}, "as_of": "2026-01-01", "as_of": "x"}"#)
            .unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidRequest);
    assert!(error.message.contains("`as_of`"), "{}", error.message);
    let error = parse_request_json(r#"{"input": {}, "input": {"model": "a"}}"#).unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidRequest);
}

#[test]
fn a_syntax_error_is_still_a_syntax_error() {
    let error = eval_str(r#"{"model": "a", "model": }"#).unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidRequest);
    assert!(
        error.message.contains("not valid JSON"),
        "{}",
        error.message
    );
}

// ---- 4. A UTF-8 byte-order mark in front of JSON text ----------------------------------------

#[test]
fn a_byte_order_mark_in_front_of_json_is_skipped() {
    let plain = eval_str(r#"{"model": "a"}"#).unwrap();
    assert_eq!(eval_str("\u{feff}{\"model\": \"a\"}").unwrap(), plain);
    // Through the tree reader too (an unknown order of keys makes no difference; a field the
    // fast reader gives up on does).
    assert_eq!(
        eval_str("\u{feff}{\"model\": \"a\", \"positions\": []}").unwrap(),
        plain
    );
    assert!(parse_json("\u{feff}{\"model\": \"a\"}").is_ok());
    assert!(parse_request_json("\u{feff}{\"input\": {}}").is_ok());
    // Only in front: anywhere else it is not JSON.
    assert!(eval_str("{\"model\": \"a\"}\u{feff}").is_err());
}

// ---- 2. Versions are semantic versions ------------------------------------------------------

#[test]
fn a_version_that_is_not_semver_does_not_compile() {
    for version in ["banana", "1.0", "1", "v1.0.0", "1.0.0.0", ""] {
        let source = format!("ruleset r version \"{version}\"\ninput {{ q: Int }}\noutput x = q\n");
        let diagnostics = match Ruleset::compile(&source) {
            Ok(_) => panic!("`{version}` compiles"),
            Err(diagnostics) => diagnostics,
        };
        let d = diagnostics.iter().next().expect("one diagnostic");
        assert_eq!(d.kind.as_str(), "invalid", "{version}");
        assert_eq!(
            source.get(d.span.start..d.span.end),
            Some(format!("\"{version}\"").as_str()),
            "{version}"
        );
        assert!(
            d.message.contains("is not a semantic version"),
            "{}",
            d.message
        );
        assert_eq!(
            d.hint.as_deref(),
            Some("write MAJOR.MINOR.PATCH, e.g. \"1.0.0\"")
        );
    }
    for version in ["1.0.0", "0.1.0", "2.10.3-beta.1", "1.0.0+build.5"] {
        let source = format!("ruleset r version \"{version}\"\ninput {{ q: Int }}\noutput x = q\n");
        assert!(Ruleset::compile(&source).is_ok(), "{version}");
    }
}

// ---- 3. A zero keeps the scale its arithmetic implies ---------------------------------------

fn outputs(source: &str, input: &str) -> serde_json::Value {
    let ruleset = Ruleset::compile(source).unwrap_or_else(|d| panic!("{}", d.render("z", source)));
    let text = ruleset
        .evaluate_str(input, &EvalOptions::default())
        .expect("evaluates");
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn a_zero_result_keeps_its_scale() {
    let source = r#"ruleset z version "1.0.0"
input { price: Decimal = 0.00, qty: Int = 75 }
output product = 0.00 * 75
output product_of_inputs = price * qty
output zero_times = 1.50 * 0
output negative = -0.00 * 3
output sum = 0 + 0.00
output quotient = 0.000 / 2.0
output nonzero_product = 1.50 * 2
output nonzero_quotient = 4.000 / 2.0
"#;
    let result = outputs(source, "{}");
    let out = &result["outputs"];
    assert_eq!(out["product"], "0.00");
    assert_eq!(out["product_of_inputs"], "0.00");
    assert_eq!(out["zero_times"], "0.00");
    assert_eq!(out["negative"], "0.00");
    assert_eq!(out["sum"], "0.00");
    assert_eq!(out["quotient"], "0.00");
    // As for non-zero values.
    assert_eq!(out["nonzero_product"], "3.00");
    assert_eq!(out["nonzero_quotient"], "2.00");
}

#[test]
fn a_price_line_with_a_zero_unit_price_keeps_its_scale() {
    let source = r#"ruleset z version "1.0.0"
input { list: Decimal = 0.00, discount: Decimal = 0.5 }
price quote currency "EUR" {
  line free "Free part" qty 3 at list * discount
}
"#;
    let result = outputs(source, "{}");
    let line = &result["quotes"]["quote"]["lines"][0];
    assert_eq!(line["unit_price"], "0.000", "{line}");
    assert_eq!(line["amount"], "0.00", "{line}");
}

// ---- 4. Messages that name the problem -------------------------------------------------------

/// The one diagnostic compiling `source` gives: (message, hint, the text its span covers).
fn diagnostic(source: &str) -> (String, Option<String>, String) {
    let diagnostics = match Ruleset::compile(source) {
        Ok(_) => panic!("compiles: {source}"),
        Err(diagnostics) => diagnostics,
    };
    let d = diagnostics.iter().next().expect("a diagnostic");
    let covered = source
        .get(d.span.start..d.span.end)
        .unwrap_or("")
        .to_string();
    (d.message.clone(), d.hint.clone(), covered)
}

#[test]
fn a_byte_order_mark_in_front_of_a_source_is_skipped() {
    let plain = "ruleset r version \"1.0.0\"\ninput { q: Int }\noutput x = q\n";
    let with_bom = format!("\u{feff}{plain}");
    let ruleset = Ruleset::compile(&with_bom).expect("compiles");
    assert_eq!(ruleset.hash(), Ruleset::compile(plain).unwrap().hash());
}

#[test]
fn an_empty_source_asks_for_the_header() {
    for source in ["", "\n\n", "// just a comment\n", "\u{feff}"] {
        let (message, hint, _) = diagnostic(source);
        assert_eq!(
            message, "expected `ruleset NAME version \"X.Y.Z\"`, found the end of the file",
            "{source:?}"
        );
        assert!(hint.unwrap_or_default().contains("header"), "{source:?}");
    }
}

#[test]
fn a_name_with_a_letter_outside_ascii_says_what_names_are_made_of() {
    let (message, hint, covered) =
        diagnostic("ruleset r version \"1.0.0\"\nenum Größe { small }\n");
    assert_eq!(
        message,
        "`Größe` is not a valid name: `ö` is not an ASCII letter"
    );
    assert_eq!(covered, "Größe");
    assert_eq!(
        hint.as_deref(),
        Some("names (identifiers) are made of ASCII letters, digits and `_`")
    );
    let (message, _, covered) =
        diagnostic("ruleset r version \"1.0.0\"\ninput { q: Int }\noutput über = q\n");
    assert_eq!(
        message,
        "`über` is not a valid name: `ü` is not an ASCII letter"
    );
    assert_eq!(covered, "über");
}

#[test]
fn an_enum_value_that_is_not_one_reads_without_a_wrong_article() {
    let ruleset = Ruleset::compile(
        "ruleset r version \"1.0.0\"\nenum Accessory { bell, lamp }\ninput { a: Accessory }\noutput x = a\n",
    )
    .unwrap();
    let error = ruleset
        .evaluate_str(r#"{"a": "horn"}"#, &EvalOptions::default())
        .unwrap_err();
    assert!(
        error
            .message
            .starts_with("\"horn\" is not a value of Accessory"),
        "{}",
        error.message
    );
}

#[test]
fn a_registry_without_the_version_asked_for_reads_without_a_wrong_article() {
    let mut registry = ordo_engine::Registry::new();
    registry.add(ruleset()).unwrap();
    for (selector, says) in [
        ("^2", "`bikes` has no version matching `^2`"),
        ("2.0.0", "`bikes` has no version 2.0.0"),
        (
            "2020-01-01",
            "`bikes` has no version in effect on 2020-01-01",
        ),
    ] {
        let selector = ordo_engine::Selector::parse(selector).unwrap();
        let Err(error) = registry.resolve("bikes", &selector) else {
            // A version without `effective` is always in effect: nothing to report.
            continue;
        };
        assert!(error.message.starts_with(says), "{}", error.message);
        assert!(!error.message.contains("no a "), "{}", error.message);
    }
}

#[test]
fn a_number_with_thirty_places_names_the_real_limit() {
    let thirty = format!("0.{}", "1".repeat(30));
    let (message, hint, _) = diagnostic(&format!(
        "ruleset r version \"1.0.0\"\ninput {{ q: Decimal = {thirty} }}\noutput x = q\n"
    ));
    assert_eq!(
        message,
        format!(
            "the number `{thirty}` does not fit a decimal: it has 30 digits after the point, \
             and a decimal holds at most 28"
        )
    );
    assert!(!message.contains("significant"), "{message}");
    assert!(
        hint.unwrap_or_default()
            .contains("79228162514264337593543950335")
    );

    let error =
        Ruleset::compile("ruleset r version \"1.0.0\"\ninput { q: Decimal }\noutput x = q\n")
            .unwrap()
            .evaluate_str(&format!(r#"{{"q": "{thirty}"}}"#), &EvalOptions::default())
            .unwrap_err();
    assert!(
        error
            .message
            .contains("it has 30 digits after the point, and a decimal holds at most 28"),
        "{}",
        error.message
    );
    let error =
        Ruleset::compile("ruleset r version \"1.0.0\"\ninput { q: Decimal }\noutput x = q\n")
            .unwrap()
            .evaluate_str(r#"{"q": 1e40}"#, &EvalOptions::default())
            .unwrap_err();
    assert!(error.message.contains("too large"), "{}", error.message);
    // Text that is no number at all is not said to be too long.
    let error =
        Ruleset::compile("ruleset r version \"1.0.0\"\ninput { q: Decimal }\noutput x = q\n")
            .unwrap()
            .evaluate_str(r#"{"q": "lots"}"#, &EvalOptions::default())
            .unwrap_err();
    assert_eq!(
        error.message,
        "`q` must be a number, found the text \"lots\""
    );
}

#[test]
fn an_optional_used_where_a_value_is_needed_hints_at_a_default() {
    let header = "ruleset r version \"1.0.0\"\ninput { q: Int?, b: Bool?, t: Text? }\n";
    for (body, default) in [
        ("let y: Int = q\noutput x = y\n", "`x ?? 0`"),
        ("output x = q + 1\n", "`x ?? 0`"),
        ("output x = q > 3\n", "`x ?? 0`"),
        ("output x = round(q, 2)\n", "`x ?? 0`"),
        ("output x = if b then 1 else 2\n", "`x ?? false`"),
        ("let y: Text = t\noutput x = y\n", "`x ?? \"\"`"),
    ] {
        let (message, hint, _) = diagnostic(&format!("{header}{body}"));
        let hint = hint.unwrap_or_else(|| panic!("no hint for {body:?}: {message}"));
        assert!(hint.contains("may be `none`"), "{body:?}: {hint}");
        assert!(hint.contains(default), "{body:?}: {hint}");
    }
    // An optional whose value would not fit either: no such hint.
    let (_, hint, _) = diagnostic(&format!("{header}let y: Int = t\noutput x = y\n"));
    assert!(hint.is_none_or(|h| !h.contains("none")));
}

#[test]
fn an_error_at_the_inputs_root_names_the_root() {
    let error = eval_str("[1, 2]").unwrap_err();
    assert_eq!(error.path.as_deref(), Some(""));
    let rendered = error.render();
    assert!(rendered.contains("at the input's root"), "{rendered}");
    assert!(!rendered.contains("``"), "{rendered}");
}
