//! The webhook deliveries of the outbox: where each action stands for each webhook (attempts,
//! last error, when it was delivered), and a way to put a `failed` one back in the queue.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde_json::json;

use super::instances::store_failed;
use super::ops_schema::{DeliveryPage, DeliveryParams, DeliveryView, OutboxAction};
use super::schema::ErrorBody;
use super::scope::{self, InstanceScope};
use super::{AppState, Authenticated, json_ok, page_limit};
use crate::auth::Role;
use crate::error::ApiError;
use crate::ops::{Delivery, DeliveryQuery, DeliveryStatus, DeliveryWrite, DeliveryWritten};
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
    let query = DeliveryQuery {
        webhook: params.webhook,
        status,
        after: Some(after),
        limit,
    };
    let mut visible = InstanceScope::new(&caller);
    let mut filler = scope::Filler::new(limit, Some(after));
    let page = loop {
        let batch =
            read_visible(&state, &mut visible, &query, filler.cursor(), filler.read()).await?;
        if let Some(page) = filler.push(batch) {
            break page;
        }
    };
    let last_scanned = page.last_scanned;
    let (rows, next_after) = match whole_actions(page) {
        Ok(done) => done,
        Err(seq) => {
            // Every delivery of the action `seq` (one per webhook), however many.
            let batch = read_visible(
                &state,
                &mut visible,
                &query,
                Some(seq.saturating_sub(1)),
                MAX_DELIVERIES_OF_ONE_ACTION,
            )
            .await?;
            let rows = batch
                .kept
                .into_iter()
                .filter(|(pos, _)| *pos == seq)
                .map(|(_, row)| row)
                .collect();
            (rows, Some(seq))
        }
    };
    let next_after = next_after.or(last_scanned).unwrap_or(after);
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

/// The most deliveries one action is read with when they do not fit in a page (one per
/// webhook).
const MAX_DELIVERIES_OF_ONE_ACTION: u32 = 1000;

/// `read` deliveries after outbox position `after`, keeping those the caller may see, by
/// their outbox position.
async fn read_visible(
    state: &AppState,
    visible: &mut InstanceScope<'_>,
    query: &DeliveryQuery,
    after: Option<i64>,
    read: u32,
) -> Result<scope::Batch<Delivery>, ApiError> {
    let rows = state
        .ops()
        .deliveries(DeliveryQuery {
            after,
            limit: read,
            ..query.clone()
        })
        .await
        .map_err(store_failed)?;
    let (scanned, last) = (rows.len(), rows.last().map(|row| row.entry.seq));
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows {
        if visible.may_see(state, &row.entry.instance).await? {
            kept.push((row.entry.seq, row));
        }
    }
    Ok(scope::Batch {
        kept,
        scanned,
        last,
    })
}

/// The rows of a page of deliveries ending on a whole action, and the position the next page
/// reads after (`None`: where the scan stopped). The cursor is an outbox position and an
/// action has a delivery per webhook, so a page never ends between two deliveries of one
/// action: the deliveries of the page's last action that did not fit are left to the next
/// page. When the page would hold only some deliveries of a single action, the answer is
/// `Err` with that action's position: the page is all its deliveries.
fn whole_actions(page: scope::Page<Delivery>) -> Result<(Vec<Delivery>, Option<i64>), i64> {
    let split = match (&page.lookahead, page.items.last()) {
        (Some((next, _)), Some((last, _))) => (next == last).then_some(*last),
        _ => None,
    };
    let Some(seq) = split else {
        let next = if page.more { page.next } else { None };
        return Ok((page.items.into_iter().map(|(_, row)| row).collect(), next));
    };
    let before: Vec<Delivery> = page
        .items
        .into_iter()
        .filter(|(pos, _)| *pos != seq)
        .map(|(_, row)| row)
        .collect();
    match before.last().map(|row| row.entry.seq) {
        Some(last) => Ok((before, Some(last))),
        None => Err(seq),
    }
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
        (status = 403, description = "Not a dispatcher, or the action is of an instance of a ruleset the token is not limited to", body = ErrorBody),
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
    if caller.is_limited() {
        // A limited token may retry only the deliveries of its rulesets' instances.
        let found = state
            .ops()
            .deliveries(DeliveryQuery {
                webhook: Some(webhook.clone()),
                status: None,
                after: Some(seq.saturating_sub(1)),
                limit: 1,
            })
            .await
            .map_err(store_failed)?;
        if let Some(row) = found.iter().find(|row| row.entry.seq == seq) {
            let instance = super::instances::load(&state, &row.entry.instance).await?;
            caller.require_ruleset(&instance.ruleset)?;
        }
    }
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
