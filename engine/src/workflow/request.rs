//! Reading a workflow request: every field checked, every bad value named.

use chrono::NaiveDate;
use ordo_dsl::diagnostic::did_you_mean;

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::approvals::Grants;
use crate::ir::Program;
use crate::ir::workflow::{StateId, Workflow};
use crate::json::input::{Absent, read_input};
use crate::json::requests::{Approvals, Event, WorkflowRequest};
use crate::value::Value;

/// A workflow request resolved against the program.
pub struct Request<'p, 'r> {
    pub workflow_index: u32,
    pub workflow: &'p Workflow,
    pub state: StateId,
    pub actor: Option<&'r str>,
    pub inputs: Vec<Value>,
    pub as_of: Option<NaiveDate>,
    pub approvals: Option<&'r Approvals>,
    pub event: Option<&'r Event>,
}

fn bad(path: &str, message: String) -> EvalError {
    EvalError::at_path(ErrorKind::InvalidRequest, path, message)
}

/// Resolves the parts every workflow query shares: the workflow, the state, the actor's role,
/// the input read against the schema, the grants against the chains.
pub fn read<'p, 'r>(
    program: &'p Program,
    request: &'r WorkflowRequest,
) -> EvalResult<Request<'p, 'r>> {
    let name = request.workflow.as_str();
    let Some(index) = program.workflows.iter().position(|w| w.name == name) else {
        let names: Vec<&str> = program.workflows.iter().map(|w| w.name.as_str()).collect();
        return Err(unknown("workflow", "workflow", name, &names));
    };
    let Some(workflow) = program.workflows.get(index) else {
        return Err(bad("workflow", format!("no workflow `{name}`")));
    };
    let state = state_id(workflow, &request.state, "state")?;
    if let Some(role) = &request.actor
        && !program.roles.iter().any(|r| r == role)
    {
        let roles: Vec<&str> = program.roles.iter().map(String::as_str).collect();
        return Err(unknown("actor", "role", role, &roles));
    }
    let inputs = read_input(program, &request.input, Absent::Complete)?;
    if let Some(approvals) = &request.approvals {
        approvals.check(program)?;
    }
    Ok(Request {
        workflow_index: index as u32,
        workflow,
        state,
        actor: request.actor.as_deref(),
        inputs,
        as_of: request.as_of,
        approvals: request.approvals.as_ref(),
        event: request.event.as_ref(),
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
