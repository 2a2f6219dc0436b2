//! Evaluation from and to JSON: the options hosts pass, inputs read from JSON (a tree or text),
//! and results written as JSON — the one contract every host (CLI, HTTP, WASM, Python) shares,
//! which is what makes results byte-identical everywhere.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value as Json;

use super::input::{Absent, read_input, read_input_noted};
use super::input_text::read_input_text;
use super::parse_json;
use super::requests::Approvals;
use super::result::Identity;
use super::sink::to_tree;
use crate::error::EvalResult;
use crate::eval::approvals::NoGrants;
use crate::ruleset::{Evaluation, Input, ReadNotes, Ruleset};

/// Options of one evaluation.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// The evaluation date; defaults to the version's `effective` date.
    pub as_of: Option<NaiveDate>,
    /// Add a `trace` explaining how each output, decision, constraint and line was reached.
    pub trace: bool,
    /// Approvals already granted (spec §12).
    pub approvals: Option<Approvals>,
    /// The instant `now` (spec §23); without it, `as_of` at 00:00:00Z.
    pub at: Option<DateTime<Utc>>,
}

impl Ruleset {
    /// `{"name", "version", "hash"}` as every result names its ruleset.
    pub fn identity_json(&self) -> Json {
        to_tree(&Identity::of(self))
    }

    /// Evaluates a complete input (spec §16). The result, or the first error: never a partial
    /// result.
    pub fn evaluate(&self, input: &Json, options: &EvalOptions) -> EvalResult<Json> {
        Ok(self.run(&self.read_input(input)?, options)?.to_json())
    }

    /// Evaluates JSON text to JSON text (the form every host exchanges).
    pub fn evaluate_str(&self, input: &str, options: &EvalOptions) -> EvalResult<String> {
        let input = self.read_input_str(input)?;
        // Written from where `run` put it: `?` would first move the result out (a copy).
        match self.run(&input, options) {
            Ok(ref evaluation) => Ok(evaluation.to_json_string()),
            Err(error) => Err(error),
        }
    }

    /// Reads and checks a complete input against the schema (spec §5), once; the result can
    /// be evaluated many times with [`Self::run`]. Every problem is reported, each with its
    /// JSON path.
    pub fn read_input(&self, input: &Json) -> EvalResult<Input> {
        let read = read_input_noted(self.program(), input, Absent::Complete)?;
        let notes = ReadNotes {
            notes: read.notes,
            received_orders: read.received_orders,
        };
        Ok(Input::noted(read.values.into(), notes))
    }

    /// Checks a partial input (as a configurator or a REPL holds it): wrong values and unknown
    /// fields are errors, missing fields are not.
    pub fn check_partial_input(&self, input: &Json) -> EvalResult<()> {
        read_input(self.program(), input, Absent::Partial).map(|_| ())
    }

    /// Reads and checks a complete input written as JSON text: straight from the text when it
    /// is a valid input, else through the JSON tree, which reports every problem.
    pub fn read_input_str(&self, input: &str) -> EvalResult<Input> {
        let input = super::text::without_bom(input);
        match read_input_text(self.program(), input) {
            Some(values) => Ok(Input::of(values)),
            None => self.read_input(&parse_json(input)?),
        }
    }

    /// Evaluates an input already read by [`Self::read_input`] into the result in the engine's
    /// own values; [`Evaluation::to_json_string`] and [`Evaluation::to_json`] give its JSON.
    ///
    /// ```
    /// use ordo_engine::{EvalOptions, Ruleset};
    /// let ruleset = Ruleset::compile(
    ///     "ruleset demo version \"1.0.0\"\ninput { quantity: Int }\noutput double = quantity * 2\n",
    /// ).expect("compiles");
    /// let input = ruleset.read_input(&serde_json::json!({"quantity": 21})).expect("reads");
    /// let result = ruleset.run(&input, &EvalOptions::default()).expect("evaluates");
    /// assert!(result.valid());
    /// assert_eq!(result.output("double").and_then(|v| v.as_number()).map(|n| n.to_string()), Some("42".into()));
    /// assert_eq!(
    ///     result.to_json_string(),
    ///     ruleset.evaluate_str(r#"{"quantity": 21}"#, &EvalOptions::default()).expect("evaluates"),
    /// );
    /// ```
    pub fn run<'r>(
        &'r self,
        input: &'r Input,
        options: &EvalOptions,
    ) -> EvalResult<Evaluation<'r>> {
        match &options.approvals {
            Some(grants) => {
                self.evaluate_input(input, options.as_of, options.at, options.trace, grants)
            }
            None => self.evaluate_input(input, options.as_of, options.at, options.trace, &NoGrants),
        }
    }
}
