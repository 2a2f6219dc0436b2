//! The configurator (spec §18): option availability under a partial input.

use serde_json::Value as Json;

use crate::api::Ruleset;
use crate::error::{ErrorKind, EvalError, EvalResult};

/// See [`Ruleset::configure`].
pub fn configure(_ruleset: &Ruleset, _request: &Json) -> EvalResult<Json> {
    Err(EvalError::new(ErrorKind::InvalidRequest, "configure is not available in this build"))
}
