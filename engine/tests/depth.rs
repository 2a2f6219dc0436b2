#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! One depth limit for every recursive form: sources at the limit go through every stage
//! (parse, compile, evaluate with a trace, format, canonical form, lint) on a 1 MiB stack, the
//! default of WASM; one level past it they are refused with a diagnostic.

use ordo_dsl::MAX_DEPTH;
use ordo_engine::{EvalOptions, Ruleset};
use serde_json::json;

/// A ruleset whose one output is `expression`, with `x: Int` and `b: Bool` inputs.
fn ruleset(expression: &str) -> String {
    format!(
        "ruleset deep version \"1.0.0\"\n\ninput {{\n  x: Int\n  b: Bool\n}}\n\noutput y = {expression}\n"
    )
}

/// An expression `depth` levels deep of each recursive form.
fn forms(depth: usize) -> Vec<(&'static str, String)> {
    let n = depth;
    let mut else_if = String::new();
    // Each `if` is a level, and the last condition's `==` one more.
    for i in 0..n - 1 {
        else_if.push_str(&format!("if x == {i} then {i} else "));
    }
    else_if.push('0');
    vec![
        ("else-if chain", else_if),
        ("and chain", vec!["b"; n + 1].join(" and ")),
        ("or chain", vec!["b"; n + 1].join(" or ")),
        ("+ chain", vec!["x"; n + 1].join(" + ")),
        (
            "nested lists",
            format!("{}x{}", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "nested calls",
            format!("{}x{}", "max(".repeat(n), ", 1)".repeat(n)),
        ),
        (
            "nested matches",
            format!(
                "{}x{}",
                "match b { true => ".repeat(n),
                ", _ => 0 }".repeat(n)
            ),
        ),
        ("not chain", format!("{}b", "not ".repeat(n))),
        (
            "nested records",
            format!("{}x{}", "{ a: ".repeat(n), " }".repeat(n)),
        ),
        // Each interpolation is a level; the `//` comment's quote must not end the string.
        (
            "nested interpolations",
            format!("{}x{}", "\"{ // a \" here\n".repeat(n), "\n}\"".repeat(n)),
        ),
    ]
}

fn on_small_stack(work: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(work)
        .unwrap()
        .join()
        .unwrap();
}

/// Every stage on `source`: compile (with its canonical form), evaluate with a trace, format,
/// lint. Compile errors other than the depth (types of a form) are allowed: the checker ran.
fn every_stage(source: &str) {
    let ast = ordo_dsl::parse(source).unwrap();
    let _ = ordo_dsl::format_ruleset(&ast, source);
    let _ = ordo_dsl::format_canonical(&ast);
    if let Ok(ruleset) = Ruleset::compile(source) {
        let _ = ruleset.canonical();
        let _ = ordo_engine::lint::lint(&ruleset, &ast);
        let options = EvalOptions {
            trace: true,
            ..EvalOptions::default()
        };
        let _ = ruleset.evaluate(&json!({"x": 1, "b": true}), &options);
    }
}

#[test]
fn every_form_at_the_limit_runs_on_a_one_mib_stack() {
    on_small_stack(|| {
        for (form, expression) in forms(MAX_DEPTH) {
            let source = ruleset(&expression);
            eprintln!("{form}");
            assert!(ordo_dsl::parse(&source).is_ok(), "{form} at the limit");
            every_stage(&source);
        }
    });
}

#[test]
fn every_form_one_level_past_the_limit_is_refused_with_a_span() {
    on_small_stack(|| {
        for (form, expression) in forms(MAX_DEPTH + 1) {
            let source = ruleset(&expression);
            let errors = Ruleset::compile(&source).unwrap_err();
            let first = &errors.0[0];
            assert!(
                first.message.contains("nest more than"),
                "{form}: {}",
                first.message
            );
            assert!(first.span.start < source.len(), "{form}");
        }
    });
}

#[test]
fn long_flat_chains_and_deep_brackets_are_refused_cleanly() {
    on_small_stack(|| {
        for expression in [
            vec!["x"; 10_000].join(" + "),
            vec!["b"; 10_000].join(" and "),
            format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000)),
            {
                let mut s = String::new();
                for i in 0..2_500 {
                    s.push_str(&format!("if x == {i} then {i} else "));
                }
                s + "0"
            },
        ] {
            assert!(Ruleset::compile(&ruleset(&expression)).is_err());
            assert!(ordo_dsl::parse_expression(&expression).is_err());
        }
    });
}
