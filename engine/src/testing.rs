//! Running a ruleset's `test` blocks (spec §15): each `given` input is evaluated like any
//! other, then every `expect` is checked against the result.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use crate::error::EvalResult;
use crate::eval::approvals::chain_status;
use crate::eval::{Context, Evaluator, TraceEntry};
use crate::ir::test_case::{Expectation, Literal, Step, TestCase, TestFacts};
use crate::json::Actor;
use crate::json::EvalOptions;
use crate::json::input::{Absent, read_input};
use crate::json::values::value_to_json;
use crate::ruleset::Ruleset;
use crate::value::Value;

mod workflow_run;

use workflow_run::WorkflowRun;

/// The outcome of one test block.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// The test's name, as written after `test`.
    pub name: String,
    /// The source line of the `test` keyword.
    pub line: usize,
    /// Every failed expectation; an evaluation error is one failure.
    pub failures: Vec<TestFailure>,
}

/// One expectation that did not hold, or the evaluation error that stopped the test.
#[derive(Debug, Clone)]
pub struct TestFailure {
    /// The source line of the `expect` (of the `test` for an evaluation error).
    pub line: usize,
    /// The expectation as written (`the evaluation` for an evaluation error).
    pub expectation: String,
    /// What was expected and what was found, as JSON values where the expectation compares.
    pub expected: Option<Json>,
    /// What was found; for an evaluation error, the error as JSON.
    pub actual: Option<Json>,
    /// The failure for people (`expected total to be 100.00, but it is 90.00`).
    pub message: String,
}

impl Ruleset {
    /// Runs every test block of the ruleset, in declaration order.
    pub fn run_tests(&self) -> Vec<TestOutcome> {
        self.tests()
            .iter()
            .map(|t| self.run_test(t, None))
            .collect()
    }

    /// Runs every test block and records which rules they exercised: the constraints seen to
    /// hold and to be violated, the decision rows that matched, the price lines produced, the
    /// approval steps required, and the transitions the tests name (see [`Coverage`]).
    pub fn run_tests_with_coverage(&self) -> (Vec<TestOutcome>, Coverage) {
        let mut observed = Observed::default();
        let outcomes = self
            .tests()
            .iter()
            .map(|t| self.run_test(t, Some(&mut observed)))
            .collect();
        (outcomes, Coverage::of(self.program(), &observed))
    }

    fn run_test(&self, test: &TestCase, observed: Option<&mut Observed>) -> TestOutcome {
        let failures = match self.check_test(test, observed) {
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

    fn check_test(
        &self,
        test: &TestCase,
        mut observed: Option<&mut Observed>,
    ) -> EvalResult<Vec<TestFailure>> {
        let program = self.program();
        let trace = observed.is_some();
        // The plain evaluation first, so a test sees exactly what a host would.
        let options = EvalOptions {
            as_of: test.as_of,
            trace,
            ..EvalOptions::default()
        };
        let given = literal_json(&test.given);
        let result = self.evaluate(&given, &options)?;
        if let Some(observed) = observed.as_deref_mut() {
            observed.result(&result);
        }
        let inputs = read_input(program, &given, Absent::Complete)?;
        let violations: Vec<String> = result
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
        let context = Context {
            as_of: test.as_of,
            trace,
            ..Context::default()
        };
        let mut required = Vec::new();
        {
            let mut ev = Evaluator::new(program, inputs.clone(), context.clone());
            for i in 0..program.approvals.len() {
                required.push(
                    chain_status(program, &mut ev, i)?
                        .steps
                        .into_iter()
                        .map(|s| s.step.id.clone())
                        .collect(),
                );
            }
        }
        let mut run = WorkflowRun::new(&test.name, given, test.as_of);
        let mut failures = Vec::new();
        for step in &test.steps {
            match step {
                Step::Expect(expect) => {
                    let facts = TestFacts {
                        violations: violations.clone(),
                        approvals: required.clone(),
                        workflow: run.facts(self)?,
                    };
                    let context = Context {
                        now: run.now,
                        ..context.clone()
                    };
                    let mut ev = Evaluator::new(program, inputs.clone(), context);
                    ev.set_grants(&run.approvals);
                    ev.test_facts = Some(facts);
                    failures.extend(check_expectation(program, &mut ev, expect)?);
                    if let Some(observed) = observed.as_deref_mut() {
                        observed.trace(&ev.trace);
                    }
                }
                Step::Workflow {
                    workflow,
                    state,
                    actor,
                } => {
                    let actor = match actor {
                        Some(actor) => Some(Actor::from_json(&literal_json(actor))?),
                        None => None,
                    };
                    run.enter(workflow, state, actor);
                }
                Step::Approvals(grants) => run.grant(grants, &result),
                Step::Now(at) => run.at(*at),
                Step::Apply { transition, line } => match run.apply(self, transition) {
                    Ok(workflow) => {
                        if let Some(observed) = observed.as_deref_mut() {
                            observed.see(CoverageKind::Transition, &workflow, transition);
                        }
                    }
                    Err(error) => {
                        failures.push(step_failure(*line, format!("apply {transition}"), &error));
                        break;
                    }
                },
                Step::Fire { sla, name, line } => {
                    let trigger = if *sla {
                        crate::workflow::actions::sla_timer(name)
                    } else {
                        name.clone()
                    };
                    if let Err(error) = run.fire(self, &trigger) {
                        failures.push(step_failure(*line, format!("fire {trigger}"), &error));
                        break;
                    }
                }
            }
        }
        Ok(failures)
    }
}

/// A test's literal as the JSON a host would send.
fn literal_json(literal: &Literal) -> Json {
    match literal {
        Literal::Null => Json::Null,
        Literal::Bool(b) => Json::Bool(*b),
        Literal::Text(text) => Json::String(text.clone()),
        Literal::List(items) => Json::Array(items.iter().map(literal_json).collect()),
        Literal::Record(fields) => Json::Object(
            fields
                .iter()
                .map(|(name, value)| (name.clone(), literal_json(value)))
                .collect(),
        ),
    }
}

/// A step that could not be taken; the test stops there.
fn step_failure(line: usize, step: String, error: &crate::error::EvalError) -> TestFailure {
    TestFailure {
        line,
        message: format!("`{step}` failed: {}", error.render()),
        expectation: step,
        expected: None,
        actual: Some(error.to_json()),
    }
}

/// Checks one expectation; a failure says what was expected and what was found.
fn check_expectation(
    program: &crate::ir::Program,
    ev: &mut Evaluator<'_>,
    expect: &Expectation,
) -> EvalResult<Option<TestFailure>> {
    if ev.eval(&expect.condition)? == Value::Bool(true) {
        return Ok(None);
    }
    let (expected, actual, message) = match &expect.sides {
        Some((actual_expr, actual_type, expected_expr, expected_type, actual_text)) => {
            let actual = value_to_json(program, &ev.eval(actual_expr)?, actual_type);
            let expected = value_to_json(program, &ev.eval(expected_expr)?, expected_type);
            let message = format!("expected {actual_text} to be {expected}, but it is {actual}");
            (Some(expected), Some(actual), message)
        }
        None => (
            Some(Json::Bool(true)),
            Some(Json::Bool(false)),
            format!("expected `{}` to hold", expect.text),
        ),
    };
    Ok(Some(TestFailure {
        line: expect.line,
        expectation: expect.text.clone(),
        expected,
        actual,
        message,
    }))
}

/// The kinds of rules coverage counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CoverageKind {
    /// Each constraint counts twice: seen to hold, and seen violated.
    Constraint,
    /// Each row of a decision table, covered when it matched.
    DecisionRow,
    /// Each line of a price block, covered when some test's quote has it (a `for` line once).
    PriceLine,
    /// Each step of an approval chain, covered when some test required it.
    ApprovalStep,
    /// Each workflow transition, covered when a test applies it.
    Transition,
}

impl CoverageKind {
    /// Every kind, in report order.
    pub const ALL: [CoverageKind; 5] = [
        CoverageKind::Constraint,
        CoverageKind::DecisionRow,
        CoverageKind::PriceLine,
        CoverageKind::ApprovalStep,
        CoverageKind::Transition,
    ];

    /// The stable name used in JSON reports.
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageKind::Constraint => "constraint",
            CoverageKind::DecisionRow => "decision_row",
            CoverageKind::PriceLine => "price_line",
            CoverageKind::ApprovalStep => "approval_step",
            CoverageKind::Transition => "transition",
        }
    }

    /// The plural for people.
    pub fn plural(self) -> &'static str {
        match self {
            CoverageKind::Constraint => "constraint outcomes",
            CoverageKind::DecisionRow => "decision rows",
            CoverageKind::PriceLine => "price lines",
            CoverageKind::ApprovalStep => "approval steps",
            CoverageKind::Transition => "transitions",
        }
    }
}

/// One rule coverage counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageItem {
    /// The kind of rule.
    pub kind: CoverageKind,
    /// The declaration it belongs to: the constraint, decision, price block, approval chain or
    /// workflow.
    pub owner: String,
    /// Which part: `holds` or `violated` for a constraint, the 1-based row number of a
    /// decision row, the id of a price line or approval step, the name of a transition.
    pub item: String,
    /// The source line, where the compiled ruleset knows it (decision rows).
    pub line: Option<usize>,
    /// Whether some test exercised it.
    pub covered: bool,
}

/// Which rules the test blocks exercised.
///
/// - a constraint outcome is covered when some test saw the constraint hold (resp. violated);
/// - a decision row when it matched in some test;
/// - a price line when some test's quote has it (a `for` line once any element produced it);
/// - an approval step when some test required it;
/// - a transition when some test applies it (`apply T`, spec §25).
///
/// Values are computed lazily: a rule that only serves values no test and no output reads is
/// not exercised.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Every counted rule: constraints, decision rows, price lines, approval steps, then
    /// transitions.
    pub items: Vec<CoverageItem>,
}

impl Coverage {
    /// Every item of the program, marked with what was observed.
    fn of(program: &crate::ir::Program, observed: &Observed) -> Coverage {
        let mut items = Vec::new();
        let mut push = |kind, owner: &str, item: String, line| {
            let covered = observed
                .seen
                .contains(&(kind, owner.to_string(), item.clone()));
            items.push(CoverageItem {
                kind,
                owner: owner.to_string(),
                item,
                line,
                covered,
            });
        };
        for c in &program.constraints {
            push(CoverageKind::Constraint, &c.id, "holds".into(), None);
            push(CoverageKind::Constraint, &c.id, "violated".into(), None);
        }
        // Decisions, with parameters or not (those are called like functions).
        let decisions = program
            .globals
            .iter()
            .filter_map(|g| match &g.kind {
                crate::ir::GlobalKind::Decision(d) => Some((&g.name, d)),
                _ => None,
            })
            .chain(program.functions.iter().filter_map(|f| match &f.body {
                crate::ir::FunctionBody::Decision(d) => Some((&f.name, d)),
                crate::ir::FunctionBody::Expr(_) => None,
            }));
        for (name, d) in decisions {
            for (i, row) in d.rows.iter().enumerate() {
                push(
                    CoverageKind::DecisionRow,
                    name,
                    (i + 1).to_string(),
                    Some(row.line),
                );
            }
        }
        for id in &program.prices {
            if let Some(g) = program.global(*id)
                && let crate::ir::GlobalKind::Price(block) = &g.kind
            {
                let mut ids = Vec::new();
                line_ids(&block.statements, &mut ids);
                for line in ids {
                    push(CoverageKind::PriceLine, &g.name, line, None);
                }
            }
        }
        for chain in &program.approvals {
            for step in &chain.steps {
                push(
                    CoverageKind::ApprovalStep,
                    &chain.name,
                    step.id.clone(),
                    None,
                );
            }
        }
        for workflow in &program.workflows {
            for t in &workflow.transitions {
                push(
                    CoverageKind::Transition,
                    &workflow.name,
                    t.name.clone(),
                    None,
                );
            }
        }
        Coverage { items }
    }

    /// Covered and total items, of one kind or (`None`) of all.
    pub fn count(&self, kind: Option<CoverageKind>) -> (usize, usize) {
        let items = self
            .items
            .iter()
            .filter(|i| kind.is_none_or(|k| i.kind == k));
        let (mut covered, mut total) = (0, 0);
        for item in items {
            total += 1;
            covered += usize::from(item.covered);
        }
        (covered, total)
    }

    /// The items no test exercised, in report order.
    pub fn uncovered(&self) -> impl Iterator<Item = &CoverageItem> {
        self.items.iter().filter(|i| !i.covered)
    }
}

/// `covered / total` as a percentage with one decimal (`100.0` when there is nothing to cover).
pub fn percent(covered: usize, total: usize) -> String {
    if total == 0 {
        return "100.0".to_string();
    }
    let tenths = (covered * 1000 + total / 2) / total;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The ids of a price block's lines, in order, once each.
fn line_ids(statements: &[crate::ir::pricing::PriceStatement], ids: &mut Vec<String>) {
    for statement in statements {
        match statement {
            crate::ir::pricing::PriceStatement::Line(line) => {
                if !ids.iter().any(|id| **id == *line.id) {
                    ids.push(line.id.to_string());
                }
            }
            crate::ir::pricing::PriceStatement::For { body, .. } => line_ids(body, ids),
            crate::ir::pricing::PriceStatement::Subtotal(_) => {}
        }
    }
}

/// What the tests were seen to exercise: (kind, owner, item).
#[derive(Debug, Default)]
struct Observed {
    seen: BTreeSet<(CoverageKind, String, String)>,
}

impl Observed {
    fn see(&mut self, kind: CoverageKind, owner: &str, item: &str) {
        self.seen
            .insert((kind, owner.to_string(), item.to_string()));
    }

    /// A traced evaluation result: its trace, quotes and approvals.
    fn result(&mut self, result: &Json) {
        let array = |v: Option<&Json>| v.and_then(Json::as_array).cloned().unwrap_or_default();
        for entry in array(result.get("trace")) {
            let id = entry.get("id").and_then(Json::as_str).unwrap_or("");
            match entry.get("kind").and_then(Json::as_str) {
                Some("decision") => {
                    for row in array(entry.get("rows")) {
                        if let Some(n) = row.get("row").and_then(Json::as_u64) {
                            self.see(CoverageKind::DecisionRow, id, &n.to_string());
                        }
                    }
                }
                Some("constraint") => match entry.get("holds") {
                    Some(Json::Bool(true)) => self.see(CoverageKind::Constraint, id, "holds"),
                    Some(Json::Bool(false)) => self.see(CoverageKind::Constraint, id, "violated"),
                    _ => {}
                },
                _ => {}
            }
        }
        if let Some(quotes) = result.get("quotes").and_then(Json::as_object) {
            for (block, quote) in quotes {
                for line in array(quote.get("lines")) {
                    if let Some(id) = line.get("id").and_then(Json::as_str) {
                        // `extra[heater]` is the line `extra` of a `for`.
                        let id = id.split('[').next().unwrap_or(id);
                        self.see(CoverageKind::PriceLine, block, id);
                    }
                }
            }
        }
        if let Some(chains) = result.get("approvals").and_then(Json::as_object) {
            for (chain, status) in chains {
                for step in array(status.get("steps")) {
                    if let Some(id) = step.get("id").and_then(Json::as_str) {
                        self.see(CoverageKind::ApprovalStep, chain, id);
                    }
                }
            }
        }
    }

    /// The trace of a test's own evaluator (values only its expectations read).
    fn trace(&mut self, trace: &[TraceEntry]) {
        for entry in trace {
            match entry.kind {
                "decision" => {
                    for (row, _) in &entry.rows {
                        self.see(CoverageKind::DecisionRow, &entry.id, &row.to_string());
                    }
                }
                "constraint" => match entry.value {
                    Value::Bool(true) => self.see(CoverageKind::Constraint, &entry.id, "holds"),
                    Value::Bool(false) => self.see(CoverageKind::Constraint, &entry.id, "violated"),
                    _ => {}
                },
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn percentages_round_to_one_decimal() {
        assert_eq!(percent(10, 15), "66.7");
        assert_eq!(percent(1, 3), "33.3");
        assert_eq!(percent(2, 3), "66.7");
        assert_eq!(percent(0, 4), "0.0");
        assert_eq!(percent(0, 0), "100.0");
        assert_eq!(percent(7, 7), "100.0");
    }

    #[test]
    fn coverage_counts_rows_lines_outcomes_and_steps() {
        let source = "ruleset c version \"1.0.0\"\nroles boss\ninput { q: Int }\n\
            decision r hit first { | q || v | | >= 10 || 2 | | - || 1 | }\n\
            price p currency \"EUR\" { line a = q * 1.00 line b = 1.00 when q > 99 }\n\
            constraint pos: q > 0 else error \"x\"\n\
            approval ok { step s by boss when r > 1 }\n\
            test \"small\" { given { q: 1 } expect r == 1 }\n";
        let ruleset = Ruleset::compile(source).unwrap();
        let (outcomes, coverage) = ruleset.run_tests_with_coverage();
        assert!(outcomes.iter().all(|o| o.failures.is_empty()));
        let uncovered: Vec<(CoverageKind, &str, &str)> = coverage
            .uncovered()
            .map(|i| (i.kind, i.owner.as_str(), i.item.as_str()))
            .collect();
        assert_eq!(
            uncovered,
            vec![
                (CoverageKind::Constraint, "pos", "violated"),
                (CoverageKind::DecisionRow, "r", "1"),
                (CoverageKind::PriceLine, "p", "b"),
                (CoverageKind::ApprovalStep, "ok", "s"),
            ]
        );
        assert_eq!(coverage.count(None), (3, 7));
        assert_eq!(coverage.count(Some(CoverageKind::DecisionRow)), (1, 2));
        // Without coverage the outcomes are the same.
        assert_eq!(ruleset.run_tests().len(), outcomes.len());
    }

    #[test]
    fn empty_braces_are_an_empty_record_where_the_input_expects_one() {
        let source = "ruleset e version \"1.0.0\"\nenum Extra { a, b }\n\
            type Item = { n: Int = 1 }\n\
            input { q: Int = 2  c: { tier: Text = \"x\" }  items: List<Item> = []  extras: Set<Extra> = {a} }\n\
            output o = q + len(c.tier) + sum(i.n for i in items) + len([e for e in extras])\n\
            test \"all defaults\" { given {} expect o == 4 }\n\
            test \"nested\" { given { c: {}, items: [{}, { n: 3 }], extras: {} } expect o == 7 }\n";
        let ruleset = Ruleset::compile(source).unwrap();
        let outcomes = ruleset.run_tests();
        assert_eq!(outcomes.len(), 2);
        for outcome in &outcomes {
            assert!(outcome.failures.is_empty(), "{outcome:?}");
        }
    }

    const FLOW: &str = "ruleset w version \"1.0.0\"\nroles clerk, boss\ninput { q: Int }\n\
        approval sign { step boss_ok by boss when q > 20 }\n\
        workflow flow {\n  state open initial owner clerk\n  state review owner boss\n  state done final\n\
          transition send: open -> review by clerk\n  transition approve: review -> done by boss requires sign\n}\n\
        trigger nudge on stay review after 2 days { notify owner \"waiting\" }\n";

    fn run(tests: &str) -> (Vec<TestOutcome>, Coverage) {
        let ruleset = Ruleset::compile(&format!("{FLOW}{tests}")).unwrap();
        ruleset.run_tests_with_coverage()
    }

    #[test]
    fn workflow_steps_move_the_instance_and_count_as_coverage() {
        let (outcomes, coverage) = run("test \"send, wait, approve\" {\n\
              given { q: 30 }\n  state open actor \"clerk\"\n  now 2026-03-02T09:00:00Z\n\
              expect enabled == [\"send\"]\n  apply send\n  expect state == \"review\"\n\
              expect approvals.sign.pending == [\"boss_ok\"]\n\
              now 2026-03-04T09:00:00Z\n  fire nudge\n  expect actions == [\"nudge.notify\"]\n\
              state review actor { id: \"bo\", roles: [boss] }\n  expect enabled == []\n\
              approvals { sign: { boss_ok: \"bo\" } }\n  expect enabled == [\"approve\"]\n\
              apply approve\n  expect state == \"done\"\n}\n");
        assert!(outcomes[0].failures.is_empty(), "{outcomes:?}");
        let transitions: Vec<_> = coverage
            .items
            .iter()
            .filter(|i| i.kind == CoverageKind::Transition)
            .map(|i| (i.item.as_str(), i.covered))
            .collect();
        assert_eq!(transitions, vec![("send", true), ("approve", true)]);
    }

    #[test]
    fn a_refused_transition_fails_the_test_with_its_reasons_and_stops_it() {
        let (outcomes, coverage) = run("test \"approve: without the boss\" {\n\
              given { q: 30 }\n  state review actor \"boss\"\n  now 2026-03-02T09:00:00Z\n\
              apply approve\n  expect state == \"nowhere\"\n}\n");
        let failures = &outcomes[0].failures;
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].expectation, "apply approve");
        assert!(
            failures[0].message.contains("sign"),
            "{}",
            failures[0].message
        );
        // Naming a transition in the test's name does not cover it: only applying it does.
        assert!(
            coverage
                .items
                .iter()
                .all(|i| !i.covered || i.kind != CoverageKind::Transition)
        );
    }

    #[test]
    fn a_timer_before_its_time_fires_nothing_and_apply_needs_now() {
        let (outcomes, _) = run("test \"early\" {\n  given { q: 1 }\n  state review\n\
              now 2026-03-02T09:00:00Z\n  now 2026-03-03T09:00:00Z\n  fire nudge\n  expect actions == []\n}\n\
              test \"no time\" {\n  given { q: 1 }\n  state open actor \"clerk\"\n  apply send\n}\n");
        assert!(outcomes[0].failures.is_empty(), "{outcomes:?}");
        assert!(
            outcomes[1].failures[0].message.contains("`now`"),
            "{outcomes:?}"
        );
    }

    #[test]
    fn workflow_steps_are_checked_when_the_ruleset_compiles() {
        for (step, message) in [
            ("state closed", "there is no state `closed`"),
            (
                "state open\n  apply sendd",
                "there is no transition `sendd`",
            ),
            ("apply send", "needs a workflow instance"),
            (
                "state open\n  fire nudg",
                "there is no timer trigger `nudg`",
            ),
            (
                "approvals { sing: { boss_ok: \"bo\" } }",
                "there is no approval chain `sing`",
            ),
        ] {
            let source = format!("{FLOW}test \"t\" {{\n  given {{ q: 1 }}\n  {step}\n}}\n");
            let errors = Ruleset::compile(&source).unwrap_err();
            assert!(
                errors.0.iter().any(|d| d.message.contains(message)),
                "{step}: {errors:?}"
            );
        }
    }
}
