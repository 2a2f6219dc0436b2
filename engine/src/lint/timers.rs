//! Workflow triggers that cannot do what they say (spec §24): a `notify owner` that can run in a
//! state without an owner (where the compiler cannot tell which state: `on change` and `on
//! becomes` in any state, transitions `-> previous`), and timers whose state is never entered.

use ordo_dsl::Span;
use ordo_dsl::ast::{Item, Ruleset as Ast};

use super::{Finding, Level};
use crate::ir::Program;
use crate::ir::workflow::{Action, NotifyTarget, StateId, Trigger, TriggerEvent, Workflow};

/// The span of trigger `name`'s name in the source.
fn trigger_span(ast: &Ast, name: &str) -> Span {
    ast.items
        .iter()
        .find_map(|item| match item {
            Item::Trigger(t) if t.name.name == name => Some(t.name.span),
            _ => None,
        })
        .unwrap_or_default()
}

/// The states a trigger may run in when the compiler could not pin them down; `None` when
/// it could (it then checked `notify owner` itself).
fn open_states(workflow: &Workflow, trigger: &Trigger) -> Option<Vec<StateId>> {
    match &trigger.event {
        TriggerEvent::Change(_, states) | TriggerEvent::Becomes(_, states) if states.is_empty() => {
            Some((0..workflow.states.len() as StateId).collect())
        }
        TriggerEvent::Transition(t) => {
            let transition = workflow.transitions.get(*t as usize)?;
            if !transition.to_previous {
                return None;
            }
            // The previous state is one the instance left to enter a source of the transition.
            let mut states: Vec<StateId> = workflow
                .transitions
                .iter()
                .filter(|other| !other.to_previous && transition.from.contains(&other.to))
                .flat_map(|other| other.from.iter().copied())
                .collect();
            states.sort_unstable();
            states.dedup();
            Some(states)
        }
        _ => None,
    }
}

/// `workflow.notify_without_owner`: a trigger that notifies the owner and can run in a state
/// that has none (the notification would go to nobody: `"to": null`).
pub fn notify_without_owner(program: &Program, ast: &Ast, findings: &mut Vec<Finding>) {
    for trigger in &program.triggers {
        let notifies_owner = trigger.actions.iter().any(|a| {
            matches!(
                a,
                Action::Notify {
                    to: NotifyTarget::Owner,
                    ..
                }
            )
        });
        if !notifies_owner {
            continue;
        }
        let Some(workflow) = program.workflows.get(trigger.workflow as usize) else {
            continue;
        };
        let Some(states) = open_states(workflow, trigger) else {
            continue;
        };
        let ownerless: Vec<&str> = states
            .iter()
            .filter_map(|s| workflow.states.get(*s as usize))
            .filter(|s| s.owner.is_none())
            .map(|s| s.name.as_str())
            .collect();
        if ownerless.is_empty() {
            continue;
        }
        findings.push(Finding {
            id: "workflow.notify_without_owner",
            level: Level::Warning,
            rule: trigger.name.clone(),
            message: format!(
                "trigger `{}` notifies the owner, but it can run in `{}`, which has no owner: there the notification goes to nobody",
                trigger.name,
                ownerless.join("`, `")
            ),
            span: trigger_span(ast, &trigger.name),
            example: None,
        });
    }
}

/// `workflow.timer_unreachable`: a timer (`on stay S after ...`, `on breach S`, `on at ... in
/// S, ...`) none of whose states can be entered (`reached` says which states of `workflow`,
/// the `index`-th, can).
pub fn timers_unreachable(
    program: &Program,
    ast: &Ast,
    index: usize,
    reached: &[bool],
    findings: &mut Vec<Finding>,
) {
    let Some(workflow) = program.workflows.get(index) else {
        return;
    };
    for trigger in program
        .triggers
        .iter()
        .filter(|t| t.workflow as usize == index)
    {
        let (kind, states) = match &trigger.event {
            TriggerEvent::Stay(s, _) => ("stay", vec![*s]),
            TriggerEvent::Breach(s) => ("SLA", vec![*s]),
            TriggerEvent::At(_, states) => ("at", states.clone()),
            _ => continue,
        };
        if states
            .iter()
            .any(|s| reached.get(*s as usize) != Some(&false))
        {
            continue;
        }
        let names: Vec<&str> = states
            .iter()
            .filter_map(|s| workflow.states.get(*s as usize))
            .map(|s| s.name.as_str())
            .collect();
        findings.push(Finding {
            id: "workflow.timer_unreachable",
            level: Level::Warning,
            rule: trigger.name.clone(),
            message: format!(
                "the {kind} timer of trigger `{}` is never armed: `{}` can never be entered (only transitions that can never be taken lead there)",
                trigger.name,
                names.join("`, `")
            ),
            span: trigger_span(ast, &trigger.name),
            example: None,
        });
    }
}
