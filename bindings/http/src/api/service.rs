//! Service endpoints: liveness, readiness, metrics and the OpenAPI document. None needs a
//! token.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::schema::{ErrorBody, Health};
use super::{AppState, json_ok, json_response, text_response};
use crate::error::ApiError;

/// Liveness: the process answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    responses((status = 200, description = "Alive", body = Health))
)]
pub async fn healthz() -> Response {
    json_response(StatusCode::OK, r#"{"status":"ok"}"#.to_string())
}

/// Readiness: the store is open, its writer runs, and the server is not shutting down.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "service",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Not ready", body = ErrorBody),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Response, ApiError> {
    if state.0.shutting_down.load(Ordering::SeqCst) {
        return Err(ApiError::unavailable("the server is shutting down"));
    }
    if !state.store().is_running() {
        return Err(ApiError::unavailable("the store's writer has stopped"));
    }
    let health = Health {
        status: "ready".into(),
        versions: Some(state.catalog().len()),
    };
    Ok(json_ok(&health))
}

/// Metrics in the OpenMetrics text format (Prometheus reads it).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    responses((status = 200, description = "Request counts and latency histograms per route, store commits, and workflow gauges (instances by state, overdue instances, timers and their lag, the outbox, webhook deliveries and backlog)", content_type = "application/openmetrics-text", body = String))
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let now = state.clock().now().timestamp_micros();
    match state.ops().gauges(now).await {
        Ok(gauges) => state.0.metrics.set_operations(&gauges, now),
        // The request metrics are still worth serving; the workflow gauges keep their values.
        Err(error) => tracing::warn!(%error, "metrics: the workflow counts could not be read"),
    }
    text_response(
        StatusCode::OK,
        crate::metrics::CONTENT_TYPE,
        state.0.metrics.encode(),
    )
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "service",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
pub async fn openapi(State(state): State<AppState>) -> Response {
    json_response(StatusCode::OK, state.0.openapi_json.clone())
}
