//! The handle on a compiled ruleset: [`Ruleset`] compiles once and evaluates an [`Input`]
//! into an [`Evaluation`], the typed result. Reading inputs from JSON and writing results as
//! JSON is the JSON layer's (`crate::json`); each feature (configure, workflow, testing, lint,
//! diff) adds its own `impl Ruleset` in its own module.

pub mod analysis;
mod evaluation;
pub mod schema;

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use ordo_dsl::Diagnostics;
use smallvec::SmallVec;

use crate::data_files::DataFiles;
use crate::error::EvalResult;
use crate::eval::approvals::{Chains, Grants, all_chains};
use crate::eval::{Context, Evaluator, Truth};
use crate::ir::test_case::TestCase;
use crate::ir::{GlobalKind, Program, Remark};
use crate::value::Value;

pub use evaluation::{Evaluation, Violation};

/// An input read and checked against a ruleset's schema (one value per top-level field), ready
/// to be evaluated any number of times.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub(crate) values: Arc<[Value]>,
    /// What reading it noted beyond the values, when it noted anything (most inputs: nothing,
    /// and nothing to allocate).
    pub(crate) read: Option<Arc<ReadNotes>>,
}

/// What reading an input noted beyond its values.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ReadNotes {
    /// The enum fallbacks taken (spec §20).
    pub notes: Vec<InputNote>,
    /// The members of sets a constraint goes through, received out of declaration order: by
    /// JSON path, in the order received.
    pub received_orders: Vec<(String, Vec<u32>)>,
}

impl Input {
    /// An input of these values, read without notes.
    pub(crate) fn of(values: Arc<[Value]>) -> Input {
        Input { values, read: None }
    }

    /// An input of these values with what reading it noted.
    pub(crate) fn noted(values: Arc<[Value]>, read: ReadNotes) -> Input {
        let read = (read != ReadNotes::default()).then(|| Arc::new(read));
        Input { values, read }
    }

    fn notes(&self) -> &[InputNote] {
        self.read.as_ref().map_or(&[], |r| &r.notes)
    }

    fn received_orders(&self) -> &[(String, Vec<u32>)] {
        self.read.as_ref().map_or(&[], |r| &r.received_orders)
    }
}

/// An enum value read as its field's `fallback` (spec §20): the result's `input_notes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputNote {
    /// The JSON path of the value (`customer.segment`, `changes[1].system`).
    pub path: String,
    /// The text received.
    pub received: String,
    /// The enum value it was read as.
    pub read_as: String,
}

/// The smallest buffer a result's JSON text starts in (see `Ruleset::result_length`).
pub(crate) const MIN_RESULT_BUFFER: usize = 256;

/// A compiled ruleset: cheap to clone and share between threads.
#[derive(Debug, Clone)]
pub struct Ruleset {
    program: Arc<Program>,
    tests: Arc<Vec<TestCase>>,
    /// What the compiler noticed that is not an error (for lint; none when loaded from an
    /// artifact).
    remarks: Arc<[Remark]>,
    hash: String,
    /// The canonical form the hash is computed over.
    canonical: Arc<str>,
    /// `{"name", "version", "hash"}` as JSON text, as every result starts: written by the JSON
    /// layer when first needed, shared by every clone.
    pub(crate) identity_text: Arc<OnceLock<String>>,
    /// About how long the last result written as JSON text was (a power of two), shared by
    /// every clone: the next result's buffer starts that large.
    pub(crate) result_length: Arc<AtomicUsize>,
}

impl Ruleset {
    /// Parses, checks and compiles a ruleset. All problems of the file are reported together.
    /// A ruleset whose tables read data files compiles with [`Ruleset::compile_with_files`].
    pub fn compile(source: &str) -> Result<Ruleset, Diagnostics> {
        Ruleset::compile_with_files(source, &DataFiles::new())
    }

    /// Compiles a ruleset with the data files its tables read (`from "contracts.csv"`, spec
    /// §21), given by the names the ruleset uses. The files are part of the ruleset: its hash
    /// and canonical form cover them.
    pub fn compile_with_files(source: &str, files: &DataFiles) -> Result<Ruleset, Diagnostics> {
        // A compile cancelled before it starts does not even parse (see [`crate::Cancel`]).
        if crate::cancel::cancelled() {
            return Err(crate::compile::cancelled(ordo_dsl::Span::default()));
        }
        let ast = ordo_dsl::parse(source)?;
        let compiled = crate::compile::compile(&ast, source, files)?;
        Ok(Ruleset::from_compiled(compiled, &ast, files))
    }

    /// The handle over a compiled program: its canonical form and hash computed.
    fn from_compiled(
        compiled: crate::compile::Compiled,
        ast: &ordo_dsl::ast::Ruleset,
        files: &DataFiles,
    ) -> Ruleset {
        let canonical = crate::hash::canonical_form(ast, files);
        let hash = crate::hash::hash_of_canonical(&canonical);
        let mut ruleset = Ruleset::from_parts(
            Arc::new(compiled.program),
            Arc::new(compiled.tests),
            hash,
            canonical,
        );
        ruleset.remarks = Arc::from(compiled.remarks);
        ruleset
    }

    /// The names of the data files a ruleset's tables read (`from "NAME"`), each once, in
    /// order of appearance: what a host reads beside the ruleset file before compiling it. A
    /// source that does not parse names none (compiling it reports why).
    pub fn data_files_of(source: &str) -> Vec<String> {
        let Ok(ast) = ordo_dsl::parse(source) else {
            return Vec::new();
        };
        let mut names: Vec<String> = Vec::new();
        for name in ast.data_files() {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
        names
    }

    /// Assembles a ruleset from its compiled parts.
    pub(crate) fn from_parts(
        program: Arc<Program>,
        tests: Arc<Vec<TestCase>>,
        hash: String,
        canonical: String,
    ) -> Ruleset {
        Ruleset {
            program,
            tests,
            remarks: Arc::from([]),
            hash,
            canonical: Arc::from(canonical),
            identity_text: Arc::default(),
            result_length: Arc::new(AtomicUsize::new(MIN_RESULT_BUFFER)),
        }
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
    pub(crate) fn tests(&self) -> &[TestCase] {
        &self.tests
    }

    /// The compiled program (for the engine's own modules).
    /// What the compiler noticed that is not an error (for lint).
    pub(crate) fn remarks(&self) -> &[Remark] {
        &self.remarks
    }

    pub(crate) fn program(&self) -> &Program {
        &self.program
    }

    /// Evaluates an input already read into the result in the engine's own values, against
    /// the grants of the approval chains; the JSON layer's `Ruleset::run` is the public way in.
    pub(crate) fn evaluate_input<'r>(
        &'r self,
        input: &'r Input,
        as_of: Option<NaiveDate>,
        now: Option<DateTime<Utc>>,
        trace: bool,
        grants: &dyn Grants,
    ) -> EvalResult<Evaluation<'r>> {
        let program = &*self.program;
        let context = Context {
            as_of,
            now,
            trace,
            ..Context::default()
        };
        // Rules may read the chains (`approvals.CHAIN`): the grants are checked first.
        grants.check(program)?;
        let mut ev = Evaluator::new(program, &*input.values, context);
        ev.set_grants(grants);
        // Filled in place: each part built apart and then moved in was copied once more.
        let mut result = Evaluation {
            ruleset: self,
            inputs: &input.values,
            input_notes: input.notes(),
            as_of: None,
            valid: true,
            violations: Vec::new(),
            outputs: SmallVec::new(),
            quotes: SmallVec::new(),
            approvals: Chains::new(),
            trace: None,
        };
        for id in &program.outputs {
            let value = ev.global(*id)?;
            if let Some(g) = program.global(*id) {
                result.outputs.push((g, value));
            }
        }
        result.valid = violations(
            program,
            &mut ev,
            input.received_orders(),
            &mut result.violations,
        )?;
        for id in &program.prices {
            ev.ensure_quote(*id)?;
        }
        all_chains(program, &mut ev, &mut result.approvals)?;
        for id in &program.prices {
            if let (Some(g), Some(quote)) = (program.global(*id), ev.take_quote(*id)) {
                result.quotes.push((g, quote));
            }
        }
        result.as_of = ev.as_of();
        if trace {
            result.trace = Some(std::mem::take(&mut ev.trace));
        }
        Ok(result)
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

/// The violated constraints in declaration order, added to `out`; whether no `error` one is
/// among them. `program` is the evaluator's, named apart so the violations may outlive the
/// grants.
fn violations<'p>(
    program: &'p Program,
    ev: &mut Evaluator<'_>,
    received_orders: &[(String, Vec<u32>)],
    out: &mut Vec<Violation<'p>>,
) -> EvalResult<bool> {
    let mut valid = true;
    for (i, constraint) in program.constraints.iter().enumerate() {
        if ev.constraint(i)? != Truth::False {
            continue;
        }
        if constraint.severity == ordo_dsl::ast::Severity::Error {
            valid = false;
        }
        let Some(each) = &constraint.each else {
            let message = ev
                .eval(&constraint.message)
                .map_err(|e| e.or_rule(&constraint.id))?;
            out.push(Violation {
                constraint,
                at: None,
                message: crate::ir::display(program, &message),
            });
            continue;
        };
        // One violation per failing element, with the element's JSON path (spec §19).
        for (position, element, message) in ev.failing_elements(i)? {
            let at = match &each.input_path {
                Some(path) => {
                    // A set's element: its position in the array as received.
                    let received = received_orders
                        .iter()
                        .find(|(p, _)| p == path)
                        .zip(match element {
                            Value::Enum(_, member) => Some(member),
                            _ => None,
                        })
                        .and_then(|((_, order), member)| order.iter().position(|m| *m == member));
                    format!("{path}[{}]", received.unwrap_or(position))
                }
                None => format!("{}[{position}]", constraint.id),
            };
            out.push(Violation {
                constraint,
                at: Some(at),
                message,
            });
        }
    }
    Ok(valid)
}
