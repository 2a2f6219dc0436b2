//! Trigger actions as data (spec §14), with idempotency keys, and the timers a state arms.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};

use super::request::Request;
use crate::error::EvalResult;
use crate::eval::Evaluator;
use crate::ir::Program;
use crate::ir::display::display;
use crate::ir::workflow::{Action, NotifyTarget, StateId, Trigger, TriggerEvent};
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

/// The actions of every trigger that moving from the request's state through transition
/// `transition` to `to` fires: `exit` of the old state, the transition, `enter` of the new
/// state, in the triggers' declaration order. In `exit` and `transition` triggers `entered_at`
/// is when the instance entered the state it leaves; in `enter` triggers it is the event time.
pub fn fired(
    ruleset: &Ruleset,
    ev: &mut Evaluator<'_>,
    request: &Request<'_, '_>,
    transition: u32,
    to: StateId,
    event: &Event,
) -> EvalResult<Vec<Json>> {
    let program = ruleset.program();
    let owner = request
        .workflow
        .states
        .get(to as usize)
        .and_then(|s| s.owner.clone());
    let mut out = Vec::new();
    for trigger in program
        .triggers
        .iter()
        .filter(|t| t.workflow == request.workflow_index)
    {
        let entered_at = match trigger.event {
            TriggerEvent::Exit(s) if s == request.state => event.entered_at,
            TriggerEvent::Transition(t) if t == transition => event.entered_at,
            TriggerEvent::Enter(s) if s == to => Some(event.at),
            _ => continue,
        };
        ev.context.entered_at = entered_at;
        if let Some(when) = &trigger.when
            && ev.eval(when).map_err(|e| e.or_rule(&trigger.name))? != Value::Bool(true)
        {
            continue;
        }
        out.extend(of_trigger(ruleset, ev, trigger, owner.as_deref(), event)?);
    }
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
        let mut eval = |e: &crate::ir::Expr| ev.eval(e).map_err(|err| err.or_rule(&trigger.name));
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

/// The timers entering `state` arms: every `stay STATE after D` trigger, due at event time + D.
pub fn timers(program: &Program, workflow: u32, state: StateId, event: &Event) -> Vec<Json> {
    program
        .triggers
        .iter()
        .filter(|t| t.workflow == workflow)
        .filter_map(|t| match t.event {
            TriggerEvent::Stay(s, after) if s == state => Some(json!({
                "trigger": t.name,
                "due": timestamp(event.at + chrono::Duration::seconds(after)),
            })),
            _ => None,
        })
        .collect()
}
