//! The compiled form of a ruleset's `test` blocks (spec §15): compiled beside the program but
//! never part of it (they do not change the artifact or its hash).

use chrono::{DateTime, NaiveDate, Utc};

use crate::ir::Expr;
use crate::types::Type;

/// A compiled `test` block.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub name: String,
    /// The line of the `test` keyword.
    pub line: usize,
    /// The `given` input: a literal record, read like any JSON input.
    pub given: Literal,
    pub as_of: Option<NaiveDate>,
    /// The expectations and workflow steps, in the order written.
    pub steps: Vec<Step>,
}

/// One step of a test, in the order written (spec §15, §25).
#[derive(Debug, Clone)]
pub enum Step {
    Expect(Expectation),
    /// `[workflow W] state S [actor A]`: the instance the following steps act on; the actor as
    /// a host sends it (a role as a text, or a record `{id, roles}`).
    Workflow {
        workflow: String,
        state: String,
        actor: Option<Literal>,
    },
    /// `approvals { ... }`: grants added to those so far, as (chain, step, approver ids).
    Approvals(Vec<(String, String, Vec<String>)>),
    /// `now DATETIME`.
    Now(DateTime<Utc>),
    /// `apply T`: `line` is the step's source line.
    Apply {
        transition: String,
        line: usize,
    },
    /// `fire TRIGGER`, or `fire sla STATE` (`sla` true, `name` the state).
    Fire {
        sla: bool,
        name: String,
        line: usize,
    },
}

/// What a workflow test reads of its instance (spec §25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum WorkflowFact {
    /// The ids of the transitions enabled now.
    Enabled,
    /// The instance's state.
    State,
    /// `"trigger.action"` of what the last `apply` or `fire` produced.
    Actions,
}

/// The instance of a workflow test, as its steps left it.
#[derive(Debug, Clone, Default)]
pub struct WorkflowFacts {
    pub enabled: Vec<String>,
    pub state: String,
    pub actions: Vec<String>,
}

/// One `expect`.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// The expectation as written.
    pub text: String,
    pub line: usize,
    pub condition: Expr,
    /// For `expect a == b`: both sides, their types, and the text of `a`, to show what differed.
    pub sides: Option<(Expr, Type, Expr, Type, String)>,
}

/// What the test names `violations` and `approvals.CHAIN` mean: the ids of the violated
/// constraints, and the ids of each chain's required steps.
#[derive(Debug, Clone, Default)]
pub struct TestFacts {
    pub violations: Vec<String>,
    pub approvals: Vec<Vec<String>>,
    /// The workflow instance, once a `state` step set it.
    pub workflow: Option<WorkflowFacts>,
}

/// A literal value as a `test` block's `given` writes it, in the shape of a JSON input: numbers,
/// dates, durations and enum values are texts, as a host would send them.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Text(String),
    List(Vec<Literal>),
    /// Fields in the order written.
    Record(Vec<(String, Literal)>),
}
