//! Running a ruleset's `test` blocks (spec §15): each `given` input is evaluated like any
//! other, then every `expect` is checked against the result.

use chrono::NaiveDate;
use serde_json::Value as Json;

use crate::api::{EvalOptions, Ruleset, approvals::chain_status, value_to_json};
use crate::error::EvalResult;
use crate::eval::{Context, Evaluator};
use crate::input::{Absent, read_input};
use crate::ir::Expr;
use crate::types::Type;
use crate::value::Value;

/// A compiled `test` block.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub name: String,
    /// The line of the `test` keyword.
    pub line: usize,
    /// The `given` input as JSON.
    pub given: Json,
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

/// The outcome of one test block.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    pub name: String,
    pub line: usize,
    /// Every failed expectation; an evaluation error is one failure.
    pub failures: Vec<TestFailure>,
}

#[derive(Debug, Clone)]
pub struct TestFailure {
    pub line: usize,
    pub expectation: String,
    /// What was expected and what was found, as JSON values where the expectation compares.
    pub expected: Option<Json>,
    pub actual: Option<Json>,
    pub message: String,
}

impl Ruleset {
    /// Runs every test block of the ruleset, in declaration order.
    pub fn run_tests(&self) -> Vec<TestOutcome> {
        self.tests().iter().map(|t| self.run_test(t)).collect()
    }

    fn run_test(&self, test: &TestCase) -> TestOutcome {
        let failures = match self.check_test(test) {
            Ok(failures) => failures,
            Err(error) => vec![TestFailure {
                line: test.line,
                expectation: "the evaluation".into(),
                expected: None,
                actual: Some(error.to_json()),
                message: error.render(),
            }],
        };
        TestOutcome {
            name: test.name.clone(),
            line: test.line,
            failures,
        }
    }

    fn check_test(&self, test: &TestCase) -> EvalResult<Vec<TestFailure>> {
        let program = self.program();
        // The plain evaluation first, so a test sees exactly what a host would.
        let options = EvalOptions {
            as_of: test.as_of,
            ..EvalOptions::default()
        };
        let result = self.evaluate(&test.given, &options)?;
        let inputs = read_input(program, &test.given, Absent::Complete)?;
        let mut ev = Evaluator::new(
            program,
            inputs,
            Context {
                as_of: test.as_of,
                ..Context::default()
            },
        );
        let violations = result
            .get("violations")
            .and_then(serde_json::Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(|x| {
                        x.get("id")
                            .and_then(serde_json::Value::as_str)
                            .map(str::to_string)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut approvals = Vec::new();
        for i in 0..program.approvals.len() {
            approvals.push(
                chain_status(&mut ev, i, None)?
                    .steps
                    .into_iter()
                    .map(|s| s.id)
                    .collect(),
            );
        }
        ev.test_facts = Some(TestFacts {
            violations,
            approvals,
        });
        let mut failures = Vec::new();
        for expect in &test.expects {
            let holds = ev.eval(&expect.condition)?;
            if holds == Value::Bool(true) {
                continue;
            }
            let (expected, actual, message) = match &expect.sides {
                Some((actual_expr, actual_type, expected_expr, expected_type, actual_text)) => {
                    let actual = value_to_json(program, &ev.eval(actual_expr)?, actual_type);
                    let expected = value_to_json(program, &ev.eval(expected_expr)?, expected_type);
                    let message =
                        format!("expected {actual_text} to be {expected}, but it is {actual}");
                    (Some(expected), Some(actual), message)
                }
                None => (
                    Some(Json::Bool(true)),
                    Some(Json::Bool(false)),
                    format!("expected `{}` to hold", expect.text),
                ),
            };
            failures.push(TestFailure {
                line: expect.line,
                expectation: expect.text.clone(),
                expected,
                actual,
                message,
            });
        }
        Ok(failures)
    }
}
