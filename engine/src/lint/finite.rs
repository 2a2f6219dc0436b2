//! Conditions decided over finite domains: a constraint that always holds or can never hold,
//! an approval step nobody will ever be asked for, a transition whose guard never holds (and
//! the states only it reaches), an approval chain no transition requires. A condition is
//! decided only when every input it reads is an enum, a Bool or a small set, by evaluating it
//! for every combination; otherwise nothing is said.
//!
//! A constraint over the elements of an input list or set (`for x in items: COND`) is decided
//! the same way, element by element: when the parts of the element COND reads are finite too
//! (an enum or Bool element, or the enum, Bool and small-set fields of a record element), COND
//! is evaluated for every element that can be given, against every value of the other inputs
//! it reads, each time as an input whose collection holds that one element. A COND that reads
//! the collection in another way (`len(items)`), a collection computed by the rules, or an
//! element field of another type leaves the constraint undecided.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use ordo_dsl::ast::{ApprovalItem, Item, Ruleset as Ast};
use ordo_dsl::{Span, ast::Severity};

use super::decisions::{field_at, input_path};
use super::exprs;
use super::{Finding, Level};
use crate::configure::{FiniteField, finite_fields, set_path};
use crate::eval::{Context, Evaluator, Truth};
use crate::ir::{Constraint, Expr, ForEach, FunctionBody, InputField, Program};
use crate::json::input::{Absent, read_input};
use crate::types::Type;
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

/// One place in the input (field indexes from the top) and the values tried there.
struct Choice {
    indexes: Vec<usize>,
    values: Vec<Value>,
}

/// Every value of a finite type: `true`/`false`, an enum's values, every subset of a small
/// set; `none` too for an optional type. `None` for any other type.
fn finite_values(program: &Program, ty: &Type) -> Option<Vec<Value>> {
    let mut values = match ty.strip_optional() {
        Type::Bool => vec![Value::Bool(true), Value::Bool(false)],
        Type::Enum(e) => {
            let count = program.enums.get(*e as usize)?.values.len() as u32;
            (0..count).map(|i| Value::Enum(*e, i)).collect()
        }
        Type::Set(e) => {
            let count = program.enums.get(*e as usize)?.values.len();
            if count > MAX_SET {
                return None;
            }
            (0u32..(1u32 << count))
                .map(|mask| {
                    let members: Vec<u32> =
                        (0..count as u32).filter(|b| mask & (1 << b) != 0).collect();
                    Value::Set(*e, Arc::from(members))
                })
                .collect()
        }
        _ => return None,
    };
    if ty.is_optional() {
        values.push(Value::None);
    }
    Some(values)
}

/// The values of the finite input fields at `deps`; `None` when one is not a finite field.
fn choices(space: &Space<'_>, deps: &[String]) -> Option<Vec<Choice>> {
    deps.iter()
        .map(|dep| {
            let field = space.fields.iter().find(|f| &f.path == dep)?;
            Some(Choice {
                indexes: field.indexes.clone(),
                values: finite_values(space.program, &field.field.ty)?,
            })
        })
        .collect()
}

/// `Some(b)` when `outcome` is `b` for every combination of the choices' values (each an
/// input with every other field unknown); `None` when it differs, cannot be told, or there
/// are too many combinations.
fn decide_over(
    space: &Space<'_>,
    choices: &[Choice],
    mut outcome: impl FnMut(&mut Evaluator<'_>) -> Option<bool>,
) -> Option<bool> {
    let program = space.program;
    let total = choices
        .iter()
        .try_fold(1usize, |n, c| n.checked_mul(c.values.len()))?;
    if total > MAX_COMBINATIONS {
        return None;
    }
    let context = Context {
        as_of: program.effective,
        entered_at: None,
        trace: false,
        ..Context::default()
    };
    let mut seen: Option<bool> = None;
    for mut n in 0..total {
        let mut inputs = space.unknown.clone();
        for choice in choices {
            let value = choice.values.get(n % choice.values.len())?.clone();
            n /= choice.values.len();
            set_path(program, &mut inputs, &choice.indexes, value);
        }
        let mut ev = Evaluator::new(program, inputs, context.clone());
        let result = outcome(&mut ev)?;
        match seen {
            Some(previous) if previous != result => return None,
            _ => seen = Some(result),
        }
    }
    seen
}

/// `Some(b)` when `condition` is `b` for every value of the inputs it reads.
fn decide(space: &Space<'_>, deps: &[String], condition: &Expr) -> Option<bool> {
    decide_over(space, &choices(space, deps)?, |ev| {
        match ev.eval(condition) {
            Ok(Value::Bool(b)) => Some(b),
            _ => None,
        }
    })
}

/// Whether `a` and `b` are the same input path or one is inside the other.
fn overlaps(a: &str, b: &str) -> bool {
    let inside = |x: &str, y: &str| x.strip_prefix(y).is_some_and(|r| r.starts_with('.'));
    a == b || inside(a, b) || inside(b, a)
}

/// Whether function `f` (or one it calls) is a decision, which may read inputs and values.
fn calls_a_decision(program: &Program, f: u32, depth: usize) -> bool {
    let Some(function) = program.functions.get(f as usize) else {
        return true;
    };
    match &function.body {
        FunctionBody::Decision(_) => true,
        // The call graph is acyclic (a compile error otherwise); the depth only bounds it.
        FunctionBody::Expr(_) if depth > 64 => true,
        FunctionBody::Expr(body) => exprs::any(body, &mut |e| match e {
            Expr::CallFunction(g, _) => calls_a_decision(program, *g, depth + 1).then_some(true),
            _ => None,
        }),
    }
}

/// For constraint `index`, over the elements of an input list or set: `Some(b)` when its
/// condition is `b` for every element that can be given and every value of the other inputs
/// it reads (see the module documentation).
fn decide_each(space: &Space<'_>, index: usize, c: &Constraint, each: &ForEach) -> Option<bool> {
    let program = space.program;
    let path = each.input_path.as_deref()?;
    let indexes = input_path(&each.collection)?;
    let collection = field_at(program, &indexes)?;
    let top = *indexes.first()?;
    // The condition may read the collection only through the element.
    let reads_otherwise = exprs::any(&c.condition, &mut |e| match e {
        Expr::Input(i) => Some(*i as usize == top),
        Expr::Global(g) => Some(
            program
                .global(*g)
                .is_none_or(|g| g.input_deps.iter().any(|d| overlaps(d, path))),
        ),
        Expr::CallFunction(f, _) => calls_a_decision(program, *f, 0).then_some(true),
        _ => None,
    });
    if reads_otherwise {
        return None;
    }
    let others: Vec<String> = c
        .input_deps
        .iter()
        .filter(|d| !overlaps(d, path))
        .cloned()
        .collect();
    let mut choices = choices(space, &others)?;
    let singletons: Vec<Value> = match collection.ty.strip_optional() {
        Type::Set(e) => finite_values(program, &Type::Enum(*e))?
            .into_iter()
            .filter_map(|v| match v {
                Value::Enum(_, i) => Some(Value::Set(*e, Arc::from([i]))),
                _ => None,
            })
            .collect(),
        Type::List(element) => elements(program, c, each, element, collection)?
            .into_iter()
            .map(|v| Value::List(Arc::from([v])))
            .collect(),
        _ => return None,
    };
    choices.push(Choice {
        indexes,
        values: singletons,
    });
    decide_over(space, &choices, |ev| match ev.constraint(index) {
        Ok(Truth::True) => Some(true),
        Ok(Truth::False) => Some(false),
        _ => None,
    })
}

/// Every element of a list worth trying for a constraint's condition: every value of a finite
/// element type, or records with every value of the finite fields the condition reads (the
/// fields it does not read stay unknown). `None` when it reads a field that is not finite.
fn elements(
    program: &Program,
    c: &Constraint,
    each: &ForEach,
    element: &Type,
    collection: &InputField,
) -> Option<Vec<Value>> {
    let mut whole = false;
    let mut read = BTreeSet::new();
    exprs::any(&c.condition, &mut |e| match e {
        Expr::Field(inner, j) if matches!(inner.as_ref(), Expr::Local(s) if *s == each.slot) => {
            read.insert(*j as usize);
            Some(false)
        }
        Expr::Local(s) if *s == each.slot => {
            whole = true;
            Some(false)
        }
        _ => None,
    });
    if !whole && read.is_empty() {
        // The condition does not read the element: one unknown element stands for all.
        return Some(vec![Value::Unknown]);
    }
    let Type::Record(_) = element.strip_optional() else {
        return finite_values(program, element);
    };
    let mut records: Vec<Vec<Value>> = vec![Vec::new()];
    for (k, field) in collection.fields.iter().enumerate() {
        let values = if whole || read.contains(&k) {
            finite_values(program, &field.ty)?
        } else {
            vec![Value::Unknown]
        };
        if records.len().checked_mul(values.len())? > MAX_COMBINATIONS {
            return None;
        }
        records = records
            .iter()
            .flat_map(|r| {
                values.iter().map(move |v| {
                    let mut next = r.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect();
    }
    let mut out: Vec<Value> = records
        .into_iter()
        .map(|r| Value::Record(Arc::from(r)))
        .collect();
    if element.is_optional() {
        out.push(Value::None);
    }
    Some(out)
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
    for (index, c) in program.constraints.iter().enumerate() {
        let Some(span) = ast.items.iter().find_map(|i| match i {
            Item::Constraint(d) if d.name.name == c.id => Some(d.span),
            _ => None,
        }) else {
            continue;
        };
        let (decided, over) = match &c.each {
            None => (decide(space, &c.input_deps, &c.condition), None),
            Some(each) => (
                decide_each(space, index, c, each),
                Some(each.input_path.clone().unwrap_or_default()),
            ),
        };
        match decided {
            Some(true) => findings.push(Finding {
                id: "constraint.always_holds",
                level: Level::Warning,
                rule: c.id.clone(),
                message: match &over {
                    None => format!(
                        "constraint `{}` holds for every input: it can never fire",
                        c.id
                    ),
                    Some(path) => format!(
                        "constraint `{}` holds for every element of `{path}`: it can never fire",
                        c.id
                    ),
                },
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
                message: match &over {
                    None => format!("constraint `{}` is violated by every input", c.id),
                    Some(path) => format!(
                        "constraint `{}` is violated by every element of `{path}`: every input \
                         with an element there fails it",
                        c.id
                    ),
                },
                span,
                example: None,
            }),
            None => {}
        }
    }
}

/// The approval chains some rule reads (`approvals.CHAIN` anywhere in the program).
fn chains_read(program: &Program) -> BTreeSet<u64> {
    fn walk(value: &serde_json::Value, out: &mut BTreeSet<u64>) {
        match value {
            serde_json::Value::Object(map) => {
                if let (1, Some(index)) = (map.len(), map.get("Chain").and_then(|c| c.as_u64())) {
                    out.insert(index);
                }
                map.values().for_each(|v| walk(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    if let Ok(tree) = serde_json::to_value(program) {
        walk(&tree, &mut out);
    }
    out
}

fn approvals(space: &Space<'_>, ast: &Ast, findings: &mut Vec<Finding>) {
    let program = space.program;
    let workflows_exist = !program.workflows.is_empty();
    let read = chains_read(program);
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
        identities(program, &chain.name, decl, findings);
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
        if workflows_exist && !required && !read.contains(&(index as u64)) {
            findings.push(Finding {
                id: "approval.unused_chain",
                level: Level::Info,
                rule: chain.name.clone(),
                message: format!(
                    "no transition requires the approval chain `{}` and no rule reads it",
                    chain.name
                ),
                span: decl.name.span,
                example: None,
            });
        }
    }
}

/// The identities of a chain (spec §22): a requester that is not an input (a computed id is
/// easy to get wrong, and then nobody is kept from approving their own request), and a
/// `quorum 1`, which says nothing.
fn identities(
    program: &Program,
    chain: &str,
    decl: &ordo_dsl::ast::ApprovalDecl,
    findings: &mut Vec<Finding>,
) {
    if let Some(requester) = &decl.requested_by {
        let path = serde_json::to_value(requester)
            .ok()
            .and_then(|e| super::refs::path_of(&e));
        if path.is_none_or(|p| program.input.field_indexes(&p).is_none()) {
            findings.push(Finding {
                id: "approval.requester_not_input",
                level: Level::Warning,
                rule: chain.to_string(),
                message: format!(
                    "`requested_by` of `{chain}` is not an input: the requester's id should come \
                     from the request as it is, not be computed"
                ),
                span: requester.span,
                example: None,
            });
        }
    }
    let steps = decl.items.iter().flat_map(|item| match item {
        ApprovalItem::Step(s) => std::slice::from_ref(s),
        ApprovalItem::Parallel { steps, .. } => steps.as_slice(),
    });
    for step in steps {
        if let Some(quorum) = step.quorum.filter(|q| q.count == 1) {
            findings.push(Finding {
                id: "approval.quorum_one",
                level: Level::Info,
                rule: format!("{chain}.{}", step.id.name),
                message: format!(
                    "`quorum 1` of step `{}` is what a step needs anyway: leave it out",
                    step.id.name
                ),
                span: quorum.span,
                example: None,
            });
        }
    }
}

fn workflows(space: &Space<'_>, ast: &Ast, findings: &mut Vec<Finding>) {
    let program = space.program;
    for (index, workflow) in program.workflows.iter().enumerate() {
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
        super::timers::timers_unreachable(program, ast, index, &reached, findings);
    }
}
