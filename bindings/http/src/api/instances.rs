//! Workflow instances (`/v1/instances`): start, read, list, update, apply and history. The
//! engine decides each event ([`crate::ops::decide`]); the server keeps what it decided.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use ordo_engine::Selector;
use serde_json::Value as Json;

use super::instance_write::{
    Decision, Subject, acting_person, admit, finish, in_ruleset, read_body, stale,
};
use super::ops_schema::{
    ApplyInstanceRequest, HistoryEntry, HistoryPage, InstanceEvent, InstancePage, InstanceParams,
    InstanceView, StartInstanceRequest, TimerView, UpdateInstanceRequest,
};
use super::schema::ErrorBody;
use super::{AppState, Authenticated, json_ok, page_limit, scope};
use crate::auth::{Caller, Role, sha256_hex};
use crate::error::ApiError;
use crate::ops::decide::{self, StartInput};
use crate::ops::{Guard, Instance, InstanceQuery, Timer};
use crate::store;

const MAX_ID_LEN: usize = 128;

/// Operators run instances; auditors may read them.
pub(super) fn require_reader(caller: &Caller) -> Result<(), ApiError> {
    if caller.has(Role::Operator) || caller.has(Role::Auditor) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "`{}` has neither the `operator` nor the `auditor` role reading instances needs",
            caller.name()
        )))
    }
}

/// An instance as answered.
pub(super) fn view(state: &AppState, instance: Instance, timers: &[Timer]) -> InstanceView {
    let now = state.clock().now().timestamp_micros();
    InstanceView {
        overdue: instance.due_at.is_some_and(|due| due < now),
        due: instance.due_at.map(store::format_micros),
        input: serde_json::from_str(&instance.input).unwrap_or(Json::Null),
        entered_at: store::format_micros(instance.entered_at),
        created_at: store::format_micros(instance.created_at),
        updated_at: store::format_micros(instance.updated_at),
        timers: timers
            .iter()
            .map(|t| TimerView {
                trigger: t.trigger.clone(),
                due: store::format_micros(t.due_at),
            })
            .collect(),
        id: instance.id,
        ruleset: instance.ruleset,
        version: instance.version,
        hash: instance.hash,
        workflow: instance.workflow,
        state: instance.state,
        previous_state: instance.previous_state,
        owner: instance.owner,
        seq: instance.seq,
        created_by: instance.created_by,
    }
}

pub(super) fn store_failed(error: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("the store could not be read: {error}"))
}

/// The instance `id`, or `404`.
pub(super) async fn load(state: &AppState, id: &str) -> Result<Instance, ApiError> {
    state
        .ops()
        .instance(id)
        .await
        .map_err(store_failed)?
        .ok_or_else(|| ApiError::not_found(format!("no instance `{id}`")))
}

/// The answer of an event: the instance after it (read back with its timers) and the
/// engine's answer.
fn event_answer(
    state: &AppState,
    instance: Instance,
    timers: Vec<Timer>,
) -> Box<dyn FnOnce(Json) -> Json + Send> {
    let view = view(state, instance, &timers);
    Box::new(move |result| {
        serde_json::to_value(InstanceEvent {
            instance: view,
            result,
        })
        .unwrap_or(Json::Null)
    })
}

/// The timers a decided event leaves armed, from those armed before.
fn timers_after(before: Vec<Timer>, change: &crate::ops::TimerChange) -> Vec<Timer> {
    use crate::ops::TimerChange;
    let mut timers = match change {
        TimerChange::Keep => before,
        TimerChange::Replace(timers) => timers.clone(),
        TimerChange::Adjust { arm, cancel } => {
            let mut timers: Vec<Timer> = before
                .into_iter()
                .filter(|t| {
                    !cancel.contains(&t.trigger) && !arm.iter().any(|a| a.trigger == t.trigger)
                })
                .collect();
            timers.extend(arm.iter().cloned());
            timers
        }
        TimerChange::Disarm(trigger) => before
            .into_iter()
            .filter(|t| &t.trigger != trigger)
            .collect(),
    };
    timers.sort_by(|a, b| {
        a.due_at
            .cmp(&b.due_at)
            .then_with(|| a.trigger.cmp(&b.trigger))
    });
    timers
}

/// A new instance id: `in-` and 20 hex digits.
fn new_id(caller: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = format!(
        "{}\u{0}{}\u{0}{}\u{0}{caller}",
        store::now_micros(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let digest = sha256_hex(seed.as_bytes());
    format!("in-{}", digest.get(..20).unwrap_or(&digest))
}

fn check_id(id: &str) -> Result<(), ApiError> {
    let fine = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
    if fine {
        Ok(())
    } else {
        Err(ApiError::invalid_request(format!(
            "an instance id has 1 to {MAX_ID_LEN} letters, digits, `.`, `_`, `:` or `-`"
        )))
    }
}

/// Starts a workflow instance: the engine's `start` gives its initial state, owner, SLA due
/// time, actions (to the outbox) and timers (to the scheduler). The version is pinned.
#[utoipa::path(
    post,
    path = "/v1/instances",
    tag = "instances",
    request_body = StartInstanceRequest,
    responses(
        (status = 201, description = "The instance and the engine's start answer", body = InstanceEvent, headers(("x-ordo-audit-id" = i64, description = "The audit entry"))),
        (status = 400, description = "A malformed request", body = ErrorBody),
        (status = 401, description = "No or unknown token (audited)", body = ErrorBody),
        (status = 403, description = "Not an operator (audited)", body = ErrorBody),
        (status = 404, description = "No such ruleset or matching version", body = ErrorBody),
        (status = 409, description = "An instance of this id exists", body = ErrorBody),
        (status = 422, description = "The engine refused the input or the workflow", body = ErrorBody),
        (status = 503, description = "The store could not be written; nothing was done", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn start(
    State(state): State<AppState>,
    caller: Result<Authenticated, ApiError>,
    request: Request,
) -> Result<Response, ApiError> {
    let mut subject = Subject::new("instance.start", "");
    let admitted = match admit(&state, caller, request, Role::Operator, &subject).await? {
        Ok(admitted) => admitted,
        Err(refused) => return Ok(refused),
    };
    let outcome = async {
        let body: StartInstanceRequest = read_body(
            &admitted.body,
            "{\"ruleset\", \"workflow\", \"input\", \"version\"?, \"id\"?}",
        )?;
        subject.ruleset.clone_from(&body.ruleset);
        let id = match body.id {
            Some(id) => {
                check_id(&id)?;
                id
            }
            None => new_id(admitted.caller.name()),
        };
        subject.instance.clone_from(&id);
        let person = acting_person(&admitted.caller, body.actor)?;
        admitted.caller.require_ruleset(&body.ruleset)?;
        let selector = Selector::parse(body.version.as_deref().unwrap_or("latest"))
            .map_err(|e| ApiError::from_eval(&e))?;
        let ruleset = state
            .catalog()
            .resolve(&body.ruleset, &selector, state.today())
            .map(|published| published.ruleset.clone())?;
        subject.version = Some(ruleset.version().to_string());
        subject.hash = Some(ruleset.hash().to_string());
        let person = in_ruleset(&admitted.caller, person, &ruleset);
        let now = state.clock().now();
        let caller = admitted.caller.name().to_string();
        let (workflow, input) = (body.workflow, body.input);
        let decided = state
            .cpu()
            .run(move || {
                decide::start(
                    &ruleset,
                    &StartInput {
                        id: &id,
                        workflow: &workflow,
                        input: &input,
                        person: &person,
                        caller: &caller,
                        now,
                    },
                )
            })
            .await??;
        let row = decided
            .row
            .clone()
            .ok_or_else(|| ApiError::internal("a start made no instance"))?;
        let timers = timers_after(Vec::new(), &decided.timers);
        Ok(Decision {
            guard: Guard::Create,
            answer: event_answer(&state, row, timers),
            decided,
            status: StatusCode::CREATED,
        })
    }
    .await;
    finish(&state, &admitted, &subject, outcome).await
}

/// One instance, with its armed timers.
#[utoipa::path(
    get,
    path = "/v1/instances/{id}",
    tag = "instances",
    params(("id" = String, Path, description = "The instance's id")),
    responses(
        (status = 200, description = "The instance", body = InstanceView),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Neither an operator nor an auditor", body = ErrorBody),
        (status = 404, description = "No such instance", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    require_reader(&caller)?;
    let instance = load(&state, &id).await?;
    caller.require_ruleset(&instance.ruleset)?;
    let timers = state.ops().timers(&id).await.map_err(store_failed)?;
    Ok(json_ok(&view(&state, instance, &timers)))
}

/// Instances, in the order they were started, filtered and paged.
#[utoipa::path(
    get,
    path = "/v1/instances",
    tag = "instances",
    params(InstanceParams),
    responses(
        (status = 200, description = "A page of instances", body = InstancePage),
        (status = 400, description = "A malformed filter or cursor", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Neither an operator nor an auditor", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    params: Result<Query<InstanceParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    require_reader(&caller)?;
    let Query(params) = params.map_err(|e| ApiError::invalid_request(e.body_text()))?;
    let limit = page_limit(params.limit)?;
    let after = params.cursor.as_deref().map(read_cursor).transpose()?;
    let updated_since = params
        .updated_since
        .as_deref()
        .map(|t| {
            store::parse_time(t).ok_or_else(|| {
                ApiError::invalid_request(format!(
                    "`updated_since` must be an RFC 3339 time (2026-03-01T09:00:00Z), not `{t}`"
                ))
            })
        })
        .transpose()?;
    // A token limited to rulesets sees only their instances; naming another ruleset finds
    // none.
    if params
        .ruleset
        .as_deref()
        .is_some_and(|name| !caller.may_use(name))
    {
        return Ok(json_ok(&InstancePage {
            instances: Vec::new(),
            next_cursor: None,
        }));
    }
    let query = InstanceQuery {
        ruleset: params.ruleset,
        workflow: params.workflow,
        state: params.state,
        owner: params.owner,
        overdue_at: (params.overdue == Some(true)).then(|| state.clock().now().timestamp_micros()),
        updated_since,
        after,
        limit,
    };
    let mut filler = scope::Filler::new(limit, after);
    let page = loop {
        let rows = state
            .ops()
            .instances(InstanceQuery {
                after: filler.cursor(),
                limit: filler.read(),
                ..query.clone()
            })
            .await
            .map_err(store_failed)?;
        let batch = scope::Batch {
            scanned: rows.len(),
            last: rows.last().map(|(pos, _)| *pos),
            kept: rows
                .into_iter()
                .filter(|(_, instance)| caller.may_use(&instance.ruleset))
                .collect(),
        };
        if let Some(page) = filler.push(batch) {
            break page;
        }
    };
    let instances = page
        .items
        .into_iter()
        .map(|(_, instance)| view(&state, instance, &[]))
        .collect();
    Ok(json_ok(&InstancePage {
        instances,
        next_cursor: if page.more {
            page.next.map(write_cursor)
        } else {
            None
        },
    }))
}

/// The cursor of a position: opaque to clients.
fn write_cursor(position: i64) -> String {
    format!("i{position:x}")
}

fn read_cursor(cursor: &str) -> Result<i64, ApiError> {
    cursor
        .strip_prefix('i')
        .and_then(|hex| i64::from_str_radix(hex, 16).ok())
        .ok_or_else(|| {
            ApiError::invalid_request(format!("`{cursor}` is not a cursor of this list"))
        })
}

/// The instance's input changed: the engine's `update` gives the `on change`/`on becomes`
/// actions and the timers to re-arm and cancel.
#[utoipa::path(
    post,
    path = "/v1/instances/{id}/update",
    tag = "instances",
    params(("id" = String, Path, description = "The instance's id")),
    request_body = UpdateInstanceRequest,
    responses(
        (status = 200, description = "The instance and the engine's update answer", body = InstanceEvent, headers(("x-ordo-audit-id" = i64, description = "The audit entry"))),
        (status = 400, description = "A malformed request", body = ErrorBody),
        (status = 401, description = "No or unknown token (audited)", body = ErrorBody),
        (status = 403, description = "Not an operator (audited)", body = ErrorBody),
        (status = 404, description = "No such instance", body = ErrorBody),
        (status = 409, description = "A stale `seq` (with the current `seq`)", body = ErrorBody),
        (status = 422, description = "The engine refused the new input", body = ErrorBody),
        (status = 503, description = "The store could not be written; nothing was done", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Result<Authenticated, ApiError>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let mut subject = Subject::new("instance.update", &id);
    let admitted = match admit(&state, caller, request, Role::Operator, &subject).await? {
        Ok(admitted) => admitted,
        Err(refused) => return Ok(refused),
    };
    // Read, decided and committed under the instance's lock.
    let _lock = state.lock_instance(&id).await;
    let outcome = async {
        let body: UpdateInstanceRequest = read_body(&admitted.body, "{\"input\", \"seq\"?}")?;
        let person = acting_person(&admitted.caller, body.actor)?;
        let instance = load(&state, &id).await?;
        subject.of(&instance);
        admitted.caller.require_ruleset(&instance.ruleset)?;
        if let Some(seen) = body.seq
            && seen != instance.seq
        {
            return Err(stale(instance.seq));
        }
        let (decisions, before) = read_around(&state, &id).await?;
        let ruleset = state.pinned(&instance)?;
        let person = in_ruleset(&admitted.caller, person, &ruleset);
        let now = state.clock().now();
        let (job_instance, input) = (instance.clone(), body.input);
        let decided = state
            .cpu()
            .run(move || decide::update(&ruleset, &job_instance, &decisions, &input, &person, now))
            .await??;
        let row = decided.row.clone().unwrap_or(instance.clone());
        let timers = timers_after(before, &decided.timers);
        Ok(Decision {
            guard: Guard::Seq(instance.seq),
            answer: event_answer(&state, row, timers),
            decided,
            status: StatusCode::OK,
        })
    }
    .await;
    finish(&state, &admitted, &subject, outcome).await
}

/// The instance's decisions and armed timers.
async fn read_around(
    state: &AppState,
    id: &str,
) -> Result<(Vec<crate::ops::Decision>, Vec<Timer>), ApiError> {
    // Read together: on a database server, two round trips at once.
    let (decisions, timers) = tokio::try_join!(state.ops().decisions(id), state.ops().timers(id))
        .map_err(store_failed)?;
    Ok((decisions, timers))
}

/// Applies a transition as the caller's person: the engine checks their roles, the guards and
/// the approvals granted so far, and gives the new state, actions and timers.
#[utoipa::path(
    post,
    path = "/v1/instances/{id}/apply",
    tag = "instances",
    params(("id" = String, Path, description = "The instance's id")),
    request_body = ApplyInstanceRequest,
    responses(
        (status = 200, description = "The instance and the engine's apply answer", body = InstanceEvent, headers(("x-ordo-audit-id" = i64, description = "The audit entry"))),
        (status = 400, description = "A malformed request", body = ErrorBody),
        (status = 401, description = "No or unknown token (audited)", body = ErrorBody),
        (status = 403, description = "Not an operator (audited)", body = ErrorBody),
        (status = 404, description = "No such instance", body = ErrorBody),
        (status = 409, description = "A stale `seq` (with the current `seq`)", body = ErrorBody),
        (status = 422, description = "The transition may not be taken (`transition`, with the reasons)", body = ErrorBody),
        (status = 503, description = "The store could not be written; nothing was done", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn apply(
    State(state): State<AppState>,
    caller: Result<Authenticated, ApiError>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let mut subject = Subject::new("instance.apply", &id);
    let admitted = match admit(&state, caller, request, Role::Operator, &subject).await? {
        Ok(admitted) => admitted,
        Err(refused) => return Ok(refused),
    };
    // Read, decided and committed under the instance's lock.
    let _lock = state.lock_instance(&id).await;
    let outcome = async {
        let body: ApplyInstanceRequest = read_body(&admitted.body, "{\"transition\", \"seq\"}")?;
        let person = acting_person(&admitted.caller, body.actor)?;
        let instance = load(&state, &id).await?;
        subject.of(&instance);
        admitted.caller.require_ruleset(&instance.ruleset)?;
        if body.seq != instance.seq {
            return Err(stale(instance.seq));
        }
        let (decisions, before) = read_around(&state, &id).await?;
        let ruleset = state.pinned(&instance)?;
        let person = in_ruleset(&admitted.caller, person, &ruleset);
        let now = state.clock().now();
        let (job_instance, transition) = (instance.clone(), body.transition);
        let decided = state
            .cpu()
            .run(move || {
                decide::apply(
                    &ruleset,
                    &job_instance,
                    &decisions,
                    &transition,
                    &person,
                    now,
                )
            })
            .await??;
        let row = decided.row.clone().unwrap_or(instance.clone());
        let timers = timers_after(before, &decided.timers);
        Ok(Decision {
            guard: Guard::Seq(instance.seq),
            answer: event_answer(&state, row, timers),
            decided,
            status: StatusCode::OK,
        })
    }
    .await;
    finish(&state, &admitted, &subject, outcome).await
}

/// Every event of an instance, oldest first: who, when, from and to which state, and the
/// actions it produced.
#[utoipa::path(
    get,
    path = "/v1/instances/{id}/history",
    tag = "instances",
    params(("id" = String, Path, description = "The instance's id")),
    responses(
        (status = 200, description = "The events", body = HistoryPage),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Neither an operator nor an auditor", body = ErrorBody),
        (status = 404, description = "No such instance", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn history(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    require_reader(&caller)?;
    let instance = load(&state, &id).await?;
    caller.require_ruleset(&instance.ruleset)?;
    let events = state.ops().history(&id).await.map_err(store_failed)?;
    let events = events
        .into_iter()
        .map(|(event_id, event)| HistoryEntry {
            id: event_id,
            kind: event.kind,
            name: event.name,
            seq: event.seq,
            actor: event.actor,
            actor_roles: serde_json::from_str(&event.actor_roles).unwrap_or_default(),
            at: store::format_micros(event.at),
            from: event.from_state,
            to: event.to_state,
            actions: serde_json::from_str(&event.actions).unwrap_or(Json::Array(Vec::new())),
            detail: event.detail.and_then(|d| serde_json::from_str(&d).ok()),
        })
        .collect();
    Ok(json_ok(&HistoryPage {
        instance: id,
        events,
    }))
}
