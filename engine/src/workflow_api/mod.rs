//! Workflow queries (spec §13–§14): next actions, apply, and due timers.

use serde_json::Value as Json;

use crate::api::Ruleset;
use crate::error::{ErrorKind, EvalError, EvalResult};

fn unavailable() -> EvalError {
    EvalError::new(ErrorKind::InvalidRequest, "workflow queries are not available in this build")
}

pub fn transitions(_ruleset: &Ruleset, _request: &Json) -> EvalResult<Json> {
    Err(unavailable())
}

pub fn apply(_ruleset: &Ruleset, _request: &Json) -> EvalResult<Json> {
    Err(unavailable())
}

pub fn fire_timer(_ruleset: &Ruleset, _request: &Json) -> EvalResult<Json> {
    Err(unavailable())
}
