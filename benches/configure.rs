#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark whose setup fails must stop loudly; results are read by JSON index"
)]
//! The configurator (`Ruleset::configure`, default mode): the bikes example with
//! examples/bikes/partial.json, and a generated ruleset of 30 finite fields of 8 enum values
//! with 200 constraints between pairs of fields, five of them chosen.

mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ordo_engine::ConfigureRequest;
use serde_json::Value as Json;

fn bench_configure(c: &mut Criterion) {
    let bikes = common::compile("bikes.ordo", &common::read("examples/bikes/bikes.ordo"));
    let bikes_request = ConfigureRequest {
        input: common::read_json("examples/bikes/partial.json"),
        ..ConfigureRequest::default()
    };
    let bikes_complete = ConfigureRequest {
        complete: true,
        ..bikes_request.clone()
    };

    let source = common::constraint_ruleset(30, 8, 200);
    let generated = common::compile("options.ordo", &source);
    let generated_request = ConfigureRequest {
        input: common::constraint_partial(5, 8),
        ..ConfigureRequest::default()
    };

    // Every finite field gets its options, some of them disabled, before timing.
    let bikes_result = bikes
        .configure(&bikes_request)
        .unwrap_or_else(|e| panic!("bikes: {}", e.message));
    assert!(bikes_result["fields"]["groupset"]["options"].is_array());
    let generated_result = generated
        .configure(&generated_request)
        .unwrap_or_else(|e| panic!("generated: {}", e.message));
    let fields = generated_result["fields"]
        .as_object()
        .expect("fields is an object");
    assert_eq!(fields.len(), 30);
    let disabled = fields
        .values()
        .filter_map(|f| f["options"].as_array())
        .flatten()
        .filter(|o| o["available"] == Json::Bool(false))
        .count();
    assert!(
        disabled > 0,
        "the generated constraints disable some options"
    );
    println!("configure generated: 30 fields x 8 values, {disabled} of 240 options disabled");

    let mut group = c.benchmark_group("configure");
    group.bench_function("bikes_partial", |b| {
        b.iter(|| bikes.configure(black_box(&bikes_request)).is_ok());
    });
    group.bench_function("bikes_partial_complete", |b| {
        b.iter(|| bikes.configure(black_box(&bikes_complete)).is_ok());
    });
    group.bench_function("fields30_constraints200", |b| {
        b.iter(|| generated.configure(black_box(&generated_request)).is_ok());
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench_configure
}
criterion_main!(benches);
