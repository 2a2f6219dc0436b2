//! Reading the audit log: filters by ruleset, version, caller and time, paged by cursor.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::Value as Json;

use super::schema::{AuditEntry, AuditPage, AuditParams, ErrorBody};
use super::{AppState, Authenticated, json_ok, page_limit};
use crate::auth::Role;
use crate::error::ApiError;
use crate::store::{self, AuditQuery};

/// Reads the audit log, oldest entry first.
#[utoipa::path(
    get,
    path = "/v1/audit",
    tag = "audit",
    params(AuditParams),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        (status = 400, description = "A malformed filter or cursor", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an auditor", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn read(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(Role::Auditor)?;
    let Query(params) = params.map_err(|e| ApiError::invalid_request(e.body_text()))?;
    let query = to_query(params)?;
    let limit = query.limit;
    // One row past the page says whether another page follows.
    let rows = state
        .store()
        .audit_log(AuditQuery {
            limit: limit + 1,
            ..query
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let more = rows.len() > limit as usize;
    let entries: Vec<AuditEntry> = rows
        .into_iter()
        .take(limit as usize)
        .map(|(id, record)| AuditEntry {
            id,
            at: store::format_micros(record.at),
            caller: record.caller,
            operation: record.operation,
            ruleset: record.ruleset,
            version: record.version,
            hash: record.hash,
            request: serde_json::from_str(&record.request).unwrap_or(Json::String(record.request)),
            result_sha256: record.result_sha256,
            outcome: record.outcome,
        })
        .collect();
    let next_cursor = if more {
        entries.last().map(|e| e.id.to_string())
    } else {
        None
    };
    let page = AuditPage {
        entries,
        next_cursor,
    };
    Ok(json_ok(&page))
}

fn to_query(params: AuditParams) -> Result<AuditQuery, ApiError> {
    let time = |name: &str, text: Option<String>| {
        text.map(|t| {
            store::parse_time(&t).ok_or_else(|| {
                ApiError::invalid_request(format!(
                    "`{name}` must be an RFC 3339 time (2026-03-01T09:00:00Z), not `{t}`"
                ))
            })
        })
        .transpose()
    };
    let limit = page_limit(params.limit)?;
    let after = params
        .cursor
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                ApiError::invalid_request(format!("`{c}` is not a cursor of this log"))
            })
        })
        .transpose()?;
    Ok(AuditQuery {
        ruleset: params.ruleset,
        version: params.version,
        caller: params.caller,
        from: time("from", params.from)?,
        to: time("to", params.to)?,
        after,
        limit,
    })
}
