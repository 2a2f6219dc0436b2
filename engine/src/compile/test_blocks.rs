//! `test` blocks (spec §15): compiled beside the program but never part of it (they do not
//! change the artifact or its hash). `given` becomes a JSON input, read like any other input;
//! each `expect` becomes a Bool expression over the ruleset's names plus `violations` and
//! `approvals.CHAIN`.

use ordo_dsl::ast::{self, ExprKind, TestStepKind, TextPart};
use ordo_dsl::diagnostic::did_you_mean;
use ordo_dsl::{Diagnostic, DiagnosticKind, Span};

use super::{Context, Lowerer};
use crate::ir::test_case::{Expectation, Literal, Step, TestCase};
use crate::ir::workflow::TriggerEvent;
use crate::ir::{CompareOp, Expr};
use crate::types::Type;

pub(super) fn lower_test(l: &mut Lowerer<'_>, t: &ast::TestDecl) -> Option<TestCase> {
    // The input is a record of the input fields: `given {}` (and `{}` for a record inside it)
    // is an empty record, not an empty set.
    let input = Type::Record(std::sync::Arc::new(crate::types::RecordType {
        fields: l
            .program
            .input
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.ty.clone()))
            .collect(),
    }));
    let given = match literal(l, &t.given, Some(&input)) {
        Ok(json) => json,
        Err(diagnostic) => {
            l.error(diagnostic);
            return None;
        }
    };
    let saved = std::mem::replace(&mut l.context, Context::Test);
    let mut steps = Vec::new();
    // The workflow the steps act on, once a `state` step named it.
    let mut workflow: Option<usize> = None;
    for step in &t.steps {
        let lowered = match &step.kind {
            TestStepKind::Expect(e) => Some(Step::Expect(expectation(l, e))),
            TestStepKind::Workflow {
                workflow: name,
                state,
                actor,
            } => {
                workflow = workflow_named(l, name.as_ref(), step.span);
                workflow.and_then(|w| context_step(l, w, state, actor.as_ref()))
            }
            TestStepKind::Approvals(grants) => approvals(l, grants).map(Step::Approvals),
            TestStepKind::Now(at) => match &at.kind {
                ExprKind::DateTime(at) => Some(Step::Now(*at)),
                _ => None,
            },
            TestStepKind::Apply(transition) => in_workflow(l, workflow, step.span).and_then(|w| {
                let known = l.program.workflows.get(w).map(|wf| {
                    wf.transitions
                        .iter()
                        .map(|t| t.name.clone())
                        .collect::<Vec<_>>()
                });
                let known = known.unwrap_or_default();
                if known.contains(&transition.name) {
                    Some(Step::Apply {
                        transition: transition.name.clone(),
                        line: l.line_of(step.span.start),
                    })
                } else {
                    unknown(l, transition, "transition", &known);
                    None
                }
            }),
            TestStepKind::Fire { sla, name } => in_workflow(l, workflow, step.span)
                .and_then(|w| fire_step(l, w, *sla, name, step.span)),
        };
        steps.extend(lowered);
    }
    l.context = saved;
    Some(TestCase {
        name: t.name.value.clone(),
        line: l.line_of(t.span.start),
        given,
        as_of: t.as_of.as_ref().map(|d| d.value),
        steps,
    })
}

/// One `expect`: a Bool condition; `expect a == b` keeps both sides to show when it fails.
fn expectation(l: &mut Lowerer<'_>, e: &ast::Expr) -> Expectation {
    let text = e.span.text(l.source).to_string();
    let line = l.line_of(e.span.start);
    if let ExprKind::Binary {
        op: ast::BinaryOp::Eq,
        lhs,
        rhs,
    } = &e.kind
    {
        let (actual, actual_type) = l.expr(lhs, None);
        let (expected, expected_type) = l.expr(rhs, Some(&actual_type));
        if actual_type.unify(&expected_type).is_none() {
            let msg = format!(
                "cannot compare {} with {}",
                l.show(&actual_type),
                l.show(&expected_type)
            );
            l.error(Diagnostic::new(DiagnosticKind::TypeMismatch, e.span, msg));
        }
        return Expectation {
            text,
            line,
            condition: Expr::Compare(
                CompareOp::Eq,
                Box::new(actual.clone()),
                Box::new(expected.clone()),
            ),
            sides: Some((
                actual,
                actual_type,
                expected,
                expected_type,
                lhs.span.text(l.source).to_string(),
            )),
        };
    }
    Expectation {
        text,
        line,
        condition: l.condition(e, "an expectation"),
        sides: None,
    }
}

fn unknown(l: &mut Lowerer<'_>, name: &ast::Ident, what: &str, known: &[String]) {
    let mut diagnostic = Diagnostic::new(
        DiagnosticKind::UnknownName,
        name.span,
        format!("there is no {what} `{}`", name.name),
    );
    if let Some(hint) = did_you_mean(&name.name, known.iter().map(String::as_str)) {
        diagnostic = diagnostic.with_hint(hint);
    }
    l.error(diagnostic);
}

/// The workflow a `state` step names, or the ruleset's only one when it names none.
fn workflow_named(l: &mut Lowerer<'_>, name: Option<&ast::Ident>, span: Span) -> Option<usize> {
    let names: Vec<String> = l.program.workflows.iter().map(|w| w.name.clone()).collect();
    match name {
        Some(name) => {
            let found = names.iter().position(|n| *n == name.name);
            if found.is_none() {
                unknown(l, name, "workflow", &names);
            }
            found
        }
        None if names.len() == 1 => Some(0),
        None => {
            let message = if names.is_empty() {
                "the ruleset has no workflow to test".to_string()
            } else {
                format!(
                    "the ruleset has {} workflows: say which, `workflow NAME state S`",
                    names.len()
                )
            };
            l.error(Diagnostic::new(DiagnosticKind::Invalid, span, message));
            None
        }
    }
}

/// The workflow of the steps so far; `apply` and `fire` need one.
fn in_workflow(l: &mut Lowerer<'_>, workflow: Option<usize>, span: Span) -> Option<usize> {
    if workflow.is_none() {
        l.error(
            Diagnostic::new(
                DiagnosticKind::Invalid,
                span,
                "this step needs a workflow instance",
            )
            .with_hint("set one first: `state S` (or `workflow W state S actor A`)"),
        );
    }
    workflow
}

/// `[workflow W] state S [actor A]`, checked against the workflow.
fn context_step(
    l: &mut Lowerer<'_>,
    workflow: usize,
    state: &ast::Ident,
    actor: Option<&ast::Expr>,
) -> Option<Step> {
    let wf = l.program.workflows.get(workflow)?;
    let name = wf.name.clone();
    let states: Vec<String> = wf.states.iter().map(|s| s.name.clone()).collect();
    if !states.contains(&state.name) {
        unknown(l, state, "state", &states);
        return None;
    }
    let actor = match actor {
        None => None,
        Some(actor) => match literal(l, actor, None) {
            Ok(literal) if is_actor(&literal) => Some(literal),
            Ok(_) => {
                l.error(
                    Diagnostic::new(
                        DiagnosticKind::Invalid,
                        actor.span,
                        "an actor is a role or a record `{ id, roles }`",
                    )
                    .with_hint("write `{ id: \"ana\", roles: [sales] }` or a role as a text"),
                );
                return None;
            }
            Err(diagnostic) => {
                l.error(diagnostic);
                return None;
            }
        },
    };
    Some(Step::Workflow {
        workflow: name,
        state: state.name.clone(),
        actor,
    })
}

/// Whether an actor literal has the shape of a request's actor: a role, or `{ id?, roles? }`
/// with a text id and a list of role texts.
fn is_actor(actor: &Literal) -> bool {
    match actor {
        Literal::Text(_) => true,
        Literal::Record(fields) => {
            fields
                .iter()
                .all(|(name, value)| match (name.as_str(), value) {
                    ("id", Literal::Text(_) | Literal::Null) => true,
                    ("roles", Literal::List(roles)) => {
                        roles.iter().all(|r| matches!(r, Literal::Text(_)))
                    }
                    _ => false,
                })
        }
        _ => false,
    }
}

/// `approvals { chain: { step: "id" | ["id", ...] } }`: a grant by each id.
fn approvals(
    l: &mut Lowerer<'_>,
    grants: &ast::Expr,
) -> Option<Vec<(String, String, Vec<String>)>> {
    let invalid = |span: Span| {
        Diagnostic::new(
            DiagnosticKind::Invalid,
            span,
            "test approvals are `{ chain: { step: \"id\" | [\"id\", ...] } }`",
        )
    };
    let ExprKind::Record(chains) = &grants.kind else {
        l.error(invalid(grants.span));
        return None;
    };
    let mut approvals = Vec::new();
    for chain in chains {
        let Some(index) = l
            .program
            .approvals
            .iter()
            .position(|c| c.name == chain.name.name)
        else {
            let known: Vec<String> = l.program.approvals.iter().map(|c| c.name.clone()).collect();
            unknown(l, &chain.name, "approval chain", &known);
            return None;
        };
        let ExprKind::Record(steps) = &chain.value.kind else {
            l.error(invalid(chain.value.span));
            return None;
        };
        for step in steps {
            let known: Vec<String> = l
                .program
                .approvals
                .get(index)
                .map(|c| c.steps.iter().map(|s| s.id.clone()).collect())
                .unwrap_or_default();
            if !known.contains(&step.name.name) {
                unknown(l, &step.name, "approval step", &known);
                return None;
            }
            let ids = match literal(l, &step.value, None) {
                Ok(Literal::Text(id)) => vec![id],
                Ok(Literal::List(ids)) => ids
                    .into_iter()
                    .filter_map(|id| match id {
                        Literal::Text(id) => Some(id),
                        _ => None,
                    })
                    .collect(),
                _ => {
                    l.error(invalid(step.value.span));
                    return None;
                }
            };
            approvals.push((chain.name.name.clone(), step.name.name.clone(), ids));
        }
    }
    Some(approvals)
}

/// `fire TRIGGER` (a timer of the workflow) or `fire sla STATE`.
fn fire_step(
    l: &mut Lowerer<'_>,
    workflow: usize,
    sla: bool,
    name: &ast::Ident,
    span: Span,
) -> Option<Step> {
    let line = l.line_of(span.start);
    if sla {
        let states: Vec<String> = l
            .program
            .workflows
            .get(workflow)
            .map(|w| w.states.iter().map(|s| s.name.clone()).collect())
            .unwrap_or_default();
        if !states.contains(&name.name) {
            unknown(l, name, "state", &states);
            return None;
        }
        return Some(Step::Fire {
            sla: true,
            name: name.name.clone(),
            line,
        });
    }
    let timers: Vec<String> = l
        .program
        .triggers
        .iter()
        .filter(|t| {
            t.workflow as usize == workflow
                && matches!(t.event, TriggerEvent::Stay(..) | TriggerEvent::At(..))
        })
        .map(|t| t.name.clone())
        .collect();
    if !timers.contains(&name.name) {
        unknown(l, name, "timer trigger", &timers);
        return None;
    }
    Some(Step::Fire {
        sla: false,
        name: name.name.clone(),
        line,
    })
}

/// The `given` record as a JSON-shaped literal: literals only (enum values bare or qualified).
/// `expected` is the type the input reads the value as, where known: `{}` is an empty record
/// where a record is expected, and an empty set (a JSON list) anywhere else.
fn literal(l: &Lowerer<'_>, e: &ast::Expr, expected: Option<&Type>) -> Result<Literal, Diagnostic> {
    let not_literal = || {
        Diagnostic::new(
            DiagnosticKind::Invalid,
            e.span,
            "a test input must be a literal value",
        )
        .with_hint("write numbers, texts, dates, enum values, lists, sets and records")
    };
    Ok(match &e.kind {
        ExprKind::Number(n) => Literal::Text(crate::num::to_string(*n)),
        ExprKind::Percent(p) => {
            let fraction = p
                .checked_div(rust_decimal::Decimal::ONE_HUNDRED)
                .ok_or_else(not_literal)?;
            Literal::Text(crate::num::to_string(fraction))
        }
        ExprKind::Text(parts) => {
            let mut text = String::new();
            for part in parts {
                match part {
                    TextPart::Literal(s) => text.push_str(s),
                    TextPart::Interpolation(_) => return Err(not_literal()),
                }
            }
            Literal::Text(text)
        }
        ExprKind::Bool(b) => Literal::Bool(*b),
        ExprKind::None => Literal::Null,
        ExprKind::Date(d) => Literal::Text(d.to_string()),
        ExprKind::DateTime(t) => Literal::Text(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        ExprKind::Duration { amount, unit } => {
            let seconds = amount
                .checked_mul(rust_decimal::Decimal::from(unit.seconds()))
                .and_then(crate::num::to_i64)
                .ok_or_else(not_literal)?;
            Literal::Text(crate::ir::display::duration_text(seconds))
        }
        ExprKind::Name(ident) => Literal::Text(ident.name.clone()),
        ExprKind::Field { target, field } if matches!(&target.kind, ExprKind::Name(n) if l.sym.enum_by_name.contains_key(&n.name)) => {
            Literal::Text(field.name.clone())
        }
        ExprKind::Unary {
            op: ast::UnaryOp::Neg,
            operand,
        } => match &operand.kind {
            ExprKind::Number(n) => Literal::Text(crate::num::to_string(crate::num::neg(*n))),
            _ => return Err(not_literal()),
        },
        ExprKind::Set(items)
            if items.is_empty()
                && matches!(expected.map(Type::strip_optional), Some(Type::Record(_))) =>
        {
            Literal::Record(Vec::new())
        }
        ExprKind::List(items) | ExprKind::Set(items) => {
            let element = match expected.map(Type::strip_optional) {
                Some(Type::List(element)) => Some(element.as_ref()),
                _ => None,
            };
            Literal::List(
                items
                    .iter()
                    .map(|i| literal(l, i, element))
                    .collect::<Result<_, _>>()?,
            )
        }
        ExprKind::Record(fields) => {
            let record_type = match expected.map(Type::strip_optional) {
                Some(Type::Record(r)) => Some(r),
                _ => None,
            };
            let mut record = Vec::with_capacity(fields.len());
            for f in fields {
                let field_type = record_type
                    .and_then(|r| r.field(&f.name.name))
                    .map(|(_, t)| t);
                record.push((f.name.name.clone(), literal(l, &f.value, field_type)?));
            }
            Literal::Record(record)
        }
        _ => return Err(not_literal()),
    })
}

/// The type of `violations` and of `approvals.CHAIN` in tests.
pub(super) fn text_list() -> Type {
    Type::List(Box::new(Type::Text))
}
