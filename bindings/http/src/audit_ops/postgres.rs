//! The audit chain in the PostgreSQL store: the schema step that adds it, appending an entry
//! after the chain head, and verifying, exporting and pruning the log.
//!
//! Several servers append to one database: an entry reads the chain head and takes its id
//! under the append advisory lock ([`crate::pg::APPEND_LOCK`]), held until its transaction
//! commits, so the next entry (of any server) reads this one as its head and the chain stays
//! linear. A prune takes the same lock for its deletion.

use std::path::Path;

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, IsolationLevel, NoTls, Row, Transaction};

use super::{AuditOpsError, ExportFile, ExportSummary, PruneSummary, prune_record, require_intact};
use crate::chain::{self, Anchor, ChainStatus, Verifier};
use crate::pg::{APPEND_LOCK, audit_row};
use crate::store::{AuditRecord, StoreError};

/// The columns read with an entry's chain hashes, in [`chained_row`]'s order.
const CHAINED_COLUMNS: &str = "id, at, caller, operation, ruleset, version, hash, request, \
     result_sha256, outcome, prev_hash, entry_hash";

/// Entries read per query when verifying, exporting or migrating.
const CHUNK: i64 = 1000;

/// Connects to `url` (the `ordo audit` commands; the server uses its pool).
pub(crate) async fn connect(url: &str) -> Result<Client, AuditOpsError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!(%error, "store: the connection failed");
        }
    });
    Ok(client)
}

/// Schema step 3: the chain columns, the anchor table, and the chain computed over the
/// entries already stored (in id order, from [`chain::GENESIS`]). The guard trigger lets
/// this transaction write the hashes (`ordo.audit_chain_migration`).
pub(crate) async fn add_chain(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.batch_execute(
        "ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS prev_hash TEXT;
         ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS entry_hash TEXT;
         CREATE TABLE IF NOT EXISTS audit_anchor (
             singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
             last_id   BIGINT NOT NULL,
             last_hash TEXT   NOT NULL,
             pruned_at BIGINT NOT NULL
         );
         SET LOCAL ordo.audit_chain_migration = 'on';",
    )
    .await?;
    let mut prev = chain::GENESIS.to_string();
    let mut after = 0i64;
    loop {
        let rows = tx
            .query(
                &format!(
                    "SELECT {CHAINED_COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2"
                ),
                &[&after, &CHUNK],
            )
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let (id, record, _, _) = chained_row(row)?;
            let hash = chain::entry_hash(&prev, id, &record);
            tx.execute(
                "UPDATE audit_log SET prev_hash = $1, entry_hash = $2 WHERE id = $3",
                &[&prev, &hash, &id],
            )
            .await?;
            prev = hash;
            after = id;
        }
    }
    tx.batch_execute("SET LOCAL ordo.audit_chain_migration = 'off'")
        .await?;
    Ok(())
}

/// Takes the next audit id and reads the hash the entry chains after: the last stored
/// entry's, else the anchor's of the last prune (`NULL`: the chain starts at
/// [`chain::GENESIS`]). Run under the append lock, taken by an earlier statement of the
/// transaction (a statement reads what was committed when it began).
pub(crate) const NEXT_ENTRY: &str = "SELECT nextval('audit_ids'),
    coalesce((SELECT coalesce(entry_hash, '') FROM audit_log ORDER BY id DESC LIMIT 1),
             (SELECT last_hash FROM audit_anchor WHERE singleton = 1))";

/// Takes `$1` audit ids (in any order) and reads the hash the first entry chains after, like
/// [`NEXT_ENTRY`]: the entries of a group commit.
pub(crate) const NEXT_ENTRIES: &str = "SELECT
    array(SELECT nextval('audit_ids') FROM generate_series(1, $1::bigint)),
    coalesce((SELECT coalesce(entry_hash, '') FROM audit_log ORDER BY id DESC LIMIT 1),
             (SELECT last_hash FROM audit_anchor WHERE singleton = 1))";

/// Inserts an entry: the parameters are [`Chained::params`].
pub(crate) const INSERT_ENTRY: &str = "INSERT INTO audit_log (id, at, caller, operation, ruleset,
        version, hash, request, result_sha256, outcome, prev_hash, entry_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// An entry chained after the head: its id, the previous hash and its own.
pub(crate) struct Chained {
    pub id: i64,
    prev_hash: String,
    entry_hash: String,
}

impl Chained {
    /// `record` as the entry `id`, after the entry of hash `prev` (`None`: the first of the
    /// chain, after [`chain::GENESIS`]).
    pub(crate) fn after(prev: Option<String>, id: i64, record: &AuditRecord) -> Chained {
        let prev_hash = prev.unwrap_or_else(|| chain::GENESIS.to_string());
        let entry_hash = chain::entry_hash(&prev_hash, id, record);
        Chained {
            id,
            prev_hash,
            entry_hash,
        }
    }

    /// `record` as the entry [`NEXT_ENTRY`] answered `next` for.
    pub(crate) fn next(next: &Row, record: &AuditRecord) -> Result<Chained, StoreError> {
        Ok(Chained::after(next.try_get(1)?, next.try_get(0)?, record))
    }

    /// The entry's own hash, which the next one chains after.
    pub(crate) fn hash(&self) -> &str {
        &self.entry_hash
    }

    /// The parameters of [`INSERT_ENTRY`] for `record`.
    pub(crate) fn params<'a>(&'a self, record: &'a AuditRecord) -> [&'a (dyn ToSql + Sync); 12] {
        [
            &self.id,
            &record.at,
            &record.caller,
            &record.operation,
            &record.ruleset,
            &record.version,
            &record.hash,
            &record.request,
            &record.result_sha256,
            &record.outcome,
            &self.prev_hash,
            &self.entry_hash,
        ]
    }
}

/// Appends an audit entry inside `tx`, chained after the head: the head is read and the id
/// taken under the append lock, which is held until the commit. (The server appends with
/// statements cached per connection: `crate::pg`.)
pub(crate) async fn append(tx: &Transaction<'_>, record: &AuditRecord) -> Result<i64, StoreError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK])
        .await?;
    let next = tx.query_one(NEXT_ENTRY, &[]).await?;
    let entry = Chained::next(&next, record)?;
    tx.execute(INSERT_ENTRY, &entry.params(record)).await?;
    Ok(entry.id)
}

/// The anchor of the last prune: where the stored chain starts.
async fn anchor(tx: &Transaction<'_>) -> Result<Option<Anchor>, StoreError> {
    let row = tx
        .query_opt(
            "SELECT last_id, last_hash FROM audit_anchor WHERE singleton = 1",
            &[],
        )
        .await?;
    row.map(|row| {
        Ok(Anchor {
            id: row.try_get(0)?,
            hash: row.try_get(1)?,
        })
    })
    .transpose()
}

/// An entry with its chain hashes (columns 10 and 11, after those [`audit_row`] reads).
fn chained_row(
    row: &Row,
) -> Result<(i64, AuditRecord, Option<String>, Option<String>), StoreError> {
    let (id, record) = audit_row(row)?;
    Ok((id, record, row.try_get(10)?, row.try_get(11)?))
}

/// A read-only transaction on one snapshot (a prune committing meanwhile is seen whole or
/// not at all).
async fn snapshot(client: &mut Client) -> Result<Transaction<'_>, StoreError> {
    Ok(client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?)
}

/// Calls `each` on the entries with ids below `end`, in id order, a chunk at a time, until
/// it answers `false`.
async fn for_each_entry(
    tx: &Transaction<'_>,
    end: i64,
    mut each: impl FnMut(i64, &AuditRecord, Option<&str>, Option<&str>) -> Result<bool, AuditOpsError>,
) -> Result<(), AuditOpsError> {
    let mut after = i64::MIN;
    loop {
        let rows = tx
            .query(
                &format!(
                    "SELECT {CHAINED_COLUMNS} FROM audit_log WHERE id > $1 AND id < $2
                     ORDER BY id LIMIT $3"
                ),
                &[&after, &end, &CHUNK],
            )
            .await?;
        if rows.is_empty() {
            return Ok(());
        }
        for row in &rows {
            let (id, record, prev, hash) = chained_row(row)?;
            if !each(id, &record, prev.as_deref(), hash.as_deref())? {
                return Ok(());
            }
            after = id;
        }
    }
}

/// Checks the whole chain, on one snapshot.
pub async fn verify(client: &mut Client) -> Result<ChainStatus, StoreError> {
    let tx = snapshot(client).await?;
    let mut verifier = Verifier::new(anchor(&tx).await?);
    for_each_entry(&tx, i64::MAX, |id, record, prev, hash| {
        Ok(verifier.check(id, record, prev, hash))
    })
    .await
    .map_err(|error| match error {
        AuditOpsError::Store(error) => error,
        other => StoreError::Read(other.to_string()),
    })?;
    tx.commit().await?;
    Ok(verifier.finish())
}

/// The id below which entries are taken by a prune before `before`.
async fn prefix_end(tx: &Transaction<'_>, before: i64) -> Result<i64, StoreError> {
    Ok(tx
        .query_one(
            "SELECT coalesce(min(id), 9223372036854775807) FROM audit_log WHERE at >= $1",
            &[&before],
        )
        .await?
        .try_get(0)?)
}

/// Writes the entries before `before` (the prefix a prune takes) to the new file `out`.
pub async fn export(
    client: &mut Client,
    before: i64,
    out: &Path,
) -> Result<ExportSummary, AuditOpsError> {
    let tx = snapshot(client).await?;
    let end = prefix_end(&tx, before).await?;
    let mut file = ExportFile::create(out, anchor(&tx).await?)?;
    for_each_entry(&tx, end, |id, record, prev, hash| {
        file.write(id, record, prev, hash)?;
        Ok(true)
    })
    .await?;
    tx.commit().await?;
    file.finish()
}

/// Exports the entries before `before` to the new file `out` and `fsync`s it, then, in one
/// transaction under the append lock: checks the exported entries are still those stored,
/// deletes them (the guard trigger allows it for `ordo.audit_prune`), keeps the last one's
/// hash as the anchor and appends the prune's own audit entry (by `caller`).
pub async fn prune(
    client: &mut Client,
    before: i64,
    out: &Path,
    caller: &str,
) -> Result<PruneSummary, AuditOpsError> {
    let export = export(client, before, out).await?;
    require_intact(&export)?;
    let Some(last) = export.last.clone() else {
        return Ok(PruneSummary {
            export,
            pruned: 0,
            audit_id: None,
        });
    };
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK])
        .await?;
    let row = tx
        .query_one(
            "SELECT count(*), (SELECT entry_hash FROM audit_log WHERE id = $1)
             FROM audit_log WHERE id <= $1",
            &[&last.id],
        )
        .await?;
    let count: i64 = row.try_get(0)?;
    let last_hash: Option<String> = row.try_get(1)?;
    if u64::try_from(count).ok() != Some(export.entries)
        || last_hash.as_deref() != Some(last.hash.as_str())
    {
        return Err(AuditOpsError::Changed);
    }
    tx.batch_execute("SET LOCAL ordo.audit_prune = 'on'")
        .await?;
    let pruned = tx
        .execute("DELETE FROM audit_log WHERE id <= $1", &[&last.id])
        .await?;
    tx.batch_execute("SET LOCAL ordo.audit_prune = 'off'")
        .await?;
    tx.execute(
        "INSERT INTO audit_anchor (singleton, last_id, last_hash, pruned_at) VALUES (1, $1, $2, $3)
         ON CONFLICT (singleton) DO UPDATE SET last_id = excluded.last_id,
             last_hash = excluded.last_hash, pruned_at = excluded.pruned_at",
        &[&last.id, &last.hash, &crate::store::now_micros()],
    )
    .await?;
    let audit_id = append(&tx, &prune_record(caller, before, &export, pruned)).await?;
    tx.commit().await?;
    Ok(PruneSummary {
        export,
        pruned,
        audit_id: Some(audit_id),
    })
}
