//! The JSON shapes of workflow instances, approvals and the outbox, as the OpenAPI document
//! describes them. The engine's answers inside them (`result`) are passed through unchanged.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use utoipa::{IntoParams, ToSchema};

/// Who acts, on an open server only (a server with tokens takes the token's `person`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorBody {
    pub id: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

/// `POST /v1/instances`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartInstanceRequest {
    /// The ruleset's name.
    pub ruleset: String,
    /// The workflow of the ruleset.
    pub workflow: String,
    /// The instance's complete input.
    #[schema(value_type = Object)]
    pub input: Json,
    /// Which version (exact, requirement, `latest` or date); the latest without it. The
    /// version found is pinned: every later event of the instance uses it.
    pub version: Option<String>,
    /// The instance's id (letters, digits, `.`, `_`, `:`, `-`; at most 128); one is made up
    /// without it. Starting an id that exists is `409 conflict`.
    pub id: Option<String>,
    /// Open server only.
    pub actor: Option<ActorBody>,
}

/// `POST /v1/instances/{id}/update`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInstanceRequest {
    /// The new complete input.
    #[schema(value_type = Object)]
    pub input: Json,
    /// The `seq` the client saw; a stale one is `409 conflict`. Without it the update
    /// applies to the instance as it is.
    pub seq: Option<i64>,
    /// Open server only.
    pub actor: Option<ActorBody>,
}

/// `POST /v1/instances/{id}/apply`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyInstanceRequest {
    /// The transition's name.
    pub transition: String,
    /// The `seq` the client saw; a stale one is `409 conflict`.
    pub seq: i64,
    /// Open server only.
    pub actor: Option<ActorBody>,
}

/// `POST /v1/instances/{id}/approvals/{chain}/{step}/grant` (or `/reject`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideRequest {
    /// The `seq` the client saw; a stale one is `409 conflict`.
    pub seq: Option<i64>,
    /// Why (at most 2,000 characters): kept in the history's `detail` and, with the request,
    /// in the audit log.
    pub comment: Option<String>,
    /// Open server only.
    pub actor: Option<ActorBody>,
}

/// An armed timer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimerView {
    pub trigger: String,
    /// RFC 3339, UTC.
    pub due: String,
}

/// A workflow instance.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstanceView {
    pub id: String,
    pub ruleset: String,
    /// The version pinned at start.
    pub version: String,
    pub hash: String,
    pub workflow: String,
    pub state: String,
    pub previous_state: Option<String>,
    pub owner: Option<String>,
    /// The SLA due time of the current state (RFC 3339).
    pub due: Option<String>,
    /// Whether the SLA due time has passed.
    pub overdue: bool,
    /// The number of the last event that changed the instance; send it with `apply`.
    pub seq: i64,
    #[schema(value_type = Object)]
    pub input: Json,
    /// When the instance entered its current state (RFC 3339).
    pub entered_at: String,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    /// The timers armed, earliest first.
    pub timers: Vec<TimerView>,
}

/// The answer of start, update and apply: the instance after the event and the engine's
/// answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstanceEvent {
    pub instance: InstanceView,
    /// The engine's answer (`start`, `update` or `apply` result).
    #[schema(value_type = Object)]
    pub result: Json,
}

/// Filters and paging of `GET /v1/instances`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstanceParams {
    pub ruleset: Option<String>,
    pub workflow: Option<String>,
    pub state: Option<String>,
    pub owner: Option<String>,
    /// `true`: only instances past their SLA due time.
    pub overdue: Option<bool>,
    /// Only instances changed at or after this time (RFC 3339).
    pub updated_since: Option<String>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page (opaque).
    pub cursor: Option<String>,
}

/// `GET /v1/instances`.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstancePage {
    /// In the order they were started (without their timers).
    pub instances: Vec<InstanceView>,
    /// Absent on the last page.
    pub next_cursor: Option<String>,
}

/// One event of an instance.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub id: i64,
    /// `start`, `update`, `apply`, `timer`, `grant` or `reject`.
    pub kind: String,
    /// The transition, the timer or `CHAIN.STEP`.
    pub name: Option<String>,
    /// The instance's `seq` after the event.
    pub seq: i64,
    /// The person, or `scheduler`.
    pub actor: String,
    pub actor_roles: Vec<String>,
    /// RFC 3339, UTC (the server's clock).
    pub at: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The actions, each with its idempotency `key`.
    #[schema(value_type = Vec<Object>)]
    pub actions: Json,
    /// The facts and role of a decision, or why a timer did not fire.
    #[schema(value_type = Option<Object>)]
    pub detail: Option<Json>,
}

/// `GET /v1/instances/{id}/history`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    pub instance: String,
    /// Oldest first.
    pub events: Vec<HistoryEntry>,
}

/// The answer of a grant or rejection.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionAnswer {
    pub instance: String,
    pub chain: String,
    pub step: String,
    /// `grant` or `reject`.
    pub decision: String,
    pub by: String,
    /// The role it was decided under.
    pub role: String,
    /// The facts copied from the current evaluation.
    #[schema(value_type = Object)]
    pub facts: Json,
    pub at: String,
    /// The step as the engine judges it now (`status`, `granted_by`, `refused`).
    #[schema(value_type = Option<Object>)]
    pub status: Json,
}

/// One step that waits for the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxEntry {
    pub instance: String,
    pub ruleset: String,
    pub workflow: String,
    pub state: String,
    pub chain: String,
    pub step: String,
    pub label: String,
    /// The roles that may decide it.
    pub roles: Vec<String>,
    /// `pending`, or `stale` (a grant's facts changed).
    pub status: String,
    /// The facts a grant records, as they are now.
    #[schema(value_type = Object)]
    pub facts: Json,
    pub granted_by: Vec<String>,
    /// Since when it waits (RFC 3339).
    pub since: String,
}

/// `GET /v1/approvals/inbox`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Inbox {
    pub person: String,
    pub roles: Vec<String>,
    /// Oldest first.
    pub items: Vec<InboxEntry>,
}

/// Paging of `GET /v1/outbox`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxParams {
    /// Only actions after this position (the `next_after` of the previous page; 0 first).
    pub after: Option<i64>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<u32>,
}

/// One action to deliver.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxAction {
    /// Its position.
    pub seq: i64,
    /// The idempotency key: receivers drop a key they have seen.
    pub key: String,
    pub instance: String,
    /// The instance's `seq` of the event that produced it.
    pub event_seq: i64,
    pub trigger: String,
    pub at: String,
    /// The action as the engine gave it (`trigger`, `action`, `args`, `key`).
    #[schema(value_type = Object)]
    pub action: Json,
}

/// `GET /v1/outbox`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxPage {
    pub actions: Vec<OutboxAction>,
    /// Pass as `after` for the next page (the same value when nothing is new).
    pub next_after: i64,
}

/// `GET /v1/deliveries` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// Only this webhook's deliveries.
    pub webhook: Option<String>,
    /// Only `pending`, `delivered` or `failed` ones.
    pub status: Option<String>,
    /// Only actions after this outbox position (the `next_after` of the previous page).
    pub after: Option<i64>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<u32>,
}

/// One outbox action on its way to one webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub webhook: String,
    /// `pending`, `delivered` or `failed` (given up; retry it by hand).
    pub status: String,
    pub attempts: i64,
    /// When it is tried next (pending only).
    pub next_attempt: Option<String>,
    pub last_error: Option<String>,
    pub last_attempt: Option<String>,
    pub delivered_at: Option<String>,
    /// The action as posted.
    pub action: OutboxAction,
}

/// A page of deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub deliveries: Vec<DeliveryView>,
    /// Pass as `after` for the next page.
    pub next_after: i64,
}
