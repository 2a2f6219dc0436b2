//! The store's single writer: a thread that owns the write connection and commits whatever
//! requests are waiting in one transaction (group commit). Each request awaits the commit of
//! its batch, so nothing is acknowledged before it is durable, and one `fsync` serves many
//! requests.
//!
//! A second thread checkpoints the WAL into the database file in the background (SQLite would
//! otherwise do it inside a commit now and then, and that request batch would wait for it).

use std::sync::{Arc, Mutex, PoisonError, mpsc as std_mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::lifecycle::VersionEvent;
use crate::metrics::Metrics;
use crate::ops::{
    self, Change, Committed, DelegationWrite, DelegationWritten, DeliveryWrite, DeliveryWritten,
};
use crate::store::{self, AuditRecord, PublishOutcome, StoreError, StoredVersion};
use crate::version_events::{self, EventWritten};

/// The most rows one transaction takes.
const MAX_BATCH: usize = 1024;
/// How many writes may wait for the writer before senders wait too.
const QUEUE: usize = 16 * 1024;
/// How often the WAL is checkpointed.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

type Reply<T> = oneshot::Sender<Result<T, String>>;

enum Job {
    Audit(Box<AuditRecord>, Reply<i64>),
    Publish(Box<StoredVersion>, Reply<PublishOutcome>),
    Change(Box<Change>, Reply<Committed>),
    Delivery(Box<DeliveryWrite>, Reply<DeliveryWritten>),
    Delegation(Box<DelegationWrite>, Reply<DelegationWritten>),
    VersionEvent(
        Box<(VersionEvent, Option<AuditRecord>)>,
        Reply<EventWritten>,
    ),
    /// A write that changes nothing (the schema version written again): whether the store
    /// can commit.
    Probe(Reply<()>),
    Stop,
}

/// A handle on the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    sender: mpsc::Sender<Job>,
    threads: Arc<Mutex<Threads>>,
}

struct Threads {
    writer: Option<JoinHandle<()>>,
    checkpointer: Option<(std_mpsc::Sender<()>, JoinHandle<()>)>,
}

impl Writer {
    /// Starts the writer thread on `conn`, and the checkpointing thread on `checkpoints` (a
    /// second connection to the same file).
    pub fn start(
        conn: Connection,
        checkpoints: Connection,
        metrics: Arc<Metrics>,
    ) -> Result<Writer, std::io::Error> {
        // Commits no longer checkpoint; the checkpointing thread does.
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(std::io::Error::other)?;
        let (sender, receiver) = mpsc::channel(QUEUE);
        let writer = std::thread::Builder::new()
            .name("ordo-store-writer".into())
            .spawn(move || run(conn, receiver, &metrics))?;
        let (stop, stopped) = std_mpsc::channel();
        let checkpointer = std::thread::Builder::new()
            .name("ordo-store-checkpoint".into())
            .spawn(move || checkpoint_until_stopped(&checkpoints, &stopped))?;
        Ok(Writer {
            sender,
            threads: Arc::new(Mutex::new(Threads {
                writer: Some(writer),
                checkpointer: Some((stop, checkpointer)),
            })),
        })
    }

    /// Appends an audit row; returns its id once it is committed.
    pub async fn audit(&self, record: AuditRecord) -> Result<i64, StoreError> {
        self.submit(|reply| Job::Audit(Box::new(record), reply))
            .await
    }

    /// Stores a version (see [`store::publish`]); returns once it is committed.
    pub async fn publish(&self, version: StoredVersion) -> Result<PublishOutcome, StoreError> {
        self.submit(|reply| Job::Publish(Box::new(version), reply))
            .await
    }

    /// Writes one workflow event's effect with its audit entry (see
    /// [`ops::sqlite::write_change`]); returns once it is committed.
    pub async fn change(&self, change: Change) -> Result<Committed, StoreError> {
        self.submit(|reply| Job::Change(Box::new(change), reply))
            .await
    }

    /// Writes delivery state (see [`ops::sqlite::write_delivery`]); returns once it is
    /// committed.
    pub async fn delivery(&self, write: DeliveryWrite) -> Result<DeliveryWritten, StoreError> {
        self.submit(|reply| Job::Delivery(Box::new(write), reply))
            .await
    }

    /// Writes a delegation or its revocation with its audit entry (see
    /// [`ops::sqlite::write_delegation`]); returns once it is committed.
    pub async fn delegation(
        &self,
        write: DelegationWrite,
    ) -> Result<DelegationWritten, StoreError> {
        self.submit(|reply| Job::Delegation(Box::new(write), reply))
            .await
    }

    /// Records a lifecycle change of a version with its audit entry (see
    /// [`version_events::record`]); returns once both are committed.
    pub async fn version_event(
        &self,
        event: VersionEvent,
        audit: Option<AuditRecord>,
    ) -> Result<EventWritten, StoreError> {
        self.submit(|reply| Job::VersionEvent(Box::new((event, audit)), reply))
            .await
    }

    /// Writes the store's schema version again (a change of no content) and waits for its
    /// commit: `Ok` when the store can commit now.
    pub async fn probe(&self) -> Result<(), StoreError> {
        self.submit(Job::Probe).await
    }

    /// Queues the job `job` makes of a reply channel, and waits for the commit of its batch.
    async fn submit<T>(&self, job: impl FnOnce(Reply<T>) -> Job) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(job(reply))
            .await
            .map_err(|_| StoreError::WriterGone)?;
        answer
            .await
            .map_err(|_| StoreError::WriterGone)?
            .map_err(StoreError::Commit)
    }

    /// Whether the writer still takes writes.
    pub fn is_running(&self) -> bool {
        !self.sender.is_closed()
    }

    /// Commits what is queued, then stops the threads and waits for them.
    pub async fn stop(&self) {
        // An error means the writer is already gone.
        let _ = self.sender.send(Job::Stop).await;
        let (writer, checkpointer) = {
            let mut threads = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
            (threads.writer.take(), threads.checkpointer.take())
        };
        let _ = tokio::task::spawn_blocking(move || {
            if let Some(writer) = writer {
                let _ = writer.join();
            }
            if let Some((stop, checkpointer)) = checkpointer {
                let _ = stop.send(());
                let _ = checkpointer.join();
            }
        })
        .await;
    }
}

/// Checkpoints the WAL every [`CHECKPOINT_EVERY`] (PASSIVE: never blocks the writer), and
/// once more, truncating the WAL, when told to stop.
fn checkpoint_until_stopped(conn: &Connection, stopped: &std_mpsc::Receiver<()>) {
    let checkpoint = |mode: &str| {
        if let Err(error) =
            conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |_| Ok(()))
        {
            tracing::warn!(%error, "a WAL checkpoint failed");
        }
    };
    loop {
        match stopped.recv_timeout(CHECKPOINT_EVERY) {
            Err(std_mpsc::RecvTimeoutError::Timeout) => checkpoint("PASSIVE"),
            Ok(()) | Err(std_mpsc::RecvTimeoutError::Disconnected) => {
                checkpoint("TRUNCATE");
                return;
            }
        }
    }
}

fn run(mut conn: Connection, mut receiver: mpsc::Receiver<Job>, metrics: &Metrics) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = receiver.blocking_recv() {
        let mut stopping = matches!(first, Job::Stop);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => {
                    stopping |= matches!(job, Job::Stop);
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        if stopping {
            // Refuse new writes; what is already queued is still written below.
            receiver.close();
        }
        commit(&mut conn, &mut batch, metrics);
    }
}

/// Writes every job of `batch` in one transaction, then answers each.
fn commit(conn: &mut Connection, batch: &mut Vec<Job>, metrics: &Metrics) {
    let rows = batch.iter().filter(|job| !matches!(job, Job::Stop)).count();
    if rows == 0 {
        batch.clear();
        return;
    }
    let started = Instant::now();
    let written = write_all(conn, batch);
    metrics.observe_commit(rows, started.elapsed());
    match written {
        Ok(written) => {
            for (job, written) in batch.drain(..).zip(written) {
                job.answer(written);
            }
        }
        Err(error) => {
            tracing::error!(%error, rows, "a store transaction failed; its requests were refused");
            let message = error.to_string();
            for job in batch.drain(..) {
                job.fail(&message);
            }
        }
    }
}

/// What one job wrote.
enum Written {
    Audit(i64),
    Publish(PublishOutcome),
    Change(Committed),
    Delivery(DeliveryWritten),
    Delegation(DelegationWritten),
    VersionEvent(EventWritten),
    Nothing,
}

fn write_all(conn: &mut Connection, batch: &[Job]) -> Result<Vec<Written>, StoreError> {
    // IMMEDIATE takes the write lock first, so a write lock held elsewhere (another process on
    // the same file) makes the batch wait (the busy timeout) instead of failing at once when a
    // read inside the transaction would have to become a write.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let written = batch
        .iter()
        .map(|job| match job {
            Job::Audit(record, _) => store::append_audit(&tx, record).map(Written::Audit),
            Job::Publish(version, _) => store::publish(&tx, version).map(Written::Publish),
            Job::Change(change, _) => ops::sqlite::write_change(&tx, change).map(Written::Change),
            Job::Delivery(write, _) => {
                ops::sqlite::write_delivery(&tx, write).map(Written::Delivery)
            }
            Job::Delegation(write, _) => {
                ops::sqlite::write_delegation(&tx, write).map(Written::Delegation)
            }
            Job::VersionEvent(change, _) => {
                version_events::record(&tx, &change.0, change.1.as_ref()).map(Written::VersionEvent)
            }
            Job::Probe(_) => probe(&tx).map(|()| Written::Nothing),
            Job::Stop => Ok(Written::Nothing),
        })
        .collect::<Result<Vec<_>, _>>()?;
    tx.commit()?;
    Ok(written)
}

/// Writes `user_version` again with the value it has: a real write that changes nothing.
fn probe(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    let version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    tx.pragma_update(None, "user_version", version)?;
    Ok(())
}

impl Job {
    /// Tells the waiting request what was committed. (A request that stopped waiting, e.g.
    /// on a timeout, is not told; its row is stored all the same.)
    fn answer(self, written: Written) {
        match (self, written) {
            (Job::Audit(_, reply), Written::Audit(id)) => {
                let _ = reply.send(Ok(id));
            }
            (Job::Publish(_, reply), Written::Publish(outcome)) => {
                let _ = reply.send(Ok(outcome));
            }
            (Job::Change(_, reply), Written::Change(committed)) => {
                let _ = reply.send(Ok(committed));
            }
            (Job::Delivery(_, reply), Written::Delivery(written)) => {
                let _ = reply.send(Ok(written));
            }
            (Job::Delegation(_, reply), Written::Delegation(written)) => {
                let _ = reply.send(Ok(written));
            }
            (Job::VersionEvent(_, reply), Written::VersionEvent(written)) => {
                let _ = reply.send(Ok(written));
            }
            (Job::Probe(reply), Written::Nothing) => {
                let _ = reply.send(Ok(()));
            }
            (job, _) => job.fail("internal: a write was answered with another's result"),
        }
    }

    fn fail(self, message: &str) {
        match self {
            Job::Audit(_, reply) => {
                let _ = reply.send(Err(message.to_string()));
            }
            Job::Publish(_, reply) => {
                let _ = reply.send(Err(message.to_string()));
            }
            Job::Change(_, reply) => {
                let _ = reply.send(Err(message.to_string()));
            }
            Job::Delivery(_, reply) => {
                let _ = reply.send(Err(message.to_string()));
            }
            Job::Delegation(_, reply) => {
                let _ = reply.send(Err(message.to_string()));
            }
            Job::VersionEvent(_, reply) => {
                let _ = reply.send(Err(message.to_string()));
            }
            Job::Probe(reply) => {
                let _ = reply.send(Err(message.to_string()));
            }
            Job::Stop => {}
        }
    }
}
