//! The JSON input reader against the examples' input schemas. Arbitrary text (or text
//! generated from the schema) goes to the text reader (`read_input_str`); when the text is
//! JSON, its tree goes to the tree reader (`read_input`). They must agree: the same input, or
//! errors of the same kind. Text that is not JSON must be refused.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use ordo_engine::parse_json;
use ordo_fuzz::examples;
use ordo_fuzz::json::{Mode, input_text};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let all = examples();
    let Some(example) = all.get(usize::from(selector & 0x7f) % all.len()) else {
        return;
    };
    let ruleset = &example.ruleset;
    let text = if selector & 0x80 == 0 {
        match std::str::from_utf8(rest) {
            Ok(text) => text.to_string(),
            Err(_) => return,
        }
    } else {
        match input_text(&mut Unstructured::new(rest), ruleset, Mode::Complete) {
            Ok(text) => text,
            Err(_) => return,
        }
    };
    let from_text = ruleset.read_input_str(&text);
    let tree = match parse_json(&text) {
        Ok(tree) => tree,
        Err(error) => {
            match from_text {
                Ok(input) => panic!(
                    "the text reader accepted text that is not JSON ({error})\n--- text:\n{text}\n--- read:\n{input:?}"
                ),
                Err(text_error) => assert_eq!(text_error.kind, error.kind),
            }
            return;
        }
    };
    let from_tree = ruleset.read_input(&tree);
    match (&from_text, &from_tree) {
        (Ok(a), Ok(b)) => assert_eq!(
            a, b,
            "the text and tree readers read different inputs\n--- text:\n{text}"
        ),
        (Err(a), Err(b)) => assert_eq!(
            a.kind, b.kind,
            "the text and tree readers fail differently ({a} / {b})\n--- text:\n{text}"
        ),
        _ => panic!(
            "the text and tree readers disagree\n--- text:\n{text}\n--- text reader: {from_text:?}\n--- tree reader: {from_tree:?}"
        ),
    }
    // A configurator's partial reading never panics either.
    let _ = ruleset.check_partial_input(&tree);
});
