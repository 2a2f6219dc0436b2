//! The compiled form of a ruleset's `test` blocks (spec §15): compiled beside the program but
//! never part of it (they do not change the artifact or its hash).

use chrono::NaiveDate;

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
    pub expects: Vec<Expectation>,
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
