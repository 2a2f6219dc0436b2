//! `Ruleset.evaluate_many`: many inputs evaluated on every core while the interpreter runs on.
//!
//! Only converting values needs the interpreter; evaluating does not. So this thread converts
//! inputs to JSON chunk by chunk and hands each chunk to worker threads, which evaluate without
//! touching Python; as chunks come back, this thread turns them into Python values in input
//! order, and once every input is handed out it waits for the rest with the interpreter released.
//! Conversion and evaluation overlap, which is what makes the batch faster than a loop even
//! though conversion is serial. A failing item yields its exception instance in place.
//!
//! Each input carries its own options: the evaluation date and the grants may be given per
//! input ([`RowOptions`]), as a sequence beside the inputs or, for the date, a callable.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use ordo_engine::{EvalError, EvalOptions, Ruleset};
use pyo3::prelude::*;
use pyo3::types::PyList;
use serde_json::Value as Json;

use crate::errors::eval_error_value;
use crate::result::{Schema, Shape, to_python};
use crate::to_json::{Floats, to_json_with};

/// Inputs handed to a worker at once: small enough that results start coming back early,
/// large enough that the channels cost nothing measurable.
const CHUNK: usize = 64;

/// One input ready for the engine with its options, or `None` when its conversion failed (the
/// error waits in `Batch::failures`).
type Chunk = Vec<Option<Prepared>>;

/// An input ready for the engine, with its options.
pub type Prepared = (Json, Arc<EvalOptions>);

/// Where each input's evaluation date or grants come from.
pub enum PerRow<'py> {
    /// The same for every input (the batch's options).
    Shared,
    /// One item per input, in step with the inputs.
    Sequence(Bound<'py, pyo3::types::PyIterator>),
    /// Called with each input (`as_of` only).
    Callable(Bound<'py, PyAny>),
}

/// The options of each input of a batch.
pub struct RowOptions<'py> {
    /// What every input shares (and the date or grants when they are shared).
    pub shared: Arc<EvalOptions>,
    pub as_of: PerRow<'py>,
    pub approvals: PerRow<'py>,
    pub floats: Floats,
}

impl<'py> RowOptions<'py> {
    /// The options of `input`; an error is that input's own failure. `Ok(Err(..))` when the
    /// sequences ran out (the whole batch fails).
    pub fn of(&mut self, input: &Bound<'py, PyAny>) -> PyResult<Result<Arc<EvalOptions>, PyErr>> {
        if self.is_shared() {
            return Ok(Ok(self.shared.clone()));
        }
        let py = input.py();
        let as_of = match &mut self.as_of {
            PerRow::Shared => None,
            PerRow::Sequence(items) => Some(next_item(items, "as_of")?),
            PerRow::Callable(function) => Some(function.call1((input,))),
        };
        let approvals = match &mut self.approvals {
            PerRow::Shared => None,
            PerRow::Sequence(items) => Some(next_item(items, "approvals")?),
            PerRow::Callable(function) => Some(function.call1((input,))),
        };
        let mut options = (*self.shared).clone();
        let read = || -> PyResult<()> {
            if let Some(as_of) = as_of {
                let date = crate::ruleset::as_of_date(py, Some(&as_of?))?;
                options.as_of = date.or(self.shared.as_of);
            }
            if let Some(approvals) = approvals {
                options.approvals = crate::ruleset::approvals_of(py, Some(&approvals?))?;
            }
            Ok(())
        };
        Ok(read().map(|()| Arc::new(options)))
    }

    /// Whether every input shares the batch's options (none given per input).
    pub fn is_shared(&self) -> bool {
        matches!(
            (&self.as_of, &self.approvals),
            (PerRow::Shared, PerRow::Shared)
        )
    }

    /// Fails when a per-input sequence has more items than there were inputs.
    pub fn finish(&mut self) -> PyResult<()> {
        for (name, per_row) in [
            ("as_of", &mut self.as_of),
            ("approvals", &mut self.approvals),
        ] {
            if let PerRow::Sequence(items) = per_row
                && items.next().is_some()
            {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "`{name}` has more items than there are inputs"
                )));
            }
        }
        Ok(())
    }
}

/// The next item of a per-input sequence; running out is an error of the whole batch.
fn next_item<'py>(
    items: &mut Bound<'py, pyo3::types::PyIterator>,
    name: &str,
) -> PyResult<PyResult<Bound<'py, PyAny>>> {
    match items.next() {
        Some(item) => Ok(item),
        None => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "`{name}` has fewer items than there are inputs"
        ))),
    }
}
/// The outcome of each input of a chunk (`None` for a failed conversion).
type Outcomes = Vec<Option<Result<Json, EvalError>>>;

/// Evaluates every input of `inputs` (any iterable) and returns the results in input order.
pub fn evaluate_many<'py>(
    py: Python<'py>,
    ruleset: &Ruleset,
    schema: &Schema,
    inputs: &Bound<'py, PyAny>,
    options: RowOptions<'py>,
) -> PyResult<Bound<'py, PyList>> {
    let mut iterator = inputs.try_iter()?;
    let mut batch = Batch {
        py,
        schema,
        options,
        failures: BTreeMap::new(),
        converted: Vec::new(),
        next_input: 0,
        waiting: BTreeMap::new(),
        wanted: 0,
    };
    let _gc = GcPause::new(py)?;
    let first = batch.read_chunk(&mut iterator)?;
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    if first.len() < CHUNK || workers < 2 {
        // A small batch is not worth threads: evaluate it here, interpreter released.
        let mut chunks = vec![first];
        loop {
            let chunk = batch.read_chunk(&mut iterator)?;
            if chunk.is_empty() {
                break;
            }
            chunks.push(chunk);
        }
        for chunk in chunks {
            let outcomes = py.detach(|| evaluate(ruleset, &chunk));
            batch.convert(&outcomes)?;
        }
        batch.options.finish()?;
        return PyList::new(py, batch.converted);
    }
    let (work_sender, work_receiver) = mpsc::channel::<Job>();
    let work_receiver = Mutex::new(work_receiver);
    let (done_sender, done_receiver) = mpsc::channel::<(usize, Outcomes)>();
    let cancelled = AtomicBool::new(false);
    std::thread::scope(|scope| -> PyResult<()> {
        for _ in 0..workers {
            let done_sender = done_sender.clone();
            let (work_receiver, cancelled) = (&work_receiver, &cancelled);
            scope.spawn(move || work(ruleset, work_receiver, &done_sender, cancelled));
        }
        drop(done_sender);
        // `work_sender` is dropped when this closure returns, which stops the workers once the
        // jobs handed out are done; on an error (or Ctrl-C) they skip the chunks still queued.
        let outcome = (|| -> PyResult<()> {
            let work_sender = work_sender;
            let mut sent = 0;
            let mut chunk = first;
            while !chunk.is_empty() {
                send(&work_sender, Job::Evaluate(sent, chunk))?;
                sent += 1;
                // Convert whatever is already finished, without waiting.
                while let Ok((index, outcomes)) = done_receiver.try_recv() {
                    batch.arrived(index, outcomes, &work_sender)?;
                }
                py.check_signals()?;
                chunk = batch.read_chunk(&mut iterator)?;
            }
            let mut receiver = done_receiver;
            while batch.wanted < sent {
                let (back, message) = py.detach(move || {
                    let message = receiver.recv();
                    (receiver, message)
                });
                receiver = back;
                match message {
                    Ok((index, outcomes)) => batch.arrived(index, outcomes, &work_sender)?,
                    Err(_) => break,
                }
                py.check_signals()?;
            }
            Ok(())
        })();
        if outcome.is_err() {
            cancelled.store(true, Ordering::Relaxed);
        }
        outcome
    })?;
    batch.options.finish()?;
    PyList::new(py, batch.converted)
}

/// What a worker is asked to do.
enum Job {
    /// Evaluate the chunk with this index.
    Evaluate(usize, Chunk),
    /// Free outcomes already converted to Python: freeing large JSON trees is a fair share of
    /// the serial work, and the workers can do it in parallel instead.
    Free(Outcomes),
}

/// A worker: does jobs until no more come.
fn work(
    ruleset: &Ruleset,
    jobs: &Mutex<Receiver<Job>>,
    done: &Sender<(usize, Outcomes)>,
    cancelled: &AtomicBool,
) {
    loop {
        let job = match jobs.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        match job {
            Ok(Job::Evaluate(..)) if cancelled.load(Ordering::Relaxed) => {}
            Ok(Job::Evaluate(index, chunk)) => {
                if done.send((index, evaluate(ruleset, &chunk))).is_err() {
                    return;
                }
            }
            Ok(Job::Free(outcomes)) => drop(outcomes),
            Err(_) => return,
        }
    }
}

/// Evaluates each prepared input of `chunk` (`None` stays `None`).
pub fn evaluate(ruleset: &Ruleset, chunk: &[Option<Prepared>]) -> Outcomes {
    chunk
        .iter()
        .map(|input| {
            input
                .as_ref()
                .map(|(json, options)| ruleset.evaluate(json, options))
        })
        .collect()
}

fn send(sender: &Sender<Job>, job: Job) -> PyResult<()> {
    sender.send(job).map_err(|_| {
        pyo3::exceptions::PyRuntimeError::new_err("the evaluation threads stopped unexpectedly")
    })
}

/// The state of this thread's side of a batch.
struct Batch<'a, 'py> {
    py: Python<'py>,
    schema: &'a Schema,
    /// Where each input's options come from.
    options: RowOptions<'py>,
    /// Inputs whose conversion failed, by position.
    failures: BTreeMap<usize, PyErr>,
    /// The results so far, in input order.
    converted: Vec<Bound<'py, PyAny>>,
    /// The position of the next input to read.
    next_input: usize,
    /// Finished chunks that arrived before an earlier one.
    waiting: BTreeMap<usize, Outcomes>,
    /// The chunk whose results come next.
    wanted: usize,
}

impl<'py> Batch<'_, 'py> {
    /// Converts up to `CHUNK` inputs; an empty chunk means the inputs are exhausted.
    fn read_chunk(
        &mut self,
        iterator: &mut Bound<'py, pyo3::types::PyIterator>,
    ) -> PyResult<Chunk> {
        let mut chunk = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            let Some(input) = iterator.next() else {
                break;
            };
            let input = input?;
            let converted = self
                .options
                .of(&input)?
                .and_then(|options| Ok((to_json_with(&input, "", self.options.floats)?, options)));
            chunk.push(match converted {
                Ok(item) => Some(item),
                Err(error) => {
                    self.failures.insert(self.next_input, error);
                    None
                }
            });
            self.next_input += 1;
        }
        Ok(chunk)
    }

    /// A chunk came back: convert it, and any that waited for it, in order, then hand the
    /// JSON back to the workers to free.
    fn arrived(&mut self, index: usize, outcomes: Outcomes, jobs: &Sender<Job>) -> PyResult<()> {
        self.waiting.insert(index, outcomes);
        while let Some(outcomes) = self.waiting.remove(&self.wanted) {
            self.convert(&outcomes)?;
            self.wanted += 1;
            // If the workers are gone the outcomes are simply freed here.
            let _ = jobs.send(Job::Free(outcomes));
        }
        Ok(())
    }

    fn convert(&mut self, outcomes: &Outcomes) -> PyResult<()> {
        let py = self.py;
        for outcome in outcomes {
            let position = self.converted.len();
            let value = match outcome {
                Some(Ok(json)) => to_python(py, self.schema, json, Shape::Evaluation)?,
                Some(Err(error)) => eval_error_value(py, error)?,
                None => match self.failures.remove(&position) {
                    Some(error) => error.value(py).clone().into_any(),
                    None => py.None().into_bound(py),
                },
            };
            self.converted.push(value);
        }
        Ok(())
    }
}

/// Pauses Python's cyclic garbage collector while a batch builds its results. Results are
/// trees without cycles, and the collector would otherwise walk the whole growing batch again
/// and again as it allocates (a large share of the time for 100,000 results).
struct GcPause<'py> {
    gc: Option<Bound<'py, PyModule>>,
}

impl<'py> GcPause<'py> {
    fn new(py: Python<'py>) -> PyResult<Self> {
        let gc = py.import("gc")?;
        if gc.call_method0("isenabled")?.is_truthy()? {
            gc.call_method0("disable")?;
            Ok(GcPause { gc: Some(gc) })
        } else {
            Ok(GcPause { gc: None })
        }
    }
}

impl Drop for GcPause<'_> {
    fn drop(&mut self) {
        if let Some(gc) = &self.gc {
            // Nothing sensible can be done if re-enabling fails; the error stays unraised.
            let _ = gc.call_method0("enable");
        }
    }
}
