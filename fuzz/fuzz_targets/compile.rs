//! The checker and compiler on arbitrary text and on rulesets generated from pieces of the
//! language; what compiles is evaluated on inputs generated from its schema, from JSON text and
//! from the JSON tree, which must agree.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use ordo_engine::Ruleset;
use ordo_fuzz::json::{Mode, input_text};
use ordo_fuzz::ruleset::ruleset_text;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut u = Unstructured::new(rest);
    // Even: the rest is the source text itself; odd: the rest drives the generator.
    let source = if mode % 2 == 0 {
        match std::str::from_utf8(rest) {
            // The same bytes then choose the inputs.
            Ok(text) => text.to_string(),
            Err(_) => return,
        }
    } else {
        match ruleset_text(&mut u) {
            Ok(text) => text,
            Err(_) => return,
        }
    };
    let Ok(ruleset) = Ruleset::compile(&source) else {
        return;
    };
    // The lint checks run over what compiled (they read the syntax tree too).
    if let Ok(ast) = ordo_dsl::parse(&source) {
        let _ = ordo_engine::lint::lint(&ruleset, &ast);
    }
    for _ in 0..3 {
        let Ok(input) = input_text(&mut u, &ruleset, Mode::Complete) else {
            break;
        };
        ordo_fuzz::check::evaluate_both_ways(&ruleset, &input, &Default::default());
    }
});
