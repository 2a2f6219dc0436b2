//! Workflow instances, their history, grants, timers, inbox, outbox, deliveries and
//! delegations in PostgreSQL: the [`OperationsStore`] that replicas share.
//!
//! A change checks its guard on the instance's row locked `FOR UPDATE` (a create inserts
//! with `ON CONFLICT DO NOTHING`), so two replicas writing one instance cannot both win.

use deadpool_postgres::{Pool, Transaction};
use tokio_postgres::Row;

use super::catalog::append_audit;
use super::group::Committer;
use super::{Filters, cached, connection, params};
use crate::ops::{
    Change, Committed, Decision, Delegation, DelegationWrite, DelegationWritten, Delivery,
    DeliveryQuery, DeliveryStatus, DeliveryWrite, DeliveryWritten, DueTimer, Guard, HistoryEvent,
    InboxItem, Instance, InstanceQuery, OperationsGauges, OperationsStore, OutboxEntry,
    PendingStep, StoreFuture, Timer, TimerChange,
};
use crate::store::StoreError;

/// The PostgreSQL [`OperationsStore`].
pub struct PgOperations {
    pool: Pool,
    /// Commits the changes, several in one transaction.
    committer: Committer,
    /// Who this server is in the claims it takes (host, process and start time).
    replica: String,
}

impl PgOperations {
    /// The store on `pool`.
    pub fn new(pool: Pool) -> PgOperations {
        let host = std::env::var("HOSTNAME").unwrap_or_default();
        PgOperations {
            committer: Committer::start(pool.clone()),
            pool,
            replica: format!(
                "{host}:{}:{}",
                std::process::id(),
                crate::store::now_micros()
            ),
        }
    }
}

const INSTANCE_COLUMNS: &str = "pos, id, ruleset, version, hash, workflow, state, previous_state, \
     owner, due_at, input, seq, entered_at, created_at, created_by, updated_at";

fn instance_row(row: &Row) -> Result<(i64, Instance), StoreError> {
    Ok((
        row.try_get(0)?,
        Instance {
            id: row.try_get(1)?,
            ruleset: row.try_get(2)?,
            version: row.try_get(3)?,
            hash: row.try_get(4)?,
            workflow: row.try_get(5)?,
            state: row.try_get(6)?,
            previous_state: row.try_get(7)?,
            owner: row.try_get(8)?,
            due_at: row.try_get(9)?,
            input: row.try_get(10)?,
            seq: row.try_get(11)?,
            entered_at: row.try_get(12)?,
            created_at: row.try_get(13)?,
            created_by: row.try_get(14)?,
            updated_at: row.try_get(15)?,
        },
    ))
}

fn history_row(row: &Row) -> Result<(i64, HistoryEvent), StoreError> {
    Ok((
        row.try_get(0)?,
        HistoryEvent {
            kind: row.try_get(1)?,
            name: row.try_get(2)?,
            seq: row.try_get(3)?,
            actor: row.try_get(4)?,
            actor_roles: row.try_get(5)?,
            at: row.try_get(6)?,
            from_state: row.try_get(7)?,
            to_state: row.try_get(8)?,
            actions: row.try_get(9)?,
            detail: row.try_get(10)?,
        },
    ))
}

fn outbox_row(row: &Row, at: usize) -> Result<OutboxEntry, StoreError> {
    Ok(OutboxEntry {
        seq: row.try_get(at)?,
        key: row.try_get(at + 1)?,
        instance: row.try_get(at + 2)?,
        event_seq: row.try_get(at + 3)?,
        trigger: row.try_get(at + 4)?,
        action: row.try_get(at + 5)?,
        at: row.try_get(at + 6)?,
    })
}

fn status(text: &str) -> DeliveryStatus {
    DeliveryStatus::parse(text).unwrap_or(DeliveryStatus::Pending)
}

const DELIVERY_COLUMNS: &str = "d.webhook, d.status, d.attempts, d.next_at, d.last_error, \
     d.last_attempt_at, d.delivered_at, o.seq, o.key, o.instance, o.event_seq, o.trigger, \
     o.action, o.at";

fn delivery_row(row: &Row) -> Result<Delivery, StoreError> {
    let text: String = row.try_get(1)?;
    Ok(Delivery {
        webhook: row.try_get(0)?,
        status: status(&text),
        attempts: row.try_get(2)?,
        next_at: row.try_get(3)?,
        last_error: row.try_get(4)?,
        last_attempt_at: row.try_get(5)?,
        delivered_at: row.try_get(6)?,
        entry: outbox_row(row, 7)?,
    })
}

fn delegation_row(row: &Row) -> Result<Delegation, StoreError> {
    Ok(Delegation {
        id: row.try_get(0)?,
        delegator: row.try_get(1)?,
        delegate: row.try_get(2)?,
        role: row.try_get(3)?,
        starts_at: row.try_get(4)?,
        ends_at: row.try_get(5)?,
        created_at: row.try_get(6)?,
        revoked_at: row.try_get(7)?,
    })
}

const DELEGATION_COLUMNS: &str =
    "id, delegator, delegate, role, starts_at, ends_at, created_at, revoked_at";

/// Puts the actions of `change` in the outbox, in their order; the caller holds the append
/// lock, so positions follow the commit order.
pub(super) async fn insert_outbox(tx: &Transaction<'_>, change: &Change) -> Result<(), StoreError> {
    for action in &change.actions {
        cached::execute(
            tx,
            "INSERT INTO outbox (seq, key, instance, event_seq, trigger, action, at)
             VALUES (nextval('outbox_seqs'), $1, $2, $3, $4, $5, $6)
             ON CONFLICT (key) DO NOTHING",
            &[
                &action.key,
                &change.instance,
                &change.history.seq,
                &action.trigger,
                &action.action,
                &change.history.at,
            ],
        )
        .await?;
    }
    Ok(())
}

/// Checks the guard of `change` and writes its instance row; the answer when the guard fails.
/// A guard that fails writes nothing.
pub(super) async fn guard(
    tx: &Transaction<'_>,
    change: &Change,
) -> Result<Option<Committed>, StoreError> {
    match (change.guard, &change.row) {
        (Guard::Create, None) => Err(StoreError::Commit(
            "a new instance comes without its row".into(),
        )),
        (Guard::Create, Some(row)) => {
            Ok((insert_instance(tx, row).await? == 0).then_some(Committed::Exists))
        }
        // The row is written only while it has the seq the change was decided on; a
        // concurrent writer of the instance is waited for, then its row is the one checked.
        (Guard::Seq(expected), Some(row)) => {
            if update_instance(tx, row, expected).await? == 1 {
                return Ok(None);
            }
            let current = cached::query_opt(
                tx,
                "SELECT seq FROM instances WHERE id = $1",
                &[&change.instance],
            )
            .await?;
            Ok(Some(Committed::Conflict {
                current_seq: current.map(|row| row.try_get(0)).transpose()?,
            }))
        }
        (Guard::Seq(expected), None) => {
            let current = cached::query_opt(
                tx,
                "SELECT seq FROM instances WHERE id = $1 FOR UPDATE",
                &[&change.instance],
            )
            .await?
            .map(|row| row.try_get::<_, i64>(0))
            .transpose()?;
            Ok(match current {
                Some(seq) if seq == expected => None,
                current_seq => Some(Committed::Conflict { current_seq }),
            })
        }
    }
}

/// Inserts a new instance; 0 when one of its id exists.
async fn insert_instance(tx: &Transaction<'_>, row: &Instance) -> Result<u64, StoreError> {
    cached::execute(
        tx,
        "INSERT INTO instances (id, ruleset, version, hash, workflow, state, previous_state,
            owner, due_at, input, seq, entered_at, created_at, created_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (id) DO NOTHING",
        &[
            &row.id,
            &row.ruleset,
            &row.version,
            &row.hash,
            &row.workflow,
            &row.state,
            &row.previous_state,
            &row.owner,
            &row.due_at,
            &row.input,
            &row.seq,
            &row.entered_at,
            &row.created_at,
            &row.created_by,
            &row.updated_at,
        ],
    )
    .await
}

/// Writes the instance's new row where its seq is still `expected`; 0 when it is not.
async fn update_instance(
    tx: &Transaction<'_>,
    row: &Instance,
    expected: i64,
) -> Result<u64, StoreError> {
    cached::execute(
        tx,
        "UPDATE instances SET state = $2, previous_state = $3, owner = $4, due_at = $5,
            input = $6, seq = $7, entered_at = $8, updated_at = $9
         WHERE id = $1 AND seq = $10",
        &[
            &row.id,
            &row.state,
            &row.previous_state,
            &row.owner,
            &row.due_at,
            &row.input,
            &row.seq,
            &row.entered_at,
            &row.updated_at,
            &expected,
        ],
    )
    .await
}

pub(super) async fn append_history(
    tx: &Transaction<'_>,
    instance: &str,
    event: &HistoryEvent,
) -> Result<i64, StoreError> {
    let row = cached::query_one(
        tx,
        "INSERT INTO instance_history (instance, kind, name, seq, actor, actor_roles, at,
            from_state, to_state, actions, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        &[
            &instance,
            &event.kind,
            &event.name,
            &event.seq,
            &event.actor,
            &event.actor_roles,
            &event.at,
            &event.from_state,
            &event.to_state,
            &event.actions,
            &event.detail,
        ],
    )
    .await?;
    Ok(row.try_get(0)?)
}

/// Cancels and arms the instance's timers in one statement; a re-armed timer is claimed
/// afresh.
pub(super) async fn write_timers(
    tx: &Transaction<'_>,
    instance: &str,
    change: &TimerChange,
) -> Result<(), StoreError> {
    let (cancel_all, cancel, arm): (bool, &[String], &[Timer]) = match change {
        TimerChange::Keep => return Ok(()),
        TimerChange::Replace(timers) => (true, &[], timers),
        TimerChange::Adjust { arm, cancel } => (false, cancel, arm),
        TimerChange::Disarm(trigger) => (false, std::slice::from_ref(trigger), &[]),
    };
    // One row per trigger (the last one armed wins); the deletion spares the armed ones, so
    // no row is written twice by the statement.
    let mut armed: Vec<(&str, i64)> = Vec::with_capacity(arm.len());
    for timer in arm {
        armed.retain(|(trigger, _)| *trigger != timer.trigger);
        armed.push((&timer.trigger, timer.due_at));
    }
    let triggers: Vec<&str> = armed.iter().map(|(trigger, _)| *trigger).collect();
    let due: Vec<i64> = armed.iter().map(|(_, due)| *due).collect();
    cached::execute(
        tx,
        "WITH cancelled AS (
            DELETE FROM timers WHERE instance = $1
                AND ($2::boolean OR trigger = ANY($3::text[])) AND trigger <> ALL($4::text[]))
         INSERT INTO timers (instance, trigger, due_at)
         SELECT $1::text, t.trigger, t.due_at FROM unnest($4::text[], $5::bigint[]) AS t(trigger, due_at)
         ON CONFLICT (instance, trigger) DO UPDATE SET due_at = excluded.due_at,
            claimed_by = NULL, claimed_until = NULL",
        &[&instance, &cancel_all, &cancel, &triggers, &due],
    )
    .await?;
    Ok(())
}

/// The change's approval decision and waiting steps, in this order: the decision reads
/// since when its step waited before the steps are replaced.
pub(super) async fn write_approvals(
    tx: &Transaction<'_>,
    change: &Change,
) -> Result<(), StoreError> {
    if let Some(decision) = &change.decision {
        cached::execute(
            tx,
            "INSERT INTO approval_decisions (instance, chain, step, person, role, decision, facts, at,
                waited_since)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT since FROM pending_steps
                WHERE instance = $1 AND chain = $2 AND step = $3))
             ON CONFLICT (instance, chain, step, person) DO UPDATE SET
                role = excluded.role, decision = excluded.decision,
                facts = excluded.facts, at = excluded.at, waited_since = excluded.waited_since",
            &[
                &change.instance,
                &decision.chain,
                &decision.step,
                &decision.person,
                &decision.role,
                &decision.decision,
                &decision.facts,
                &decision.at,
            ],
        )
        .await?;
    }
    if let Some(pending) = &change.pending {
        write_pending(tx, &change.instance, pending, change.history.at).await?;
    }
    Ok(())
}

/// Replaces the waiting steps of an instance in one statement; a step that already waited
/// keeps its `since`.
async fn write_pending(
    tx: &Transaction<'_>,
    instance: &str,
    pending: &[PendingStep],
    at: i64,
) -> Result<(), StoreError> {
    // One row per step (the last one wins), so no row is written twice by the statement.
    let mut steps: Vec<&PendingStep> = Vec::with_capacity(pending.len());
    for step in pending {
        steps.retain(|kept| (&kept.chain, &kept.step) != (&step.chain, &step.step));
        steps.push(step);
    }
    let mut columns: [Vec<&str>; 7] = Default::default();
    for step in &steps {
        let values = [
            &step.chain,
            &step.step,
            &step.label,
            &step.roles,
            &step.status,
            &step.facts,
            &step.granted_by,
        ];
        for (column, value) in columns.iter_mut().zip(values) {
            column.push(value);
        }
    }
    let [chains, names, labels, roles, statuses, facts, granted_by] = columns;
    cached::execute(
        tx,
        "WITH gone AS (
            DELETE FROM pending_steps p WHERE p.instance = $1 AND NOT EXISTS (
                SELECT 1 FROM unnest($2::text[], $3::text[]) AS k(chain, step)
                WHERE k.chain = p.chain AND k.step = p.step))
         INSERT INTO pending_steps (instance, chain, step, label, roles, status, facts,
            granted_by, since)
         SELECT $1::text, s.chain, s.step, s.label, s.roles, s.status, s.facts, s.granted_by,
            $9::bigint
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
            $8::text[]) AS s(chain, step, label, roles, status, facts, granted_by)
         ON CONFLICT (instance, chain, step) DO UPDATE SET
            label = excluded.label, roles = excluded.roles, status = excluded.status,
            facts = excluded.facts, granted_by = excluded.granted_by",
        &[
            &instance,
            &chains,
            &names,
            &labels,
            &roles,
            &statuses,
            &facts,
            &granted_by,
            &at,
        ],
    )
    .await?;
    Ok(())
}

async fn write_delivery(
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
            tx.execute(
                "INSERT INTO deliveries (outbox_seq, webhook, status, attempts, next_at, created_at)
                 SELECT s, $2::text, 'pending', 0, $3::bigint, $3::bigint
                 FROM unnest($1::bigint[]) AS s
                 ON CONFLICT DO NOTHING",
                &[seqs, webhook, now],
            )
            .await?;
            tx.execute(
                "INSERT INTO webhook_cursors (webhook, after) VALUES ($1, $2)
                 ON CONFLICT (webhook) DO UPDATE SET
                    after = greatest(webhook_cursors.after, excluded.after)",
                &[webhook, upto],
            )
            .await?;
            Ok(DeliveryWritten::Done)
        }
        DeliveryWrite::Claim {
            webhooks,
            now,
            lease_until,
            limit,
        } => {
            // Rows another replica is claiming are skipped, not waited for.
            let rows = tx
                .query(
                    &format!(
                        "SELECT {DELIVERY_COLUMNS} FROM deliveries d
                         JOIN outbox o ON o.seq = d.outbox_seq
                         WHERE d.status = 'pending' AND d.next_at <= $1 AND d.webhook = ANY($2)
                         ORDER BY d.next_at, d.outbox_seq, d.webhook LIMIT $3
                         FOR UPDATE OF d SKIP LOCKED"
                    ),
                    &[now, webhooks, &i64::from(*limit)],
                )
                .await?;
            let claimed = rows
                .iter()
                .map(delivery_row)
                .collect::<Result<Vec<_>, _>>()?;
            let seqs: Vec<i64> = claimed.iter().map(|d| d.entry.seq).collect();
            let hooks: Vec<String> = claimed.iter().map(|d| d.webhook.clone()).collect();
            tx.execute(
                "UPDATE deliveries d SET next_at = $1
                 FROM unnest($2::bigint[], $3::text[]) AS c(seq, webhook)
                 WHERE d.outbox_seq = c.seq AND d.webhook = c.webhook",
                &[lease_until, &seqs, &hooks],
            )
            .await?;
            Ok(DeliveryWritten::Claimed(claimed))
        }
        DeliveryWrite::Record(attempt) => {
            let (status, next_at, delivered_at) = match (&attempt.error, attempt.retry_at) {
                (None, _) => (DeliveryStatus::Delivered, attempt.at, Some(attempt.at)),
                (Some(_), Some(retry_at)) => (DeliveryStatus::Pending, retry_at, None),
                (Some(_), None) => (DeliveryStatus::Failed, attempt.at, None),
            };
            tx.execute(
                "UPDATE deliveries SET status = $1, attempts = attempts + 1, next_at = $2,
                    last_error = $3, last_attempt_at = $4, delivered_at = $5
                 WHERE outbox_seq = $6 AND webhook = $7 AND status = 'pending'",
                &[
                    &status.as_str(),
                    &next_at,
                    &attempt.error,
                    &attempt.at,
                    &delivered_at,
                    &attempt.seq,
                    &attempt.webhook,
                ],
            )
            .await?;
            Ok(DeliveryWritten::Done)
        }
        DeliveryWrite::Retry { webhook, seq, now } => {
            let changed = tx
                .execute(
                    "UPDATE deliveries SET status = 'pending', next_at = $1
                     WHERE outbox_seq = $2 AND webhook = $3 AND status = 'failed'",
                    &[now, seq, webhook],
                )
                .await?;
            Ok(DeliveryWritten::Retried(changed > 0))
        }
    }
}

async fn write_delegation(
    tx: &Transaction<'_>,
    write: &DelegationWrite,
) -> Result<DelegationWritten, StoreError> {
    let (id, audit) = match write {
        DelegationWrite::Create(d, audit) => {
            let row = tx
                .query_one(
                    "INSERT INTO delegations (delegator, delegate, role, starts_at, ends_at,
                        created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    &[
                        &d.delegator,
                        &d.delegate,
                        &d.role,
                        &d.starts_at,
                        &d.ends_at,
                        &d.created_at,
                    ],
                )
                .await?;
            let id = row.try_get::<_, i64>(0)?;
            // The answer names the id just given, so its digest is taken now.
            let audit_id = match d.created_audit(id, audit.as_ref()) {
                Some(record) => Some(append_audit(tx, &record).await?),
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
            let changed = tx
                .execute(
                    "UPDATE delegations SET revoked_at = $1
                     WHERE id = $2 AND delegator = $3 AND revoked_at IS NULL",
                    &[at, id, delegator],
                )
                .await?;
            ((changed > 0).then_some(*id), audit)
        }
    };
    let audit_id = match (id, audit) {
        (Some(_), Some(record)) => Some(append_audit(tx, record).await?),
        _ => None,
    };
    Ok(DelegationWritten { id, audit_id })
}

impl PgOperations {
    /// Every row `sql` selects with `values`, each read by `read`.
    async fn select<T>(
        &self,
        sql: &str,
        values: &[&(dyn tokio_postgres::types::ToSql + Sync)],
        read: fn(&Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let client = connection(&self.pool).await?;
        let rows = cached::query(&client, sql, values).await?;
        rows.iter().map(read).collect()
    }
}

impl OperationsStore for PgOperations {
    fn instance(&self, id: &str) -> StoreFuture<'_, Option<Instance>> {
        let id = id.to_string();
        Box::pin(async move {
            let rows = self
                .select(
                    &format!("SELECT {INSTANCE_COLUMNS} FROM instances WHERE id = $1"),
                    &[&id],
                    instance_row,
                )
                .await?;
            Ok(rows.into_iter().next().map(|(_, instance)| instance))
        })
    }

    fn instances(&self, query: InstanceQuery) -> StoreFuture<'_, Vec<(i64, Instance)>> {
        Box::pin(async move {
            let mut filters = Filters::default();
            filters.add("ruleset =", query.ruleset);
            filters.add("workflow =", query.workflow);
            filters.add("state =", query.state);
            filters.add("owner =", query.owner);
            filters.add("due_at <", query.overdue_at);
            filters.add("updated_at >=", query.updated_since);
            filters.add("pos >", query.after);
            let (condition, values, limit_at) = filters.finish(query.limit);
            let sql = format!(
                "SELECT {INSTANCE_COLUMNS} FROM instances {condition} ORDER BY pos LIMIT ${limit_at}"
            );
            self.select(&sql, &params(&values), instance_row).await
        })
    }

    fn history(&self, id: &str) -> StoreFuture<'_, Vec<(i64, HistoryEvent)>> {
        let id = id.to_string();
        Box::pin(async move {
            self.select(
                "SELECT id, kind, name, seq, actor, actor_roles, at, from_state, to_state,
                    actions, detail
                 FROM instance_history WHERE instance = $1 ORDER BY id",
                &[&id],
                history_row,
            )
            .await
        })
    }

    fn decided_steps(
        &self,
        from: i64,
        to: i64,
        limit: u32,
    ) -> StoreFuture<'_, Vec<crate::ops::dashboard::DecidedStep>> {
        Box::pin(super::dashboard::decided_steps(&self.pool, from, to, limit))
    }

    fn decisions(&self, id: &str) -> StoreFuture<'_, Vec<Decision>> {
        let id = id.to_string();
        Box::pin(async move {
            self.select(
                "SELECT chain, step, person, role, decision, facts, at FROM approval_decisions
                 WHERE instance = $1 ORDER BY at, person",
                &[&id],
                |row| {
                    Ok(Decision {
                        chain: row.try_get(0)?,
                        step: row.try_get(1)?,
                        person: row.try_get(2)?,
                        role: row.try_get(3)?,
                        decision: row.try_get(4)?,
                        facts: row.try_get(5)?,
                        at: row.try_get(6)?,
                    })
                },
            )
            .await
        })
    }

    fn timers(&self, id: &str) -> StoreFuture<'_, Vec<Timer>> {
        let id = id.to_string();
        Box::pin(async move {
            self.select(
                "SELECT trigger, due_at FROM timers WHERE instance = $1 ORDER BY due_at, trigger",
                &[&id],
                |row| {
                    Ok(Timer {
                        trigger: row.try_get(0)?,
                        due_at: row.try_get(1)?,
                    })
                },
            )
            .await
        })
    }

    fn due_timers(&self, now: i64, limit: u32) -> StoreFuture<'_, Vec<DueTimer>> {
        Box::pin(async move {
            self.select(
                "SELECT instance, trigger, due_at FROM timers WHERE due_at <= $1
                 ORDER BY due_at, instance, trigger LIMIT $2",
                &[&now, &i64::from(limit)],
                due_timer_row,
            )
            .await
        })
    }

    fn claim_timers(
        &self,
        now: i64,
        limit: u32,
        lease_until: i64,
    ) -> StoreFuture<'_, Vec<DueTimer>> {
        Box::pin(async move {
            let wall = crate::store::now_micros();
            let client = connection(&self.pool).await?;
            // One statement: the rows another replica holds are skipped; a claim of this
            // replica is renewed (a timer left for a later tick), one past its lease is taken.
            let rows = cached::query(
                &client,
                "UPDATE timers t SET claimed_by = $3, claimed_until = $4
                     FROM (SELECT instance, trigger FROM timers
                           WHERE due_at <= $1
                             AND (claimed_until IS NULL OR claimed_until < $5 OR claimed_by = $3)
                           ORDER BY due_at, instance, trigger LIMIT $2
                           FOR UPDATE SKIP LOCKED) due
                     WHERE t.instance = due.instance AND t.trigger = due.trigger
                     RETURNING t.instance, t.trigger, t.due_at",
                &[&now, &i64::from(limit), &self.replica, &lease_until, &wall],
            )
            .await?;
            let mut due = rows
                .iter()
                .map(due_timer_row)
                .collect::<Result<Vec<_>, _>>()?;
            due.sort_by(|a, b| {
                (a.due_at, &a.instance, &a.trigger).cmp(&(b.due_at, &b.instance, &b.trigger))
            });
            Ok(due)
        })
    }

    fn inbox(&self, person: &str, roles: &[String]) -> StoreFuture<'_, Vec<InboxItem>> {
        let (person, roles) = (person.to_string(), roles.to_vec());
        Box::pin(async move {
            self.select(
                "SELECT p.instance, i.ruleset, i.workflow, i.state, p.chain, p.step, p.label,
                        p.roles, p.status, p.facts, p.granted_by, p.since
                 FROM pending_steps p JOIN instances i ON i.id = p.instance
                 WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text(p.roles::jsonb) r
                               WHERE r = ANY($1))
                   AND NOT EXISTS (SELECT 1 FROM approval_decisions d
                                   WHERE d.instance = p.instance AND d.chain = p.chain
                                     AND d.step = p.step AND d.person = $2
                                     AND (d.decision = 'reject' OR p.status = 'pending'))
                 ORDER BY p.since, p.instance, p.chain, p.step",
                &[&roles, &person],
                |row| {
                    Ok(InboxItem {
                        instance: row.try_get(0)?,
                        ruleset: row.try_get(1)?,
                        workflow: row.try_get(2)?,
                        state: row.try_get(3)?,
                        step: PendingStep {
                            chain: row.try_get(4)?,
                            step: row.try_get(5)?,
                            label: row.try_get(6)?,
                            roles: row.try_get(7)?,
                            status: row.try_get(8)?,
                            facts: row.try_get(9)?,
                            granted_by: row.try_get(10)?,
                        },
                        since: row.try_get(11)?,
                    })
                },
            )
            .await
        })
    }

    fn outbox(&self, after: i64, limit: u32) -> StoreFuture<'_, Vec<OutboxEntry>> {
        Box::pin(async move {
            self.select(
                "SELECT seq, key, instance, event_seq, trigger, action, at FROM outbox
                 WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&after, &i64::from(limit)],
                |row| outbox_row(row, 0),
            )
            .await
        })
    }

    fn commit(&self, change: Change) -> StoreFuture<'_, Committed> {
        Box::pin(self.committer.commit(change))
    }

    fn delivery_cursor(&self, webhook: &str) -> StoreFuture<'_, i64> {
        let webhook = webhook.to_string();
        Box::pin(async move {
            let rows = self
                .select(
                    "SELECT after FROM webhook_cursors WHERE webhook = $1",
                    &[&webhook],
                    |row| Ok(row.try_get::<_, i64>(0)?),
                )
                .await?;
            Ok(rows.into_iter().next().unwrap_or(0))
        })
    }

    fn write_delivery(&self, write: DeliveryWrite) -> StoreFuture<'_, DeliveryWritten> {
        Box::pin(async move {
            let mut client = connection(&self.pool).await?;
            let tx = client.transaction().await?;
            let written = write_delivery(&tx, &write).await?;
            tx.commit().await?;
            Ok(written)
        })
    }

    fn deliveries(&self, query: DeliveryQuery) -> StoreFuture<'_, Vec<Delivery>> {
        Box::pin(async move {
            let mut filters = Filters::default();
            filters.add("d.webhook =", query.webhook);
            filters.add("d.status =", query.status.map(|s| s.as_str().to_string()));
            filters.add("d.outbox_seq >", query.after);
            let (condition, values, limit_at) = filters.finish(query.limit);
            let sql = format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN outbox o ON o.seq = d.outbox_seq
                 {condition} ORDER BY d.outbox_seq, d.webhook LIMIT ${limit_at}"
            );
            self.select(&sql, &params(&values), delivery_row).await
        })
    }

    fn gauges(&self, now: i64) -> StoreFuture<'_, OperationsGauges> {
        Box::pin(async move {
            let client = connection(&self.pool).await?;
            let mut gauges = OperationsGauges::default();
            for row in client
                .query(
                    "SELECT ruleset, workflow, state, count(*) FROM instances
                     GROUP BY ruleset, workflow, state ORDER BY ruleset, workflow, state",
                    &[],
                )
                .await?
            {
                gauges.instances.push((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                ));
            }
            for row in client
                .query(
                    "SELECT ruleset, workflow, count(*) FROM instances WHERE due_at < $1
                     GROUP BY ruleset, workflow ORDER BY ruleset, workflow",
                    &[&now],
                )
                .await?
            {
                gauges
                    .overdue
                    .push((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?));
            }
            let row = client
                .query_one(
                    "SELECT count(*), (SELECT min(due_at) FROM timers WHERE due_at <= $1),
                        (SELECT coalesce(max(seq), 0) FROM outbox)
                     FROM timers",
                    &[&now],
                )
                .await?;
            gauges.timers = row.try_get(0)?;
            gauges.earliest_due = row.try_get(1)?;
            gauges.outbox_last = row.try_get(2)?;
            for row in client
                .query(
                    "SELECT webhook, status, count(*) FROM deliveries GROUP BY webhook, status
                     ORDER BY webhook, status",
                    &[],
                )
                .await?
            {
                let text: String = row.try_get(1)?;
                gauges
                    .deliveries
                    .push((row.try_get(0)?, status(&text), row.try_get(2)?));
            }
            for row in client
                .query(
                    "SELECT webhook, after FROM webhook_cursors ORDER BY webhook",
                    &[],
                )
                .await?
            {
                gauges.cursors.push((row.try_get(0)?, row.try_get(1)?));
            }
            Ok(gauges)
        })
    }

    fn delegations(&self, person: Option<&str>) -> StoreFuture<'_, Vec<Delegation>> {
        let person = person.map(str::to_string);
        Box::pin(async move {
            match person {
                Some(person) => {
                    self.select(
                        &format!(
                            "SELECT {DELEGATION_COLUMNS} FROM delegations
                             WHERE delegator = $1 OR delegate = $1 ORDER BY id DESC"
                        ),
                        &[&person],
                        delegation_row,
                    )
                    .await
                }
                None => {
                    self.select(
                        &format!("SELECT {DELEGATION_COLUMNS} FROM delegations ORDER BY id DESC"),
                        &[],
                        delegation_row,
                    )
                    .await
                }
            }
        })
    }

    fn delegated_to(&self, person: &str, now: i64) -> StoreFuture<'_, Vec<Delegation>> {
        let person = person.to_string();
        Box::pin(async move {
            self.select(
                &format!(
                    "SELECT {DELEGATION_COLUMNS} FROM delegations
                     WHERE delegate = $1 AND starts_at <= $2 AND ends_at > $2
                       AND revoked_at IS NULL ORDER BY id DESC"
                ),
                &[&person, &now],
                delegation_row,
            )
            .await
        })
    }

    fn write_delegation(&self, write: DelegationWrite) -> StoreFuture<'_, DelegationWritten> {
        Box::pin(async move {
            let mut client = connection(&self.pool).await?;
            let tx = client.transaction().await?;
            let written = write_delegation(&tx, &write).await?;
            tx.commit().await?;
            Ok(written)
        })
    }
}

fn due_timer_row(row: &Row) -> Result<DueTimer, StoreError> {
    Ok(DueTimer {
        instance: row.try_get(0)?,
        trigger: row.try_get(1)?,
        due_at: row.try_get(2)?,
    })
}
