//! Conditions decided over finite domains: a constraint that always holds or can never hold,
//! an approval step nobody will ever be asked for, a transition whose guard never holds (and
//! the states only it reaches), an approval chain no transition requires. A condition is
//! decided only when every input it reads is an enum, a Bool or a small set, by evaluating it
//! for every combination; otherwise nothing is said.

use std::collections::VecDeque;

use ordo_dsl::ast::{ApprovalItem, Item, Ruleset as Ast};
use ordo_dsl::{Span, ast::Severity};

use super::{Finding, Level};
use crate::configure::{FiniteField, finite_fields, set_path};
use crate::eval::{Context, Evaluator};
use crate::ir::{Expr, Program};
use crate::json::input::{Absent, read_input};
use crate::value::Value;

/// The most combinations a condition is evaluated for.
const MAX_COMBINATIONS: usize = 4096;
/// Sets with more elements are not enumerated.
const MAX_SET: usize = 8;

/// The finite fields conditions are decided over, and an input with every field unknown that
/// each combination is written into.
struct Space<'p> {
    program: &'p Program,
    fields: Vec<FiniteField<'p>>,
    unknown: Vec<Value>,
}

/// `Some(b)` when `condition` is `b` for every value of the inputs it reads.
fn decide(space: &Space<'_>, deps: &[String], condition: &Expr) -> Option<bool> {
    let Space {
        program,
        fields,
        unknown: base,
    } = space;
    let program = *program;
    let mut chosen: Vec<(&FiniteField<'_>, Vec<Value>)> = Vec::new();
    for dep in deps {
        let field = fields.iter().find(|f| &f.path == dep)?;
        chosen.push((field, field.all_values(program, MAX_SET)?));
    }
    let total = chosen
        .iter()
        .try_fold(1usize, |n, (_, values)| n.checked_mul(values.len()))?;
    if total > MAX_COMBINATIONS {
        return None;
    }
    let context = Context {
        as_of: program.effective,
        entered_at: None,
        trace: false,
    };
    let mut seen: Option<bool> = None;
    for mut n in 0..total {
        let mut inputs = base.clone();
        for (field, values) in &chosen {
            let value = values.get(n % values.len())?.clone();
            n /= values.len();
            set_path(program, &mut inputs, &field.indexes, value);
        }
        let mut ev = Evaluator::new(program, inputs, context.clone());
        let result = match ev.eval(condition) {
            Ok(Value::Bool(b)) => b,
            _ => return None,
        };
        match seen {
            Some(previous) if previous != result => return None,
            _ => seen = Some(result),
        }
    }
    seen
}

pub fn check(program: &Program, ast: &Ast, findings: &mut Vec<Finding>) {
    let Ok(unknown) = read_input(program, &serde_json::json!({}), Absent::Partial) else {
        return;
    };
    let space = Space {
        program,
        fields: finite_fields(program),
        unknown,
    };
    constraints(&space, ast, findings);
    approvals(&space, ast, findings);
    workflows(&space, ast, findings);
}

fn constraints(space: &Space<'_>, ast: &Ast, findings: &mut Vec<Finding>) {
    let program = space.program;
    for c in &program.constraints {
        let Some(span) = ast.items.iter().find_map(|i| match i {
            Item::Constraint(d) if d.name.name == c.id => Some(d.span),
            _ => None,
        }) else {
            continue;
        };
        match decide(space, &c.input_deps, &c.condition) {
            Some(true) => findings.push(Finding {
                id: "constraint.always_holds",
                level: Level::Warning,
                rule: c.id.clone(),
                message: format!(
                    "constraint `{}` holds for every input: it can never fire",
                    c.id
                ),
                span,
                example: None,
            }),
            Some(false) => findings.push(Finding {
                id: "constraint.always_violated",
                level: if c.severity == Severity::Error {
                    Level::Error
                } else {
                    Level::Warning
                },
                rule: c.id.clone(),
                message: format!("constraint `{}` is violated by every input", c.id),
                span,
                example: None,
            }),
            None => {}
        }
    }
}

fn approvals(space: &Space<'_>, ast: &Ast, findings: &mut Vec<Finding>) {
    let program = space.program;
    let workflows_exist = !program.workflows.is_empty();
    for (index, chain) in program.approvals.iter().enumerate() {
        let Some(decl) = ast.items.iter().find_map(|i| match i {
            Item::Approval(d) if d.name.name == chain.name => Some(d),
            _ => None,
        }) else {
            continue;
        };
        let step_span = |id: &str| {
            decl.items.iter().find_map(|item| match item {
                ApprovalItem::Step(s) if s.id.name == id => Some(s.span),
                ApprovalItem::Parallel { steps, .. } => {
                    steps.iter().find(|s| s.id.name == id).map(|s| s.span)
                }
                _ => None,
            })
        };
        for step in &chain.steps {
            let Some(when) = &step.when else { continue };
            if decide(space, &step.depends_on, when) == Some(false) {
                findings.push(Finding {
                    id: "approval.never_required",
                    level: Level::Warning,
                    rule: format!("{}.{}", chain.name, step.id),
                    message: format!(
                        "step `{}` of `{}` is never required: its condition never holds",
                        step.id, chain.name
                    ),
                    span: step_span(&step.id).unwrap_or(decl.span),
                    example: None,
                });
            }
        }
        let required = program
            .workflows
            .iter()
            .flat_map(|w| &w.transitions)
            .any(|t| t.requires.contains(&(index as u32)));
        if workflows_exist && !required {
            findings.push(Finding {
                id: "approval.unused_chain",
                level: Level::Info,
                rule: chain.name.clone(),
                message: format!("no transition requires the approval chain `{}`", chain.name),
                span: decl.name.span,
                example: None,
            });
        }
    }
}

fn workflows(space: &Space<'_>, ast: &Ast, findings: &mut Vec<Finding>) {
    let program = space.program;
    for workflow in &program.workflows {
        let Some(decl) = ast.items.iter().find_map(|i| match i {
            Item::Workflow(d) if d.name.name == workflow.name => Some(d),
            _ => None,
        }) else {
            continue;
        };
        let span_of_transition = |name: &str| {
            decl.transitions
                .iter()
                .find(|t| t.name.name == name)
                .map(|t| t.span)
        };
        let mut dead = vec![false; workflow.transitions.len()];
        for (i, t) in workflow.transitions.iter().enumerate() {
            let Some((guard, text)) = &t.guard else {
                continue;
            };
            if decide(space, &t.input_deps, guard) == Some(false) {
                if let Some(flag) = dead.get_mut(i) {
                    *flag = true;
                }
                findings.push(Finding {
                    id: "workflow.dead_transition",
                    level: Level::Warning,
                    rule: format!("{}.{}", workflow.name, t.name),
                    message: format!(
                        "transition `{}` can never be taken: its guard `{text}` never holds",
                        t.name
                    ),
                    span: span_of_transition(&t.name).unwrap_or(decl.span),
                    example: None,
                });
            }
        }
        // States reachable only through transitions that can never be taken.
        let mut reached = vec![false; workflow.states.len()];
        let mut queue: VecDeque<usize> = workflow
            .states
            .iter()
            .enumerate()
            .filter(|(_, s)| s.initial)
            .map(|(i, _)| i)
            .collect();
        for &i in &queue {
            if let Some(r) = reached.get_mut(i) {
                *r = true;
            }
        }
        while let Some(state) = queue.pop_front() {
            for (i, t) in workflow.transitions.iter().enumerate() {
                if dead.get(i) == Some(&true) || !t.from.contains(&(state as u32)) {
                    continue;
                }
                if let Some(r) = reached.get_mut(t.to as usize)
                    && !*r
                {
                    *r = true;
                    queue.push_back(t.to as usize);
                }
            }
        }
        for (i, state) in workflow.states.iter().enumerate() {
            if reached.get(i) == Some(&false) {
                let span: Span = decl
                    .states
                    .iter()
                    .find(|s| s.name.name == state.name)
                    .map_or(decl.span, |s| s.span);
                findings.push(Finding {
                    id: "workflow.unreachable_state",
                    level: Level::Warning,
                    rule: format!("{}.{}", workflow.name, state.name),
                    message: format!(
                        "state `{}` is only reached through transitions that can never be taken",
                        state.name
                    ),
                    span,
                    example: None,
                });
            }
        }
    }
}
