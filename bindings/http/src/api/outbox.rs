//! The outbox: every action of every instance event, in the order they were committed, each
//! with its idempotency key. Clients poll it with `after` the last position they handled.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::Value as Json;

use super::ops_schema::{OutboxAction, OutboxPage, OutboxParams};
use super::schema::ErrorBody;
use super::scope::{self, InstanceScope};
use super::{AppState, Authenticated, json_ok, page_limit};
use crate::auth::Role;
use crate::error::ApiError;
use crate::store;

/// Actions after position `after`, oldest first.
#[utoipa::path(
    get,
    path = "/v1/outbox",
    tag = "outbox",
    params(OutboxParams),
    responses(
        (status = 200, description = "A page of actions", body = OutboxPage),
        (status = 400, description = "A malformed `after` or `limit`", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not a dispatcher", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn read(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    params: Result<Query<OutboxParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(Role::Dispatcher)?;
    let Query(params) = params.map_err(|e| ApiError::invalid_request(e.body_text()))?;
    let limit = page_limit(params.limit)?;
    let after = params.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::invalid_request("`after` must be 0 or more"));
    }
    let mut visible = InstanceScope::new(&caller);
    let mut filler = scope::Filler::new(limit, Some(after));
    let page = loop {
        let rows = state
            .ops()
            .outbox(filler.cursor().unwrap_or(0), filler.read())
            .await
            .map_err(|e| ApiError::internal(format!("the store could not be read: {e}")))?;
        let (scanned, last) = (rows.len(), rows.last().map(|row| row.seq));
        let mut kept = Vec::with_capacity(rows.len());
        for row in rows {
            if visible.may_see(&state, &row.instance).await? {
                kept.push((row.seq, row));
            }
        }
        if let Some(page) = filler.push(scope::Batch {
            kept,
            scanned,
            last,
        }) {
            break page;
        }
    };
    // Past the page's last action, or past the actions the token may not see.
    let next_after = if page.more {
        page.next.unwrap_or(after)
    } else {
        page.last_scanned.unwrap_or(after)
    };
    let actions = page
        .items
        .into_iter()
        .map(|(_, row)| OutboxAction {
            seq: row.seq,
            key: row.key,
            instance: row.instance,
            event_seq: row.event_seq,
            trigger: row.trigger,
            at: store::format_micros(row.at),
            action: serde_json::from_str(&row.action).unwrap_or(Json::Null),
        })
        .collect();
    Ok(json_ok(&OutboxPage {
        actions,
        next_after,
    }))
}
