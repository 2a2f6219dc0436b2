//! Workflows (spec §13) and automation triggers (spec §14): states, role-guarded transitions,
//! and the actions and timers that moving an instance produces. The engine is pure: the host
//! keeps the state and passes it in.

use serde::{Deserialize, Serialize};

use crate::ir::Expr;

/// Index of a state within its workflow.
pub type StateId = u32;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Workflow {
    pub name: String,
    pub states: Vec<State>,
    pub transitions: Vec<Transition>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub name: String,
    pub initial: bool,
    pub is_final: bool,
    pub owner: Option<Owner>,
    /// The SLA: a Duration computed from the current input (spec §24).
    pub sla: Option<Expr>,
}

/// Who owns a state (spec §24).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Owner {
    /// A declared role.
    Role(String),
    /// A Text expression: a person or team id.
    Computed(Expr),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Transition {
    pub name: String,
    pub from: Vec<StateId>,
    /// The target state; for `-> previous`, the first source state (a stand-in for the graph).
    pub to: StateId,
    /// `-> previous`: returns to the event's `previous_state` (spec §24).
    #[serde(default)]
    pub to_previous: bool,
    /// Roles that may take the transition (empty: any role).
    pub roles: Vec<String>,
    /// The guard and its source text (as shown in reasons).
    pub guard: Option<(Expr, String)>,
    /// Indexes into [`crate::ir::Program::approvals`].
    pub requires: Vec<u32>,
    /// The input paths the guard reads, directly or through values (sorted).
    pub input_deps: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    /// Index into [`crate::ir::Program::workflows`].
    pub workflow: u32,
    pub event: TriggerEvent,
    pub when: Option<Expr>,
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum TriggerEvent {
    Enter(StateId),
    Exit(StateId),
    /// Index into the workflow's transitions.
    Transition(u32),
    /// A timer: `stay STATE after DURATION`.
    Stay(StateId, Expr),
    /// The SLA timer of a state fell due: `breach STATE` (spec §24).
    Breach(StateId),
    /// A timer from data: `at EXPR in STATE, ...` (a DateTime or Date; `none`: no timer).
    At(Expr, Vec<StateId>),
    /// `change FIELD, ...`: input paths as field indexes; fires in the listed states (none
    /// listed: in any state).
    Change(Vec<Vec<u32>>, Vec<StateId>),
    /// `becomes COND`: COND false on the previous input and true on the current one.
    Becomes(Expr, Vec<StateId>),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Action {
    Notify {
        to: NotifyTarget,
        message: Expr,
    },
    Escalate {
        role: String,
    },
    Task {
        name: Expr,
        fields: Vec<(String, Expr)>,
    },
    Emit {
        event: Expr,
        fields: Vec<(String, Expr)>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum NotifyTarget {
    /// A text expression (a channel, an address).
    Text(Expr),
    Role(String),
    /// The owner role of the state the instance is in after the event.
    Owner,
}
