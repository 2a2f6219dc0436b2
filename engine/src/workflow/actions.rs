//! Trigger actions as data (spec §14), with idempotency keys, and the timers a state arms.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};

use super::request::Request;
use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::Evaluator;
use crate::ir::Expr;
use crate::ir::display::display;
use crate::ir::workflow::{Action, NotifyTarget, Owner, StateId, Trigger, TriggerEvent, Workflow};
use crate::json::requests::Event;
use crate::json::values::value_to_json;
use crate::ruleset::Ruleset;
use crate::types::Type;
use crate::value::Value;

/// RFC 3339 in UTC with a `Z`, to the second: how every timestamp leaves the engine.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The idempotency key of one action: a hash of the ruleset hash, the trigger, the instance,
/// the event's sequence number and the action's place in the trigger (so two actions of one
/// trigger are two deliveries, and a retried event gives the same keys).
pub fn key(ruleset_hash: &str, trigger: &str, event: &Event, action_index: usize) -> String {
    let mut hasher = Sha256::new();
    for part in [
        ruleset_hash,
        trigger,
        &event.instance,
        &event.seq.to_string(),
        &action_index.to_string(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Puts `state` in scope as the instance's state (`state` in triggers and guards).
pub fn set_state(ev: &mut Evaluator<'_>, request: &Request<'_, '_>, state: StateId) {
    if let Some(scope) = &mut ev.context.workflow {
        scope.state = Value::text(request.state_name(state));
    }
}

/// The owner of `state` (spec §24): its role, or its computed owner (`none`: no owner).
pub fn owner(
    ev: &mut Evaluator<'_>,
    workflow: &Workflow,
    state: StateId,
) -> EvalResult<Option<String>> {
    let Some(state) = workflow.states.get(state as usize) else {
        return Ok(None);
    };
    Ok(match &state.owner {
        None => None,
        Some(Owner::Role(role)) => Some(role.clone()),
        Some(Owner::Computed(expr)) => match ev.eval(expr).map_err(|e| e.or_rule(&state.name))? {
            Value::None => None,
            value => Some(display(ev.program, &value)),
        },
    })
}

/// The SLA due time of `state` entered at `entered_at`, if it has an SLA (spec §24).
pub fn sla_due(
    ev: &mut Evaluator<'_>,
    workflow: &Workflow,
    state: StateId,
    entered_at: DateTime<Utc>,
) -> EvalResult<Option<DateTime<Utc>>> {
    let Some(s) = workflow.states.get(state as usize) else {
        return Ok(None);
    };
    let Some(sla) = &s.sla else {
        return Ok(None);
    };
    let value = ev.eval(sla).map_err(|e| e.or_rule(&s.name))?;
    after(entered_at, &value).map(Some)
}

/// `at` moved by a Duration value.
fn after(at: DateTime<Utc>, duration: &Value) -> EvalResult<DateTime<Utc>> {
    let Value::Duration(seconds) = duration else {
        return Err(EvalError::new(
            ErrorKind::InvalidValue,
            format!("a timer needs a duration, found {duration:?}"),
        ));
    };
    chrono::Duration::try_seconds(*seconds)
        .and_then(|d| at.checked_add_signed(d))
        .ok_or_else(|| EvalError::new(ErrorKind::InvalidValue, "the due time is out of range"))
}

/// The due time of an `at` timer: its DateTime, or a Date at 00:00:00Z (`none`: no timer).
pub fn at_due(
    ev: &mut Evaluator<'_>,
    trigger: &Trigger,
    expr: &Expr,
) -> EvalResult<Option<DateTime<Utc>>> {
    Ok(match ev.eval(expr).map_err(|e| e.or_rule(&trigger.name))? {
        Value::DateTime(t) => Some(t),
        Value::Date(d) => Some(d.and_time(chrono::NaiveTime::MIN).and_utc()),
        _ => None,
    })
}

/// The name of a state's SLA timer.
pub fn sla_timer(state: &str) -> String {
    format!("sla:{state}")
}

/// The timers `state` arms when it is entered at `entered_at` (spec §24): its SLA timer when
/// some trigger is `on breach` it, then `stay` timers, then `at` timers, each in declaration
/// order, as (trigger, due).
pub fn armed(
    ev: &mut Evaluator<'_>,
    request: &Request<'_, '_>,
    state: StateId,
    entered_at: DateTime<Utc>,
) -> EvalResult<Vec<(String, DateTime<Utc>)>> {
    let program = request.program;
    let triggers: Vec<&Trigger> = program
        .triggers
        .iter()
        .filter(|t| t.workflow == request.workflow_index)
        .collect();
    let mut out = Vec::new();
    if triggers
        .iter()
        .any(|t| matches!(t.event, TriggerEvent::Breach(s) if s == state))
        && let Some(due) = sla_due(ev, request.workflow, state, entered_at)?
    {
        out.push((sla_timer(request.state_name(state)), due));
    }
    for trigger in &triggers {
        if let TriggerEvent::Stay(s, delay) = &trigger.event
            && *s == state
        {
            let value = ev.eval(delay).map_err(|e| e.or_rule(&trigger.name))?;
            out.push((trigger.name.clone(), after(entered_at, &value)?));
        }
    }
    for trigger in &triggers {
        if let TriggerEvent::At(expr, states) = &trigger.event
            && states.contains(&state)
            && let Some(due) = at_due(ev, trigger, expr)?
        {
            out.push((trigger.name.clone(), due));
        }
    }
    Ok(out)
}

/// Timers as JSON `{trigger, due}`.
pub fn timers_json(timers: &[(String, DateTime<Utc>)]) -> Vec<Json> {
    timers
        .iter()
        .map(|(trigger, due)| json!({"trigger": trigger, "due": timestamp(*due)}))
        .collect()
}

/// The actions of every trigger that moving from the request's state through transition
/// `transition` to `to` fires: `exit` of the old state, the transition, `enter` of the new
/// state, in the triggers' declaration order. In `exit` and `transition` triggers `entered_at`
/// is when the instance entered the state it leaves; in `enter` triggers it is the event time.
/// `exit` triggers see the state being left, the others the state entered.
pub fn fired(
    ruleset: &Ruleset,
    ev: &mut Evaluator<'_>,
    request: &Request<'_, '_>,
    transition: Option<u32>,
    to: StateId,
    event: &Event,
) -> EvalResult<Vec<Json>> {
    let program = ruleset.program();
    set_state(ev, request, to);
    let owner = owner(ev, request.workflow, to)?;
    let mut out = Vec::new();
    for trigger in program
        .triggers
        .iter()
        .filter(|t| t.workflow == request.workflow_index)
    {
        let (entered_at, scope) = match trigger.event {
            TriggerEvent::Exit(s) if s == request.state && transition.is_some() => {
                (event.entered_at, request.state)
            }
            TriggerEvent::Transition(t) if Some(t) == transition => (event.entered_at, to),
            TriggerEvent::Enter(s) if s == to => (Some(event.at), to),
            _ => continue,
        };
        ev.context.entered_at = entered_at;
        set_state(ev, request, scope);
        if let Some(when) = &trigger.when
            && ev.eval(when).map_err(|e| e.or_rule(&trigger.name))? != Value::Bool(true)
        {
            continue;
        }
        out.extend(of_trigger(ruleset, ev, trigger, owner.as_deref(), event)?);
    }
    set_state(ev, request, to);
    Ok(out)
}

/// The actions of one trigger whose event happened and whose condition holds.
pub fn of_trigger(
    ruleset: &Ruleset,
    ev: &mut Evaluator<'_>,
    trigger: &Trigger,
    owner: Option<&str>,
    event: &Event,
) -> EvalResult<Vec<Json>> {
    let program = ruleset.program();
    let mut out = Vec::new();
    for (i, action) in trigger.actions.iter().enumerate() {
        let mut eval = |e: &Expr| ev.eval(e).map_err(|err| err.or_rule(&trigger.name));
        let (kind, args) = match action {
            Action::Notify { to, message } => {
                let to = match to {
                    NotifyTarget::Text(e) => Json::String(display(program, &eval(e)?)),
                    NotifyTarget::Role(role) => Json::String(role.clone()),
                    NotifyTarget::Owner => {
                        owner.map_or(Json::Null, |o| Json::String(o.to_string()))
                    }
                };
                let message = display(program, &eval(message)?);
                ("notify", json!({"to": to, "message": message}))
            }
            Action::Escalate { role } => ("escalate", json!({"role": role})),
            Action::Task { name, fields }
            | Action::Emit {
                event: name,
                fields,
            } => {
                let head = if matches!(action, Action::Task { .. }) {
                    "name"
                } else {
                    "event"
                };
                let mut args = Map::new();
                args.insert(head.into(), Json::String(display(program, &eval(name)?)));
                for (field, expr) in fields {
                    let value = eval(expr)?;
                    args.insert(
                        field.clone(),
                        value_to_json(program, &value, &Type::Unknown),
                    );
                }
                (
                    if head == "name" { "task" } else { "emit" },
                    Json::Object(args),
                )
            }
        };
        out.push(json!({
            "trigger": trigger.name,
            "action": kind,
            "args": args,
            "key": key(ruleset.hash(), &trigger.name, event, i),
        }));
    }
    Ok(out)
}
