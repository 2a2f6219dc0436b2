//! Approval chains (spec §12, §22): which steps a request needs, who may grant them and how
//! many must, and the facts a grant records so that a change makes it stale.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::ir::Expr;
use crate::types::Type;

/// A compiled approval chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Approval {
    pub name: String,
    /// `requested_by EXPR` (a `Text` or `Text?`): grants by the requester do not count.
    #[serde(default)]
    pub requested_by: Option<Expr>,
    pub steps: Vec<ApprovalStep>,
}

/// One step; steps with the same `group` form a `parallel` group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApprovalStep {
    pub id: String,
    pub label: Expr,
    pub roles: Vec<String>,
    /// `quorum N`: how many distinct approvers must grant the step (`None`: one, and the
    /// result does not say `needed`).
    #[serde(default)]
    pub quorum: Option<u32>,
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
    /// `facts EXPR, ...`: computed facts besides `depends_on`, in the order written (none
    /// repeats a `depends_on` path).
    #[serde(default)]
    pub facts: Vec<StepFact>,
}

impl ApprovalStep {
    /// How many distinct approvers must grant the step.
    pub fn needed(&self) -> u32 {
        self.quorum.unwrap_or(1)
    }
}

/// A fact of a step computed by an expression (`facts quote.net`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepFact {
    /// The expression's text as the formatter writes it (`quote.net`): the fact's key in
    /// results and in grants.
    pub key: String,
    pub expr: Expr,
    pub ty: Type,
}

/// The record type of `approvals.CHAIN` as rules read it (spec §22): `{complete: Bool,
/// required, pending, stale: List<Text>}`, in that field order.
pub fn chain_type() -> Type {
    let ids = || Type::List(Box::new(Type::Text));
    Type::Record(Arc::new(crate::types::RecordType {
        fields: vec![
            ("complete".to_string(), Type::Bool),
            ("required".to_string(), ids()),
            ("pending".to_string(), ids()),
            ("stale".to_string(), ids()),
        ],
    }))
}
