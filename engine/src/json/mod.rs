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
pub mod text;
pub mod values;

use serde_json::Value as Json;

use crate::error::{ErrorKind, EvalError, EvalResult};

pub use evaluate::EvalOptions;

/// How deep JSON values may nest (objects and arrays): serde_json's own limit for JSON text,
/// applied by the hosts that hand the engine native values (Python objects, JavaScript values),
/// so a value too deep or circular is refused with its path rather than overflowing the stack.
pub const MAX_INPUT_DEPTH: usize = 128;
pub use requests::{
    Actor, ApplyRequest, Approvals, ConfigureRequest, Defaults, Event, Grant, StartRequest,
    TimerRequest, TransitionsRequest, UpdateRequest, WorkflowRequest,
};

/// Parses JSON text, turning a syntax error into an `invalid_request` error with its position.
/// A UTF-8 byte-order mark in front is skipped; a key repeated within one object is an
/// `invalid_input` error at its path (a JSON tree would keep only one of them).
pub fn parse_json(text: &str) -> EvalResult<Json> {
    let (json, text) = parse_syntax(text)?;
    match text::repeated_key(text) {
        Some(repeated) => Err(EvalError::at_path(
            ErrorKind::InvalidInput,
            repeated.path_after(0),
            repeated.message(),
        )),
        None => Ok(json),
    }
}

/// Parses a request's JSON text (`{"input": {...}, ...}`) as [`parse_json`] does, except for
/// where a repeated key is reported: within `input` it is an `invalid_input` error at its path
/// in the input (as every other problem of the input), elsewhere an `invalid_request` error.
pub fn parse_request_json(text: &str) -> EvalResult<Json> {
    let (json, text) = parse_syntax(text)?;
    let Some(repeated) = text::repeated_key(text) else {
        return Ok(json);
    };
    let in_input = repeated.steps.len() > 1
        && repeated.steps.first() == Some(&text::Step::Key("input".to_string()));
    Err(if in_input {
        EvalError::at_path(
            ErrorKind::InvalidInput,
            repeated.path_after(1),
            repeated.message(),
        )
    } else {
        EvalError::new(
            ErrorKind::InvalidRequest,
            format!("{} (at `{}`)", repeated.message(), repeated.path_after(0)),
        )
    })
}

/// The JSON tree of the text (a byte-order mark skipped) and the text it was read from.
fn parse_syntax(text: &str) -> EvalResult<(Json, &str)> {
    let text = text::without_bom(text);
    serde_json::from_str(text)
        .map(|json| (json, text))
        .map_err(|e| {
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
