#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The conveyors example against the same quote written by hand in Rust
//! (`benches/by_hand/conveyors.rs`, the benchmark's floor): for generated quotes of every
//! kind (contract and list prices on either side of a price change, quotes older than the
//! price protection, every freight zone and VAT treatment, failing sections, large quotes),
//! the engine's result is the hand-written program's, field for field. Two implementations
//! written apart agreeing on hundreds of quotes checks the engine's lists, functions, price
//! lines, constraints per element and data-file tables together; inputs at the edges of the
//! input's refinements check that both refuse the same ones.

mod common;
#[path = "../benches/by_hand/conveyors.rs"]
mod conveyors;

use std::path::Path;
use std::sync::LazyLock;

use chrono::NaiveDate;
use ordo_engine::{EvalOptions, Ruleset};
use proptest::prelude::*;
use serde_json::{Value as Json, json};

const FOLDER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/conveyors");

/// Compiled once for every generated case.
static RULESET: LazyLock<Ruleset> = LazyLock::new(|| common::example("conveyors"));
static CONTRACTS: LazyLock<conveyors::Contracts> = LazyLock::new(contracts);

fn contracts() -> conveyors::Contracts {
    let csv = std::fs::read_to_string(Path::new(FOLDER).join("contracts.csv")).unwrap();
    conveyors::Contracts::parse(&csv).unwrap()
}

/// Both results for one input and day, as JSON trees (`Err` for the hand-written program's
/// refusals; the engine must refuse the same inputs).
fn both(
    ruleset: &Ruleset,
    contracts: &conveyors::Contracts,
    text: &str,
    as_of: NaiveDate,
) -> (Option<Json>, Option<Json>) {
    let options = EvalOptions {
        as_of: Some(as_of),
        ..EvalOptions::default()
    };
    let engine = ruleset.evaluate_str(text, &options).ok();
    let by_hand = conveyors::evaluate(text, as_of, contracts).ok();
    let parse = |s: String| serde_json::from_str::<Json>(&s).unwrap();
    (engine.map(parse), by_hand.map(parse))
}

#[test]
fn the_example_quotes_match() {
    let as_of = NaiveDate::from_ymd_opt(2026, 8, 3).unwrap();
    for file in ["quote.json", "large.json"] {
        let text = std::fs::read_to_string(Path::new(FOLDER).join(file)).unwrap();
        let (engine, by_hand) = both(&RULESET, &CONTRACTS, &text, as_of);
        assert!(engine.is_some(), "{file}: the engine refuses it");
        assert_eq!(engine, by_hand, "{file}");
    }
}

/// A position: widths off the standard list and past a model's maximum, long sections
/// without a pull cord, steep inclines and heavy loads come up often enough to fail.
fn position(pos: usize) -> impl Strategy<Value = Json> {
    let width = prop::sample::select(vec![300, 400, 500, 600, 650, 700, 800, 1000, 1200]);
    let model = prop::sample::select(vec!["fb40", "fb60", "cb45", "mb50"]);
    let extras = prop::collection::vec(
        prop::sample::select(vec![
            "side_guards",
            "covers",
            "pull_cord",
            "washdown",
            "inverter",
        ]),
        0..4,
    );
    let sensors = prop::collection::vec(
        prop::sample::select(vec![
            "photo_eye",
            "inductive",
            "speed_monitor",
            "jam_detector",
        ]),
        0..4,
    );
    (
        (model, width, 10u32..=600, 1u32..=12, 0u32..=30),
        (0u32..=150, 1u32..=20, any::<bool>(), extras, sensors),
        any::<u8>(),
    )
        .prop_map(
            move |(
                (model, width, tenths, qty, incline),
                (load, speed, drum, extras, sensors),
                absent,
            )| {
                let mut p = json!({
                    "pos": format!("{:03}", (pos + 1) * 10),
                    "model": model,
                    "width_mm": width,
                    "length_m": format!("{}.{}", tenths / 10, tenths % 10),
                    "qty": qty,
                    "incline_deg": incline,
                    "load_kg_per_m": load,
                    "speed_m_s": format!("{}.{}", speed / 10, speed % 10),
                    "drive": if drum { "drum_motor" } else { "gear_motor" },
                    "extras": extras,
                    "sensors": sensors,
                });
                // Leave some fields out, so that their defaults apply.
                for (bit, field) in ["qty", "incline_deg", "load_kg_per_m", "speed_m_s", "drive"]
                    .iter()
                    .enumerate()
                {
                    if absent & (1 << bit) != 0 {
                        p.as_object_mut().unwrap().remove(*field);
                    }
                }
                p
            },
        )
}

fn quote() -> impl Strategy<Value = (String, NaiveDate)> {
    let account = prop::sample::select(vec!["K-10234", "K-20417", "K-31008", "K-99999"]);
    let sector = prop::sample::select(vec!["logistics", "food", "general", "mining"]);
    let country = prop::sample::select(vec!["DE", "FR", "AT", "FI", "PT", "US", "CH"]);
    let day = |lo: u32| {
        (lo..=365u32).prop_map(|n| {
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(u64::from(n))
        })
    };
    let positions = (1usize..=12).prop_flat_map(|n| (0..n).map(position).collect::<Vec<_>>());
    (
        (account, sector, any::<bool>(), country),
        positions,
        (prop::option::of(day(0)), day(30), 0u32..=20, any::<bool>()),
    )
        .prop_map(
            |(
                (account, sector, vat_id, country),
                positions,
                (quoted_on, as_of, discount, installation),
            )| {
                let mut customer = json!({ "account": account, "sector": sector });
                if vat_id {
                    customer["vat_id"] = json!("DE284611907");
                }
                let mut input = json!({
                    "customer": customer,
                    "site": { "country": country },
                    "positions": positions,
                    // Up to 15 %, the refinement's limit; some quotes leave it out.
                    "project_discount": format!("0.{discount:02}"),
                    "installation": installation,
                });
                if discount > 15 {
                    input.as_object_mut().unwrap().remove("project_discount");
                }
                if let Some(day) = quoted_on {
                    input["quoted_on"] = json!(day.to_string());
                }
                (input.to_string(), as_of)
            },
        )
}

/// A valid quote with one field set to a value at or just past the edge of what the input
/// declares: a refinement's bound, a pattern, a whole number, a list's length, an unknown
/// field. `None` for the value removes the field.
fn edge() -> impl Strategy<Value = (String, &'static str, Option<Json>)> {
    let at = |field: &'static str, values: Vec<Json>| {
        prop::sample::select(values).prop_map(move |v| (field, Some(v)))
    };
    let edit = prop_oneof![
        at(
            "width_mm",
            vec![
                json!(299),
                json!(300),
                json!(1200),
                json!(1201),
                json!(650.5),
                json!("600")
            ]
        ),
        at(
            "length_m",
            vec![
                json!("0.9"),
                json!(1),
                json!("1.0"),
                json!("60"),
                json!("60.00"),
                json!("60.01"),
                json!(-1)
            ]
        ),
        at(
            "qty",
            vec![json!(0), json!(1), json!(50), json!(51), json!(2.0)]
        ),
        at(
            "incline_deg",
            vec![json!(-1), json!(0), json!(30), json!(31)]
        ),
        at(
            "load_kg_per_m",
            vec![json!("-0.1"), json!(0), json!(150), json!("150.1")]
        ),
        at(
            "speed_m_s",
            vec![
                json!("0.09"),
                json!("0.1"),
                json!(2),
                json!("2.0"),
                json!("2.01")
            ]
        ),
        at(
            "pos",
            vec![
                json!("010.1"),
                json!("010.12"),
                json!("010.123"),
                json!("01"),
                json!("0100"),
                json!("01a"),
                json!("010."),
                json!(10)
            ]
        ),
        at("model", vec![json!("fb41"), json!(null), json!("FB40")]),
        at(
            "drive",
            vec![json!("drum_motor"), json!("belt"), json!(null)]
        ),
        at(
            "extras",
            vec![
                json!([]),
                json!(["covers", "covers"]),
                json!(["turbo"]),
                json!("covers")
            ]
        ),
        at(
            "account",
            vec![
                json!("K-1023"),
                json!("K-102345"),
                json!("k-10234"),
                json!("K-10234 ")
            ]
        ),
        at(
            "country",
            vec![json!("de"), json!("DEU"), json!("D"), json!("FR")]
        ),
        at(
            "project_discount",
            vec![json!("0.15"), json!("0.151"), json!("-0.01"), json!(0)]
        ),
        at(
            "quoted_on",
            vec![
                json!("2026-02-30"),
                json!("2026-2-3"),
                json!(null),
                json!("2026-06-01")
            ]
        ),
        at("colour", vec![json!("red")]),
        Just(("positions", Some(json!([])))),
        Just(("model", None)),
        Just(("account", None)),
    ];
    (quote(), edit).prop_map(|((text, _), (field, value))| (text, field, value))
}

/// `input` with `field` (of the first position, of the customer, of the site, or of the
/// input itself) set to `value`, or removed.
fn edited(text: &str, field: &str, value: Option<Json>) -> String {
    let mut input: Json = serde_json::from_str(text).unwrap();
    let object = match field {
        "account" => &mut input["customer"],
        "country" => &mut input["site"],
        "project_discount" | "quoted_on" | "positions" | "colour" => &mut input,
        _ => &mut input["positions"][0],
    };
    let object = object.as_object_mut().unwrap();
    match value {
        Some(value) => object.insert(field.to_string(), value),
        None => object.remove(field),
    };
    input.to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Both refuse the same inputs, and give the same result for the others.
    #[test]
    fn inputs_at_the_edges_match((text, field, value) in edge()) {
        let text = edited(&text, field, value);
        let as_of = NaiveDate::from_ymd_opt(2026, 8, 3).unwrap();
        let (engine, by_hand) = both(&RULESET, &CONTRACTS, &text, as_of);
        prop_assert_eq!(engine, by_hand, "{}", text);
    }

    #[test]
    fn generated_quotes_match((text, as_of) in quote()) {
        let (engine, by_hand) = both(&RULESET, &CONTRACTS, &text, as_of);
        prop_assert!(engine.is_some(), "the engine refuses {}", text);
        prop_assert_eq!(engine, by_hand, "{}", text);
    }
}
