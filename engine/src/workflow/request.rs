//! Reading a workflow request: every field checked, every bad value named.

use chrono::{DateTime, NaiveDate, Utc};
use ordo_dsl::diagnostic::did_you_mean;
use serde_json::{Map, Value as Json};

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::ir::Program;
use crate::ir::workflow::{StateId, Workflow};
use crate::json::input::{Absent, parse_date, read_input};
use crate::value::Value;

/// A workflow event as the host passes it.
#[derive(Debug, Clone)]
pub struct Event {
    /// The workflow instance (an order number, a case id).
    pub instance: String,
    /// The host's sequence number of this event within the instance.
    pub seq: u64,
    /// When the event happens.
    pub at: DateTime<Utc>,
    /// When the instance entered the state it is in before the event.
    pub entered_at: Option<DateTime<Utc>>,
}

/// A checked request.
pub struct Request<'p, 'j> {
    pub workflow_index: u32,
    pub workflow: &'p Workflow,
    pub state: StateId,
    pub actor: Option<String>,
    pub inputs: Vec<Value>,
    pub as_of: Option<NaiveDate>,
    pub approvals: Option<&'j Map<String, Json>>,
    pub event: Option<Event>,
}

fn bad(path: &str, message: String) -> EvalError {
    EvalError::at_path(ErrorKind::InvalidRequest, path, message)
}

fn text_field<'j>(request: &'j Json, key: &str) -> EvalResult<Option<&'j str>> {
    match request.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(other) => Err(bad(key, format!("`{key}` must be a string, not {other}"))),
    }
}

/// `key` must be present and a string.
pub fn required_text<'j>(request: &'j Json, key: &str) -> EvalResult<&'j str> {
    text_field(request, key)?.ok_or_else(|| bad(key, format!("the request needs `{key}`")))
}

/// Reads the parts every workflow query shares.
pub fn read<'p, 'j>(program: &'p Program, request: &'j Json) -> EvalResult<Request<'p, 'j>> {
    if !request.is_object() {
        return Err(EvalError::new(
            ErrorKind::InvalidRequest,
            "the request must be a JSON object",
        ));
    }
    let name = required_text(request, "workflow")?;
    let Some(index) = program.workflows.iter().position(|w| w.name == name) else {
        let names: Vec<&str> = program.workflows.iter().map(|w| w.name.as_str()).collect();
        return Err(unknown("workflow", "workflow", name, &names));
    };
    let Some(workflow) = program.workflows.get(index) else {
        return Err(bad("workflow", format!("no workflow `{name}`")));
    };
    let state_name = required_text(request, "state")?;
    let state = state_id(workflow, state_name, "state")?;
    let actor = match text_field(request, "actor")? {
        Some(role) if !program.roles.iter().any(|r| r == role) => {
            let roles: Vec<&str> = program.roles.iter().map(String::as_str).collect();
            return Err(unknown("actor", "role", role, &roles));
        }
        other => other.map(str::to_string),
    };
    let input = request
        .get("input")
        .cloned()
        .unwrap_or_else(|| Json::Object(Map::new()));
    let inputs = read_input(program, &input, Absent::Complete)?;
    let as_of = text_field(request, "as_of")?.map(parse_date).transpose()?;
    let approvals = crate::json::approvals::validate_granted(program, request.get("approvals"))?;
    let event = match request.get("event") {
        None | Some(Json::Null) => None,
        Some(event) => Some(read_event(event)?),
    };
    Ok(Request {
        workflow_index: index as u32,
        workflow,
        state,
        actor,
        inputs,
        as_of,
        approvals,
        event,
    })
}

/// The id of a state by name, or an error listing the states.
pub fn state_id(workflow: &Workflow, name: &str, path: &str) -> EvalResult<StateId> {
    match workflow.states.iter().position(|s| s.name == name) {
        Some(i) => Ok(i as StateId),
        None => {
            let names: Vec<&str> = workflow.states.iter().map(|s| s.name.as_str()).collect();
            Err(unknown(
                path,
                &format!("state of workflow `{}`", workflow.name),
                name,
                &names,
            ))
        }
    }
}

/// "there is no role `salse` (roles: ...)" with a did-you-mean.
pub fn unknown(path: &str, what: &str, name: &str, known: &[&str]) -> EvalError {
    let mut error = bad(
        path,
        format!("there is no {what} `{name}` (known: {})", known.join(", ")),
    );
    if let Some(hint) = did_you_mean(name, known.iter().copied()) {
        error = error.with_hint(hint);
    }
    error
}

fn read_event(event: &Json) -> EvalResult<Event> {
    if !event.is_object() {
        return Err(bad(
            "event",
            "the event must be an object {instance, seq, at, entered_at}".into(),
        ));
    }
    let instance = match event.get("instance") {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Number(n)) => n.to_string(),
        _ => {
            return Err(bad(
                "event.instance",
                "the event needs an `instance` id (a string)".into(),
            ));
        }
    };
    let seq = match event.get("seq") {
        Some(Json::Number(n)) => n.as_u64(),
        Some(Json::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        bad(
            "event.seq",
            "the event needs `seq`, a whole number >= 0".into(),
        )
    })?;
    let at = timestamp(event, "at")?
        .ok_or_else(|| bad("event.at", "the event needs `at` (RFC 3339)".into()))?;
    let entered_at = timestamp(event, "entered_at")?;
    Ok(Event {
        instance,
        seq,
        at,
        entered_at,
    })
}

fn timestamp(event: &Json, key: &str) -> EvalResult<Option<DateTime<Utc>>> {
    match event.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
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
