//! Group commit of instance changes: the changes of this server that wait together are
//! written in one transaction, so one hold of the append lock and one WAL flush serve them
//! all (the way the SQLite store's writer batches its writes).
//!
//! A batch is written in phases, the statements of a phase sent together:
//! 1. the guards, in the order of the instances' ids (so two servers' batches lock instance
//!    rows in one order and never deadlock on them); a guard writes the instance's row only
//!    when it holds, so a refused change leaves nothing behind;
//! 2. the history events, timers and approvals of the changes whose guard held;
//! 3. under the append lock: the outbox actions, then the audit entries, chained in the order
//!    of the batch on ids taken in one statement.
//!
//! Every change is answered once its batch is committed; when the batch fails, all its
//! changes are refused and none was written.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use deadpool_postgres::{Pool, Transaction};
use futures_util::future::{poll_fn, try_join, try_join3};
use tokio::sync::{mpsc, oneshot};

use super::catalog::insert_entry;
use super::ops::{append_history, guard, insert_outbox, write_approvals, write_timers};
use super::{APPEND_LOCK, LOCK_APPENDS, connection};
use crate::audit_ops::postgres::{Chained, NEXT_ENTRIES};
use crate::ops::{Change, Committed};
use crate::store::StoreError;

/// The most changes one transaction takes.
const MAX_BATCH: usize = 256;
/// How many changes may wait for the committer before senders wait too.
const QUEUE: usize = 4096;

type Reply = oneshot::Sender<Result<Committed, String>>;

/// A handle on the task that commits changes in groups.
pub(super) struct Committer {
    sender: mpsc::Sender<(Change, Reply)>,
}

impl Committer {
    /// Starts the committing task on connections of `pool`.
    pub(super) fn start(pool: Pool) -> Committer {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(run(pool, receiver));
        Committer { sender }
    }

    /// Commits `change` with the others waiting; answers once its batch is committed.
    pub(super) async fn commit(&self, change: Change) -> Result<Committed, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((change, reply))
            .await
            .map_err(|_| StoreError::WriterGone)?;
        answer
            .await
            .map_err(|_| StoreError::WriterGone)?
            .map_err(StoreError::Commit)
    }
}

async fn run(pool: Pool, mut receiver: mpsc::Receiver<(Change, Reply)>) {
    // A change of an instance already in the batch waits for the next one: within a batch,
    // each instance is written once.
    let mut held: Option<(Change, Reply)> = None;
    loop {
        let first = match held.take() {
            Some(job) => job,
            None => match receiver.recv().await {
                Some(job) => job,
                None => return,
            },
        };
        let mut instances = HashSet::from([first.0.instance.clone()]);
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            let Ok(job) = receiver.try_recv() else { break };
            if !instances.insert(job.0.instance.clone()) {
                held = Some(job);
                break;
            }
            batch.push(job);
        }
        let changes: Vec<&Change> = batch.iter().map(|(change, _)| change).collect();
        match commit_batch(&pool, &changes).await {
            Ok(committed) => {
                for ((_, reply), committed) in batch.into_iter().zip(committed) {
                    let _ = reply.send(Ok(committed));
                }
            }
            Err(error) => {
                tracing::error!(%error, changes = changes.len(), "store: a group of changes failed; its requests were refused");
                let message = error.to_string();
                for (_, reply) in batch {
                    let _ = reply.send(Err(message.clone()));
                }
            }
        }
    }
}

/// Writes `changes` in one transaction; how each ended, in their order.
async fn commit_batch(pool: &Pool, changes: &[&Change]) -> Result<Vec<Committed>, StoreError> {
    let mut client = connection(pool).await?;
    let tx = client.transaction().await?;
    let committed = write_batch(&tx, changes).await?;
    tx.commit().await?;
    Ok(committed)
}

async fn write_batch(
    tx: &Transaction<'_>,
    changes: &[&Change],
) -> Result<Vec<Committed>, StoreError> {
    // 1. The guards, in the order of the instances' ids.
    let mut order: Vec<(usize, &Change)> = changes.iter().copied().enumerate().collect();
    order.sort_by(|a, b| a.1.instance.cmp(&b.1.instance));
    let refusals = in_order(order.iter().map(|(_, change)| guard(tx, change)).collect()).await?;
    let mut outcomes: Vec<(usize, Option<Committed>)> =
        order.iter().map(|(at, _)| *at).zip(refusals).collect();
    outcomes.sort_by_key(|(at, _)| *at);
    let refused: Vec<Option<Committed>> =
        outcomes.into_iter().map(|(_, refusal)| refusal).collect();
    let accepted: Vec<&Change> = changes
        .iter()
        .zip(&refused)
        .filter(|(_, refusal)| refusal.is_none())
        .map(|(change, _)| *change)
        .collect();
    // 2. The rows of the changes whose guard held.
    let histories = in_order(
        accepted
            .iter()
            .map(|change| async move {
                let (history_id, (), ()) = try_join3(
                    append_history(tx, &change.instance, &change.history),
                    write_timers(tx, &change.instance, &change.timers),
                    write_approvals(tx, change),
                )
                .await?;
                Ok(history_id)
            })
            .collect(),
    )
    .await?;
    // 3. The outbox and the audit log, under the append lock.
    let audited: Vec<&Change> = accepted
        .iter()
        .copied()
        .filter(|c| c.audit.is_some())
        .collect();
    let appends = accepted.iter().any(|change| !change.actions.is_empty());
    let mut audit_ids = Vec::new();
    if appends || !audited.is_empty() {
        let lock = tx.prepare_cached(LOCK_APPENDS).await?;
        let next = tx.prepare_cached(NEXT_ENTRIES).await?;
        let count = i64::try_from(audited.len()).unwrap_or(i64::MAX);
        // The lock and the chain's head are sent together; the server reads the head once it
        // has granted the lock.
        let (_, head) = try_join(
            tx.execute(&lock, &[&APPEND_LOCK]),
            tx.query_one(&next, &[&count]),
        )
        .await?;
        for change in accepted.iter().filter(|change| !change.actions.is_empty()) {
            insert_outbox(tx, change).await?;
        }
        let mut ids: Vec<i64> = head.try_get(0)?;
        ids.sort_unstable();
        let mut prev: Option<String> = head.try_get(1)?;
        let mut entries = Vec::with_capacity(audited.len());
        for (change, id) in audited.iter().zip(ids) {
            if let Some(record) = &change.audit {
                let entry = Chained::after(prev.take(), id, record);
                prev = Some(entry.hash().to_string());
                entries.push((entry, record));
            }
        }
        in_order(
            entries
                .iter()
                .map(|(entry, record)| insert_entry(tx, entry, record))
                .collect(),
        )
        .await?;
        audit_ids = entries.iter().map(|(entry, _)| entry.id).collect();
    }
    // How each ended, in the batch's order.
    let mut histories = histories.into_iter();
    let mut audit_ids = audit_ids.into_iter();
    Ok(changes
        .iter()
        .zip(refused)
        .map(|(change, refusal)| match refusal {
            Some(refusal) => refusal,
            None => Committed::Done {
                history_id: histories.next().unwrap_or_default(),
                audit_id: change.audit.as_ref().and_then(|_| audit_ids.next()),
            },
        })
        .collect())
}

/// Awaits `futures`, polling them in their order, so the statements they send on one
/// connection reach the server in this order; the first error ends the wait.
async fn in_order<T, F>(futures: Vec<F>) -> Result<Vec<T>, StoreError>
where
    F: Future<Output = Result<T, StoreError>>,
{
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    poll_fn(|cx| {
        let mut waiting = false;
        for (future, out) in futures.iter_mut().zip(done.iter_mut()) {
            if out.is_some() {
                continue;
            }
            match future.as_mut().poll(cx) {
                Poll::Ready(Ok(value)) => *out = Some(value),
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => waiting = true,
            }
        }
        if waiting {
            Poll::Pending
        } else {
            Poll::Ready(Ok(()))
        }
    })
    .await?;
    Ok(done.into_iter().flatten().collect())
}
