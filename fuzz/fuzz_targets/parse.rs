//! The parser and the formatter on arbitrary text. The parser's fast grammar must give the
//! documented grammar's result wherever it accepts the text. When the text parses, its
//! formatted form must parse again, be a fixed point of the formatter, mean the same tree
//! (spans and comments aside) and have the same canonical form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ordo_dsl::format::same_tree;
use ordo_dsl::parse_paths::{parse_fast_only, parse_full};
use ordo_dsl::{format_canonical, format_ruleset, parse};

fuzz_target!(|source: &str| {
    if let Some(fast) = parse_fast_only(source) {
        assert!(
            fast == parse_full(source),
            "the fast grammar disagrees with ordo.pest\n--- source:\n{source:?}"
        );
    }
    let Ok(ruleset) = parse(source) else {
        return;
    };
    let formatted = format_ruleset(&ruleset, source);
    let reparsed = match parse(&formatted) {
        Ok(reparsed) => reparsed,
        Err(diagnostics) => panic!(
            "the formatted source does not parse:\n{}\n--- source:\n{source}\n--- formatted:\n{formatted}",
            diagnostics.render("formatted.ordo", &formatted)
        ),
    };
    let again = format_ruleset(&reparsed, &formatted);
    assert_eq!(
        again, formatted,
        "formatting is not a fixed point\n--- source:\n{source:?}"
    );
    assert!(
        same_tree(&ruleset, &reparsed),
        "formatting changed the tree\n--- source:\n{source}\n--- formatted:\n{formatted}"
    );
    assert_eq!(
        format_canonical(&ruleset),
        format_canonical(&reparsed),
        "formatting changed the canonical form\n--- source:\n{source:?}"
    );
});
