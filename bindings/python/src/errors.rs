//! Engine errors as Python exceptions. The classes are defined in Python (`ordo/_errors.py`) so
//! that they carry typed attributes, docstrings and pickle like any exception; this module builds
//! their instances from the engine's errors.

use ordo_engine::{Diagnostics, ErrorKind, EvalError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

static INPUT_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static EVALUATION_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static COMPILE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ORDO_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static VERSION_NOT_FOUND: PyOnceLock<Py<PyType>> = PyOnceLock::new();

const ERRORS_MODULE: &str = "ordo._errors";

/// Whether an error kind is about what the caller passed (→ `InputError`) rather than about
/// evaluating the rules (→ `EvaluationError`).
pub fn is_input_kind(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::MissingInput
            | ErrorKind::InvalidInput
            | ErrorKind::UnknownField
            | ErrorKind::InvalidRequest
    )
}

/// The exception instance (not raised) for an engine error: `InputError`, `EvaluationError`,
/// or for an `internal` failure (neither the input's nor the rules') the base `OrdoError`.
pub fn eval_error_value<'py>(py: Python<'py>, error: &EvalError) -> PyResult<Bound<'py, PyAny>> {
    let class = if error.kind == ErrorKind::Internal {
        ORDO_ERROR.import(py, ERRORS_MODULE, "OrdoError")?
    } else if is_input_kind(error.kind) {
        INPUT_ERROR.import(py, ERRORS_MODULE, "InputError")?
    } else {
        EVALUATION_ERROR.import(py, ERRORS_MODULE, "EvaluationError")?
    };
    error_of_class(py, class, error)
}

/// A `Registry` found no such ruleset or version: `VersionNotFound`, an `InputError` and a
/// `LookupError`.
pub fn version_not_found(py: Python<'_>, error: &EvalError) -> PyErr {
    let value = VERSION_NOT_FOUND
        .import(py, ERRORS_MODULE, "VersionNotFound")
        .and_then(|class| error_of_class(py, class, error));
    match value {
        Ok(value) => PyErr::from_value(value),
        Err(failed) => failed,
    }
}

fn error_of_class<'py>(
    py: Python<'py>,
    class: &Bound<'py, PyType>,
    error: &EvalError,
) -> PyResult<Bound<'py, PyAny>> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("kind", error.kind.as_str())?;
    kwargs.set_item("message", &error.message)?;
    kwargs.set_item("path", error.path.as_deref())?;
    kwargs.set_item("rule", error.rule.as_deref())?;
    kwargs.set_item("hint", hint_of(error))?;
    let more = error
        .more
        .iter()
        .map(|m| crate::result::plain(py, &m.to_json()))
        .collect::<PyResult<Vec<_>>>()?;
    kwargs.set_item("more", more)?;
    class.call((text_of(error),), Some(&kwargs))
}

/// The exception to raise for an engine error.
pub fn eval_error(py: Python<'_>, error: &EvalError) -> PyErr {
    match eval_error_value(py, error) {
        Ok(value) => PyErr::from_value(value),
        Err(failed) => failed,
    }
}

/// An `InputError` about a Python value that has no JSON form, at `path`.
pub fn input_error(py: Python<'_>, path: &str, message: String) -> PyErr {
    let error = EvalError::at_path(ErrorKind::InvalidInput, path, message);
    eval_error(py, &error)
}

/// An `InputError` of kind `invalid_request` (a malformed argument such as a bad `as_of`).
pub fn request_error(py: Python<'_>, message: String) -> PyErr {
    eval_error(py, &EvalError::new(ErrorKind::InvalidRequest, message))
}

/// A `CompileError` with the rendered diagnostics as its text and one dict per diagnostic.
pub fn compile_error(py: Python<'_>, diagnostics: &Diagnostics, file: &str, source: &str) -> PyErr {
    let build = || -> PyResult<Bound<'_, PyAny>> {
        let class = COMPILE_ERROR.import(py, ERRORS_MODULE, "CompileError")?;
        let list = crate::result::plain(py, &diagnostics.to_json(file, source))?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("diagnostics", list)?;
        let first = diagnostics.iter().next();
        kwargs.set_item("message", first.map(|d| d.message.as_str()))?;
        kwargs.set_item("hint", first.and_then(|d| d.hint.as_deref()))?;
        class.call((diagnostics.render(file, source),), Some(&kwargs))
    };
    match build() {
        Ok(value) => PyErr::from_value(value),
        Err(failed) => failed,
    }
}

/// The hint, in Python's words where the engine's names a CLI flag.
fn hint_of(error: &EvalError) -> Option<&str> {
    match error.kind {
        ErrorKind::MissingAsOf => Some(MISSING_AS_OF_HINT),
        _ => error.hint.as_deref(),
    }
}

const MISSING_AS_OF_HINT: &str = "pass as_of=datetime.date(YYYY, M, D) (or \"YYYY-MM-DD\"), or give the ruleset an `effective` date";

/// The text of the exception: the engine's rendering (`kind: message`, then where and the hint).
fn text_of(error: &EvalError) -> String {
    let rendered = if error.kind == ErrorKind::MissingAsOf {
        let mut error = error.clone();
        error.hint = Some(MISSING_AS_OF_HINT.to_string());
        error.render()
    } else {
        error.render()
    };
    let prefix = format!("error[{}]: ", error.kind);
    match rendered.strip_prefix(&prefix) {
        Some(rest) => format!("{}: {rest}", error.kind),
        None => rendered,
    }
}
