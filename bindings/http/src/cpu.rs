//! CPU work (parsing, compiling, linting, evaluating) off the async workers, on a fixed set of
//! threads of its own with a large stack, so a deep but legal source can neither stall the
//! other requests nor overflow the stack of a worker thread — and at most a fixed number at
//! once, so a burst of heavy requests queues (up to a bound, then is refused with `503`).
//! The threads live as long as the pool: starting a thread per job cost more than a small
//! evaluation itself.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

use crate::error::ApiError;

/// The stack of a thread that parses or compiles: deep nesting recurses deeply.
pub const STACK_BYTES: usize = 64 * 1024 * 1024;

/// The seconds a caller refused for a full queue is told to wait (`Retry-After`).
pub const RETRY_AFTER_SECS: u32 = 1;

/// The number of CPU jobs run at once when not configured: the number of cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// A job for a worker thread.
type Job = Box<dyn FnOnce() + Send>;

/// At most `jobs` CPU jobs at once, and at most `queue` more waiting for a turn.
#[derive(Debug)]
pub struct CpuPool {
    /// INVARIANT: a job holds one permit from before it is sent to the workers until it ends
    /// (also when the request that started it was cancelled), so a job sent always finds one
    /// of the `jobs` workers free.
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue: usize,
    /// The workers' queue; they end when the pool (this sender) is dropped.
    jobs: mpsc::Sender<Job>,
}

/// A place in the queue, given back when dropped (the job starts or its request is cancelled).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl CpuPool {
    /// A pool of `jobs` worker threads (at least 1) with at most `queue` jobs waiting; fails
    /// when a thread cannot be started.
    pub fn new(jobs: usize, queue: usize) -> std::io::Result<CpuPool> {
        let workers = jobs.clamp(1, Semaphore::MAX_PERMITS);
        let (send, receive) = mpsc::channel::<Job>();
        let receive = Arc::new(Mutex::new(receive));
        for n in 0..workers {
            let receive = Arc::clone(&receive);
            std::thread::Builder::new()
                .name(format!("ordo-cpu-{n}"))
                .stack_size(STACK_BYTES)
                .spawn(move || work_until_closed(&receive))?;
        }
        Ok(CpuPool {
            slots: Arc::new(Semaphore::new(workers)),
            waiting: AtomicUsize::new(0),
            queue,
            jobs: send,
        })
    }

    /// Runs `work` on a worker thread (a [`STACK_BYTES`] stack) once a slot is free, and waits
    /// for it without blocking the async worker. When every slot is taken and the queue is
    /// full, answers `503 overloaded` at once. `work` runs in the scope of an
    /// [`ordo_engine::Cancel`] that is cancelled when the waiting request is (its timeout, a
    /// caller that hangs up): the compile, lint or evaluation it runs ends at its next check,
    /// and the slot is free again.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let permit = self.slot().await?;
        let (send, receive) = tokio::sync::oneshot::channel();
        let cancel = ordo_engine::Cancel::new();
        let scope = cancel.clone();
        let job: Job = Box::new(move || {
            // The slot is free again before the request hears back, a panic included (the
            // worker catches it again below): a caller that sends its next job at once finds
            // the slot it just used, not a full pool.
            let outcome = catch_unwind(AssertUnwindSafe(|| scope.scope(work)));
            drop(permit);
            match outcome {
                Ok(answer) => {
                    let _ = send.send(answer);
                }
                Err(panic) => {
                    drop(send);
                    resume_unwind(panic);
                }
            }
        });
        self.jobs
            .send(job)
            .map_err(|_| ApiError::unavailable("no worker thread is left to work on"))?;
        // Dropped with this future, answered or not: an answered job is over anyway.
        let _cancel_on_drop = CancelOnDrop(cancel);
        receive
            .await
            .map_err(|_| ApiError::internal("the worker thread stopped without an answer"))
    }

    /// A free slot, after waiting in the queue if there is room in it.
    async fn slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        match Arc::clone(&self.slots).try_acquire_owned() {
            Ok(permit) => return Ok(permit),
            Err(TryAcquireError::Closed) => return Err(closed()),
            Err(TryAcquireError::NoPermits) => {}
        }
        let _place = self.enqueue()?;
        Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .map_err(|_| closed())
    }

    fn enqueue(&self) -> Result<Waiting<'_>, ApiError> {
        let before = self.waiting.fetch_add(1, Ordering::SeqCst);
        let place = Waiting(&self.waiting);
        if before >= self.queue {
            return Err(ApiError::overloaded(
                format!(
                    "the server is busy: every worker is taken and {} requests are waiting; retry shortly",
                    self.queue
                ),
                RETRY_AFTER_SECS,
            ));
        }
        Ok(place)
    }
}

/// Cancels the job of a request when the request stops waiting for it.
/// A worker: runs jobs until the pool is dropped. A job that panics ends without an answer (its
/// request is told the worker stopped) and frees its slot; the worker goes on.
fn work_until_closed(jobs: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        let next = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        if catch_unwind(AssertUnwindSafe(job)).is_err() {
            tracing::error!("a CPU job panicked; its request was answered with an internal error");
        }
    }
}

struct CancelOnDrop(ordo_engine::Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

fn closed() -> ApiError {
    ApiError::unavailable("the server is shutting down")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ruleset whose decision table has `rows` rows: long to compile.
    fn large_table(rows: usize) -> String {
        let mut source = String::from(
            "ruleset large version \"1.0.0\"\n\ninput {\n  n: Int\n}\n\ndecision rate hit first {\n  | n || r |\n",
        );
        for row in 0..rows {
            source.push_str(&format!("  | {row} || {row} |\n"));
        }
        source.push_str("  | - || 0 |\n}\n\noutput result = rate\n");
        source
    }

    #[tokio::test]
    async fn a_job_whose_request_stops_waiting_is_cancelled() {
        let pool = Arc::new(CpuPool::new(1, 0).unwrap());
        let source = large_table(50_000);
        let (started, running) = tokio::sync::oneshot::channel();
        let (finished, outcome) = std::sync::mpsc::channel();
        let job = {
            let pool = Arc::clone(&pool);
            tokio::spawn(async move {
                pool.run(move || {
                    let _ = started.send(());
                    let compiled = ordo_engine::Ruleset::compile(&source).map(|_| ());
                    let _ = finished.send(compiled);
                })
                .await
            })
        };
        assert!(running.await.is_ok());
        // The request stops waiting (as on its timeout).
        job.abort();
        let _ = job.await;
        // The slot comes back once the compile noticed, and it ended with the cancellation.
        assert!(Arc::clone(&pool.slots).acquire_owned().await.is_ok());
        let compiled = outcome.recv().unwrap();
        let diagnostics = compiled.unwrap_err();
        assert!(
            diagnostics.0[0].message.contains("cancelled"),
            "{diagnostics:?}"
        );
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_and_the_pool_recovers() {
        let pool = Arc::new(CpuPool::new(1, 1).unwrap());
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let running = {
            let pool = Arc::clone(&pool);
            tokio::spawn(async move { pool.run(move || hold.recv().is_ok()).await })
        };
        // Wait until the first job holds the one slot.
        while pool.slots.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let queued = {
            let pool = Arc::clone(&pool);
            tokio::spawn(async move { pool.run(|| 2).await })
        };
        while pool.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let refused = pool.run(|| 3).await;
        assert!(
            refused.as_ref().is_err_and(|e| e.kind() == "overloaded"),
            "{refused:?}"
        );
        assert!(release.send(()).is_ok());
        assert!(matches!(running.await, Ok(Ok(true))));
        assert!(matches!(queued.await, Ok(Ok(2))));
        assert!(matches!(pool.run(|| 4).await, Ok(4)));
    }

    #[tokio::test]
    async fn a_job_that_panics_is_an_internal_error_and_its_worker_goes_on() {
        let pool = CpuPool::new(1, 0).unwrap();
        let failed = pool.run(|| -> u8 { panic!("a bug in a job") }).await;
        assert!(
            failed.as_ref().is_err_and(|e| e.kind() == "internal"),
            "{failed:?}"
        );
        // The slot is free once the request hears back, so the one worker and the one slot
        // serve the next job at once (with no queue, a slot still taken would be `overloaded`).
        assert_eq!(pool.slots.available_permits(), 1);
        assert!(matches!(pool.run(|| 5).await, Ok(5)));
        assert_eq!(pool.slots.available_permits(), 1);
        assert!(matches!(pool.run(|| 6).await, Ok(6)));
    }

    #[tokio::test]
    async fn jobs_run_on_the_pools_named_threads_not_a_thread_each() {
        let pool = CpuPool::new(2, 0).unwrap();
        let mut names = std::collections::BTreeSet::new();
        for _ in 0..20 {
            let name = pool
                .run(|| std::thread::current().name().map(str::to_string))
                .await
                .unwrap();
            names.insert(name.unwrap_or_default());
        }
        assert!(
            names.iter().all(|name| name.starts_with("ordo-cpu-")) && names.len() <= 2,
            "{names:?}"
        );
    }
}
