#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark whose setup fails must stop loudly"
)]
//! The compile-time curve: `Ruleset::compile` of generated rulesets of growing size (decision
//! tables of 1k, 10k and 100k rows with range, equality and mixed columns; 1k and 10k
//! constraints; workflows of 1k and 10k states; tables and bands of 1k and 10k rows; a data file
//! of 10k keys), parsing alone in bytes per second, and loading the compiled artifact of the
//! 100k-row mixed table (to set against its compilation in the same run).
//!
//! `ORDO_SCALING_ONCE=1` prints one timed run of each instead (for profiling, no criterion).

mod common;

use std::hint::black_box;
use std::time::Instant;

use common::Columns;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use ordo_engine::{DataFiles, Ruleset};

/// One generated ruleset: its bench id, source and data files.
struct Case {
    group: &'static str,
    size: usize,
    source: String,
    files: DataFiles,
}

fn case(group: &'static str, size: usize, source: String) -> Case {
    Case {
        group,
        size,
        source,
        files: DataFiles::new(),
    }
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for columns in [Columns::Range, Columns::Equality, Columns::Mixed] {
        let group = match columns {
            Columns::Range => "rows_range",
            Columns::Equality => "rows_equality",
            Columns::Mixed => "rows_mixed",
        };
        for rows in [1_000, 10_000, 100_000] {
            out.push(case(group, rows, common::column_ruleset(rows, columns)));
        }
    }
    for n in [1_000, 10_000] {
        out.push(case("constraints", n, common::constraint_ruleset(30, 8, n)));
    }
    for n in [1_000, 10_000] {
        out.push(case("states", n, common::workflow_ruleset(n)));
    }
    for n in [1_000, 10_000] {
        out.push(case("tables_bands", n, common::table_bands_ruleset(n)));
    }
    for n in [1_000, 10_000] {
        let (source, csv) = common::data_file_ruleset(n);
        let mut files = DataFiles::new();
        files.insert("prices.csv", &csv);
        out.push(Case {
            group: "data_file",
            size: n,
            source,
            files,
        });
    }
    out
}

fn compile(case: &Case) -> Ruleset {
    Ruleset::compile_with_files(&case.source, &case.files).unwrap_or_else(|d| {
        panic!(
            "{}",
            d.render(&format!("{}/{}", case.group, case.size), &case.source)
        )
    })
}

/// One run of each step, printed: for profiling and for a quick look at the curve.
fn once(cases: &[Case]) {
    for case in cases {
        let start = Instant::now();
        let ast = ordo_dsl::parse(&case.source);
        let parse = start.elapsed();
        assert!(ast.is_ok(), "{}/{} parses", case.group, case.size);
        let start = Instant::now();
        let ruleset = compile(case);
        let total = start.elapsed();
        let artifact = ruleset.to_artifact().expect("the artifact is written");
        let start = Instant::now();
        let back = Ruleset::from_artifact(&artifact).expect("the artifact loads");
        let load = start.elapsed();
        assert_eq!(back.hash(), ruleset.hash());
        println!(
            "{}/{}: {:.2} MB source, parse {:.1} ms ({:.1} MB/s), compile {:.1} ms, artifact {:.2} MB loads in {:.1} ms",
            case.group,
            case.size,
            case.source.len() as f64 / 1e6,
            parse.as_secs_f64() * 1e3,
            case.source.len() as f64 / 1e6 / parse.as_secs_f64(),
            total.as_secs_f64() * 1e3,
            artifact.len() as f64 / 1e6,
            load.as_secs_f64() * 1e3,
        );
    }
}

fn bench_scaling(c: &mut Criterion) {
    let cases = cases();
    if std::env::var_os("ORDO_SCALING_ONCE").is_some() {
        once(&cases);
        return;
    }
    let mut group = c.benchmark_group("compile_scaling");
    group.sampling_mode(SamplingMode::Flat);
    for case in &cases {
        // Fail before timing if a generated ruleset does not compile.
        compile(case);
        group.sample_size(if case.source.len() > 1_000_000 {
            10
        } else {
            20
        });
        group.bench_function(format!("{}/{}", case.group, case.size), |b| {
            b.iter(|| Ruleset::compile_with_files(black_box(&case.source), &case.files).is_ok());
        });
    }
    group.finish();

    let mut group = c.benchmark_group("parse_throughput");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    let mut sources: Vec<(String, String)> = common::EXAMPLES
        .iter()
        .map(|(name, path)| ((*name).to_owned(), common::read(path)))
        .collect();
    for case in cases
        .iter()
        .filter(|c| c.size == 10_000 && c.group != "data_file")
    {
        sources.push((format!("{}/{}", case.group, case.size), case.source.clone()));
    }
    for (name, source) in &sources {
        group.throughput(Throughput::Bytes(source.len() as u64));
        group.bench_function(name.as_str(), |b| {
            b.iter(|| ordo_dsl::parse(black_box(source)).is_ok());
        });
    }
    group.finish();

    // Against `compile_scaling/rows_mixed/100000` of the same run.
    let mut group = c.benchmark_group("artifact_load");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    let source = common::column_ruleset(100_000, Columns::Mixed);
    let ruleset = common::compile("rows_mixed/100000", &source);
    let artifact = ruleset.to_artifact().expect("the artifact is written");
    group.bench_function("rows_mixed/100000", |b| {
        b.iter(|| Ruleset::from_artifact(black_box(&artifact)).is_ok());
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench_scaling
}
criterion_main!(benches);
