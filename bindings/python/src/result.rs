//! The engine's JSON results as Python values, and back.
//!
//! The engine writes every number of a result as a decimal string that keeps its scale
//! (`"111000.00"`), and dates as text. Which of those strings are numbers is decided by the
//! ruleset's static types, never by what a string looks like (a `Text` output `"42"` stays a
//! string). In the result of `evaluate`:
//!
//! - `outputs`: each output by its declared type;
//! - `quotes`: `quantity`, `unit_price`, `amount`, the `subtotals` and `total` are decimals;
//! - `approvals`: each step's `facts` by the type of the input path they record;
//! - `trace`: each `value` and `reads` entry by the type of the value it names;
//! - `as_of`: a date.
//!
//! The result of `configure` has `outputs` and `quotes` in the same shape, and each field's
//! `selected` and `default` values by the field's type. The results of workflow queries are
//! plain JSON (the engine writes trigger arguments without their types).
//!
//! Types map as `Int` → `int`, `Decimal`/`Percent` → `decimal.Decimal` (same digits and scale),
//! `Date` → `datetime.date`, `DateTime` → aware `datetime.datetime` in UTC, `Duration` →
//! `datetime.timedelta`; lists and records follow their element and field types; enums, sets
//! (as lists) and texts stay strings. Everything else is plain JSON: JSON numbers (trace row
//! numbers, parallel groups) become `int`. The reverse walk, used by `Ruleset.result_to_json`,
//! follows the same layout, so a result goes back to byte-identical canonical JSON.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, Datelike, Timelike};
use ordo_engine::Ruleset;
use ordo_engine::schema::{FieldView, Type};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Value as Json};

use crate::py_types::{PyTypes, types};
use crate::to_json::{date_text, datetime_text, decimal_text, duration_text, to_json};

/// FNV-1a: the maps below are looked up for many keys of every result, and their keys are
/// short names from the ruleset itself, so a simple fast hash serves better than SipHash.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type NameMap<V> = HashMap<String, V, BuildHasherDefault<Fnv>>;

/// The static types a result's values are converted by, gathered once per ruleset.
#[derive(Default)]
pub struct Schema {
    /// Output name → type.
    outputs: NameMap<Type>,
    /// Name of a let, output, decision or price block → type (for the trace).
    globals: NameMap<Type>,
    /// Input path (`ship_to.country`) → type (approval facts, trace reads of inputs).
    inputs: NameMap<Type>,
    /// Names of this ruleset that results use as keys (outputs, input paths, approval chains,
    /// subtotals, record fields).
    names: Vec<String>,
    /// Those names as Python strings, made once: every result reuses them instead of creating
    /// and hashing a new string per key.
    keys: PyOnceLock<NameMap<Py<PyString>>>,
}

impl Schema {
    pub fn of(ruleset: &Ruleset) -> Schema {
        let view = ruleset.schema();
        let mut schema = Schema::default();
        for output in view.outputs() {
            schema
                .outputs
                .insert(output.name.to_string(), output.ty.clone());
        }
        let mut names = Vec::new();
        for value in view.values() {
            schema
                .globals
                .insert(value.name.to_string(), value.ty.clone());
            names.push(value.name.to_string());
            add_field_names(&mut names, value.ty);
            names.extend(value.subtotals.iter().map(|s| s.to_string()));
        }
        add_inputs(&mut schema.inputs, view.inputs(), "");
        names.extend(schema.inputs.keys().cloned());
        names.extend(view.approval_chains().map(str::to_string));
        names.sort();
        names.dedup();
        schema.names = names;
        schema
    }

    /// `key` as a Python string, reused where it is a known key.
    fn key<'py>(&self, py: Python<'py>, key: &str) -> Bound<'py, PyString> {
        if let Some(known) = static_key(py, key) {
            return known.clone();
        }
        let keys = self.keys.get_or_init(py, || {
            self.names
                .iter()
                .map(|name| (name.clone(), PyString::intern(py, name).unbind()))
                .collect()
        });
        match keys.get(key) {
            Some(known) => known.bind(py).clone(),
            None => PyString::new(py, key),
        }
    }

    fn named(&self, name: &str) -> Shape<'_> {
        self.globals
            .get(name)
            .or_else(|| self.inputs.get(name))
            .map_or(Shape::Plain, Shape::Typed)
    }

    /// The shape of the value under `key` of a value of shape `shape`.
    fn child<'s>(&'s self, shape: Shape<'s>, key: Key<'_>) -> Shape<'s> {
        use Shape as S;
        match (shape, key) {
            (S::Evaluation, Key::Field("as_of")) => S::Typed(&Type::Date),
            (S::Evaluation, Key::Field("outputs")) => S::Outputs,
            (S::Evaluation, Key::Field("quotes")) => S::Quotes,
            (S::Evaluation, Key::Field("approvals")) => S::Approvals,
            (S::Evaluation, Key::Field("trace")) => S::Trace,
            (S::Configuration, Key::Field("outputs")) => S::Outputs,
            (S::Configuration, Key::Field("quotes")) => S::Quotes,
            (S::Configuration, Key::Field("fields")) => S::Fields,
            (S::Fields, Key::Field(path)) => S::Field(self.inputs.get(path)),
            (S::Field(Some(ty)), Key::Field("selected" | "default")) => S::Typed(ty),
            (S::Outputs, Key::Field(name)) => self.outputs.get(name).map_or(S::Plain, S::Typed),
            (S::Quotes, Key::Field(_)) => S::Quote,
            (S::Quote, Key::Field("lines")) => S::Lines,
            (S::Quote, Key::Field("subtotals")) => S::Subtotals,
            (S::Quote, Key::Field("total")) | (S::Subtotals, Key::Field(_)) => {
                S::Typed(&Type::Decimal)
            }
            (S::Lines, Key::Index) => S::Line,
            (S::Line, Key::Field("quantity" | "unit_price" | "amount")) => S::Typed(&Type::Decimal),
            (S::Approvals, Key::Field(_)) => S::Chain,
            (S::Chain, Key::Field("steps")) => S::Steps,
            (S::Steps, Key::Index) => S::Step,
            (S::Step, Key::Field("facts")) => S::Facts,
            (S::Facts, Key::Field(path)) => self.inputs.get(path).map_or(S::Plain, S::Typed),
            (S::Trace, Key::Index) => S::TraceEntry(None),
            (S::TraceEntry(Some(ty)), Key::Field("value")) => S::Typed(ty),
            (S::TraceEntry(_), Key::Field("reads")) => S::Reads,
            (S::Reads, Key::Field(name)) => self.named(name),
            (S::Typed(ty), key) => match (ty.strip_optional(), key) {
                (Type::List(element), Key::Index) => S::Typed(element),
                (Type::Record(record), Key::Field(name)) => {
                    record.field(name).map_or(S::Plain, |(_, t)| S::Typed(t))
                }
                _ => S::Plain,
            },
            _ => S::Plain,
        }
    }

    /// A trace entry's shape once its `id` is known.
    fn trace_entry(&self, id: Option<&str>) -> Shape<'_> {
        Shape::TraceEntry(id.and_then(|id| self.globals.get(id)))
    }
}

/// The field names of the record types inside `ty`.
fn add_field_names(names: &mut Vec<String>, ty: &Type) {
    match ty {
        Type::Optional(inner) | Type::List(inner) => add_field_names(names, inner),
        Type::Record(record) => {
            for (name, field) in &record.fields {
                names.push(name.clone());
                add_field_names(names, field);
            }
        }
        _ => {}
    }
}

/// The keys of the engine's result schema (`engine/schema/result.schema.json`: every key the
/// engine writes in a result), as interned Python strings. A test checks the list against the
/// schema.
macro_rules! static_keys {
    ([$($name:literal),* $(,)?]) => {
        /// Every key of the result schema.
        #[cfg(test)]
        const STATIC_KEYS: &[&str] = &[$($name),*];

        fn static_key<'py>(py: Python<'py>, key: &str) -> Option<&'py Bound<'py, PyString>> {
            match key {
                $($name => Some(pyo3::intern!(py, $name)),)*
                _ => None,
            }
        }
    };
}

static_keys!([
    "ruleset",
    "name",
    "version",
    "hash",
    "as_of",
    "valid",
    "violations",
    "at",
    "input_notes",
    "received",
    "read_as",
    "outputs",
    "quotes",
    "approvals",
    "trace",
    "id",
    "severity",
    "message",
    "currency",
    "lines",
    "kind",
    "label",
    "quantity",
    "unit_price",
    "amount",
    "explain",
    "subtotals",
    "total",
    "complete",
    "steps",
    "role",
    "roles",
    "parallel_group",
    "status",
    "needed",
    "granted_by",
    "refused",
    "by",
    "step",
    "depends_on",
    "facts",
    "value",
    "holds",
    "reads",
    "rows",
    "row",
    "line",
    "fields",
    "selected",
    "default",
    "options",
    "available",
    "blocked_by",
    "warned_by",
    "search",
    "evaluations",
    "budget",
    "bound_hit",
    "dead_end",
    "reason",
    "workflow",
    "state",
    "owner",
    "transitions",
    "to",
    "enabled",
    "reasons",
    "allowed",
    "guard",
    "chain",
    "pending",
    "stale",
    "transition",
    "from",
    "actions",
    "timers",
    "trigger",
    "action",
    "args",
    "key",
    "due",
    "cancel",
    "fired",
    "path",
    "rule",
    "hint",
    "more",
]);

fn add_inputs<'r>(
    out: &mut NameMap<Type>,
    fields: impl Iterator<Item = FieldView<'r>>,
    prefix: &str,
) {
    for field in fields {
        let path = if prefix.is_empty() {
            field.name().to_string()
        } else {
            format!("{prefix}.{}", field.name())
        };
        add_inputs(out, field.fields(), &path);
        out.insert(path, field.ty().clone());
    }
}

/// Where a value sits in a result, which decides how its strings are read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape<'s> {
    /// Plain JSON: strings stay strings, JSON numbers become `int` (or `Decimal`).
    Plain,
    /// A value of this static type.
    Typed(&'s Type),
    /// The result of `evaluate`.
    Evaluation,
    /// The result of `configure`: outputs and quotes as in an evaluation, and per input field
    /// its `selected` and `default` values.
    Configuration,
    Fields,
    /// One field of a configuration, with the type of its input path.
    Field(Option<&'s Type>),
    Outputs,
    Quotes,
    Quote,
    Lines,
    Line,
    Subtotals,
    Approvals,
    Chain,
    Steps,
    Step,
    Facts,
    Trace,
    /// A trace entry, with the type of the value it names once known.
    TraceEntry(Option<&'s Type>),
    Reads,
}

#[derive(Debug, Clone, Copy)]
enum Key<'k> {
    Field(&'k str),
    Index,
}

/// How a scalar of a static type is represented in Python.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    Int,
    Decimal,
    Date,
    DateTime,
    Duration,
    Other,
}

fn scalar_of(shape: Shape<'_>) -> Scalar {
    match shape {
        Shape::Typed(ty) => match ty.strip_optional() {
            Type::Int => Scalar::Int,
            Type::Decimal | Type::Percent => Scalar::Decimal,
            Type::Date => Scalar::Date,
            Type::DateTime => Scalar::DateTime,
            Type::Duration => Scalar::Duration,
            _ => Scalar::Other,
        },
        _ => Scalar::Other,
    }
}

/// Plain JSON as Python values (no type-guided conversion).
pub fn plain<'py>(py: Python<'py>, json: &Json) -> PyResult<Bound<'py, PyAny>> {
    to_python(py, &Schema::default(), json, Shape::Plain)
}

/// A JSON value in the shape `shape` as Python values.
pub fn to_python<'py>(
    py: Python<'py>,
    schema: &Schema,
    json: &Json,
    shape: Shape<'_>,
) -> PyResult<Bound<'py, PyAny>> {
    let types = types(py)?;
    Forward { py, schema, types }.value(json, shape)
}

struct Forward<'a, 'py> {
    py: Python<'py>,
    schema: &'a Schema,
    types: &'static PyTypes,
}

impl<'py> Forward<'_, 'py> {
    fn value(&self, json: &Json, shape: Shape<'_>) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        Ok(match json {
            Json::Null => py.None().into_bound(py),
            Json::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
            Json::Number(n) => self.number(&n.to_string())?,
            Json::String(s) => match scalar_of(shape) {
                Scalar::Other => PyString::new(py, s).into_any(),
                scalar => self.scalar(s, scalar)?,
            },
            Json::Array(items) => {
                let child = self.schema.child(shape, Key::Index);
                let list = PyList::empty(py);
                for item in items {
                    list.append(self.value(item, child)?)?;
                }
                list.into_any()
            }
            Json::Object(map) => {
                let shape = match shape {
                    Shape::TraceEntry(None) => self
                        .schema
                        .trace_entry(map.get("id").and_then(Json::as_str)),
                    other => other,
                };
                let dict = PyDict::new(py);
                for (key, item) in map {
                    let child = self.schema.child(shape, Key::Field(key));
                    dict.set_item(self.schema.key(py, key), self.value(item, child)?)?;
                }
                dict.into_any()
            }
        })
    }

    /// A JSON number: `int` when integral, else `Decimal` with its digits.
    fn number(&self, text: &str) -> PyResult<Bound<'py, PyAny>> {
        if let Ok(int) = text.parse::<i64>() {
            return Ok(int.into_pyobject(self.py)?.into_any());
        }
        if !text.contains(['.', 'e', 'E']) {
            return self.big_int(text);
        }
        self.types.decimal.bind(self.py).call1((text,))
    }

    fn big_int(&self, text: &str) -> PyResult<Bound<'py, PyAny>> {
        self.py
            .get_type::<PyInt>()
            .call1((PyString::new(self.py, text),))
    }

    /// A string of a typed scalar; one that does not read as its type stays a string.
    fn scalar(&self, text: &str, scalar: Scalar) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        let as_text = || Ok(PyString::new(py, text).into_any());
        match scalar {
            Scalar::Int => match text.parse::<i64>() {
                Ok(int) => Ok(int.into_pyobject(py)?.into_any()),
                Err(_) if is_integer_text(text) => self.big_int(text),
                Err(_) => as_text(),
            },
            Scalar::Decimal => self.types.decimal.bind(py).call1((text,)),
            Scalar::Date => match ordo_engine::text::parse_date(text) {
                Ok(d) => self
                    .types
                    .date
                    .bind(py)
                    .call1((d.year(), d.month(), d.day())),
                Err(_) => as_text(),
            },
            Scalar::DateTime => match DateTime::parse_from_rfc3339(text) {
                Ok(t) if t.nanosecond() % 1_000 == 0 => {
                    let t = t.naive_utc();
                    self.types.datetime.bind(py).call1((
                        t.year(),
                        t.month(),
                        t.day(),
                        t.hour(),
                        t.minute(),
                        t.second(),
                        t.nanosecond() / 1_000,
                        self.types.utc.bind(py),
                    ))
                }
                _ => as_text(),
            },
            Scalar::Duration => match ordo_engine::text::parse_duration(text) {
                Some(seconds) => {
                    let kwargs = PyDict::new(py);
                    kwargs.set_item("seconds", seconds)?;
                    self.types.timedelta.bind(py).call((), Some(&kwargs))
                }
                None => as_text(),
            },
            Scalar::Other => as_text(),
        }
    }
}

fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A Python result in the shape `shape` back to the engine's JSON: the exact inverse of
/// [`to_python`] for the values it produces.
pub fn from_python(schema: &Schema, value: &Bound<'_, PyAny>, shape: Shape<'_>) -> PyResult<Json> {
    let types = types(value.py())?;
    Reverse { schema, types }.value(value, shape)
}

struct Reverse<'a> {
    schema: &'a Schema,
    types: &'static PyTypes,
}

impl Reverse<'_> {
    fn value(&self, value: &Bound<'_, PyAny>, shape: Shape<'_>) -> PyResult<Json> {
        if let Some(text) = self.scalar(value, scalar_of(shape))? {
            return Ok(Json::String(text));
        }
        if let Ok(dict) = value.cast::<PyDict>() {
            let shape = match shape {
                Shape::TraceEntry(None) => {
                    let id = dict
                        .get_item("id")?
                        .and_then(|id| id.extract::<String>().ok());
                    self.schema.trace_entry(id.as_deref())
                }
                other => other,
            };
            let mut map = Map::with_capacity(dict.len());
            for (key, item) in dict.iter() {
                let key: String = key.extract()?;
                let child = self.schema.child(shape, Key::Field(&key));
                let converted = self.value(&item, child)?;
                map.insert(key, converted);
            }
            return Ok(Json::Object(map));
        }
        if value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok() {
            let child = self.schema.child(shape, Key::Index);
            let items = value
                .try_iter()?
                .map(|item| self.value(&item?, child))
                .collect::<PyResult<Vec<_>>>()?;
            return Ok(Json::Array(items));
        }
        to_json(value, "result")
    }

    /// The text of a typed scalar, if `value` is one.
    fn scalar(&self, value: &Bound<'_, PyAny>, scalar: Scalar) -> PyResult<Option<String>> {
        let py = value.py();
        let failed = |why: String| crate::errors::request_error(py, why);
        Ok(match scalar {
            Scalar::Int | Scalar::Decimal if value.cast::<PyBool>().is_ok() => None,
            Scalar::Int | Scalar::Decimal if value.cast::<PyInt>().is_ok() => {
                Some(value.str()?.to_cow()?.into_owned())
            }
            Scalar::Int | Scalar::Decimal if value.is_instance(self.types.decimal.bind(py))? => {
                Some(decimal_text(value)?)
            }
            Scalar::DateTime if value.is_instance(self.types.datetime.bind(py))? => {
                Some(datetime_text(value, self.types).map_err(failed)?)
            }
            Scalar::Date
                if value.is_instance(self.types.date.bind(py))?
                    && !value.is_instance(self.types.datetime.bind(py))? =>
            {
                Some(date_text(value)?)
            }
            Scalar::Duration if value.is_instance(self.types.timedelta.bind(py))? => {
                Some(duration_text(value).map_err(failed)?)
            }
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"ruleset shapes version "1.0.0"
input {
  count: Int
  customer: { country: Text, since: Date }
}
output doubled = count * 2
output items = [count, count]
output label = "n{count}"
price quote currency "EUR" {
  line units "Units" qty count at 2.50
}
approval checks {
  step lead "Lead" by lead when count > 10
}
roles lead
"#;

    fn schema() -> Schema {
        let ruleset = ordo_engine::Ruleset::compile(SOURCE).expect("compiles");
        Schema::of(&ruleset)
    }

    fn walk<'s>(schema: &'s Schema, keys: &[Key<'_>]) -> Shape<'s> {
        keys.iter()
            .fold(Shape::Evaluation, |shape, key| schema.child(shape, *key))
    }

    #[test]
    fn outputs_follow_their_declared_types() {
        let schema = schema();
        let f = Key::Field;
        assert_eq!(
            scalar_of(walk(&schema, &[f("outputs"), f("doubled")])),
            Scalar::Int
        );
        assert_eq!(
            scalar_of(walk(&schema, &[f("outputs"), f("items"), Key::Index])),
            Scalar::Int
        );
        // A text output is not a number, whatever its strings look like.
        assert_eq!(
            scalar_of(walk(&schema, &[f("outputs"), f("label")])),
            Scalar::Other
        );
        assert_eq!(walk(&schema, &[f("outputs"), f("unknown")]), Shape::Plain);
        assert_eq!(scalar_of(walk(&schema, &[f("as_of")])), Scalar::Date);
        assert_eq!(walk(&schema, &[f("valid")]), Shape::Plain);
    }

    #[test]
    fn quote_amounts_are_decimals() {
        let schema = schema();
        let f = Key::Field;
        let line = [f("quotes"), f("quote"), f("lines"), Key::Index];
        for field in ["quantity", "unit_price", "amount"] {
            let mut path = line.to_vec();
            path.push(f(field));
            assert_eq!(scalar_of(walk(&schema, &path)), Scalar::Decimal, "{field}");
        }
        let mut label = line.to_vec();
        label.push(f("label"));
        assert_eq!(walk(&schema, &label), Shape::Plain);
        assert_eq!(
            scalar_of(walk(&schema, &[f("quotes"), f("quote"), f("total")])),
            Scalar::Decimal
        );
        assert_eq!(
            scalar_of(walk(
                &schema,
                &[f("quotes"), f("quote"), f("subtotals"), f("net")]
            )),
            Scalar::Decimal
        );
        assert_eq!(
            walk(&schema, &[f("quotes"), f("quote"), f("currency")]),
            Shape::Plain
        );
    }

    #[test]
    fn facts_and_trace_follow_input_and_value_types() {
        let schema = schema();
        let f = Key::Field;
        let facts = [
            f("approvals"),
            f("checks"),
            f("steps"),
            Key::Index,
            f("facts"),
        ];
        let mut count = facts.to_vec();
        count.push(f("count"));
        assert_eq!(scalar_of(walk(&schema, &count)), Scalar::Int);
        let mut since = facts.to_vec();
        since.push(f("customer.since"));
        assert_eq!(scalar_of(walk(&schema, &since)), Scalar::Date);
        let entry = schema.trace_entry(Some("doubled"));
        assert_eq!(scalar_of(schema.child(entry, f("value"))), Scalar::Int);
        let reads = schema.child(entry, f("reads"));
        assert_eq!(scalar_of(schema.child(reads, f("count"))), Scalar::Int);
        assert_eq!(
            schema.child(schema.trace_entry(None), f("value")),
            Shape::Plain
        );
    }

    #[test]
    fn configuration_fields_follow_input_types() {
        let schema = schema();
        let f = Key::Field;
        let field = schema.child(schema.child(Shape::Configuration, f("fields")), f("count"));
        assert_eq!(scalar_of(schema.child(field, f("selected"))), Scalar::Int);
        assert_eq!(scalar_of(schema.child(field, f("default"))), Scalar::Int);
        assert_eq!(schema.child(field, f("options")), Shape::Plain);
    }

    /// The engine's result schema.
    fn result_schema() -> Json {
        serde_json::from_str(include_str!("../../../engine/schema/result.schema.json"))
            .expect("the result schema is JSON")
    }

    #[test]
    fn every_key_of_the_result_schema_is_a_static_key() {
        let schema = result_schema();
        let definitions = schema["$defs"].as_object().expect("$defs");
        let mut missing = Vec::new();
        for (name, definition) in definitions {
            for key in definition["properties"]
                .as_object()
                .into_iter()
                .flat_map(Map::keys)
            {
                if !STATIC_KEYS.contains(&key.as_str()) {
                    missing.push(format!("{name}.{key}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys of the schema that are not static keys: {missing:?}"
        );
    }

    /// Whether `shape` is how the conversion reads an object of the schema's definition `name`.
    fn reads_as(name: &str, shape: Shape<'_>) -> bool {
        use Shape as S;
        match name {
            "EvaluationResult" => shape == S::Evaluation,
            "ConfigureResult" => shape == S::Configuration,
            "Quote" | "PartialQuote" => shape == S::Quote,
            "QuoteLine" | "PartialQuoteLine" => shape == S::Line,
            "ApprovalChain" => shape == S::Chain,
            "ApprovalStep" => shape == S::Step,
            "TraceEntry" => matches!(shape, S::TraceEntry(_)),
            "ConfigureField" => matches!(shape, S::Field(_)),
            // Everything else is plain JSON: names, flags, counts and texts.
            _ => shape == S::Plain,
        }
    }

    /// Walks the schema's `property` and the conversion's `shape` side by side: decimals are
    /// read as decimals and dates as dates, everything else the schema describes as plain, and
    /// the ruleset's own values (`Value`) by their declared types.
    fn walk_schema(
        definitions: &Map<String, Json>,
        property: &Json,
        shape: Shape<'_>,
        at: &str,
        walked: &mut Vec<String>,
    ) {
        let schema = schema();
        if let Some(name) = property["$ref"].as_str() {
            let name = name.trim_start_matches("#/$defs/");
            match name {
                "Decimal" => assert_eq!(scalar_of(shape), Scalar::Decimal, "{at} is a decimal"),
                "Date" => assert_eq!(scalar_of(shape), Scalar::Date, "{at} is a date"),
                "Timestamp" => assert_eq!(scalar_of(shape), Scalar::Other, "{at} is text"),
                "Value" => {}
                _ => {
                    assert!(reads_as(name, shape), "{at} ({name}) is read as {shape:?}");
                    // Each definition once per shape (`EvalError.more` holds `EvalError`s).
                    let visit = format!("{name} {shape:?}");
                    if walked.contains(&visit) {
                        return;
                    }
                    walked.push(visit);
                    let definition = &definitions[name];
                    match definition["properties"].as_object() {
                        Some(properties) => {
                            for (key, property) in properties {
                                let child = schema.child(shape, Key::Field(key));
                                walk_schema(
                                    definitions,
                                    property,
                                    child,
                                    &format!("{at}.{key}"),
                                    walked,
                                );
                            }
                        }
                        None => walk_schema(definitions, definition, shape, at, walked),
                    }
                }
            }
            return;
        }
        for choices in ["anyOf", "oneOf"] {
            if let Some(choices) = property[choices].as_array() {
                for choice in choices.iter().filter(|c| c["type"] != "null") {
                    walk_schema(definitions, choice, shape, at, walked);
                }
                return;
            }
        }
        match property["type"].as_str() {
            Some("array") => {
                let child = schema.child(shape, Key::Index);
                walk_schema(
                    definitions,
                    &property["items"],
                    child,
                    &format!("{at}[]"),
                    walked,
                );
            }
            Some("object") => {
                let child = schema.child(shape, Key::Field("a_name"));
                let values = &property["additionalProperties"];
                walk_schema(definitions, values, child, &format!("{at}.*"), walked);
            }
            _ => assert_eq!(scalar_of(shape), Scalar::Other, "{at} is plain"),
        }
    }

    #[test]
    fn results_are_read_as_the_result_schema_describes_them() {
        let schema = result_schema();
        let definitions = schema["$defs"].as_object().expect("$defs");
        for (root, shape) in [
            ("EvaluationResult", Shape::Evaluation),
            ("ConfigureResult", Shape::Configuration),
            // Workflow answers and errors are plain JSON (`plain`).
            ("TransitionsResult", Shape::Plain),
            ("ApplyResult", Shape::Plain),
            ("TimerResult", Shape::Plain),
            ("EvalError", Shape::Plain),
        ] {
            walk_schema(
                definitions,
                &serde_json::json!({"$ref": format!("#/$defs/{root}")}),
                shape,
                root,
                &mut Vec::new(),
            );
        }
    }

    #[test]
    fn integer_text() {
        assert!(is_integer_text("123456789012345678901234567890"));
        assert!(is_integer_text("-5"));
        assert!(!is_integer_text("1.0"));
        assert!(!is_integer_text("-"));
        assert!(!is_integer_text(""));
    }
}
