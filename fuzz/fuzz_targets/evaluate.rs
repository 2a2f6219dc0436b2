//! Evaluation of the examples on generated JSON inputs (mostly well-typed, with edge-case
//! values), with generated options. The result from JSON text and from the JSON tree must be
//! the same text (or errors of the same kind); evaluating twice gives the same result.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use ordo_fuzz::check::evaluate_both_ways;
use ordo_fuzz::json::{Mode, input_text};
use ordo_fuzz::{any_example, options};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(example) = any_example(&mut u) else {
        return;
    };
    let Ok(options) = options(&mut u) else {
        return;
    };
    let input = match u.int_in_range(0..=7u8) {
        // A sample input of the example, as it is.
        Ok(0) => match u.choose(&example.inputs) {
            Ok(input) => (*input).to_string(),
            Err(_) => return,
        },
        Ok(_) => match input_text(&mut u, &example.ruleset, Mode::Complete) {
            Ok(input) => input,
            Err(_) => return,
        },
        Err(_) => return,
    };
    evaluate_both_ways(&example.ruleset, &input, &options);
    // Deterministic: the same input read once and run twice gives the same text.
    if let Ok(read) = example.ruleset.read_input_str(&input) {
        let first = example
            .ruleset
            .run(&read, &options)
            .map(|e| e.to_json_string());
        let second = example
            .ruleset
            .run(&read, &options)
            .map(|e| e.to_json_string());
        assert_eq!(
            first, second,
            "evaluation is not deterministic\n--- input:\n{input}"
        );
    }
});
