#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark whose setup fails must stop loudly"
)]
//! The conveyors quote by the engine and by hand, in one run: `evaluate_str` of
//! `examples/conveyors/conveyors.ordo` against the same quote written directly in Rust
//! (`by_hand/conveyors.rs`: serde, rust_decimal, no interpreter), JSON text in to JSON text out,
//! at 10 and 200 positions. The hand-written quote is the floor of what the quote's work costs
//! on the machine; both give the same result, checked before anything is timed.

mod common;
#[path = "by_hand/conveyors.rs"]
mod conveyors;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ordo_engine::{EvalOptions, text::parse_date};
use serde_json::Value as Json;

fn bench_by_hand(c: &mut Criterion) {
    let ruleset = common::compile_file("examples/conveyors/conveyors.ordo");
    let contracts = conveyors::Contracts::parse(&common::read("examples/conveyors/contracts.csv"))
        .expect("contracts.csv reads");
    let as_of = parse_date("2026-08-03").expect("a date");
    let options = EvalOptions {
        as_of: Some(as_of),
        ..EvalOptions::default()
    };
    let mut group = c.benchmark_group("conveyors_by_hand");
    group.throughput(Throughput::Elements(1));
    for (name, file) in [
        ("positions_10", "examples/conveyors/quote.json"),
        ("positions_200", "examples/conveyors/large.json"),
    ] {
        let text = common::read(file);
        let engine = ruleset
            .evaluate_str(&text, &options)
            .expect("the engine evaluates the quote");
        let by_hand = conveyors::evaluate(&text, as_of, &contracts)
            .expect("the hand-written quote evaluates");
        let parse = |s: &str| serde_json::from_str::<Json>(s).expect("a result is JSON");
        assert_eq!(
            parse(&engine),
            parse(&by_hand),
            "{file}: the results differ"
        );
        group.bench_function(format!("engine_{name}"), |b| {
            b.iter(|| ruleset.evaluate_str(black_box(&text), &options).is_ok());
        });
        group.bench_function(format!("by_hand_{name}"), |b| {
            b.iter(|| conveyors::evaluate(black_box(&text), as_of, &contracts).is_ok());
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench_by_hand
}
criterion_main!(benches);
