//! The embedded store: one SQLite file (WAL, `synchronous=FULL`, STRICT tables) holding the
//! published ruleset versions and the audit log (every evaluation-type request and every
//! refused publication). Both tables are append-only: triggers refuse
//! every `UPDATE` and `DELETE`, so a published version never changes and no audit row is lost.
//!
//! Times are microseconds since the Unix epoch (UTC) in `INTEGER` columns; they cross the API
//! as RFC 3339 text.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Params, Row, Transaction, params, params_from_iter};

use crate::backend::CatalogStore;
use crate::ops::StoreFuture;
use crate::ops::dashboard::{self, RecordedViolation};
use crate::writer::Writer;

/// The schema this build writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 4;

/// A step that brings a store from the version before it to its version.
type MigrationStep = fn(&Transaction<'_>) -> Result<(), StoreError>;

/// The migration steps after version 2 (whose tables [`SCHEMA`] creates), by the version each
/// brings the store to; a store at version `n` takes every step above `n`, in order, in one
/// transaction.
const MIGRATIONS: &[(i64, MigrationStep)] = &[
    (3, crate::version_events::add_version_events),
    (4, crate::audit_ops::sqlite::add_chain),
];

pub(crate) const SCHEMA: &str = r"
CREATE TABLE IF NOT EXISTS ruleset_versions (
    name         TEXT    NOT NULL,
    version      TEXT    NOT NULL,
    hash         TEXT    NOT NULL,
    effective    TEXT,
    source       TEXT    NOT NULL,
    artifact     BLOB    NOT NULL,
    published_by TEXT    NOT NULL,
    published_at INTEGER NOT NULL,
    PRIMARY KEY (name, version)
) STRICT;

CREATE TRIGGER IF NOT EXISTS ruleset_versions_immutable
BEFORE UPDATE ON ruleset_versions
BEGIN SELECT RAISE(ABORT, 'published ruleset versions are immutable'); END;

CREATE TRIGGER IF NOT EXISTS ruleset_versions_kept
BEFORE DELETE ON ruleset_versions
BEGIN SELECT RAISE(ABORT, 'published ruleset versions are never deleted'); END;

CREATE TABLE IF NOT EXISTS audit_log (
    id            INTEGER PRIMARY KEY,
    at            INTEGER NOT NULL,
    caller        TEXT    NOT NULL,
    operation     TEXT    NOT NULL,
    ruleset       TEXT    NOT NULL,
    version       TEXT,
    hash          TEXT,
    request       TEXT    NOT NULL,
    result_sha256 TEXT    NOT NULL,
    outcome       TEXT    NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS audit_by_ruleset ON audit_log (ruleset, version, id);
CREATE INDEX IF NOT EXISTS audit_by_caller ON audit_log (caller, id);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit_log (at);

CREATE TRIGGER IF NOT EXISTS audit_log_append_only
BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TRIGGER IF NOT EXISTS audit_log_kept
BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// A store operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store file could not be opened or set up.
    #[error("cannot open the store {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    /// SQLite refused or failed.
    #[error("the store failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer build.
    #[error("the store has schema version {found}; this build reads version {SCHEMA_VERSION}")]
    Schema {
        /// The version found in the file.
        found: i64,
    },
    /// The store's writer has stopped (the server is shutting down or the store failed).
    #[error("the store's writer has stopped")]
    WriterGone,
    /// The transaction holding this write failed; nothing of it was stored.
    #[error("the store could not commit: {0}")]
    Commit(String),
    /// A read could not be carried out (its thread failed).
    #[error("the store could not be read: {0}")]
    Read(String),
    /// The store's writer thread could not be started.
    #[error("cannot start the store's writer: {0}")]
    Start(String),
    /// PostgreSQL refused or failed.
    #[error("the store failed: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had from the pool.
    #[error("no connection to the store: {0}")]
    Pool(String),
    /// The PostgreSQL database was set up by a newer build.
    #[error("the database has schema version {found}; this build reads version {supported}")]
    PgSchema { found: i64, supported: i64 },
}

/// Opens (creating if needed) the store file and brings its schema up to date.
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    open_connection(path).map_err(|e| match e {
        StoreError::Sqlite(source) => StoreError::Open {
            path: path.display().to_string(),
            source,
        },
        other => other,
    })
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // INVARIANT: WAL with synchronous=FULL — a commit is on disk before it is acknowledged.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::Schema { found });
    }
    if found < SCHEMA_VERSION {
        // IMMEDIATE: two processes opening an old store together migrate it one after the
        // other (the second finds the new version and has nothing left to do).
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        tx.execute_batch(SCHEMA)?;
        tx.execute_batch(crate::ops::sqlite::SCHEMA)?;
        for (version, step) in MIGRATIONS {
            if *version > found {
                step(&tx)?;
            }
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
    }
    // Outside the version steps: the dashboard's tables and column are added whenever missing
    // (idempotent, and safe against another process adding them at the same time).
    dashboard::migrate(&conn)?;
    Ok(conn)
}

/// One published ruleset version as stored.
#[derive(Debug, Clone)]
pub struct StoredVersion {
    pub name: String,
    pub version: String,
    /// `sha256:` + hex of the ruleset's canonical form.
    pub hash: String,
    /// `YYYY-MM-DD`.
    pub effective: Option<String>,
    pub source: String,
    /// The engine's serialised compiled ruleset.
    pub artifact: Vec<u8>,
    pub published_by: String,
    /// Microseconds since the Unix epoch.
    pub published_at: i64,
}

/// The columns of `ruleset_versions`, in the order of [`StoredVersion`]'s fields: what
/// [`versions_after`] reads and [`publish`] writes.
macro_rules! version_columns {
    () => {
        "name, version, hash, effective, source, artifact, published_by, published_at"
    };
}

/// The columns of `audit_log` after `id`, in the order of [`AuditRecord`]'s fields: what
/// [`audit_row`] reads and [`append_audit`] writes.
macro_rules! audit_columns {
    () => {
        "at, caller, operation, ruleset, version, hash, request, result_sha256, outcome"
    };
}

/// The columns of `audit_log` after `id` (what [`audit_row`] reads after the id).
pub(crate) const AUDIT_COLUMNS: &str = audit_columns!();

/// Every row `sql` selects with `params`, each read by `read`.
fn select<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    read: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement.query_map(params, read)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Every published version, oldest publication first.
pub fn load_versions(conn: &Connection) -> Result<Vec<StoredVersion>, StoreError> {
    Ok(versions_after(conn, 0)?
        .into_iter()
        .map(|(_, version)| version)
        .collect())
}

/// The versions stored after position `after` (the row id), with their positions.
pub fn versions_after(
    conn: &Connection,
    after: i64,
) -> Result<Vec<(i64, StoredVersion)>, StoreError> {
    select(
        conn,
        concat!(
            "SELECT rowid, ",
            version_columns!(),
            " FROM ruleset_versions WHERE rowid > ?1 ORDER BY published_at, name, version"
        ),
        [after],
        |row| {
            let position = row.get(0)?;
            let version = StoredVersion {
                name: row.get(1)?,
                version: row.get(2)?,
                hash: row.get(3)?,
                effective: row.get(4)?,
                source: row.get(5)?,
                artifact: row.get(6)?,
                published_by: row.get(7)?,
                published_at: row.get(8)?,
            };
            Ok((position, version))
        },
    )
}

/// What a publication did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    /// The version is new and now stored.
    Created,
    /// The same content was published before (by `published_by` at `published_at`).
    Existing {
        published_by: String,
        published_at: i64,
    },
    /// The version exists with another hash.
    Conflict { existing_hash: String },
}

/// Stores a version unless it exists; an existing one is compared by hash.
pub fn publish(
    tx: &Transaction<'_>,
    version: &StoredVersion,
) -> Result<PublishOutcome, StoreError> {
    let existing: Option<(String, String, i64)> = tx
        .query_row(
            "SELECT hash, published_by, published_at FROM ruleset_versions
             WHERE name = ?1 AND version = ?2",
            params![version.name, version.version],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    match existing {
        Some((hash, published_by, published_at)) if hash == version.hash => {
            Ok(PublishOutcome::Existing {
                published_by,
                published_at,
            })
        }
        Some((existing_hash, _, _)) => Ok(PublishOutcome::Conflict { existing_hash }),
        None => {
            tx.prepare_cached(concat!(
                "INSERT INTO ruleset_versions (",
                version_columns!(),
                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            ))?
            .execute(params![
                version.name,
                version.version,
                version.hash,
                version.effective,
                version.source,
                version.artifact,
                version.published_by,
                version.published_at,
            ])?;
            Ok(PublishOutcome::Created)
        }
    }
}

/// One audit row before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Microseconds since the Unix epoch.
    pub at: i64,
    pub caller: String,
    /// `evaluate`, `configure`, `transitions`, `apply`, `fire_timer`, or `publish` (a refused
    /// publication; accepted ones are the rows of `ruleset_versions`).
    pub operation: String,
    /// The ruleset named by the route; for `publish`, the one the source declares (empty when
    /// the source could not be read as far as its header).
    pub ruleset: String,
    /// The resolved version (none when resolution failed); for `publish`, the declared one.
    pub version: Option<String>,
    pub hash: Option<String>,
    /// The request body as received.
    pub request: String,
    /// Hex SHA-256 of the answered JSON body (the result, or the error object).
    pub result_sha256: String,
    /// `ok`, or the error kind.
    pub outcome: String,
    /// The rules an evaluation violated, recorded beside the entry for the dashboard (not
    /// read back with the entry).
    pub violations: Vec<RecordedViolation>,
}

impl AuditRecord {
    /// About what the entry takes in an audit page's answer: its texts and a fixed part for
    /// the rest (what byte-paged audit reads count against their budget).
    pub fn page_bytes(&self) -> usize {
        self.request.len() + self.caller.len() + self.ruleset.len() + 256
    }
}

/// Appends an audit row, chained after the last one (see [`crate::chain`]), and returns its
/// id. The writer is the only caller on a running server, so the chain is linear; another
/// process writing the file (`ordo audit prune`) takes the write lock first.
pub fn append_audit(tx: &Transaction<'_>, record: &AuditRecord) -> Result<i64, StoreError> {
    let head = crate::audit_ops::sqlite::chain_head(tx)?;
    let id = head.as_ref().map_or(1, |head| head.id.saturating_add(1));
    let prev_hash = head.map_or_else(|| crate::chain::GENESIS.to_string(), |head| head.hash);
    let entry_hash = crate::chain::entry_hash(&prev_hash, id, record);
    tx.prepare_cached(concat!(
        "INSERT INTO audit_log (id, ",
        audit_columns!(),
        ", prev_hash, entry_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(params![
        id,
        record.at,
        record.caller,
        record.operation,
        record.ruleset,
        record.version,
        record.hash,
        record.request,
        record.result_sha256,
        record.outcome,
        prev_hash,
        entry_hash,
    ])?;
    dashboard::record_violations(tx, id, record.at, &record.ruleset, &record.violations)?;
    Ok(id)
}

/// Filters of an audit log read; every given filter must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub ruleset: Option<String>,
    pub version: Option<String>,
    pub caller: Option<String>,
    /// Microseconds, inclusive.
    pub from: Option<i64>,
    /// Microseconds, exclusive.
    pub to: Option<i64>,
    /// Only rows with a larger id (the paging cursor).
    pub after: Option<i64>,
    pub limit: u32,
}

/// The `WHERE` clause of a query built from optional filters, and the values it binds
/// (`?1`, `?2`, ... in order); the page size binds last.
#[derive(Default)]
pub(crate) struct Filters {
    clauses: Vec<String>,
    values: Vec<rusqlite::types::Value>,
}

impl Filters {
    /// Adds `clause ?N` (`"ruleset ="`) with its value, when there is one.
    pub(crate) fn add(&mut self, clause: &str, value: Option<rusqlite::types::Value>) {
        if let Some(value) = value {
            self.values.push(value);
            self.clauses
                .push(format!("{clause} ?{}", self.values.len()));
        }
    }

    /// Adds `column IN (...)`: the column's value must be one of `values`.
    pub(crate) fn add_one_of(&mut self, column: &str, values: &[String]) {
        let list = serde_json::to_string(values).unwrap_or_else(|_| "[]".into());
        self.values.push(rusqlite::types::Value::Text(list));
        self.clauses.push(format!(
            "{column} IN (SELECT value FROM json_each(?{}))",
            self.values.len()
        ));
    }

    /// The `WHERE ...` text (empty without filters), the values with `limit` last, and the
    /// placeholder number of `limit`.
    pub(crate) fn finish(mut self, limit: u32) -> (String, Vec<rusqlite::types::Value>, usize) {
        let condition = if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        };
        self.values
            .push(rusqlite::types::Value::Integer(i64::from(limit)));
        let limit_at = self.values.len();
        (condition, self.values, limit_at)
    }
}

/// Audit rows matching `query`, by ascending id.
pub fn query_audit(
    conn: &Connection,
    query: &AuditQuery,
) -> Result<Vec<(i64, AuditRecord)>, StoreError> {
    use rusqlite::types::Value;
    let text = |t: &Option<String>| t.clone().map(Value::Text);
    let mut filters = Filters::default();
    filters.add("ruleset =", text(&query.ruleset));
    filters.add("version =", text(&query.version));
    filters.add("caller =", text(&query.caller));
    filters.add("at >=", query.from.map(Value::Integer));
    filters.add("at <", query.to.map(Value::Integer));
    filters.add("id >", query.after.map(Value::Integer));
    let (condition, values, limit_at) = filters.finish(query.limit);
    let sql = format!(
        concat!(
            "SELECT id, ",
            audit_columns!(),
            " FROM audit_log {} ORDER BY id LIMIT ?{}"
        ),
        condition, limit_at
    );
    select(conn, &sql, params_from_iter(values), audit_row)
}

/// A page of audit rows: those of `query` (by ascending id) whose ruleset is one of
/// `rulesets` (any, when `None`), read until `query.limit` rows or until the next row would
/// take the text read past `max_bytes` (the first row is always taken). The flag says the
/// page ended on the byte budget.
pub fn query_audit_page(
    conn: &Connection,
    query: &AuditQuery,
    rulesets: Option<&[String]>,
    max_bytes: usize,
) -> Result<(Vec<(i64, AuditRecord)>, bool), StoreError> {
    use rusqlite::types::Value;
    let text = |t: &Option<String>| t.clone().map(Value::Text);
    let mut filters = Filters::default();
    filters.add("ruleset =", text(&query.ruleset));
    filters.add("version =", text(&query.version));
    filters.add("caller =", text(&query.caller));
    filters.add("at >=", query.from.map(Value::Integer));
    filters.add("at <", query.to.map(Value::Integer));
    filters.add("id >", query.after.map(Value::Integer));
    if let Some(rulesets) = rulesets {
        filters.add_one_of("ruleset", rulesets);
    }
    let (condition, values, limit_at) = filters.finish(query.limit);
    let sql = format!(
        concat!(
            "SELECT id, ",
            audit_columns!(),
            " FROM audit_log {} ORDER BY id LIMIT ?{}"
        ),
        condition, limit_at
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(params_from_iter(values), audit_row)?;
    audit_page_within(rows.map(|row| row.map_err(StoreError::from)), max_bytes)
}

/// Takes `rows` until the next would take the page's text past `max_bytes` (the first row is
/// always taken); the flag says the page ended on that budget. Rows are read one at a time,
/// so a page that stops on its budget reads no further.
pub(crate) fn audit_page_within(
    rows: impl IntoIterator<Item = Result<(i64, AuditRecord), StoreError>>,
    max_bytes: usize,
) -> Result<(Vec<(i64, AuditRecord)>, bool), StoreError> {
    let mut page = Vec::new();
    let mut bytes = 0usize;
    for row in rows {
        let row = row?;
        let size = row.1.page_bytes();
        if !page.is_empty() && bytes.saturating_add(size) > max_bytes {
            return Ok((page, true));
        }
        bytes = bytes.saturating_add(size);
        page.push(row);
    }
    Ok((page, false))
}

/// An `audit_log` row: `id`, then the columns `audit_columns!` names.
pub(crate) fn audit_row(row: &Row<'_>) -> rusqlite::Result<(i64, AuditRecord)> {
    Ok((
        row.get(0)?,
        AuditRecord {
            at: row.get(1)?,
            caller: row.get(2)?,
            operation: row.get(3)?,
            ruleset: row.get(4)?,
            version: row.get(5)?,
            hash: row.get(6)?,
            request: row.get(7)?,
            result_sha256: row.get(8)?,
            outcome: row.get(9)?,
            violations: Vec::new(),
        },
    ))
}

/// The SQLite [`CatalogStore`]: writes through the store's writer (group commit), reads on a
/// connection of its own.
pub struct SqliteCatalog {
    reader: Arc<Mutex<Connection>>,
    writer: Writer,
}

/// Runs `read` on `reader` (a connection of its own to the store file) off the async threads,
/// as the SQLite catalogue and operations stores read.
pub(crate) fn read_off_thread<T: Send + 'static>(
    reader: &Arc<Mutex<Connection>>,
    read: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
) -> StoreFuture<'static, T> {
    let reader = Arc::clone(reader);
    Box::pin(async move {
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().unwrap_or_else(PoisonError::into_inner);
            read(&conn)
        })
        .await
        .map_err(|e| StoreError::Read(e.to_string()))?
    })
}

impl SqliteCatalog {
    /// Reads with `reader` (a connection to the store file), writes with `writer`.
    pub fn new(reader: Connection, writer: Writer) -> SqliteCatalog {
        SqliteCatalog {
            reader: Arc::new(Mutex::new(reader)),
            writer,
        }
    }

    /// Runs `read` on the reader connection off the async threads.
    fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> StoreFuture<'_, T> {
        read_off_thread(&self.reader, read)
    }
}

impl CatalogStore for SqliteCatalog {
    fn versions(&self, after: i64) -> StoreFuture<'_, Vec<(i64, StoredVersion)>> {
        self.read(move |conn| versions_after(conn, after))
    }

    fn publish(&self, version: StoredVersion) -> StoreFuture<'_, PublishOutcome> {
        Box::pin(self.writer.publish(version))
    }

    fn audit(&self, record: AuditRecord) -> StoreFuture<'_, i64> {
        Box::pin(self.writer.audit(record))
    }

    fn audit_log(
        &self,
        query: AuditQuery,
        rulesets: Option<Vec<String>>,
        max_bytes: usize,
    ) -> StoreFuture<'_, (Vec<(i64, AuditRecord)>, bool)> {
        self.read(move |conn| query_audit_page(conn, &query, rulesets.as_deref(), max_bytes))
    }

    fn violation_counts(
        &self,
        query: dashboard::ViolationQuery,
    ) -> StoreFuture<'_, Vec<dashboard::ViolationCount>> {
        self.read(move |conn| dashboard::violation_counts(conn, query))
    }

    fn version_events(
        &self,
        after: i64,
    ) -> StoreFuture<'_, Vec<(i64, crate::lifecycle::VersionEvent)>> {
        self.read(move |conn| crate::version_events::events_after(conn, after))
    }

    fn version_event(
        &self,
        event: crate::lifecycle::VersionEvent,
        audit: Option<AuditRecord>,
    ) -> StoreFuture<'_, crate::version_events::EventWritten> {
        Box::pin(self.writer.version_event(event, audit))
    }

    fn verify_audit(&self) -> StoreFuture<'_, crate::chain::ChainStatus> {
        self.read(crate::audit_ops::sqlite::verify)
    }

    fn probe(&self) -> StoreFuture<'_, ()> {
        Box::pin(self.writer.probe())
    }

    fn is_running(&self) -> bool {
        self.writer.is_running()
    }

    fn stop(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(self.writer.stop())
    }
}

/// Now, in microseconds since the Unix epoch.
pub fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Microseconds since the epoch as RFC 3339 UTC (`2026-03-01T09:00:00.123456Z`).
pub fn format_micros(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros).map_or_else(String::new, |t| {
        t.to_rfc3339_opts(SecondsFormat::Micros, true)
    })
}

/// RFC 3339 text (any offset) as microseconds since the epoch.
pub fn parse_time(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc).timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(hash: &str) -> StoredVersion {
        StoredVersion {
            name: "demo".into(),
            version: "1.0.0".into(),
            hash: hash.into(),
            effective: None,
            source: "ruleset demo".into(),
            artifact: vec![1, 2, 3],
            published_by: "ci".into(),
            published_at: 1,
        }
    }

    fn record(caller: &str, at: i64) -> AuditRecord {
        AuditRecord {
            at,
            caller: caller.into(),
            operation: "evaluate".into(),
            ruleset: "demo".into(),
            version: Some("1.0.0".into()),
            hash: Some("sha256:00".into()),
            request: "{}".into(),
            result_sha256: "ab".into(),
            outcome: "ok".into(),
            violations: Vec::new(),
        }
    }

    #[test]
    fn versions_are_immutable_and_the_log_append_only() {
        let dir = std::env::temp_dir().join(format!("ordo-http-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("store.db");
        let _ = std::fs::remove_file(&path);
        let mut conn = open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        assert_eq!(
            publish(&tx, &version("sha256:aa")).unwrap(),
            PublishOutcome::Created
        );
        assert!(matches!(
            publish(&tx, &version("sha256:aa")).unwrap(),
            PublishOutcome::Existing { .. }
        ));
        assert_eq!(
            publish(&tx, &version("sha256:bb")).unwrap(),
            PublishOutcome::Conflict {
                existing_hash: "sha256:aa".into()
            }
        );
        let first = append_audit(&tx, &record("a", 10)).unwrap();
        let second = append_audit(&tx, &record("b", 20)).unwrap();
        assert!(second > first);
        tx.commit().unwrap();

        assert!(
            conn.execute("UPDATE ruleset_versions SET hash = 'x'", [])
                .is_err()
        );
        assert!(conn.execute("DELETE FROM ruleset_versions", []).is_err());
        assert!(
            conn.execute("UPDATE audit_log SET caller = 'x'", [])
                .is_err()
        );
        assert!(conn.execute("DELETE FROM audit_log", []).is_err());

        let by_b = query_audit(
            &conn,
            &AuditQuery {
                caller: Some("b".into()),
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .unwrap();
        assert_eq!(by_b.len(), 1);
        let after_first = query_audit(
            &conn,
            &AuditQuery {
                after: Some(first),
                from: Some(15),
                to: Some(21),
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .unwrap();
        assert_eq!(
            after_first.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec![second]
        );
        drop(conn);
        // Reopening keeps everything.
        let conn = open(&path).unwrap();
        assert_eq!(load_versions(&conn).unwrap().len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn times_round_trip() {
        let micros = 1_772_355_600_123_456;
        let text = format_micros(micros);
        assert_eq!(text, "2026-03-01T09:00:00.123456Z");
        assert_eq!(parse_time(&text), Some(micros));
        assert_eq!(parse_time("2026-03-01T10:00:00.123456+01:00"), Some(micros));
        assert_eq!(parse_time("yesterday"), None);
    }
}
