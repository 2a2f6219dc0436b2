//! The native baseline of `bench.mjs`: compiles a ruleset, then evaluates one JSON input in a
//! loop for a fixed time, the way `evaluateJson` does in WebAssembly (text in, canonical text
//! out), and prints the rates as one JSON line.
//!
//! `cargo run --release -p ordo-wasm --example native_eval -- RULESET INPUT [SECONDS] [str]`
//!
//! With `str` only `evaluate_str` is measured (what `speed.mjs` compares `evaluateJson` with),
//! by wall-clock time and, on Linux, by the time the thread was on a CPU
//! (`/proc/thread-self/schedstat`), which a machine loaded by other work does not inflate.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use ordo_engine::{EvalOptions, Ruleset};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [ruleset_path, input_path, rest @ ..] = args.as_slice() else {
        eprintln!("usage: native_eval RULESET INPUT [SECONDS] [str]");
        return ExitCode::from(2);
    };
    let seconds: f64 = rest.first().and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let only_str = rest.get(1).is_some_and(|mode| mode == "str");
    match run(
        ruleset_path,
        input_path,
        Duration::from_secs_f64(seconds),
        only_str,
    ) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(
    ruleset_path: &str,
    input_path: &str,
    budget: Duration,
    only_str: bool,
) -> Result<String, String> {
    let source = std::fs::read_to_string(ruleset_path).map_err(|e| e.to_string())?;
    let input = std::fs::read_to_string(input_path).map_err(|e| e.to_string())?;
    let ruleset = Ruleset::compile(&source).map_err(|d| d.to_string())?;
    let options = EvalOptions::default();
    let evaluate_str = || {
        ruleset
            .evaluate_str(&input, &options)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    if only_str {
        let cpu_start = thread_cpu();
        let mut calls = 0u32;
        let text = rate(budget, || {
            calls += 1;
            evaluate_str()
        })?;
        // The warm-up's calls are counted too: CPU time covers them as well.
        let cpu = match (cpu_start, thread_cpu()) {
            (Some(start), Some(end)) if end > start => {
                format!("{:.1}", f64::from(calls) / (end - start).as_secs_f64())
            }
            _ => "null".to_string(),
        };
        return Ok(format!(
            "{{\"evaluate_str_per_sec\": {text:.1}, \"evaluate_str_per_cpu_sec\": {cpu}}}"
        ));
    }
    let compiles = rate(budget / 4, || {
        Ruleset::compile(&source)
            .map(|_| ())
            .map_err(|d| d.to_string())
    })?;
    let text = rate(budget, evaluate_str)?;
    let value = ordo_engine::parse_json(&input).map_err(|e| e.to_string())?;
    let values = rate(budget, || {
        ruleset
            .evaluate(&value, &options)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })?;
    Ok(format!(
        "{{\"compiles_per_sec\": {compiles:.1}, \"evaluate_str_per_sec\": {text:.1}, \"evaluate_value_per_sec\": {values:.1}}}"
    ))
}

/// The time this thread has spent on a CPU (Linux only).
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Calls `f` repeatedly for about `budget` (after a short warm-up); calls per second.
fn rate(budget: Duration, mut f: impl FnMut() -> Result<(), String>) -> Result<f64, String> {
    let warm_up = Instant::now();
    while warm_up.elapsed() < budget / 10 {
        f()?;
    }
    let start = Instant::now();
    let mut calls: u32 = 0;
    while start.elapsed() < budget {
        for _ in 0..16 {
            f()?;
        }
        calls += 16;
    }
    Ok(f64::from(calls) / start.elapsed().as_secs_f64())
}
