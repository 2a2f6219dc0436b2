//! The canonical layout of the language.
use crate::ast::Ruleset;

/// Formats a ruleset in the canonical layout.
pub fn format_ruleset(_ruleset: &Ruleset, _source: &str) -> String {
    String::new()
}
