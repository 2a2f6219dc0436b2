//! The SQLite form of the [`OperationsStore`]: STRICT tables beside the published versions
//! and the audit log, written only by the store's writer thread (each [`Change`] in the same
//! transaction as its audit entry), read through a connection of their own.
//!
//! The history and the outbox are append-only (triggers refuse `UPDATE` and `DELETE`); an
//! outbox key is unique, so an action is stored once however often its event is retried.

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params, params_from_iter};

use super::{
    Change, Committed, Decision, Delegation, DelegationWrite, DelegationWritten, Delivery,
    DeliveryQuery, DeliveryStatus, DeliveryWrite, DeliveryWritten, DueTimer, Guard, HistoryEvent,
    InboxItem, Instance, InstanceQuery, OperationsGauges, OperationsStore, OutboxEntry,
    PendingStep, StoreFuture, Timer, TimerChange,
};
use crate::store::{self, StoreError, read_off_thread};
use crate::writer::Writer;

/// The tables of running workflows (created with the store's other tables).
pub const SCHEMA: &str = r"
CREATE TABLE IF NOT EXISTS instances (
    pos            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    ruleset        TEXT    NOT NULL,
    version        TEXT    NOT NULL,
    hash           TEXT    NOT NULL,
    workflow       TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    previous_state TEXT,
    owner          TEXT,
    due_at         INTEGER,
    input          TEXT    NOT NULL,
    seq            INTEGER NOT NULL,
    entered_at     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    created_by     TEXT    NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS instances_by_ruleset ON instances (ruleset, workflow, state);
CREATE INDEX IF NOT EXISTS instances_by_owner ON instances (owner);
CREATE INDEX IF NOT EXISTS instances_by_due ON instances (due_at);
CREATE INDEX IF NOT EXISTS instances_by_update ON instances (updated_at);

CREATE TABLE IF NOT EXISTS instance_history (
    id          INTEGER PRIMARY KEY,
    instance    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    name        TEXT,
    seq         INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    actor_roles TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    actions     TEXT    NOT NULL,
    detail      TEXT
) STRICT;

CREATE INDEX IF NOT EXISTS history_by_instance ON instance_history (instance, id);

CREATE TRIGGER IF NOT EXISTS instance_history_append_only
BEFORE UPDATE ON instance_history
BEGIN SELECT RAISE(ABORT, 'the instance history is append-only'); END;

CREATE TRIGGER IF NOT EXISTS instance_history_kept
BEFORE DELETE ON instance_history
BEGIN SELECT RAISE(ABORT, 'the instance history is append-only'); END;

CREATE TABLE IF NOT EXISTS timers (
    instance TEXT    NOT NULL,
    trigger  TEXT    NOT NULL,
    due_at   INTEGER NOT NULL,
    PRIMARY KEY (instance, trigger)
) STRICT;

CREATE INDEX IF NOT EXISTS timers_by_due ON timers (due_at);

CREATE TABLE IF NOT EXISTS approval_decisions (
    instance TEXT    NOT NULL,
    chain    TEXT    NOT NULL,
    step     TEXT    NOT NULL,
    person   TEXT    NOT NULL,
    role     TEXT,
    decision TEXT    NOT NULL CHECK (decision IN ('grant', 'reject')),
    facts    TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (instance, chain, step, person)
) STRICT;

CREATE TABLE IF NOT EXISTS pending_steps (
    instance   TEXT    NOT NULL,
    chain      TEXT    NOT NULL,
    step       TEXT    NOT NULL,
    label      TEXT    NOT NULL,
    roles      TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    facts      TEXT    NOT NULL,
    granted_by TEXT    NOT NULL,
    since      INTEGER NOT NULL,
    PRIMARY KEY (instance, chain, step)
) STRICT;

CREATE TABLE IF NOT EXISTS outbox (
    seq       INTEGER PRIMARY KEY,
    key       TEXT    NOT NULL UNIQUE,
    instance  TEXT    NOT NULL,
    event_seq INTEGER NOT NULL,
    trigger   TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    at        INTEGER NOT NULL
) STRICT;

CREATE TRIGGER IF NOT EXISTS outbox_append_only
BEFORE UPDATE ON outbox
BEGIN SELECT RAISE(ABORT, 'the outbox is append-only'); END;

CREATE TRIGGER IF NOT EXISTS outbox_kept
BEFORE DELETE ON outbox
BEGIN SELECT RAISE(ABORT, 'the outbox is append-only'); END;

CREATE TABLE IF NOT EXISTS webhook_cursors (
    webhook TEXT    PRIMARY KEY,
    after   INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS deliveries (
    outbox_seq      INTEGER NOT NULL,
    webhook         TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL,
    next_at         INTEGER NOT NULL,
    last_error      TEXT,
    last_attempt_at INTEGER,
    delivered_at    INTEGER,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (outbox_seq, webhook)
) STRICT;

CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_at);

CREATE TABLE IF NOT EXISTS delegations (
    id         INTEGER PRIMARY KEY,
    delegator  TEXT    NOT NULL,
    delegate   TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE INDEX IF NOT EXISTS delegations_by_delegate ON delegations (delegate, ends_at);
";

/// Writes `change` inside the writer's transaction, after checking its guard. A failed guard
/// writes nothing of the change (its audit entry is written by the caller separately).
pub fn write_change(tx: &Transaction<'_>, change: &Change) -> Result<Committed, StoreError> {
    let current: Option<i64> = tx
        .query_row(
            "SELECT seq FROM instances WHERE id = ?1",
            [&change.instance],
            |row| row.get(0),
        )
        .optional()?;
    match (change.guard, current) {
        (Guard::Create, Some(_)) => return Ok(Committed::Exists),
        (Guard::Seq(expected), Some(seq)) if seq != expected => {
            return Ok(Committed::Conflict {
                current_seq: Some(seq),
            });
        }
        (Guard::Seq(_), None) => return Ok(Committed::Conflict { current_seq: None }),
        _ => {}
    }
    if let Some(row) = &change.row {
        write_instance(tx, row)?;
    }
    let history_id = append_history(tx, &change.instance, &change.history)?;
    write_timers(tx, &change.instance, &change.timers)?;
    for action in &change.actions {
        tx.execute(
            "INSERT INTO outbox (key, instance, event_seq, trigger, action, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (key) DO NOTHING",
            params![
                action.key,
                change.instance,
                change.history.seq,
                action.trigger,
                action.action,
                change.history.at
            ],
        )?;
    }
    if let Some(decision) = &change.decision {
        tx.execute(
            // `waited_since`: when the step began to wait, read before the waiting steps
            // are replaced below (lead times on the dashboard).
            "INSERT INTO approval_decisions (instance, chain, step, person, role, decision, facts, at,
                waited_since)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT since FROM pending_steps
                WHERE instance = ?1 AND chain = ?2 AND step = ?3))
             ON CONFLICT (instance, chain, step, person) DO UPDATE SET
                role = excluded.role, decision = excluded.decision,
                facts = excluded.facts, at = excluded.at, waited_since = excluded.waited_since",
            params![
                change.instance,
                decision.chain,
                decision.step,
                decision.person,
                decision.role,
                decision.decision,
                decision.facts,
                decision.at
            ],
        )?;
    }
    if let Some(pending) = &change.pending {
        write_pending(tx, &change.instance, pending, change.history.at)?;
    }
    let audit_id = change
        .audit
        .as_ref()
        .map(|record| store::append_audit(tx, record))
        .transpose()?;
    Ok(Committed::Done {
        audit_id,
        history_id,
    })
}

fn write_instance(tx: &Transaction<'_>, row: &Instance) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO instances (id, ruleset, version, hash, workflow, state, previous_state,
            owner, due_at, input, seq, entered_at, created_at, created_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (id) DO UPDATE SET
            state = excluded.state, previous_state = excluded.previous_state,
            owner = excluded.owner, due_at = excluded.due_at, input = excluded.input,
            seq = excluded.seq, entered_at = excluded.entered_at,
            updated_at = excluded.updated_at",
        params![
            row.id,
            row.ruleset,
            row.version,
            row.hash,
            row.workflow,
            row.state,
            row.previous_state,
            row.owner,
            row.due_at,
            row.input,
            row.seq,
            row.entered_at,
            row.created_at,
            row.created_by,
            row.updated_at
        ],
    )?;
    Ok(())
}

fn append_history(
    tx: &Transaction<'_>,
    instance: &str,
    event: &HistoryEvent,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO instance_history (instance, kind, name, seq, actor, actor_roles, at,
            from_state, to_state, actions, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            instance,
            event.kind,
            event.name,
            event.seq,
            event.actor,
            event.actor_roles,
            event.at,
            event.from_state,
            event.to_state,
            event.actions,
            event.detail
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

fn write_timers(
    tx: &Transaction<'_>,
    instance: &str,
    change: &TimerChange,
) -> Result<(), StoreError> {
    let arm = |timers: &[Timer]| -> Result<(), StoreError> {
        for timer in timers {
            tx.execute(
                "INSERT INTO timers (instance, trigger, due_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (instance, trigger) DO UPDATE SET due_at = excluded.due_at",
                params![instance, timer.trigger, timer.due_at],
            )?;
        }
        Ok(())
    };
    match change {
        TimerChange::Keep => {}
        TimerChange::Replace(timers) => {
            tx.execute("DELETE FROM timers WHERE instance = ?1", [instance])?;
            arm(timers)?;
        }
        TimerChange::Adjust {
            arm: timers,
            cancel,
        } => {
            for trigger in cancel {
                tx.execute(
                    "DELETE FROM timers WHERE instance = ?1 AND trigger = ?2",
                    params![instance, trigger],
                )?;
            }
            arm(timers)?;
        }
        TimerChange::Disarm(trigger) => {
            tx.execute(
                "DELETE FROM timers WHERE instance = ?1 AND trigger = ?2",
                params![instance, trigger],
            )?;
        }
    }
    Ok(())
}

/// Replaces the waiting steps of an instance; a step that already waited keeps its `since`.
fn write_pending(
    tx: &Transaction<'_>,
    instance: &str,
    pending: &[PendingStep],
    at: i64,
) -> Result<(), StoreError> {
    let mut keep = Vec::with_capacity(pending.len());
    for step in pending {
        tx.execute(
            "INSERT INTO pending_steps (instance, chain, step, label, roles, status, facts,
                granted_by, since)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (instance, chain, step) DO UPDATE SET
                label = excluded.label, roles = excluded.roles, status = excluded.status,
                facts = excluded.facts, granted_by = excluded.granted_by",
            params![
                instance,
                step.chain,
                step.step,
                step.label,
                step.roles,
                step.status,
                step.facts,
                step.granted_by,
                at
            ],
        )?;
        keep.push(format!("{}\u{1f}{}", step.chain, step.step));
    }
    let mut stale = tx.prepare("SELECT chain, step FROM pending_steps WHERE instance = ?1")?;
    let existing = stale
        .query_map([instance], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (chain, step) in existing {
        if !keep.contains(&format!("{chain}\u{1f}{step}")) {
            tx.execute(
                "DELETE FROM pending_steps WHERE instance = ?1 AND chain = ?2 AND step = ?3",
                params![instance, chain, step],
            )?;
        }
    }
    Ok(())
}

const INSTANCE_COLUMNS: &str = "pos, id, ruleset, version, hash, workflow, state, previous_state, \
     owner, due_at, input, seq, entered_at, created_at, created_by, updated_at";

fn instance_row(row: &Row<'_>) -> rusqlite::Result<(i64, Instance)> {
    Ok((
        row.get(0)?,
        Instance {
            id: row.get(1)?,
            ruleset: row.get(2)?,
            version: row.get(3)?,
            hash: row.get(4)?,
            workflow: row.get(5)?,
            state: row.get(6)?,
            previous_state: row.get(7)?,
            owner: row.get(8)?,
            due_at: row.get(9)?,
            input: row.get(10)?,
            seq: row.get(11)?,
            entered_at: row.get(12)?,
            created_at: row.get(13)?,
            created_by: row.get(14)?,
            updated_at: row.get(15)?,
        },
    ))
}

/// One instance.
pub fn read_instance(conn: &Connection, id: &str) -> Result<Option<Instance>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {INSTANCE_COLUMNS} FROM instances WHERE id = ?1"),
            [id],
            instance_row,
        )
        .optional()?
        .map(|(_, instance)| instance))
}

/// Instances matching `query`, by position.
pub fn query_instances(
    conn: &Connection,
    query: &InstanceQuery,
) -> Result<Vec<(i64, Instance)>, StoreError> {
    use rusqlite::types::Value;
    let text = |t: &Option<String>| t.clone().map(Value::Text);
    let mut filters = store::Filters::default();
    filters.add("ruleset =", text(&query.ruleset));
    filters.add("workflow =", text(&query.workflow));
    filters.add("state =", text(&query.state));
    filters.add("owner =", text(&query.owner));
    filters.add("due_at <", query.overdue_at.map(Value::Integer));
    filters.add("updated_at >=", query.updated_since.map(Value::Integer));
    filters.add("pos >", query.after.map(Value::Integer));
    let (condition, values, limit_at) = filters.finish(query.limit);
    let sql = format!(
        "SELECT {INSTANCE_COLUMNS} FROM instances {condition} ORDER BY pos LIMIT ?{limit_at}"
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement
        .query_map(params_from_iter(values), instance_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The history of an instance, oldest first.
pub fn read_history(conn: &Connection, id: &str) -> Result<Vec<(i64, HistoryEvent)>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT id, kind, name, seq, actor, actor_roles, at, from_state, to_state, actions, detail
         FROM instance_history WHERE instance = ?1 ORDER BY id",
    )?;
    let rows = statement
        .query_map([id], |row| {
            Ok((
                row.get(0)?,
                HistoryEvent {
                    kind: row.get(1)?,
                    name: row.get(2)?,
                    seq: row.get(3)?,
                    actor: row.get(4)?,
                    actor_roles: row.get(5)?,
                    at: row.get(6)?,
                    from_state: row.get(7)?,
                    to_state: row.get(8)?,
                    actions: row.get(9)?,
                    detail: row.get(10)?,
                },
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The grants and rejections of an instance, in the order they were last decided.
pub fn read_decisions(conn: &Connection, id: &str) -> Result<Vec<Decision>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT chain, step, person, role, decision, facts, at FROM approval_decisions
         WHERE instance = ?1 ORDER BY at, person",
    )?;
    let rows = statement
        .query_map([id], |row| {
            Ok(Decision {
                chain: row.get(0)?,
                step: row.get(1)?,
                person: row.get(2)?,
                role: row.get(3)?,
                decision: row.get(4)?,
                facts: row.get(5)?,
                at: row.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The armed timers of an instance, earliest first.
pub fn read_timers(conn: &Connection, id: &str) -> Result<Vec<Timer>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT trigger, due_at FROM timers WHERE instance = ?1 ORDER BY due_at, trigger",
    )?;
    let rows = statement
        .query_map([id], |row| {
            Ok(Timer {
                trigger: row.get(0)?,
                due_at: row.get(1)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Timers due at or before `now`, earliest first.
pub fn read_due_timers(
    conn: &Connection,
    now: i64,
    limit: u32,
) -> Result<Vec<DueTimer>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT instance, trigger, due_at FROM timers WHERE due_at <= ?1
         ORDER BY due_at, instance, trigger LIMIT ?2",
    )?;
    let rows = statement
        .query_map(params![now, limit], |row| {
            Ok(DueTimer {
                instance: row.get(0)?,
                trigger: row.get(1)?,
                due_at: row.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Steps waiting for a holder of one of `roles` that `person` has not decided, oldest first.
pub fn read_inbox(
    conn: &Connection,
    person: &str,
    roles: &[String],
) -> Result<Vec<InboxItem>, StoreError> {
    let roles = serde_json::to_string(roles).unwrap_or_else(|_| "[]".to_string());
    let mut statement = conn.prepare(
        "SELECT p.instance, i.ruleset, i.workflow, i.state, p.chain, p.step, p.label, p.roles,
                p.status, p.facts, p.granted_by, p.since
         FROM pending_steps p JOIN instances i ON i.id = p.instance
         WHERE EXISTS (SELECT 1 FROM json_each(p.roles) r
                       WHERE r.value IN (SELECT value FROM json_each(?1)))
           AND NOT EXISTS (SELECT 1 FROM approval_decisions d
                           WHERE d.instance = p.instance AND d.chain = p.chain
                             AND d.step = p.step AND d.person = ?2
                             AND (d.decision = 'reject' OR p.status = 'pending'))
         ORDER BY p.since, p.instance, p.chain, p.step",
    )?;
    let rows = statement
        .query_map(params![roles, person], |row| {
            Ok(InboxItem {
                instance: row.get(0)?,
                ruleset: row.get(1)?,
                workflow: row.get(2)?,
                state: row.get(3)?,
                step: PendingStep {
                    chain: row.get(4)?,
                    step: row.get(5)?,
                    label: row.get(6)?,
                    roles: row.get(7)?,
                    status: row.get(8)?,
                    facts: row.get(9)?,
                    granted_by: row.get(10)?,
                },
                since: row.get(11)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Outbox actions after position `after`.
pub fn read_outbox(
    conn: &Connection,
    after: i64,
    limit: u32,
) -> Result<Vec<OutboxEntry>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT seq, key, instance, event_seq, trigger, action, at FROM outbox
         WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = statement
        .query_map(params![after, limit], |row| {
            Ok(OutboxEntry {
                seq: row.get(0)?,
                key: row.get(1)?,
                instance: row.get(2)?,
                event_seq: row.get(3)?,
                trigger: row.get(4)?,
                action: row.get(5)?,
                at: row.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Writes delivery state inside the writer's transaction.
pub fn write_delivery(
    tx: &Transaction<'_>,
    write: &DeliveryWrite,
) -> Result<DeliveryWritten, StoreError> {
    match write {
        DeliveryWrite::Enqueue {
            webhook,
            seqs,
            upto,
            now,
        } => {
            let mut insert = tx.prepare_cached(
                "INSERT INTO deliveries (outbox_seq, webhook, status, attempts, next_at, created_at)
                 VALUES (?1, ?2, 'pending', 0, ?3, ?3) ON CONFLICT DO NOTHING",
            )?;
            for seq in seqs {
                insert.execute(params![seq, webhook, now])?;
            }
            tx.execute(
                "INSERT INTO webhook_cursors (webhook, after) VALUES (?1, ?2)
                 ON CONFLICT (webhook) DO UPDATE SET after = max(after, excluded.after)",
                params![webhook, upto],
            )?;
            Ok(DeliveryWritten::Done)
        }
        DeliveryWrite::Claim {
            webhooks,
            now,
            lease_until,
            limit,
        } => {
            let names = serde_json::to_string(webhooks).unwrap_or_else(|_| "[]".into());
            let claimed = select_deliveries(
                tx,
                "d.status = 'pending' AND d.next_at <= ?1
                 AND d.webhook IN (SELECT value FROM json_each(?2))
                 ORDER BY d.next_at, d.outbox_seq, d.webhook LIMIT ?3",
                params![now, names, limit],
            )?;
            let mut lease = tx.prepare_cached(
                "UPDATE deliveries SET next_at = ?1 WHERE outbox_seq = ?2 AND webhook = ?3",
            )?;
            for delivery in &claimed {
                lease.execute(params![lease_until, delivery.entry.seq, delivery.webhook])?;
            }
            Ok(DeliveryWritten::Claimed(claimed))
        }
        DeliveryWrite::Record(attempt) => {
            let (status, next_at, delivered_at) = match (&attempt.error, attempt.retry_at) {
                (None, _) => (DeliveryStatus::Delivered, attempt.at, Some(attempt.at)),
                (Some(_), Some(retry_at)) => (DeliveryStatus::Pending, retry_at, None),
                (Some(_), None) => (DeliveryStatus::Failed, attempt.at, None),
            };
            tx.execute(
                "UPDATE deliveries SET status = ?1, attempts = attempts + 1, next_at = ?2,
                    last_error = ?3, last_attempt_at = ?4, delivered_at = ?5
                 WHERE outbox_seq = ?6 AND webhook = ?7 AND status = 'pending'",
                params![
                    status.as_str(),
                    next_at,
                    attempt.error,
                    attempt.at,
                    delivered_at,
                    attempt.seq,
                    attempt.webhook
                ],
            )?;
            Ok(DeliveryWritten::Done)
        }
        DeliveryWrite::Retry { webhook, seq, now } => {
            let changed = tx.execute(
                "UPDATE deliveries SET status = 'pending', next_at = ?1
                 WHERE outbox_seq = ?2 AND webhook = ?3 AND status = 'failed'",
                params![now, seq, webhook],
            )?;
            Ok(DeliveryWritten::Retried(changed > 0))
        }
    }
}

/// Deliveries with their outbox actions, selected by `condition` (which may order and limit).
fn select_deliveries(
    conn: &Connection,
    condition: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Delivery>, StoreError> {
    let sql = format!(
        "SELECT d.webhook, d.status, d.attempts, d.next_at, d.last_error, d.last_attempt_at,
                d.delivered_at, o.seq, o.key, o.instance, o.event_seq, o.trigger, o.action, o.at
         FROM deliveries d JOIN outbox o ON o.seq = d.outbox_seq
         WHERE {condition}"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement
        .query_map(params, |row| {
            let status: String = row.get(1)?;
            Ok(Delivery {
                webhook: row.get(0)?,
                status: DeliveryStatus::parse(&status).unwrap_or(DeliveryStatus::Pending),
                attempts: row.get(2)?,
                next_at: row.get(3)?,
                last_error: row.get(4)?,
                last_attempt_at: row.get(5)?,
                delivered_at: row.get(6)?,
                entry: OutboxEntry {
                    seq: row.get(7)?,
                    key: row.get(8)?,
                    instance: row.get(9)?,
                    event_seq: row.get(10)?,
                    trigger: row.get(11)?,
                    action: row.get(12)?,
                    at: row.get(13)?,
                },
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The last outbox position queued for `webhook`.
pub fn read_delivery_cursor(conn: &Connection, webhook: &str) -> Result<i64, StoreError> {
    Ok(conn
        .query_row(
            "SELECT after FROM webhook_cursors WHERE webhook = ?1",
            [webhook],
            |row| row.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

/// Deliveries matching `query`.
pub fn query_deliveries(
    conn: &Connection,
    query: &DeliveryQuery,
) -> Result<Vec<Delivery>, StoreError> {
    use rusqlite::types::Value;
    let mut filters = store::Filters::default();
    filters.add("d.webhook =", query.webhook.clone().map(Value::Text));
    filters.add(
        "d.status =",
        query.status.map(|s| Value::Text(s.as_str().to_string())),
    );
    filters.add("d.outbox_seq >", query.after.map(Value::Integer));
    let (condition, values, limit_at) = filters.finish(query.limit);
    let condition = condition.strip_prefix("WHERE ").unwrap_or("1 = 1");
    select_deliveries(
        conn,
        &format!("{condition} ORDER BY d.outbox_seq, d.webhook LIMIT ?{limit_at}"),
        params_from_iter(values),
    )
}

/// The counts `/metrics` shows.
pub fn read_gauges(conn: &Connection, now: i64) -> Result<OperationsGauges, StoreError> {
    let mut gauges = OperationsGauges::default();
    let mut statement = conn.prepare_cached(
        "SELECT ruleset, workflow, state, count(*) FROM instances
         GROUP BY ruleset, workflow, state ORDER BY ruleset, workflow, state",
    )?;
    gauges.instances = statement
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut statement = conn.prepare_cached(
        "SELECT ruleset, workflow, count(*) FROM instances WHERE due_at < ?1
         GROUP BY ruleset, workflow ORDER BY ruleset, workflow",
    )?;
    gauges.overdue = statement
        .query_map([now], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    (gauges.timers, gauges.earliest_due) = conn.query_row(
        "SELECT count(*), (SELECT min(due_at) FROM timers WHERE due_at <= ?1) FROM timers",
        [now],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    gauges.outbox_last = conn.query_row("SELECT coalesce(max(seq), 0) FROM outbox", [], |row| {
        row.get(0)
    })?;
    let mut statement = conn.prepare_cached(
        "SELECT webhook, status, count(*) FROM deliveries GROUP BY webhook, status
         ORDER BY webhook, status",
    )?;
    gauges.deliveries = statement
        .query_map([], |row| {
            let status: String = row.get(1)?;
            Ok((
                row.get(0)?,
                DeliveryStatus::parse(&status).unwrap_or(DeliveryStatus::Pending),
                row.get(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut statement =
        conn.prepare_cached("SELECT webhook, after FROM webhook_cursors ORDER BY webhook")?;
    gauges.cursors = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(gauges)
}

/// Writes a delegation or its revocation, with its audit entry.
pub fn write_delegation(
    tx: &Transaction<'_>,
    write: &DelegationWrite,
) -> Result<DelegationWritten, StoreError> {
    let (id, audit) = match write {
        DelegationWrite::Create(d, audit) => {
            tx.execute(
                "INSERT INTO delegations (delegator, delegate, role, starts_at, ends_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![d.delegator, d.delegate, d.role, d.starts_at, d.ends_at, d.created_at],
            )?;
            let id = tx.last_insert_rowid();
            // The answer names the id just given, so its digest is taken now.
            let audit_id = match d.created_audit(id, audit.as_ref()) {
                Some(record) => Some(store::append_audit(tx, &record)?),
                None => None,
            };
            return Ok(DelegationWritten {
                id: Some(id),
                audit_id,
            });
        }
        DelegationWrite::Revoke {
            id,
            delegator,
            at,
            audit,
        } => {
            let changed = tx.execute(
                "UPDATE delegations SET revoked_at = ?1
                 WHERE id = ?2 AND delegator = ?3 AND revoked_at IS NULL",
                params![at, id, delegator],
            )?;
            ((changed > 0).then_some(*id), audit)
        }
    };
    let audit_id = match (id, audit) {
        (Some(_), Some(record)) => Some(store::append_audit(tx, record)?),
        _ => None,
    };
    Ok(DelegationWritten { id, audit_id })
}

fn select_delegations(
    conn: &Connection,
    condition: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Delegation>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT id, delegator, delegate, role, starts_at, ends_at, created_at, revoked_at
         FROM delegations WHERE {condition} ORDER BY id DESC"
    ))?;
    let rows = statement
        .query_map(params, |row| {
            Ok(Delegation {
                id: row.get(0)?,
                delegator: row.get(1)?,
                delegate: row.get(2)?,
                role: row.get(3)?,
                starts_at: row.get(4)?,
                ends_at: row.get(5)?,
                created_at: row.get(6)?,
                revoked_at: row.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The delegations given or received by `person` (all when `None`).
pub fn read_delegations(
    conn: &Connection,
    person: Option<&str>,
) -> Result<Vec<Delegation>, StoreError> {
    match person {
        Some(person) => select_delegations(conn, "delegator = ?1 OR delegate = ?1", [person]),
        None => select_delegations(conn, "1 = 1", []),
    }
}

/// The delegations `person` holds at `now`.
pub fn read_delegated_to(
    conn: &Connection,
    person: &str,
    now: i64,
) -> Result<Vec<Delegation>, StoreError> {
    select_delegations(
        conn,
        "delegate = ?1 AND starts_at <= ?2 AND ends_at > ?2 AND revoked_at IS NULL",
        params![person, now],
    )
}

/// The SQLite store: reads on a connection of its own, writes through the store's writer.
pub struct SqliteOperations {
    reader: Arc<Mutex<Connection>>,
    writer: Writer,
}

impl SqliteOperations {
    /// Reads with `reader` (a connection to the store file), writes with `writer`.
    pub fn new(reader: Connection, writer: Writer) -> SqliteOperations {
        SqliteOperations {
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

impl OperationsStore for SqliteOperations {
    fn instance(&self, id: &str) -> StoreFuture<'_, Option<Instance>> {
        let id = id.to_string();
        self.read(move |conn| read_instance(conn, &id))
    }

    fn instances(&self, query: InstanceQuery) -> StoreFuture<'_, Vec<(i64, Instance)>> {
        self.read(move |conn| query_instances(conn, &query))
    }

    fn history(&self, id: &str) -> StoreFuture<'_, Vec<(i64, HistoryEvent)>> {
        let id = id.to_string();
        self.read(move |conn| read_history(conn, &id))
    }

    fn decided_steps(
        &self,
        from: i64,
        to: i64,
        limit: u32,
    ) -> StoreFuture<'_, Vec<super::dashboard::DecidedStep>> {
        self.read(move |conn| super::dashboard::decided_steps(conn, from, to, limit))
    }

    fn decisions(&self, id: &str) -> StoreFuture<'_, Vec<Decision>> {
        let id = id.to_string();
        self.read(move |conn| read_decisions(conn, &id))
    }

    fn timers(&self, id: &str) -> StoreFuture<'_, Vec<Timer>> {
        let id = id.to_string();
        self.read(move |conn| read_timers(conn, &id))
    }

    fn due_timers(&self, now: i64, limit: u32) -> StoreFuture<'_, Vec<DueTimer>> {
        self.read(move |conn| read_due_timers(conn, now, limit))
    }

    fn inbox(&self, person: &str, roles: &[String]) -> StoreFuture<'_, Vec<InboxItem>> {
        let (person, roles) = (person.to_string(), roles.to_vec());
        self.read(move |conn| read_inbox(conn, &person, &roles))
    }

    fn outbox(&self, after: i64, limit: u32) -> StoreFuture<'_, Vec<OutboxEntry>> {
        self.read(move |conn| read_outbox(conn, after, limit))
    }

    fn commit(&self, change: Change) -> StoreFuture<'_, Committed> {
        Box::pin(self.writer.change(change))
    }

    fn delivery_cursor(&self, webhook: &str) -> StoreFuture<'_, i64> {
        let webhook = webhook.to_string();
        self.read(move |conn| read_delivery_cursor(conn, &webhook))
    }

    fn write_delivery(&self, write: DeliveryWrite) -> StoreFuture<'_, DeliveryWritten> {
        Box::pin(self.writer.delivery(write))
    }

    fn deliveries(&self, query: DeliveryQuery) -> StoreFuture<'_, Vec<Delivery>> {
        self.read(move |conn| query_deliveries(conn, &query))
    }

    fn gauges(&self, now: i64) -> StoreFuture<'_, OperationsGauges> {
        self.read(move |conn| read_gauges(conn, now))
    }

    fn delegations(&self, person: Option<&str>) -> StoreFuture<'_, Vec<Delegation>> {
        let person = person.map(str::to_string);
        self.read(move |conn| read_delegations(conn, person.as_deref()))
    }

    fn delegated_to(&self, person: &str, now: i64) -> StoreFuture<'_, Vec<Delegation>> {
        let person = person.to_string();
        self.read(move |conn| read_delegated_to(conn, &person, now))
    }

    fn write_delegation(&self, write: DelegationWrite) -> StoreFuture<'_, DelegationWritten> {
        Box::pin(self.writer.delegation(write))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::OutboxAction;

    fn instance(seq: i64) -> Instance {
        Instance {
            id: "SO-1".into(),
            ruleset: "orders".into(),
            version: "1.0.0".into(),
            hash: "sha256:00".into(),
            workflow: "order".into(),
            state: "draft".into(),
            previous_state: None,
            owner: Some("sales".into()),
            due_at: Some(50),
            input: "{}".into(),
            seq,
            entered_at: 10,
            created_at: 10,
            created_by: "ci".into(),
            updated_at: 10 + seq,
        }
    }

    fn change(guard: Guard, seq: i64, key: &str) -> Change {
        Change {
            instance: "SO-1".into(),
            guard,
            row: Some(instance(seq)),
            history: HistoryEvent {
                kind: "apply".into(),
                name: Some("submit".into()),
                seq,
                actor: "ana".into(),
                actor_roles: "[\"sales\"]".into(),
                at: 10 + seq,
                from_state: None,
                to_state: Some("draft".into()),
                actions: "[]".into(),
                detail: None,
            },
            timers: TimerChange::Replace(vec![Timer {
                trigger: "reminder".into(),
                due_at: 100 + seq,
            }]),
            actions: vec![OutboxAction {
                key: key.into(),
                trigger: "large_order".into(),
                action: "{}".into(),
            }],
            decision: None,
            pending: Some(vec![PendingStep {
                chain: "deal_desk".into(),
                step: "manager".into(),
                label: "Sales manager".into(),
                roles: "[\"sales_manager\"]".into(),
                status: "pending".into(),
                facts: "{}".into(),
                granted_by: "[]".into(),
            }]),
            audit: None,
        }
    }

    fn write(conn: &mut Connection, change: &Change) -> Committed {
        let tx = conn.transaction().unwrap();
        let committed = write_change(&tx, change).unwrap();
        tx.commit().unwrap();
        committed
    }

    #[test]
    fn changes_are_guarded_and_the_outbox_keeps_each_key_once() {
        let dir = std::env::temp_dir().join(format!("ordo-http-ops-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ops.db");
        let _ = std::fs::remove_file(&path);
        let mut conn = store::open(&path).unwrap();

        assert!(matches!(
            write(&mut conn, &change(Guard::Create, 1, "k1")),
            Committed::Done { .. }
        ));
        assert_eq!(
            write(&mut conn, &change(Guard::Create, 1, "k1")),
            Committed::Exists
        );
        // A stale seq writes nothing and says what the seq is.
        assert_eq!(
            write(&mut conn, &change(Guard::Seq(0), 2, "k2")),
            Committed::Conflict {
                current_seq: Some(1)
            }
        );
        // The same event retried: its action is stored once.
        assert!(matches!(
            write(&mut conn, &change(Guard::Seq(1), 2, "k1")),
            Committed::Done { .. }
        ));
        assert_eq!(read_outbox(&conn, 0, 10).unwrap().len(), 1);
        assert_eq!(read_instance(&conn, "SO-1").unwrap().unwrap().seq, 2);
        assert_eq!(read_history(&conn, "SO-1").unwrap().len(), 2);
        assert_eq!(
            read_timers(&conn, "SO-1").unwrap(),
            [Timer {
                trigger: "reminder".into(),
                due_at: 102
            }]
        );
        assert_eq!(read_due_timers(&conn, 101, 10).unwrap().len(), 0);
        assert_eq!(read_due_timers(&conn, 102, 10).unwrap().len(), 1);
        assert_eq!(
            write(&mut conn, &change(Guard::Seq(1), 3, "k3")),
            Committed::Conflict {
                current_seq: Some(2)
            }
        );

        // The inbox: a step waits since it first waited, for the holders of its roles.
        let inbox = read_inbox(&conn, "ben", &["sales_manager".into()]).unwrap();
        assert_eq!(inbox.len(), 1);
        assert_eq!(inbox[0].since, 11);
        assert!(
            read_inbox(&conn, "ana", &["sales".into()])
                .unwrap()
                .is_empty()
        );

        // History and outbox are append-only.
        assert!(conn.execute("DELETE FROM instance_history", []).is_err());
        assert!(conn.execute("UPDATE outbox SET key = 'x'", []).is_err());

        // Filters.
        let query = |q: InstanceQuery| query_instances(&conn, &InstanceQuery { limit: 10, ..q });
        assert_eq!(
            query(InstanceQuery {
                overdue_at: Some(60),
                ..InstanceQuery::default()
            })
            .unwrap()
            .len(),
            1
        );
        assert!(
            query(InstanceQuery {
                owner: Some("finance".into()),
                ..InstanceQuery::default()
            })
            .unwrap()
            .is_empty()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
