//! The ordo engine: checks and compiles a ruleset to an IR, then evaluates it
//! deterministically — values, decision tables, constraints, price blocks, approvals,
//! workflows and triggers — and explains how each result was reached.
//!
//! ```
//! use ordo_engine::{EvalOptions, Ruleset};
//! let ruleset = Ruleset::compile(
//!     "ruleset demo version \"1.0.0\"\ninput { quantity: Int }\noutput double = quantity * 2\n",
//! ).expect("compiles");
//! let result = ruleset.evaluate(&serde_json::json!({"quantity": 21}), &EvalOptions::default()).unwrap();
//! assert_eq!(result["outputs"]["double"], "42");
//! ```
//!
//! Three ways in, one result:
//!
//! - [`Ruleset::evaluate_str`]: JSON text to JSON text, what every host exchanges; the input is
//!   read straight from the text and the result written straight to text.
//! - [`Ruleset::evaluate`]: a parsed `serde_json::Value` to a result tree.
//! - [`Ruleset::read_input`] once, then [`Ruleset::run`] any number of times: the result stays
//!   an [`Evaluation`] in the engine's own values until [`Evaluation::to_json_string`] or
//!   [`Evaluation::to_json`] asks for its JSON (byte-identical to the other two).

pub mod analysis;
pub mod api;
pub mod approval;
mod artifact;
mod compile;
pub mod configure;
pub mod decision;
pub mod diff;
pub mod error;
pub mod eval;
mod hash;
pub mod input;
mod input_text;
pub mod ir;
mod json_scan;
pub mod num;
pub mod pricing;
pub mod registry;
mod serde_pairs;
pub mod testing;
pub mod types;
pub mod value;
pub mod workflow;
mod workflow_api;

pub use api::{
    EvalOptions, Evaluation, Input, Ruleset, Violation, parse_json, to_json_pretty, to_json_string,
};
pub use error::{ErrorKind, EvalError};
pub use ordo_dsl::{Diagnostic, DiagnosticKind, Diagnostics};
pub use registry::{Registry, Selector};
