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
use crate::py_types::types;
use crate::result::{Schema, Shape, from_python, to_python};
use crate::to_json::{date_text, to_json};

/// A compiled ruleset: immutable, thread-safe, picklable (as its compiled artifact).
///
/// Results convert the engine's JSON by the ruleset's declared types: `Int` → int,
/// `Decimal`/`Percent` → decimal.Decimal with the engine's scale, `Date` → datetime.date,
/// `DateTime` → aware datetime.datetime (UTC), `Duration` → datetime.timedelta; quote amounts,
/// quantities, unit prices, subtotals and totals are Decimal; texts, enums and sets stay str.
///
/// Inputs may be dict, list, tuple, set/frozenset (sets of enum values), str, bool, None, int,
/// Decimal (exact, scale kept), date, aware datetime, timedelta, and float only when exactly
/// representable (0.5, not 0.1); anything else raises InputError with the value's `path`.
#[pyclass(module = "ordo", name = "Ruleset", frozen)]
pub struct PyRuleset {
    pub ruleset: Ruleset,
    pub schema: Arc<Schema>,
}

impl PyRuleset {
    pub fn new(ruleset: Ruleset) -> PyRuleset {
        let schema = Arc::new(Schema::of(&ruleset));
        PyRuleset { ruleset, schema }
    }

    /// The options of an evaluation from the keyword arguments.
    fn options(
        &self,
        py: Python<'_>,
        as_of: Option<&Bound<'_, PyAny>>,
        trace: bool,
        approvals: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<EvalOptions> {
        let as_of = as_of_date(py, as_of)?;
        let approvals = approvals_of(py, approvals)?;
        Ok(EvalOptions {
            as_of,
            trace,
            approvals,
            at: None,
        })
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

/// `as_of` as `YYYY-MM-DD` text: a `datetime.date`, a string, or nothing.
fn as_of_text(as_of: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    let Some(as_of) = as_of.filter(|a| !a.is_none()) else {
        return Ok(None);
    };
    let py = as_of.py();
    if let Ok(text) = as_of.cast::<PyString>() {
        return Ok(Some(text.to_cow()?.into_owned()));
    }
    let types = types(py)?;
    if as_of.is_instance(types.date.bind(py))? && !as_of.is_instance(types.datetime.bind(py))? {
        return Ok(Some(date_text(as_of)?));
    }
    Err(request_error(
        py,
        format!(
            "`as_of` must be a datetime.date or a \"YYYY-MM-DD\" string, not {}",
            as_of.repr()?.to_cow()?
        ),
    ))
}

/// `as_of` as a date, read as the engine reads it.
fn as_of_date(py: Python<'_>, as_of: Option<&Bound<'_, PyAny>>) -> PyResult<Option<NaiveDate>> {
    as_of_text(as_of)?
        .map(|text| ordo_engine::text::parse_date(&text).map_err(|e| eval_error(py, &e)))
        .transpose()
}

/// The grants passed as a mapping (`None` for none).
fn approvals_of(
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
    /// bad input and `EvaluationError` when a rule fails.
    #[pyo3(signature = (input, *, as_of=None, trace=false, approvals=None))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        trace: bool,
        approvals: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let input = to_json(input, "")?;
        let options = self.options(py, as_of, trace, approvals)?;
        let ruleset = &self.ruleset;
        match py.detach(|| ruleset.evaluate(&input, &options)) {
            Ok(result) => to_python(py, &self.schema, &result, Shape::Evaluation),
            Err(error) => Err(eval_error(py, &error)),
        }
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

    /// Evaluates many inputs on all cores with the interpreter released. Returns one item per
    /// input, in input order: the result dict, or the `InputError`/`EvaluationError` instance
    /// for that input (returned, not raised). Python's cyclic garbage collector is paused while
    /// the results are built (they hold no cycles) and restored afterwards. `approvals` (the
    /// grants, as for `evaluate`) apply to every input.
    #[pyo3(signature = (inputs, *, as_of=None, trace=false, approvals=None))]
    fn evaluate_many<'py>(
        &self,
        py: Python<'py>,
        inputs: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        trace: bool,
        approvals: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = self.options(py, as_of, trace, approvals)?;
        crate::many::evaluate_many(py, &self.ruleset, &self.schema, inputs, &options)
            .map(Bound::into_any)
    }

    /// The canonical JSON text of a result returned by this ruleset (the exact inverse of its
    /// conversion to Python: decimals keep their scale), byte-identical to what the engine and
    /// every other host write. `op` names the method that returned it: `"evaluate"` (the
    /// default, also for items of `evaluate_many`), `"configure"`, `"transitions"`, `"apply"`
    /// or `"fire_timer"`.
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
        let shape = match op.as_str() {
            "evaluate" => Shape::Evaluation,
            "configure" => Shape::Configuration,
            "transitions" | "apply" | "fire_timer" => Shape::Plain,
            other => {
                return Err(request_error(
                    py,
                    format!(
                        "`op` must be evaluate, configure, transitions, apply or fire_timer, not `{other}`"
                    ),
                ));
            }
        };
        let json = from_python(&self.schema, result, shape)?;
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
        self.request(py, request, Ruleset::apply, Shape::Plain)
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

/// Loads a ruleset from a file: `.ordo` source (compiled) or a compiled artifact.
#[pyfunction]
pub fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyRuleset> {
    let bytes = std::fs::read(&path)?;
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
