//! Following a shared store: another server's publications are loaded into this server's
//! catalogue, woken by the store's notifications and, should one be missed, by a periodic
//! poll of what was stored after the last position seen.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use crate::api::AppState;

/// How often the store is read without a notification.
pub const POLL: Duration = Duration::from_millis(500);

/// Loads every version stored after position `after` whenever `publications` is woken (or
/// [`POLL`] passes), until `stop` turns true.
pub async fn run(
    state: AppState,
    publications: Arc<Notify>,
    mut after: i64,
    mut stop: watch::Receiver<bool>,
) {
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
    }
}
