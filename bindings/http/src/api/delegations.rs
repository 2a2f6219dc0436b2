//! Delegation windows: a person lends one of their roles to another person from one instant
//! to another (`ana` lends `finance` to `ben` while she is away). While the window is open the
//! delegate's inbox shows the role's steps and the delegate may grant or reject them; the
//! grant records the delegate and the role. Creating and revoking a delegation are audited.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::instance_write::read_body;
use super::schema::ErrorBody;
use super::{AppState, Authenticated, Body, json_ok, json_response, with_audit_id};
use crate::auth::{Caller, Person, Role, sha256_hex};
use crate::error::ApiError;
use crate::ops::{Delegation, DelegationWrite};
use crate::store::{self, AuditRecord};

/// `POST /v1/delegations`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegateRequest {
    /// One of the caller's person's roles.
    pub role: String,
    /// The person who holds the role during the window.
    pub to: String,
    /// RFC 3339; the window opens then (inclusive).
    pub from: String,
    /// RFC 3339; the window closes then (exclusive).
    pub until: String,
}

/// A delegation.
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegationView {
    pub id: i64,
    pub delegator: String,
    pub delegate: String,
    pub role: String,
    pub from: String,
    pub until: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// The delegations a person gave or received.
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegationList {
    pub delegations: Vec<DelegationView>,
}

fn view(d: Delegation) -> DelegationView {
    DelegationView {
        id: d.id,
        delegator: d.delegator,
        delegate: d.delegate,
        role: d.role,
        from: store::format_micros(d.starts_at),
        until: store::format_micros(d.ends_at),
        created_at: store::format_micros(d.created_at),
        revoked_at: d.revoked_at.map(store::format_micros),
    }
}

fn store_failed(error: impl std::fmt::Display) -> ApiError {
    ApiError::unavailable(format!("the store could not be used: {error}"))
}

fn audit(caller: &Caller, operation: &str, request: String, answer: &str) -> AuditRecord {
    AuditRecord {
        at: store::now_micros(),
        caller: caller.name().to_string(),
        operation: operation.to_string(),
        ruleset: String::new(),
        version: None,
        hash: None,
        request,
        result_sha256: sha256_hex(answer.as_bytes()),
        outcome: "ok".to_string(),
        violations: Vec::new(),
    }
}

/// Lends one of the caller's roles to another person for a window.
#[utoipa::path(
    post,
    path = "/v1/delegations",
    tag = "approvals",
    request_body = DelegateRequest,
    responses(
        (status = 201, description = "The delegation", body = DelegationView, headers(("x-ordo-audit-id" = i64, description = "The audit entry"))),
        (status = 400, description = "A malformed request, an empty window, or a delegation to oneself", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an operator, or the person does not hold the role", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Body(body): Body,
) -> Result<Response, ApiError> {
    caller.require(Role::Operator)?;
    let request: DelegateRequest = read_body(&body, "{\"role\", \"to\", \"from\", \"until\"}")?;
    let Person {
        id: delegator,
        roles,
    } = caller.person();
    if !roles.contains(&request.role) {
        return Err(ApiError::forbidden(format!(
            "`{delegator}` does not hold role `{}`, so cannot delegate it",
            request.role
        )));
    }
    let to = request.to.trim();
    if to.is_empty() || to == delegator {
        return Err(ApiError::invalid_request(
            "`to` must name another person than the delegator",
        ));
    }
    let time = |field: &str, text: &str| {
        store::parse_time(text).ok_or_else(|| {
            ApiError::invalid_request(format!("`{field}` is not an RFC 3339 time: `{text}`"))
        })
    };
    let (starts_at, ends_at) = (time("from", &request.from)?, time("until", &request.until)?);
    if ends_at <= starts_at {
        return Err(ApiError::invalid_request("`until` must be after `from`"));
    }
    let mut delegation = Delegation {
        id: 0,
        delegator,
        delegate: to.to_string(),
        role: request.role,
        starts_at,
        ends_at,
        created_at: state.clock().now().timestamp_micros(),
        revoked_at: None,
    };
    let request_text = state.audit_body(&body);
    // The answer names the id the store gives, so the store fills in its digest.
    let record = state
        .audits()
        .then(|| audit(&caller, "delegation.create", request_text, ""));
    let written = state
        .ops()
        .write_delegation(DelegationWrite::Create(delegation.clone(), record))
        .await
        .map_err(store_failed)?;
    delegation.id = written.id.unwrap_or_default();
    let text = delegation.created_answer();
    Ok(with_audit_id(
        json_response(StatusCode::CREATED, text),
        written.audit_id,
    ))
}

/// The delegations the caller's person gave or received (an auditor sees every one).
#[utoipa::path(
    get,
    path = "/v1/delegations",
    tag = "approvals",
    responses(
        (status = 200, description = "Newest first", body = DelegationList),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Neither an operator nor an auditor", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Response, ApiError> {
    let person = if caller.has(Role::Auditor) {
        None
    } else {
        caller.require(Role::Operator)?;
        Some(caller.person().id)
    };
    let rows = state
        .ops()
        .delegations(person.as_deref())
        .await
        .map_err(store_failed)?;
    Ok(json_ok(&DelegationList {
        delegations: rows.into_iter().map(view).collect(),
    }))
}

/// Ends a delegation the caller's person gave, now.
#[utoipa::path(
    post,
    path = "/v1/delegations/{id}/revoke",
    tag = "approvals",
    params(("id" = i64, Path, description = "The delegation's id")),
    responses(
        (status = 200, description = "Revoked", body = Object, headers(("x-ordo-audit-id" = i64, description = "The audit entry"))),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
        (status = 404, description = "No delegation of that id given by the caller and still in force", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn revoke(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    caller.require(Role::Operator)?;
    let delegator = caller.person().id;
    let answer = serde_json::json!({"id": id, "revoked": true});
    let text = ordo_engine::to_json_string(&answer);
    let record = state.audits().then(|| {
        audit(
            &caller,
            "delegation.revoke",
            ordo_engine::to_json_string(&serde_json::json!({"delegation": id})),
            &text,
        )
    });
    let written = state
        .ops()
        .write_delegation(DelegationWrite::Revoke {
            id,
            delegator: delegator.clone(),
            at: state.clock().now().timestamp_micros(),
            audit: record,
        })
        .await
        .map_err(store_failed)?;
    if written.id.is_none() {
        return Err(ApiError::not_found(format!(
            "no delegation {id} given by `{delegator}` that is not revoked"
        )));
    }
    Ok(with_audit_id(
        json_response(StatusCode::OK, text),
        written.audit_id,
    ))
}

/// The caller's person with the roles delegated to them at `now` added.
pub async fn with_delegated_roles(
    state: &AppState,
    mut person: Person,
) -> Result<Person, ApiError> {
    let now = state.clock().now().timestamp_micros();
    let held = state
        .ops()
        .delegated_to(&person.id, now)
        .await
        .map_err(store_failed)?;
    for delegation in held {
        if !person.roles.contains(&delegation.role) {
            person.roles.push(delegation.role);
        }
    }
    Ok(person)
}
