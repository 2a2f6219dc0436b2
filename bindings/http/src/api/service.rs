//! Service endpoints: liveness, readiness, metrics and the OpenAPI document. None needs a
//! token.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

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

/// How long `/readyz` waits for the store to commit its probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a committed probe answers for the `/readyz` requests that follow.
const PROBE_FRESH: Duration = Duration::from_secs(1);

/// Readiness: the server is not shutting down, the store's writer runs, and the store can
/// commit (a write of no content, committed within 2 s; a success serves for a second).
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
    probe(&state).await?;
    let health = Health {
        status: "ready".into(),
        versions: Some(state.catalog().len()),
    };
    Ok(json_ok(&health))
}

/// `Ok` when the store committed a probe within [`PROBE_FRESH`], or commits one now within
/// [`PROBE_TIMEOUT`].
async fn probe(state: &AppState) -> Result<(), ApiError> {
    let deadline = Instant::now() + PROBE_TIMEOUT;
    let not_ready = || {
        ApiError::unavailable(format!(
            "the store did not commit a write within {} s",
            PROBE_TIMEOUT.as_secs()
        ))
    };
    let mut probed = tokio::time::timeout_at(deadline.into(), state.0.probed.lock())
        .await
        .map_err(|_| not_ready())?;
    if probed.is_some_and(|at| at.elapsed() < PROBE_FRESH) {
        return Ok(());
    }
    match tokio::time::timeout_at(deadline.into(), state.store().probe()).await {
        Ok(Ok(())) => {
            *probed = Some(Instant::now());
            Ok(())
        }
        Ok(Err(error)) => Err(ApiError::unavailable(format!(
            "the store cannot commit: {error}"
        ))),
        Err(_) => Err(not_ready()),
    }
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
