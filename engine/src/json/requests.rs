//! The requests hosts send, typed: approvals granted (spec §12), workflow queries (spec §13–§14)
//! and configurator requests (spec §18). Every host either builds them directly or reads them
//! from the JSON shape the conformance suite uses with `from_json`, which checks every field and
//! names every bad value by its path; they also deserialise with serde from that same shape.
//!
//! - approvals: `{"CHAIN": {"STEP": GRANT | [GRANT, ...]}}`, a grant being `{"by"?: "ana",
//!   "role"?: "finance", "at"?: "RFC 3339", "facts"?: {"key": value}}`;
//! - a workflow request: `{"workflow", "state", "actor"?, "input"?, "as_of"?, "approvals"?,
//!   "event"? {"instance", "seq", "at", "entered_at"?, "previous_state"?}}`, plus
//!   `"transition"` to apply one, `"trigger"` for a timer that fell due, or `"previous_input"`
//!   for an update (spec §24); a start has no `"state"`. The actor is a role or
//!   `{"id", "roles"}`. A key a request does not know is an error, with a "did you mean".
//! - a configure request: `{"input"?: partial, "as_of"?, "complete"?: bool, "defaults"?:
//!   "unknown" | "apply", "context"?: ["customer", ...]}`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Map, Value as Json};

use super::input::parse_date;
use crate::error::{ErrorKind, EvalError, EvalResult};

/// Approvals already granted (spec §12, §22): per chain, per step, its grants, in the order
/// sent.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(try_from = "Json")]
pub struct Approvals {
    /// Each chain's name and, by step id, the step's grants in the order sent.
    pub chains: Vec<(String, StepGrants)>,
}

/// The grants of one chain: each step id with its grants, in the order sent.
pub type StepGrants = Vec<(String, Vec<Grant>)>;

/// One grant of an approval step (spec §22).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grant {
    /// The approver's id; a grant without one (or with an empty one) does not count.
    pub by: Option<String>,
    /// The role the approver granted under; when given, it must be one of the step's.
    pub role: Option<String>,
    /// When it was granted (kept for the audit; the order is judged on the grants given).
    pub at: Option<DateTime<Utc>>,
    /// The facts the approver saw: key → value, as the result's step listed them. The grant
    /// is `stale` once one of them is no longer the current value.
    pub facts: Option<Map<String, Json>>,
}

impl Grant {
    /// A grant by `by` with the facts the approver saw.
    pub fn by(by: impl Into<String>, facts: Map<String, Json>) -> Grant {
        Grant {
            by: Some(by.into()),
            facts: Some(facts),
            ..Grant::default()
        }
    }

    /// Reads one grant from its JSON form; `path` names it in errors.
    pub fn from_json(grant: &Json, path: &str) -> EvalResult<Grant> {
        let Some(grant) = grant.as_object() else {
            return Err(bad(
                path,
                "a grant must be an object {\"by\", \"role\"?, \"at\"?, \"facts\"}",
            ));
        };
        let text = |key: &str| match grant.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(
                &format!("{path}.{key}"),
                format!("`{key}` must be a text"),
            )),
        };
        let facts = match grant.get("facts") {
            None | Some(Json::Null) => None,
            Some(Json::Object(facts)) => Some(facts.clone()),
            Some(_) => {
                return Err(bad(
                    &format!("{path}.facts"),
                    "`facts` must be an object keyed by fact",
                ));
            }
        };
        let at = match text("at")? {
            None => None,
            Some(at) => Some(crate::date_text::read_instant(&at).ok_or_else(|| {
                bad(
                    &format!("{path}.at"),
                    format!("\"{at}\" is not an RFC 3339 timestamp"),
                )
            })?),
        };
        Ok(Grant {
            by: text("by")?,
            role: text("role")?,
            at,
            facts,
        })
    }
}

/// A workflow event as the host passes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The workflow instance (an order number, a case id).
    pub instance: String,
    /// The host's sequence number of this event within the instance.
    pub seq: u64,
    /// When the event happens.
    pub at: DateTime<Utc>,
    /// When the instance entered the state it is in before the event.
    pub entered_at: Option<DateTime<Utc>>,
    /// The state the instance was in before its current one (spec §24).
    pub previous_state: Option<String>,
}

/// Who acts (spec §24): an id, if known, and the roles the actor holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    /// The person's or system's id (`actor.id`).
    pub id: Option<String>,
    /// The roles the actor holds; `by` matches when any is allowed.
    pub roles: Vec<String>,
}

impl Actor {
    /// An actor known only by one role (the v0.1 form).
    pub fn role(role: &str) -> Actor {
        Actor {
            id: None,
            roles: vec![role.to_string()],
        }
    }

    /// Reads an actor from a role (a text) or `{"id", "roles"}`.
    pub fn from_json(actor: &Json) -> EvalResult<Actor> {
        match actor {
            Json::String(role) => Ok(Actor::role(role)),
            Json::Object(fields) => {
                check_keys(actor, "actor", &["id", "roles"])?;
                let id = match fields.get("id") {
                    None | Some(Json::Null) => None,
                    Some(Json::String(id)) => Some(id.clone()),
                    Some(_) => return Err(bad("actor.id", "`id` must be a text")),
                };
                let roles = match fields.get("roles") {
                    None | Some(Json::Null) => Vec::new(),
                    Some(Json::Array(roles)) => roles
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            r.as_str().map(str::to_string).ok_or_else(|| {
                                bad(&format!("actor.roles[{i}]"), "a role must be a text")
                            })
                        })
                        .collect::<EvalResult<_>>()?,
                    Some(_) => return Err(bad("actor.roles", "`roles` must be a list of texts")),
                };
                Ok(Actor { id, roles })
            }
            other => Err(bad(
                "actor",
                format!("the actor must be a role or {{\"id\", \"roles\"}}, not {other}"),
            )),
        }
    }
}

/// A key of `object` that `known` does not list is an error naming it, with a "did you mean".
fn check_keys(object: &Json, path: &str, known: &[&str]) -> EvalResult<()> {
    let Some(fields) = object.as_object() else {
        return Ok(());
    };
    for key in fields.keys() {
        if !known.contains(&key.as_str()) {
            let at = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            let mut error = EvalError::at_path(
                ErrorKind::UnknownField,
                &at,
                format!(
                    "the request has no field `{key}` (fields: {})",
                    known.join(", ")
                ),
            );
            if let Some(hint) = ordo_dsl::diagnostic::did_you_mean(key, known.iter().copied()) {
                error = error.with_hint(hint);
            }
            return Err(error);
        }
    }
    Ok(())
}

/// The keys every workflow request may carry.
const WORKFLOW_KEYS: [&str; 7] = [
    "workflow",
    "state",
    "actor",
    "input",
    "as_of",
    "approvals",
    "event",
];

fn workflow_keys_and(extra: &[&'static str]) -> Vec<&'static str> {
    WORKFLOW_KEYS.iter().chain(extra).copied().collect()
}

/// A workflow query (spec §13): an instance of `workflow` in `state`, for `actor`, with its
/// input and grants — what every workflow request carries. On its own it asks for the next
/// actions ([`crate::Ruleset::transitions`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "Json")]
pub struct WorkflowRequest {
    /// The workflow's name.
    pub workflow: String,
    /// The state the instance is in.
    pub state: String,
    /// Who acts, if anyone: a role, or an id with roles.
    pub actor: Option<Actor>,
    /// The instance's complete input (an object).
    pub input: Json,
    /// The evaluation date.
    pub as_of: Option<NaiveDate>,
    /// The grants of the approval chains.
    pub approvals: Option<Approvals>,
    /// The event (needed to apply a transition or fire a timer).
    pub event: Option<Event>,
}

/// The next actions of a workflow instance (spec §13).
pub type TransitionsRequest = WorkflowRequest;

/// Apply `transition` to a workflow instance (spec §13).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "Json")]
pub struct ApplyRequest {
    /// The instance, its input and the event.
    pub workflow: WorkflowRequest,
    /// The transition's name.
    pub transition: String,
}

/// A `stay … after` timer, `trigger`, fell due for a workflow instance (spec §14).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "Json")]
pub struct TimerRequest {
    /// The instance, its input and the event.
    pub workflow: WorkflowRequest,
    /// The timer trigger's name.
    pub trigger: String,
}

/// Start a workflow instance (spec §24): its initial state, owner, SLA, actions and timers.
/// The `state` of the request is not used (an instance starts in the initial state).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "Json")]
pub struct StartRequest {
    /// The instance, its input and the event that starts it.
    pub workflow: WorkflowRequest,
}

/// The instance's data changed (spec §24): the `on change` and `on becomes` actions and the
/// timers to re-arm or cancel in its current state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "Json")]
pub struct UpdateRequest {
    /// The instance, its new input and the event.
    pub workflow: WorkflowRequest,
    /// The input before the change (an object).
    pub previous_input: Json,
}

/// Option availability for a partial input (spec §18).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(try_from = "Json")]
pub struct ConfigureRequest {
    /// The partial input (an object): absent fields are unknown.
    pub input: Json,
    /// The evaluation date.
    pub as_of: Option<NaiveDate>,
    /// Also disable options that lead only to dead ends (a bounded search).
    pub complete: bool,
    /// What fields left unset count as for the outputs and prices.
    pub defaults: Defaults,
    /// Input paths that are context (the customer, a segment), not choices: the fields at or
    /// under them are not offered as options.
    pub context: Vec<String>,
}

/// What a configure request's unset fields count as for its outputs and prices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Defaults {
    /// Unknown: outputs and lines that read them are `null` until the user picks (spec §18).
    #[default]
    Unknown,
    /// Their declared defaults (`none` for optional fields), so a configurator shows a price
    /// from the first click. Options are still computed with the unset fields unknown.
    Apply,
}

impl Defaults {
    /// Reads `"unknown"` or `"apply"`.
    pub fn parse(text: &str) -> EvalResult<Defaults> {
        match text {
            "unknown" => Ok(Defaults::Unknown),
            "apply" => Ok(Defaults::Apply),
            other => Err(bad(
                "defaults",
                format!("`defaults` must be \"unknown\" or \"apply\", not \"{other}\""),
            )),
        }
    }
}

fn bad(path: &str, message: impl Into<String>) -> EvalError {
    EvalError::at_path(ErrorKind::InvalidRequest, path, message)
}

/// The request's `input`, an empty object when absent.
fn input_of(request: &Json) -> Json {
    request
        .get("input")
        .cloned()
        .unwrap_or_else(|| Json::Object(Map::new()))
}

/// Text field `key`, if present and not null.
fn text_field<'j>(request: &'j Json, key: &str) -> EvalResult<Option<&'j str>> {
    match request.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(other) => Err(bad(key, format!("`{key}` must be a string, not {other}"))),
    }
}

/// Text field `key`, which must be present.
fn required_text(request: &Json, key: &str) -> EvalResult<String> {
    text_field(request, key)?
        .map(str::to_string)
        .ok_or_else(|| bad(key, format!("the request needs `{key}`")))
}

impl Approvals {
    /// Adds `grant` to step `step` of chain `chain`, after the step's grants so far.
    pub fn grant(&mut self, chain: &str, step: &str, grant: Grant) {
        if !self.chains.iter().any(|(name, _)| name == chain) {
            self.chains.push((chain.to_string(), Vec::new()));
        }
        let Some((_, steps)) = self.chains.iter_mut().find(|(name, _)| name == chain) else {
            return;
        };
        match steps.iter_mut().find(|(id, _)| id == step) {
            Some((_, grants)) => grants.push(grant),
            None => steps.push((step.to_string(), vec![grant])),
        }
    }

    /// Reads approvals from their JSON form, naming the first bad value by its path.
    pub fn from_json(granted: &Json) -> EvalResult<Approvals> {
        let Some(chains) = granted.as_object() else {
            return Err(bad(
                "approvals",
                "the approvals must be an object keyed by chain",
            ));
        };
        let mut read = Vec::with_capacity(chains.len());
        for (chain, steps) in chains {
            let Some(steps) = steps.as_object() else {
                return Err(bad(
                    &format!("approvals.{chain}"),
                    "the grants of a chain must be an object keyed by step",
                ));
            };
            let mut read_steps = Vec::with_capacity(steps.len());
            for (step, grants) in steps {
                let path = format!("approvals.{chain}.{step}");
                // A step takes one grant or a list of them.
                let grants = match grants {
                    Json::Array(grants) => grants
                        .iter()
                        .enumerate()
                        .map(|(i, grant)| Grant::from_json(grant, &format!("{path}[{i}]")))
                        .collect::<EvalResult<Vec<_>>>()?,
                    grant => vec![Grant::from_json(grant, &path)?],
                };
                read_steps.push((step.clone(), grants));
            }
            read.push((chain.clone(), read_steps));
        }
        Ok(Approvals { chains: read })
    }
}

impl Event {
    /// Reads an event from its JSON form `{instance, seq, at, entered_at}`.
    pub fn from_json(event: &Json) -> EvalResult<Event> {
        if !event.is_object() {
            return Err(bad(
                "event",
                "the event must be an object {instance, seq, at, entered_at}",
            ));
        }
        let instance = match event.get("instance") {
            Some(Json::String(s)) => s.clone(),
            Some(Json::Number(n)) => n.to_string(),
            _ => {
                return Err(bad(
                    "event.instance",
                    "the event needs an `instance` id (a string)",
                ));
            }
        };
        let seq = match event.get("seq") {
            Some(Json::Number(n)) => n.as_u64(),
            Some(Json::String(s)) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| bad("event.seq", "the event needs `seq`, a whole number >= 0"))?;
        let at = timestamp(event, "at")?
            .ok_or_else(|| bad("event.at", "the event needs `at` (RFC 3339)"))?;
        let entered_at = timestamp(event, "entered_at")?;
        let previous_state = match event.get("previous_state") {
            None | Some(Json::Null) => None,
            Some(Json::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(bad(
                    "event.previous_state",
                    "`previous_state` must be a state's name",
                ));
            }
        };
        check_keys(
            event,
            "event",
            &["instance", "seq", "at", "entered_at", "previous_state"],
        )?;
        let event = Event {
            instance,
            seq,
            at,
            entered_at,
            previous_state,
        };
        super::clock::check(&event)?;
        Ok(event)
    }
}

fn timestamp(event: &Json, key: &str) -> EvalResult<Option<DateTime<Utc>>> {
    match event.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => crate::date_text::read_instant(s).map(Some).ok_or_else(|| {
            bad(
                &format!("event.{key}"),
                format!("\"{s}\" is not an RFC 3339 timestamp"),
            )
        }),
        Some(other) => Err(bad(
            &format!("event.{key}"),
            format!("`{key}` must be an RFC 3339 string, not {other}"),
        )),
    }
}

impl WorkflowRequest {
    /// Reads a workflow request from its JSON form, naming the first bad value by its path.
    pub fn from_json(request: &Json) -> EvalResult<WorkflowRequest> {
        check_keys(request, "", &WORKFLOW_KEYS)?;
        Self::read(request)
    }

    fn read(request: &Json) -> EvalResult<WorkflowRequest> {
        if !request.is_object() {
            return Err(EvalError::new(
                ErrorKind::InvalidRequest,
                "the request must be a JSON object",
            ));
        }
        let workflow = required_text(request, "workflow")?;
        let state = required_text(request, "state")?;
        let actor = match request.get("actor") {
            None | Some(Json::Null) => None,
            Some(actor) => Some(Actor::from_json(actor)?),
        };
        let as_of = text_field(request, "as_of")?.map(parse_date).transpose()?;
        let approvals = match request.get("approvals") {
            None => None,
            Some(granted) => Some(Approvals::from_json(granted)?),
        };
        let event = match request.get("event") {
            None | Some(Json::Null) => None,
            Some(event) => Some(Event::from_json(event)?),
        };
        Ok(WorkflowRequest {
            workflow,
            state,
            actor,
            input: input_of(request),
            as_of,
            approvals,
            event,
        })
    }
}

impl ApplyRequest {
    /// Reads a request to apply a transition from its JSON form.
    pub fn from_json(request: &Json) -> EvalResult<ApplyRequest> {
        check_keys(request, "", &workflow_keys_and(&["transition"]))?;
        let workflow = WorkflowRequest::read(request)?;
        Ok(ApplyRequest {
            workflow,
            transition: required_text(request, "transition")?,
        })
    }
}

impl TimerRequest {
    /// Reads a request for a timer that fell due from its JSON form.
    pub fn from_json(request: &Json) -> EvalResult<TimerRequest> {
        check_keys(request, "", &workflow_keys_and(&["trigger"]))?;
        let workflow = WorkflowRequest::read(request)?;
        Ok(TimerRequest {
            workflow,
            trigger: required_text(request, "trigger")?,
        })
    }
}

impl StartRequest {
    /// Reads a request to start an instance from its JSON form (no `state`).
    pub fn from_json(request: &Json) -> EvalResult<StartRequest> {
        check_keys(request, "", &WORKFLOW_KEYS)?;
        let mut with_state = request.clone();
        if let Some(fields) = with_state.as_object_mut() {
            fields
                .entry("state")
                .or_insert_with(|| Json::String(String::new()));
        }
        Ok(StartRequest {
            workflow: WorkflowRequest::read(&with_state)?,
        })
    }
}

impl UpdateRequest {
    /// Reads an update (the new `input` and the `previous_input`) from its JSON form.
    pub fn from_json(request: &Json) -> EvalResult<UpdateRequest> {
        check_keys(request, "", &workflow_keys_and(&["previous_input"]))?;
        let workflow = WorkflowRequest::read(request)?;
        let previous_input = match request.get("previous_input") {
            Some(previous @ Json::Object(_)) => previous.clone(),
            Some(_) => {
                return Err(bad(
                    "previous_input",
                    "`previous_input` must be an object, as `input`",
                ));
            }
            None => return Err(bad("previous_input", "an update needs `previous_input`")),
        };
        Ok(UpdateRequest {
            workflow,
            previous_input,
        })
    }
}

impl ConfigureRequest {
    /// Reads a configure request from its JSON form.
    pub fn from_json(request: &Json) -> EvalResult<ConfigureRequest> {
        if !request.is_object() {
            return Err(bad(
                "",
                "the request must be a JSON object {\"input\": {...}}",
            ));
        }
        check_keys(
            request,
            "",
            &["input", "as_of", "complete", "defaults", "context"],
        )?;
        let as_of = match request.get("as_of") {
            None | Some(Json::Null) => None,
            Some(Json::String(s)) => Some(parse_date(s)?),
            Some(_) => return Err(bad("as_of", "`as_of` must be a date string YYYY-MM-DD")),
        };
        let complete = match request.get("complete") {
            None | Some(Json::Null) => false,
            Some(Json::Bool(b)) => *b,
            Some(_) => return Err(bad("complete", "`complete` must be true or false")),
        };
        let defaults = match request.get("defaults") {
            None | Some(Json::Null) => Defaults::Unknown,
            Some(Json::String(s)) => Defaults::parse(s)?,
            Some(_) => {
                return Err(bad(
                    "defaults",
                    "`defaults` must be \"unknown\" or \"apply\"",
                ));
            }
        };
        let context_error = || bad("context", "`context` must be a list of input paths");
        let context = match request.get("context") {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Array(paths)) => paths
                .iter()
                .map(|p| p.as_str().map(str::to_string).ok_or_else(context_error))
                .collect::<EvalResult<_>>()?,
            Some(_) => return Err(context_error()),
        };
        Ok(ConfigureRequest {
            input: input_of(request),
            as_of,
            complete,
            defaults,
            context,
        })
    }
}

/// `TryFrom<Json>` for each request, so serde reads them through `from_json`.
macro_rules! try_from_json {
    ($($request:ty),*) => {$(
        impl TryFrom<Json> for $request {
            type Error = EvalError;

            fn try_from(json: Json) -> EvalResult<Self> {
                <$request>::from_json(&json)
            }
        }
    )*};
}

try_from_json!(
    Approvals,
    WorkflowRequest,
    ApplyRequest,
    TimerRequest,
    StartRequest,
    UpdateRequest,
    ConfigureRequest
);
