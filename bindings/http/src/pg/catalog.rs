//! Published versions and the audit log in PostgreSQL.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use deadpool_postgres::Pool;
use tokio::sync::Notify;
use tokio_postgres::Row;

use futures_util::future::try_join;

use super::{
    APPEND_LOCK, Filters, LOCK_APPENDS, PUBLICATIONS, cached, connection, lock_appends, params,
};
use crate::audit_ops::postgres;
use crate::backend::CatalogStore;
use crate::ops::StoreFuture;
use crate::store::{AuditQuery, AuditRecord, PublishOutcome, StoreError, StoredVersion};

/// The PostgreSQL [`CatalogStore`].
pub struct PgCatalog {
    pool: Pool,
    publications: Arc<Notify>,
    stopped: AtomicBool,
}

impl PgCatalog {
    /// The catalogue on `pool`; `publications` is woken when another replica publishes.
    pub fn new(pool: Pool, publications: Arc<Notify>) -> PgCatalog {
        PgCatalog {
            pool,
            publications,
            stopped: AtomicBool::new(false),
        }
    }

    fn check_running(&self) -> Result<(), StoreError> {
        if self.stopped.load(Ordering::SeqCst) {
            Err(StoreError::WriterGone)
        } else {
            Ok(())
        }
    }
}

const VERSION_COLUMNS: &str =
    "pos, name, version, hash, effective, source, artifact, published_by, published_at";

fn version_row(row: &Row) -> Result<(i64, StoredVersion), StoreError> {
    Ok((
        row.try_get(0)?,
        StoredVersion {
            name: row.try_get(1)?,
            version: row.try_get(2)?,
            hash: row.try_get(3)?,
            effective: row.try_get(4)?,
            source: row.try_get(5)?,
            artifact: row.try_get(6)?,
            published_by: row.try_get(7)?,
            published_at: row.try_get(8)?,
        },
    ))
}

/// An audit row as `SELECT id, <the audit columns>` reads it.
pub(crate) fn audit_row(row: &Row) -> Result<(i64, AuditRecord), StoreError> {
    Ok((
        row.try_get(0)?,
        AuditRecord {
            at: row.try_get(1)?,
            caller: row.try_get(2)?,
            operation: row.try_get(3)?,
            ruleset: row.try_get(4)?,
            version: row.try_get(5)?,
            hash: row.try_get(6)?,
            request: row.try_get(7)?,
            result_sha256: row.try_get(8)?,
            outcome: row.try_get(9)?,
            violations: Vec::new(),
        },
    ))
}

/// Appends an audit entry inside `tx`, chained after the last one; its id and the chain
/// head are taken under the append lock, which is held until the commit, so ids follow the
/// commit order and the chain is linear across servers.
pub(super) async fn append_audit(
    tx: &deadpool_postgres::Transaction<'_>,
    record: &AuditRecord,
) -> Result<i64, StoreError> {
    // The lock and the head's read are sent together: the server reads the head once it has
    // granted the lock, without waiting for this side in between.
    let lock = tx.prepare_cached(LOCK_APPENDS).await?;
    let head = tx.prepare_cached(postgres::NEXT_ENTRY).await?;
    let (_, next) = try_join(tx.execute(&lock, &[&APPEND_LOCK]), tx.query_one(&head, &[])).await?;
    let entry = postgres::Chained::next(&next, record)?;
    insert_entry(tx, &entry, record).await?;
    Ok(entry.id)
}

/// Inserts a chained audit entry and the violations its evaluation recorded for the dashboard.
pub(super) async fn insert_entry(
    tx: &deadpool_postgres::Transaction<'_>,
    entry: &postgres::Chained,
    record: &AuditRecord,
) -> Result<(), StoreError> {
    cached::execute(tx, postgres::INSERT_ENTRY, &entry.params(record)).await?;
    super::dashboard::record_violations(
        tx,
        entry.id,
        record.at,
        &record.ruleset,
        &record.violations,
    )
    .await
}

impl CatalogStore for PgCatalog {
    fn versions(&self, after: i64) -> StoreFuture<'_, Vec<(i64, StoredVersion)>> {
        Box::pin(async move {
            let client = connection(&self.pool).await?;
            let rows = cached::query(
                &client,
                &format!(
                    "SELECT {VERSION_COLUMNS} FROM ruleset_versions WHERE pos > $1 ORDER BY pos"
                ),
                &[&after],
            )
            .await?;
            rows.iter().map(version_row).collect()
        })
    }

    fn publish(&self, version: StoredVersion) -> StoreFuture<'_, PublishOutcome> {
        Box::pin(async move {
            self.check_running()?;
            let mut client = connection(&self.pool).await?;
            let tx = client.transaction().await?;
            // Positions follow the commit order, so a follower reading `pos > last` misses none.
            lock_appends(&tx).await?;
            let existing = tx
                .query_opt(
                    "SELECT hash, published_by, published_at FROM ruleset_versions
                     WHERE name = $1 AND version = $2",
                    &[&version.name, &version.version],
                )
                .await?;
            let outcome = match existing {
                Some(row) => {
                    let hash: String = row.try_get(0)?;
                    if hash == version.hash {
                        PublishOutcome::Existing {
                            published_by: row.try_get(1)?,
                            published_at: row.try_get(2)?,
                        }
                    } else {
                        PublishOutcome::Conflict {
                            existing_hash: hash,
                        }
                    }
                }
                None => {
                    let row = tx
                        .query_one(
                            "INSERT INTO ruleset_versions (name, version, hash, effective, source,
                                artifact, published_by, published_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING pos",
                            &[
                                &version.name,
                                &version.version,
                                &version.hash,
                                &version.effective,
                                &version.source,
                                &version.artifact,
                                &version.published_by,
                                &version.published_at,
                            ],
                        )
                        .await?;
                    let position: i64 = row.try_get(0)?;
                    tx.execute(
                        "SELECT pg_notify($1, $2)",
                        &[&PUBLICATIONS, &position.to_string()],
                    )
                    .await?;
                    PublishOutcome::Created
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    fn audit(&self, record: AuditRecord) -> StoreFuture<'_, i64> {
        Box::pin(async move {
            self.check_running()?;
            let mut client = connection(&self.pool).await?;
            let tx = client.transaction().await?;
            let id = append_audit(&tx, &record).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    fn audit_log(
        &self,
        query: AuditQuery,
        rulesets: Option<Vec<String>>,
        max_bytes: usize,
    ) -> StoreFuture<'_, (Vec<(i64, AuditRecord)>, bool)> {
        Box::pin(async move {
            let mut filters = Filters::default();
            filters.add("ruleset =", query.ruleset);
            filters.add("version =", query.version);
            filters.add("caller =", query.caller);
            filters.add("at >=", query.from);
            filters.add("at <", query.to);
            filters.add("id >", query.after);
            filters.add_any("ruleset", rulesets);
            let (condition, values, limit_at) = filters.finish(query.limit);
            let sql = format!(
                "SELECT id, at, caller, operation, ruleset, version, hash, request, result_sha256,
                    outcome FROM audit_log {condition} ORDER BY id LIMIT ${limit_at}"
            );
            let client = connection(&self.pool).await?;
            let rows = cached::query(&client, &sql, &params(&values)).await?;
            crate::store::audit_page_within(rows.iter().map(audit_row), max_bytes)
        })
    }

    fn violation_counts(
        &self,
        query: crate::ops::dashboard::ViolationQuery,
    ) -> StoreFuture<'_, Vec<crate::ops::dashboard::ViolationCount>> {
        Box::pin(super::dashboard::violation_counts(&self.pool, query))
    }

    fn version_events(
        &self,
        after: i64,
    ) -> StoreFuture<'_, Vec<(i64, crate::lifecycle::VersionEvent)>> {
        Box::pin(async move {
            let client = connection(&self.pool).await?;
            super::version_events::events_after(&client, after).await
        })
    }

    fn version_event(
        &self,
        event: crate::lifecycle::VersionEvent,
        audit: Option<AuditRecord>,
    ) -> StoreFuture<'_, crate::version_events::EventWritten> {
        Box::pin(async move {
            self.check_running()?;
            let mut client = connection(&self.pool).await?;
            super::version_events::record(&mut client, &event, audit.as_ref()).await
        })
    }

    fn verify_audit(&self) -> StoreFuture<'_, crate::chain::ChainStatus> {
        Box::pin(async move {
            let mut client = connection(&self.pool).await?;
            crate::audit_ops::postgres::verify(&mut client).await
        })
    }

    fn probe(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.check_running()?;
            let mut client = connection(&self.pool).await?;
            let tx = client.transaction().await?;
            // A real write that changes nothing: the database takes writes now.
            tx.execute("UPDATE ordo_schema_version SET version = version", &[])
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn is_running(&self) -> bool {
        !self.stopped.load(Ordering::SeqCst) && !self.pool.is_closed()
    }

    fn stop(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            // Every write is committed before it is answered: nothing is queued.
            self.stopped.store(true, Ordering::SeqCst);
        })
    }

    fn publications(&self) -> Option<Arc<Notify>> {
        Some(Arc::clone(&self.publications))
    }
}
