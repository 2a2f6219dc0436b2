#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark whose setup fails must stop loudly; results are read by JSON index"
)]
//! Decision tables of 100, 1k, 10k and 100k rows (a text equality column, an enum equality
//! column and a numeric range column; hit `unique` with non-overlapping rows, and hit `first`
//! with a catch-all row last). Measures evaluation only: the tables are compiled and the inputs
//! read (`Ruleset::read_input`) beforehand, and `Ruleset::run` keeps its result in the engine's
//! values.
//! The inputs hit rows spread over the whole table, the last one near its end, so a scan of
//! every row would show as a cost that grows with the table.

mod common;

use std::hint::black_box;
use std::time::Instant;

use common::Hit;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ordo_engine::{EvalOptions, Ruleset};
use serde_json::Value as Json;

const SIZES: [usize; 4] = [100, 1_000, 10_000, 100_000];

/// The table sizes: all of them, or those listed in `ORDO_BENCH_ROWS` (`ORDO_BENCH_ROWS=100,10000`
/// to profile one size without compiling the largest tables first).
fn sizes() -> Vec<usize> {
    match std::env::var("ORDO_BENCH_ROWS") {
        Ok(list) => list
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect(),
        Err(_) => SIZES.to_vec(),
    }
}

/// Compiles every table before timing, on two threads: the 100k-row tables take long to
/// compile (see benches/RESULTS.md), and the two of them build at the same time.
fn compile_all() -> Vec<(Hit, usize, Ruleset)> {
    let sizes = sizes();
    let jobs: Vec<(Hit, usize)> = [Hit::Unique, Hit::First]
        .into_iter()
        .flat_map(|hit| sizes.iter().map(move |&rows| (hit, rows)))
        .collect();
    let compile = |jobs: Vec<(Hit, usize)>| -> Vec<(Hit, usize, Ruleset)> {
        jobs.into_iter()
            .map(|(hit, rows)| {
                let started = Instant::now();
                let source = common::decision_ruleset(rows, hit);
                let ruleset = common::compile("scaling.ordo", &source);
                println!(
                    "compiled a {rows}-row table (hit {}, {} bytes) in {:.2?}",
                    hit.as_str(),
                    source.len(),
                    started.elapsed()
                );
                (hit, rows, ruleset)
            })
            .collect()
    };
    let (unique, first): (Vec<_>, Vec<_>) = jobs.into_iter().partition(|(h, _)| *h == Hit::Unique);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| compile(first));
        let mut all = compile(unique);
        all.extend(other.join().expect("the compiling thread finishes"));
        all
    })
}

fn bench_scaling(c: &mut Criterion) {
    let options = EvalOptions::default();
    let compiled = compile_all();
    for hit in [Hit::Unique, Hit::First] {
        let mut group = c.benchmark_group(format!("decision_{}", hit.as_str()));
        for (_, rows, ruleset) in compiled.iter().filter(|(h, _, _)| *h == hit) {
            let rows = *rows;
            let inputs = common::decision_inputs(rows, hit);
            for (input, code) in &inputs {
                let result = ruleset
                    .evaluate(input, &options)
                    .unwrap_or_else(|e| panic!("{rows} rows, {input}: {}", e.message));
                assert_eq!(
                    result["outputs"]["code"],
                    Json::String(code.clone()),
                    "{rows} rows, {input}"
                );
            }
            // Inputs read once into the engine's values: the figure is the evaluation alone.
            let inputs: Vec<ordo_engine::Input> = inputs
                .iter()
                .map(|(input, _)| ruleset.read_input(input).expect("the input reads"))
                .collect();
            group.bench_with_input(BenchmarkId::from_parameter(rows), &inputs, |b, inputs| {
                // One evaluation per iteration, cycling through inputs spread over the table.
                let mut next = inputs.iter().cycle();
                b.iter(|| {
                    next.next()
                        .map(|input| ruleset.run(black_box(input), &options).is_ok())
                });
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench_scaling
}
criterion_main!(benches);
