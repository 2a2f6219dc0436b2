//! The audit chain in the SQLite store: the schema step that adds it, the chain head the
//! writer appends after, and verifying, exporting and pruning the file.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{AuditOpsError, ExportFile, ExportSummary, PruneSummary, prune_record, require_intact};
use crate::chain::{self, Anchor, ChainStatus, Verifier};
use crate::store::{AUDIT_COLUMNS, AuditRecord, StoreError, audit_row};

/// The trigger that refuses to change an audit row (also in the store's base schema).
const APPEND_ONLY: &str = "CREATE TRIGGER IF NOT EXISTS audit_log_append_only
BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

/// The trigger that refuses to delete an audit row; a prune drops it for its own deletion,
/// inside its transaction, and puts it back before committing.
const KEPT: &str = "CREATE TRIGGER IF NOT EXISTS audit_log_kept
BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

/// Entries the chain step hashes per read, so a large log is not held in memory.
const MIGRATION_CHUNK: i64 = 1000;

/// Schema step 4: the chain columns, the anchor table, and the chain computed over the
/// entries already stored (in id order, from [`chain::GENESIS`]).
pub(crate) fn add_chain(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute_batch(
        "ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
         ALTER TABLE audit_log ADD COLUMN entry_hash TEXT;
         CREATE TABLE IF NOT EXISTS audit_anchor (
             singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
             last_id   INTEGER NOT NULL,
             last_hash TEXT    NOT NULL,
             pruned_at INTEGER NOT NULL
         ) STRICT;
         DROP TRIGGER IF EXISTS audit_log_append_only;",
    )?;
    let mut prev = chain::GENESIS.to_string();
    let mut after = 0i64;
    loop {
        let rows = {
            let mut statement = tx.prepare(&format!(
                "SELECT id, {AUDIT_COLUMNS} FROM audit_log WHERE id > ?1 ORDER BY id LIMIT ?2"
            ))?;
            let rows = statement.query_map(params![after, MIGRATION_CHUNK], audit_row)?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        let Some((last, _)) = rows.last() else { break };
        after = *last;
        let mut update =
            tx.prepare("UPDATE audit_log SET prev_hash = ?1, entry_hash = ?2 WHERE id = ?3")?;
        for (id, record) in &rows {
            let hash = chain::entry_hash(&prev, *id, record);
            update.execute(params![prev, hash, id])?;
            prev = hash;
        }
    }
    tx.execute_batch(APPEND_ONLY)?;
    Ok(())
}

/// The entry the next one chains after: the last stored, else the anchor of the last prune,
/// else none (the next entry is the first, id 1, after [`chain::GENESIS`]).
pub(crate) fn chain_head(conn: &Connection) -> Result<Option<Anchor>, StoreError> {
    let last = conn
        .prepare_cached("SELECT id, entry_hash FROM audit_log ORDER BY id DESC LIMIT 1")?
        .query_row([], |row| {
            Ok(Anchor {
                id: row.get(0)?,
                // A row without a hash breaks the chain whatever follows it.
                hash: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
            })
        })
        .optional()?;
    match last {
        Some(last) => Ok(Some(last)),
        None => anchor(conn),
    }
}

/// The anchor of the last prune: where the stored chain starts.
pub(crate) fn anchor(conn: &Connection) -> Result<Option<Anchor>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT last_id, last_hash FROM audit_anchor WHERE singleton = 1")?
        .query_row([], |row| {
            Ok(Anchor {
                id: row.get(0)?,
                hash: row.get(1)?,
            })
        })
        .optional()?)
}

/// An entry with its chain hashes.
fn chained_row(
    row: &Row<'_>,
) -> rusqlite::Result<(i64, AuditRecord, Option<String>, Option<String>)> {
    let (id, record) = audit_row(row)?;
    Ok((id, record, row.get(10)?, row.get(11)?))
}

/// Checks the whole chain, in one read transaction (one snapshot of the file).
pub fn verify(conn: &Connection) -> Result<ChainStatus, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let mut verifier = Verifier::new(anchor(&tx)?);
    {
        let mut statement = tx.prepare(&format!(
            "SELECT id, {AUDIT_COLUMNS}, prev_hash, entry_hash FROM audit_log ORDER BY id"
        ))?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let (id, record, prev, hash) = chained_row(row)?;
            if !verifier.check(id, &record, prev.as_deref(), hash.as_deref()) {
                break;
            }
        }
    }
    tx.finish()?;
    Ok(verifier.finish())
}

/// The id below which entries are taken by a prune before `before`: the first entry at or
/// after `before` (none: every entry).
fn prefix_end(conn: &Connection, before: i64) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT coalesce(min(id), 9223372036854775807) FROM audit_log WHERE at >= ?1",
        [before],
        |row| row.get(0),
    )?)
}

/// Writes the entries before `before` (the prefix a prune takes) to the new file `out`.
pub fn export(conn: &Connection, before: i64, out: &Path) -> Result<ExportSummary, AuditOpsError> {
    let tx = conn.unchecked_transaction()?;
    let end = prefix_end(&tx, before)?;
    let mut file = ExportFile::create(out, anchor(&tx)?)?;
    {
        let mut statement = tx.prepare(&format!(
            "SELECT id, {AUDIT_COLUMNS}, prev_hash, entry_hash FROM audit_log
             WHERE id < ?1 ORDER BY id"
        ))?;
        let mut rows = statement.query([end])?;
        while let Some(row) = rows.next()? {
            let (id, record, prev, hash) = chained_row(row)?;
            file.write(id, &record, prev.as_deref(), hash.as_deref())?;
        }
    }
    tx.finish()?;
    file.finish()
}

/// Exports the entries before `before` to the new file `out` and `fsync`s it, then, in one
/// transaction that holds the write lock: checks the exported entries are still those stored,
/// deletes them, keeps the last one's hash as the anchor and appends the prune's own audit
/// entry (by `caller`). The export is read without the write lock, so a running server keeps
/// writing meanwhile.
pub fn prune(
    conn: &mut Connection,
    before: i64,
    out: &Path,
    caller: &str,
) -> Result<PruneSummary, AuditOpsError> {
    let export = export(conn, before, out)?;
    require_intact(&export)?;
    let Some(last) = export.last.clone() else {
        return Ok(PruneSummary {
            export,
            pruned: 0,
            audit_id: None,
        });
    };
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Entries are only appended past the head, so the exported ones are unchanged unless the
    // file was edited in between.
    let (count, last_hash): (i64, Option<String>) = tx.query_row(
        "SELECT count(*), (SELECT entry_hash FROM audit_log WHERE id = ?1)
         FROM audit_log WHERE id <= ?1",
        [last.id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    if u64::try_from(count).ok() != Some(export.entries)
        || last_hash.as_deref() != Some(last.hash.as_str())
    {
        return Err(AuditOpsError::Changed);
    }
    tx.execute_batch("DROP TRIGGER IF EXISTS audit_log_kept")?;
    let pruned = tx.execute("DELETE FROM audit_log WHERE id <= ?1", [last.id])?;
    tx.execute_batch(KEPT)?;
    tx.execute(
        "INSERT INTO audit_anchor (singleton, last_id, last_hash, pruned_at) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (singleton) DO UPDATE SET last_id = excluded.last_id,
             last_hash = excluded.last_hash, pruned_at = excluded.pruned_at",
        params![last.id, last.hash, crate::store::now_micros()],
    )?;
    let pruned = u64::try_from(pruned).unwrap_or(u64::MAX);
    let audit_id = crate::store::append_audit(&tx, &prune_record(caller, before, &export, pruned))?;
    tx.commit()?;
    Ok(PruneSummary {
        export,
        pruned,
        audit_id: Some(audit_id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::BreakReason;

    fn record(n: i64) -> AuditRecord {
        AuditRecord {
            violations: Vec::new(),
            at: n * 1_000_000,
            caller: "ci".into(),
            operation: "evaluate".into(),
            ruleset: "demo".into(),
            version: Some("1.0.0".into()),
            hash: None,
            request: format!("{{\"n\":{n}}}"),
            result_sha256: "ab".into(),
            outcome: "ok".into(),
        }
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ordo-audit-ops-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn append(conn: &mut Connection, from: i64, to: i64) {
        let tx = conn.transaction().unwrap();
        for n in from..=to {
            crate::store::append_audit(&tx, &record(n)).unwrap();
        }
        tx.commit().unwrap();
    }

    #[test]
    fn a_store_of_schema_2_gets_its_chain_at_migration() {
        let dir = scratch("migrate");
        let path = dir.join("old.db");
        {
            // The store as the previous build left it: no chain columns, version 2.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(crate::store::SCHEMA).unwrap();
            conn.execute_batch(crate::ops::sqlite::SCHEMA).unwrap();
            conn.pragma_update(None, "user_version", 2).unwrap();
            for n in 1..=3 {
                let r = record(n);
                conn.execute(
                    &format!("INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                    params![r.at, r.caller, r.operation, r.ruleset, r.version, r.hash, r.request, r.result_sha256, r.outcome],
                )
                .unwrap();
            }
        }
        let mut conn = crate::store::open(&path).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, 4);
        append(&mut conn, 4, 5);
        let status = verify(&conn).unwrap();
        assert!(status.intact(), "{status:?}");
        assert_eq!(status.checked, 5);
        // The log is still append-only after the migration.
        assert!(
            conn.execute("UPDATE audit_log SET caller = 'x'", [])
                .is_err()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_edited_row_breaks_the_chain_at_its_id() {
        let dir = scratch("tamper");
        let mut conn = crate::store::open(&dir.join("store.db")).unwrap();
        append(&mut conn, 1, 6);
        conn.execute_batch(
            "DROP TRIGGER audit_log_append_only;
             UPDATE audit_log SET outcome = 'forged' WHERE id = 4;",
        )
        .unwrap();
        let status = verify(&conn).unwrap();
        assert_eq!(
            status.first_break.map(|b| (b.id, b.reason)),
            Some((4, BreakReason::HashMismatch))
        );
        assert_eq!(status.checked, 4);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_prune_exports_deletes_a_prefix_and_keeps_the_chain() {
        let dir = scratch("prune");
        let mut conn = crate::store::open(&dir.join("store.db")).unwrap();
        append(&mut conn, 1, 10);
        let out = dir.join("old.jsonl");
        // Entries at 1..=4 seconds are before 5 s.
        let summary = prune(&mut conn, 5_000_000, &out, "ops").unwrap();
        assert_eq!(summary.pruned, 4);
        assert_eq!(summary.audit_id, Some(11));
        let lines = std::fs::read_to_string(&out).unwrap();
        assert_eq!(lines.lines().count(), 4);
        // The file is never overwritten.
        assert!(matches!(
            prune(&mut conn, 5_000_000, &out, "ops"),
            Err(AuditOpsError::ExportExists { .. })
        ));
        // Deleting stays refused outside a prune.
        assert!(conn.execute("DELETE FROM audit_log", []).is_err());
        append(&mut conn, 12, 13);
        let status = verify(&conn).unwrap();
        assert!(status.intact(), "{status:?}");
        assert_eq!(status.anchor.map(|a| a.id), Some(4));
        assert_eq!(status.checked, 9);
        // Pruning everything keeps the ids and the chain going from the anchor.
        let summary = prune(&mut conn, i64::MAX, &dir.join("all.jsonl"), "ops").unwrap();
        assert_eq!(summary.pruned, 9);
        append(&mut conn, 14, 14);
        let status = verify(&conn).unwrap();
        assert!(status.intact(), "{status:?}");
        assert_eq!(status.head.map(|h| h.id), Some(15));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
