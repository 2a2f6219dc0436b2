//! The `version_events` table of the SQLite store: every lifecycle change of a published
//! version (see [`crate::lifecycle`]), append-only like the versions themselves.

use rusqlite::{Connection, Row, Transaction, params};

use crate::lifecycle::{LifecycleEvent, VersionEvent};
use crate::store::{AuditRecord, StoreError};

/// Schema step 3: the `version_events` table and the triggers that keep it append-only.
/// Creating it again is harmless, so a store at any earlier version can take this step.
pub fn add_version_events(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute_batch(
        r"
CREATE TABLE IF NOT EXISTS version_events (
    id      INTEGER PRIMARY KEY,
    ruleset TEXT    NOT NULL,
    version TEXT    NOT NULL,
    event   TEXT    NOT NULL CHECK (event IN ('yank', 'unyank', 'deprecate', 'undeprecate')),
    reason  TEXT    NOT NULL,
    caller  TEXT    NOT NULL,
    at      INTEGER NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS version_events_by_version ON version_events (ruleset, version, id);

CREATE TRIGGER IF NOT EXISTS version_events_append_only
BEFORE UPDATE ON version_events
BEGIN SELECT RAISE(ABORT, 'version events are append-only'); END;

CREATE TRIGGER IF NOT EXISTS version_events_kept
BEFORE DELETE ON version_events
BEGIN SELECT RAISE(ABORT, 'version events are append-only'); END;
",
    )?;
    Ok(())
}

/// What recording a lifecycle change wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventWritten {
    /// The event's position (its id); followers read the events after the last one seen.
    pub position: i64,
    /// The id of its audit entry, when one was written.
    pub audit_id: Option<i64>,
}

/// Appends `event` and, when given, its audit entry, in the transaction `tx`.
pub fn record(
    tx: &Transaction<'_>,
    event: &VersionEvent,
    audit: Option<&AuditRecord>,
) -> Result<EventWritten, StoreError> {
    tx.prepare_cached(
        "INSERT INTO version_events (ruleset, version, event, reason, caller, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        event.ruleset,
        event.version,
        event.event.as_str(),
        event.reason,
        event.caller,
        event.at,
    ])?;
    let position = tx.last_insert_rowid();
    let audit_id = audit
        .map(|record| crate::store::append_audit(tx, record))
        .transpose()?;
    Ok(EventWritten { position, audit_id })
}

/// The events stored after position `after`, in the order they were stored.
pub fn events_after(conn: &Connection, after: i64) -> Result<Vec<(i64, VersionEvent)>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT id, ruleset, version, event, reason, caller, at FROM version_events
         WHERE id > ?1 ORDER BY id",
    )?;
    let rows = statement.query_map([after], event_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn event_row(row: &Row<'_>) -> rusqlite::Result<(i64, VersionEvent)> {
    let text: String = row.get(3)?;
    let event = LifecycleEvent::parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            3,
            rusqlite::types::Type::Text,
            format!("`{text}` is not a lifecycle event").into(),
        )
    })?;
    Ok((
        row.get(0)?,
        VersionEvent {
            ruleset: row.get(1)?,
            version: row.get(2)?,
            event,
            reason: row.get(4)?,
            caller: row.get(5)?,
            at: row.get(6)?,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(event: LifecycleEvent) -> VersionEvent {
        VersionEvent {
            ruleset: "demo".into(),
            version: "1.0.0".into(),
            event,
            reason: "wrong rate".into(),
            caller: "ci".into(),
            at: 7,
        }
    }

    #[test]
    fn events_are_read_back_in_order_and_never_change() {
        let mut conn = Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        add_version_events(&tx).unwrap();
        let first = record(&tx, &event(LifecycleEvent::Yank), None).unwrap();
        let second = record(&tx, &event(LifecycleEvent::Unyank), None).unwrap();
        tx.commit().unwrap();
        assert!(second.position > first.position);
        assert_eq!(first.audit_id, None);
        let all = events_after(&conn, 0).unwrap();
        assert_eq!(
            all.iter().map(|(_, e)| e.event).collect::<Vec<_>>(),
            vec![LifecycleEvent::Yank, LifecycleEvent::Unyank]
        );
        assert_eq!(events_after(&conn, first.position).unwrap().len(), 1);
        assert!(
            conn.execute("UPDATE version_events SET reason = 'x'", [])
                .is_err()
        );
        assert!(conn.execute("DELETE FROM version_events", []).is_err());
        assert!(
            conn.execute(
                "INSERT INTO version_events (ruleset, version, event, reason, caller, at)
                 VALUES ('demo', '1.0.0', 'delete', '', '', 0)",
                []
            )
            .is_err()
        );
    }
}
