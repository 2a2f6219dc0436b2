#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Property tests of evaluation: determinism (byte-identical results, whatever the JSON key
//! order), decimals that round-trip through their string form, and quotes whose lines add up
//! to their total with exactly the currency's minor unit.

use std::str::FromStr;

use ordo_engine::{EvalOptions, Ruleset};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Map, Value as Json, json};

fn ruleset(name: &str) -> Ruleset {
    let path = format!(
        "{}/tests/fixtures/conformance/{name}/ruleset.ordo",
        env!("CARGO_MANIFEST_DIR")
    );
    Ruleset::compile(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn pumps_input() -> impl Strategy<Value = Json> {
    (
        prop::sample::select(vec!["p100", "p200", "p300"]),
        prop::sample::select(vec!["standard", "high_efficiency"]),
        1u32..700,
        prop::sample::subsequence(vec!["heater", "sensor_kit", "stainless_housing"], 0..=3),
        prop::sample::select(vec!["bronze", "silver", "gold"]),
        prop::sample::select(vec!["DE", "AT", "CH", "US", "FR"]),
    )
        .prop_map(|(model, motor, quantity, extras, tier, country)| {
            json!({"model": model, "motor": motor, "quantity": quantity, "extras": extras,
                   "customer": {"tier": tier, "country": country}})
        })
}

fn saas_input() -> impl Strategy<Value = (Json, String)> {
    (
        prop::sample::select(vec!["starter", "team", "enterprise"]),
        1u32..200,
        prop::sample::select(vec!["monthly", "annual"]),
        prop::sample::select(vec!["EUR", "USD", "JPY"]),
        prop::option::of(prop::sample::select(vec!["WELCOME10", "OTHER"])),
        prop::sample::select(vec!["2026-03-01", "2026-07-01", "2026-12-31"]),
    )
        .prop_map(|(plan, seats, billing, currency, coupon, as_of)| {
            let mut input =
                json!({"plan": plan, "seats": seats, "billing": billing, "currency": currency});
            if let Some(c) = coupon {
                input["coupon"] = json!(c);
            }
            (input, as_of.to_string())
        })
}

/// The same object with its keys in reverse order, recursively.
fn reversed(value: &Json) -> Json {
    match value {
        Json::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map.iter().rev() {
                out.insert(k.clone(), reversed(v));
            }
            Json::Object(out)
        }
        Json::Array(items) => Json::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

/// Every string in the result that reads as a decimal prints back identically.
fn decimals_round_trip(value: &Json) -> Result<(), TestCaseError> {
    match value {
        Json::String(s) => {
            if let Ok(d) = Decimal::from_str_exact(s) {
                prop_assert_eq!(&d.to_string(), s);
                prop_assert!(
                    !s.starts_with("-0") || d != Decimal::ZERO,
                    "negative zero: {}",
                    s
                );
            }
            Ok(())
        }
        Json::Array(items) => items.iter().try_for_each(decimals_round_trip),
        Json::Object(map) => map.values().try_for_each(decimals_round_trip),
        _ => Ok(()),
    }
}

fn check_quote(quote: &Json, minor_units: u32) -> Result<(), TestCaseError> {
    let dec = |j: &Json| Decimal::from_str(j.as_str().unwrap()).unwrap();
    let lines = quote["lines"].as_array().unwrap();
    let sum: Decimal = lines.iter().map(|l| dec(&l["amount"])).sum();
    prop_assert_eq!(sum, dec(&quote["total"]));
    for line in lines {
        prop_assert_eq!(dec(&line["amount"]).scale(), minor_units, "line {}", line);
    }
    prop_assert_eq!(dec(&quote["total"]).scale(), minor_units);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn evaluation_is_deterministic(input in pumps_input()) {
        let rules = ruleset("pumps");
        let options = EvalOptions { trace: true, ..EvalOptions::default() };
        let first = rules.evaluate(&input, &options).map(|r| ordo_engine::to_json_string(&r));
        let again = rules.evaluate(&input, &options).map(|r| ordo_engine::to_json_string(&r));
        let shuffled = rules.evaluate(&reversed(&input), &options).map(|r| ordo_engine::to_json_string(&r));
        prop_assert_eq!(&first, &again);
        prop_assert_eq!(&first, &shuffled);
    }

    #[test]
    fn pumps_quotes_add_up(input in pumps_input()) {
        let result = ruleset("pumps").evaluate(&input, &EvalOptions::default()).unwrap();
        decimals_round_trip(&result)?;
        check_quote(&result["quotes"]["quote"], 2)?;
    }

    #[test]
    fn saas_quotes_add_up_in_every_currency((input, as_of) in saas_input()) {
        let options = EvalOptions { as_of: Some(ordo_engine::text::parse_date(&as_of).unwrap()), ..EvalOptions::default() };
        let rules = ruleset("saas");
        let result = rules.evaluate(&input, &options).unwrap();
        decimals_round_trip(&result)?;
        let units = if input["currency"] == "JPY" { 0 } else { 2 };
        check_quote(&result["quotes"]["invoice"], units)?;
        let shuffled = rules.evaluate(&reversed(&input), &options).unwrap();
        prop_assert_eq!(ordo_engine::to_json_string(&result), ordo_engine::to_json_string(&shuffled));
    }
}
