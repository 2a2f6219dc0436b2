//! The store behind the server, chosen by `--db`: a SQLite file (the embedded default) or a
//! PostgreSQL database (`postgres://...`) that several replicas share. Both keep the same
//! records behind two traits: [`CatalogStore`] (published versions and the audit log) and
//! [`OperationsStore`] (workflow instances and what hangs off them).

use std::path::Path;
use std::sync::Arc;

use tokio::sync::Notify;

use crate::lifecycle::VersionEvent;
use crate::metrics::Metrics;
use crate::ops::{OperationsStore, StoreFuture};
use crate::store::{self, AuditQuery, AuditRecord, PublishOutcome, StoreError, StoredVersion};
use crate::version_events::EventWritten;
use crate::writer::Writer;

/// Published versions and the audit log. Every write is durable before its future completes.
pub trait CatalogStore: Send + Sync {
    /// Published versions stored after position `after` (0: every one), by position.
    fn versions(&self, after: i64) -> StoreFuture<'_, Vec<(i64, StoredVersion)>>;
    /// Stores a version unless it exists; an existing one is compared by hash.
    fn publish(&self, version: StoredVersion) -> StoreFuture<'_, PublishOutcome>;
    /// Appends an audit entry; its id once committed. Ids follow the commit order.
    fn audit(&self, record: AuditRecord) -> StoreFuture<'_, i64>;
    /// Audit entries matching `query`, by ascending id.
    /// A page of audit rows matching `query`, by ascending id: only those of `rulesets` when
    /// given (a token limited to rulesets), and ending before the text read would pass
    /// `max_bytes` (the first row is always taken); the flag says the page ended on that
    /// budget.
    fn audit_log(
        &self,
        query: AuditQuery,
        rulesets: Option<Vec<String>>,
        max_bytes: usize,
    ) -> StoreFuture<'_, (Vec<(i64, AuditRecord)>, bool)>;
    /// How many audited evaluations violated each rule, by bucket of time.
    fn violation_counts(
        &self,
        query: crate::ops::dashboard::ViolationQuery,
    ) -> StoreFuture<'_, Vec<crate::ops::dashboard::ViolationCount>>;
    /// Lifecycle changes of versions stored after position `after` (0: every one), by
    /// position.
    fn version_events(&self, after: i64) -> StoreFuture<'_, Vec<(i64, VersionEvent)>>;
    /// Stores a lifecycle change and, when given, its audit entry, in one transaction.
    fn version_event(
        &self,
        event: VersionEvent,
        audit: Option<AuditRecord>,
    ) -> StoreFuture<'_, EventWritten>;
    /// Verifies the audit log's hash chain (see [`crate::chain`]) on one snapshot.
    fn verify_audit(&self) -> StoreFuture<'_, crate::chain::ChainStatus>;
    /// Commits a write that changes nothing and waits for it: `Ok` when the store can commit
    /// now (what `/readyz` asks).
    fn probe(&self) -> StoreFuture<'_, ()>;
    /// Whether the store still takes writes.
    fn is_running(&self) -> bool;
    /// Commits what is queued and stops taking writes.
    fn stop(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>;
    /// Shared stores (other servers publish into them): woken when another server may have
    /// published, so the catalogue follows. `None`: only this server writes the store.
    fn publications(&self) -> Option<Arc<Notify>> {
        None
    }
}

/// Both stores of one server.
pub struct Stores {
    pub catalog: Arc<dyn CatalogStore>,
    pub ops: Arc<dyn OperationsStore>,
}

/// Whether `db` names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres(db: &Path) -> bool {
    db.to_str()
        .is_some_and(|d| d.starts_with("postgres://") || d.starts_with("postgresql://"))
}

/// Opens the store `db` names, creating or migrating its schema.
pub async fn open(db: &Path, metrics: &Arc<Metrics>) -> Result<Stores, StoreError> {
    if let Some(url) = db.to_str().filter(|_| is_postgres(db)) {
        return crate::pg::open(url).await;
    }
    let writer = Writer::start(store::open(db)?, store::open(db)?, Arc::clone(metrics))
        .map_err(|e| StoreError::Start(e.to_string()))?;
    let ops = Arc::new(crate::ops::sqlite::SqliteOperations::new(
        store::open(db)?,
        writer.clone(),
    ));
    let catalog = Arc::new(store::SqliteCatalog::new(store::open(db)?, writer));
    Ok(Stores { catalog, ops })
}

/// A URL with its password hidden, for logs.
pub fn display_db(db: &Path) -> String {
    let text = db.display().to_string();
    if !is_postgres(db) {
        return text;
    }
    // postgres://user:password@host/... -> postgres://user:***@host/...
    let Some((scheme, rest)) = text.split_once("://") else {
        return text;
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return text;
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => text,
    }
}
