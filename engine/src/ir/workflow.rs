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
    pub owner: Option<String>,
    /// The SLA in seconds.
    pub sla: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Transition {
    pub name: String,
    pub from: Vec<StateId>,
    pub to: StateId,
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
    /// A timer: `stay STATE after SECONDS`.
    Stay(StateId, i64),
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
