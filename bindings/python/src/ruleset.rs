//! `ordo.Ruleset`, `ordo.compile` and `ordo.load`.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use ordo_engine::{
    Actor, ApplyRequest, Approvals, ConfigureRequest, Defaults, EvalOptions, Event, Ruleset,
    StartRequest, TimerRequest, UpdateRequest, WorkflowRequest,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyType};
use serde_json::Value as Json;

use crate::errors::{compile_error, eval_error, request_error};
use crate::many::{PerRow, RowOptions};
use crate::py_types::types;
use crate::result::{Schema, Shape, from_python, to_python};
use crate::to_json::{Floats, date_text, to_json, to_json_with};

/// A compiled ruleset: immutable, thread-safe, picklable (as its compiled artifact).
///
/// Results convert the engine's JSON by the ruleset's declared types: `Int` → int,
/// `Decimal`/`Percent` → decimal.Decimal with the engine's scale, `Date` → datetime.date,
/// `DateTime` → aware datetime.datetime (UTC), `Duration` → datetime.timedelta; quote amounts,
/// quantities, unit prices, subtotals and totals are Decimal; texts, enums and sets stay str.
///
/// Inputs may be any Mapping, list, tuple, set/frozenset (sets of enum values), str, bool,
/// None, int, Decimal (exact, scale kept), date, aware datetime (and pandas.Timestamp),
/// timedelta, numpy scalars, and float as `floats` says (by default `Decimal(repr(x))`); NaN,
/// pandas.NA and NaT are absent. Anything else raises InputError with the value's `path`.
#[pyclass(module = "ordo", name = "Ruleset", frozen)]
pub struct PyRuleset {
    pub ruleset: Ruleset,
    pub schema: Arc<Schema>,
    /// The date a `Registry` resolved this version for: the evaluation date when a call
    /// gives none, so that a version picked for a date also prices at that date.
    pub resolved_as_of: Option<NaiveDate>,
}

impl PyRuleset {
    pub fn new(ruleset: Ruleset) -> PyRuleset {
        let schema = Arc::new(Schema::of(&ruleset));
        PyRuleset {
            ruleset,
            schema,
            resolved_as_of: None,
        }
    }

    /// The options of an evaluation from the keyword arguments.
    fn options(
        &self,
        py: Python<'_>,
        as_of: Option<&Bound<'_, PyAny>>,
        trace: bool,
        approvals: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<EvalOptions> {
        let as_of = as_of_date(py, as_of)?.or(self.resolved_as_of);
        let approvals = approvals_of(py, approvals)?;
        Ok(EvalOptions {
            as_of,
            trace,
            approvals,
            at: None,
        })
    }

    /// The options of each input of a batch (`evaluate_many`, `evaluate_frame`).
    pub fn row_options<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        trace: bool,
        approvals: Option<&Bound<'py, PyAny>>,
        floats: &str,
    ) -> PyResult<RowOptions<'py>> {
        let as_of_rows = per_row(as_of, true)?;
        let approval_rows = per_row(approvals, false)?;
        let shared_as_of = match as_of_rows {
            PerRow::Shared => as_of,
            _ => None,
        };
        let shared_approvals = match approval_rows {
            PerRow::Shared => approvals,
            _ => None,
        };
        Ok(RowOptions {
            shared: Arc::new(self.options(py, shared_as_of, trace, shared_approvals)?),
            as_of: as_of_rows,
            approvals: approval_rows,
            floats: Floats::parse(py, floats)?,
        })
    }

    /// `Ruleset.evaluate`.
    pub fn evaluate_one<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        trace: bool,
        approvals: Option<&Bound<'py, PyAny>>,
        floats: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let input = to_json_with(input, "", Floats::parse(py, floats)?)?;
        let options = self.options(py, as_of, trace, approvals)?;
        let ruleset = &self.ruleset;
        match py.detach(|| ruleset.evaluate(&input, &options)) {
            Ok(result) => to_python(py, &self.schema, &result, Shape::Evaluation),
            Err(error) => Err(eval_error(py, &error)),
        }
    }

    /// Runs a request (`transitions`, `apply`, `configure`) with the interpreter released.
    fn request<'py, R: Sync>(
        &self,
        py: Python<'py>,
        request: R,
        run: fn(&Ruleset, &R) -> Result<Json, ordo_engine::EvalError>,
        shape: Shape<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ruleset = &self.ruleset;
        match py.detach(|| run(ruleset, &request)) {
            Ok(result) => to_python(py, &self.schema, &result, shape),
            Err(error) => Err(eval_error(py, &error)),
        }
    }
}

/// Why a transition may not be taken, as `transitions` lists them (empty when the
/// transitions cannot be listed or do not name it).
fn refusal_reasons<'py>(
    py: Python<'py>,
    ruleset: &Ruleset,
    request: &ApplyRequest,
) -> PyResult<Bound<'py, PyAny>> {
    let reasons = ruleset
        .transitions(&request.workflow)
        .ok()
        .and_then(|listed| {
            listed
                .get("transitions")?
                .as_array()?
                .iter()
                .find(|t| t.get("id").and_then(Json::as_str) == Some(&request.transition))?
                .get("reasons")
                .cloned()
        })
        .unwrap_or_else(|| Json::Array(Vec::new()));
    crate::result::plain(py, &reasons)
}

/// The keyword arguments of `evaluate_frame` and `evaluate_arrow`, passed on to `ordo._frame`.
struct FrameOptions<'a, 'py> {
    columns: Option<&'a Bound<'py, PyAny>>,
    as_of: Option<&'a Bound<'py, PyAny>>,
    approvals: Option<&'a Bound<'py, PyAny>>,
    errors: &'a str,
    separator: Option<&'a Bound<'py, PyAny>>,
    floats: &'a str,
}

impl<'py> FrameOptions<'_, 'py> {
    /// Calls `ordo._frame.<function>(ruleset, data, **options)`.
    fn call(
        &self,
        ruleset: &Bound<'py, PyRuleset>,
        function: &str,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = ruleset.py();
        let kwargs = PyDict::new(py);
        kwargs.set_item("columns", self.columns)?;
        kwargs.set_item("as_of", self.as_of)?;
        kwargs.set_item("approvals", self.approvals)?;
        kwargs.set_item("errors", self.errors)?;
        kwargs.set_item("separator", self.separator)?;
        kwargs.set_item("floats", self.floats)?;
        py.import("ordo._frame")?
            .getattr(function)?
            .call((ruleset, data), Some(&kwargs))
    }
}

/// A DataFrame iterates over its column names: evaluating those is never what was meant.
fn refuse_frame(inputs: &Bound<'_, PyAny>) -> PyResult<()> {
    let class = inputs.get_type();
    let module = class.module()?;
    let module = module.to_cow()?;
    let frame = ["pandas", "polars", "pyarrow", "dask"]
        .iter()
        .any(|m| module == *m || module.starts_with(&format!("{m}.")))
        && inputs.hasattr("columns")?;
    if frame {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "evaluate_many takes an iterable of mappings, not a {}.{}; use evaluate_frame for a DataFrame (or evaluate_arrow for a pyarrow Table)",
            module,
            class.name()?
        )));
    }
    Ok(())
}

/// How a per-input argument was given: one value for all (`None`, a date, a string, a mapping),
/// a callable, or a sequence.
fn per_row<'py>(value: Option<&Bound<'py, PyAny>>, callable: bool) -> PyResult<PerRow<'py>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(PerRow::Shared);
    };
    let py = value.py();
    let types = types(py)?;
    if value.is_instance_of::<PyString>()
        || value.is_instance(types.date.bind(py))?
        || value.is_instance(types.mapping.bind(py))?
    {
        return Ok(PerRow::Shared);
    }
    if callable && value.is_callable() {
        return Ok(PerRow::Callable(value.clone()));
    }
    Ok(PerRow::Sequence(value.try_iter()?))
}

/// `as_of` as `YYYY-MM-DD` text: a `datetime.date`, a `datetime.datetime` or
/// `pandas.Timestamp` (its date, as written), a string, or nothing.
fn as_of_text(as_of: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    let Some(as_of) = as_of.filter(|a| !a.is_none()) else {
        return Ok(None);
    };
    let py = as_of.py();
    if let Ok(text) = as_of.cast::<PyString>() {
        return Ok(Some(text.to_cow()?.into_owned()));
    }
    let types = types(py)?;
    // A datetime is a date too; its date is the day it names, in its own time zone.
    if as_of.is_instance(types.date.bind(py))? {
        return Ok(Some(date_text(as_of)?));
    }
    Err(request_error(
        py,
        format!(
            "`as_of` must be a datetime.date, a datetime or a \"YYYY-MM-DD\" string, not {}",
            as_of.repr()?.to_cow()?
        ),
    ))
}

/// `as_of` as a date, read as the engine reads it.
pub fn as_of_date(py: Python<'_>, as_of: Option<&Bound<'_, PyAny>>) -> PyResult<Option<NaiveDate>> {
    as_of_text(as_of)?
        .map(|text| ordo_engine::text::parse_date(&text).map_err(|e| eval_error(py, &e)))
        .transpose()
}

/// The grants passed as a mapping (`None` for none).
pub fn approvals_of(
    py: Python<'_>,
    approvals: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<Approvals>> {
    approvals
        .filter(|a| !a.is_none())
        .map(|a| {
            let json = to_json(a, "approvals")?;
            Approvals::from_json(&json).map_err(|e| eval_error(py, &e))
        })
        .transpose()
}

/// A workflow event passed as a mapping.
fn event_of(py: Python<'_>, event: &Bound<'_, PyAny>) -> PyResult<Event> {
    Event::from_json(&to_json(event, "event")?).map_err(|e| eval_error(py, &e))
}

/// Who acts (spec §24): a role (`"sales"`), a mapping `{"id": "ana", "roles": ["sales"]}`, or
/// an object with `id` and `roles` attributes (`ordo.Actor`); `None` for nobody.
fn actor_of(py: Python<'_>, actor: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Actor>> {
    let Some(actor) = actor.filter(|a| !a.is_none()) else {
        return Ok(None);
    };
    let json = if !actor.is_instance_of::<PyString>()
        && !actor.is_instance_of::<PyDict>()
        && actor.hasattr("roles")?
    {
        let mut fields = serde_json::Map::new();
        fields.insert("id".into(), to_json(&actor.getattr("id")?, "actor.id")?);
        fields.insert(
            "roles".into(),
            to_json(&actor.getattr("roles")?, "actor.roles")?,
        );
        Json::Object(fields)
    } else {
        to_json(actor, "actor")?
    };
    Actor::from_json(&json)
        .map(Some)
        .map_err(|e| eval_error(py, &e))
}

/// The common fields of a workflow request.
fn workflow_request(
    py: Python<'_>,
    workflow: String,
    state: String,
    actor: Option<&Bound<'_, PyAny>>,
    input: &Bound<'_, PyAny>,
    approvals: Option<&Bound<'_, PyAny>>,
    as_of: Option<&Bound<'_, PyAny>>,
) -> PyResult<WorkflowRequest> {
    Ok(WorkflowRequest {
        workflow,
        state,
        actor: actor_of(py, actor)?,
        input: to_json(input, "")?,
        as_of: as_of_date(py, as_of)?,
        approvals: approvals_of(py, approvals)?,
        event: None,
    })
}

#[pymethods]
impl PyRuleset {
    /// The ruleset's name.
    #[getter]
    fn name(&self) -> &str {
        self.ruleset.name()
    }

    /// The ruleset's semantic version.
    #[getter]
    fn version(&self) -> &str {
        self.ruleset.version()
    }

    /// The content hash, `sha256:` and 64 hex digits.
    #[getter]
    fn hash(&self) -> &str {
        self.ruleset.hash()
    }

    /// The first day this version applies, if it declares one.
    #[getter]
    fn effective<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.ruleset.effective().map(|d| date(py, d)).transpose()
    }

    /// The names of the outputs, in declaration order.
    #[getter]
    fn output_names(&self) -> Vec<String> {
        self.ruleset
            .output_names()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// Evaluates one complete input. Returns the result as a dict; raises `InputError` for a
    /// bad input and `EvaluationError` when a rule fails. `floats` says how binary floats
    /// read: `"shortest"` (their `repr`), `"exact"` (their binary value) or `"reject"`.
    #[pyo3(signature = (input, *, as_of=None, trace=false, approvals=None, floats="shortest"))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        trace: bool,
        approvals: Option<&Bound<'py, PyAny>>,
        floats: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.evaluate_one(py, input, as_of, trace, approvals, floats)
    }

    /// Evaluates JSON text and returns the engine's canonical JSON text, byte-identical to what
    /// every other host (CLI, server, WASM) returns for the same input.
    #[pyo3(signature = (text, *, as_of=None, trace=false, approvals=None))]
    fn evaluate_json(
        &self,
        py: Python<'_>,
        text: String,
        as_of: Option<&Bound<'_, PyAny>>,
        trace: bool,
        approvals: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let options = self.options(py, as_of, trace, approvals)?;
        let ruleset = &self.ruleset;
        py.detach(|| ruleset.evaluate_str(&text, &options))
            .map_err(|error| eval_error(py, &error))
    }

    /// Evaluates many inputs on all cores with the interpreter released. Returns an
    /// `ordo.BatchResult`: one item per input, in input order, the result dict or the
    /// `InputError`/`EvaluationError` instance for that input (returned, not raised). Python's
    /// cyclic garbage collector is paused while the results are built (they hold no cycles).
    ///
    /// `as_of` is one date for every input, a sequence with one date per input, or a callable
    /// given each input that returns its date; `approvals` is one mapping of grants for every
    /// input or a sequence of them (`None` items for none). A DataFrame is a `TypeError`: use
    /// `evaluate_frame`.
    #[pyo3(signature = (inputs, *, as_of=None, trace=false, approvals=None, floats="shortest"))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate_many<'py>(
        slf: &Bound<'py, Self>,
        inputs: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        trace: bool,
        approvals: Option<&Bound<'py, PyAny>>,
        floats: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        refuse_frame(inputs)?;
        let options = this.row_options(py, as_of, trace, approvals, floats)?;
        let items = crate::many::evaluate_many(py, &this.ruleset, &this.schema, inputs, options)?;
        py.import("ordo._batch")?
            .getattr("BatchResult")?
            .call1((items, slf))
    }

    /// Evaluates every row of a pandas or polars DataFrame (see `ordo._frame`): returns a
    /// frame of the same kind with the outputs, `valid`, `violations`, each quote's total and
    /// subtotals, and `error_kind`/`error_path`/`error_message` for the rows that failed.
    #[pyo3(signature = (frame, *, columns=None, as_of=None, approvals=None, errors="columns", separator=None, floats="shortest"))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate_frame<'py>(
        slf: &Bound<'py, Self>,
        frame: &Bound<'py, PyAny>,
        columns: Option<&Bound<'py, PyAny>>,
        as_of: Option<&Bound<'py, PyAny>>,
        approvals: Option<&Bound<'py, PyAny>>,
        errors: &str,
        separator: Option<&Bound<'py, PyAny>>,
        floats: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = FrameOptions {
            columns,
            as_of,
            approvals,
            errors,
            separator,
            floats,
        };
        options.call(slf, "evaluate_frame", frame)
    }

    /// `evaluate_frame` for a pyarrow Table (or RecordBatch): returns a pyarrow Table.
    #[pyo3(signature = (table, *, columns=None, as_of=None, approvals=None, errors="columns", separator=None, floats="shortest"))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate_arrow<'py>(
        slf: &Bound<'py, Self>,
        table: &Bound<'py, PyAny>,
        columns: Option<&Bound<'py, PyAny>>,
        as_of: Option<&Bound<'py, PyAny>>,
        approvals: Option<&Bound<'py, PyAny>>,
        errors: &str,
        separator: Option<&Bound<'py, PyAny>>,
        floats: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = FrameOptions {
            columns,
            as_of,
            approvals,
            errors,
            separator,
            floats,
        };
        options.call(slf, "evaluate_arrow", table)
    }

    /// The columns of `evaluate_frame`'s result and their types, as a `pyarrow.Schema`
    /// (`"arrow"`), an empty pandas DataFrame (`"pandas"`, usable as dask `meta`) or an empty
    /// polars DataFrame (`"polars"`).
    #[pyo3(signature = (kind="arrow"))]
    fn result_schema<'py>(slf: &Bound<'py, Self>, kind: &str) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("ordo._frame")?
            .getattr("result_schema")?
            .call1((slf, kind))
    }

    /// The result columns besides `valid`, `violations` and the error columns, as
    /// `(name, kind, scale)` (used by `ordo._frame`).
    fn _frame_columns(&self) -> Vec<(String, &'static str, Option<u32>)> {
        crate::frame::columns(&self.ruleset)
            .into_iter()
            .map(|c| {
                let scale = match c.kind {
                    crate::frame::Kind::Money(scale) => Some(scale),
                    _ => None,
                };
                (c.name, c.kind.name(), scale)
            })
            .collect()
    }

    /// The input fields by dotted path with their type's kind (used by `ordo._frame`).
    fn _input_kinds(&self) -> Vec<(String, &'static str)> {
        crate::frame::input_kinds(&self.ruleset)
    }

    /// Evaluates rows given as `(dotted path, values)` columns (used by `ordo._frame`).
    #[pyo3(signature = (columns, rows, *, as_of=None, approvals=None, floats="shortest"))]
    fn _evaluate_columns<'py>(
        &self,
        py: Python<'py>,
        columns: Vec<(String, Bound<'py, pyo3::types::PyList>)>,
        rows: usize,
        as_of: Option<&Bound<'py, PyAny>>,
        approvals: Option<&Bound<'py, PyAny>>,
        floats: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let options = self.row_options(py, as_of, false, approvals, floats)?;
        crate::frame::evaluate_columns(py, &self.ruleset, &self.schema, columns, rows, options)
    }

    /// Evaluates the rows of an Arrow table whose columns are named by input path, reading and
    /// writing Arrow arrays through the Arrow C data interface (used by `ordo._frame`): the
    /// result table and the failing rows as `(index, exception)`, or `None` when a column has
    /// a type only the conversion through Python values reads.
    #[pyo3(signature = (table, separators, *, as_of=None, approvals=None, floats="shortest"))]
    #[allow(clippy::too_many_arguments)]
    fn _evaluate_arrow<'py>(
        &self,
        py: Python<'py>,
        table: pyo3_arrow::PyTable,
        separators: std::collections::HashMap<String, String>,
        as_of: Option<&Bound<'py, PyAny>>,
        approvals: Option<&Bound<'py, PyAny>>,
        floats: &str,
    ) -> PyResult<Option<(Bound<'py, PyAny>, Bound<'py, pyo3::types::PyList>)>> {
        let options = self.row_options(py, as_of, false, approvals, floats)?;
        crate::arrow::evaluate_table(py, &self.ruleset, table, separators, options)
    }

    /// The input as a JSON Schema (draft 2020-12), as a dict.
    fn input_schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::result::plain(py, &crate::frame::input_json_schema(&self.ruleset))
    }

    /// The canonical JSON text of a result returned by this ruleset (the exact inverse of its
    /// conversion to Python: decimals keep their scale), byte-identical to what the engine and
    /// every other host write. `op` names the method that returned it: `"evaluate"` (the
    /// default, also for items of `evaluate_many`), `"configure"`, `"transitions"`, `"apply"`,
    /// `"fire_timer"`, `"start"` or `"update"`. What it writes is checked against the engine's
    /// result schema: a dict that is not such a result raises `InputError`
    /// (`invalid_request`) naming where it differs.
    #[pyo3(
        signature = (result, *, op="evaluate".to_string()),
        text_signature = "(self, /, result, *, op='evaluate')"
    )]
    fn result_to_json(
        &self,
        py: Python<'_>,
        result: &Bound<'_, PyAny>,
        op: String,
    ) -> PyResult<String> {
        let (shape, definition) = match op.as_str() {
            "evaluate" => (Shape::Evaluation, "EvaluationResult"),
            "configure" => (Shape::Configuration, "ConfigureResult"),
            "transitions" => (Shape::Plain, "TransitionsResult"),
            "apply" => (Shape::Plain, "ApplyResult"),
            "fire_timer" => (Shape::Plain, "TimerResult"),
            "start" => (Shape::Plain, "StartResult"),
            "update" => (Shape::Plain, "UpdateResult"),
            other => {
                return Err(request_error(
                    py,
                    format!(
                        "`op` must be evaluate, configure, transitions, apply, fire_timer, start or update, not `{other}`"
                    ),
                ));
            }
        };
        let json = from_python(&self.schema, result, shape)?;
        let problems = crate::validate::problems(definition, &json);
        if !problems.is_empty() {
            return Err(request_error(
                py,
                format!(
                    "the `{op}` result is not a valid {definition}: {}",
                    problems.join("; ")
                ),
            ));
        }
        Ok(ordo_engine::to_json_string(&json))
    }

    /// Option availability for a partial input (fields not chosen yet are left out): for each
    /// finite field, which values remain possible and which constraints block the others, with
    /// the outputs and quotes known so far. With `complete=True`, options that lead only to dead
    /// ends are disabled too (a bounded search over the remaining finite fields).
    #[pyo3(signature = (partial, *, as_of=None, complete=false, defaults="unknown", context=None))]
    fn configure<'py>(
        &self,
        py: Python<'py>,
        partial: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        complete: bool,
        defaults: &str,
        context: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = ConfigureRequest {
            input: to_json(partial, "")?,
            as_of: as_of_date(py, as_of)?,
            complete,
            defaults: Defaults::parse(defaults).map_err(|e| eval_error(py, &e))?,
            context: context.unwrap_or_default(),
        };
        self.request(py, request, Ruleset::configure, Shape::Configuration)
    }

    /// The next actions of a workflow instance: every outgoing transition of `state` for
    /// `actor`, enabled or with every reason it is not.
    #[pyo3(signature = (*, workflow, state, actor=None, input, approvals=None, as_of=None))]
    #[allow(clippy::too_many_arguments)]
    fn transitions<'py>(
        &self,
        py: Python<'py>,
        workflow: String,
        state: String,
        actor: Option<&Bound<'py, PyAny>>,
        input: &Bound<'py, PyAny>,
        approvals: Option<&Bound<'py, PyAny>>,
        as_of: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = workflow_request(py, workflow, state, actor, input, approvals, as_of)?;
        self.request(py, request, Ruleset::transitions, Shape::Plain)
    }

    /// Applies a transition: the new state, the actions of the triggers it fires and the timers
    /// it arms. Raises `EvaluationError` (kind `transition`) when it may not be applied.
    #[pyo3(signature = (*, workflow, state, transition, actor=None, input, event=None, approvals=None, as_of=None))]
    #[allow(clippy::too_many_arguments)]
    fn apply<'py>(
        &self,
        py: Python<'py>,
        workflow: String,
        state: String,
        transition: String,
        actor: Option<&Bound<'py, PyAny>>,
        input: &Bound<'py, PyAny>,
        event: Option<&Bound<'py, PyAny>>,
        approvals: Option<&Bound<'py, PyAny>>,
        as_of: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut workflow = workflow_request(py, workflow, state, actor, input, approvals, as_of)?;
        workflow.event = event
            .filter(|e| !e.is_none())
            .map(|e| event_of(py, e))
            .transpose()?;
        let request = ApplyRequest {
            workflow,
            transition,
        };
        let ruleset = &self.ruleset;
        match py.detach(|| ruleset.apply(&request)) {
            Ok(result) => to_python(py, &self.schema, &result, Shape::Plain),
            Err(error) => {
                let value = crate::errors::eval_error_value(py, &error)?;
                if error.kind == ordo_engine::ErrorKind::Transition {
                    value.setattr("reasons", refusal_reasons(py, ruleset, &request)?)?;
                }
                Err(PyErr::from_value(value))
            }
        }
    }

    /// A `stay … after` timer fell due: re-checks that the instance is still in the trigger's
    /// state, that the time has come and the trigger's condition, then returns its actions.
    #[pyo3(signature = (*, workflow, state, trigger, input, event, actor=None, approvals=None, as_of=None))]
    #[allow(clippy::too_many_arguments)]
    fn fire_timer<'py>(
        &self,
        py: Python<'py>,
        workflow: String,
        state: String,
        trigger: String,
        input: &Bound<'py, PyAny>,
        event: &Bound<'py, PyAny>,
        actor: Option<&Bound<'py, PyAny>>,
        approvals: Option<&Bound<'py, PyAny>>,
        as_of: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut workflow = workflow_request(py, workflow, state, actor, input, approvals, as_of)?;
        workflow.event = Some(event_of(py, event)?);
        let request = TimerRequest { workflow, trigger };
        self.request(py, request, Ruleset::fire_timer, Shape::Plain)
    }

    /// Starts an instance (spec §24): the initial state, its owner and SLA due time, the
    /// actions of its `enter` triggers and the timers it arms.
    #[pyo3(signature = (*, workflow, input, event, actor=None, approvals=None, as_of=None))]
    #[allow(clippy::too_many_arguments)]
    fn start<'py>(
        &self,
        py: Python<'py>,
        workflow: String,
        input: &Bound<'py, PyAny>,
        event: &Bound<'py, PyAny>,
        actor: Option<&Bound<'py, PyAny>>,
        approvals: Option<&Bound<'py, PyAny>>,
        as_of: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut workflow =
            workflow_request(py, workflow, String::new(), actor, input, approvals, as_of)?;
        workflow.event = Some(event_of(py, event)?);
        let request = StartRequest { workflow };
        self.request(py, request, Ruleset::start, Shape::Plain)
    }

    /// The instance's data changed (spec §24): the actions of `on change` and `on becomes`
    /// triggers, the timers to arm again (`timers`) and those to cancel (`cancel`).
    #[pyo3(signature = (*, workflow, state, input, previous_input, event, actor=None, approvals=None, as_of=None))]
    #[allow(clippy::too_many_arguments)]
    fn update<'py>(
        &self,
        py: Python<'py>,
        workflow: String,
        state: String,
        input: &Bound<'py, PyAny>,
        previous_input: &Bound<'py, PyAny>,
        event: &Bound<'py, PyAny>,
        actor: Option<&Bound<'py, PyAny>>,
        approvals: Option<&Bound<'py, PyAny>>,
        as_of: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut workflow = workflow_request(py, workflow, state, actor, input, approvals, as_of)?;
        workflow.event = Some(event_of(py, event)?);
        let request = UpdateRequest {
            workflow,
            previous_input: to_json(previous_input, "previous_input")?,
        };
        self.request(py, request, Ruleset::update, Shape::Plain)
    }

    /// The compiled artifact: bytes that `Ruleset.from_artifact` loads back without the source.
    fn to_artifact<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        artifact(py, &self.ruleset)
    }

    /// Loads a compiled artifact, checking its format version and integrity.
    #[classmethod]
    fn from_artifact(_cls: &Bound<'_, PyType>, py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        Ruleset::from_artifact(data)
            .map(PyRuleset::new)
            .map_err(|error| eval_error(py, &error))
    }

    /// Pickles as the compiled artifact.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let from_artifact = slf.get_type().getattr("from_artifact")?;
        let bytes = artifact(slf.py(), &slf.get().ruleset)?;
        Ok((from_artifact, (bytes,)))
    }

    fn __repr__(&self) -> String {
        let hash = self.ruleset.hash();
        let short = hash.get(..19).unwrap_or(hash);
        format!(
            "<ordo.Ruleset {} {} {short}…>",
            self.ruleset.name(),
            self.ruleset.version()
        )
    }
}

/// The ruleset's artifact; an engine that cannot serialise it raises `OrdoError` (`internal`).
fn artifact<'py>(py: Python<'py>, ruleset: &Ruleset) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = ruleset
        .to_artifact()
        .map_err(|error| eval_error(py, &error))?;
    Ok(PyBytes::new(py, &bytes))
}

fn date<'py>(py: Python<'py>, d: NaiveDate) -> PyResult<Bound<'py, PyAny>> {
    use chrono::Datelike;
    types(py)?
        .date
        .bind(py)
        .call1((d.year(), d.month(), d.day()))
}

/// Compiles ruleset source text, with the data files its tables read (`files`: name → text,
/// spec §21). Raises `CompileError` with every problem found.
#[pyfunction]
#[pyo3(signature = (source, *, filename=None, files=None))]
pub fn compile(
    py: Python<'_>,
    source: String,
    filename: Option<String>,
    files: Option<std::collections::BTreeMap<String, String>>,
) -> PyResult<PyRuleset> {
    let file = filename.unwrap_or_else(|| "<string>".to_string());
    let files: ordo_engine::DataFiles = files.unwrap_or_default().into_iter().collect();
    compile_source(py, &source, &file, &files)
}

/// Compiles `source` (named `file` in diagnostics) with its data files.
fn compile_source(
    py: Python<'_>,
    source: &str,
    file: &str,
    files: &ordo_engine::DataFiles,
) -> PyResult<PyRuleset> {
    match py.detach(|| Ruleset::compile_with_files(source, files)) {
        Ok(ruleset) => Ok(PyRuleset::new(ruleset)),
        Err(diagnostics) => Err(compile_error(py, &diagnostics, file, source)),
    }
}

/// An `OSError` for a file that could not be read, with its `errno` and `filename` (Python
/// picks the subclass, `FileNotFoundError`, `PermissionError`..., from the errno).
pub fn os_error(error: &std::io::Error, path: &std::path::Path) -> PyErr {
    let message = error.to_string();
    // "No such file or directory (os error 2)" → "No such file or directory", as Python says it.
    let message = message
        .split(" (os error")
        .next()
        .unwrap_or(&message)
        .to_string();
    match error.raw_os_error() {
        Some(errno) => {
            pyo3::exceptions::PyOSError::new_err((errno, message, path.display().to_string()))
        }
        None => pyo3::exceptions::PyOSError::new_err(format!("{}: {message}", path.display())),
    }
}

/// Loads a ruleset from a file: `.ordo` source (compiled) or a compiled artifact.
#[pyfunction]
pub fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyRuleset> {
    let bytes = std::fs::read(&path).map_err(|e| os_error(&e, &path))?;
    let artifact = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    if artifact {
        return Ruleset::from_artifact(&bytes)
            .map(PyRuleset::new)
            .map_err(|error| eval_error(py, &error));
    }
    let source = String::from_utf8(bytes)
        .map_err(|e| request_error(py, format!("`{}` is not UTF-8 text: {e}", path.display())))?;
    // The data files its tables read are beside it (spec §21).
    let files = ordo_engine::DataFiles::read_beside(&path, Ruleset::data_files_of(&source))
        .map_err(|e| request_error(py, e.to_string()))?;
    compile_source(py, &source, &path.display().to_string(), &files)
}
