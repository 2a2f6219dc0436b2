//! The Python classes the conversions create or recognise (`decimal.Decimal`, `datetime.date`,
//! ...), imported once per interpreter.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

/// Python classes and constants used on every conversion.
pub struct PyTypes {
    pub decimal: Py<PyType>,
    pub date: Py<PyType>,
    pub datetime: Py<PyType>,
    pub timedelta: Py<PyType>,
    /// `collections.abc.Mapping`.
    pub mapping: Py<PyType>,
    /// `datetime.timezone.utc`.
    pub utc: Py<PyAny>,
}

static TYPES: PyOnceLock<PyTypes> = PyOnceLock::new();

/// The classes, imported on first use.
pub fn types(py: Python<'_>) -> PyResult<&'static PyTypes> {
    TYPES.get_or_try_init(py, || {
        let decimal = py.import("decimal")?;
        let datetime = py.import("datetime")?;
        Ok(PyTypes {
            decimal: decimal.getattr("Decimal")?.cast_into::<PyType>()?.unbind(),
            date: datetime.getattr("date")?.cast_into::<PyType>()?.unbind(),
            datetime: datetime
                .getattr("datetime")?
                .cast_into::<PyType>()?
                .unbind(),
            timedelta: datetime
                .getattr("timedelta")?
                .cast_into::<PyType>()?
                .unbind(),
            mapping: py
                .import("collections.abc")?
                .getattr("Mapping")?
                .cast_into::<PyType>()?
                .unbind(),
            utc: datetime.getattr("timezone")?.getattr("utc")?.unbind(),
        })
    })
}
