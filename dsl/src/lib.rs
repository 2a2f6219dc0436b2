//! The ordo rule language as text: the pest grammar (`grammar/ordo.pest`), the parser that turns
//! source into a spanned syntax tree ([`ast`]), the diagnostics type every compile stage reports
//! with ([`diagnostic`]), and the canonical formatter ([`format`]).
//!
//! ```
//! let source = "ruleset demo version \"1.0.0\"\ninput { quantity: Int }\noutput double = quantity * 2\n";
//! let ruleset = ordo_dsl::parse(source).expect("parses");
//! assert_eq!(ruleset.name.name, "demo");
//! ```

// pest's generated parser names `::alloc::boxed::Box` when pest is built without `std`
// (Cargo.toml).
extern crate alloc;

pub mod ast;
pub mod decimal;
pub mod diagnostic;
pub mod format;
mod parser;
pub mod span;

pub use diagnostic::{DataLocation, Diagnostic, DiagnosticKind, Diagnostics, Label};
pub use format::{format_canonical, format_ruleset};
pub use parser::{KEYWORDS, MAX_DEPTH, parse, parse_expression};
pub use span::{LineCol, Span, line_col};

/// The two ways [`parse`] reads a source (the fast grammar for valid sources, the documented
/// grammar for the rest), each on its own: tests and the fuzzer check that they agree.
#[doc(hidden)]
pub mod parse_paths {
    pub use crate::parser::{parse_fast_only, parse_full};
}
