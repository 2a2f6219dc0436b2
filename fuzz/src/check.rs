//! The checks several targets make.

use ordo_engine::{EvalOptions, Ruleset, parse_json, to_json_string};

/// Evaluates JSON text two ways — straight from the text (`evaluate_str`) and through the JSON
/// tree (`evaluate`) — and checks that they agree: the same result text, or errors of the same
/// kind. Text that is not JSON must be refused by `evaluate_str` too.
pub fn evaluate_both_ways(ruleset: &Ruleset, input: &str, options: &EvalOptions) {
    let from_text = ruleset.evaluate_str(input, options);
    let tree = match parse_json(input) {
        Ok(tree) => tree,
        Err(error) => {
            match from_text {
                Ok(result) => panic!(
                    "evaluate_str accepted text that is not JSON ({error})\n--- input:\n{input}\n--- result:\n{result}"
                ),
                Err(text_error) => assert_eq!(
                    text_error.kind, error.kind,
                    "text that is not JSON gave another error\n--- input:\n{input}"
                ),
            }
            return;
        }
    };
    let from_tree = ruleset
        .evaluate(&tree, options)
        .map(|json| to_json_string(&json));
    match (from_text, from_tree) {
        (Ok(a), Ok(b)) => assert_eq!(
            a, b,
            "evaluate_str and evaluate disagree\n--- input:\n{input}"
        ),
        (Err(a), Err(b)) => assert_eq!(
            a.kind, b.kind,
            "evaluate_str and evaluate fail differently ({a} / {b})\n--- input:\n{input}"
        ),
        (a, b) => panic!(
            "evaluate_str and evaluate disagree\n--- input:\n{input}\n--- from text: {a:?}\n--- from tree: {b:?}"
        ),
    }
}
