//! What the fuzz targets share: the repository's example rulesets (compiled once per process),
//! JSON inputs generated from a ruleset's input schema, and small rulesets generated from
//! pieces of the language.
//!
//! Everything is driven by [`arbitrary::Unstructured`], so libFuzzer's mutations of the raw
//! bytes become mutations of the choices made here.

// A fuzz harness panics on purpose: a failed check is a crash for libFuzzer to report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod check;
pub mod json;
pub mod ruleset;

use std::sync::OnceLock;

use arbitrary::{Result, Unstructured};
use ordo_engine::{DataFiles, Ruleset};

/// One example of the repository: its name, its compiled ruleset and its sample inputs.
pub struct Example {
    /// The folder (and for `bikes/next`, the subfolder) it comes from.
    pub name: &'static str,
    /// The source text.
    pub source: &'static str,
    /// The compiled ruleset.
    pub ruleset: Ruleset,
    /// The sample inputs beside it, as JSON text.
    pub inputs: Vec<&'static str>,
}

macro_rules! example {
    ($name:literal, $source:literal, [$($input:literal),* $(,)?]) => {
        ($name, include_str!($source), vec![$(include_str!($input)),*], DataFiles::new())
    };
    (
        $name:literal, $source:literal, [$($input:literal),* $(,)?],
        files: [$(($file:literal, $path:literal)),+ $(,)?]
    ) => {
        (
            $name,
            include_str!($source),
            vec![$(include_str!($input)),*],
            [$(($file, include_str!($path))),+].into_iter().collect::<DataFiles>(),
        )
    };
}

/// The examples, compiled on first use (each must compile: they are the repository's own).
pub fn examples() -> &'static [Example] {
    static EXAMPLES: OnceLock<Vec<Example>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        let sources: Vec<(&'static str, &'static str, Vec<&'static str>, DataFiles)> = vec![
            example!(
                "bikes",
                "../../examples/bikes/bikes.ordo",
                [
                    "../../examples/bikes/quote.json",
                    "../../examples/bikes/cases/city.json",
                    "../../examples/bikes/cases/fleet.json",
                    "../../examples/bikes/cases/sport.json",
                    "../../examples/bikes/partial.json",
                ]
            ),
            example!(
                "bikes/next",
                "../../examples/bikes/next/bikes.ordo",
                ["../../examples/bikes/quote.json"]
            ),
            example!(
                "conveyors",
                "../../examples/conveyors/conveyors.ordo",
                [
                    "../../examples/conveyors/quote.json",
                    "../../examples/conveyors/duplicate.json",
                    "../../examples/conveyors/violations.json",
                ],
                files: [("contracts.csv", "../../examples/conveyors/contracts.csv")]
            ),
            example!(
                "freight",
                "../../examples/freight/freight.ordo",
                [
                    "../../examples/freight/pallet.json",
                    "../../examples/freight/parcel.json",
                ]
            ),
            example!(
                "orders",
                "../../examples/orders/orders.ordo",
                ["../../examples/orders/order.json"]
            ),
            example!(
                "sync",
                "../../examples/sync/sync.ordo",
                ["../../examples/sync/batch.json"]
            ),
            example!(
                "tickets",
                "../../examples/tickets/tickets.ordo",
                ["../../examples/tickets/ticket.json"]
            ),
        ];
        sources
            .into_iter()
            .map(|(name, source, inputs, files)| Example {
                name,
                source,
                ruleset: Ruleset::compile_with_files(source, &files)
                    .unwrap_or_else(|d| panic!("the example {name} does not compile: {d:?}")),
                inputs,
            })
            .collect()
    })
}

/// The example with this name.
pub fn example(name: &str) -> &'static Example {
    examples()
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no example {name}"))
}

/// One of the examples, chosen by the data.
pub fn any_example(u: &mut Unstructured<'_>) -> Result<&'static Example> {
    u.choose(examples())
}

/// One of `items`, or (rarely) arbitrary text: names the engine knows, and names it does not.
pub fn name_or_other(u: &mut Unstructured<'_>, items: &[&str]) -> Result<String> {
    if items.is_empty() || u.ratio(1, 8)? {
        let text: &str = u.arbitrary()?;
        Ok(text.chars().take(24).collect())
    } else {
        Ok((*u.choose(items)?).to_string())
    }
}

/// Evaluation options: an `as_of` date and a `now` instant (or none), with or without trace.
pub fn options(u: &mut Unstructured<'_>) -> Result<ordo_engine::EvalOptions> {
    use ordo_engine::text::{parse_date, parse_datetime};
    let as_of = match u.int_in_range(0..=3)? {
        0 => None,
        _ => parse_date(u.choose(AS_OF)?).ok(),
    };
    let at = match u.int_in_range(0..=3)? {
        0 => parse_datetime(u.choose(AT)?).ok(),
        _ => None,
    };
    Ok(ordo_engine::EvalOptions {
        as_of,
        trace: u.arbitrary()?,
        approvals: None,
        at,
    })
}

/// Evaluation dates: the examples' effective dates, price-list changes, far ends of the range.
pub const AS_OF: &[&str] = &[
    "2026-03-02",
    "2026-01-01",
    "2025-12-31",
    "2026-07-01",
    "2026-04-03",
    "2024-02-29",
    "0001-01-01",
    "9999-12-31",
];

/// Instants for `now` and events.
pub const AT: &[&str] = &[
    "2026-03-02T09:15:00Z",
    "2026-03-04T09:15:00Z",
    "2026-04-02T08:00:00Z",
    "2026-04-07T15:00:01Z",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-03-29T01:30:00+01:00",
];
