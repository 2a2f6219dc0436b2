//! What the server keeps of running workflows: instances (state, input, `seq`, owner, SLA due
//! time), their history, the grants and rejections of approval steps, the timers they armed,
//! the steps waiting for someone (the inbox), and the outbox of actions to deliver.
//!
//! The engine decides ([`decide`]); the store only records its answers. Everything the
//! handlers and the scheduler need goes through [`OperationsStore`]: SQLite ([`sqlite`]) or
//! PostgreSQL ([`crate::pg`]).

pub mod dashboard;
pub mod decide;
pub mod locks;
pub mod sqlite;

use std::future::Future;
use std::pin::Pin;

use crate::store::{AuditRecord, StoreError};

/// A store operation in flight.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// One workflow instance as stored. Times are microseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub id: String,
    pub ruleset: String,
    /// The version pinned at start.
    pub version: String,
    pub hash: String,
    pub workflow: String,
    pub state: String,
    /// The state before the current one (for `-> previous`).
    pub previous_state: Option<String>,
    pub owner: Option<String>,
    /// The SLA due time of the current state.
    pub due_at: Option<i64>,
    /// The input, as JSON text.
    pub input: String,
    /// The number of the last event that changed the instance (start is 1).
    pub seq: i64,
    /// When the instance entered its current state.
    pub entered_at: i64,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
}

/// One event of an instance's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// `start`, `update`, `apply`, `timer`, `grant` or `reject`.
    pub kind: String,
    /// The transition, the timer trigger or `CHAIN.STEP`.
    pub name: Option<String>,
    /// The instance's `seq` after the event.
    pub seq: i64,
    /// The person (or `scheduler`) who acted.
    pub actor: String,
    /// Their roles, as a JSON array.
    pub actor_roles: String,
    pub at: i64,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// The actions it produced, as a JSON array.
    pub actions: String,
    /// What else the event carried (the facts of a grant, why a timer did not fire), as JSON.
    pub detail: Option<String>,
}

/// An armed timer.
#[derive(Debug, Clone, PartialEq)]
pub struct Timer {
    pub trigger: String,
    pub due_at: i64,
}

/// A due timer, with its instance.
#[derive(Debug, Clone, PartialEq)]
pub struct DueTimer {
    pub instance: String,
    pub trigger: String,
    pub due_at: i64,
}

/// What an event does to the instance's timers.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum TimerChange {
    /// Nothing.
    #[default]
    Keep,
    /// The instance entered a state: these and only these are armed.
    Replace(Vec<Timer>),
    /// An update: these are (re-)armed, the named ones cancelled.
    Adjust {
        arm: Vec<Timer>,
        cancel: Vec<String>,
    },
    /// A timer was fired (or found not to apply): it is disarmed.
    Disarm(String),
}

/// An action for the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxAction {
    /// The engine's idempotency key.
    pub key: String,
    pub trigger: String,
    /// The action as the engine gave it, as JSON text.
    pub action: String,
}

/// A grant or rejection of an approval step by one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub chain: String,
    pub step: String,
    pub person: String,
    /// The role the person decided under.
    pub role: Option<String>,
    /// `grant` or `reject`.
    pub decision: String,
    /// The facts the person saw, as a JSON object.
    pub facts: String,
    pub at: i64,
}

/// An approval step that waits for someone.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingStep {
    pub chain: String,
    pub step: String,
    pub label: String,
    /// The roles that may decide it, as a JSON array.
    pub roles: String,
    /// `pending` or `stale`.
    pub status: String,
    /// The facts a grant records, as a JSON object.
    pub facts: String,
    /// Who granted it so far, as a JSON array.
    pub granted_by: String,
}

/// What the store must check before it writes a change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Guard {
    /// The instance must not exist yet.
    Create,
    /// The instance's `seq` must still be this one.
    Seq(i64),
}

/// One event's complete effect, committed in one transaction with its audit entry.
#[derive(Debug, Clone)]
pub struct Change {
    pub instance: String,
    pub guard: Guard,
    /// The instance after the event (`None`: unchanged).
    pub row: Option<Instance>,
    pub history: HistoryEvent,
    pub timers: TimerChange,
    pub actions: Vec<OutboxAction>,
    pub decision: Option<Decision>,
    /// The steps that wait after the event (`None`: unchanged).
    pub pending: Option<Vec<PendingStep>>,
    pub audit: Option<AuditRecord>,
}

/// How a change ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Committed {
    /// Written, with the ids of its audit entry and history event.
    Done {
        audit_id: Option<i64>,
        history_id: i64,
    },
    /// The guard failed: the instance's `seq` now (`None`: it does not exist).
    Conflict { current_seq: Option<i64> },
    /// An instance of this id exists already.
    Exists,
}

/// Filters of the instance list.
#[derive(Debug, Clone, Default)]
pub struct InstanceQuery {
    pub ruleset: Option<String>,
    pub workflow: Option<String>,
    pub state: Option<String>,
    pub owner: Option<String>,
    /// Only instances whose SLA due time is before this instant.
    pub overdue_at: Option<i64>,
    pub updated_since: Option<i64>,
    /// Only rows after this position (the paging cursor).
    pub after: Option<i64>,
    pub limit: u32,
}

/// One item of an approvals inbox.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxItem {
    pub instance: String,
    pub ruleset: String,
    pub workflow: String,
    pub state: String,
    pub step: PendingStep,
    /// Since when the step waits.
    pub since: i64,
}

/// One action of the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Its position: poll with `after` this.
    pub seq: i64,
    pub key: String,
    pub instance: String,
    pub event_seq: i64,
    pub trigger: String,
    pub action: String,
    pub at: i64,
}

/// The store of running workflows. Reads may see a change a moment late; every write goes
/// through [`OperationsStore::commit`], which checks its [`Guard`] inside the transaction.
pub trait OperationsStore: Send + Sync {
    /// One instance.
    fn instance(&self, id: &str) -> StoreFuture<'_, Option<Instance>>;
    /// Instances matching the query, with their positions (for the cursor).
    fn instances(&self, query: InstanceQuery) -> StoreFuture<'_, Vec<(i64, Instance)>>;
    /// The history of an instance, oldest first, with the events' ids.
    fn history(&self, id: &str) -> StoreFuture<'_, Vec<(i64, HistoryEvent)>>;
    /// The grants and rejections of an instance.
    fn decisions(&self, id: &str) -> StoreFuture<'_, Vec<Decision>>;
    /// Grants and rejections made in `[from, to)` with their instances' rulesets and how long
    /// their steps waited, oldest first, at most `limit`.
    fn decided_steps(
        &self,
        from: i64,
        to: i64,
        limit: u32,
    ) -> StoreFuture<'_, Vec<dashboard::DecidedStep>>;
    /// The armed timers of an instance.
    fn timers(&self, id: &str) -> StoreFuture<'_, Vec<Timer>>;
    /// Timers due at or before `now`, earliest first.
    fn due_timers(&self, now: i64, limit: u32) -> StoreFuture<'_, Vec<DueTimer>>;
    /// Timers due at or before `now` for this server to fire, earliest first. A store that
    /// servers share leases each until `lease_until` (microseconds, by the wall clock):
    /// meanwhile no other server takes it, and when the server holding it dies the others
    /// take it after the lease. A store of one server answers [`Self::due_timers`].
    fn claim_timers(
        &self,
        now: i64,
        limit: u32,
        lease_until: i64,
    ) -> StoreFuture<'_, Vec<DueTimer>> {
        let _ = lease_until;
        self.due_timers(now, limit)
    }
    /// Steps waiting for a holder of one of `roles` that `person` has not decided.
    fn inbox(&self, person: &str, roles: &[String]) -> StoreFuture<'_, Vec<InboxItem>>;
    /// Outbox actions after position `after`.
    fn outbox(&self, after: i64, limit: u32) -> StoreFuture<'_, Vec<OutboxEntry>>;
    /// Writes one event's effect durably, or reports why not.
    fn commit(&self, change: Change) -> StoreFuture<'_, Committed>;
    /// The last outbox position queued for `webhook` (0 before the first).
    fn delivery_cursor(&self, webhook: &str) -> StoreFuture<'_, i64>;
    /// Writes the delivery state durably.
    fn write_delivery(&self, write: DeliveryWrite) -> StoreFuture<'_, DeliveryWritten>;
    /// Deliveries matching the query, by outbox position then webhook.
    fn deliveries(&self, query: DeliveryQuery) -> StoreFuture<'_, Vec<Delivery>>;
    /// The counts `/metrics` shows at `now`.
    fn gauges(&self, now: i64) -> StoreFuture<'_, OperationsGauges>;
    /// The delegations given or received by `person` (every one when `None`), newest first.
    fn delegations(&self, person: Option<&str>) -> StoreFuture<'_, Vec<Delegation>>;
    /// The delegations `person` holds at `now` (in their window, not revoked).
    fn delegated_to(&self, person: &str, now: i64) -> StoreFuture<'_, Vec<Delegation>>;
    /// Writes a delegation or its revocation durably, with its audit entry.
    fn write_delegation(&self, write: DelegationWrite) -> StoreFuture<'_, DelegationWritten>;
}

/// Where a delivery of an outbox action to a webhook stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not delivered yet; tried again at `next_at`.
    Pending,
    /// The webhook answered 2xx.
    Delivered,
    /// Given up after the configured number of attempts (retried only by hand).
    Failed,
}

impl DeliveryStatus {
    /// The status as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// A stored status.
    pub fn parse(text: &str) -> Option<DeliveryStatus> {
        match text {
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }

    /// Every status, for metrics.
    pub const ALL: [DeliveryStatus; 3] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
    ];
}

/// One outbox action on its way to one webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The webhook's configured name.
    pub webhook: String,
    pub entry: OutboxEntry,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i64,
    /// When it is tried next (while pending); a claimed delivery's lease end.
    pub next_at: i64,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

/// What one attempt found.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub webhook: String,
    /// The outbox position of the action.
    pub seq: i64,
    pub at: i64,
    /// `None`: delivered; otherwise why not.
    pub error: Option<String>,
    /// When to try again; `None` with an error: give up (`failed`).
    pub retry_at: Option<i64>,
}

/// A write to the delivery state (through the store's writer, like every write).
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryWrite {
    /// Queues the actions at `seqs` for `webhook` (each once) and moves its cursor to `upto`.
    Enqueue {
        webhook: String,
        seqs: Vec<i64>,
        upto: i64,
        now: i64,
    },
    /// Takes up to `limit` pending deliveries of `webhooks` due at `now`, leasing each until
    /// `lease_until` (a replica that dies holding one leaves it to be taken again then).
    Claim {
        webhooks: Vec<String>,
        now: i64,
        lease_until: i64,
        limit: u32,
    },
    /// Records an attempt.
    Record(Attempt),
    /// Puts a failed delivery back in the queue, due at `now`; `false` when there is no
    /// failed delivery of that webhook and position.
    Retry { webhook: String, seq: i64, now: i64 },
}

/// What a [`DeliveryWrite`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryWritten {
    Done,
    Claimed(Vec<Delivery>),
    Retried(bool),
}

/// Filters of the delivery list.
#[derive(Debug, Clone, Default)]
pub struct DeliveryQuery {
    pub webhook: Option<String>,
    pub status: Option<DeliveryStatus>,
    /// Only deliveries of actions after this outbox position (the paging cursor).
    pub after: Option<i64>,
    pub limit: u32,
}

/// Counts for `/metrics`, read in one go.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OperationsGauges {
    /// Instances by (ruleset, workflow, state).
    pub instances: Vec<(String, String, String, i64)>,
    /// Instances past their SLA due time by (ruleset, workflow).
    pub overdue: Vec<(String, String, i64)>,
    /// Armed timers, and the due time of the earliest one due by now (for the lag).
    pub timers: i64,
    pub earliest_due: Option<i64>,
    /// The outbox's last position.
    pub outbox_last: i64,
    /// Deliveries by (webhook, status).
    pub deliveries: Vec<(String, DeliveryStatus, i64)>,
    /// Each webhook's cursor (the last outbox position queued for it).
    pub cursors: Vec<(String, i64)>,
}

/// A person's role lent to another person for a window of time.
#[derive(Debug, Clone, PartialEq)]
pub struct Delegation {
    /// Given by the store (0 before it is stored).
    pub id: i64,
    /// Who lends the role.
    pub delegator: String,
    /// Who holds it during the window.
    pub delegate: String,
    pub role: String,
    /// The window: from `starts_at` (inclusive) to `ends_at` (exclusive).
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl Delegation {
    /// The answer to the request that created this delegation (JSON text). Its SHA-256 is the
    /// `result_sha256` of the creation's audit entry, which the store computes once it has
    /// given the delegation its id (see [`DelegationWrite::Create`]).
    pub fn created_answer(&self) -> String {
        let at = crate::store::format_micros;
        ordo_engine::to_json_string(&serde_json::json!({
            "id": self.id,
            "delegator": self.delegator,
            "delegate": self.delegate,
            "role": self.role,
            "from": at(self.starts_at),
            "until": at(self.ends_at),
            "created_at": at(self.created_at),
            "revoked_at": self.revoked_at.map(at),
        }))
    }

    /// The creation's audit entry once the store has given the delegation `id`: `audit` with
    /// the digest of the answer that names that id.
    pub fn created_audit(&self, id: i64, audit: Option<&AuditRecord>) -> Option<AuditRecord> {
        let created = Delegation { id, ..self.clone() };
        audit.map(|record| AuditRecord {
            result_sha256: crate::auth::sha256_hex(created.created_answer().as_bytes()),
            ..record.clone()
        })
    }
}

/// A write to the delegations, committed with its audit entry.
#[derive(Debug, Clone, PartialEq)]
pub enum DelegationWrite {
    /// Stores a new delegation (its `id` is given by the store). The audit entry's
    /// `result_sha256` is set by the store to the digest of
    /// [`Delegation::created_answer`] with that id.
    Create(Delegation, Option<AuditRecord>),
    /// Ends the delegation `id` of `delegator` at `at` (only a delegation not yet revoked).
    Revoke {
        id: i64,
        delegator: String,
        at: i64,
        audit: Option<AuditRecord>,
    },
}

/// What a [`DelegationWrite`] did: the delegation's id (`None`: nothing to revoke) and the
/// audit entry's id.
#[derive(Debug, Clone, PartialEq)]
pub struct DelegationWritten {
    pub id: Option<i64>,
    pub audit_id: Option<i64>,
}
