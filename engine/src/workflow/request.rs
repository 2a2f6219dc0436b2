//! Reading a workflow request: every field checked, every bad value named.

use chrono::NaiveDate;
use ordo_dsl::diagnostic::did_you_mean;

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::approvals::Grants;
use crate::eval::{Context, Evaluator, WorkflowScope};
use crate::ir::Program;
use crate::ir::workflow::{StateId, Workflow};
use crate::json::input::{Absent, read_input};
use crate::json::requests::{Actor, Approvals, Event, WorkflowRequest};
use crate::value::Value;

/// A workflow request resolved against the program.
pub struct Request<'p, 'r> {
    pub program: &'p Program,
    pub workflow_index: u32,
    pub workflow: &'p Workflow,
    pub state: StateId,
    pub actor: Option<&'r Actor>,
    pub inputs: Vec<Value>,
    /// The evaluation date: the request's, else the UTC date of the event (spec §23).
    pub as_of: Option<NaiveDate>,
    pub approvals: Option<&'r Approvals>,
    pub event: Option<&'r Event>,
    /// The event's `previous_state`, resolved.
    pub previous_state: Option<StateId>,
}

fn bad(path: &str, message: String) -> EvalError {
    EvalError::at_path(ErrorKind::InvalidRequest, path, message)
}

/// Resolves the parts every workflow query shares: the workflow, the state (the initial one
/// when `start`), the actor's roles, the input read against the schema, the grants against
/// the chains.
pub fn read<'p, 'r>(
    program: &'p Program,
    request: &'r WorkflowRequest,
    start: bool,
) -> EvalResult<Request<'p, 'r>> {
    let name = request.workflow.as_str();
    let Some(index) = program.workflows.iter().position(|w| w.name == name) else {
        let names: Vec<&str> = program.workflows.iter().map(|w| w.name.as_str()).collect();
        return Err(unknown("workflow", "workflow", name, &names));
    };
    let Some(workflow) = program.workflows.get(index) else {
        return Err(bad("workflow", format!("no workflow `{name}`")));
    };
    let state = if start {
        workflow
            .states
            .iter()
            .position(|s| s.initial)
            .map(|i| i as StateId)
            .ok_or_else(|| {
                bad(
                    "workflow",
                    format!("workflow `{name}` has no initial state"),
                )
            })?
    } else {
        state_id(workflow, &request.state, "state")?
    };
    if let Some(actor) = &request.actor {
        for (i, role) in actor.roles.iter().enumerate() {
            if !program.roles.iter().any(|r| r == role) {
                let roles: Vec<&str> = program.roles.iter().map(String::as_str).collect();
                let path = if actor.id.is_some() || actor.roles.len() > 1 {
                    format!("actor.roles[{i}]")
                } else {
                    "actor".to_string()
                };
                return Err(unknown(&path, "role", role, &roles));
            }
        }
    }
    let inputs = read_input(program, &request.input, Absent::Complete)?;
    if let Some(approvals) = &request.approvals {
        approvals.check(program)?;
    }
    let event = request.event.as_ref();
    if let Some(event) = event {
        crate::json::clock::check(event)?;
    }
    let previous_state = match event.and_then(|e| e.previous_state.as_deref()) {
        Some(previous) => Some(state_id(workflow, previous, "event.previous_state")?),
        None => None,
    };
    Ok(Request {
        program,
        workflow_index: index as u32,
        workflow,
        state,
        actor: request.actor.as_ref(),
        inputs,
        as_of: request.as_of.or_else(|| event.map(|e| e.at.date_naive())),
        approvals: request.approvals.as_ref(),
        event,
        previous_state,
    })
}

impl<'p> Request<'p, '_> {
    /// The name of a state of the request's workflow.
    pub fn state_name(&self, id: StateId) -> &'p str {
        self.workflow
            .states
            .get(id as usize)
            .map_or("", |s| s.name.as_str())
    }

    /// Whether the actor holds one of `roles`.
    pub fn actor_may(&self, roles: &[String]) -> bool {
        self.actor
            .is_some_and(|a| a.roles.iter().any(|r| roles.contains(r)))
    }

    /// An evaluator over `inputs` with the request's context; `state` is in scope as `state`.
    pub fn evaluator(&self, inputs: Vec<Value>, state: StateId) -> Evaluator<'_> {
        let text = |s: Option<&str>| s.map_or(Value::None, Value::text);
        let scope = WorkflowScope {
            state: Value::text(self.state_name(state)),
            previous_state: text(self.previous_state.map(|s| self.state_name(s))),
            actor_id: text(self.actor.and_then(|a| a.id.as_deref())),
            actor_roles: Value::List(
                self.actor
                    .map(|a| a.roles.iter().map(|r| Value::text(r)).collect())
                    .unwrap_or_default(),
            ),
        };
        let context = Context {
            as_of: self.as_of,
            entered_at: self.event.and_then(|e| e.entered_at),
            now: self.event.map(|e| e.at),
            workflow: Some(scope),
            ..Context::default()
        };
        let mut ev = Evaluator::new(self.program, inputs, context);
        if let Some(grants) = self.approvals {
            ev.set_grants(grants);
        }
        ev
    }

    /// The event, which operations that move or report an instance need.
    pub fn require_event(&self, what: &str) -> EvalResult<&Event> {
        self.event.ok_or_else(|| {
            EvalError::at_path(
                ErrorKind::InvalidRequest,
                "event",
                format!("{what} needs an `event` {{instance, seq, at, entered_at}}"),
            )
        })
    }
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
