//! Evaluation-type requests against a ruleset version — evaluate, configure, next actions
//! (transitions), apply and fire_timer — each written to the audit log before it is answered.

use axum::extract::{FromRequest, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ordo_engine::EvalResult;
use ordo_engine::text::parse_date;
use ordo_engine::{
    ApplyRequest, Approvals, ConfigureRequest, EvalOptions, Ruleset, Selector, StartRequest,
    TimerRequest, TransitionsRequest, UpdateRequest,
};
use serde_json::Value as Json;

use super::schema::{
    ApplyResult, ConfigureResult, EngineRequest, ErrorBody, EvaluateRequest, EvaluationResult,
    StartResult, TimerResult, TransitionsResult, UpdateResult,
};
use super::{AppState, Authenticated, Body, json_response, with_audit_id};
use crate::auth::{Caller, Role, sha256_hex};
use crate::error::ApiError;
use crate::store::{self, AuditRecord};

#[derive(Debug, Clone, Copy)]
enum Operation {
    Evaluate,
    Configure,
    Transitions,
    Apply,
    FireTimer,
    Start,
    Update,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Evaluate => "evaluate",
            Operation::Configure => "configure",
            Operation::Transitions => "transitions",
            Operation::Apply => "apply",
            Operation::FireTimer => "fire_timer",
            Operation::Start => "start",
            Operation::Update => "update",
        }
    }

    /// The engine call of an operation that takes the engine's request object as it is
    /// (all but `evaluate`, whose request the server reads itself).
    fn engine_request(self) -> Option<fn(&Ruleset, &Json) -> EvalResult<Json>> {
        match self {
            Operation::Evaluate => None,
            Operation::Configure => Some(|r, j| r.configure(&ConfigureRequest::from_json(j)?)),
            Operation::Transitions => {
                Some(|r, j| r.transitions(&TransitionsRequest::from_json(j)?))
            }
            Operation::Apply => Some(|r, j| r.apply(&ApplyRequest::from_json(j)?)),
            Operation::FireTimer => Some(|r, j| r.fire_timer(&TimerRequest::from_json(j)?)),
            Operation::Start => Some(|r, j| r.start(&StartRequest::from_json(j)?)),
            Operation::Update => Some(|r, j| r.update(&UpdateRequest::from_json(j)?)),
        }
    }
}

/// Evaluates a version against a complete input.
#[utoipa::path(
    post,
    path = "/v1/rulesets/{name}/evaluate",
    tag = "evaluation",
    params(("name" = String, Path, description = "The ruleset's name")),
    request_body = EvaluateRequest,
    responses(
        (status = 200, description = "The result", body = EvaluationResult, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this answer (absent when the server runs without audit)"))),
        (status = 400, description = "A malformed request or selector (`invalid_request`)", body = ErrorBody),
        (status = 401, description = "No or unknown token (audited, without the body)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 403, description = "Not an evaluator (audited)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 404, description = "No such ruleset or matching version", body = ErrorBody),
        (status = 415, description = "The body is not declared `Content-Type: application/json`", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "The input or a rule failed (engine error kinds)", body = ErrorBody),
        (status = 503, description = "The audit log could not be written; no result is given (`unavailable`), or every CPU worker is busy and the queue is full (`overloaded`, with `Retry-After`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn evaluate(
    State(state): State<AppState>,
    caller: Result<Authenticated, ApiError>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    run(&state, caller, name, request, Operation::Evaluate).await
}

/// Option availability for a partial input (the configurator).
#[utoipa::path(
    post,
    path = "/v1/rulesets/{name}/configure",
    tag = "evaluation",
    params(("name" = String, Path, description = "The ruleset's name")),
    request_body(content = EngineRequest, description = "`{\"version\"?, \"input\": partial, \"as_of\"?, \"complete\"?, \"defaults\"?: \"unknown\" | \"apply\", \"context\"?: [path]}`"),
    responses(
        (status = 200, description = "Every field's options and their availability", body = ConfigureResult, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this answer (absent when the server runs without audit)"))),
        (status = 400, description = "A malformed request", body = ErrorBody),
        (status = 401, description = "No or unknown token (audited, without the body)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 403, description = "Not an evaluator (audited)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 404, description = "No such ruleset or matching version", body = ErrorBody),
        (status = 415, description = "The body is not declared `Content-Type: application/json`", body = ErrorBody),
        (status = 422, description = "The input failed", body = ErrorBody),
        (status = 503, description = "The audit log could not be written (`unavailable`), or every CPU worker is busy and the queue is full (`overloaded`, with `Retry-After`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn configure(
    State(state): State<AppState>,
    caller: Result<Authenticated, ApiError>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    run(&state, caller, name, request, Operation::Configure).await
}

/// The next actions of a workflow state for an actor: every outgoing transition, enabled or
/// with every reason it is not.
#[utoipa::path(
    post,
    path = "/v1/rulesets/{name}/transitions",
    tag = "evaluation",
    params(("name" = String, Path, description = "The ruleset's name")),
    request_body(content = EngineRequest, description = "`{\"version\"?, \"workflow\", \"state\", \"actor\", \"input\", \"as_of\"?, \"approvals\"?}`"),
    responses(
        (status = 200, description = "The transitions", body = TransitionsResult, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this answer (absent when the server runs without audit)"))),
        (status = 400, description = "A malformed request (unknown workflow, state or role)", body = ErrorBody),
        (status = 401, description = "No or unknown token (audited, without the body)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 403, description = "Not an evaluator (audited)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 404, description = "No such ruleset or matching version", body = ErrorBody),
        (status = 415, description = "The body is not declared `Content-Type: application/json`", body = ErrorBody),
        (status = 422, description = "The input failed", body = ErrorBody),
        (status = 503, description = "The audit log could not be written (`unavailable`), or every CPU worker is busy and the queue is full (`overloaded`, with `Retry-After`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn transitions(
    State(state): State<AppState>,
    caller: Result<Authenticated, ApiError>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    run(&state, caller, name, request, Operation::Transitions).await
}

/// Applies a workflow transition: the new state, the actions of the triggers it fires and the
/// timers it arms.
#[utoipa::path(
    post,
    path = "/v1/rulesets/{name}/apply",
    tag = "evaluation",
    params(("name" = String, Path, description = "The ruleset's name")),
    request_body(content = EngineRequest, description = "`{\"version\"?, \"workflow\", \"state\", \"transition\", \"actor\", \"input\", \"as_of\"?, \"approvals\"?, \"event\"}`"),
    responses(
        (status = 200, description = "The transition's effects", body = ApplyResult, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this answer (absent when the server runs without audit)"))),
        (status = 400, description = "A malformed request", body = ErrorBody),
        (status = 401, description = "No or unknown token (audited, without the body)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 403, description = "Not an evaluator (audited)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 404, description = "No such ruleset or matching version", body = ErrorBody),
        (status = 415, description = "The body is not declared `Content-Type: application/json`", body = ErrorBody),
        (status = 422, description = "The transition may not be applied (`transition`), or the input failed", body = ErrorBody),
        (status = 503, description = "The audit log could not be written (`unavailable`), or every CPU worker is busy and the queue is full (`overloaded`, with `Retry-After`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn apply(
    State(state): State<AppState>,
    caller: Result<Authenticated, ApiError>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    run(&state, caller, name, request, Operation::Apply).await
}

/// A `stay … after` timer fell due: re-checks that the instance is still in the trigger's state,
/// that the timer is due and the trigger's condition, then gives the trigger's actions (or
/// `"fired": false` with the reason).
#[utoipa::path(
    post,
    path = "/v1/rulesets/{name}/fire_timer",
    tag = "evaluation",
    params(("name" = String, Path, description = "The ruleset's name")),
    request_body(content = EngineRequest, description = "`{\"version\"?, \"workflow\", \"state\", \"trigger\", \"input\", \"event\", \"actor\"?, \"as_of\"?, \"approvals\"?}`"),
    responses(
        (status = 200, description = "`{\"trigger\", \"fired\": true, \"actions\"}`, or `{\"trigger\", \"fired\": false, \"reason\", \"actions\": []}`", body = TimerResult, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this answer (absent when the server runs without audit)"))),
        (status = 400, description = "A malformed request (unknown workflow, state or trigger, a trigger that is not a timer, no `event`)", body = ErrorBody),
        (status = 401, description = "No or unknown token (audited, without the body)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 403, description = "Not an evaluator (audited)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 404, description = "No such ruleset or matching version", body = ErrorBody),
        (status = 415, description = "The body is not declared `Content-Type: application/json`", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "The input or the trigger's condition failed", body = ErrorBody),
        (status = 503, description = "The audit log could not be written (`unavailable`), or every CPU worker is busy and the queue is full (`overloaded`, with `Retry-After`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn fire_timer(
    State(state): State<AppState>,
    caller: Result<Authenticated, ApiError>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    run(&state, caller, name, request, Operation::FireTimer).await
}

/// Starts a workflow instance (spec §24): its initial state, owner, SLA due time, the actions of
/// its `enter` triggers and the timers it arms.
#[utoipa::path(
    post,
    path = "/v1/rulesets/{name}/start",
    tag = "evaluation",
    params(("name" = String, Path, description = "The ruleset's name")),
    request_body(content = EngineRequest, description = "`{\"version\"?, \"workflow\", \"input\", \"event\", \"actor\"?, \"as_of\"?, \"approvals\"?}`"),
    responses(
        (status = 200, description = "The initial state, owner, due time, actions and timers", body = StartResult, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this answer (absent when the server runs without audit)"))),
        (status = 400, description = "A malformed request (unknown workflow or field, no `event`)", body = ErrorBody),
        (status = 401, description = "No or unknown token (audited, without the body)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 403, description = "Not an evaluator (audited)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 404, description = "No such ruleset or matching version", body = ErrorBody),
        (status = 415, description = "The body is not declared `Content-Type: application/json`", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "The input or a trigger failed", body = ErrorBody),
        (status = 503, description = "The audit log could not be written (`unavailable`), or every CPU worker is busy and the queue is full (`overloaded`, with `Retry-After`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn start(
    State(state): State<AppState>,
    caller: Result<Authenticated, ApiError>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    run(&state, caller, name, request, Operation::Start).await
}

/// The instance's data changed (spec §24): the actions of `on change` and `on becomes`
/// triggers, the timers to arm again and those to cancel.
#[utoipa::path(
    post,
    path = "/v1/rulesets/{name}/update",
    tag = "evaluation",
    params(("name" = String, Path, description = "The ruleset's name")),
    request_body(content = EngineRequest, description = "`{\"version\"?, \"workflow\", \"state\", \"input\", \"previous_input\", \"event\", \"actor\"?, \"as_of\"?, \"approvals\"?}`"),
    responses(
        (status = 200, description = "The actions, the timers to re-arm and those to cancel", body = UpdateResult, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this answer (absent when the server runs without audit)"))),
        (status = 400, description = "A malformed request (unknown workflow, state or field, no `event`)", body = ErrorBody),
        (status = 401, description = "No or unknown token (audited, without the body)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 403, description = "Not an evaluator (audited)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 404, description = "No such ruleset or matching version", body = ErrorBody),
        (status = 415, description = "The body is not declared `Content-Type: application/json`", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "The input or a trigger failed", body = ErrorBody),
        (status = 503, description = "The audit log could not be written (`unavailable`), or every CPU worker is busy and the queue is full (`overloaded`, with `Retry-After`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Result<Authenticated, ApiError>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    run(&state, caller, name, request, Operation::Update).await
}

/// Runs one operation and audits it: the answer is given only once its audit entry is
/// committed. A caller refused for its token (`401`) or its role (`403`) is audited too; the
/// body of a request without a known token is not read.
async fn run(
    state: &AppState,
    caller: Result<Authenticated, ApiError>,
    name: String,
    request: Request,
    operation: Operation,
) -> Result<Response, ApiError> {
    let at = store::now_micros();
    let caller = match caller {
        Ok(Authenticated(caller)) => caller,
        Err(refusal) => {
            let refused = Refused {
                at,
                caller: "",
                operation,
                ruleset: name,
                body: &[],
            };
            return audit_refusal(state, refused, refusal).await;
        }
    };
    let Body(body) = Body::from_request(request, state).await?;
    if let Err(refusal) = caller
        .require(Role::Evaluator)
        .and_then(|()| caller.require_ruleset(&name))
    {
        let refused = Refused {
            at,
            caller: caller.name(),
            operation,
            ruleset: name,
            body: &body,
        };
        return audit_refusal(state, refused, refusal).await;
    }
    let (resolved, result) = {
        let (job_state, name, body) = (state.clone(), name.clone(), body.to_vec());
        let job_caller = caller.clone();
        state
            .cpu()
            .run(move || execute(&job_state, &job_caller, &name, &body, operation))
            .await?
    };
    // The dashboard counts the rules evaluations violate from what the audit records.
    let violations = match (&result, operation) {
        (Ok(result), Operation::Evaluate) => crate::ops::dashboard::violated_rules(result),
        _ => Vec::new(),
    };
    // An answer of a deprecated version carries the notice (and is audited with it).
    let notice = resolved
        .as_ref()
        .and_then(|ruleset| super::lifecycle::deprecation(state, ruleset));
    let result = result.map(|mut answer| {
        if let Some(mark) = &notice {
            super::lifecycle::add_notice(&mut answer, mark);
        }
        answer
    });
    let (status, text, outcome) = match result {
        Ok(result) => (
            StatusCode::OK,
            ordo_engine::to_json_string(&result),
            "ok".to_string(),
        ),
        Err(error) => (error.status(), error.body_text(), error.kind().to_string()),
    };
    let audit_id = if state.audits() {
        let record = AuditRecord {
            at,
            caller: caller.name().to_string(),
            operation: operation.as_str().to_string(),
            ruleset: name,
            version: resolved.as_ref().map(|r| r.version().to_string()),
            hash: resolved.as_ref().map(|r| r.hash().to_string()),
            request: state.audit_body(&body),
            result_sha256: sha256_hex(text.as_bytes()),
            outcome,
            violations,
        };
        let id = state.store().audit(record).await.map_err(|e| {
            ApiError::unavailable(format!(
                "the audit log could not be written, so no result is given: {e}"
            ))
        })?;
        Some(id)
    } else {
        None
    };
    let response = with_audit_id(json_response(status, text), audit_id);
    Ok(super::lifecycle::with_deprecation(
        response,
        notice.as_ref(),
    ))
}

/// A request refused before it ran: who asked (empty when the token is unknown), what for,
/// and the body as received (empty when it was not read).
struct Refused<'a> {
    at: i64,
    caller: &'a str,
    operation: Operation,
    ruleset: String,
    body: &'a [u8],
}

/// Answers a refused request once its audit entry (outcome the refusal's kind) is committed;
/// if the entry cannot be written, the answer is `unavailable`.
async fn audit_refusal(
    state: &AppState,
    refused: Refused<'_>,
    refusal: ApiError,
) -> Result<Response, ApiError> {
    if !state.audits() {
        return Err(refusal);
    }
    let record = AuditRecord {
        at: refused.at,
        caller: refused.caller.to_string(),
        operation: refused.operation.as_str().to_string(),
        ruleset: refused.ruleset,
        version: None,
        hash: None,
        request: state.audit_body(refused.body),
        result_sha256: sha256_hex(refusal.body_text().as_bytes()),
        outcome: refusal.kind().to_string(),
        violations: Vec::new(),
    };
    let id = state.store().audit(record).await.map_err(|e| {
        ApiError::unavailable(format!(
            "the refused request could not be written to the audit log: {e}"
        ))
    })?;
    Ok(with_audit_id(refusal.into_response(), Some(id)))
}

/// The version the request resolved to (when it did) and the engine's answer.
fn execute(
    state: &AppState,
    caller: &Caller,
    name: &str,
    body: &[u8],
    operation: Operation,
) -> (Option<Ruleset>, Result<Json, ApiError>) {
    let request = match parse_body(body) {
        Ok(request) => request,
        Err(error) => return (None, Err(error)),
    };
    if let Err(refusal) = check_grants(caller, request.get("approvals")) {
        return (None, Err(refusal));
    }
    match operation.engine_request() {
        None => {
            let request: EvaluateRequest = match serde_json::from_value(request) {
                Ok(request) => request,
                Err(e) => {
                    return (
                        None,
                        Err(ApiError::invalid_request(format!(
                            "expected {{\"input\": {{...}}, \"version\"?, \"as_of\"?, \"trace\"?, \"approvals\"?}}: {e}"
                        ))),
                    );
                }
            };
            let as_of = match request.as_of.as_deref().map(parse_date).transpose() {
                Ok(as_of) => as_of,
                Err(e) => return (None, Err(ApiError::from_eval(&e))),
            };
            let (ruleset, as_of) = match resolve(state, name, request.version.as_deref(), as_of) {
                Ok(resolved) => resolved,
                Err(error) => return (None, Err(error)),
            };
            let result = request
                .approvals
                .as_ref()
                .map(Approvals::from_json)
                .transpose()
                .and_then(|approvals| {
                    let options = EvalOptions {
                        as_of,
                        trace: request.trace,
                        approvals,
                        at: None,
                    };
                    ruleset.evaluate(&request.input, &options)
                })
                .map_err(|e| ApiError::from_eval(&e));
            (Some(ruleset), result)
        }
        Some(call) => {
            let Json::Object(mut request) = request else {
                return (
                    None,
                    Err(ApiError::invalid_request(
                        "the request must be a JSON object",
                    )),
                );
            };
            if let Err(refusal) = check_actor(caller, request.get("actor")) {
                return (None, Err(refusal));
            }
            let version = match request.remove("version") {
                None | Some(Json::Null) => None,
                Some(Json::String(version)) => Some(version),
                Some(_) => {
                    return (
                        None,
                        Err(ApiError::invalid_request("`version` must be a string")),
                    );
                }
            };
            let as_of = match request.get("as_of").and_then(Json::as_str).map(parse_date) {
                None => None,
                Some(Ok(date)) => Some(date),
                Some(Err(e)) => return (None, Err(ApiError::from_eval(&e))),
            };
            let ruleset = match resolve(state, name, version.as_deref(), as_of) {
                Ok((ruleset, evaluated_at)) => {
                    if let (None, Some(date)) = (as_of, evaluated_at) {
                        request.insert("as_of".to_string(), Json::String(date.to_string()));
                    }
                    ruleset
                }
                Err(error) => return (None, Err(error)),
            };
            let result = call(&ruleset, &Json::Object(request));
            (Some(ruleset), result.map_err(|e| ApiError::from_eval(&e)))
        }
    }
}

/// Refuses (`403`) an engine request's `actor` that is not the caller's token's person (on a
/// server with tokens; a malformed `actor` is left to the engine to refuse).
fn check_actor(caller: &Caller, actor: Option<&Json>) -> Result<(), ApiError> {
    let Some(Json::Object(actor)) = actor else {
        return Ok(());
    };
    let Some(id) = actor.get("id").and_then(Json::as_str) else {
        return Ok(());
    };
    let roles: Vec<String> = actor
        .get("roles")
        .and_then(Json::as_array)
        .map(|roles| {
            roles
                .iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    caller.check_actor(id, &roles)
}

/// Refuses (`403`) the grants of a stateless request's `approvals` that name another
/// approver (`by`) than the token's person: a caller records its own grants only. A token
/// without a person, and an open server, pass any; a malformed `approvals` is left to the
/// engine to refuse, and a grant without `by` (which does not count) passes.
fn check_grants(caller: &Caller, approvals: Option<&Json>) -> Result<(), ApiError> {
    let (Some(person), Some(Json::Object(chains))) = (caller.bound_person(), approvals) else {
        return Ok(());
    };
    for (chain, steps) in chains {
        let Json::Object(steps) = steps else {
            continue;
        };
        for (step, grants) in steps {
            let grants = match grants {
                Json::Array(grants) => grants.as_slice(),
                one => std::slice::from_ref(one),
            };
            let other = grants
                .iter()
                .filter_map(|grant| grant.get("by").and_then(Json::as_str))
                .find(|by| !by.is_empty() && *by != person.id);
            if let Some(by) = other {
                return Err(ApiError::forbidden(format!(
                    "the token of `{}` acts as `{}`; `approvals.{chain}.{step}` names a grant by `{by}`",
                    caller.name(),
                    person.id
                )));
            }
        }
    }
    Ok(())
}

fn parse_body(body: &[u8]) -> Result<Json, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::invalid_request(format!("the request is not UTF-8: {e}")))?;
    ordo_engine::parse_request_json(text).map_err(|e| ApiError::from_eval(&e))
}

/// Picks the version: by `version` (exact, requirement, `latest` or date), else by the day
/// `as_of`, else the latest; with the date the request is evaluated at: `as_of`, else the
/// date `version` names (a date selector evaluates at that date), else none (the version's
/// effective date).
fn resolve(
    state: &AppState,
    name: &str,
    version: Option<&str>,
    as_of: Option<chrono::NaiveDate>,
) -> Result<(Ruleset, Option<chrono::NaiveDate>), ApiError> {
    let selector = match (version, as_of) {
        (Some(version), _) => Selector::parse(version).map_err(|e| ApiError::from_eval(&e))?,
        (None, Some(date)) => Selector::AsOf(date),
        (None, None) => Selector::Latest,
    };
    let evaluated_at = match selector {
        Selector::AsOf(date) => as_of.or(Some(date)),
        _ => as_of,
    };
    let catalog = state.catalog();
    catalog
        .resolve(name, &selector, state.today())
        .map(|published| (published.ruleset.clone(), evaluated_at))
}
