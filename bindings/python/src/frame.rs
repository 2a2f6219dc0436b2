//! The result columns of `Ruleset.evaluate_frame` and its conversion through Python values.
//!
//! Most tables take the native path (`crate::arrow`: Arrow buffers in, Arrow arrays out); this
//! module defines the result columns both paths share ([`columns`]) and evaluates the tables
//! that path declines (column types it does not read): the Python half (`ordo/_frame.py`) then
//! turns each input column into one Python list in Arrow's own conversion, each row's input is
//! built directly from those lists (no dict per row), every row is evaluated on all cores with
//! the interpreter released, and the results are read straight from the engine's JSON into one
//! list per result column, each value converted by the column's static type.

use ordo_engine::schema::{EnumDef, EnumId, FieldView, Type};
use ordo_engine::{EvalError, Ruleset};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use serde_json::{Map, Value as Json, json};

use crate::errors::eval_error_value;
use crate::many::{Prepared, RowOptions};
use crate::result::{Schema, Shape, to_python};
use crate::to_json::to_json_with;

/// How a result column is typed in Arrow (the Python half maps each to an Arrow type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Int,
    /// A `Decimal` or `Percent` output: its exact text (the scale of a computed decimal is not
    /// known before it is computed, and a fixed Arrow scale would round it).
    Decimal,
    /// A quote amount: `decimal128` with the currency's scale.
    Money(u32),
    Text,
    Date,
    DateTime,
    Duration,
    /// A set of enum values or a list of texts: a list of strings.
    TextList,
    /// Anything else (records, lists of records...): its canonical JSON text.
    Json,
}

impl Kind {
    fn of(ty: &Type) -> Kind {
        match ty.strip_optional() {
            Type::Bool => Kind::Bool,
            Type::Int => Kind::Int,
            Type::Decimal | Type::Percent => Kind::Decimal,
            Type::Text | Type::Enum(_) => Kind::Text,
            Type::Date => Kind::Date,
            Type::DateTime => Kind::DateTime,
            Type::Duration => Kind::Duration,
            Type::Set(_) => Kind::TextList,
            Type::List(element)
                if matches!(element.strip_optional(), Type::Text | Type::Enum(_)) =>
            {
                Kind::TextList
            }
            _ => Kind::Json,
        }
    }

    /// The name the Python half knows the kind by.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Bool => "bool",
            Kind::Int => "int",
            Kind::Decimal => "decimal",
            Kind::Money(_) => "money",
            Kind::Text => "text",
            Kind::Date => "date",
            Kind::DateTime => "datetime",
            Kind::Duration => "duration",
            Kind::TextList => "text_list",
            Kind::Json => "json",
        }
    }
}

/// Where a result column's value is found in an evaluation result.
pub enum Source {
    Output(String, Type),
    /// A quote's total (`subtotal` `None`) or one of its subtotals.
    Quote {
        block: String,
        subtotal: Option<String>,
    },
}

/// One column of a frame result.
pub struct Column {
    pub name: String,
    pub kind: Kind,
    pub source: Source,
}

impl Column {
    /// This column's value in one evaluation's result JSON, if it has one.
    pub fn value_in<'r>(&self, result: &'r Json) -> Option<&'r Json> {
        match &self.source {
            Source::Output(name, _) => result.get("outputs").and_then(|o| o.get(name)),
            Source::Quote { block, subtotal } => {
                let quote = result.get("quotes").and_then(|q| q.get(block));
                match subtotal {
                    None => quote.and_then(|q| q.get("total")),
                    Some(name) => quote
                        .and_then(|q| q.get("subtotals"))
                        .and_then(|s| s.get(name)),
                }
            }
        }
    }
}

/// The result columns of a ruleset besides `valid`, `violations` and the error columns: its
/// outputs in declaration order, then per price block its total and subtotals (`quote.total`,
/// `quote.net`).
pub fn columns(ruleset: &Ruleset) -> Vec<Column> {
    let view = ruleset.schema();
    let mut columns: Vec<Column> = view
        .outputs()
        .map(|output| Column {
            name: output.name.to_string(),
            kind: Kind::of(output.ty),
            source: Source::Output(output.name.to_string(), output.ty.clone()),
        })
        .collect();
    for value in view
        .values()
        .filter(|v| !v.subtotals.is_empty() || is_quote(v.ty))
    {
        // Without a constant currency the scale is not known before evaluating.
        let kind = value.minor_units.map_or(Kind::Decimal, Kind::Money);
        let block = value.name.to_string();
        columns.push(Column {
            name: format!("{block}.total"),
            kind,
            source: Source::Quote {
                block: block.clone(),
                subtotal: None,
            },
        });
        for subtotal in value.subtotals {
            columns.push(Column {
                name: format!("{block}.{subtotal}"),
                kind,
                source: Source::Quote {
                    block: block.clone(),
                    subtotal: Some(subtotal.to_string()),
                },
            });
        }
    }
    columns
}

/// Whether a value's type is a price block's quote (a record with `lines` and `total`).
fn is_quote(ty: &Type) -> bool {
    matches!(ty, Type::Record(record)
        if record.field("lines").is_some() && record.field("total").is_some()
            && record.field("currency").is_some())
}

/// Each row's input from the columns: `(path, values)` pairs, `None` (and NaN) values left
/// out so that the field is absent. A row whose input or options fail is recorded in
/// `failures` and left `None`.
fn row_inputs<'py>(
    py: Python<'py>,
    columns: &[(Vec<String>, Bound<'py, PyList>)],
    rows: usize,
    options: &mut RowOptions<'py>,
    failures: &mut Vec<(usize, PyErr)>,
) -> PyResult<Vec<Option<Prepared>>> {
    let floats = options.floats;
    let none = py.None().into_bound(py);
    let mut inputs = Vec::with_capacity(rows);
    for row in 0..rows {
        let built = options.of(&none)?.and_then(|options| {
            let mut object = Map::new();
            for (path, values) in columns {
                let value = values.get_item(row)?;
                if value.is_none() {
                    continue;
                }
                let json = to_json_with(&value, &path.join("."), floats)?;
                if !json.is_null() {
                    insert(&mut object, path, json);
                }
            }
            Ok((Json::Object(object), options))
        });
        match built {
            Ok(input) => inputs.push(Some(input)),
            Err(error) => {
                failures.push((row, error));
                inputs.push(None);
            }
        }
    }
    Ok(inputs)
}

/// Puts `value` at the dotted `path` of `object`, creating the records on the way.
pub fn insert(object: &mut Map<String, Json>, path: &[String], value: Json) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut object = object;
    for parent in parents {
        let entry = object
            .entry(parent.clone())
            .or_insert_with(|| Json::Object(Map::new()));
        if !entry.is_object() {
            *entry = Json::Object(Map::new());
        }
        let Json::Object(inner) = entry else {
            return;
        };
        object = inner;
    }
    object.insert(last.clone(), value);
}

/// Evaluates every input on all cores, the interpreter released; `None` stays `None`.
fn evaluate_all(
    py: Python<'_>,
    ruleset: &Ruleset,
    inputs: &[Option<Prepared>],
) -> Vec<Option<Result<Json, EvalError>>> {
    let evaluate = |chunk: &[Option<Prepared>]| crate::many::evaluate(ruleset, chunk);
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    py.detach(|| {
        if workers < 2 || inputs.len() < 64 {
            return evaluate(inputs);
        }
        let size = inputs.len().div_ceil(workers);
        std::thread::scope(|scope| {
            let handles: Vec<_> = inputs
                .chunks(size)
                .map(|chunk| scope.spawn(move || evaluate(chunk)))
                .collect();
            handles
                .into_iter()
                .flat_map(|handle| {
                    // A worker only panics on an engine bug; its rows then fail as internal.
                    handle.join().unwrap_or_default()
                })
                .collect()
        })
    })
}

/// Evaluates the rows given as columns and returns the result columns by name, with
/// `valid`, `violations` and `__errors__` (the failing rows as `(index, exception)`).
pub fn evaluate_columns<'py>(
    py: Python<'py>,
    ruleset: &Ruleset,
    schema: &Schema,
    columns: Vec<(String, Bound<'py, PyList>)>,
    rows: usize,
    mut options: RowOptions<'py>,
) -> PyResult<Bound<'py, PyDict>> {
    let columns: Vec<(Vec<String>, Bound<'py, PyList>)> = columns
        .into_iter()
        .map(|(path, values)| (path.split('.').map(str::to_string).collect(), values))
        .collect();
    for (path, values) in &columns {
        if values.len() != rows {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "column `{}` has {} values for {rows} rows",
                path.join("."),
                values.len()
            )));
        }
    }
    let mut failures = Vec::new();
    let inputs = row_inputs(py, &columns, rows, &mut options, &mut failures)?;
    options.finish()?;
    let outcomes = evaluate_all(py, ruleset, &inputs);
    drop(inputs);
    let result_columns = self::columns(ruleset);
    let mut lists: Vec<Vec<Bound<'py, PyAny>>> = result_columns
        .iter()
        .map(|_| Vec::with_capacity(rows))
        .collect();
    let mut valid = Vec::with_capacity(rows);
    let mut violations = Vec::with_capacity(rows);
    let mut errors: Vec<(usize, Bound<'py, PyAny>)> = failures
        .into_iter()
        .map(|(row, error)| (row, error.value(py).clone().into_any()))
        .collect();
    let none = py.None().into_bound(py);
    for (row, outcome) in outcomes.iter().enumerate() {
        let result = match outcome {
            Some(Ok(result)) => Some(result),
            Some(Err(error)) => {
                errors.push((row, eval_error_value(py, error)?));
                None
            }
            None => None,
        };
        let Some(result) = result else {
            for list in &mut lists {
                list.push(none.clone());
            }
            valid.push(none.clone());
            violations.push(none.clone());
            continue;
        };
        for (column, list) in result_columns.iter().zip(&mut lists) {
            list.push(cell(py, schema, result, column)?);
        }
        let is_valid = result.get("valid").and_then(Json::as_bool);
        valid.push(is_valid.into_pyobject(py)?.into_any());
        let ids: Vec<&str> = result
            .get("violations")
            .and_then(Json::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|v| v.get("id").and_then(Json::as_str))
                    .collect()
            })
            .unwrap_or_default();
        violations.push(PyList::new(py, ids)?.into_any());
    }
    errors.sort_by_key(|(row, _)| *row);
    let out = PyDict::new(py);
    for (column, list) in result_columns.iter().zip(lists) {
        out.set_item(&column.name, PyList::new(py, list)?)?;
    }
    out.set_item("valid", PyList::new(py, valid)?)?;
    out.set_item("violations", PyList::new(py, violations)?)?;
    out.set_item("__errors__", PyList::new(py, errors)?)?;
    Ok(out)
}

/// One result column's value of one result.
fn cell<'py>(
    py: Python<'py>,
    schema: &Schema,
    result: &Json,
    column: &Column,
) -> PyResult<Bound<'py, PyAny>> {
    let ty = match &column.source {
        Source::Output(_, ty) => ty,
        Source::Quote { .. } => &Type::Decimal,
    };
    let Some(value) = column.value_in(result).filter(|v| !v.is_null()) else {
        return Ok(py.None().into_bound(py));
    };
    match column.kind {
        // Exact text: the Python half keeps it as a string or casts it as asked.
        Kind::Decimal => Ok(PyString::new(py, &json_text(value)).into_any()),
        Kind::Json => Ok(PyString::new(py, &ordo_engine::to_json_string(value)).into_any()),
        _ => to_python(py, schema, value, Shape::Typed(ty)),
    }
}

/// A JSON number's digits (or a string's text).
fn json_text(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Every input path (`ship_to.country`, records' fields too) with what a column for it holds:
/// `"list"` (a list or set, which a separator may split), `"record"` or `"scalar"`.
pub fn input_kinds(ruleset: &Ruleset) -> Vec<(String, &'static str)> {
    fn walk(out: &mut Vec<(String, &'static str)>, field: FieldView<'_>, prefix: &str) {
        let path = if prefix.is_empty() {
            field.name().to_string()
        } else {
            format!("{prefix}.{}", field.name())
        };
        let kind = match field.ty().strip_optional() {
            Type::List(_) | Type::Set(_) => "list",
            Type::Record(_) => "record",
            _ => "scalar",
        };
        out.push((path.clone(), kind));
        for inner in field.fields() {
            walk(out, inner, &path);
        }
    }
    let mut out = Vec::new();
    for field in ruleset.schema().inputs() {
        walk(&mut out, field, "");
    }
    out
}

/// The ruleset's input as a JSON Schema (draft 2020-12): what `evaluate` accepts as JSON.
pub fn input_json_schema(ruleset: &Ruleset) -> Json {
    let view = ruleset.schema();
    let enums = view.enums();
    let (properties, required) = object_fields(view.inputs(), enums);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("{} {} input", ruleset.name(), ruleset.version()),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// The properties of a record's fields and the names of those required.
fn object_fields<'r>(
    fields: impl Iterator<Item = FieldView<'r>>,
    enums: &[EnumDef],
) -> (Map<String, Json>, Vec<String>) {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in fields {
        let (mut schema, field_required) = field_schema(&field, enums);
        if let (Some(default), Json::Object(schema)) = (field.default_json(), &mut schema) {
            schema.insert("default".into(), default);
        }
        if field_required {
            required.push(field.name().to_string());
        }
        properties.insert(field.name().to_string(), schema);
    }
    (properties, required)
}

/// A field's schema and whether it is required (a record is required when one of its fields
/// is, as the engine reads it).
fn field_schema(field: &FieldView<'_>, enums: &[EnumDef]) -> (Json, bool) {
    let optional = field.is_optional();
    let ty = field.ty().strip_optional();
    let (schema, inner_required) = if let Type::Record(_) = ty {
        let (properties, required) = object_fields(field.fields(), enums);
        let any = !required.is_empty();
        let record = json!({
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        });
        (record, any)
    } else {
        (type_schema(ty, enums), true)
    };
    let required = !optional && !field.has_default() && inner_required;
    let schema = if optional {
        json!({"anyOf": [schema, {"type": "null"}]})
    } else {
        schema
    };
    (schema, required)
}

/// The schema of a value of type `ty` (records inside lists included).
fn type_schema(ty: &Type, enums: &[EnumDef]) -> Json {
    let enum_values = |id: &EnumId| {
        enums
            .get(*id as usize)
            .map(|e| e.values.clone())
            .unwrap_or_default()
    };
    match ty {
        Type::Bool => json!({"type": "boolean"}),
        Type::Int => json!({"type": "integer"}),
        // A decimal may be written as a JSON number or as its text (`"0.05"`).
        Type::Decimal | Type::Percent => {
            json!({"type": ["number", "string"], "pattern": "^-?[0-9]+(\\.[0-9]+)?$"})
        }
        Type::Text => json!({"type": "string"}),
        Type::Date => json!({"type": "string", "format": "date"}),
        Type::DateTime => json!({"type": "string", "format": "date-time"}),
        Type::Duration => json!({"type": "string", "format": "duration"}),
        Type::Enum(id) => json!({"enum": enum_values(id)}),
        Type::Set(id) => json!({
            "type": "array",
            "items": {"enum": enum_values(id)},
            "uniqueItems": true,
        }),
        Type::List(element) => json!({"type": "array", "items": type_schema(element, enums)}),
        Type::Record(record) => {
            let properties: Map<String, Json> = record
                .fields
                .iter()
                .map(|(name, ty)| (name.clone(), type_schema(ty, enums)))
                .collect();
            let required: Vec<&String> = record
                .fields
                .iter()
                .filter(|(_, ty)| !matches!(ty, Type::Optional(_)))
                .map(|(name, _)| name)
                .collect();
            json!({
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            })
        }
        Type::Optional(inner) => json!({"anyOf": [type_schema(inner, enums), {"type": "null"}]}),
        _ => json!({}),
    }
}
