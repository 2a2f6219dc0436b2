//! Approvals tied to people: a person grants or rejects a step of an instance's chain (the
//! facts copied from the current evaluation), and reads their inbox — the steps that wait for
//! one of their roles. Grants count when the engine judges `apply`; rejections do not count.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value as Json;

use super::delegations::with_delegated_roles;
use super::instance_write::{Decision, Subject, acting_person, admit, finish, read_body, stale};
use super::instances::load;
use super::ops_schema::{DecideRequest, DecisionAnswer, Inbox, InboxEntry};
use super::schema::ErrorBody;
use super::{AppState, Authenticated, json_ok};
use crate::auth::Role;
use crate::error::ApiError;
use crate::ops::Guard;
use crate::ops::decide::{self, StepRefusal, StepRequest};
use crate::store;

/// Grants step `step` of chain `chain` as the caller's person.
#[utoipa::path(
    post,
    path = "/v1/instances/{id}/approvals/{chain}/{step}/grant",
    tag = "approvals",
    params(
        ("id" = String, Path, description = "The instance's id"),
        ("chain" = String, Path, description = "The approval chain"),
        ("step" = String, Path, description = "The step's id"),
    ),
    request_body(content = DecideRequest, description = "`{\"seq\"?, \"comment\"?}`; may be `{}`"),
    responses(
        (status = 200, description = "The grant, with the facts it records and the step as it stands now", body = DecisionAnswer, headers(("x-ordo-audit-id" = i64, description = "The audit entry"))),
        (status = 401, description = "No or unknown token (audited)", body = ErrorBody),
        (status = 403, description = "Not an operator, or the person holds none of the step's roles (audited)", body = ErrorBody),
        (status = 404, description = "No such instance", body = ErrorBody),
        (status = 409, description = "A stale `seq`", body = ErrorBody),
        (status = 422, description = "The step waits for no decision now (`approval`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn grant(
    State(state): State<AppState>,
    caller: Result<Authenticated, ApiError>,
    Path((id, chain, step)): Path<(String, String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    decide_step(state, caller, id, chain, step, request, "grant").await
}

/// Rejects step `step` of chain `chain` as the caller's person (withdrawing their grant).
#[utoipa::path(
    post,
    path = "/v1/instances/{id}/approvals/{chain}/{step}/reject",
    tag = "approvals",
    params(
        ("id" = String, Path, description = "The instance's id"),
        ("chain" = String, Path, description = "The approval chain"),
        ("step" = String, Path, description = "The step's id"),
    ),
    request_body(content = DecideRequest, description = "`{\"seq\"?, \"comment\"?}`; may be `{}`"),
    responses(
        (status = 200, description = "The rejection, with the facts it records", body = DecisionAnswer, headers(("x-ordo-audit-id" = i64, description = "The audit entry"))),
        (status = 401, description = "No or unknown token (audited)", body = ErrorBody),
        (status = 403, description = "Not an operator, or the person holds none of the step's roles (audited)", body = ErrorBody),
        (status = 404, description = "No such instance", body = ErrorBody),
        (status = 409, description = "A stale `seq`", body = ErrorBody),
        (status = 422, description = "The step waits for no decision now (`approval`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn reject(
    State(state): State<AppState>,
    caller: Result<Authenticated, ApiError>,
    Path((id, chain, step)): Path<(String, String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    decide_step(state, caller, id, chain, step, request, "reject").await
}

async fn decide_step(
    state: AppState,
    caller: Result<Authenticated, ApiError>,
    id: String,
    chain: String,
    step: String,
    request: Request,
    verdict: &'static str,
) -> Result<Response, ApiError> {
    let operation = if verdict == "grant" {
        "approval.grant"
    } else {
        "approval.reject"
    };
    let mut subject = Subject::new(operation, &id);
    let admitted = match admit(&state, caller, request, Role::Operator, &subject).await? {
        Ok(admitted) => admitted,
        Err(refused) => return Ok(refused),
    };
    // Read, decided and committed under the instance's lock.
    let _lock = state.lock_instance(&id).await;
    let outcome = async {
        let body: DecideRequest = read_body(&admitted.body, "{\"seq\"?, \"comment\"?}")?;
        let comment = body.comment.map(checked_comment).transpose()?;
        let person = acting_person(&admitted.caller, body.actor)?;
        let person = with_delegated_roles(&state, person).await?;
        let instance = load(&state, &id).await?;
        subject.of(&instance);
        admitted.caller.require_ruleset(&instance.ruleset)?;
        if let Some(seen) = body.seq
            && seen != instance.seq
        {
            return Err(stale(instance.seq));
        }
        let decisions = state
            .ops()
            .decisions(&id)
            .await
            .map_err(|e| ApiError::internal(format!("the store could not be read: {e}")))?;
        let ruleset = state.pinned(&instance)?;
        let now = state.clock().now();
        let job_instance = instance.clone();
        let mut decided = state
            .cpu()
            .run(move || {
                decide::decide(
                    &ruleset,
                    &job_instance,
                    &decisions,
                    &StepRequest {
                        chain: &chain,
                        step: &step,
                        verdict,
                        person: &person,
                        now,
                    },
                )
            })
            .await?
            .map_err(|refusal| match refusal {
                StepRefusal::NotWaiting(message) => {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "approval", message)
                }
                StepRefusal::NotTheirs(message) => ApiError::forbidden(message),
                StepRefusal::Engine(error) => error,
            })?;
        if let Some(comment) = comment {
            with_comment(&mut decided.history, comment);
        }
        Ok(Decision {
            guard: Guard::Seq(instance.seq),
            answer: Box::new(|answer| answer),
            decided,
            status: StatusCode::OK,
        })
    }
    .await;
    finish(&state, &admitted, &subject, outcome).await
}

/// The longest comment a decision may carry, in characters.
const MAX_COMMENT_CHARS: usize = 2000;

fn checked_comment(comment: String) -> Result<String, ApiError> {
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(ApiError::invalid_request(format!(
            "a comment has at most {MAX_COMMENT_CHARS} characters"
        )));
    }
    Ok(comment)
}

/// Adds the decider's comment to the `detail` of the decision's history event.
fn with_comment(history: &mut crate::ops::HistoryEvent, comment: String) {
    let mut detail = history
        .detail
        .as_deref()
        .and_then(|d| serde_json::from_str::<Json>(d).ok())
        .unwrap_or_else(|| Json::Object(serde_json::Map::new()));
    if let Some(fields) = detail.as_object_mut() {
        fields.insert("comment".into(), Json::String(comment));
    }
    history.detail = Some(ordo_engine::to_json_string(&detail));
}

/// The steps that wait for the caller's person: a step of an instance's current state whose
/// roles include one of theirs, that they have not decided (or whose facts changed since
/// they granted it), oldest first, with the facts a grant would record.
#[utoipa::path(
    get,
    path = "/v1/approvals/inbox",
    tag = "approvals",
    responses(
        (status = 200, description = "What waits for me", body = Inbox),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an operator", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn inbox(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Response, ApiError> {
    caller.require(Role::Operator)?;
    let person = with_delegated_roles(&state, caller.person()).await?;
    let items = state
        .ops()
        .inbox(&person.id, &person.roles)
        .await
        .map_err(|e| ApiError::internal(format!("the store could not be read: {e}")))?;
    let items = items
        .into_iter()
        .filter(|item| caller.may_use(&item.ruleset))
        .map(|item| InboxEntry {
            instance: item.instance,
            ruleset: item.ruleset,
            workflow: item.workflow,
            state: item.state,
            chain: item.step.chain,
            step: item.step.step,
            label: item.step.label,
            roles: serde_json::from_str(&item.step.roles).unwrap_or_default(),
            status: item.step.status,
            facts: serde_json::from_str(&item.step.facts).unwrap_or(Json::Null),
            granted_by: serde_json::from_str(&item.step.granted_by).unwrap_or_default(),
            since: store::format_micros(item.since),
        })
        .collect();
    Ok(json_ok(&Inbox {
        person: person.id,
        roles: person.roles,
        items,
    }))
}
