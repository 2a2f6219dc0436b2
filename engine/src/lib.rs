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
//!
//! The modules are layers, each depending only on those listed before it (see
//! `docs/architecture.md`; `tests/layers.rs` checks it):
//!
//! 1. values and numbers: `num`, `value`, `types`, `error`;
//! 2. the compiled form: `ir` (program, decisions, pricing, approvals, workflows, test cases);
//! 3. `compile` (syntax tree → IR) and `eval` (IR + values → values), side by side;
//! 4. the handle: `ruleset` ([`Ruleset`], [`Input`], [`Evaluation`]);
//! 5. JSON: `json` (inputs read, results written, requests);
//! 6. features, each with its own `impl Ruleset`: `configure`, `workflow`, `testing`, `lint`,
//!    `diff`, `registry`, `adhoc`, `artifact`.

#![warn(missing_docs)]

// 1. Values and numbers.
mod data_files;
mod date_text;
mod error;
mod num;
mod scalar;
mod sort;
mod types;
mod value;
// 2. The compiled form.
mod ir;
// 3. Compiling and evaluating, side by side.
mod compile;
mod eval;
mod hash;
// 4. The handle and its typed results.
mod ruleset;
// 5. JSON.
mod json;
// 6. Features.
pub mod adhoc;
mod artifact;
mod cancel;
mod configure;
pub mod diff;
pub mod lint;
mod registry;
pub mod testing;
mod workflow;

pub use cancel::Cancel;
pub use data_files::{DataFileError, DataFiles};
pub use error::{ErrorKind, EvalError, EvalResult};
pub use eval::{PricedLine, Quote};
pub use json::{
    Actor, ApplyRequest, Approvals, ConfigureRequest, Defaults, EvalOptions, Event, Grant,
    MAX_INPUT_DEPTH, StartRequest, TimerRequest, TransitionsRequest, UpdateRequest,
    WorkflowRequest, parse_json, parse_request_json, to_json_pretty, to_json_string,
};
pub use ordo_dsl::{Diagnostic, DiagnosticKind, Diagnostics};
pub use registry::{Registry, Selector};
pub use ruleset::analysis::Analysis;
pub use ruleset::schema;
pub use ruleset::{Evaluation, Input, Ruleset, Violation};
/// The exact decimal every amount is (rust_decimal's), for hosts that add results up.
pub use rust_decimal::Decimal;
pub use value::Value;

/// The language's scalar values as hosts exchange them in JSON: dates, durations and exact
/// decimals, read and written as the engine does.
pub mod text {
    pub use crate::ir::display::duration_text;
    pub use crate::json::input::{parse_date, parse_datetime, parse_duration};
    pub use crate::num::parse_exact as parse_decimal;
    pub use crate::num::{DECIMAL_TEXT_LEN, decimal_text};
}
