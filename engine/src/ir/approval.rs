//! Approval chains (spec §12): which steps a request needs, and their status against the
//! approvals a host has already granted.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::ir::Expr;

/// A compiled approval chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Approval {
    pub name: String,
    pub steps: Vec<ApprovalStep>,
}

/// One step; steps with the same `group` form a `parallel` group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApprovalStep {
    pub id: String,
    pub label: Expr,
    pub roles: Vec<String>,
    /// `None`: the step is always required.
    pub when: Option<Expr>,
    /// The index of the `parallel` group the step belongs to, if any.
    pub group: Option<u32>,
    /// The input paths the condition reads, directly or through values, sorted.
    pub depends_on: Vec<String>,
    /// `depends_on` as JSON text, written when first needed: every result repeats it.
    #[serde(skip)]
    pub depends_on_text: OnceLock<String>,
    /// Each `depends_on` path as the field indexes that reach it, top level first (empty for
    /// a path the input schema does not have), so facts are read without looking up names.
    pub fact_fields: Vec<Vec<u32>>,
}
