//! How every write to an instance is admitted, committed and audited: the caller is
//! authenticated and role-checked (refusals are audited), the engine decides on a CPU
//! worker, and the decision is committed with its audit entry in one transaction of the
//! store's writer. A failed request is audited alone.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Value as Json, json};

use super::ops_schema::ActorBody;
use super::{AppState, Authenticated, Body, json_response, with_audit_id};
use crate::auth::{Caller, Person, Role, sha256_hex};
use crate::error::ApiError;
use crate::ops::decide::Decided;
use crate::ops::{Change, Committed, Guard, Instance};
use crate::store::{self, AuditRecord};

/// A write the caller may make: who, and the body as received.
pub struct Admitted {
    pub caller: Caller,
    pub body: Bytes,
}

/// The audit entry's subject: the operation and what it concerns.
pub struct Subject {
    /// `instance.start`, `instance.apply`, `approval.grant`, ...
    pub operation: &'static str,
    /// The instance's id (empty for a start that has none yet).
    pub instance: String,
    pub ruleset: String,
    pub version: Option<String>,
    pub hash: Option<String>,
}

impl Subject {
    pub fn new(operation: &'static str, instance: &str) -> Subject {
        Subject {
            operation,
            instance: instance.to_string(),
            ruleset: String::new(),
            version: None,
            hash: None,
        }
    }

    /// Names the instance's ruleset and pinned version.
    pub fn of(&mut self, instance: &Instance) {
        self.instance.clone_from(&instance.id);
        self.ruleset.clone_from(&instance.ruleset);
        self.version = Some(instance.version.clone());
        self.hash = Some(instance.hash.clone());
    }
}

/// Authenticates and role-checks a write; a refusal is answered (and audited) at once.
pub async fn admit(
    state: &AppState,
    caller: Result<Authenticated, ApiError>,
    request: Request,
    role: Role,
    subject: &Subject,
) -> Result<Result<Admitted, Response>, ApiError> {
    let at = store::now_micros();
    let caller = match caller {
        Ok(Authenticated(caller)) => caller,
        Err(refusal) => {
            return audit_alone(state, at, "", subject, &[], refusal)
                .await
                .map(Err);
        }
    };
    let Body(body) = Body::from_request(request, state).await?;
    if let Err(refusal) = caller.require(role) {
        return audit_alone(state, at, caller.name(), subject, &body, refusal)
            .await
            .map(Err);
    }
    Ok(Ok(Admitted { caller, body }))
}

/// Reads a body of type `T`; an empty body is `{}`.
pub fn read_body<T: DeserializeOwned>(body: &[u8], expected: &str) -> Result<T, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::invalid_request(format!("the request is not UTF-8: {e}")))?;
    let text = if text.trim().is_empty() { "{}" } else { text };
    serde_json::from_str(text)
        .map_err(|e| ApiError::invalid_request(format!("expected {expected}: {e}")))
}

/// The person who acts: the token's, or on an open server the request's `actor`.
pub fn acting_person(caller: &Caller, actor: Option<ActorBody>) -> Result<Person, ApiError> {
    match actor {
        None => Ok(caller.person()),
        Some(actor) if caller.names_its_actor() => Ok(Person {
            id: actor.id,
            roles: actor.roles,
        }),
        // A server with tokens acts as the token's person: a request may name it, never
        // another one.
        Some(actor) => {
            caller.check_actor(&actor.id, &actor.roles)?;
            Ok(caller.person())
        }
    }
}

/// The person with only the roles `ruleset` declares (`Schema::roles`). A token's person may
/// hold roles of other rulesets, which the engine would refuse as unknown and which allow
/// nothing here. On an open server the request names its actor's roles itself: those are
/// left for the engine to judge, so a misspelt role is reported rather than dropped.
pub fn in_ruleset(caller: &Caller, person: Person, ruleset: &ordo_engine::Ruleset) -> Person {
    if caller.names_its_actor() {
        return person;
    }
    only_declared(person, ruleset)
}

/// The person with only the roles `ruleset` declares.
pub fn only_declared(person: Person, ruleset: &ordo_engine::Ruleset) -> Person {
    let schema = ruleset.schema();
    let declared: Vec<&str> = schema.roles().collect();
    Person {
        roles: person
            .roles
            .into_iter()
            .filter(|role| declared.contains(&role.as_str()))
            .collect(),
        ..person
    }
}

/// A write the engine decided, to commit.
pub struct Decision {
    pub guard: Guard,
    pub decided: Decided,
    /// `201` for a start, `200` otherwise.
    pub status: StatusCode,
    /// Makes the answer from the committed instance and the engine's answer.
    pub answer: Box<dyn FnOnce(Json) -> Json + Send>,
}

/// Commits a decided write with its audit entry and answers; or audits a failed one alone.
pub async fn finish(
    state: &AppState,
    admitted: &Admitted,
    subject: &Subject,
    outcome: Result<Decision, ApiError>,
) -> Result<Response, ApiError> {
    let at = store::now_micros();
    let decision = match outcome {
        Ok(decision) => decision,
        Err(error) => {
            return audit_alone(
                state,
                at,
                admitted.caller.name(),
                subject,
                &admitted.body,
                error,
            )
            .await;
        }
    };
    let answer = (decision.answer)(decision.decided.answer.clone());
    let text = ordo_engine::to_json_string(&answer);
    let audit = state.audits().then(|| AuditRecord {
        at,
        caller: admitted.caller.name().to_string(),
        operation: subject.operation.to_string(),
        ruleset: subject.ruleset.clone(),
        version: subject.version.clone(),
        hash: subject.hash.clone(),
        request: audit_request(state, subject, &admitted.body),
        result_sha256: sha256_hex(text.as_bytes()),
        outcome: "ok".to_string(),
        violations: Vec::new(),
    });
    let decided = decision.decided;
    let change = Change {
        instance: subject.instance.clone(),
        guard: decision.guard,
        row: decided.row,
        history: decided.history,
        timers: decided.timers,
        actions: decided.actions,
        decision: decided.decision,
        pending: decided.pending,
        audit,
    };
    let committed = state.ops().commit(change).await.map_err(|e| {
        ApiError::unavailable(format!(
            "the change could not be stored, so nothing was done: {e}"
        ))
    })?;
    match committed {
        Committed::Done { audit_id, .. } => Ok(with_audit_id(
            json_response(decision.status, text),
            audit_id,
        )),
        Committed::Conflict { current_seq } => {
            let error = match current_seq {
                Some(seq) => stale(seq),
                None => ApiError::not_found(format!("no instance `{}`", subject.instance)),
            };
            audit_alone(
                state,
                at,
                admitted.caller.name(),
                subject,
                &admitted.body,
                error,
            )
            .await
        }
        Committed::Exists => {
            let error =
                ApiError::conflict(format!("an instance `{}` exists already", subject.instance));
            audit_alone(
                state,
                at,
                admitted.caller.name(),
                subject,
                &admitted.body,
                error,
            )
            .await
        }
    }
}

/// `409 conflict`: the client's `seq` is not the instance's.
pub fn stale(current: i64) -> ApiError {
    ApiError::conflict(format!(
        "the instance changed since it was read: its seq is now {current}; read it again and retry"
    ))
    .with("seq", json!(current))
}

/// The audit entry's request: the instance's id and the body as received (past the audit
/// body cap, the instance's id and the body's digest).
fn audit_request(state: &AppState, subject: &Subject, body: &[u8]) -> String {
    if let Some(omitted) = state.omitted_body(body, &subject.instance) {
        return omitted;
    }
    let text = String::from_utf8_lossy(body);
    let body = serde_json::from_str::<Json>(&text).unwrap_or(Json::String(text.into_owned()));
    ordo_engine::to_json_string(&json!({"instance": subject.instance, "body": body}))
}

/// Answers `error` once its audit entry is committed (`unavailable` when it cannot be).
async fn audit_alone(
    state: &AppState,
    at: i64,
    caller: &str,
    subject: &Subject,
    body: &[u8],
    error: ApiError,
) -> Result<Response, ApiError> {
    if !state.audits() {
        return Err(error);
    }
    let record = AuditRecord {
        at,
        caller: caller.to_string(),
        operation: subject.operation.to_string(),
        ruleset: subject.ruleset.clone(),
        version: subject.version.clone(),
        hash: subject.hash.clone(),
        request: audit_request(state, subject, body),
        result_sha256: sha256_hex(error.body_text().as_bytes()),
        outcome: error.kind().to_string(),
        violations: Vec::new(),
    };
    let id = state.store().audit(record).await.map_err(|e| {
        ApiError::unavailable(format!(
            "the request could not be written to the audit log: {e}"
        ))
    })?;
    Ok(with_audit_id(error.into_response(), Some(id)))
}
