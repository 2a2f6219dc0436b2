//! `configure` on the examples with generated partial inputs (fields often left out, sometimes
//! of the wrong type), with and without the complete search, at generated dates. The request
//! goes through its JSON form, as hosts send it.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use ordo_engine::{ConfigureRequest, parse_json};
use ordo_fuzz::json::{Mode, input_text};
use ordo_fuzz::{AS_OF, any_example};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(example) = any_example(&mut u) else {
        return;
    };
    let Ok(input) = input_text(&mut u, &example.ruleset, Mode::Partial) else {
        return;
    };
    let mut request = format!("{{\"input\": {input}");
    if let Ok(true) = u.arbitrary::<bool>()
        && let Ok(as_of) = u.choose(AS_OF)
    {
        request.push_str(&format!(", \"as_of\": \"{as_of}\""));
    }
    if let Ok(true) = u.arbitrary::<bool>() {
        request.push_str(", \"complete\": true");
    }
    request.push('}');
    let Ok(json) = parse_json(&request) else {
        return;
    };
    let Ok(request) = ConfigureRequest::from_json(&json) else {
        return;
    };
    let first = example.ruleset.configure(&request);
    // Deterministic: the same request gives the same answer.
    let second = example.ruleset.configure(&request);
    assert_eq!(
        first, second,
        "configure is not deterministic\n--- request:\n{json}"
    );
});
