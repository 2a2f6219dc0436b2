//! Each row's input written as JSON text straight from the Arrow buffers, for the engine's text
//! reader (`Ruleset::read_input_str`), which reads a valid input without building a JSON tree.
//!
//! The text is the one [`super::read::Reader`] would build as a tree, cell for cell: dotted
//! column names nest, null cells (and NaN) at the top are absent, inside structs and lists
//! they are `null`. Whatever that reader refuses (infinite floats, `floats="reject"`, a
//! time stamp without a zone, a fraction of a second in a duration, too deep a nesting...)
//! this writer declines, and the row is read through the tree instead, whose error names the
//! problem: the text path is only ever a faster way to the same input.

use std::io::Write as _;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrowPrimitiveType, OffsetSizeTrait, RecordBatch};
use arrow_schema::{DataType, Field};
use chrono::{DateTime, Utc};
use ordo_engine::MAX_INPUT_DEPTH;

use super::read::{date_text, decimal_text, duration_micros, plain_digits, timestamp_micros};
use crate::to_json::Floats;

/// The row cannot be written as text here: read it through the tree, which gives its error.
#[derive(Debug, PartialEq, Eq)]
pub struct Decline;

/// How the input columns nest into the input object, built once per table.
#[derive(Debug)]
enum Node {
    /// An input column, by position, and the separator that splits its texts into a list.
    Column(usize, Option<String>),
    /// An object: its keys (written as JSON, with the colon) and what each holds.
    Object(Vec<(Vec<u8>, Node)>),
}

/// Writes rows of a table as the engine's JSON input text.
#[derive(Debug)]
pub struct Writer {
    root: Vec<(Vec<u8>, Node)>,
    floats: Floats,
}

impl Writer {
    /// The writer for columns named by `paths` (each with its separator), or `None` when
    /// the text would not be the tree's: two columns at one path, a column and a column
    /// inside it (`a` and `a.b`, which the tree resolves row by row), or a struct with two
    /// fields of one name.
    pub fn new(
        columns: &[(Vec<String>, Option<String>, &DataType)],
        floats: Floats,
    ) -> Option<Writer> {
        let mut root: Vec<(Vec<u8>, Node)> = Vec::new();
        for (index, (path, separator, ty)) in columns.iter().enumerate() {
            if !distinct_fields(ty) {
                return None;
            }
            let (last, parents) = path.split_last()?;
            let mut level = &mut root;
            for parent in parents {
                let key = key_text(parent);
                let position = match level.iter().position(|(k, _)| *k == key) {
                    Some(position) => position,
                    None => {
                        level.push((key, Node::Object(Vec::new())));
                        level.len() - 1
                    }
                };
                match level.get_mut(position) {
                    Some((_, Node::Object(children))) => level = children,
                    _ => return None,
                }
            }
            let key = key_text(last);
            if level.iter().any(|(k, _)| *k == key) {
                return None;
            }
            level.push((key, Node::Column(index, separator.clone())));
        }
        Some(Writer { root, floats })
    }

    /// Row `row` of `batch` (whose columns are in the order given to [`Self::new`]) as JSON
    /// text in `out` (cleared first).
    pub fn row(&self, batch: &RecordBatch, row: usize, out: &mut Vec<u8>) -> Result<(), Decline> {
        out.clear();
        if !self.object(&self.root, batch, row, out)? {
            out.extend_from_slice(b"{}");
        }
        Ok(())
    }

    /// Writes an object of the top level; `false` (and nothing written) when none of its
    /// fields has a value, as the tree adds an object only for a value inside it.
    fn object(
        &self,
        nodes: &[(Vec<u8>, Node)],
        batch: &RecordBatch,
        row: usize,
        out: &mut Vec<u8>,
    ) -> Result<bool, Decline> {
        let start = out.len();
        out.push(b'{');
        let mut any = false;
        for (key, node) in nodes {
            let mark = out.len();
            if any {
                out.push(b',');
            }
            out.extend_from_slice(key);
            let written = match node {
                Node::Column(index, separator) => {
                    let array = batch.columns().get(*index).ok_or(Decline)?;
                    self.top_cell(array.as_ref(), row, separator.as_deref(), out)?
                }
                Node::Object(children) => self.object(children, batch, row, out)?,
            };
            if written {
                any = true;
            } else {
                out.truncate(mark);
            }
        }
        if !any {
            out.truncate(start);
            return Ok(false);
        }
        out.push(b'}');
        Ok(true)
    }

    /// A column's cell at the top level: `false` (to be left out) when it is null or NaN.
    fn top_cell(
        &self,
        array: &dyn Array,
        row: usize,
        separator: Option<&str>,
        out: &mut Vec<u8>,
    ) -> Result<bool, Decline> {
        if array.is_null(row) {
            return Ok(false);
        }
        if let Some(separator) = separator {
            let text = match array.data_type() {
                DataType::Utf8 => Some(array.as_string::<i32>().value(row)),
                DataType::LargeUtf8 => Some(array.as_string::<i64>().value(row)),
                DataType::Utf8View => Some(array.as_string_view().value(row)),
                _ => None,
            };
            if let Some(text) = text {
                split(text, separator, out)?;
                return Ok(true);
            }
        }
        let start = out.len();
        self.cell(array, row, out, 0)?;
        Ok(out.get(start..) != Some(b"null".as_slice()))
    }

    /// Writes cell `row` of `array` (`null` for a null cell or NaN).
    fn cell(
        &self,
        array: &dyn Array,
        row: usize,
        out: &mut Vec<u8>,
        depth: usize,
    ) -> Result<(), Decline> {
        if array.is_null(row) {
            out.extend_from_slice(b"null");
            return Ok(());
        }
        if depth > MAX_INPUT_DEPTH {
            return Err(Decline);
        }
        match array.data_type() {
            DataType::Null => out.extend_from_slice(b"null"),
            DataType::Boolean => out.extend_from_slice(if array.as_boolean().value(row) {
                b"true".as_slice()
            } else {
                b"false"
            }),
            DataType::Int8 => number(out, primitive::<Int8Type>(array, row))?,
            DataType::Int16 => number(out, primitive::<Int16Type>(array, row))?,
            DataType::Int32 => number(out, primitive::<Int32Type>(array, row))?,
            DataType::Int64 => number(out, primitive::<Int64Type>(array, row))?,
            DataType::UInt8 => number(out, primitive::<UInt8Type>(array, row))?,
            DataType::UInt16 => number(out, primitive::<UInt16Type>(array, row))?,
            DataType::UInt32 => number(out, primitive::<UInt32Type>(array, row))?,
            DataType::UInt64 => number(out, primitive::<UInt64Type>(array, row))?,
            DataType::Float32 => {
                self.float(f64::from(primitive::<Float32Type>(array, row)), out)?;
            }
            DataType::Float64 => self.float(primitive::<Float64Type>(array, row), out)?,
            DataType::Utf8 => string(out, array.as_string::<i32>().value(row))?,
            DataType::LargeUtf8 => string(out, array.as_string::<i64>().value(row))?,
            DataType::Utf8View => string(out, array.as_string_view().value(row))?,
            DataType::Decimal128(_, scale) => out.extend_from_slice(
                decimal_text(primitive::<Decimal128Type>(array, row), *scale).as_bytes(),
            ),
            DataType::Date32 => {
                let days = i64::from(primitive::<Date32Type>(array, row));
                quoted(out, &date_text(days, "").map_err(|_| Decline)?);
            }
            DataType::Date64 => {
                let days = primitive::<Date64Type>(array, row).div_euclid(86_400_000);
                quoted(out, &date_text(days, "").map_err(|_| Decline)?);
            }
            DataType::Timestamp(unit, Some(_)) => {
                let micros = timestamp_micros(array, row, *unit);
                let instant = DateTime::<Utc>::from_timestamp_micros(micros).ok_or(Decline)?;
                quoted(
                    out,
                    &instant.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                );
            }
            DataType::Duration(unit) => {
                let micros = duration_micros(array, row, *unit);
                if micros.rem_euclid(1_000_000) != 0 {
                    return Err(Decline);
                }
                quoted(
                    out,
                    &ordo_engine::text::duration_text(micros.div_euclid(1_000_000)),
                );
            }
            DataType::List(_) => self.list(array.as_list::<i32>(), row, out, depth)?,
            DataType::LargeList(_) => self.list(array.as_list::<i64>(), row, out, depth)?,
            DataType::Struct(fields) => {
                out.push(b'{');
                for (index, (field, column)) in
                    fields.iter().zip(array.as_struct().columns()).enumerate()
                {
                    if index > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(&key_text(field.name()));
                    self.cell(column.as_ref(), row, out, depth + 1)?;
                }
                out.push(b'}');
            }
            // A time stamp without a zone, and the types only Python's conversion reads.
            _ => return Err(Decline),
        }
        Ok(())
    }

    fn list<O: OffsetSizeTrait>(
        &self,
        list: &arrow_array::GenericListArray<O>,
        row: usize,
        out: &mut Vec<u8>,
        depth: usize,
    ) -> Result<(), Decline> {
        let items = list.value(row);
        out.push(b'[');
        for index in 0..items.len() {
            if index > 0 {
                out.push(b',');
            }
            self.cell(items.as_ref(), index, out, depth + 1)?;
        }
        out.push(b']');
        Ok(())
    }

    /// A binary float as `floats="shortest"` reads it (NaN is `null`); the reader refuses the
    /// others.
    fn float(&self, x: f64, out: &mut Vec<u8>) -> Result<(), Decline> {
        if x.is_nan() {
            out.extend_from_slice(b"null");
            return Ok(());
        }
        if x.is_infinite() || self.floats != Floats::Shortest {
            return Err(Decline);
        }
        out.extend_from_slice(plain_digits(&format!("{x:?}")).as_bytes());
        Ok(())
    }
}

/// Whether no struct in `ty` has two fields of one name (the tree would keep one of them).
fn distinct_fields(ty: &DataType) -> bool {
    match ty {
        DataType::List(field) | DataType::LargeList(field) => distinct_fields(field.data_type()),
        DataType::Struct(fields) => {
            let names: std::collections::HashSet<&String> =
                fields.iter().map(|f| f.name()).collect();
            names.len() == fields.len()
                && fields
                    .iter()
                    .map(|f: &std::sync::Arc<Field>| f.data_type())
                    .all(distinct_fields)
        }
        _ => true,
    }
}

/// `"name":` with the name escaped as JSON.
fn key_text(name: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(name.len() + 3);
    // Writing a string to a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut key, name);
    key.push(b':');
    key
}

fn string(out: &mut Vec<u8>, text: &str) -> Result<(), Decline> {
    serde_json::to_writer(out, text).map_err(|_| Decline)
}

/// A text that needs no escapes (dates, time stamps, durations), in quotes.
fn quoted(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

fn number(out: &mut Vec<u8>, n: impl std::fmt::Display) -> Result<(), Decline> {
    write!(out, "{n}").map_err(|_| Decline)
}

/// A text of a list field split at `separator` as a JSON array of its parts, each trimmed,
/// empty parts left out (`"rack; lights"` → `["rack","lights"]`), as `super::split`.
fn split(text: &str, separator: &str, out: &mut Vec<u8>) -> Result<(), Decline> {
    out.push(b'[');
    let mut first = true;
    for part in text
        .split(separator)
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        if !first {
            out.push(b',');
        }
        first = false;
        string(out, part)?;
    }
    out.push(b']');
    Ok(())
}

fn primitive<T: ArrowPrimitiveType>(array: &dyn Array, row: usize) -> T::Native {
    array.as_primitive::<T>().value(row)
}

#[cfg(test)]
mod tests;
