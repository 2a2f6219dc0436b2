//! Python values to the engine's JSON input, exactly.
//!
//! | Python | JSON |
//! | --- | --- |
//! | `None`, `bool`, `str` | null, true/false, string |
//! | `int` | number (any size; the engine refuses what does not fit its decimals) |
//! | `decimal.Decimal` | number with the same digits and scale (`Decimal('12.50')` → `12.50`) |
//! | `float` | number, only when the float is exactly the decimal it prints as (`0.5`, `2.0`); `0.1` is refused: binary floats cannot hold it |
//! | `datetime.date` | `"YYYY-MM-DD"` |
//! | `datetime.datetime` | RFC 3339 in UTC (`"2026-03-01T09:00:00Z"`); it must carry a time zone |
//! | `datetime.timedelta` | ISO 8601 duration (`"P2DT3H"`), whole seconds only |
//! | `dict` (text keys), `list`, `tuple` | object, array |
//! | `set`, `frozenset` | array (texts sorted, so equal sets give equal JSON) |
//!
//! Anything else raises `ordo.InputError` (kind `invalid_input`) naming the path of the value.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTuple};
use serde_json::{Map, Number, Value as Json};

use ordo_engine::MAX_INPUT_DEPTH;

use crate::errors::input_error;
use crate::py_types::{PyTypes, types};

/// Converts a Python value; `path` names it in errors (`""` for the input itself).
pub fn to_json(value: &Bound<'_, PyAny>, path: &str) -> PyResult<Json> {
    let types = types(value.py())?;
    let mut path = path.to_string();
    Converter { types }.value(value, &mut path, 0)
}

struct Converter {
    types: &'static PyTypes,
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
        let refuse = |why: &str| {
            input_error(
                py,
                path,
                format!(
                    "{} is the float {x:?}, {why}; pass a decimal.Decimal or a string such as \"{x}\"",
                    name_of(path)
                ),
            )
        };
        if !x.is_finite() {
            return Err(refuse("which is not a number"));
        }
        // Rust prints the shortest text that reads back as the same float; the float is exact
        // when its binary value is that decimal (0.5, 2.0), and not when it only rounds to it (0.1).
        let text = format!("{x}");
        let decimal = self.types.decimal.bind(py);
        let exact = decimal.call1((float,))?;
        if !exact.eq(decimal.call1((text.as_str(),))?)? {
            return Err(refuse("which binary floating point cannot hold exactly"));
        }
        Number::from_str(&text)
            .map(Json::Number)
            .map_err(|_| refuse("which is not a JSON number"))
    }

    fn dict(&self, dict: &Bound<'_, PyDict>, path: &mut String, depth: usize) -> PyResult<Json> {
        let mut map = Map::with_capacity(dict.len());
        for (key, item) in dict.iter() {
            let Ok(key) = key.cast::<PyString>() else {
                return Err(input_error(
                    dict.py(),
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
