//! The engine's public API: compile a ruleset once, then evaluate it against JSON inputs. Every
//! host (CLI, HTTP server, WASM, Python) goes through this one JSON layer, which is what makes
//! results byte-identical everywhere.

pub mod adhoc;
pub mod approvals;
mod evaluation;
mod json;
mod requests;
mod sink;

use std::sync::Arc;

use chrono::NaiveDate;
use ordo_dsl::Diagnostics;
use serde_json::Value as Json;
use smallvec::SmallVec;

use crate::error::{EvalError, EvalResult};
use crate::eval::{Context, Evaluator, Truth};
use crate::input::{Absent, read_input};
use crate::ir::{GlobalKind, Program};
use crate::value::Value;

pub use approvals::approvals_json;
pub use evaluation::{Evaluation, Violation};
pub use json::{TypedValue, decimal_json, quote_json, value_to_json};

/// An input read and checked against a ruleset's schema (one value per top-level field), ready
/// to be evaluated any number of times.
#[derive(Debug, Clone, PartialEq)]
pub struct Input(Arc<[Value]>);

/// A compiled ruleset: cheap to clone and share between threads.
#[derive(Debug, Clone)]
pub struct Ruleset {
    program: Arc<Program>,
    tests: Arc<Vec<crate::testing::TestCase>>,
    hash: String,
    /// The canonical form the hash is computed over.
    canonical: Arc<str>,
    /// `{"name", "version", "hash"}` as JSON text, as every result starts.
    identity_text: Arc<str>,
}

/// Options of one evaluation.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// The evaluation date; defaults to the version's `effective` date.
    pub as_of: Option<NaiveDate>,
    /// Add a `trace` explaining how each output, decision, constraint and line was reached.
    pub trace: bool,
    /// Approvals already granted (spec §12): `{"chain": {"step": {"by": "...", "facts": {...}}}}`.
    pub approvals: Option<Json>,
}

impl Ruleset {
    /// Parses, checks and compiles a ruleset. All problems of the file are reported together.
    pub fn compile(source: &str) -> Result<Ruleset, Diagnostics> {
        let ast = ordo_dsl::parse(source)?;
        let compiled = crate::compile::compile(&ast, source)?;
        let canonical = crate::hash::canonical_form(&ast);
        let hash = crate::hash::hash_of_canonical(&canonical);
        Ok(Ruleset::from_parts(
            Arc::new(compiled.program),
            Arc::new(compiled.tests),
            hash,
            canonical,
        ))
    }

    /// Assembles a ruleset from its compiled parts.
    pub(crate) fn from_parts(
        program: Arc<Program>,
        tests: Arc<Vec<crate::testing::TestCase>>,
        hash: String,
        canonical: String,
    ) -> Ruleset {
        let identity_text = sink::to_text(&evaluation::Identity {
            name: &program.name,
            version: &program.version,
            hash: &hash,
        });
        Ruleset {
            program,
            tests,
            hash,
            canonical: Arc::from(canonical),
            identity_text: Arc::from(identity_text),
        }
    }

    /// The ruleset's identity as JSON text (see [`evaluation::Identity`]).
    pub(crate) fn identity_text(&self) -> &str {
        &self.identity_text
    }

    /// The canonical form of the ruleset (what its hash is computed over).
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The ruleset's name.
    pub fn name(&self) -> &str {
        &self.program.name
    }

    /// The ruleset's semantic version.
    pub fn version(&self) -> &str {
        &self.program.version
    }

    /// `sha256:` + the hex digest of the canonical form.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The first day this version applies, if declared.
    pub fn effective(&self) -> Option<NaiveDate> {
        self.program.effective
    }

    /// The ruleset's `test` blocks (not part of the program or its hash).
    pub fn tests(&self) -> &[crate::testing::TestCase] {
        &self.tests
    }

    /// The compiled program (for the engine's own modules and tools).
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// `{"name", "version", "hash"}` as every result names its ruleset.
    pub fn identity_json(&self) -> Json {
        sink::to_tree(&evaluation::Identity::of(self))
    }

    /// Evaluates a complete input (spec §16). The result, or the first error: never a partial
    /// result.
    pub fn evaluate(&self, input: &Json, options: &EvalOptions) -> EvalResult<Json> {
        Ok(self.run(&self.read_input(input)?, options)?.to_json())
    }

    /// Evaluates JSON text to JSON text (the form every host exchanges).
    pub fn evaluate_str(&self, input: &str, options: &EvalOptions) -> EvalResult<String> {
        let input = self.read_input_str(input)?;
        Ok(self.run(&input, options)?.to_json_string())
    }

    /// Reads and checks a complete input against the schema (spec §5), once; the result can
    /// be evaluated many times with [`Self::run`]. Every problem is reported, each with its
    /// JSON path.
    pub fn read_input(&self, input: &Json) -> EvalResult<Input> {
        read_input(&self.program, input, Absent::Complete).map(|values| Input(Arc::from(values)))
    }

    /// Reads and checks a complete input written as JSON text: straight from the text when it
    /// is a valid input, else through the JSON tree, which reports every problem.
    pub fn read_input_str(&self, input: &str) -> EvalResult<Input> {
        match crate::input_text::read_input_text(&self.program, input) {
            Some(values) => Ok(Input(values)),
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
        let program = &*self.program;
        let context = Context {
            as_of: options.as_of,
            entered_at: None,
            trace: options.trace,
        };
        let mut ev = Evaluator::new(program, &*input.0, context);
        let mut outputs = SmallVec::new();
        for id in &program.outputs {
            let value = ev.global(*id)?;
            if let Some(g) = program.global(*id) {
                outputs.push((g, value));
            }
        }
        let (valid, violations) = violations(&mut ev)?;
        for id in &program.prices {
            ev.ensure_quote(*id)?;
        }
        let approvals = approvals::all_chains(&mut ev, options.approvals.as_ref())?;
        let mut quotes = SmallVec::new();
        for id in &program.prices {
            if let (Some(g), Some(quote)) = (program.global(*id), ev.take_quote(*id)) {
                quotes.push((g, quote));
            }
        }
        let as_of = ev.as_of();
        let trace = options.trace.then(|| std::mem::take(&mut ev.trace));
        Ok(Evaluation {
            ruleset: self,
            inputs: &input.0,
            as_of,
            valid,
            violations,
            outputs,
            quotes,
            approvals,
            trace,
        })
    }

    /// The names of the outputs, in declaration order.
    pub fn output_names(&self) -> Vec<&str> {
        self.program
            .outputs
            .iter()
            .filter_map(|id| self.program.global(*id))
            .filter(|g| matches!(g.kind, GlobalKind::Output(_)))
            .map(|g| g.name.as_str())
            .collect()
    }
}

/// The violated constraints in declaration order, and whether no `error` one is among them.
fn violations<'p>(ev: &mut Evaluator<'p>) -> EvalResult<(bool, Vec<Violation<'p>>)> {
    let program = ev.program;
    let mut valid = true;
    let mut out = Vec::new();
    for (i, constraint) in program.constraints.iter().enumerate() {
        if ev.constraint(i)? != Truth::False {
            continue;
        }
        if constraint.severity == ordo_dsl::ast::Severity::Error {
            valid = false;
        }
        let message = ev
            .eval(&constraint.message)
            .map_err(|e| e.or_rule(&constraint.id))?;
        out.push(Violation {
            constraint,
            message: crate::eval::display(program, &message),
        });
    }
    Ok((valid, out))
}

/// Parses JSON text, turning a syntax error into an `invalid_request` error with its position.
pub fn parse_json(text: &str) -> EvalResult<Json> {
    serde_json::from_str(text).map_err(|e| {
        EvalError::new(
            crate::error::ErrorKind::InvalidRequest,
            format!("the input is not valid JSON: {e}"),
        )
    })
}

/// The one way results become text: compact, keys in the engine's order.
pub fn to_json_string(value: &Json) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}

/// Pretty JSON for people.
pub fn to_json_pretty(value: &Json) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_string())
}
