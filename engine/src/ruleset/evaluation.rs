//! The result of one evaluation in the engine's own values (spec §16).
//!
//! [`Evaluation`] keeps what the evaluator computed (values, quotes, chain statuses) without
//! converting anything; it becomes JSON only when a host asks (the JSON layer's `result`
//! module writes it).

use chrono::NaiveDate;
use smallvec::SmallVec;

use super::Ruleset;
use crate::eval::approvals::Chains;
use crate::eval::{Quote, TraceEntry};
use crate::ir::{Constraint, Global};
use crate::value::Value;

/// A violated constraint and its message.
#[derive(Debug, Clone)]
pub struct Violation<'r> {
    /// The constraint that failed (its id and severity).
    pub constraint: &'r Constraint,
    /// For a constraint over elements, the failing element: its JSON path (`items[2]`) when
    /// the collection is an input, else `ID[2]`.
    pub at: Option<String>,
    /// Its `else` message, interpolated with this evaluation's values.
    pub message: String,
}

/// The complete result of one evaluation: never partial (an evaluation that fails returns an
/// error instead).
#[derive(Debug, Clone)]
pub struct Evaluation<'r> {
    pub(crate) ruleset: &'r Ruleset,
    /// The input values evaluated (approval steps show facts of them).
    pub(crate) inputs: &'r [Value],
    /// The enum fallbacks taken while reading the input.
    pub(crate) input_notes: &'r [super::InputNote],
    pub(crate) as_of: Option<NaiveDate>,
    pub(crate) valid: bool,
    pub(crate) violations: Vec<Violation<'r>>,
    /// Inline, as the evaluator keeps them: a result of a few outputs and a quote allocates
    /// nothing for its lists.
    pub(crate) outputs: SmallVec<[(&'r Global, Value); 8]>,
    pub(crate) quotes: SmallVec<[(&'r Global, Quote); 1]>,
    pub(crate) approvals: Chains<'r>,
    pub(crate) trace: Option<Vec<TraceEntry>>,
}

impl<'r> Evaluation<'r> {
    /// True when no `error` constraint is violated.
    pub fn valid(&self) -> bool {
        self.valid
    }

    /// The violated constraints in declaration order.
    pub fn violations(&self) -> &[Violation<'r>] {
        &self.violations
    }

    /// The value of an output, by name.
    pub fn output(&self, name: &str) -> Option<&Value> {
        self.outputs
            .iter()
            .find(|(g, _)| g.name == name)
            .map(|(_, v)| v)
    }

    /// The quote of a price block, by name.
    pub fn quote(&self, name: &str) -> Option<&Quote> {
        self.quotes
            .iter()
            .find(|(g, _)| g.name == name)
            .map(|(_, q)| q)
    }
}
