//! The scheduler: a task that, every tick, reads the timers whose due time has come (by the
//! server's [`Clock`](crate::clock::Clock)) and fires each through the engine's `fire_timer`,
//! which re-checks that it still applies. A timer that fires is an event of its instance
//! (the next `seq`, its actions in the outbox); one that does not is disarmed with the
//! engine's reason in the history. Each firing is written with its audit entry in one
//! transaction, guarded by the instance's `seq`, so a timer that races a transition is
//! simply read again on the next tick.

use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use serde_json::json;
use tokio::sync::watch;

use crate::api::AppState;
use crate::auth::sha256_hex;
use crate::ops::decide::{self, SCHEDULER};
use crate::ops::{Change, Committed, DueTimer, Guard, HistoryEvent, TimerChange};
use crate::store::{self, AuditRecord, StoreError};

/// Timers read per tick.
const BATCH: u32 = 256;

/// Timers of a tick fired at once.
const CONCURRENT: usize = 32;

/// Fires due timers every `interval` until `stop` turns true. A tick that claimed a full batch
/// is followed by the next at once: a backlog is worked off without waiting an interval per
/// batch.
pub async fn run(state: AppState, interval: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
            }
        }
        loop {
            if *stop.borrow() {
                return;
            }
            match tick(&state, interval).await {
                Ok(ticked) => {
                    if ticked.written > 0 {
                        tracing::debug!(fired = ticked.written, "scheduler: timers handled");
                    }
                    if ticked.claimed < BATCH as usize {
                        break;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "scheduler: a tick failed");
                    break;
                }
            }
        }
    }
}

/// How long a claimed timer is left to the server that claimed it (on a shared store) before
/// another may take it: long enough for a batch to be fired.
pub fn lease(interval: Duration) -> Duration {
    interval.saturating_mul(10).max(Duration::from_secs(5))
}

/// What one tick did.
#[derive(Debug, Clone, Copy)]
pub struct Ticked {
    /// Timers claimed (at most [`BATCH`]).
    pub claimed: usize,
    /// Timers fired or disarmed (the others are left for a later tick).
    pub written: usize,
}

/// Handles the timers due now (up to one batch), [`CONCURRENT`] at a time: each is fired under
/// its instance's lock, and their commits join the store's group commits.
pub async fn tick(state: &AppState, interval: Duration) -> Result<Ticked, StoreError> {
    let now = state.clock().now();
    let lease_until = store::now_micros()
        .saturating_add(i64::try_from(lease(interval).as_micros()).unwrap_or(i64::MAX));
    let due = state
        .ops()
        .claim_timers(now.timestamp_micros(), BATCH, lease_until)
        .await?;
    let claimed = due.len();
    // Owned timers: futures that borrow the batch would not be `Send` for every lifetime.
    let mut fired = stream::iter(due)
        .map(|timer| async move { fire(state, &timer, now).await })
        .buffer_unordered(CONCURRENT);
    let (mut written, mut failed) = (0, None);
    while let Some(outcome) = fired.next().await {
        match outcome {
            Ok(true) => written += 1,
            Ok(false) => {}
            // The others still finish: a timer not written stays armed for a later tick.
            Err(error) => failed = Some(error),
        }
    }
    match failed {
        Some(error) => Err(error),
        None => Ok(Ticked { claimed, written }),
    }
}

/// Fires one timer; `false` when it was left for a later tick (its instance moved meanwhile).
async fn fire(
    state: &AppState,
    timer: &DueTimer,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, StoreError> {
    let ops = state.ops();
    let _lock = state.lock_instance(&timer.instance).await;
    let Some(instance) = ops.instance(&timer.instance).await? else {
        return Ok(false);
    };
    let decisions = ops.decisions(&instance.id).await?;
    let request = json!({
        "instance": instance.id,
        "trigger": timer.trigger,
        "due": store::format_micros(timer.due_at),
        "seq": instance.seq,
    });
    let decided = match state.pinned(&instance) {
        Ok(ruleset) => {
            let (job_instance, trigger) = (instance.clone(), timer.trigger.clone());
            let job = state.cpu().run(move || {
                decide::fire_timer(&ruleset, &job_instance, &decisions, &trigger, now)
            });
            match job.await {
                Ok(decided) => decided,
                Err(busy) => {
                    // No CPU worker now: the timer stays armed for the next tick.
                    tracing::debug!(error = %busy.body_text(), "scheduler: no worker for a timer");
                    return Ok(false);
                }
            }
        }
        Err(error) => Err(error),
    };
    let (change, text, outcome) = match decided {
        Ok(decided) => {
            let text = ordo_engine::to_json_string(&decided.answer);
            let change = Change {
                instance: instance.id.clone(),
                guard: Guard::Seq(instance.seq),
                row: decided.row,
                history: decided.history,
                timers: decided.timers,
                actions: decided.actions,
                decision: None,
                pending: None,
                audit: None,
            };
            (change, text, "ok".to_string())
        }
        Err(error) => {
            // The engine refused (the input no longer reads, the version is gone): the timer
            // is disarmed with the error in the history rather than retried every tick.
            tracing::warn!(instance = %instance.id, trigger = %timer.trigger, error = %error.body_text(), "scheduler: a timer could not be fired");
            let history = HistoryEvent {
                kind: "timer".into(),
                name: Some(timer.trigger.clone()),
                seq: instance.seq,
                actor: SCHEDULER.into(),
                actor_roles: "[]".into(),
                at: now.timestamp_micros(),
                from_state: Some(instance.state.clone()),
                to_state: Some(instance.state.clone()),
                actions: "[]".into(),
                detail: Some(error.body_text()),
            };
            let change = Change {
                instance: instance.id.clone(),
                guard: Guard::Seq(instance.seq),
                row: None,
                history,
                timers: TimerChange::Disarm(timer.trigger.clone()),
                actions: Vec::new(),
                decision: None,
                pending: None,
                audit: None,
            };
            (change, error.body_text(), error.kind().to_string())
        }
    };
    let audit = state.audits().then(|| AuditRecord {
        at: store::now_micros(),
        caller: SCHEDULER.into(),
        operation: "instance.timer".into(),
        ruleset: instance.ruleset.clone(),
        version: Some(instance.version.clone()),
        hash: Some(instance.hash.clone()),
        request: ordo_engine::to_json_string(&request),
        result_sha256: sha256_hex(text.as_bytes()),
        outcome,
        violations: Vec::new(),
    });
    match ops.commit(Change { audit, ..change }).await? {
        Committed::Done { .. } => Ok(true),
        Committed::Conflict { .. } | Committed::Exists => Ok(false),
    }
}
