//! Yanking and deprecating published versions, and undoing either (see [`crate::lifecycle`]):
//! four routes under `/v1/rulesets/{name}/versions/{version}/`, each a request with a reason,
//! for authors and admins, stored append-only with its audit entry in one transaction. And the
//! notice every answer using a deprecated version carries: a `Deprecation` header and a
//! `deprecation` field.

use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ordo_engine::{Ruleset, Selector};
use serde::Deserialize;
use serde_json::Value as Json;
use utoipa::ToSchema;

use super::schema::{ErrorBody, VersionSummary};
use super::{AppState, Authenticated, Body, json_response, with_audit_id};
use crate::auth::{Caller, Role, sha256_hex};
use crate::error::ApiError;
use crate::lifecycle::{LifecycleEvent, LifecycleMark, VersionEvent, deprecation_header};
use crate::store::{self, AuditRecord};

/// The most characters a reason may have.
const MAX_REASON_CHARS: usize = 1000;

/// The header that marks an answer of a deprecated version (RFC 9745).
const DEPRECATION: HeaderName = HeaderName::from_static("deprecation");

/// `POST /v1/rulesets/{name}/versions/{version}/{yank,unyank,deprecate,undeprecate}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRequest {
    /// Why (kept with the change, shown with the version, and in the `deprecation` notice).
    pub reason: String,
}

/// Yanks a version: `latest`, requirements and dates no longer pick it; its exact version
/// still answers, and it stays readable and in the audit log.
#[utoipa::path(
    post,
    path = "/v1/rulesets/{name}/versions/{version}/yank",
    tag = "rulesets",
    params(
        ("name" = String, Path, description = "The ruleset's name"),
        ("version" = String, Path, description = "The exact version (its build metadata may be left out)"),
    ),
    request_body = LifecycleRequest,
    responses(
        (status = 200, description = "Yanked: the version with its new state", body = VersionSummary, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this change (absent when the server runs without audit)"))),
        (status = 400, description = "No reason, or not an exact version (`invalid_request`, audited)", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an author (audited)", body = ErrorBody),
        (status = 404, description = "No such ruleset or version (audited)", body = ErrorBody),
        (status = 409, description = "Already yanked (audited)", body = ErrorBody),
        (status = 503, description = "The change or its audit entry could not be stored; nothing changed", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn yank(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((name, version)): Path<(String, String)>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    change(&state, &caller, name, &version, &body, LifecycleEvent::Yank).await
}

/// Undoes a yank: the version is picked by `latest`, requirements and dates again.
#[utoipa::path(
    post,
    path = "/v1/rulesets/{name}/versions/{version}/unyank",
    tag = "rulesets",
    params(
        ("name" = String, Path, description = "The ruleset's name"),
        ("version" = String, Path, description = "The exact version (its build metadata may be left out)"),
    ),
    request_body = LifecycleRequest,
    responses(
        (status = 200, description = "No longer yanked: the version with its new state", body = VersionSummary, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this change (absent when the server runs without audit)"))),
        (status = 400, description = "No reason, or not an exact version (`invalid_request`, audited)", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an author (audited)", body = ErrorBody),
        (status = 404, description = "No such ruleset or version (audited)", body = ErrorBody),
        (status = 409, description = "Not yanked (audited)", body = ErrorBody),
        (status = 503, description = "The change or its audit entry could not be stored; nothing changed", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn unyank(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((name, version)): Path<(String, String)>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    change(
        &state,
        &caller,
        name,
        &version,
        &body,
        LifecycleEvent::Unyank,
    )
    .await
}

/// Deprecates a version: it still answers everywhere, and every answer using it carries a
/// `Deprecation` header and a `deprecation` field with the reason.
#[utoipa::path(
    post,
    path = "/v1/rulesets/{name}/versions/{version}/deprecate",
    tag = "rulesets",
    params(
        ("name" = String, Path, description = "The ruleset's name"),
        ("version" = String, Path, description = "The exact version (its build metadata may be left out)"),
    ),
    request_body = LifecycleRequest,
    responses(
        (status = 200, description = "Deprecated: the version with its new state", body = VersionSummary, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this change (absent when the server runs without audit)"))),
        (status = 400, description = "No reason, or not an exact version (`invalid_request`, audited)", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an author (audited)", body = ErrorBody),
        (status = 404, description = "No such ruleset or version (audited)", body = ErrorBody),
        (status = 409, description = "Already deprecated (audited)", body = ErrorBody),
        (status = 503, description = "The change or its audit entry could not be stored; nothing changed", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn deprecate(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((name, version)): Path<(String, String)>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    change(
        &state,
        &caller,
        name,
        &version,
        &body,
        LifecycleEvent::Deprecate,
    )
    .await
}

/// Undoes a deprecation: answers using the version no longer carry the notice.
#[utoipa::path(
    post,
    path = "/v1/rulesets/{name}/versions/{version}/undeprecate",
    tag = "rulesets",
    params(
        ("name" = String, Path, description = "The ruleset's name"),
        ("version" = String, Path, description = "The exact version (its build metadata may be left out)"),
    ),
    request_body = LifecycleRequest,
    responses(
        (status = 200, description = "No longer deprecated: the version with its new state", body = VersionSummary, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this change (absent when the server runs without audit)"))),
        (status = 400, description = "No reason, or not an exact version (`invalid_request`, audited)", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an author (audited)", body = ErrorBody),
        (status = 404, description = "No such ruleset or version (audited)", body = ErrorBody),
        (status = 409, description = "Not deprecated (audited)", body = ErrorBody),
        (status = 503, description = "The change or its audit entry could not be stored; nothing changed", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn undeprecate(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((name, version)): Path<(String, String)>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    change(
        &state,
        &caller,
        name,
        &version,
        &body,
        LifecycleEvent::Undeprecate,
    )
    .await
}

/// What a change request is about, as far as it is known: the version as published and its
/// hash, once the route's version is found.
#[derive(Debug, Default, Clone)]
struct Subject {
    version: Option<String>,
    hash: Option<String>,
}

/// Makes one change and answers it, or answers its refusal once the refusal is audited.
async fn change(
    state: &AppState,
    caller: &Caller,
    name: String,
    version: &str,
    body: &[u8],
    event: LifecycleEvent,
) -> Result<Response, ApiError> {
    let at = store::now_micros();
    let mut subject = Subject::default();
    match try_change(state, caller, &name, version, body, event, at, &mut subject).await {
        Ok(response) => Ok(response),
        Err(refusal) => {
            if !state.audits() {
                return Err(refusal);
            }
            let record = AuditRecord {
                violations: Vec::new(),
                at,
                caller: caller.name().to_string(),
                operation: event.as_str().to_string(),
                ruleset: name,
                version: subject.version,
                hash: subject.hash,
                request: state.audit_body(body),
                result_sha256: sha256_hex(refusal.body_text().as_bytes()),
                outcome: refusal.kind().to_string(),
            };
            let id = state.store().audit(record).await.map_err(|e| {
                ApiError::unavailable(format!(
                    "the refused change could not be written to the audit log: {e}"
                ))
            })?;
            Ok(with_audit_id(refusal.into_response(), Some(id)))
        }
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one request's parts, passed once"
)]
async fn try_change(
    state: &AppState,
    caller: &Caller,
    name: &str,
    version: &str,
    body: &[u8],
    event: LifecycleEvent,
    at: i64,
    subject: &mut Subject,
) -> Result<Response, ApiError> {
    caller.require(Role::Author)?;
    caller.require_ruleset(name)?;
    let reason = reason(body)?;
    let wanted = semver::Version::parse(version).map_err(|e| {
        ApiError::invalid_request(format!(
            "`{version}` is not an exact version ({e}): a {event} names one published version"
        ))
    })?;
    // The change is checked, stored and applied as a task of its own, one at a time with
    // publications: a request cancelled meanwhile cannot leave a stored change the catalogue
    // does not show, and two changes cannot both pass the check against the same state.
    let (job_state, name, caller_name, audit_body) = (
        state.clone(),
        name.to_string(),
        caller.name().to_string(),
        state.audit_body(body),
    );
    let (found, outcome) = tokio::spawn(async move {
        let _turn = job_state.publishing().await;
        let (found, lifecycle, summary) = {
            let catalog = job_state.catalog();
            let published = catalog.resolve(&name, &Selector::Exact(wanted), job_state.today())?;
            (
                Subject {
                    version: Some(published.ruleset.version().to_string()),
                    hash: Some(published.ruleset.hash().to_string()),
                },
                catalog.lifecycle_of(published),
                super::rulesets::summary(published),
            )
        };
        let change = VersionEvent {
            ruleset: name.clone(),
            version: found.version.clone().unwrap_or_default(),
            event,
            reason,
            caller: caller_name.clone(),
            at,
        };
        let outcome = apply(&job_state, change, lifecycle, summary, &found, audit_body).await;
        Ok::<_, ApiError>((found, outcome))
    })
    .await
    .map_err(|e| ApiError::internal(format!("the change stopped: {e}")))??;
    *subject = found;
    let (text, audit_id) = outcome?;
    Ok(with_audit_id(json_response(StatusCode::OK, text), audit_id))
}

/// Checks `change` against the version's state, stores it with its audit entry, and applies it
/// to the catalogue: the answer's text and the audit entry's id.
async fn apply(
    state: &AppState,
    change: VersionEvent,
    mut lifecycle: crate::lifecycle::Lifecycle,
    summary: VersionSummary,
    found: &Subject,
    audit_body: String,
) -> Result<(String, Option<i64>), ApiError> {
    lifecycle
        .check(&change)
        .map_err(|refused| ApiError::conflict(refused.to_string()))?;
    lifecycle.apply(&change);
    let text = serde_json::to_string(&summary.with_lifecycle(&lifecycle))
        .unwrap_or_else(|_| "null".to_string());
    let audit = state.audits().then(|| AuditRecord {
        violations: Vec::new(),
        at: change.at,
        caller: change.caller.clone(),
        operation: change.event.as_str().to_string(),
        ruleset: change.ruleset.clone(),
        version: found.version.clone(),
        hash: found.hash.clone(),
        request: audit_body,
        result_sha256: sha256_hex(text.as_bytes()),
        outcome: "ok".to_string(),
    });
    let written = state
        .store()
        .version_event(change.clone(), audit)
        .await
        .map_err(|e| ApiError::unavailable(format!("the change could not be stored: {e}")))?;
    state.catalog_mut().apply_event(&change);
    Ok((text, written.audit_id))
}

/// The request's reason: present, not blank, at most [`MAX_REASON_CHARS`] characters.
fn reason(body: &[u8]) -> Result<String, ApiError> {
    let request: LifecycleRequest = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid_request(format!("expected {{\"reason\": \"...\"}}: {e}")))?;
    let reason = request.reason.trim();
    if reason.is_empty() {
        return Err(ApiError::invalid_request(
            "`reason` may not be empty: say why the version changes",
        ));
    }
    let chars = reason.chars().count();
    if chars > MAX_REASON_CHARS {
        return Err(ApiError::invalid_request(format!(
            "`reason` has {chars} characters; at most {MAX_REASON_CHARS} are kept"
        )));
    }
    Ok(reason.to_string())
}

/// The deprecation of `ruleset`'s version, if it is deprecated.
pub(crate) fn deprecation(state: &AppState, ruleset: &Ruleset) -> Option<LifecycleMark> {
    state
        .catalog()
        .lifecycle(ruleset.name(), ruleset.version())
        .and_then(|lifecycle| lifecycle.deprecated.clone())
}

/// Adds the `deprecation` field to an engine answer (an object).
pub(crate) fn add_notice(answer: &mut Json, mark: &LifecycleMark) {
    if let (Json::Object(answer), Ok(notice)) = (answer, serde_json::to_value(mark)) {
        answer.insert("deprecation".to_string(), notice);
    }
}

/// Adds the `Deprecation` header to an answer about a deprecated version.
pub(crate) fn with_deprecation(mut response: Response, mark: Option<&LifecycleMark>) -> Response {
    if let Some(mark) = mark
        && let Ok(value) = HeaderValue::from_str(&deprecation_header(mark.at_micros))
    {
        response.headers_mut().insert(DEPRECATION, value);
    }
    response
}

/// The engine's answers the server adds a `deprecation` field to.
const NOTICED: [&str; 7] = [
    "EvaluationResult",
    "ConfigureResult",
    "TransitionsResult",
    "ApplyResult",
    "TimerResult",
    "StartResult",
    "UpdateResult",
];

/// Describes the `deprecation` field in the engine's answer schemas of an OpenAPI document
/// (the engine's own schema does not know it: the server adds it).
pub(crate) fn add_notice_to_schemas(document: &mut Json) {
    let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Json::as_object_mut)
    else {
        return;
    };
    for name in NOTICED {
        if let Some(Json::Object(properties)) = schemas
            .get_mut(name)
            .and_then(|schema| schema.get_mut("properties"))
        {
            properties.insert(
                "deprecation".to_string(),
                serde_json::json!({
                    "$ref": "#/components/schemas/LifecycleMark",
                    "description": "Only when the version answering is deprecated (the server adds it, with a `Deprecation` header): who deprecated it, when and why."
                }),
            );
        }
    }
}
