//! Following a shared store: another server's publications and lifecycle changes (yanks,
//! deprecations) are loaded into this server's catalogue, woken by the store's notifications and, should one be missed, by a periodic
//! poll of what was stored after the last position seen.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use crate::api::AppState;

/// How often the store is read without a notification.
pub const POLL: Duration = Duration::from_millis(500);

/// How far a follower has read: the last version and the last lifecycle change loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Positions {
    pub versions: i64,
    pub events: i64,
}

/// Loads every version, then every lifecycle change, stored after `after` whenever
/// `publications` is woken (or [`POLL`] passes), until `stop` turns true. Versions are read
/// first: a change is stored after the version it changes.
pub async fn run(
    state: AppState,
    publications: Arc<Notify>,
    after: Positions,
    mut stop: watch::Receiver<bool>,
) {
    let Positions {
        versions: mut after,
        events: mut events_after,
    } = after;
    loop {
        tokio::select! {
            () = tokio::time::sleep(POLL) => {}
            () = publications.notified() => {}
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
            }
        }
        if *stop.borrow() {
            return;
        }
        match state.store().versions(after).await {
            Ok(stored) => {
                for (position, version) in stored {
                    after = after.max(position);
                    if let Err(error) = state.follow(version).await {
                        tracing::error!(%error, "a published version cannot be loaded");
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "following publications: the store failed"),
        }
        match state.store().version_events(events_after).await {
            Ok(events) => {
                for (position, event) in events {
                    events_after = events_after.max(position);
                    state.follow_event(&event);
                }
            }
            Err(error) => tracing::warn!(%error, "following lifecycle changes: the store failed"),
        }
    }
}
