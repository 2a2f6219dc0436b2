#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! `matches`, `replace`, `trim` and `decimal`: the text functions that values from other
//! systems need (normalising phone numbers, checking a format that depends on the field), and
//! their patterns checked when compiling.

use ordo_engine::{EvalOptions, Ruleset};
use serde_json::{Value as Json, json};

const SOURCE: &str = r#"ruleset patterns version "1.0.0"
input { phone: Text, amount: Text, code: Text }
fn compact(p: Text) -> Text = replace(p, "\\(0\\)|[^0-9+]", "")
output e164 = if starts_with(compact(phone), "0") then replace(compact(phone), "^0", "+49") else compact(phone)
output valid_phone = matches(e164, "\\+[1-9][0-9]\{6,14}")
output partial = matches(code, "[0-9]+")
output money = replace(amount, "\\$", "$1")
output number = decimal(replace(trim(amount), ",", "."))
output trimmed = trim(code)
"#;

fn outputs(input: Json) -> Json {
    let ruleset = Ruleset::compile(SOURCE).unwrap();
    ruleset.evaluate(&input, &EvalOptions::default()).unwrap()["outputs"].clone()
}

#[test]
fn patterns_normalise_and_check_values() {
    let out = outputs(json!({"phone": "0711 / 123 45-6", "amount": " 118,50 ", "code": " 12a "}));
    assert_eq!(out["e164"], "+49711123456");
    assert_eq!(out["valid_phone"], true);
    // The whole text must match.
    assert_eq!(out["partial"], false);
    // The replacement is inserted as written: `$1` is not a group.
    assert_eq!(out["money"], " 118,50 ");
    assert_eq!(out["number"], "118.50");
    assert_eq!(out["trimmed"], "12a");

    let out = outputs(json!({"phone": "+49 (0)711 12", "amount": "n/a", "code": "42"}));
    assert_eq!(out["e164"], "+4971112");
    assert_eq!(out["valid_phone"], true);
    assert_eq!(out["partial"], true);
    // Not a number: `none`, never an error.
    assert_eq!(out["number"], Json::Null);

    let out = outputs(json!({"phone": "call reception", "amount": "1", "code": ""}));
    assert_eq!(out["e164"], "");
    assert_eq!(out["valid_phone"], false);
}

fn diagnostics(source: &str) -> Vec<(String, String)> {
    let Err(errors) = Ruleset::compile(source) else {
        panic!("a compile error was expected");
    };
    errors
        .iter()
        .map(|d| (d.kind.as_str().to_string(), d.message.clone()))
        .collect()
}

#[test]
fn a_pattern_is_a_literal_regular_expression() {
    let bad = diagnostics(
        "ruleset p version \"1.0.0\"\ninput { t: Text }\noutput ok = matches(t, \"[0-9\")\n",
    );
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].0, "invalid");
    assert!(bad[0].1.contains("is not a regular expression"), "{bad:?}");

    let computed = diagnostics(
        "ruleset p version \"1.0.0\"\ninput { t: Text, p: Text }\noutput ok = replace(t, p, \"\")\n",
    );
    assert_eq!(computed.len(), 1, "{computed:?}");
    assert_eq!(computed[0].0, "type_mismatch");
    assert!(computed[0].1.contains("text literal"), "{computed:?}");

    let number =
        diagnostics("ruleset p version \"1.0.0\"\ninput { n: Int }\noutput ok = decimal(n)\n");
    assert_eq!(number[0].0, "type_mismatch");
}

#[test]
fn unicode_classes_are_general_categories_only() {
    let greek = diagnostics(
        "ruleset p version \"1.0.0\"\ninput { t: Text }\noutput ok = matches(t, \"\\\\p\\{Greek}+\")\n",
    );
    assert_eq!(greek.len(), 1, "{greek:?}");
    assert_eq!(greek[0].0, "invalid");
    assert!(greek[0].1.contains("not a general category"), "{greek:?}");

    let refinement = diagnostics(
        "ruleset p version \"1.0.0\"\ninput { t: Text matching \"[\\p{sc=Latin}0-9]+\" }\noutput ok = t\n",
    );
    assert_eq!(refinement.len(), 1, "{refinement:?}");
    assert_eq!(refinement[0].0, "invalid");

    let source = "ruleset p version \"1.0.0\"\ninput { t: Text matching \"\\p{Lu}\\p{Ll}+\" }\n\
                  output word = matches(t, \"\\\\p\\{L}+\")\n\
                  output cased = replace(t, \"(?i)STRASSE\", \"Weg\")\n";
    let ruleset = Ruleset::compile(source).unwrap();
    let out = ruleset
        .evaluate(&json!({"t": "Ωmega"}), &EvalOptions::default())
        .unwrap();
    assert_eq!(out["outputs"]["word"], true, "{out}");
    let out = ruleset
        .evaluate(&json!({"t": "Strasse"}), &EvalOptions::default())
        .unwrap();
    assert_eq!(out["outputs"]["cased"], "Weg", "{out}");
}
