//! What the dashboard's lead-time and violation charts read, kept beside the records they come
//! from: each approval decision carries `waited_since` (when its step began to wait, `NULL` for
//! decisions recorded before the column existed), and each audited evaluation records the ids
//! of the rules it violated in `audit_violations`, in the audit entry's transaction.
//!
//! Violations are recorded at audit time rather than found again by re-evaluating audited
//! requests: a re-evaluation is only valid while the version's digest matches and costs an
//! evaluation per entry read, where the recorded ids cost one small row per violated rule and
//! read as one grouped query.
//!
//! Both additions are made idempotently when the store opens (no schema version bump): the
//! SQLite column is added when `pragma table_info` lacks it, the PostgreSQL one with
//! `ADD COLUMN IF NOT EXISTS` (see [`crate::pg`]).

use rusqlite::{Connection, Transaction, params};

use crate::store::StoreError;

/// The SQLite tables and indexes the dashboard reads, created when missing.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit_violations (
    audit_id INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    ruleset  TEXT    NOT NULL,
    rule     TEXT    NOT NULL,
    severity TEXT    NOT NULL,
    PRIMARY KEY (audit_id, rule)
) STRICT;

CREATE INDEX IF NOT EXISTS audit_violations_by_time ON audit_violations (at);
CREATE INDEX IF NOT EXISTS approval_decisions_by_time ON approval_decisions (at);
";

/// A rule an audited evaluation violated (once per rule, however many elements failed it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedViolation {
    /// The constraint's id.
    pub rule: String,
    /// `error`, `warning` or `review`.
    pub severity: String,
}

/// One grant or rejection, with how long its step had waited.
#[derive(Debug, Clone, PartialEq)]
pub struct DecidedStep {
    pub ruleset: String,
    pub chain: String,
    pub step: String,
    /// `grant` or `reject`.
    pub decision: String,
    /// When it was decided (microseconds since the Unix epoch).
    pub at: i64,
    /// When the step began to wait; `None` for decisions recorded before this was kept.
    pub waited_since: Option<i64>,
}

/// What a violation count covers: `[from, to)` in microseconds, cut into buckets of
/// `bucket` microseconds counted from `from`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViolationQuery {
    pub from: i64,
    pub to: i64,
    pub bucket: i64,
}

/// How many audited evaluations violated a rule in one bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct ViolationCount {
    pub ruleset: String,
    pub rule: String,
    pub severity: String,
    /// The bucket's index from the query's `from`.
    pub bucket: i64,
    pub count: i64,
}

/// The rule ids of an evaluation's answer (`violations[*].id`), each once, in first order.
pub fn violated_rules(result: &serde_json::Value) -> Vec<RecordedViolation> {
    let mut rules: Vec<RecordedViolation> = Vec::new();
    let listed = result.get("violations").and_then(|v| v.as_array());
    for violation in listed.into_iter().flatten() {
        let Some(rule) = violation.get("id").and_then(|id| id.as_str()) else {
            continue;
        };
        if rules.iter().any(|r| r.rule == rule) {
            continue;
        }
        let severity = violation.get("severity").and_then(|s| s.as_str());
        rules.push(RecordedViolation {
            rule: rule.to_string(),
            severity: severity.unwrap_or("error").to_string(),
        });
    }
    rules
}

/// Creates what the dashboard reads in a SQLite store, adding `waited_since` to the
/// decisions when it lacks it.
pub fn migrate(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(SCHEMA)?;
    if !has_waited_since(conn)?
        && let Err(error) =
            conn.execute_batch("ALTER TABLE approval_decisions ADD COLUMN waited_since INTEGER")
    {
        // Another connection may have added it between the check and the change.
        if !has_waited_since(conn)? {
            return Err(error.into());
        }
    }
    Ok(())
}

fn has_waited_since(conn: &Connection) -> Result<bool, StoreError> {
    let mut columns = conn.prepare("SELECT name FROM pragma_table_info('approval_decisions')")?;
    let names = columns
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(names.iter().any(|name| name == "waited_since"))
}

/// Records the rules an audit entry's evaluation violated, in the entry's transaction.
pub fn record_violations(
    tx: &Transaction<'_>,
    audit_id: i64,
    at: i64,
    ruleset: &str,
    violations: &[RecordedViolation],
) -> Result<(), StoreError> {
    for violation in violations {
        tx.prepare_cached(
            "INSERT INTO audit_violations (audit_id, at, ruleset, rule, severity)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            audit_id,
            at,
            ruleset,
            violation.rule,
            violation.severity
        ])?;
    }
    Ok(())
}

/// Decisions made in `[from, to)`, oldest first, at most `limit`.
pub fn decided_steps(
    conn: &Connection,
    from: i64,
    to: i64,
    limit: u32,
) -> Result<Vec<DecidedStep>, StoreError> {
    let mut select = conn.prepare_cached(
        "SELECT i.ruleset, d.chain, d.step, d.decision, d.at, d.waited_since
         FROM approval_decisions d JOIN instances i ON i.id = d.instance
         WHERE d.at >= ?1 AND d.at < ?2 ORDER BY d.at LIMIT ?3",
    )?;
    let rows = select
        .query_map(params![from, to, limit], |row| {
            Ok(DecidedStep {
                ruleset: row.get(0)?,
                chain: row.get(1)?,
                step: row.get(2)?,
                decision: row.get(3)?,
                at: row.get(4)?,
                waited_since: row.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Violations counted by ruleset, rule and bucket.
pub fn violation_counts(
    conn: &Connection,
    query: ViolationQuery,
) -> Result<Vec<ViolationCount>, StoreError> {
    let mut select = conn.prepare_cached(
        "SELECT ruleset, rule, max(severity), (at - ?1) / ?3 AS bucket, count(*)
         FROM audit_violations WHERE at >= ?1 AND at < ?2
         GROUP BY ruleset, rule, bucket ORDER BY ruleset, rule, bucket",
    )?;
    let rows = select
        .query_map(params![query.from, query.to, query.bucket], |row| {
            Ok(ViolationCount {
                ruleset: row.get(0)?,
                rule: row.get(1)?,
                severity: row.get(2)?,
                bucket: row.get(3)?,
                count: row.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violated_rules_are_listed_once_each() {
        let result = serde_json::json!({"violations": [
            {"id": "a", "severity": "warning", "at": "items[0]"},
            {"id": "b", "severity": "error"},
            {"id": "a", "severity": "warning", "at": "items[1]"},
        ]});
        let rules = violated_rules(&result);
        let ids: Vec<&str> = rules.iter().map(|r| r.rule.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(rules.first().map(|r| r.severity.as_str()), Some("warning"));
        assert!(violated_rules(&serde_json::json!({"valid": true})).is_empty());
    }

    #[test]
    fn the_column_is_added_once() -> Result<(), StoreError> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(crate::ops::sqlite::SCHEMA)?;
        assert!(!has_waited_since(&conn)?);
        migrate(&conn)?;
        migrate(&conn)?;
        assert!(has_waited_since(&conn)?);
        Ok(())
    }
}
