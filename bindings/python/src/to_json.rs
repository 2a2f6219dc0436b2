//! Python values to the engine's JSON input, exactly.
//!
//! | Python | JSON |
//! | --- | --- |
//! | `None`, `bool`, `str` | null, true/false, string |
//! | `int` | number (any size; the engine refuses what does not fit its decimals) |
//! | `decimal.Decimal` | number with the same digits and scale (`Decimal('12.50')` → `12.50`) |
//! | `float`, numpy floats | by [`Floats`]: by default the decimal its `repr` shows (`0.1` → `0.1`), as JSON text reads it; NaN is null (absent) |
//! | numpy integers and bools, `pandas.NA`, `pandas.NaT` | number, true/false, null |
//! | `datetime.date` | `"YYYY-MM-DD"` |
//! | `datetime.datetime` | RFC 3339 in UTC (`"2026-03-01T09:00:00Z"`); it must carry a time zone |
//! | `datetime.timedelta` | ISO 8601 duration (`"P2DT3H"`), whole seconds only |
//! | `dict` or any `Mapping` (text keys), `list`, `tuple` | object, array |
//! | `set`, `frozenset` | array (texts sorted, so equal sets give equal JSON) |
//!
//! Anything else raises `ordo.InputError` (kind `invalid_input`) naming the path of the value.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTuple};
use serde_json::{Map, Number, Value as Json};

use ordo_engine::{ErrorKind, EvalError, MAX_INPUT_DEPTH};

use crate::errors::input_error;
use crate::py_types::{PyTypes, types};

/// How binary floats (Python `float`, numpy floats) become decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Floats {
    /// The shortest decimal that reads back as the same float, `Decimal(repr(x))`: `0.1` is
    /// `0.1`, as JSON text of the same value would be read.
    #[default]
    Shortest,
    /// The float's exact binary value, `Decimal(x)`: `0.1` is
    /// `0.1000000000000000055511151231257827021181583404541015625`.
    Exact,
    /// Every float is refused (NaN still reads as absent).
    Reject,
}

impl Floats {
    /// The `floats=` argument.
    pub fn parse(py: Python<'_>, text: &str) -> PyResult<Floats> {
        match text {
            "shortest" => Ok(Floats::Shortest),
            "exact" => Ok(Floats::Exact),
            "reject" => Ok(Floats::Reject),
            other => Err(crate::errors::request_error(
                py,
                format!("`floats` must be \"shortest\", \"exact\" or \"reject\", not {other:?}"),
            )),
        }
    }
}

/// Converts a Python value with the default float reading; `path` names it in errors (`""`
/// for the input itself).
pub fn to_json(value: &Bound<'_, PyAny>, path: &str) -> PyResult<Json> {
    to_json_with(value, path, Floats::default())
}

/// Converts a Python value, reading floats as `floats` says.
pub fn to_json_with(value: &Bound<'_, PyAny>, path: &str, floats: Floats) -> PyResult<Json> {
    let types = types(value.py())?;
    let mut path = path.to_string();
    Converter { types, floats }.value(value, &mut path, 0)
}

struct Converter {
    types: &'static PyTypes,
    floats: Floats,
}

/// What a value that is none of the built-in kinds turns out to be.
enum Foreign<'py> {
    /// A missing value (`pandas.NA`, `pandas.NaT`): null.
    Missing,
    /// A numpy scalar or other stand-in, as the Python value it stands for.
    Native(Bound<'py, PyAny>),
    /// Another mapping type, as its items.
    Mapping(Bound<'py, PyAny>),
    Unknown,
}

/// `path` extended by a field name (`customer.country`).
fn push_field(path: &mut String, name: &str) -> usize {
    let len = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(name);
    len
}

/// `path` extended by an index (`extras[1]`).
fn push_index(path: &mut String, index: usize) -> usize {
    let len = path.len();
    path.push_str(&format!("[{index}]"));
    len
}

/// How the value at `path` is named in a message.
fn name_of(path: &str) -> String {
    if path.is_empty() {
        "the input".to_string()
    } else {
        format!("`{path}`")
    }
}

impl Converter {
    fn value(&self, value: &Bound<'_, PyAny>, path: &mut String, depth: usize) -> PyResult<Json> {
        let py = value.py();
        if depth > MAX_INPUT_DEPTH {
            return Err(input_error(
                py,
                path,
                format!(
                    "{} nests more than {MAX_INPUT_DEPTH} levels deep: is it a circular structure?",
                    name_of(path)
                ),
            ));
        }
        if let Ok(text) = value.cast::<PyString>() {
            return Ok(Json::String(text.to_cow()?.into_owned()));
        }
        if let Ok(flag) = value.cast::<PyBool>() {
            return Ok(Json::Bool(flag.is_true()));
        }
        if value.is_none() {
            return Ok(Json::Null);
        }
        if let Ok(int) = value.cast::<PyInt>() {
            return self.int(int, path);
        }
        if let Ok(dict) = value.cast::<PyDict>() {
            return self.dict(dict, path, depth + 1);
        }
        if let Ok(list) = value.cast::<PyList>() {
            return self.items(list.iter(), path, depth + 1);
        }
        if let Ok(tuple) = value.cast::<PyTuple>() {
            return self.items(tuple.iter(), path, depth + 1);
        }
        if value.is_instance(self.types.decimal.bind(py))? {
            return self.decimal(value, path);
        }
        if let Ok(float) = value.cast::<PyFloat>() {
            return self.float(float, path);
        }
        // `datetime` is a subclass of `date`: test it first.
        if value.is_instance(self.types.datetime.bind(py))? {
            return datetime_text(value, self.types)
                .map(Json::String)
                .map_err(|why| input_error(py, path, format!("{}: {why}", name_of(path))));
        }
        if value.is_instance(self.types.date.bind(py))? {
            return date_text(value).map(Json::String);
        }
        if value.is_instance(self.types.timedelta.bind(py))? {
            return duration_text(value)
                .map(Json::String)
                .map_err(|why| input_error(py, path, format!("{}: {why}", name_of(path))));
        }
        if let Ok(set) = value.cast::<PySet>() {
            return self.set(set.iter(), path, depth + 1);
        }
        if let Ok(set) = value.cast::<PyFrozenSet>() {
            return self.set(set.iter(), path, depth + 1);
        }
        match self.foreign(value)? {
            Foreign::Missing => return Ok(Json::Null),
            Foreign::Native(native) => return self.value(&native, path, depth),
            Foreign::Mapping(items) => return self.mapping(&items, path, depth + 1),
            Foreign::Unknown => {}
        }
        let type_name = value
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
        Err(input_error(
            py,
            path,
            format!(
                "{} is a Python `{type_name}`, which has no JSON form (use str, int, Decimal, bool, None, date, datetime, dict, list or set)",
                name_of(path)
            ),
        ))
    }

    /// Recognises numpy scalars, pandas' missing values and mappings other than `dict`.
    fn foreign<'py>(&self, value: &Bound<'py, PyAny>) -> PyResult<Foreign<'py>> {
        let py = value.py();
        let class = value.get_type();
        let module = class.module()?;
        let module = module.to_cow()?;
        if module == "numpy" {
            let native = value.call_method0("item")?;
            // `item()` of a datetime64 or an object scalar gives back what it holds; anything
            // still a numpy value has no JSON form.
            if native.get_type().module()?.to_cow()? != "numpy" {
                return Ok(Foreign::Native(native));
            }
        } else if module.starts_with("pandas.") {
            let name = class.name()?;
            if matches!(&*name.to_cow()?, "NAType" | "NaTType") {
                return Ok(Foreign::Missing);
            }
        }
        if value.is_instance(self.types.mapping.bind(py))? {
            return Ok(Foreign::Mapping(value.call_method0("items")?));
        }
        Ok(Foreign::Unknown)
    }

    fn int(&self, int: &Bound<'_, PyInt>, path: &str) -> PyResult<Json> {
        if let Ok(small) = int.extract::<i64>() {
            return Ok(Json::Number(Number::from(small)));
        }
        let text = int.str()?.to_cow()?.into_owned();
        Number::from_str(&text)
            .map(Json::Number)
            .map_err(|e| input_error(int.py(), path, format!("{}: {e}", name_of(path))))
    }

    fn decimal(&self, value: &Bound<'_, PyAny>, path: &str) -> PyResult<Json> {
        let py = value.py();
        if !value.call_method0("is_finite")?.is_truthy()? {
            return Err(input_error(
                py,
                path,
                format!(
                    "{} is {}, which is not a number",
                    name_of(path),
                    value.str()?.to_cow()?
                ),
            ));
        }
        let text = decimal_text(value)?;
        Number::from_str(&text)
            .map(Json::Number)
            .map_err(|e| input_error(py, path, format!("{}: {e}", name_of(path))))
    }

    fn float(&self, float: &Bound<'_, PyFloat>, path: &str) -> PyResult<Json> {
        let py = float.py();
        let x = float.value();
        if x.is_nan() {
            // NaN is how pandas and numpy write a missing number: the value is absent.
            return Ok(Json::Null);
        }
        let refuse = |why: &str, instead: &str| {
            let error = EvalError::at_path(
                ErrorKind::InvalidInput,
                path,
                format!("{} is the float {x:?}, {why}", name_of(path)),
            )
            .with_hint(instead);
            crate::errors::eval_error(py, &error)
        };
        if x.is_infinite() {
            return Err(refuse(
                "which is not a number",
                "pass None for a missing value",
            ));
        }
        let decimal = self.types.decimal.bind(py);
        let exact = match self.floats {
            Floats::Reject => {
                return Err(refuse(
                    "and floats are refused (floats=\"reject\")",
                    &format!("pass a decimal.Decimal or a string such as \"{x:?}\""),
                ));
            }
            // Rust's `{:?}` is the shortest text that reads back as the same float, as
            // Python's `repr`.
            Floats::Shortest => decimal.call1((format!("{x:?}"),))?,
            Floats::Exact => decimal.call1((float,))?,
        };
        Number::from_str(&decimal_text(&exact)?)
            .map(Json::Number)
            .map_err(|_| refuse("which is not a JSON number", "pass a decimal.Decimal"))
    }

    fn dict(&self, dict: &Bound<'_, PyDict>, path: &mut String, depth: usize) -> PyResult<Json> {
        self.object(dict.iter().map(Ok), dict.len(), path, depth)
    }

    /// Any `Mapping` other than `dict`, from its `items()`.
    fn mapping(&self, items: &Bound<'_, PyAny>, path: &mut String, depth: usize) -> PyResult<Json> {
        let pairs = items.try_iter()?.map(|pair| pair?.extract());
        self.object(pairs, 0, path, depth)
    }

    /// An object from `(key, value)` pairs; keys must be strings.
    fn object<'py>(
        &self,
        pairs: impl Iterator<Item = PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)>>,
        capacity: usize,
        path: &mut String,
        depth: usize,
    ) -> PyResult<Json> {
        let mut map = Map::with_capacity(capacity);
        for pair in pairs {
            let (key, item) = pair?;
            let Ok(key) = key.cast::<PyString>() else {
                return Err(input_error(
                    key.py(),
                    path,
                    format!(
                        "{} has the key {}: the keys of an object must be strings",
                        name_of(path),
                        key.repr()?.to_cow()?
                    ),
                ));
            };
            let key = key.to_cow()?.into_owned();
            let len = push_field(path, &key);
            let converted = self.value(&item, path, depth);
            path.truncate(len);
            map.insert(key, converted?);
        }
        Ok(Json::Object(map))
    }

    fn items<'py>(
        &self,
        items: impl Iterator<Item = Bound<'py, PyAny>>,
        path: &mut String,
        depth: usize,
    ) -> PyResult<Json> {
        let mut out = Vec::new();
        for (i, item) in items.enumerate() {
            let len = push_index(path, i);
            let converted = self.value(&item, path, depth);
            path.truncate(len);
            out.push(converted?);
        }
        Ok(Json::Array(out))
    }

    fn set<'py>(
        &self,
        items: impl Iterator<Item = Bound<'py, PyAny>>,
        path: &mut String,
        depth: usize,
    ) -> PyResult<Json> {
        let Json::Array(mut members) = self.items(items, path, depth)? else {
            return Ok(Json::Array(Vec::new()));
        };
        // A set has no order; sorting its texts makes equal sets give equal JSON.
        members.sort_by(|a, b| match (a, b) {
            (Json::String(a), Json::String(b)) => a.cmp(b),
            _ => std::cmp::Ordering::Equal,
        });
        Ok(Json::Array(members))
    }
}

/// A decimal's digits without an exponent, keeping its scale (`Decimal('1E-7')` → `0.0000001`).
pub fn decimal_text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    let text = value.str()?.to_cow()?.into_owned();
    if text.contains(['E', 'e']) {
        Ok(value
            .call_method1("__format__", ("f",))?
            .str()?
            .to_cow()?
            .into_owned())
    } else {
        Ok(text)
    }
}

/// `"YYYY-MM-DD"` of a `datetime.date`.
pub fn date_text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    let year: i32 = value.getattr("year")?.extract()?;
    let month: u32 = value.getattr("month")?.extract()?;
    let day: u32 = value.getattr("day")?.extract()?;
    Ok(NaiveDate::from_ymd_opt(year, month, day)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| format!("{year:04}-{month:02}-{day:02}")))
}

/// RFC 3339 in UTC, as the engine writes date-times (`2026-03-01T09:00:00Z`,
/// `2026-03-01T09:00:00.250Z`). A naive datetime is refused: its instant is unknown.
pub fn datetime_text(value: &Bound<'_, PyAny>, types: &PyTypes) -> Result<String, String> {
    let failed = |e: PyErr| e.to_string();
    if value
        .getattr("utcoffset")
        .and_then(|f| f.call0())
        .map_err(failed)?
        .is_none()
    {
        return Err(
            "a datetime without a time zone has no definite instant; attach one (e.g. datetime.timezone.utc)"
                .into(),
        );
    }
    let utc = value
        .call_method1("astimezone", (types.utc.bind(value.py()),))
        .map_err(failed)?;
    let part = |name: &str| -> Result<u32, String> {
        utc.getattr(name)
            .and_then(|v| v.extract::<u32>())
            .map_err(failed)
    };
    let year = i32::try_from(part("year")?).map_err(|e| e.to_string())?;
    let date = NaiveDate::from_ymd_opt(year, part("month")?, part("day")?)
        .ok_or("the date is out of range")?;
    let time = date
        .and_hms_micro_opt(
            part("hour")?,
            part("minute")?,
            part("second")?,
            part("microsecond")?,
        )
        .ok_or("the time is out of range")?;
    let instant: DateTime<Utc> = DateTime::from_naive_utc_and_offset(time, Utc);
    Ok(instant.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// ISO 8601 as the engine writes durations (`P2D`, `PT12H`); whole seconds only.
pub fn duration_text(value: &Bound<'_, PyAny>) -> Result<String, String> {
    let failed = |e: PyErr| e.to_string();
    let part = |name: &str| -> Result<i64, String> {
        value
            .getattr(name)
            .and_then(|v| v.extract::<i64>())
            .map_err(failed)
    };
    if part("microseconds")? != 0 {
        return Err("a duration must be a whole number of seconds".into());
    }
    let seconds = part("days")?
        .checked_mul(86_400)
        .and_then(|d| d.checked_add(part("seconds").ok()?))
        .ok_or("the duration is too long")?;
    Ok(ordo_engine::text::duration_text(seconds))
}
