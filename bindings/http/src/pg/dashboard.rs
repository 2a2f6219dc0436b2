//! What the dashboard reads in PostgreSQL: approval decisions with how long their steps waited,
//! and the rules audited evaluations violated (see [`crate::ops::dashboard`] for why these are
//! recorded rather than recomputed).

use deadpool_postgres::{Pool, Transaction};

use super::connection;
use crate::ops::dashboard::{DecidedStep, RecordedViolation, ViolationCount, ViolationQuery};
use crate::store::StoreError;

/// Added idempotently at migration (no schema version bump): the decisions' `waited_since`
/// (`NULL` on rows written before it), the violations table and the indexes the reads use.
pub const SCHEMA: &str = "
ALTER TABLE approval_decisions ADD COLUMN IF NOT EXISTS waited_since BIGINT;

CREATE TABLE IF NOT EXISTS audit_violations (
    audit_id BIGINT NOT NULL,
    at       BIGINT NOT NULL,
    ruleset  TEXT   NOT NULL,
    rule     TEXT   NOT NULL,
    severity TEXT   NOT NULL,
    PRIMARY KEY (audit_id, rule)
);

CREATE INDEX IF NOT EXISTS audit_violations_by_time ON audit_violations (at);
CREATE INDEX IF NOT EXISTS approval_decisions_by_time ON approval_decisions (at);
";

/// Records the rules an audit entry's evaluation violated, in the entry's transaction.
pub(super) async fn record_violations(
    tx: &Transaction<'_>,
    audit_id: i64,
    at: i64,
    ruleset: &str,
    violations: &[RecordedViolation],
) -> Result<(), StoreError> {
    for violation in violations {
        super::cached::execute(
            tx,
            "INSERT INTO audit_violations (audit_id, at, ruleset, rule, severity)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[
                &audit_id,
                &at,
                &ruleset,
                &violation.rule,
                &violation.severity,
            ],
        )
        .await?;
    }
    Ok(())
}

/// Decisions made in `[from, to)`, oldest first, at most `limit`.
pub(super) async fn decided_steps(
    pool: &Pool,
    from: i64,
    to: i64,
    limit: u32,
) -> Result<Vec<DecidedStep>, StoreError> {
    let client = connection(pool).await?;
    let rows = client
        .query(
            "SELECT i.ruleset, d.chain, d.step, d.decision, d.at, d.waited_since
             FROM approval_decisions d JOIN instances i ON i.id = d.instance
             WHERE d.at >= $1 AND d.at < $2 ORDER BY d.at LIMIT $3",
            &[&from, &to, &i64::from(limit)],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(DecidedStep {
                ruleset: row.try_get(0)?,
                chain: row.try_get(1)?,
                step: row.try_get(2)?,
                decision: row.try_get(3)?,
                at: row.try_get(4)?,
                waited_since: row.try_get(5)?,
            })
        })
        .collect()
}

/// Violations counted by ruleset, rule and bucket.
pub(super) async fn violation_counts(
    pool: &Pool,
    query: ViolationQuery,
) -> Result<Vec<ViolationCount>, StoreError> {
    let client = connection(pool).await?;
    let rows = client
        .query(
            "SELECT ruleset, rule, max(severity), (at - $1) / $3 AS bucket, count(*)
             FROM audit_violations WHERE at >= $1 AND at < $2
             GROUP BY ruleset, rule, bucket ORDER BY ruleset, rule, bucket",
            &[&query.from, &query.to, &query.bucket],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(ViolationCount {
                ruleset: row.try_get(0)?,
                rule: row.try_get(1)?,
                severity: row.try_get(2)?,
                bucket: row.try_get(3)?,
                count: row.try_get(4)?,
            })
        })
        .collect()
}
