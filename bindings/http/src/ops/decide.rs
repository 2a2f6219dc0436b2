//! The engine decides every event of an instance: this module builds the engine's requests
//! from what the store holds (state, input, `seq`, entry time, grants) and turns the engine's
//! answers into what the store records. Nothing here chooses a state, an owner, a due time,
//! an action or a timer: each comes from the engine's answer as it is.

use chrono::{DateTime, SecondsFormat, Utc};
use ordo_engine::{
    ApplyRequest, Approvals, EvalOptions, Ruleset, StartRequest, TimerRequest, TransitionsRequest,
    UpdateRequest,
};
use serde_json::{Map, Value as Json, json};

use super::{Decision, HistoryEvent, Instance, OutboxAction, PendingStep, Timer, TimerChange};
use crate::auth::Person;
use crate::error::ApiError;
use crate::store;

/// What one event does, as the engine decided it.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The instance after the event (`None`: unchanged).
    pub row: Option<Instance>,
    pub history: HistoryEvent,
    pub timers: TimerChange,
    pub actions: Vec<OutboxAction>,
    pub decision: Option<Decision>,
    pub pending: Option<Vec<PendingStep>>,
    /// The engine's answer, for the caller.
    pub answer: Json,
}

/// The time as requests carry it (RFC 3339, UTC).
fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn micros_text(micros: i64) -> String {
    store::format_micros(micros)
}

fn actor_json(person: &Person) -> Json {
    json!({"id": person.id, "roles": person.roles})
}

/// The engine's event for the instance's next `seq`.
pub fn event(instance: &Instance, seq: i64, now: DateTime<Utc>) -> Json {
    let mut event = json!({
        "instance": instance.id,
        "seq": seq,
        "at": rfc3339(now),
        "entered_at": micros_text(instance.entered_at),
    });
    if let (Some(previous), Some(fields)) = (&instance.previous_state, event.as_object_mut()) {
        fields.insert("previous_state".into(), json!(previous));
    }
    event
}

/// The grants of an instance, as the engine reads approvals (rejections do not count).
pub fn approvals_json(decisions: &[Decision]) -> Json {
    let mut chains = Map::new();
    for decision in decisions.iter().filter(|d| d.decision == "grant") {
        let steps = chains
            .entry(decision.chain.clone())
            .or_insert_with(|| Json::Object(Map::new()));
        let Some(steps) = steps.as_object_mut() else {
            continue;
        };
        let grants = steps
            .entry(decision.step.clone())
            .or_insert_with(|| Json::Array(Vec::new()));
        if let Some(grants) = grants.as_array_mut() {
            let facts: Json = serde_json::from_str(&decision.facts).unwrap_or(Json::Null);
            let mut grant = json!({"by": decision.person, "at": micros_text(decision.at)});
            if let Some(fields) = grant.as_object_mut() {
                if let Some(role) = &decision.role {
                    fields.insert("role".into(), json!(role));
                }
                if facts.is_object() {
                    fields.insert("facts".into(), facts);
                }
            }
            grants.push(grant);
        }
    }
    Json::Object(chains)
}

fn engine<T>(result: ordo_engine::EvalResult<T>) -> Result<T, ApiError> {
    result.map_err(|e| ApiError::from_eval(&e))
}

/// A stored input, as JSON.
pub fn parse_input(text: &str) -> Result<Json, ApiError> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::internal(format!("a stored input is not JSON: {e}")))
}

/// The engine's actions, for the outbox.
fn outbox_actions(actions: &Json) -> Vec<OutboxAction> {
    actions
        .as_array()
        .map(|actions| {
            actions
                .iter()
                .map(|action| OutboxAction {
                    key: text(action, "key").unwrap_or_default(),
                    trigger: text(action, "trigger").unwrap_or_default(),
                    action: ordo_engine::to_json_string(action),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The engine's `timers` (`[{trigger, due}]`).
fn timers(result: &Json) -> Result<Vec<Timer>, ApiError> {
    let Some(timers) = result.get("timers").and_then(Json::as_array) else {
        return Ok(Vec::new());
    };
    timers
        .iter()
        .map(|timer| {
            let trigger = text(timer, "trigger");
            let due = text(timer, "due").and_then(|d| store::parse_time(&d));
            match (trigger, due) {
                (Some(trigger), Some(due_at)) => Ok(Timer { trigger, due_at }),
                _ => Err(ApiError::internal(format!(
                    "the engine gave a timer without a trigger or due time: {timer}"
                ))),
            }
        })
        .collect()
}

fn text(json: &Json, key: &str) -> Option<String> {
    json.get(key).and_then(Json::as_str).map(str::to_string)
}

fn due(result: &Json) -> Option<i64> {
    text(result, "due").and_then(|d| store::parse_time(&d))
}

fn history(
    kind: &str,
    name: Option<&str>,
    seq: i64,
    person: &Person,
    now: DateTime<Utc>,
    states: (Option<&str>, Option<&str>),
    actions: &Json,
) -> HistoryEvent {
    HistoryEvent {
        kind: kind.to_string(),
        name: name.map(str::to_string),
        seq,
        actor: person.id.clone(),
        actor_roles: serde_json::to_string(&person.roles).unwrap_or_else(|_| "[]".into()),
        at: now.timestamp_micros(),
        from_state: states.0.map(str::to_string),
        to_state: states.1.map(str::to_string),
        actions: ordo_engine::to_json_string(actions),
        detail: None,
    }
}

/// What stays true of an instance after an event: its owner, SLA due time and the approval
/// steps that wait, from the engine's next actions and evaluation of `input` in `state`.
struct Standing {
    owner: Option<String>,
    due_at: Option<i64>,
    pending: Vec<PendingStep>,
}

fn standing(
    ruleset: &Ruleset,
    instance: &Instance,
    input: &Json,
    approvals: &Json,
    now: DateTime<Utc>,
) -> Result<Standing, ApiError> {
    let request = json!({
        "workflow": instance.workflow,
        "state": instance.state,
        "input": input,
        "approvals": approvals,
        "as_of": now.date_naive().to_string(),
        "event": event(instance, instance.seq, now),
    });
    let next = engine(ruleset.transitions(&engine(TransitionsRequest::from_json(&request))?))?;
    // The steps each outgoing transition still waits for, by chain.
    let mut waiting: Vec<(String, String, &'static str)> = Vec::new();
    for transition in next
        .get("transitions")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        for reason in transition
            .get("reasons")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter(|r| r.get("kind").and_then(Json::as_str) == Some("approvals"))
        {
            let chain = text(reason, "chain").unwrap_or_default();
            for (status, key) in [("pending", "pending"), ("stale", "stale")] {
                for step in reason
                    .get(key)
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                {
                    if !waiting.iter().any(|(c, s, _)| *c == chain && s == step) {
                        waiting.push((chain.clone(), step.to_string(), status));
                    }
                }
            }
        }
    }
    let mut pending = Vec::with_capacity(waiting.len());
    if !waiting.is_empty() {
        let evaluation = evaluate(ruleset, input, approvals, now)?;
        for (chain, step, status) in waiting {
            let Some(found) = find_step(&evaluation, &chain, &step) else {
                continue;
            };
            pending.push(PendingStep {
                label: text(found, "label").unwrap_or_else(|| step.clone()),
                roles: ordo_engine::to_json_string(&Json::Array(step_roles(found))),
                status: status.to_string(),
                facts: ordo_engine::to_json_string(found.get("facts").unwrap_or(&json!({}))),
                granted_by: ordo_engine::to_json_string(
                    found.get("granted_by").unwrap_or(&json!([])),
                ),
                chain,
                step,
            });
        }
    }
    Ok(Standing {
        owner: text(&next, "owner"),
        due_at: due(&next),
        pending,
    })
}

/// The engine's evaluation of `input` at `now`, with the grants `approvals`.
pub fn evaluate(
    ruleset: &Ruleset,
    input: &Json,
    approvals: &Json,
    now: DateTime<Utc>,
) -> Result<Json, ApiError> {
    let options = EvalOptions {
        as_of: Some(now.date_naive()),
        trace: false,
        approvals: Some(engine(Approvals::from_json(approvals))?),
        at: Some(now),
    };
    engine(ruleset.evaluate(input, &options))
}

/// A step of a chain in an evaluation's `approvals`.
fn find_step<'e>(evaluation: &'e Json, chain: &str, step: &str) -> Option<&'e Json> {
    evaluation
        .get("approvals")?
        .get(chain)?
        .get("steps")?
        .as_array()?
        .iter()
        .find(|s| s.get("id").and_then(Json::as_str) == Some(step))
}

/// The roles that may decide a step (`role`, or `roles` when it names several).
fn step_roles(step: &Json) -> Vec<Json> {
    match step.get("roles").and_then(Json::as_array) {
        Some(roles) => roles.clone(),
        None => step.get("role").into_iter().cloned().collect(),
    }
}

/// What starting an instance needs.
pub struct StartInput<'a> {
    pub id: &'a str,
    pub workflow: &'a str,
    pub input: &'a Json,
    pub person: &'a Person,
    pub caller: &'a str,
    pub now: DateTime<Utc>,
}

/// Starts an instance: the engine gives its initial state, owner, SLA due time, the actions
/// of its `enter` triggers and its timers.
pub fn start(ruleset: &Ruleset, start: &StartInput<'_>) -> Result<Decided, ApiError> {
    let at = start.now.timestamp_micros();
    let request = json!({
        "workflow": start.workflow,
        "input": start.input,
        "actor": actor_json(start.person),
        "as_of": start.now.date_naive().to_string(),
        "event": {"instance": start.id, "seq": 1, "at": rfc3339(start.now)},
    });
    let result = engine(ruleset.start(&engine(StartRequest::from_json(&request))?))?;
    let state = text(&result, "state")
        .ok_or_else(|| ApiError::internal("the engine's start gave no state"))?;
    let mut row = Instance {
        id: start.id.to_string(),
        ruleset: ruleset.name().to_string(),
        version: ruleset.version().to_string(),
        hash: ruleset.hash().to_string(),
        workflow: start.workflow.to_string(),
        state: state.clone(),
        previous_state: None,
        owner: text(&result, "owner"),
        due_at: due(&result),
        input: ordo_engine::to_json_string(start.input),
        seq: 1,
        entered_at: at,
        created_at: at,
        created_by: start.caller.to_string(),
        updated_at: at,
    };
    let standing = standing(ruleset, &row, start.input, &json!({}), start.now)?;
    row.owner = standing.owner.or(row.owner);
    let actions = result.get("actions").cloned().unwrap_or(json!([]));
    Ok(Decided {
        history: history(
            "start",
            None,
            1,
            start.person,
            start.now,
            (None, Some(&state)),
            &actions,
        ),
        timers: TimerChange::Replace(timers(&result)?),
        actions: outbox_actions(&actions),
        decision: None,
        pending: Some(standing.pending),
        row: Some(row),
        answer: result,
    })
}

/// Applies `transition`; the engine checks the actor's roles, guards and approvals.
pub fn apply(
    ruleset: &Ruleset,
    instance: &Instance,
    decisions: &[Decision],
    transition: &str,
    person: &Person,
    now: DateTime<Utc>,
) -> Result<Decided, ApiError> {
    let input = parse_input(&instance.input)?;
    let approvals = approvals_json(decisions);
    let seq = instance.seq + 1;
    let request = json!({
        "workflow": instance.workflow,
        "state": instance.state,
        "transition": transition,
        "actor": actor_json(person),
        "input": input,
        "approvals": approvals,
        "as_of": now.date_naive().to_string(),
        "event": event(instance, seq, now),
    });
    let result = engine(ruleset.apply(&engine(ApplyRequest::from_json(&request))?))?;
    let to = text(&result, "to")
        .ok_or_else(|| ApiError::internal("the engine's apply gave no target state"))?;
    let at = now.timestamp_micros();
    let mut row = Instance {
        state: to.clone(),
        previous_state: Some(instance.state.clone()),
        owner: text(&result, "owner"),
        due_at: due(&result),
        seq,
        entered_at: at,
        updated_at: at,
        ..instance.clone()
    };
    let standing = standing(ruleset, &row, &input, &approvals, now)?;
    row.owner = standing.owner.or(row.owner);
    let actions = result.get("actions").cloned().unwrap_or(json!([]));
    Ok(Decided {
        history: history(
            "apply",
            Some(transition),
            seq,
            person,
            now,
            (Some(&instance.state), Some(&to)),
            &actions,
        ),
        timers: TimerChange::Replace(timers(&result)?),
        actions: outbox_actions(&actions),
        decision: None,
        pending: Some(standing.pending),
        row: Some(row),
        answer: result,
    })
}

/// The instance's input changed: the engine gives the `on change`/`on becomes` actions and
/// the timers to re-arm or cancel.
pub fn update(
    ruleset: &Ruleset,
    instance: &Instance,
    decisions: &[Decision],
    input: &Json,
    person: &Person,
    now: DateTime<Utc>,
) -> Result<Decided, ApiError> {
    let previous = parse_input(&instance.input)?;
    let approvals = approvals_json(decisions);
    let seq = instance.seq + 1;
    let request = json!({
        "workflow": instance.workflow,
        "state": instance.state,
        "actor": actor_json(person),
        "input": input,
        "previous_input": previous,
        "approvals": approvals,
        "as_of": now.date_naive().to_string(),
        "event": event(instance, seq, now),
    });
    let result = engine(ruleset.update(&engine(UpdateRequest::from_json(&request))?))?;
    let mut row = Instance {
        input: ordo_engine::to_json_string(input),
        seq,
        updated_at: now.timestamp_micros(),
        ..instance.clone()
    };
    let standing = standing(ruleset, &row, input, &approvals, now)?;
    row.owner = standing.owner;
    row.due_at = standing.due_at;
    let cancel = result
        .get("cancel")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| text(c, "trigger"))
        .collect();
    let actions = result.get("actions").cloned().unwrap_or(json!([]));
    Ok(Decided {
        history: history(
            "update",
            None,
            seq,
            person,
            now,
            (Some(&instance.state), Some(&instance.state)),
            &actions,
        ),
        timers: TimerChange::Adjust {
            arm: timers(&result)?,
            cancel,
        },
        actions: outbox_actions(&actions),
        decision: None,
        pending: Some(standing.pending),
        row: Some(row),
        answer: result,
    })
}

/// A stored timer fell due: the engine re-checks it. A timer that fires is an event (the
/// next `seq`); one that does not is disarmed, with the engine's reason in the history.
pub fn fire_timer(
    ruleset: &Ruleset,
    instance: &Instance,
    decisions: &[Decision],
    trigger: &str,
    now: DateTime<Utc>,
) -> Result<Decided, ApiError> {
    let input = parse_input(&instance.input)?;
    let seq = instance.seq + 1;
    let request = json!({
        "workflow": instance.workflow,
        "state": instance.state,
        "trigger": trigger,
        "input": input,
        "approvals": approvals_json(decisions),
        "as_of": now.date_naive().to_string(),
        "event": event(instance, seq, now),
    });
    let result = engine(ruleset.fire_timer(&engine(TimerRequest::from_json(&request))?))?;
    let fired = result.get("fired").and_then(Json::as_bool) == Some(true);
    let scheduler = Person {
        id: SCHEDULER.to_string(),
        roles: Vec::new(),
    };
    let actions = result.get("actions").cloned().unwrap_or(json!([]));
    let (row, seq) = if fired {
        let row = Instance {
            seq,
            updated_at: now.timestamp_micros(),
            ..instance.clone()
        };
        (Some(row), seq)
    } else {
        (None, instance.seq)
    };
    let mut history = history(
        "timer",
        Some(trigger),
        seq,
        &scheduler,
        now,
        (Some(&instance.state), Some(&instance.state)),
        &actions,
    );
    if !fired {
        history.detail = Some(ordo_engine::to_json_string(
            &json!({"fired": false, "reason": result.get("reason")}),
        ));
    }
    Ok(Decided {
        row,
        history,
        timers: TimerChange::Disarm(trigger.to_string()),
        actions: if fired {
            outbox_actions(&actions)
        } else {
            Vec::new()
        },
        decision: None,
        pending: None,
        answer: result,
    })
}

/// The actor the scheduler's events name.
pub const SCHEDULER: &str = "scheduler";

/// Why a person may not decide a step.
#[derive(Debug)]
pub enum StepRefusal {
    /// The step does not wait for anyone now (not required, or not in this state).
    NotWaiting(String),
    /// The person holds none of the step's roles.
    NotTheirs(String),
    /// The engine refused.
    Engine(ApiError),
}

impl From<ApiError> for StepRefusal {
    fn from(error: ApiError) -> StepRefusal {
        StepRefusal::Engine(error)
    }
}

/// A decision a person asks for on one step.
pub struct StepRequest<'a> {
    pub chain: &'a str,
    pub step: &'a str,
    /// `grant` or `reject`.
    pub verdict: &'a str,
    pub person: &'a Person,
    pub now: DateTime<Utc>,
}

/// A person grants (`grant`) or rejects (`reject`) a step: the facts are copied from the
/// current evaluation, the role is the first of theirs the step names, and the steps that
/// wait are computed again with the decision in place.
pub fn decide(
    ruleset: &Ruleset,
    instance: &Instance,
    decisions: &[Decision],
    request: &StepRequest<'_>,
) -> Result<Decided, StepRefusal> {
    let StepRequest {
        chain,
        step,
        verdict,
        person,
        now,
    } = *request;
    let input = parse_input(&instance.input)?;
    let standing_before = standing(ruleset, instance, &input, &approvals_json(decisions), now)?;
    let Some(waiting) = standing_before
        .pending
        .iter()
        .find(|p| p.chain == chain && p.step == step)
    else {
        return Err(StepRefusal::NotWaiting(format!(
            "step `{step}` of chain `{chain}` does not wait for a decision in state `{}`",
            instance.state
        )));
    };
    let roles: Vec<String> = serde_json::from_str(&waiting.roles).unwrap_or_default();
    let Some(role) = person.roles.iter().find(|r| roles.contains(r)) else {
        return Err(StepRefusal::NotTheirs(format!(
            "`{}` holds none of the roles of step `{step}` ({})",
            person.id,
            roles.join(", ")
        )));
    };
    let decision = Decision {
        chain: chain.to_string(),
        step: step.to_string(),
        person: person.id.clone(),
        role: Some(role.clone()),
        decision: verdict.to_string(),
        facts: waiting.facts.clone(),
        at: now.timestamp_micros(),
    };
    let mut after: Vec<Decision> = decisions
        .iter()
        .filter(|d| !(d.chain == chain && d.step == step && d.person == person.id))
        .cloned()
        .collect();
    after.push(decision.clone());
    let approvals = approvals_json(&after);
    let standing = standing(ruleset, instance, &input, &approvals, now)?;
    let status = find_step(&evaluate(ruleset, &input, &approvals, now)?, chain, step).cloned();
    let facts: Json = serde_json::from_str(&decision.facts).unwrap_or(Json::Null);
    let name = format!("{chain}.{step}");
    let mut history = history(
        verdict,
        Some(&name),
        instance.seq,
        person,
        now,
        (Some(&instance.state), Some(&instance.state)),
        &json!([]),
    );
    history.detail = Some(ordo_engine::to_json_string(
        &json!({"role": role, "facts": facts}),
    ));
    let answer = json!({
        "instance": instance.id,
        "chain": chain,
        "step": step,
        "decision": verdict,
        "by": person.id,
        "role": role,
        "facts": facts,
        "at": rfc3339(now),
        "status": status,
    });
    Ok(Decided {
        row: Some(Instance {
            owner: standing.owner.or_else(|| instance.owner.clone()),
            updated_at: now.timestamp_micros(),
            ..instance.clone()
        }),
        history,
        timers: TimerChange::Keep,
        actions: Vec::new(),
        decision: Some(decision),
        pending: Some(standing.pending),
        answer,
    })
}
