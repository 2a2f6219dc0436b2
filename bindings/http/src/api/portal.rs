//! What the portal (the web app `ordo serve` serves at `/`) reads beside the instance API: who
//! the caller is, an instance's next actions and evaluation for the caller's person, and the
//! review queue — instances whose current evaluation has a `review` violation. Corrections go
//! through `POST /v1/instances/{id}/update`, which is audited with its request body.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use ordo_engine::{Ruleset, TransitionsRequest};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use utoipa::{IntoParams, ToSchema};

use super::instance_write::only_declared;
use super::instances::{load, require_reader, store_failed, view};
use super::ops_schema::InstanceView;
use super::schema::ErrorBody;
use super::{AppState, Authenticated, json_ok};
use crate::auth::{Person, Role};
use crate::error::ApiError;
use crate::ops::decide::{self, approvals_json, evaluate};
use crate::ops::{Decision, Instance, InstanceQuery};

/// The server roles, in the order [`Me::roles`] lists them.
const ROLES: [Role; 6] = [
    Role::Admin,
    Role::Author,
    Role::Evaluator,
    Role::Auditor,
    Role::Operator,
    Role::Dispatcher,
];

/// Instances the review queue looks at, at most (a page of the store at a time).
const REVIEW_SCAN_LIMIT: usize = 10_000;
const REVIEW_PAGE: u32 = 1000;

/// `GET /v1/me`: the caller, what it may call, and who it acts as on instances.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The caller's name (the audit log's `caller`).
    pub caller: String,
    /// The server roles it has (`admin` has every one, and every one is listed).
    pub roles: Vec<String>,
    /// Who acts on instances: the id the history records and the ruleset roles.
    pub person: PersonView,
    /// Whether the server runs without tokens (every local caller is `anonymous`).
    pub open: bool,
}

/// A person: id and ruleset roles.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    pub id: String,
    pub roles: Vec<String>,
}

/// `GET /v1/instances/{id}/next`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NextActions {
    pub instance: InstanceView,
    /// The engine's next actions for the caller's person, with the grants recorded so far:
    /// every outgoing transition with `enabled` and, when disabled, its `reasons`.
    #[schema(value_type = Object)]
    pub next: Json,
    /// The engine's evaluation of the instance's input (violations, outputs, approvals).
    #[schema(value_type = Object)]
    pub result: Json,
}

/// Filters of `GET /v1/review`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewParams {
    /// Only instances of this ruleset.
    pub ruleset: Option<String>,
    /// Only instances in this state.
    pub state: Option<String>,
}

/// One instance waiting for a person to review its input.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewItem {
    pub instance: InstanceView,
    /// The `review` violations of its current evaluation (`id`, `severity`, `message`).
    #[schema(value_type = Vec<Object>)]
    pub violations: Vec<Json>,
    /// The `input_notes` of the evaluation (fallbacks taken), when there are some.
    #[schema(value_type = Option<Vec<Object>>)]
    pub input_notes: Option<Json>,
}

/// `GET /v1/review`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewQueue {
    /// Oldest first.
    pub items: Vec<ReviewItem>,
    /// Whether more instances exist than the queue looks at (10,000).
    pub truncated: bool,
}

/// Who the caller is: its name, server roles and person.
#[utoipa::path(
    get,
    path = "/v1/me",
    tag = "portal",
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "No or unknown token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn me(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Response, ApiError> {
    let person = caller.person();
    Ok(json_ok(&Me {
        caller: caller.name().to_string(),
        roles: ROLES
            .iter()
            .filter(|role| caller.has(**role))
            .map(|role| role.as_str().to_string())
            .collect(),
        person: PersonView {
            id: person.id,
            roles: person.roles,
        },
        open: state.access().is_open(),
    }))
}

/// The instance, the engine's next actions for the caller's person (with the reasons a
/// transition is disabled) and its evaluation, both with the grants recorded so far.
#[utoipa::path(
    get,
    path = "/v1/instances/{id}/next",
    tag = "portal",
    params(("id" = String, Path, description = "The instance's id")),
    responses(
        (status = 200, description = "Next actions and evaluation", body = NextActions),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Neither an operator nor an auditor", body = ErrorBody),
        (status = 404, description = "No such instance", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn next(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    require_reader(&caller)?;
    let instance = load(&state, &id).await?;
    caller.require_ruleset(&instance.ruleset)?;
    let decisions = state.ops().decisions(&id).await.map_err(store_failed)?;
    let timers = state.ops().timers(&id).await.map_err(store_failed)?;
    let ruleset = state.pinned(&instance)?;
    let now = state.clock().now();
    let person = only_declared(caller.person(), &ruleset);
    let job_instance = instance.clone();
    let (next, result) = state
        .cpu()
        .run(move || {
            let input = decide::parse_input(&job_instance.input)?;
            let approvals = approvals_json(&decisions);
            let next = next_actions(&ruleset, &job_instance, &input, &approvals, &person, now)?;
            let result = evaluate(&ruleset, &input, &approvals, now)?;
            Ok::<_, ApiError>((next, result))
        })
        .await??;
    Ok(json_ok(&NextActions {
        instance: view(&state, instance, &timers),
        next,
        result,
    }))
}

/// The review queue: instances not in a final state whose current evaluation has a `review`
/// violation (a classifier's low confidence, a class always checked), oldest first.
#[utoipa::path(
    get,
    path = "/v1/review",
    tag = "portal",
    params(ReviewParams),
    responses(
        (status = 200, description = "What waits for a person's review", body = ReviewQueue),
        (status = 400, description = "A malformed filter", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Neither an operator nor an auditor", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn review(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    params: Result<Query<ReviewParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    require_reader(&caller)?;
    let Query(params) = params.map_err(|e| ApiError::invalid_request(e.body_text()))?;
    let mut instances = Vec::new();
    let mut after = None;
    let truncated = loop {
        let query = InstanceQuery {
            ruleset: params.ruleset.clone(),
            workflow: None,
            state: params.state.clone(),
            owner: None,
            overdue_at: None,
            updated_since: None,
            after,
            limit: REVIEW_PAGE,
        };
        let page = state.ops().instances(query).await.map_err(store_failed)?;
        let full = page.len() == REVIEW_PAGE as usize;
        after = page.last().map(|(position, _)| *position);
        // A token limited to some rulesets sees only their instances.
        instances.extend(
            page.into_iter()
                .map(|(_, instance)| instance)
                .filter(|instance| caller.may_use(&instance.ruleset)),
        );
        if instances.len() >= REVIEW_SCAN_LIMIT {
            instances.truncate(REVIEW_SCAN_LIMIT);
            break full;
        }
        if !full {
            break false;
        }
    };
    let mut pinned = Vec::with_capacity(instances.len());
    for instance in instances {
        let ruleset = state.pinned(&instance)?;
        let decisions = state
            .ops()
            .decisions(&instance.id)
            .await
            .map_err(store_failed)?;
        pinned.push((instance, ruleset, decisions));
    }
    let now = state.clock().now();
    let waiting = state
        .cpu()
        .run(move || {
            pinned
                .into_iter()
                .filter_map(|(instance, ruleset, decisions)| {
                    waiting_review(&ruleset, &instance, &decisions, now)
                        .transpose()
                        .map(|found| found.map(|waiting| (instance, waiting)))
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await??;
    let items = waiting
        .into_iter()
        .map(|(instance, waiting)| ReviewItem {
            instance: view(&state, instance, &[]),
            violations: waiting.violations,
            input_notes: waiting.input_notes,
        })
        .collect();
    Ok(json_ok(&ReviewQueue { items, truncated }))
}

/// Why an instance waits for a review.
struct Waiting {
    violations: Vec<Json>,
    input_notes: Option<Json>,
}

/// The `review` violations (and input notes) of an instance that waits for a review: one not
/// in a final state whose evaluation has some. `None` otherwise.
fn waiting_review(
    ruleset: &Ruleset,
    instance: &Instance,
    decisions: &[Decision],
    now: DateTime<Utc>,
) -> Result<Option<Waiting>, ApiError> {
    let input = decide::parse_input(&instance.input)?;
    let approvals = approvals_json(decisions);
    // An input the version refuses is not a review item: the instance page shows its error.
    let Ok(result) = evaluate(ruleset, &input, &approvals, now) else {
        return Ok(None);
    };
    let violations: Vec<Json> = result
        .get("violations")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter(|v| v.get("severity").and_then(Json::as_str) == Some("review"))
        .cloned()
        .collect();
    if violations.is_empty() {
        return Ok(None);
    }
    // A state without outgoing transitions is final: nothing waits there any more.
    let next = next_actions(
        ruleset,
        instance,
        &input,
        &approvals,
        &Person {
            id: String::new(),
            roles: Vec::new(),
        },
        now,
    )?;
    let open = next
        .get("transitions")
        .and_then(Json::as_array)
        .is_some_and(|t| !t.is_empty());
    Ok(open.then(|| Waiting {
        violations,
        input_notes: result.get("input_notes").cloned(),
    }))
}

/// The engine's next actions of `instance` for `person`, with the grants `approvals`.
fn next_actions(
    ruleset: &Ruleset,
    instance: &Instance,
    input: &Json,
    approvals: &Json,
    person: &Person,
    now: DateTime<Utc>,
) -> Result<Json, ApiError> {
    let request = json!({
        "workflow": instance.workflow,
        "state": instance.state,
        "actor": {"id": person.id, "roles": person.roles},
        "input": input,
        "approvals": approvals,
        "as_of": now.date_naive().to_string(),
        "event": decide::event(instance, instance.seq, now),
    });
    let request = TransitionsRequest::from_json(&request).map_err(|e| ApiError::from_eval(&e))?;
    ruleset
        .transitions(&request)
        .map_err(|e| ApiError::from_eval(&e))
}
