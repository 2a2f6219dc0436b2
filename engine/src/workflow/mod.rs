//! Workflow queries (spec §13–§14): next actions, apply, and due timers. The engine is pure:
//! the host passes the state, the input, the granted approvals and the event; the answers are
//! data (reasons, actions, timers), never side effects.

pub(crate) mod actions;
mod request;

use serde_json::{Map, Value as Json, json};

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::Evaluator;
use crate::eval::approvals::{Refused, Status, chain_status};
use crate::ir::workflow::{StateId, Transition, Trigger, TriggerEvent};
use crate::json::input::{Absent, read_input};
use crate::ruleset::Ruleset;
use crate::value::{Value, values_equal};

use crate::json::requests::{
    ApplyRequest, StartRequest, TimerRequest, TransitionsRequest, UpdateRequest,
};
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
    /// `-> previous` without a previous state (spec §24).
    Previous,
}

impl Reason {
    fn to_json(&self) -> Json {
        match self {
            Reason::Role { allowed } => json!({"kind": "role", "allowed": allowed}),
            Reason::Guard { guard } => json!({"kind": "guard", "guard": guard}),
            Reason::Previous => json!({"kind": "previous"}),
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
                "the actor's roles ({}) may not take it (allowed: {})",
                actor.unwrap_or("none"),
                allowed.join(", ")
            ),
            Reason::Guard { guard } => format!("its guard `{guard}` is false"),
            Reason::Previous => {
                "it returns to the previous state, and the event names none (`previous_state`)"
                    .to_string()
            }
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

/// Every reason `transition` cannot be taken now (empty: enabled).
fn reasons(
    ev: &mut Evaluator<'_>,
    request: &Request<'_, '_>,
    transition: &Transition,
) -> EvalResult<Vec<Reason>> {
    let mut reasons = Vec::new();
    if !transition.roles.is_empty() && !request.actor_may(&transition.roles) {
        reasons.push(Reason::Role {
            allowed: transition.roles.clone(),
        });
    }
    if transition.to_previous && request.previous_state.is_none() {
        reasons.push(Reason::Previous);
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

/// Where a transition leads: its state, or for `-> previous` the event's previous state.
fn target(request: &Request<'_, '_>, transition: &Transition) -> Option<StateId> {
    if transition.to_previous {
        request.previous_state
    } else {
        Some(transition.to)
    }
}

impl Ruleset {
    /// Next actions (spec §13, §24): every outgoing transition of `state` for the actor,
    /// enabled or with every reason it is not, and the state's owner and SLA due time.
    pub fn transitions(&self, request: &TransitionsRequest) -> EvalResult<Json> {
        transitions(self, request)
    }

    /// Applies a transition (spec §13, §24): the new state, its owner and SLA due time, the
    /// actions of the triggers it fires and the timers it arms, or a `transition` error saying
    /// exactly why not.
    pub fn apply(&self, request: &ApplyRequest) -> EvalResult<Json> {
        apply(self, request)
    }

    /// Starts an instance (spec §24): the initial state, its owner and SLA due time, the
    /// actions of its `enter` triggers and the timers it arms.
    pub fn start(&self, request: &StartRequest) -> EvalResult<Json> {
        start(self, request)
    }

    /// The instance's data changed (spec §24): the actions of `on change` and `on becomes`
    /// triggers, the timers whose due time moved and those that no longer apply.
    pub fn update(&self, request: &UpdateRequest) -> EvalResult<Json> {
        update(self, request)
    }

    /// A timer fell due (spec §14, §24): a `stay` or `at` trigger, or `sla:STATE`. Re-checks
    /// that the instance is still in the timer's state, that the time has come and the
    /// trigger's condition, then returns the actions (or none, with the reason).
    pub fn fire_timer(&self, request: &TimerRequest) -> EvalResult<Json> {
        fire_timer(self, request)
    }
}

/// Next actions: every outgoing transition of the state, enabled or with its reasons.
fn transitions(ruleset: &Ruleset, request: &TransitionsRequest) -> EvalResult<Json> {
    let request = request::read(ruleset.program(), request, false)?;
    let mut ev = request.evaluator(request.inputs.clone(), request.state);
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
            "to": target(&request, transition).map(|s| request.state_name(s)),
            "enabled": reasons.is_empty(),
            "reasons": reasons.iter().map(Reason::to_json).collect::<Vec<_>>(),
        }));
    }
    let mut result = Map::new();
    result.insert("workflow".into(), json!(workflow.name));
    result.insert("state".into(), json!(request.state_name(request.state)));
    result.insert(
        "owner".into(),
        json!(actions::owner(&mut ev, workflow, request.state)?),
    );
    if let Some(entered) = request.event.and_then(|e| e.entered_at)
        && let Some(due) = actions::sla_due(&mut ev, workflow, request.state, entered)?
    {
        result.insert("due".into(), json!(actions::timestamp(due)));
    }
    result.insert("transitions".into(), Json::Array(listed));
    Ok(Json::Object(result))
}

fn transition_error(transition: &str, message: String) -> EvalError {
    EvalError::in_rule(ErrorKind::Transition, transition, message)
}

/// Applies a transition: the new state, the actions of the triggers the event fires (in
/// declaration order) and the timers the new state arms; or a `transition` error.
fn apply(ruleset: &Ruleset, apply: &ApplyRequest) -> EvalResult<Json> {
    let request = request::read(ruleset.program(), &apply.workflow, false)?;
    let name = apply.transition.as_str();
    let workflow = request.workflow;
    let from_name = request.state_name(request.state);
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
            .map(|s| request.state_name(*s))
            .collect();
        return Err(transition_error(
            name,
            format!(
                "transition `{name}` does not leave `{from_name}` (it leaves {})",
                sources.join(", ")
            ),
        ));
    }
    let event = request.require_event("apply")?;
    let mut ev = request.evaluator(request.inputs.clone(), request.state);
    let reasons = reasons(&mut ev, &request, transition)?;
    let to = match target(&request, transition) {
        Some(to) if reasons.is_empty() => to,
        _ => {
            let actor = request.actor.map(|a| a.roles.join(", "));
            let why: Vec<String> = reasons
                .iter()
                .map(|r| r.describe(actor.as_deref()))
                .collect();
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
    };
    let fired = actions::fired(ruleset, &mut ev, &request, Some(index as u32), to, event)?;
    // The new state is entered at the event's time.
    ev.context.entered_at = Some(event.at);
    let mut result = Map::new();
    result.insert("workflow".into(), json!(workflow.name));
    result.insert("transition".into(), json!(name));
    result.insert("from".into(), json!(from_name));
    result.insert("to".into(), json!(request.state_name(to)));
    entered(&mut ev, &request, to, event.at, fired, &mut result)?;
    Ok(Json::Object(result))
}

/// What entering `state` at `at` reports, after the caller's keys: its `owner`, its SLA's
/// `due` (when it has one), the `actions` fired and the `timers` armed.
fn entered(
    ev: &mut Evaluator<'_>,
    request: &request::Request<'_, '_>,
    state: StateId,
    at: chrono::DateTime<chrono::Utc>,
    fired: Vec<Json>,
    result: &mut Map<String, Json>,
) -> EvalResult<()> {
    let owner = actions::owner(ev, request.workflow, state)?;
    let due = actions::sla_due(ev, request.workflow, state, at)?;
    let timers = actions::armed(ev, request, state, at)?;
    result.insert("owner".into(), json!(owner));
    if let Some(due) = due {
        result.insert("due".into(), json!(actions::timestamp(due)));
    }
    result.insert("actions".into(), Json::Array(fired));
    result.insert("timers".into(), Json::Array(actions::timers_json(&timers)));
    Ok(())
}

/// Starts an instance in the initial state.
fn start(ruleset: &Ruleset, start: &StartRequest) -> EvalResult<Json> {
    let request = request::read(ruleset.program(), &start.workflow, true)?;
    let event = request.require_event("start")?;
    let workflow = request.workflow;
    let state = request.state;
    let mut ev = request.evaluator(request.inputs.clone(), state);
    let fired = actions::fired(ruleset, &mut ev, &request, None, state, event)?;
    ev.context.entered_at = Some(event.at);
    let mut result = Map::new();
    result.insert("workflow".into(), json!(workflow.name));
    result.insert("state".into(), json!(request.state_name(state)));
    entered(&mut ev, &request, state, event.at, fired, &mut result)?;
    Ok(Json::Object(result))
}

/// Whether the input values at an index path differ.
fn differs(before: &[Value], after: &[Value], path: &[u32]) -> bool {
    fn at<'v>(values: &'v [Value], path: &[u32]) -> Option<&'v Value> {
        let (first, rest) = path.split_first()?;
        let mut value = values.get(*first as usize)?;
        for index in rest {
            value = match value {
                Value::Record(fields) => fields.get(*index as usize)?,
                _ => return None,
            };
        }
        Some(value)
    }
    match (at(before, path), at(after, path)) {
        (Some(a), Some(b)) => !values_equal(a, b),
        (a, b) => a != b,
    }
}

/// What a change of the instance's data does in its current state.
fn update(ruleset: &Ruleset, update: &UpdateRequest) -> EvalResult<Json> {
    let request = request::read(ruleset.program(), &update.workflow, false)?;
    let event = request.require_event("update")?;
    let program = ruleset.program();
    let previous =
        read_input(program, &update.previous_input, Absent::Complete).map_err(|mut e| {
            // The path names the field within `previous_input`.
            e.path = Some(match e.path.take() {
                Some(path) if !path.is_empty() => format!("previous_input.{path}"),
                _ => "previous_input".to_string(),
            });
            e
        })?;
    let state = request.state;
    let mut now = request.evaluator(request.inputs.clone(), state);
    let mut before = request.evaluator(previous.clone(), state);
    let owner = actions::owner(&mut now, request.workflow, state)?;
    let mut fired = Vec::new();
    for trigger in program
        .triggers
        .iter()
        .filter(|t| t.workflow == request.workflow_index)
    {
        let happened = match &trigger.event {
            TriggerEvent::Change(paths, states) => {
                (states.is_empty() || states.contains(&state))
                    && paths.iter().any(|p| differs(&previous, &request.inputs, p))
            }
            TriggerEvent::Becomes(condition, states) => {
                (states.is_empty() || states.contains(&state))
                    && now.eval(condition).map_err(|e| e.or_rule(&trigger.name))?
                        == Value::Bool(true)
                    && before
                        .eval(condition)
                        .map_err(|e| e.or_rule(&trigger.name))?
                        != Value::Bool(true)
            }
            _ => false,
        };
        if !happened {
            continue;
        }
        if let Some(when) = &trigger.when
            && now.eval(when).map_err(|e| e.or_rule(&trigger.name))? != Value::Bool(true)
        {
            continue;
        }
        fired.extend(actions::of_trigger(
            ruleset,
            &mut now,
            trigger,
            owner.as_deref(),
            event,
        )?);
    }
    // Timers of the current state computed on both inputs: re-armed where the due time
    // moved, cancelled where one no longer applies. SLA and `stay` timers count from
    // `entered_at`; without it only `at` timers can be compared.
    let needs_entry = timer_needs_entry(program, request.workflow_index, state, request.workflow);
    let entered_at = match (event.entered_at, needs_entry) {
        (Some(entered), _) => Some(entered),
        (None, false) => None,
        (None, true) => {
            return Err(EvalError::at_path(
                ErrorKind::InvalidRequest,
                "event.entered_at",
                format!(
                    "state `{}` has timers that count from when it was entered: the event needs `entered_at`",
                    request.state_name(state)
                ),
            ));
        }
    };
    // Without `entered_at` no SLA or `stay` timer is armed; any instant serves for `at` ones.
    let base = entered_at.unwrap_or(event.at);
    let old = actions::armed(&mut before, &request, state, base)?;
    let new = actions::armed(&mut now, &request, state, base)?;
    let mut timers = Vec::new();
    for (trigger, due) in &new {
        if !old.iter().any(|(t, d)| t == trigger && d == due) {
            timers.push((trigger.clone(), *due));
        }
    }
    let cancel: Vec<Json> = old
        .iter()
        .filter(|(t, _)| !new.iter().any(|(n, _)| n == t))
        .map(|(t, _)| json!({"trigger": t}))
        .collect();
    let mut result = Map::new();
    result.insert("workflow".into(), json!(request.workflow.name));
    result.insert("state".into(), json!(request.state_name(state)));
    result.insert("actions".into(), Json::Array(fired));
    result.insert("timers".into(), Json::Array(actions::timers_json(&timers)));
    result.insert("cancel".into(), Json::Array(cancel));
    Ok(Json::Object(result))
}

/// Whether `state` arms a timer that counts from when it was entered (an SLA timer or a
/// `stay` timer).
fn timer_needs_entry(
    program: &crate::ir::Program,
    workflow_index: u32,
    state: StateId,
    workflow: &crate::ir::workflow::Workflow,
) -> bool {
    let has_sla = workflow
        .states
        .get(state as usize)
        .is_some_and(|s| s.sla.is_some());
    program
        .triggers
        .iter()
        .filter(|t| t.workflow == workflow_index)
        .any(|t| match t.event {
            TriggerEvent::Stay(s, _) => s == state,
            TriggerEvent::Breach(s) => s == state && has_sla,
            _ => false,
        })
}

/// A timer fell due: re-checks that the instance is still in the timer's state, that the time
/// has come, and the triggers' conditions, then returns their actions.
fn fire_timer(ruleset: &Ruleset, timer: &TimerRequest) -> EvalResult<Json> {
    let request = request::read(ruleset.program(), &timer.workflow, false)?;
    let name = timer.trigger.as_str();
    let program = ruleset.program();
    let workflow = request.workflow;
    let ours = |t: &&Trigger| t.workflow == request.workflow_index;
    // The triggers this timer runs, the states it belongs to, and how its due time is known.
    enum Due<'p> {
        Sla,
        Stay(&'p crate::ir::Expr),
        At(&'p crate::ir::Expr),
    }
    let (triggers, states, due): (Vec<&Trigger>, Vec<StateId>, Due<'_>) = if let Some(state_name) =
        name.strip_prefix("sla:")
    {
        let state = request::state_id(workflow, state_name, "trigger")?;
        let breach: Vec<&Trigger> = program
            .triggers
            .iter()
            .filter(ours)
            .filter(|t| matches!(t.event, TriggerEvent::Breach(s) if s == state))
            .collect();
        if breach.is_empty() {
            return Err(EvalError::at_path(
                ErrorKind::InvalidRequest,
                "trigger",
                format!(
                    "no trigger is `on breach {state_name}`: state `{state_name}` arms no SLA timer"
                ),
            ));
        }
        (breach, vec![state], Due::Sla)
    } else {
        let Some(trigger) = program
            .triggers
            .iter()
            .filter(ours)
            .find(|t| t.name == name)
        else {
            let mut names: Vec<String> = program
                .triggers
                .iter()
                .filter(ours)
                .filter(|t| matches!(t.event, TriggerEvent::Stay(..) | TriggerEvent::At(..)))
                .map(|t| t.name.clone())
                .collect();
            for t in program.triggers.iter().filter(ours) {
                if let TriggerEvent::Breach(s) = t.event {
                    let sla = actions::sla_timer(request.state_name(s));
                    if !names.contains(&sla) {
                        names.push(sla);
                    }
                }
            }
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            return Err(request::unknown("trigger", "timer trigger", name, &names));
        };
        match &trigger.event {
            TriggerEvent::Stay(state, delay) => (vec![trigger], vec![*state], Due::Stay(delay)),
            TriggerEvent::At(expr, states) => (vec![trigger], states.clone(), Due::At(expr)),
            _ => {
                return Err(EvalError::at_path(
                    ErrorKind::InvalidRequest,
                    "trigger",
                    format!("trigger `{name}` is not a timer (`on stay`, `on at` or `sla:STATE`)"),
                ));
            }
        }
    };
    let event = request.require_event("a timer")?;
    let not_fired = |reason: String| {
        Ok(json!({"trigger": name, "fired": false, "reason": reason, "actions": []}))
    };
    if !states.contains(&request.state) {
        let names: Vec<&str> = states.iter().map(|s| request.state_name(*s)).collect();
        return not_fired(format!(
            "the instance is in `{}`, not in `{}`",
            request.state_name(request.state),
            names.join("`, `")
        ));
    }
    let mut ev = request.evaluator(request.inputs.clone(), request.state);
    // INVARIANT: a timer that counts from the state's entry is never fired without it (it
    // would have no due time to wait for).
    let entered = || crate::json::clock::entered_at(event, name);
    let due = match due {
        Due::Sla => actions::sla_due(&mut ev, workflow, request.state, entered()?)?,
        Due::Stay(delay) => {
            let entered = entered()?;
            match ev.eval(delay).map_err(|e| e.or_rule(name))? {
                Value::Duration(seconds) => chrono::Duration::try_seconds(seconds)
                    .and_then(|d| entered.checked_add_signed(d)),
                _ => None,
            }
        }
        Due::At(expr) => match triggers.first() {
            Some(trigger) => actions::at_due(&mut ev, trigger, expr)?,
            None => None,
        },
    };
    let Some(due) = due else {
        return not_fired("the timer has no due time".into());
    };
    if event.at < due {
        return not_fired(format!(
            "the timer is not due before {}",
            actions::timestamp(due)
        ));
    }
    let owner = actions::owner(&mut ev, workflow, request.state)?;
    let mut fired = Vec::new();
    let mut any = false;
    for trigger in triggers {
        if let Some(when) = &trigger.when
            && ev.eval(when).map_err(|e| e.or_rule(&trigger.name))? != Value::Bool(true)
        {
            continue;
        }
        any = true;
        fired.extend(actions::of_trigger(
            ruleset,
            &mut ev,
            trigger,
            owner.as_deref(),
            event,
        )?);
    }
    if !any {
        return not_fired("the trigger's condition is false".into());
    }
    let mut result = Map::new();
    result.insert("trigger".into(), json!(name));
    result.insert("fired".into(), json!(true));
    result.insert("actions".into(), Json::Array(fired));
    Ok(Json::Object(result))
}

#[cfg(test)]
mod tests;
