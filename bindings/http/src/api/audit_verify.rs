//! `GET /v1/audit/verify`: the state of the audit log's hash chain (see [`crate::chain`]) —
//! how many entries were checked and the first broken link, if any.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::schema::ErrorBody;
use super::{AppState, Authenticated, json_ok};
use crate::auth::Role;
use crate::chain::{Anchor, ChainStatus};
use crate::error::ApiError;

/// The audit chain as verified now.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditChainReport {
    /// `intact`, or `broken` (see `first_break`).
    pub status: String,
    /// Entries checked: every stored entry, up to the first broken link.
    pub checked: u64,
    /// Where the stored chain starts: the last entry pruned (absent: nothing was pruned, the
    /// first entry follows 64 zeros).
    pub anchor: Option<ChainLink>,
    /// The last entry checked (when intact, the chain's head).
    pub head: Option<ChainLink>,
    /// The first entry at which the chain breaks.
    pub first_break: Option<ChainBreak>,
}

/// An entry of the chain and its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainLink {
    pub id: i64,
    /// Hex SHA-256 of the entry's canonical encoding.
    pub hash: String,
}

/// Where and why the chain breaks.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainBreak {
    /// The entry's id.
    pub id: i64,
    /// `missing`, `previous_mismatch`, `hash_mismatch` or `out_of_order`.
    pub reason: String,
    /// The reason for people.
    pub detail: String,
}

impl From<Anchor> for ChainLink {
    fn from(anchor: Anchor) -> Self {
        ChainLink {
            id: anchor.id,
            hash: anchor.hash,
        }
    }
}

impl From<ChainStatus> for AuditChainReport {
    fn from(status: ChainStatus) -> Self {
        AuditChainReport {
            status: if status.intact() { "intact" } else { "broken" }.to_string(),
            checked: status.checked,
            anchor: status.anchor.map(ChainLink::from),
            head: status.head.map(ChainLink::from),
            first_break: status.first_break.map(|broken| ChainBreak {
                id: broken.id,
                reason: serde_json::to_value(broken.reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                detail: broken.reason.describe().to_string(),
            }),
        }
    }
}

/// Verifies the audit log's hash chain from its anchor to its head (reads every entry).
#[utoipa::path(
    get,
    path = "/v1/audit/verify",
    tag = "audit",
    responses(
        (status = 200, description = "The chain's state (intact or where it breaks)", body = AuditChainReport),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an auditor", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn verify(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Response, ApiError> {
    caller.require(Role::Auditor)?;
    let status = state
        .store()
        .verify_audit()
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(json_ok(&AuditChainReport::from(status)))
}
