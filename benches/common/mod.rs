//! What the benchmarks share: the example files, generated rulesets of a chosen size, and
//! generated inputs. Everything is deterministic (a fixed linear congruential sequence instead
//! of a random generator), so every run measures the same work.

#![allow(dead_code, reason = "each benchmark uses a part of this module")]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use criterion::Criterion;
use ordo_engine::{DataFiles, Ruleset};
use serde_json::{Value as Json, json};

/// Criterion settings that keep the whole suite within about ten minutes on two cores.
pub fn criterion() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

/// A path inside the repository.
pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The text of a file of the repository.
pub fn read(relative: &str) -> String {
    let path = repo_path(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The JSON of a file of the repository.
pub fn read_json(relative: &str) -> Json {
    ordo_engine::parse_json(&read(relative))
        .unwrap_or_else(|e| panic!("{relative} is not valid JSON: {}", e.message))
}

/// Compiles a ruleset, or stops with its rendered diagnostics.
pub fn compile(name: &str, source: &str) -> Ruleset {
    Ruleset::compile(source).unwrap_or_else(|d| panic!("{}", d.render(name, source)))
}

/// Compiles the ruleset file of the repository at `relative`, with the data files beside it.
pub fn compile_file(relative: &str) -> Ruleset {
    let source = read(relative);
    let files = DataFiles::read_beside(&repo_path(relative), Ruleset::data_files_of(&source))
        .unwrap_or_else(|e| panic!("{e}"));
    Ruleset::compile_with_files(&source, &files)
        .unwrap_or_else(|d| panic!("{}", d.render(relative, &source)))
}

/// The example rulesets, by name and path.
pub const EXAMPLES: [(&str, &str); 3] = [
    ("bikes", "examples/bikes/bikes.ordo"),
    ("freight", "examples/freight/freight.ordo"),
    ("orders", "examples/orders/orders.ordo"),
];

/// A fixed pseudo-random sequence (Knuth's MMIX constants), enough to spread generated rules.
pub struct Sequence(u64);

impl Sequence {
    pub fn new(seed: u64) -> Sequence {
        Sequence(seed)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % bound as u64) as usize
    }
}

// ---------------------------------------------------------------------------------------------
// Decision tables of any size
// ---------------------------------------------------------------------------------------------

/// The hit policy of a generated decision table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// Rows never overlap; every generated input matches exactly one row.
    Unique,
    /// The same rows, then a catch-all row last.
    First,
}

impl Hit {
    pub fn as_str(self) -> &'static str {
        match self {
            Hit::Unique => "unique",
            Hit::First => "first",
        }
    }
}

pub const TIERS: [&str; 4] = ["bronze", "silver", "gold", "platinum"];

/// Row `i` of a generated table: product code (a text equality column), tier (an enum
/// equality column) and quantity band (a range column, `1..<10` or `>= 10`). Eight rows per
/// product code, so no two rows overlap.
fn table_row(i: usize) -> (String, &'static str, bool) {
    let sku = format!("SKU{:06}", i / 8);
    let tier = TIERS.get((i / 2) % 4).copied().unwrap_or("bronze");
    let large = i % 2 == 1;
    (sku, tier, large)
}

/// A ruleset with one decision table of `rows` rows (two outputs: a rate and the row's code).
pub fn decision_ruleset(rows: usize, hit: Hit) -> String {
    let mut s = String::with_capacity(rows * 64 + 512);
    s.push_str("ruleset scaling version \"1.0.0\"\n\n");
    s.push_str("enum Tier { bronze, silver, gold, platinum }\n\n");
    s.push_str("input {\n  sku: Text\n  tier: Tier\n  quantity: Int\n}\n\n");
    let _ = writeln!(s, "decision price_rule hit {} {{", hit.as_str());
    s.push_str("  | sku | tier | quantity || rate | code |\n");
    let specific = match hit {
        Hit::Unique => rows,
        Hit::First => rows.saturating_sub(1),
    };
    for i in 0..specific {
        let (sku, tier, large) = table_row(i);
        let band = if large { ">= 10" } else { "1..<10" };
        let _ = writeln!(
            s,
            "  | \"{sku}\" | {tier} | {band} || {}.{}% | \"R{i}\" |",
            i % 30,
            i % 10
        );
    }
    if hit == Hit::First {
        s.push_str("  | - | - | - || 0% | \"default\" |\n");
    }
    s.push_str("}\n\n");
    s.push_str("output rate = price_rule.rate\noutput code = price_rule.code\n");
    s
}

/// Inputs that hit rows spread over the whole table (the last one near its end), with the
/// code of the row each must hit.
pub fn decision_inputs(rows: usize, hit: Hit) -> Vec<(Json, String)> {
    let specific = match hit {
        Hit::Unique => rows,
        Hit::First => rows.saturating_sub(1),
    };
    let mut out: Vec<(Json, String)> = (1..=8)
        .map(|k| (specific * k / 8).saturating_sub(1))
        .map(|i| {
            let (sku, tier, large) = table_row(i);
            let quantity = if large { 25 } else { 4 };
            (
                json!({"sku": sku, "tier": tier, "quantity": quantity}),
                format!("R{i}"),
            )
        })
        .collect();
    if hit == Hit::First {
        out.push((
            json!({"sku": "UNKNOWN", "tier": "gold", "quantity": 3}),
            "default".to_owned(),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Finite fields and constraints (the configurator's workload)
// ---------------------------------------------------------------------------------------------

/// A ruleset of `fields` fields over one enum of `values` values, and `constraints` error
/// constraints between pairs of fields, such as `f3 == v2 implies f17 != v5`.
pub fn constraint_ruleset(fields: usize, values: usize, constraints: usize) -> String {
    let mut seq = Sequence::new(17);
    let mut s = String::with_capacity(constraints * 96 + fields * 16 + 256);
    s.push_str("ruleset options version \"1.0.0\"\n\n");
    let names: Vec<String> = (0..values).map(|v| format!("v{v}")).collect();
    let _ = writeln!(s, "enum Choice {{ {} }}\n", names.join(", "));
    s.push_str("input {\n");
    for f in 0..fields {
        let _ = writeln!(s, "  f{f}: Choice");
    }
    s.push_str("}\n\n");
    for c in 0..constraints {
        let a = seq.below(fields);
        let b = (a + 1 + seq.below(fields - 1)) % fields;
        let (x, y, z) = (seq.below(values), seq.below(values), seq.below(values));
        // Three shapes, as a configurator's rules come: exclusions, requirements, and
        // exclusions from a group of values.
        let rule = match c % 3 {
            0 => format!("f{a} == v{x} implies f{b} != v{y}"),
            1 => format!(
                "f{a} == v{x} implies f{b} in [v{y}, v{z}, v{}]",
                (z + 1) % values
            ),
            _ => format!("not (f{a} in [v{x}, v{y}] and f{b} == v{z})"),
        };
        let _ = writeln!(
            s,
            "constraint c{c}: {rule}\n  else error \"Rule {c}: f{a} and f{b} do not go together\""
        );
    }
    s
}

/// A partial input of the constraint ruleset: the first `chosen` fields set, the rest open.
pub fn constraint_partial(chosen: usize, values: usize) -> Json {
    let mut input = serde_json::Map::new();
    for f in 0..chosen {
        input.insert(format!("f{f}"), json!(format!("v{}", (f * 3) % values)));
    }
    Json::Object(input)
}

// ---------------------------------------------------------------------------------------------
// Bikes quotes
// ---------------------------------------------------------------------------------------------

/// Varied, valid bikes orders (every frame, groupset, dealer and shipping zone).
pub fn bikes_inputs(count: usize) -> Vec<Json> {
    const FRAMES: [&str; 4] = ["city", "trekking", "gravel", "cargo"];
    const SIZES: [&str; 2] = ["m", "l"];
    const GROUPSETS: [&str; 4] = ["basic", "sport", "pro", "electric"];
    const DEALERS: [&str; 3] = ["direct", "registered", "premium"];
    const COUNTRIES: [&str; 6] = ["DE", "AT", "NL", "FR", "CH", "US"];
    let accessories = |i: usize| -> Json {
        match i % 4 {
            0 => json!([]),
            1 => json!(["lights"]),
            2 => json!(["rack", "lights"]),
            _ => json!(["fenders", "lock", "lights"]),
        }
    };
    let pick = |list: &[&'static str], i: usize| list.get(i % list.len()).copied().unwrap_or("");
    (0..count)
        .map(|i| {
            let frame = pick(&FRAMES, i);
            let mut groupset = pick(&GROUPSETS, i / 4);
            if frame == "gravel" && groupset == "electric" {
                groupset = "pro";
            }
            let quantity = 1 + (i * 7) % 40;
            let fleet = if quantity >= 10 && i % 2 == 1 {
                "0.05"
            } else {
                "0"
            };
            json!({
                "frame": frame,
                "size": pick(&SIZES, i),
                "groupset": groupset,
                "accessories": if frame == "gravel" { json!([]) } else { accessories(i) },
                "quantity": quantity,
                "dealer": pick(&DEALERS, i),
                "ship_to": {"country": pick(&COUNTRIES, i), "express": i % 5 == 0},
                "fleet_discount": fleet,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Compile-time scaling: one kind of construct, many times
// ---------------------------------------------------------------------------------------------

/// The column kinds of a generated decision table for the compile-time curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    /// One numeric range column: row `i` is `i*10 ..< i*10+10`.
    Range,
    /// One text equality column: row `i` is `"K{i}"`.
    Equality,
    /// Text, enum and range columns (the `decision_ruleset` table).
    Mixed,
}

impl Columns {
    pub fn as_str(self) -> &'static str {
        match self {
            Columns::Range => "range",
            Columns::Equality => "equality",
            Columns::Mixed => "mixed",
        }
    }
}

/// A ruleset with one decision table of `rows` rows of the given column kind, hit `first`
/// (rows do not overlap, so `unique` reads the same), and one output.
pub fn column_ruleset(rows: usize, columns: Columns) -> String {
    if columns == Columns::Mixed {
        return decision_ruleset(rows, Hit::First);
    }
    let mut s = String::with_capacity(rows * 40 + 256);
    s.push_str("ruleset scaling version \"1.0.0\"\n\n");
    s.push_str("input {\n  key: Text\n  amount: Int\n}\n\n");
    s.push_str("decision rate_rule hit first {\n");
    match columns {
        Columns::Range => {
            s.push_str("  | amount || rate |\n");
            for i in 0..rows {
                let _ = writeln!(
                    s,
                    "  | {}..<{} || {}.{}% |",
                    i * 10,
                    i * 10 + 10,
                    i % 30,
                    i % 10
                );
            }
        }
        _ => {
            s.push_str("  | key || rate |\n");
            for i in 0..rows {
                let _ = writeln!(s, "  | \"K{i}\" || {}.{}% |", i % 30, i % 10);
            }
        }
    }
    s.push_str("  | - || 0% |\n}\n\noutput rate = rate_rule\n");
    s
}

/// A ruleset with one table of `rows` text keys, one composite-key table of `rows` rows
/// (a quarter of them with a `_` component), and bands of `rows` rows.
pub fn table_bands_ruleset(rows: usize) -> String {
    let mut s = String::with_capacity(rows * 90 + 256);
    s.push_str("ruleset tables version \"1.0.0\"\n\n");
    s.push_str("enum Zone { north, south, east, west }\n\n");
    s.push_str("input {\n  key: Text\n  zone: Zone\n  amount: Int\n}\n\n");
    s.push_str("table price: Text -> Decimal {\n");
    for i in 0..rows {
        let _ = writeln!(s, "  \"P{i}\" => {}.{:02}", i % 1000, i % 100);
    }
    s.push_str("  _ => 0.00\n}\n\n");
    s.push_str("table zone_price: (Text, Zone) -> Decimal {\n");
    for i in 0..rows {
        let key = i / 4;
        // The first row of every key leaves the zone open: a default for the key.
        let zone = match i % 4 {
            0 => "_",
            k => ZONES.get(k).copied().unwrap_or("north"),
        };
        let _ = writeln!(s, "  (\"P{key}\", {zone}) => {}.{:02}", i % 1000, i % 100);
    }
    s.push_str("  (_, _) => 0.00\n}\n\n");
    s.push_str("bands discount {\n");
    for i in 0..rows {
        let _ = writeln!(s, "  {}..<{} => {}", i * 10, i * 10 + 10, i % 50);
    }
    let _ = writeln!(s, "  {}.. => 0", rows * 10);
    s.push_str("}\n\n");
    s.push_str("output unit = price[key]\noutput zoned = zone_price[key, zone]\n");
    s.push_str("output off = volume(amount, discount)\n");
    s
}

const ZONES: [&str; 4] = ["north", "south", "east", "west"];

/// A ruleset with a workflow of `states` states in a chain (each with a transition to the
/// next and one back to the first) and a final state.
pub fn workflow_ruleset(states: usize) -> String {
    let mut s = String::with_capacity(states * 120 + 256);
    s.push_str("ruleset flow version \"1.0.0\"\n\nroles clerk\n\n");
    s.push_str("input {\n  amount: Int\n}\n\n");
    s.push_str("workflow chain {\n");
    s.push_str("  state s0 initial owner clerk\n");
    for i in 1..states {
        let _ = writeln!(s, "  state s{i} owner clerk");
    }
    s.push_str("  state done final\n\n");
    for i in 0..states {
        let next = if i + 1 == states {
            "done".to_owned()
        } else {
            format!("s{}", i + 1)
        };
        let _ = writeln!(
            s,
            "  transition t{i}: s{i} -> {next} by clerk when amount > {i}"
        );
        if i > 0 {
            let _ = writeln!(s, "  transition back{i}: s{i} -> s0 by clerk");
        }
    }
    s.push_str("}\n\noutput big = amount > 10\n");
    s
}

/// A data-file table of `rows` keys, each with two rows valid one after the other: the
/// ruleset and the CSV text (`prices.csv`).
pub fn data_file_ruleset(rows: usize) -> (String, String) {
    let source = "ruleset data version \"1.0.0\"\n\ninput {\n  key: Text\n}\n\n\
         table price: Text -> Decimal from \"prices.csv\"\n\noutput unit = price[key]\n"
        .to_owned();
    let mut csv = String::with_capacity(rows * 64 + 64);
    csv.push_str("key,value,valid_from,valid_to\n");
    for i in 0..rows {
        let _ = writeln!(csv, "P{i},{}.{:02},,2026-07-01", i % 1000, i % 100);
        let _ = writeln!(csv, "P{i},{}.{:02},2026-07-01,", i % 1000 + 1, i % 100);
    }
    (source, csv)
}
