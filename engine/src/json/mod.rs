//! The JSON layer: inputs read from JSON, results written as JSON, the requests hosts send.
//! Everything below it (values, IR, compiler, evaluator, the `Ruleset` handle) knows nothing
//! of JSON; every host goes through this one layer, so results are byte-identical everywhere.

pub mod approvals;
pub(crate) mod clock;
mod evaluate;
mod files;
pub mod input;
pub(crate) mod input_text;
pub mod requests;
mod result;
pub(crate) mod scan;
pub(crate) mod sink;
pub mod values;

use serde_json::Value as Json;

use crate::error::{ErrorKind, EvalError, EvalResult};

pub use evaluate::EvalOptions;
pub use requests::{
    Actor, ApplyRequest, Approvals, ConfigureRequest, Event, Grant, StartRequest, TimerRequest,
    TransitionsRequest, UpdateRequest, WorkflowRequest,
};

/// Parses JSON text, turning a syntax error into an `invalid_request` error with its position.
pub fn parse_json(text: &str) -> EvalResult<Json> {
    serde_json::from_str(text).map_err(|e| {
        EvalError::new(
            ErrorKind::InvalidRequest,
            format!("the input is not valid JSON: {e}"),
        )
    })
}

/// The one way results become text: compact, keys in the engine's order.
pub fn to_json_string(value: &Json) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}

/// Pretty JSON for people.
pub fn to_json_pretty(value: &Json) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_string())
}

impl EvalError {
    /// The error as JSON for hosts.
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self)
            .unwrap_or_else(|_| serde_json::json!({"kind": self.kind.as_str()}))
    }
}
