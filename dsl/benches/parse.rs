#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark whose setup fails must stop loudly"
)]
//! Parsing alone (`ordo_dsl::parse`), in bytes of source per second: every example, and a
//! generated decision table of 1,000 and of 10,000 rows (the rows of `benches/common`'s `decision_ruleset`,
//! hit unique). It builds only this crate, so it runs without the engine and without the
//! comparison's dependencies (`cargo bench -p ordo-dsl --bench parse`; benches/RESULTS.md,
//! "Parsing").

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

const EXAMPLES: [&str; 7] = [
    "bikes",
    "conveyors",
    "documents",
    "freight",
    "orders",
    "sync",
    "tickets",
];

const TIERS: [&str; 4] = ["bronze", "silver", "gold", "platinum"];

/// A ruleset with one `hit unique` decision table of `rows` rows: a text, an enum and a range
/// column, a percent and a text output (`benches/common/mod.rs`, `decision_ruleset`).
fn decision_table(rows: usize) -> String {
    let mut s = String::with_capacity(rows * 64 + 512);
    s.push_str("ruleset scaling version \"1.0.0\"\n\n");
    s.push_str("enum Tier { bronze, silver, gold, platinum }\n\n");
    s.push_str("input {\n  sku: Text\n  tier: Tier\n  quantity: Int\n}\n\n");
    s.push_str("decision price_rule hit unique {\n");
    s.push_str("  | sku | tier | quantity || rate | code |\n");
    for i in 0..rows {
        let sku = format!("SKU{:06}", i / 8);
        let tier = TIERS.get((i / 2) % 4).copied().unwrap_or("bronze");
        let band = if i % 2 == 1 { ">= 10" } else { "1..<10" };
        let _ = writeln!(
            s,
            "  | \"{sku}\" | {tier} | {band} || {}.{}% | \"R{i}\" |",
            i % 30,
            i % 10
        );
    }
    s.push_str("}\n\n");
    s.push_str("output rate = price_rule.rate\noutput code = price_rule.code\n");
    s
}

fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out: Vec<(String, String)> = EXAMPLES
        .iter()
        .map(|name| {
            let path = root.join(format!("examples/{name}/{name}.ordo"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            ((*name).to_owned(), text)
        })
        .collect();
    // The same table at a tenth of the size: rows that fit the caches against rows that do not.
    out.push(("decision_1k_rows".to_owned(), decision_table(1_000)));
    out.push(("decision_10k_rows".to_owned(), decision_table(10_000)));
    out
}

fn bench_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (name, source) in &sources() {
        assert!(ordo_dsl::parse(source).is_ok(), "{name} parses");
        if source.len() > 100_000 {
            group.sampling_mode(SamplingMode::Flat).sample_size(10);
        } else {
            group.sampling_mode(SamplingMode::Auto).sample_size(30);
        }
        group.throughput(Throughput::Bytes(source.len() as u64));
        group.bench_function(name.as_str(), |b| {
            b.iter(|| ordo_dsl::parse(black_box(source)).is_ok());
        });
    }
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
