//! The webhook deliveries of the outbox: where each action stands for each webhook (attempts,
//! last error, when it was delivered), and a way to put a `failed` one back in the queue.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde_json::json;

use super::instances::store_failed;
use super::ops_schema::{DeliveryPage, DeliveryParams, DeliveryView, OutboxAction};
use super::schema::ErrorBody;
use super::{AppState, Authenticated, json_ok, page_limit};
use crate::auth::Role;
use crate::error::ApiError;
use crate::ops::{DeliveryQuery, DeliveryStatus, DeliveryWrite, DeliveryWritten};
use crate::store;

/// Deliveries by outbox position, filtered by webhook and status.
#[utoipa::path(
    get,
    path = "/v1/deliveries",
    tag = "outbox",
    params(DeliveryParams),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 400, description = "A malformed filter", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not a dispatcher", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    params: Result<Query<DeliveryParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(Role::Dispatcher)?;
    let Query(params) = params.map_err(|e| ApiError::invalid_request(e.body_text()))?;
    let limit = page_limit(params.limit)?;
    let status = params
        .status
        .as_deref()
        .map(|text| {
            DeliveryStatus::parse(text).ok_or_else(|| {
                ApiError::invalid_request(format!(
                    "`status` is `pending`, `delivered` or `failed`, not `{text}`"
                ))
            })
        })
        .transpose()?;
    let after = params.after.unwrap_or(0);
    let rows = state
        .ops()
        .deliveries(DeliveryQuery {
            webhook: params.webhook,
            status,
            after: Some(after),
            limit,
        })
        .await
        .map_err(store_failed)?;
    let next_after = rows.last().map_or(after, |row| row.entry.seq);
    let deliveries = rows
        .into_iter()
        .map(|row| DeliveryView {
            webhook: row.webhook,
            status: row.status.as_str().to_string(),
            attempts: row.attempts,
            next_attempt: (row.status == DeliveryStatus::Pending)
                .then(|| store::format_micros(row.next_at)),
            last_error: row.last_error,
            last_attempt: row.last_attempt_at.map(store::format_micros),
            delivered_at: row.delivered_at.map(store::format_micros),
            action: OutboxAction {
                seq: row.entry.seq,
                key: row.entry.key,
                instance: row.entry.instance,
                event_seq: row.entry.event_seq,
                trigger: row.entry.trigger,
                at: store::format_micros(row.entry.at),
                action: serde_json::from_str(&row.entry.action).unwrap_or_default(),
            },
        })
        .collect();
    Ok(json_ok(&DeliveryPage {
        deliveries,
        next_after,
    }))
}

/// Puts a `failed` delivery back in the queue: it is tried again at once (its attempts keep
/// counting, so one more failure gives it up again).
#[utoipa::path(
    post,
    path = "/v1/deliveries/{webhook}/{seq}/retry",
    tag = "outbox",
    params(
        ("webhook" = String, Path, description = "The webhook's name"),
        ("seq" = i64, Path, description = "The action's outbox position"),
    ),
    responses(
        (status = 200, description = "Queued again", body = Object),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not a dispatcher", body = ErrorBody),
        (status = 404, description = "No failed delivery of that webhook and position", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn retry(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((webhook, seq)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    caller.require(Role::Dispatcher)?;
    let written = state
        .ops()
        .write_delivery(DeliveryWrite::Retry {
            webhook: webhook.clone(),
            seq,
            now: store::now_micros(),
        })
        .await
        .map_err(|e| ApiError::unavailable(format!("the store could not be written: {e}")))?;
    if written == DeliveryWritten::Retried(true) {
        Ok(json_ok(
            &json!({"webhook": webhook, "seq": seq, "status": "pending"}),
        ))
    } else {
        Err(ApiError::not_found(format!(
            "no failed delivery of outbox action {seq} to webhook `{webhook}`"
        )))
    }
}
