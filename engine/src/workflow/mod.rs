//! Workflow queries (spec §13–§14): next actions, apply, and due timers. The engine is pure:
//! the host passes the state, the input, the granted approvals and the event; the answers are
//! data (reasons, actions, timers), never side effects.

mod actions;
mod request;

use serde_json::{Map, Value as Json, json};

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::approvals::{Refused, Status, chain_status};
use crate::eval::{Context, Evaluator};
use crate::ir::workflow::{Transition, TriggerEvent};
use crate::ruleset::Ruleset;
use crate::value::Value;

use crate::json::requests::{ApplyRequest, TimerRequest, TransitionsRequest};
use request::Request;

/// Why a transition is not enabled.
enum Reason {
    Role {
        allowed: Vec<String>,
    },
    Guard {
        guard: String,
    },
    Approvals {
        chain: String,
        pending: Vec<String>,
        stale: Vec<String>,
        /// The grants of the chain's steps that do not count: (step, grant).
        refused: Vec<(String, Refused)>,
    },
}

impl Reason {
    fn to_json(&self) -> Json {
        match self {
            Reason::Role { allowed } => json!({"kind": "role", "allowed": allowed}),
            Reason::Guard { guard } => json!({"kind": "guard", "guard": guard}),
            Reason::Approvals {
                chain,
                pending,
                stale,
                refused,
            } => {
                let mut reason = json!({"kind": "approvals", "chain": chain, "pending": pending, "stale": stale});
                if !refused.is_empty()
                    && let Some(object) = reason.as_object_mut()
                {
                    let refused = refused
                        .iter()
                        .map(|(step, r)| json!({"step": step, "by": r.by, "reason": r.reason.as_str()}))
                        .collect();
                    object.insert("refused".into(), Json::Array(refused));
                }
                reason
            }
        }
    }

    fn describe(&self, actor: Option<&str>) -> String {
        match self {
            Reason::Role { allowed } => format!(
                "the role `{}` may not take it (allowed: {})",
                actor.unwrap_or("(none)"),
                allowed.join(", ")
            ),
            Reason::Guard { guard } => format!("its guard `{guard}` is false"),
            Reason::Approvals {
                chain,
                pending,
                stale,
                refused,
            } => {
                let mut parts = Vec::new();
                if !pending.is_empty() {
                    parts.push(format!("pending: {}", pending.join(", ")));
                }
                if !stale.is_empty() {
                    parts.push(format!("stale: {}", stale.join(", ")));
                }
                for (step, r) in refused {
                    let by = if r.by.is_empty() {
                        "(no approver)"
                    } else {
                        &r.by
                    };
                    parts.push(format!(
                        "{step}: the grant by {by} does not count ({})",
                        r.reason.as_str()
                    ));
                }
                format!(
                    "approval chain `{chain}` is not complete ({})",
                    parts.join("; ")
                )
            }
        }
    }
}

fn evaluator<'a>(ruleset: &'a Ruleset, request: &Request<'_, 'a>) -> Evaluator<'a> {
    let context = Context {
        as_of: request.as_of,
        entered_at: request.event.and_then(|e| e.entered_at),
        trace: false,
    };
    let ev = Evaluator::new(ruleset.program(), request.inputs.clone(), context);
    match request.approvals {
        Some(grants) => ev.with_grants(grants),
        None => ev,
    }
}

/// Every reason `transition` cannot be taken now (empty: enabled).
fn reasons(
    ev: &mut Evaluator<'_>,
    request: &Request<'_, '_>,
    transition: &Transition,
) -> EvalResult<Vec<Reason>> {
    let mut reasons = Vec::new();
    let actor = request.actor;
    if !transition.roles.is_empty()
        && !actor.is_some_and(|a| transition.roles.iter().any(|r| r == a))
    {
        reasons.push(Reason::Role {
            allowed: transition.roles.clone(),
        });
    }
    if let Some((guard, text)) = &transition.guard {
        let value = ev.eval(guard).map_err(|e| e.or_rule(&transition.name))?;
        if value != Value::Bool(true) {
            reasons.push(Reason::Guard {
                guard: text.clone(),
            });
        }
    }
    let program = ev.program;
    for &index in &transition.requires {
        let Some(chain) = program.approvals.get(index as usize) else {
            continue;
        };
        let status = chain_status(program, ev, index as usize)?;
        if !status.complete() {
            let refused = status
                .steps
                .iter()
                .flat_map(|s| s.refused.iter().map(|r| (s.step.id.clone(), r.clone())))
                .collect();
            reasons.push(Reason::Approvals {
                chain: chain.name.clone(),
                pending: status.with_status(Status::Pending),
                stale: status.with_status(Status::Stale),
                refused,
            });
        }
    }
    Ok(reasons)
}

impl Ruleset {
    /// Next actions (spec §13): every outgoing transition of `state` for `actor`, enabled or
    /// with every reason it is not.
    pub fn transitions(&self, request: &TransitionsRequest) -> EvalResult<Json> {
        transitions(self, request)
    }

    /// Applies a transition (spec §13): the new state, the actions of the triggers it fires
    /// and the timers it arms, or a `transition` error saying exactly why not.
    pub fn apply(&self, request: &ApplyRequest) -> EvalResult<Json> {
        apply(self, request)
    }

    /// A `stay … after` timer fell due (spec §14): re-checks that the instance is still in the
    /// trigger's state and its condition, then returns the trigger's actions (or none).
    pub fn fire_timer(&self, request: &TimerRequest) -> EvalResult<Json> {
        fire_timer(self, request)
    }
}

/// Next actions: every outgoing transition of the state, enabled or with its reasons.
fn transitions(ruleset: &Ruleset, request: &TransitionsRequest) -> EvalResult<Json> {
    let request = request::read(ruleset.program(), request)?;
    let mut ev = evaluator(ruleset, &request);
    let workflow = request.workflow;
    let mut listed = Vec::new();
    for transition in workflow
        .transitions
        .iter()
        .filter(|t| t.from.contains(&request.state))
    {
        let reasons = reasons(&mut ev, &request, transition)?;
        listed.push(json!({
            "id": transition.name,
            "to": state_name(&request, transition.to),
            "enabled": reasons.is_empty(),
            "reasons": reasons.iter().map(Reason::to_json).collect::<Vec<_>>(),
        }));
    }
    let state = workflow.states.get(request.state as usize);
    Ok(json!({
        "workflow": workflow.name,
        "state": state.map(|s| s.name.as_str()),
        "owner": state.and_then(|s| s.owner.as_deref()),
        "transitions": listed,
    }))
}

fn state_name<'p>(request: &Request<'p, '_>, id: u32) -> &'p str {
    request
        .workflow
        .states
        .get(id as usize)
        .map_or("", |s| s.name.as_str())
}

fn transition_error(transition: &str, message: String) -> EvalError {
    EvalError::in_rule(ErrorKind::Transition, transition, message)
}

/// Applies a transition: the new state, the actions of the triggers the event fires (in
/// declaration order) and the timers the new state arms; or a `transition` error.
fn apply(ruleset: &Ruleset, apply: &ApplyRequest) -> EvalResult<Json> {
    let request = request::read(ruleset.program(), &apply.workflow)?;
    let name = apply.transition.as_str();
    let workflow = request.workflow;
    let from_name = state_name(&request, request.state);
    let Some((index, transition)) = workflow
        .transitions
        .iter()
        .enumerate()
        .find(|(_, t)| t.name == name)
    else {
        let names: Vec<&str> = workflow
            .transitions
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        let mut error = transition_error(
            name,
            format!(
                "workflow `{}` has no transition `{name}` (transitions: {})",
                workflow.name,
                names.join(", ")
            ),
        );
        if let Some(hint) = ordo_dsl::diagnostic::did_you_mean(name, names.iter().copied()) {
            error = error.with_hint(hint);
        }
        return Err(error);
    };
    if !transition.from.contains(&request.state) {
        let sources: Vec<&str> = transition
            .from
            .iter()
            .map(|s| state_name(&request, *s))
            .collect();
        return Err(transition_error(
            name,
            format!(
                "transition `{name}` does not leave `{from_name}` (it leaves {})",
                sources.join(", ")
            ),
        ));
    }
    let event = request.event.ok_or_else(|| {
        EvalError::at_path(
            ErrorKind::InvalidRequest,
            "event",
            "apply needs an `event` {instance, seq, at, entered_at}",
        )
    })?;
    let mut ev = evaluator(ruleset, &request);
    let reasons = reasons(&mut ev, &request, transition)?;
    if !reasons.is_empty() {
        let why: Vec<String> = reasons.iter().map(|r| r.describe(request.actor)).collect();
        let mut error = transition_error(
            name,
            format!(
                "transition `{name}` from `{from_name}` is not allowed: {}",
                why.join("; ")
            ),
        );
        error.hint = Some(format!(
            "reasons: {}",
            Json::Array(reasons.iter().map(Reason::to_json).collect())
        ));
        return Err(error);
    }
    let to = transition.to;
    let fired = actions::fired(ruleset, &mut ev, &request, index as u32, to, event)?;
    let timers = actions::timers(ruleset.program(), request.workflow_index, to, event);
    Ok(json!({
        "workflow": workflow.name,
        "transition": name,
        "from": from_name,
        "to": state_name(&request, to),
        "owner": workflow.states.get(to as usize).and_then(|s| s.owner.as_deref()),
        "actions": fired,
        "timers": timers,
    }))
}

/// A `stay … after` timer fell due: re-checks that the instance is still in the trigger's
/// state, that the time has come, and the trigger's condition, then returns its actions.
fn fire_timer(ruleset: &Ruleset, timer: &TimerRequest) -> EvalResult<Json> {
    let request = request::read(ruleset.program(), &timer.workflow)?;
    let name = timer.trigger.as_str();
    let program = ruleset.program();
    let Some(trigger) = program
        .triggers
        .iter()
        .find(|t| t.name == name && t.workflow == request.workflow_index)
    else {
        let names: Vec<&str> = program
            .triggers
            .iter()
            .filter(|t| {
                t.workflow == request.workflow_index && matches!(t.event, TriggerEvent::Stay(..))
            })
            .map(|t| t.name.as_str())
            .collect();
        return Err(request::unknown("trigger", "timer trigger", name, &names));
    };
    let TriggerEvent::Stay(state, after) = trigger.event else {
        return Err(EvalError::at_path(
            ErrorKind::InvalidRequest,
            "trigger",
            format!("trigger `{name}` is not a timer (`on stay STATE after DURATION`)"),
        ));
    };
    let event = request.event.ok_or_else(|| {
        EvalError::at_path(
            ErrorKind::InvalidRequest,
            "event",
            "a timer needs an `event` {instance, seq, at, entered_at}",
        )
    })?;
    let not_fired = |reason: String| {
        Ok(json!({"trigger": name, "fired": false, "reason": reason, "actions": []}))
    };
    if state != request.state {
        return not_fired(format!(
            "the instance is in `{}`, not in `{}`",
            state_name(&request, request.state),
            state_name(&request, state)
        ));
    }
    if let Some(entered) = event.entered_at {
        let due = entered + chrono::Duration::seconds(after);
        if event.at < due {
            return not_fired(format!(
                "the timer is not due before {}",
                actions::timestamp(due)
            ));
        }
    }
    let mut ev = evaluator(ruleset, &request);
    if let Some(when) = &trigger.when
        && ev.eval(when).map_err(|e| e.or_rule(name))? != Value::Bool(true)
    {
        return not_fired("the trigger's condition is false".into());
    }
    let owner = request
        .workflow
        .states
        .get(state as usize)
        .and_then(|s| s.owner.clone());
    let fired = actions::of_trigger(ruleset, &mut ev, trigger, owner.as_deref(), event)?;
    let mut result = Map::new();
    result.insert("trigger".into(), json!(name));
    result.insert("fired".into(), json!(true));
    result.insert("actions".into(), Json::Array(fired));
    Ok(Json::Object(result))
}

#[cfg(test)]
mod tests;
