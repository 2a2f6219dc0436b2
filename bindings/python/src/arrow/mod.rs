//! The native path of `evaluate_frame` and `evaluate_arrow`: an Arrow table in, an Arrow table
//! out, through the Arrow C data interface (`__arrow_c_stream__`, read and written by
//! `pyo3-arrow`), with no Python object per cell.
//!
//! With the interpreter released, the rows are cut into shares; worker threads, one per core,
//! take shares in turn, write each row's input as JSON text straight from the Arrow buffers
//! ([`text`]) for the engine's text reader, evaluate it and append the typed result's values
//! to the share's Arrow builders ([`write`]); each share becomes one record batch of the
//! result. A row the text writer declines, or whose input the engine refuses, is read again
//! as a JSON tree ([`read`]), which gives the error with its path. Only the options given per row (a
//! sequence of dates or grants) and the exceptions of the rows that failed are Python work.
//! Column types this path does not read (binary, dictionaries, `floats="exact"` on a float
//! column...) make it decline, and the caller falls back to Python values
//! (`crate::frame::evaluate_columns`).

mod read;
mod text;
mod write;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_array::{Array, RecordBatch};
use arrow_schema::SchemaRef;
use ordo_engine::{EvalError, EvalOptions, Input as EngineInput, Ruleset};
use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3_arrow::PyTable;
use serde_json::{Map, Value as Json};

use crate::errors::eval_error_value;
use crate::frame::{Column, insert};
use crate::many::RowOptions;

/// One input column: the dotted path it fills and, for a list field, the separator that
/// splits its texts.
struct Input {
    path: Vec<String>,
    dotted: String,
    separator: Option<String>,
}

/// A share of the rows of one record batch.
struct Share {
    batch: usize,
    start: usize,
    len: usize,
    /// The position of the share's first row in the whole table.
    first: usize,
}

/// Each row's evaluation options.
enum Options {
    Shared(Arc<EvalOptions>),
    /// One per row; `None` where the row's options failed (its error is in `failed`).
    PerRow(Vec<Option<Arc<EvalOptions>>>),
}

/// `(kind, path, message)` of a row whose options failed, for its error columns.
type FailedCells = HashMap<usize, (String, Option<String>, String)>;

/// A share's result batch and its rows' engine errors, by position.
type ShareResult = (RecordBatch, Vec<(usize, EvalError)>);

/// What a share gives back.
type ShareOutcome = Result<ShareResult, String>;

/// What the threads share.
struct Job<'a> {
    ruleset: &'a Ruleset,
    batches: &'a [RecordBatch],
    inputs: &'a [Input],
    reader: read::Reader,
    /// `None` when the columns' text would not be the tree's (see [`text::Writer::new`]).
    text: Option<text::Writer>,
    options: &'a Options,
    failed: &'a FailedCells,
    columns: &'a [Column],
    schema: SchemaRef,
}

/// Evaluates every row of `table` (its columns named by input path; `separators` by column
/// name) and returns the result table (a pyarrow `Table`) and the failing rows as
/// `(index, exception)`; `None` when a column has a type this path does not read.
pub fn evaluate_table<'py>(
    py: Python<'py>,
    ruleset: &Ruleset,
    table: PyTable,
    separators: HashMap<String, String>,
    mut options: RowOptions<'py>,
) -> PyResult<Option<(Bound<'py, PyAny>, Bound<'py, PyList>)>> {
    let (batches, input_schema) = table.into_inner();
    let floats = options.floats;
    if !input_schema
        .fields()
        .iter()
        .all(|field| read::supported(field.data_type(), floats))
    {
        return Ok(None);
    }
    let inputs: Vec<Input> = input_schema
        .fields()
        .iter()
        .map(|field| Input {
            path: field.name().split('.').map(str::to_string).collect(),
            dotted: field.name().clone(),
            separator: separators.get(field.name()).cloned(),
        })
        .collect();
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();

    // Options given per row are Python values: read them here, before the threads start.
    let mut failures: Vec<(usize, PyErr)> = Vec::new();
    let mut failed = FailedCells::new();
    let row_options = if options.is_shared() {
        Options::Shared(options.shared.clone())
    } else {
        let none = py.None().into_bound(py);
        let mut each = Vec::with_capacity(rows);
        for row in 0..rows {
            match options.of(&none)? {
                Ok(row_options) => each.push(Some(row_options)),
                Err(error) => {
                    failed.insert(row, error_cells(py, &error));
                    failures.push((row, error));
                    each.push(None);
                }
            }
        }
        Options::PerRow(each)
    };
    options.finish()?;

    let columns = crate::frame::columns(ruleset);
    let schema = write::schema(&columns);
    let text_columns: Vec<_> = inputs
        .iter()
        .zip(input_schema.fields())
        .map(|(input, field)| {
            (
                input.path.clone(),
                input.separator.clone(),
                field.data_type(),
            )
        })
        .collect();
    let job = Job {
        ruleset,
        batches: &batches,
        inputs: &inputs,
        reader: read::Reader { floats },
        text: text::Writer::new(&text_columns, floats),
        options: &row_options,
        failed: &failed,
        columns: &columns,
        schema: schema.clone(),
    };
    let outcomes = py.detach(|| job.run_all(rows))?;

    let mut errors: Vec<(usize, Bound<'py, PyAny>)> = failures
        .into_iter()
        .map(|(row, error)| (row, error.value(py).clone().into_any()))
        .collect();
    let mut out = Vec::with_capacity(outcomes.len());
    for (batch, share_errors) in outcomes {
        out.push(batch);
        for (row, error) in share_errors {
            errors.push((row, eval_error_value(py, &error)?));
        }
    }
    errors.sort_by_key(|(row, _)| *row);
    let table = PyTable::try_new(out, schema)?.into_pyarrow(py)?;
    Ok(Some((table, PyList::new(py, errors)?)))
}

/// `(kind, path, message)` of an exception, as the error columns show it.
fn error_cells(py: Python<'_>, error: &PyErr) -> (String, Option<String>, String) {
    let value = error.value(py);
    let text = |name: &str| {
        value
            .getattr(name)
            .ok()
            .and_then(|v| v.extract::<Option<String>>().ok())
            .flatten()
    };
    let kind = text("kind").unwrap_or_else(|| {
        value
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    });
    let message = text("message").unwrap_or_else(|| value.to_string());
    (kind, text("path"), message)
}

impl Job<'_> {
    /// Evaluates every share on all cores, in order; fails on a result that does not fit its
    /// column or a worker that stopped.
    fn run_all(&self, rows: usize) -> PyResult<Vec<ShareResult>> {
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        // A few shares per worker, so that a slow share does not leave a core idle.
        let size = rows.div_ceil(workers * 4).max(64);
        let mut shares = Vec::new();
        let mut first = 0;
        for (index, batch) in self.batches.iter().enumerate() {
            let mut start = 0;
            while start < batch.num_rows() {
                let len = size.min(batch.num_rows() - start);
                shares.push(Share {
                    batch: index,
                    start,
                    len,
                    first: first + start,
                });
                start += len;
            }
            first += batch.num_rows();
        }
        let mut outcomes: Vec<(usize, ShareOutcome)> = if workers < 2 || shares.len() < 2 {
            shares
                .iter()
                .enumerate()
                .map(|(index, share)| (index, self.run(share)))
                .collect()
        } else {
            let next = AtomicUsize::new(0);
            let shares = &shares;
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers.min(shares.len()))
                    .map(|_| {
                        let next = &next;
                        scope.spawn(move || {
                            let mut done = Vec::new();
                            loop {
                                let index = next.fetch_add(1, Ordering::Relaxed);
                                let Some(share) = shares.get(index) else {
                                    return done;
                                };
                                done.push((index, self.run(share)));
                            }
                        })
                    })
                    .collect();
                let mut all = Vec::with_capacity(shares.len());
                for handle in handles {
                    match handle.join() {
                        Ok(done) => all.extend(done),
                        // Only an engine bug panics; the call then fails as a whole.
                        Err(_) => all.push((usize::MAX, Err("an evaluation thread failed".into()))),
                    }
                }
                all
            })
        };
        outcomes.sort_by_key(|(index, _)| *index);
        outcomes
            .into_iter()
            .map(|(_, outcome)| outcome.map_err(pyo3::exceptions::PyValueError::new_err))
            .collect()
    }

    /// Evaluates one share into a record batch.
    fn run(&self, share: &Share) -> ShareOutcome {
        let batch = self
            .batches
            .get(share.batch)
            .ok_or("a share outside the table")?;
        let mut rows = write::Rows::new(self.columns, share.len)?;
        let mut errors = Vec::new();
        let mut text = Vec::with_capacity(256);
        for offset in 0..share.len {
            let position = share.first + offset;
            let options = match self.options {
                Options::Shared(options) => options,
                Options::PerRow(each) => match each.get(position) {
                    Some(Some(options)) => options,
                    _ => {
                        match self.failed.get(&position) {
                            Some((kind, path, message)) => {
                                rows.failed(kind, path.as_deref(), message)
                            }
                            None => rows.failed("internal", None, "no options for this row"),
                        }
                        continue;
                    }
                },
            };
            let input = self.read(batch, share.start + offset, &mut text);
            let outcome = input.and_then(|input| match self.ruleset.run(&input, options) {
                Ok(evaluation) => Ok(rows.result(&evaluation)),
                Err(error) => Err(error),
            });
            match outcome {
                Ok(written) => written?,
                Err(error) => {
                    rows.error(&error);
                    errors.push((position, error));
                }
            }
        }
        Ok((rows.finish(self.schema.clone())?, errors))
    }

    /// The engine's input of row `row` of `batch`: read from its JSON text (written in `text`),
    /// or, when that is declined or refused, from its JSON tree, whose errors name the cell.
    fn read(
        &self,
        batch: &RecordBatch,
        row: usize,
        text: &mut Vec<u8>,
    ) -> Result<EngineInput, EvalError> {
        if let Some(writer) = &self.text
            && writer.row(batch, row, text).is_ok()
            && let Ok(read) = std::str::from_utf8(text).map(|t| self.ruleset.read_input_str(t))
            && let Ok(input) = read
        {
            return Ok(input);
        }
        self.ruleset.read_input(&self.input(batch, row)?)
    }

    /// The JSON input of row `row` of `batch` (see [`tree_input`]).
    fn input(&self, batch: &RecordBatch, row: usize) -> Result<Json, EvalError> {
        tree_input(&self.reader, self.inputs, batch, row)
    }
}

/// The JSON input of row `row` of `batch`: each column's cell at its dotted path, null cells
/// (and NaN) left out so that the field is absent.
fn tree_input(
    reader: &read::Reader,
    inputs: &[Input],
    batch: &RecordBatch,
    row: usize,
) -> Result<Json, EvalError> {
    let mut object = Map::new();
    for (input, array) in inputs.iter().zip(batch.columns()) {
        if array.is_null(row) {
            continue;
        }
        let mut path = input.dotted.clone();
        let value = reader.cell(array.as_ref(), row, &mut path, 0)?;
        let value = match (&input.separator, value) {
            (Some(separator), Json::String(text)) => split(&text, separator),
            (_, value) => value,
        };
        if !value.is_null() {
            insert(&mut object, &input.path, value);
        }
    }
    Ok(Json::Object(object))
}

/// A text of a list field split at `separator`, each part trimmed, empty parts left out
/// (`"rack; lights"` → `["rack", "lights"]`).
fn split(text: &str, separator: &str) -> Json {
    Json::Array(
        text.split(separator)
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| Json::String(part.to_string()))
            .collect(),
    )
}
