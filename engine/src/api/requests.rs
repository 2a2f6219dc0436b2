//! The engine's request API beyond `evaluate`: workflow queries (spec §13–§14) and the
//! configurator (spec §18). Every host passes the same JSON request objects (the shape the
//! conformance suite uses), so the CLI, the server, WASM and Python share one contract.
//!
//! Workflow request: `{"workflow", "state", "actor", "input", "as_of"?, "approvals"?,
//! "transition"? (apply), "event"? {"instance", "seq", "at", "entered_at"}}`.
//! Timer request: the same with `"trigger"` (the timer that fell due) instead of `"transition"`.
//! Configure request: `{"input": partial, "as_of"?, "complete"?: bool}`.

use serde_json::Value as Json;

use super::Ruleset;
use crate::error::EvalResult;

impl Ruleset {
    /// Next actions (spec §13): every outgoing transition of `state` for `actor`, enabled or
    /// with every reason it is not.
    pub fn transitions(&self, request: &Json) -> EvalResult<Json> {
        crate::workflow_api::transitions(self, request)
    }

    /// Applies a transition (spec §13): the new state, the actions of the triggers it fires
    /// and the timers it arms, or a `transition` error saying exactly why not.
    pub fn apply(&self, request: &Json) -> EvalResult<Json> {
        crate::workflow_api::apply(self, request)
    }

    /// A `stay … after` timer fell due (spec §14): re-checks that the instance is still in the
    /// trigger's state and its condition, then returns the trigger's actions (or none).
    pub fn fire_timer(&self, request: &Json) -> EvalResult<Json> {
        crate::workflow_api::fire_timer(self, request)
    }

    /// Option availability for a partial input (spec §18).
    pub fn configure(&self, request: &Json) -> EvalResult<Json> {
        crate::configure::configure(self, request)
    }
}
