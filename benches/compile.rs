#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark whose setup fails must stop loudly; results are read by JSON index"
)]
//! Parse + check + compile (`Ruleset::compile`), and parsing alone, for each example and for
//! generated rulesets: decision tables of 1k and 10k rows, 1k constraints over 30 fields.
//! Before timing, prints the size of each example's compiled artifact.

mod common;

use std::hint::black_box;

use common::{EXAMPLES, Hit};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use ordo_engine::Ruleset;

fn sources() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = EXAMPLES
        .iter()
        .map(|(name, path)| ((*name).to_owned(), common::read(path)))
        .collect();
    out.push((
        "decision_1k_rows".into(),
        common::decision_ruleset(1_000, Hit::Unique),
    ));
    out.push((
        "decision_10k_rows".into(),
        common::decision_ruleset(10_000, Hit::Unique),
    ));
    out.push((
        "constraints_1k".into(),
        common::constraint_ruleset(30, 8, 1_000),
    ));
    out
}

fn print_artifact_sizes() {
    for (name, path) in EXAMPLES {
        let source = common::read(path);
        let ruleset = common::compile(name, &source);
        let artifact = ruleset.to_artifact().expect("the artifact is written");
        let back = Ruleset::from_artifact(&artifact).expect("the artifact loads back");
        assert_eq!(back.hash(), ruleset.hash(), "{name}: artifact round trip");
        println!(
            "artifact {name}: {} bytes (source {} bytes)",
            artifact.len(),
            source.len()
        );
    }
}

fn bench_compile(c: &mut Criterion) {
    print_artifact_sizes();
    let sources = sources();
    let mut group = c.benchmark_group("compile");
    for (name, source) in &sources {
        // Fail before timing if a generated ruleset does not compile.
        common::compile(name, source);
        // The 10k-row table takes about a second to compile: ten single runs are enough.
        if source.len() > 200_000 {
            group.sample_size(10).sampling_mode(SamplingMode::Flat);
        } else {
            group.sample_size(30).sampling_mode(SamplingMode::Auto);
        }
        group.bench_function(name.as_str(), |b| {
            b.iter(|| Ruleset::compile(black_box(source)).is_ok());
        });
    }
    group.finish();

    let mut group = c.benchmark_group("parse");
    for (name, source) in &sources {
        group.bench_function(name.as_str(), |b| {
            b.iter(|| ordo_dsl::parse(black_box(source)).is_ok());
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench_compile
}
criterion_main!(benches);
