//! The `version_events` table in PostgreSQL: every lifecycle change of a published version
//! (see [`crate::lifecycle`]), append-only, positioned in commit order like publications so
//! that replicas follow them.

use deadpool_postgres::Transaction;
use tokio_postgres::Row;

use super::{PUBLICATIONS, lock_appends};
use crate::lifecycle::{LifecycleEvent, VersionEvent};
use crate::store::{AuditRecord, StoreError};
use crate::version_events::EventWritten;

/// Schema step 2: the `version_events` table and the trigger that keeps it append-only.
/// Creating it again is harmless, so a database at version 1 or a new one can take it.
pub async fn add_version_events(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.batch_execute(
        r"
CREATE TABLE IF NOT EXISTS version_events (
    id      BIGSERIAL PRIMARY KEY,
    ruleset TEXT   NOT NULL,
    version TEXT   NOT NULL,
    event   TEXT   NOT NULL CHECK (event IN ('yank', 'unyank', 'deprecate', 'undeprecate')),
    reason  TEXT   NOT NULL,
    caller  TEXT   NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS version_events_by_version ON version_events (ruleset, version, id);
CREATE OR REPLACE TRIGGER version_events_append_only BEFORE UPDATE OR DELETE ON version_events
FOR EACH ROW EXECUTE FUNCTION ordo_refuse('version events are append-only');
",
    )
    .await?;
    Ok(())
}

/// Appends `event` and, when given, its audit entry, in one transaction on `client`, and
/// wakes the replicas. Its position is taken under the append lock, so positions follow the
/// commit order and a follower reading `id > last` misses none.
pub async fn record(
    client: &mut deadpool_postgres::Object,
    event: &VersionEvent,
    audit: Option<&AuditRecord>,
) -> Result<EventWritten, StoreError> {
    let tx = client.transaction().await?;
    lock_appends(&tx).await?;
    let row = tx
        .query_one(
            "INSERT INTO version_events (ruleset, version, event, reason, caller, at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                &event.ruleset,
                &event.version,
                &event.event.as_str(),
                &event.reason,
                &event.caller,
                &event.at,
            ],
        )
        .await?;
    let position: i64 = row.try_get(0)?;
    let audit_id = match audit {
        Some(record) => Some(super::catalog::append_audit(&tx, record).await?),
        None => None,
    };
    // The publications channel also carries lifecycle changes: a follower reads both.
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[&PUBLICATIONS, &format!("event:{position}")],
    )
    .await?;
    tx.commit().await?;
    Ok(EventWritten { position, audit_id })
}

/// The events stored after position `after`, by position.
pub async fn events_after(
    client: &deadpool_postgres::Object,
    after: i64,
) -> Result<Vec<(i64, VersionEvent)>, StoreError> {
    let rows = client
        .query(
            "SELECT id, ruleset, version, event, reason, caller, at FROM version_events
             WHERE id > $1 ORDER BY id",
            &[&after],
        )
        .await?;
    rows.iter().map(event_row).collect()
}

fn event_row(row: &Row) -> Result<(i64, VersionEvent), StoreError> {
    let text: String = row.try_get(3)?;
    let event = LifecycleEvent::parse(&text)
        .ok_or_else(|| StoreError::Read(format!("`{text}` is not a lifecycle event")))?;
    Ok((
        row.try_get(0)?,
        VersionEvent {
            ruleset: row.try_get(1)?,
            version: row.try_get(2)?,
            event,
            reason: row.try_get(4)?,
            caller: row.try_get(5)?,
            at: row.try_get(6)?,
        },
    ))
}
