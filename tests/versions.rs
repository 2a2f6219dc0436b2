#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Versioning: serialised artifacts give byte-identical results, and the registry picks the
//! version in effect at date boundaries.

use ordo_engine::{EvalOptions, Registry, Ruleset, Selector, text::parse_date, to_json_string};
use serde_json::json;

fn version(number: &str, effective: &str, price: &str) -> Ruleset {
    Ruleset::compile(&format!(
        "ruleset prices version \"{number}\"\neffective {effective}\ninput {{ q: Int }}\noutput total = q * {price}\n"
    ))
    .unwrap()
}

#[test]
fn an_artifact_gives_byte_identical_results() {
    let dir = format!("{}/examples", env!("CARGO_MANIFEST_DIR"));
    for (name, input) in [
        ("bikes", "quote.json"),
        ("freight", "pallet.json"),
        ("orders", "order.json"),
    ] {
        let source = std::fs::read_to_string(format!("{dir}/{name}/{name}.ordo")).unwrap();
        let input: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{dir}/{name}/{input}")).unwrap(),
        )
        .unwrap();
        let original = Ruleset::compile(&source).unwrap();
        let loaded = Ruleset::from_artifact(&original.to_artifact().unwrap()).unwrap();
        assert_eq!(loaded.hash(), original.hash());
        let options = EvalOptions {
            as_of: Some(parse_date("2026-03-02").unwrap()),
            trace: true,
            approvals: None,
            at: None,
        };
        assert_eq!(
            to_json_string(&loaded.evaluate(&input, &options).unwrap()),
            to_json_string(&original.evaluate(&input, &options).unwrap()),
            "{name}"
        );
    }
}

#[test]
fn a_tampered_artifact_is_refused() {
    let bytes = version("1.0.0", "2026-01-01", "10").to_artifact().unwrap();
    let artifact: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let tamper = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut copy = artifact.clone();
        edit(&mut copy);
        Ruleset::from_artifact(&serde_json::to_vec(&copy).unwrap())
            .unwrap_err()
            .message
            .clone()
    };
    assert!(tamper(&|a| a["format_version"] = json!(99)).contains("format version 99"));
    assert!(tamper(&|a| a["canonical"] = json!("ruleset x")).contains("hash"));
    assert!(tamper(&|a| a["program"]["version"] = json!("9.9.9")).contains("digest"));
    assert!(tamper(&|a| a["version"] = json!("9.9.9")).contains("version"));
    assert!(Ruleset::from_artifact(&bytes[..bytes.len() / 2]).is_err());
    assert!(Ruleset::from_artifact(&bytes).is_ok());
}

#[test]
fn the_registry_picks_the_version_in_effect() {
    let mut registry = Registry::new();
    registry.add(version("1.0.0", "2026-01-01", "10")).unwrap();
    registry.add(version("1.1.0", "2026-07-01", "11")).unwrap();
    registry.add(version("2.0.0", "2027-01-01", "20")).unwrap();
    let on = |date: &str| {
        registry
            .resolve("prices", &Selector::parse(date).unwrap())
            .unwrap()
            .version()
            .to_string()
    };
    assert_eq!(on("2026-06-30"), "1.0.0");
    assert_eq!(on("2026-07-01"), "1.1.0");
    assert_eq!(on("2026-12-31"), "1.1.0");
    assert_eq!(on("2027-01-01"), "2.0.0");
    assert!(
        registry
            .resolve("prices", &Selector::parse("2025-12-31").unwrap())
            .is_err()
    );
    let pick = |s: &str| {
        registry
            .resolve("prices", &Selector::parse(s).unwrap())
            .unwrap()
            .version()
            .to_string()
    };
    assert_eq!(pick("latest"), "2.0.0");
    assert_eq!(pick("^1"), "1.1.0");
    assert_eq!(pick("1.0.0"), "1.0.0");
    assert!(
        registry
            .resolve("price", &Selector::Latest)
            .unwrap_err()
            .hint
            .clone()
            .unwrap()
            .contains("prices")
    );
    // A published version never changes.
    assert!(registry.add(version("1.0.0", "2026-01-01", "12")).is_err());
    assert!(registry.add(version("1.0.0", "2026-01-01", "10")).is_ok());
    let total = registry
        .resolve("prices", &Selector::parse("2026-07-01").unwrap())
        .unwrap()
        .evaluate(&json!({"q": 2}), &EvalOptions::default())
        .unwrap();
    assert_eq!(total["outputs"]["total"], "22");
}
