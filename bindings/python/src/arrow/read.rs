//! Arrow cells to the engine's JSON input, with no Python object on the way.
//!
//! Each cell becomes the JSON value that the same cell would give through pyarrow's own
//! conversion (`to_pylist`) and [`crate::to_json`]: nulls and NaN are absent, decimals keep
//! their digits and scale, floats are read as `floats=` says, dates are `YYYY-MM-DD`, time
//! stamps with a time zone are RFC 3339 in UTC (without one they are refused), durations are
//! ISO 8601 in whole seconds, lists are arrays and structs are objects. Errors name the cell's
//! path (`ship_to.country`, `extras[1]`) as the per-row conversion does.

use std::str::FromStr;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, DurationMicrosecondType, DurationMillisecondType,
    DurationNanosecondType, DurationSecondType, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrowPrimitiveType, OffsetSizeTrait};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, NaiveDate, Utc};
use ordo_engine::{ErrorKind, EvalError, MAX_INPUT_DEPTH};
use serde_json::{Map, Number, Value as Json};

use crate::to_json::Floats;

/// Whether every cell of a column of type `ty` can be read here (with `floats` as given). The
/// others (binary, dictionaries, unions, `floats="exact"` on a float column...) go through
/// Python values instead.
pub fn supported(ty: &DataType, floats: Floats) -> bool {
    match ty {
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Decimal128(..)
        | DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(..)
        | DataType::Duration(..) => true,
        // `Decimal(x)` of a float's binary value is Python's own arithmetic: left to it.
        DataType::Float32 | DataType::Float64 => floats != Floats::Exact,
        DataType::List(field) | DataType::LargeList(field) => supported(field.data_type(), floats),
        DataType::Struct(fields) => fields.iter().all(|f| supported(f.data_type(), floats)),
        _ => false,
    }
}

/// Reads cells of one column into JSON.
pub struct Reader {
    pub floats: Floats,
}

/// How the value at `path` is named in a message (as in `to_json`).
fn name_of(path: &str) -> String {
    if path.is_empty() {
        "the input".to_string()
    } else {
        format!("`{path}`")
    }
}

fn invalid(path: &str, message: String) -> EvalError {
    EvalError::at_path(ErrorKind::InvalidInput, path, message)
}

impl Reader {
    /// The cell `row` of `array` (null for a null cell or NaN); `path` names it in errors.
    pub fn cell(
        &self,
        array: &dyn Array,
        row: usize,
        path: &mut String,
        depth: usize,
    ) -> Result<Json, EvalError> {
        if array.is_null(row) {
            return Ok(Json::Null);
        }
        if depth > MAX_INPUT_DEPTH {
            return Err(invalid(
                path,
                format!(
                    "{} nests more than {MAX_INPUT_DEPTH} levels deep",
                    name_of(path)
                ),
            ));
        }
        let int = |n: i64| Ok(Json::Number(Number::from(n)));
        match array.data_type() {
            DataType::Null => Ok(Json::Null),
            DataType::Boolean => Ok(Json::Bool(array.as_boolean().value(row))),
            DataType::Int8 => int(primitive::<Int8Type>(array, row).into()),
            DataType::Int16 => int(primitive::<Int16Type>(array, row).into()),
            DataType::Int32 => int(primitive::<Int32Type>(array, row).into()),
            DataType::Int64 => int(primitive::<Int64Type>(array, row)),
            DataType::UInt8 => int(primitive::<UInt8Type>(array, row).into()),
            DataType::UInt16 => int(primitive::<UInt16Type>(array, row).into()),
            DataType::UInt32 => int(primitive::<UInt32Type>(array, row).into()),
            DataType::UInt64 => Ok(Json::Number(Number::from(primitive::<UInt64Type>(
                array, row,
            )))),
            // A 32-bit float reaches Python as the 64-bit float of the same value.
            DataType::Float32 => self.float(f64::from(primitive::<Float32Type>(array, row)), path),
            DataType::Float64 => self.float(primitive::<Float64Type>(array, row), path),
            DataType::Utf8 => Ok(Json::String(array.as_string::<i32>().value(row).into())),
            DataType::LargeUtf8 => Ok(Json::String(array.as_string::<i64>().value(row).into())),
            DataType::Utf8View => Ok(Json::String(array.as_string_view().value(row).into())),
            DataType::Decimal128(_, scale) => {
                let text = decimal_text(primitive::<Decimal128Type>(array, row), *scale);
                Number::from_str(&text)
                    .map(Json::Number)
                    .map_err(|e| invalid(path, format!("{}: {e}", name_of(path))))
            }
            DataType::Date32 => {
                date_text(i64::from(primitive::<Date32Type>(array, row)), path).map(Json::String)
            }
            DataType::Date64 => {
                let days = primitive::<Date64Type>(array, row).div_euclid(86_400_000);
                date_text(days, path).map(Json::String)
            }
            DataType::Timestamp(unit, zone) => {
                if zone.is_none() {
                    return Err(invalid(
                        path,
                        format!(
                            "{}: a datetime without a time zone has no definite instant; attach one (e.g. datetime.timezone.utc)",
                            name_of(path)
                        ),
                    ));
                }
                let micros = timestamp_micros(array, row, *unit);
                DateTime::<Utc>::from_timestamp_micros(micros)
                    .map(|t| Json::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)))
                    .ok_or_else(|| {
                        invalid(path, format!("{}: the date is out of range", name_of(path)))
                    })
            }
            DataType::Duration(unit) => {
                let micros = duration_micros(array, row, *unit);
                if micros.rem_euclid(1_000_000) != 0 {
                    return Err(invalid(
                        path,
                        format!(
                            "{}: a duration must be a whole number of seconds",
                            name_of(path)
                        ),
                    ));
                }
                Ok(Json::String(ordo_engine::text::duration_text(
                    micros.div_euclid(1_000_000),
                )))
            }
            DataType::List(_) => self.list(array.as_list::<i32>(), row, path, depth),
            DataType::LargeList(_) => self.list(array.as_list::<i64>(), row, path, depth),
            DataType::Struct(fields) => {
                let record = array.as_struct();
                let mut object = Map::with_capacity(fields.len());
                for (field, column) in fields.iter().zip(record.columns()) {
                    let len = push_field(path, field.name());
                    let value = self.cell(column.as_ref(), row, path, depth + 1);
                    path.truncate(len);
                    object.insert(field.name().clone(), value?);
                }
                Ok(Json::Object(object))
            }
            other => Err(invalid(
                path,
                format!(
                    "{} is an Arrow `{other}`, which has no JSON form",
                    name_of(path)
                ),
            )),
        }
    }

    fn list<O: OffsetSizeTrait>(
        &self,
        list: &arrow_array::GenericListArray<O>,
        row: usize,
        path: &mut String,
        depth: usize,
    ) -> Result<Json, EvalError> {
        let items = list.value(row);
        let mut out = Vec::with_capacity(items.len());
        for index in 0..items.len() {
            let len = path.len();
            path.push_str(&format!("[{index}]"));
            let value = self.cell(items.as_ref(), index, path, depth + 1);
            path.truncate(len);
            out.push(value?);
        }
        Ok(Json::Array(out))
    }

    /// A binary float as `floats=` says; NaN is absent, infinity refused.
    fn float(&self, x: f64, path: &str) -> Result<Json, EvalError> {
        if x.is_nan() {
            return Ok(Json::Null);
        }
        let refuse = |why: &str, instead: &str| {
            invalid(path, format!("{} is the float {x:?}, {why}", name_of(path))).with_hint(instead)
        };
        if x.is_infinite() {
            return Err(refuse(
                "which is not a number",
                "pass None for a missing value",
            ));
        }
        match self.floats {
            Floats::Reject | Floats::Exact => Err(refuse(
                "and floats are refused (floats=\"reject\")",
                &format!("pass a decimal.Decimal or a string such as \"{x:?}\""),
            )),
            // Rust's `{:?}` is the shortest text that reads back as the same float, as
            // Python's `repr`; written out without an exponent, as `Decimal` formats it.
            Floats::Shortest => Number::from_str(&plain_digits(&format!("{x:?}")))
                .map(Json::Number)
                .map_err(|_| refuse("which is not a JSON number", "pass a decimal.Decimal")),
        }
    }
}

/// `path` extended by a field name (`customer.country`); returns the length to truncate to.
fn push_field(path: &mut String, name: &str) -> usize {
    let len = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(name);
    len
}

fn primitive<T: ArrowPrimitiveType>(array: &dyn Array, row: usize) -> T::Native {
    array.as_primitive::<T>().value(row)
}

/// A decimal's digits with its scale and no exponent (`1250` at scale 2 → `12.50`; a negative
/// scale appends zeros).
pub fn decimal_text(value: i128, scale: i8) -> String {
    let digits = value.unsigned_abs().to_string();
    let sign = if value < 0 { "-" } else { "" };
    let scale = i64::from(scale);
    if scale <= 0 {
        let zeros = if value == 0 { 0 } else { scale.unsigned_abs() };
        return format!("{sign}{digits}{}", "0".repeat(zeros as usize));
    }
    let scale = scale.unsigned_abs() as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    format!("{sign}{whole}.{fraction}")
}

/// A number's text with any exponent written out (`1e-7` → `0.0000001`, `1.5e16` →
/// `15000000000000000`), as Python's `format(Decimal(text), "f")`.
pub fn plain_digits(text: &str) -> String {
    let Some((mantissa, exponent)) = text.split_once(['e', 'E']) else {
        return text.to_string();
    };
    let Ok(exponent) = exponent.parse::<i64>() else {
        return text.to_string();
    };
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let point = whole.len() as i64 + exponent;
    let count = digits.len() as i64;
    if point <= 0 {
        format!(
            "{sign}0.{}{digits}",
            "0".repeat(point.unsigned_abs() as usize)
        )
    } else if point >= count {
        format!("{sign}{digits}{}", "0".repeat((point - count) as usize))
    } else {
        let (left, right) = digits.split_at(point as usize);
        format!("{sign}{left}.{right}")
    }
}

/// `YYYY-MM-DD` of a day counted from 1970-01-01.
pub(super) fn date_text(days: i64, path: &str) -> Result<String, EvalError> {
    i32::try_from(days + 719_163)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(|| invalid(path, format!("{}: the date is out of range", name_of(path))))
}

/// A time stamp in microseconds since the epoch (nanoseconds dropped, as Python's
/// `datetime` holds none).
pub(super) fn timestamp_micros(array: &dyn Array, row: usize, unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => primitive::<TimestampSecondType>(array, row).saturating_mul(1_000_000),
        TimeUnit::Millisecond => {
            primitive::<TimestampMillisecondType>(array, row).saturating_mul(1_000)
        }
        TimeUnit::Microsecond => primitive::<TimestampMicrosecondType>(array, row),
        TimeUnit::Nanosecond => primitive::<TimestampNanosecondType>(array, row).div_euclid(1_000),
    }
}

/// A duration in microseconds (nanoseconds dropped, as Python's `timedelta` holds none).
pub(super) fn duration_micros(array: &dyn Array, row: usize, unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => primitive::<DurationSecondType>(array, row).saturating_mul(1_000_000),
        TimeUnit::Millisecond => {
            primitive::<DurationMillisecondType>(array, row).saturating_mul(1_000)
        }
        TimeUnit::Microsecond => primitive::<DurationMicrosecondType>(array, row),
        TimeUnit::Nanosecond => primitive::<DurationNanosecondType>(array, row).div_euclid(1_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_their_scale() {
        assert_eq!(decimal_text(1250, 2), "12.50");
        assert_eq!(decimal_text(5, 2), "0.05");
        assert_eq!(decimal_text(-5, 3), "-0.005");
        assert_eq!(decimal_text(12, -2), "1200");
        assert_eq!(decimal_text(0, -2), "0");
        assert_eq!(decimal_text(7, 0), "7");
    }

    #[test]
    fn exponents_are_written_out() {
        assert_eq!(plain_digits("0.1"), "0.1");
        assert_eq!(plain_digits("1e-7"), "0.0000001");
        assert_eq!(plain_digits("-1.5e-5"), "-0.000015");
        assert_eq!(plain_digits("1e16"), "10000000000000000");
        assert_eq!(plain_digits("1.25e17"), "125000000000000000");
        assert_eq!(plain_digits("1.2345e2"), "123.45");
    }
}
