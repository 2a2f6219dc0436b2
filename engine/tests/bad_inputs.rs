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
