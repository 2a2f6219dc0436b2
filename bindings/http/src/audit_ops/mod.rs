//! Operating the audit log: verifying its hash chain (see [`crate::chain`]), exporting entries
//! to JSON Lines, and pruning — the only way an entry is ever deleted: the entries go to a new
//! export file first (written and `fsync`ed), then are deleted in one transaction that keeps
//! the hash of the last one as the chain's anchor and records the prune as an audit entry of
//! its own, so the rest of the log still verifies.
//!
//! Pruning takes a prefix of the log: the entries before the first one at or after the given
//! time (ids follow the commit order, times nearly so), so the kept entries stay one chain.
//!
//! The functions here without a store type in their path ([`verify`], [`export`], [`prune`])
//! take the `--db` text of the server (a SQLite file or a PostgreSQL URL) and block; they are
//! what the `ordo audit` commands call.

pub mod postgres;
pub mod sqlite;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::chain::{Anchor, BreakReason, ChainStatus, Verifier};
use crate::store::{AuditRecord, StoreError, format_micros};

/// The `operation` of the audit entry a prune writes.
pub const PRUNE_OPERATION: &str = "audit_prune";

/// An audit operation that failed; nothing was deleted.
#[derive(Debug, thiserror::Error)]
pub enum AuditOpsError {
    /// The store could not be opened, read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The export file could not be written.
    #[error("cannot write the export {path}: {source}")]
    Export {
        path: String,
        source: std::io::Error,
    },
    /// The export file exists: an export never overwrites a file.
    #[error("the export {path} exists; an export never overwrites a file (choose a new name)")]
    ExportExists { path: String },
    /// The chain is broken among the entries to prune: pruning would hide it.
    #[error(
        "the audit chain is broken at entry {id}: {}; nothing was pruned (the export was written)",
        reason.describe()
    )]
    Broken { id: i64, reason: BreakReason },
    /// Entries to prune changed between their export and their deletion.
    #[error("the entries to prune changed after they were exported; nothing was pruned")]
    Changed,
    /// The PostgreSQL client could not be started.
    #[error("cannot start the PostgreSQL client: {0}")]
    Runtime(String),
}

impl From<rusqlite::Error> for AuditOpsError {
    fn from(error: rusqlite::Error) -> Self {
        AuditOpsError::Store(StoreError::Sqlite(error))
    }
}

impl From<tokio_postgres::Error> for AuditOpsError {
    fn from(error: tokio_postgres::Error) -> Self {
        AuditOpsError::Store(StoreError::Postgres(error))
    }
}

/// One line of an export file: every stored field of an entry, so its hash can be checked
/// again from the file alone.
#[derive(Debug, Serialize)]
pub struct ExportedEntry<'a> {
    pub id: i64,
    /// Microseconds since the Unix epoch (what the hash covers).
    pub at: i64,
    /// `at` as RFC 3339, for people.
    pub time: String,
    pub caller: &'a str,
    pub operation: &'a str,
    pub ruleset: &'a str,
    pub version: Option<&'a str>,
    pub hash: Option<&'a str>,
    /// The stored request text, as stored (a JSON body, or the marker of an omitted one).
    pub request: &'a str,
    pub result_sha256: &'a str,
    pub outcome: &'a str,
    pub prev_hash: Option<&'a str>,
    pub entry_hash: Option<&'a str>,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    /// The file written.
    pub path: PathBuf,
    /// Entries written (one line each).
    pub entries: u64,
    pub first_id: Option<i64>,
    /// The last entry written, with its hash (the anchor a prune keeps).
    pub last: Option<Anchor>,
    /// The file's size and hex SHA-256.
    pub bytes: u64,
    pub sha256: String,
    /// The chain checked over the exported entries (from the store's anchor).
    pub chain: ChainStatus,
}

/// What a prune did.
#[derive(Debug, Clone, Serialize)]
pub struct PruneSummary {
    pub export: ExportSummary,
    /// Entries deleted.
    pub pruned: u64,
    /// The id of the audit entry recording the prune (none when nothing was pruned).
    pub audit_id: Option<i64>,
}

/// A new export file: entries are written as lines while the chain is checked; nothing is
/// durable until [`ExportFile::finish`].
pub(crate) struct ExportFile {
    path: PathBuf,
    out: BufWriter<File>,
    digest: Sha256,
    bytes: u64,
    entries: u64,
    first_id: Option<i64>,
    verifier: Verifier,
}

impl ExportFile {
    /// Creates `path` (refused when it exists); the chain is checked from `anchor`.
    pub(crate) fn create(path: &Path, anchor: Option<Anchor>) -> Result<ExportFile, AuditOpsError> {
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::AlreadyExists => AuditOpsError::ExportExists {
                    path: path.display().to_string(),
                },
                _ => AuditOpsError::Export {
                    path: path.display().to_string(),
                    source,
                },
            })?;
        Ok(ExportFile {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
            digest: Sha256::new(),
            bytes: 0,
            entries: 0,
            first_id: None,
            verifier: Verifier::new(anchor),
        })
    }

    fn io_error(&self, source: std::io::Error) -> AuditOpsError {
        AuditOpsError::Export {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// Writes entry `id` as one line and checks its link.
    pub(crate) fn write(
        &mut self,
        id: i64,
        record: &AuditRecord,
        prev_hash: Option<&str>,
        entry_hash: Option<&str>,
    ) -> Result<(), AuditOpsError> {
        let line = ExportedEntry {
            id,
            at: record.at,
            time: format_micros(record.at),
            caller: &record.caller,
            operation: &record.operation,
            ruleset: &record.ruleset,
            version: record.version.as_deref(),
            hash: record.hash.as_deref(),
            request: &record.request,
            result_sha256: &record.result_sha256,
            outcome: &record.outcome,
            prev_hash,
            entry_hash,
        };
        let mut text =
            serde_json::to_vec(&line).map_err(|e| self.io_error(std::io::Error::other(e)))?;
        text.push(b'\n');
        self.out.write_all(&text).map_err(|e| self.io_error(e))?;
        self.digest.update(&text);
        self.bytes = self
            .bytes
            .saturating_add(u64::try_from(text.len()).unwrap_or(u64::MAX));
        self.entries = self.entries.saturating_add(1);
        self.first_id.get_or_insert(id);
        self.verifier.check(id, record, prev_hash, entry_hash);
        Ok(())
    }

    /// Flushes and `fsync`s the file and its directory, so the export is on disk before
    /// anything is deleted.
    pub(crate) fn finish(self) -> Result<ExportSummary, AuditOpsError> {
        let path = self.path.clone();
        let io_error = |source| AuditOpsError::Export {
            path: path.display().to_string(),
            source,
        };
        let file = self
            .out
            .into_inner()
            .map_err(|e| io_error(e.into_error()))?;
        file.sync_all().map_err(io_error)?;
        drop(file);
        sync_directory_of(&path).map_err(io_error)?;
        let chain = self.verifier.finish();
        let sha256 = self
            .digest
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Ok(ExportSummary {
            path,
            entries: self.entries,
            first_id: self.first_id,
            last: chain.head.clone().filter(|_| self.entries > 0),
            bytes: self.bytes,
            sha256,
            chain,
        })
    }
}

/// `fsync`s the directory holding `path`, so the new file's name is durable too (a no-op
/// where directories cannot be opened).
fn sync_directory_of(path: &Path) -> std::io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match File::open(directory) {
        Ok(directory) => directory.sync_all().or(Ok(())),
        Err(_) => Ok(()),
    }
}

/// The audit entry that records a prune by `caller`.
pub(crate) fn prune_record(
    caller: &str,
    before: i64,
    export: &ExportSummary,
    pruned: u64,
) -> AuditRecord {
    let request = serde_json::json!({
        "before": format_micros(before),
        "entries": pruned,
        "first_id": export.first_id,
        "last_id": export.last.as_ref().map(|l| l.id),
        "anchor": export.last.as_ref().map(|l| &l.hash),
        "export": {
            "file": export.path.display().to_string(),
            "bytes": export.bytes,
            "sha256": export.sha256,
        },
    });
    AuditRecord {
        violations: Vec::new(),
        at: crate::store::now_micros(),
        caller: caller.to_string(),
        operation: PRUNE_OPERATION.to_string(),
        ruleset: String::new(),
        version: None,
        hash: None,
        request: request.to_string(),
        result_sha256: export.sha256.clone(),
        outcome: "ok".to_string(),
    }
}

/// Refuses to prune entries whose chain is broken (the export is kept for inspection).
pub(crate) fn require_intact(export: &ExportSummary) -> Result<(), AuditOpsError> {
    match &export.chain.first_break {
        Some(broken) => Err(AuditOpsError::Broken {
            id: broken.id,
            reason: broken.reason,
        }),
        None => Ok(()),
    }
}

/// Runs `work` on a PostgreSQL client for `url`, on a runtime of its own (the CLI has none).
fn on_postgres<T>(
    url: &str,
    work: impl AsyncFnOnce(&mut tokio_postgres::Client) -> Result<T, AuditOpsError>,
) -> Result<T, AuditOpsError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AuditOpsError::Runtime(e.to_string()))?;
    runtime.block_on(async move {
        let mut client = postgres::connect(url).await?;
        work(&mut client).await
    })
}

/// Checks the chain of the store `db` (a SQLite file or a PostgreSQL URL).
pub fn verify(db: &Path) -> Result<ChainStatus, AuditOpsError> {
    match postgres_url(db) {
        Some(url) => on_postgres(url, async |client| Ok(postgres::verify(client).await?)),
        None => {
            let conn = crate::store::open(db)?;
            Ok(sqlite::verify(&conn)?)
        }
    }
}

/// Writes the entries of `db` before `before` (microseconds; the prefix a prune would take)
/// to the new file `out`.
pub fn export(db: &Path, before: i64, out: &Path) -> Result<ExportSummary, AuditOpsError> {
    match postgres_url(db) {
        Some(url) => on_postgres(url, async |client| {
            postgres::export(client, before, out).await
        }),
        None => {
            let conn = crate::store::open(db)?;
            sqlite::export(&conn, before, out)
        }
    }
}

/// Exports the entries of `db` before `before` to the new file `out`, then deletes them,
/// keeping the last one's hash as the chain's anchor, and records the prune by `caller` as an
/// audit entry.
pub fn prune(
    db: &Path,
    before: i64,
    out: &Path,
    caller: &str,
) -> Result<PruneSummary, AuditOpsError> {
    match postgres_url(db) {
        Some(url) => on_postgres(url, async |client| {
            postgres::prune(client, before, out, caller).await
        }),
        None => {
            let mut conn = crate::store::open(db)?;
            sqlite::prune(&mut conn, before, out, caller)
        }
    }
}

fn postgres_url(db: &Path) -> Option<&str> {
    db.to_str().filter(|_| crate::backend::is_postgres(db))
}
