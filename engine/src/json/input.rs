//! Reading JSON input into typed values (spec §5): every problem is reported with the JSON path
//! of the offending value (`customer.country`, `extras[1]`), in schema order. Numbers are read
//! exactly (never through binary floating point); bad input never yields a partial result.

use std::sync::Arc;

use chrono::NaiveDate;
use ordo_dsl::diagnostic::did_you_mean;
use serde_json::Value as Json;

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::ir::{InputField, Program};
use crate::num;
use crate::ruleset::InputNote;
use crate::scalar;
pub(crate) use crate::scalar::number;
pub use crate::scalar::parse_duration;
use crate::types::{RecordType, Type};
use crate::value::Value;

/// How absent fields are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absent {
    /// Use the default, `none` for optionals, or report a missing input.
    Complete,
    /// Absent fields are not chosen yet: `Unknown` (the configurator).
    Partial,
    /// Absent fields take their default (`none` for optionals); those without one are
    /// `Unknown` (the configurator's outputs and prices with `defaults: "apply"`).
    Defaults,
}

/// Reads a JSON object into one value per top-level input field.
pub fn read_input(program: &Program, json: &Json, absent: Absent) -> EvalResult<Vec<Value>> {
    read_input_noted(program, json, absent).map(|read| read.values)
}

/// An input read with what the values alone do not say.
pub struct ReadInput {
    pub values: Vec<Value>,
    /// The enum fallbacks taken (spec §20), in reading order.
    pub notes: Vec<InputNote>,
    /// The members of each set received out of declaration order, in the order received (by
    /// JSON path): a violation over the set names an element's position as received.
    pub received_orders: Vec<(String, Vec<u32>)>,
}

/// [`read_input`], with the notes of the fallbacks taken and the orders sets came in.
pub fn read_input_noted(program: &Program, json: &Json, absent: Absent) -> EvalResult<ReadInput> {
    let mut reader = Reader {
        program,
        errors: Vec::new(),
        notes: Vec::new(),
        received_orders: Vec::new(),
        absent,
    };
    let values = reader.record(&program.input.fields, json, &Path::Root);
    let mut errors = reader.errors.into_iter();
    match errors.next() {
        None => Ok(ReadInput {
            values,
            notes: reader.notes,
            received_orders: reader.received_orders,
        }),
        Some(mut first) => {
            first.more = errors.collect();
            Err(first)
        }
    }
}

struct Reader<'p> {
    program: &'p Program,
    errors: Vec<EvalError>,
    notes: Vec<InputNote>,
    received_orders: Vec<(String, Vec<u32>)>,
    absent: Absent,
}

/// Where a value sits in the input (`ship_to.country`, `extras[1]`), built as the reader
/// descends and written out only when a problem is reported.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn is_root(&self) -> bool {
        matches!(self, Path::Root)
    }
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Field(Path::Root, name) => f.write_str(name),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// A short description of a JSON value for messages.
fn describe(json: &Json) -> String {
    match json {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => format!("the text \"{}\"", s.chars().take(40).collect::<String>()),
        Json::Array(_) => "a list".into(),
        Json::Object(_) => "an object".into(),
    }
}

impl Reader<'_> {
    fn fail(&mut self, kind: ErrorKind, path: &Path<'_>, message: String) -> Value {
        self.errors
            .push(EvalError::at_path(kind, path.to_string(), message));
        Value::Unknown
    }

    fn record<F: FieldSpec>(&mut self, fields: &[F], json: &Json, prefix: &Path<'_>) -> Vec<Value> {
        let Json::Object(map) = json else {
            let what = if prefix.is_root() {
                "the input".to_string()
            } else {
                prefix.to_string()
            };
            self.fail(
                ErrorKind::InvalidInput,
                prefix,
                format!("{what} must be a JSON object, found {}", describe(json)),
            );
            return vec![Value::Unknown; fields.len()];
        };
        let values = fields
            .iter()
            .map(|field| {
                let path = Path::Field(prefix, field.name());
                match map.get(field.name()) {
                    None | Some(Json::Null) => self.absent_field(field, &path),
                    Some(value) => {
                        let value = self.value(field, field.ty(), value, &path);
                        self.check_refinements(field, &value, &path);
                        value
                    }
                }
            })
            .collect();
        // serde_json keeps the object's key order: report unknown fields as they were written.
        for key in map.keys() {
            if !fields.iter().any(|f| f.name() == key) {
                let path = Path::Field(prefix, key).to_string();
                let hint = did_you_mean(key, fields.iter().map(FieldSpec::name));
                let mut error = EvalError::at_path(
                    ErrorKind::UnknownField,
                    &path,
                    format!("`{path}` is not a field of the input"),
                );
                error.hint = hint.or_else(|| {
                    Some(format!(
                        "the fields are {}",
                        fields
                            .iter()
                            .map(FieldSpec::name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                });
                self.errors.push(error);
            }
        }
        values
    }

    /// Reports a value that breaks one of its field's refinements (spec §20): the field's
    /// `else` message, or one that names the refinement.
    fn check_refinements<F: FieldSpec>(&mut self, field: &F, value: &Value, path: &Path<'_>) {
        let Some(declared) = field.declared() else {
            return;
        };
        let path = path.to_string();
        if let Some((broken, message)) = declared.broken_refinement(value, &path) {
            let mut error = EvalError::at_path(ErrorKind::InvalidInput, path, message);
            if declared.message.is_some() {
                error.hint = Some(format!("the field is `{}`", broken.text));
            }
            self.errors.push(error);
        }
    }

    fn absent_field<F: FieldSpec>(&mut self, field: &F, path: &Path<'_>) -> Value {
        if self.absent == Absent::Partial {
            return Value::Unknown;
        }
        match absent_value(field) {
            Some(value) => value,
            None if self.absent == Absent::Defaults => Value::Unknown,
            None => self.fail(
                ErrorKind::MissingInput,
                path,
                format!("the input `{path}` is required"),
            ),
        }
    }

    /// A record value of type `ty` read for `field` (see [`record_fields`]).
    fn record_value<F: FieldSpec>(
        &mut self,
        field: &F,
        ty: &Type,
        record: &RecordType,
        json: &Json,
        path: &Path<'_>,
    ) -> Value {
        let values = match record_fields(field, ty, record) {
            RecordFields::Declared(fields) => self.record(fields, json, path),
            RecordFields::Plain(fields) => self.record(fields, json, path),
        };
        Value::Record(Arc::from(values))
    }

    fn value<F: FieldSpec>(&mut self, field: &F, ty: &Type, json: &Json, path: &Path<'_>) -> Value {
        let wrong = |this: &mut Self, what: &str| {
            this.fail(
                ErrorKind::InvalidInput,
                path,
                format!("`{path}` must be {what}, found {}", describe(json)),
            )
        };
        match ty {
            Type::Optional(inner) => {
                if json.is_null() {
                    Value::None
                } else {
                    self.value(field, inner, json, path)
                }
            }
            Type::Bool
            | Type::Int
            | Type::Decimal
            | Type::Percent
            | Type::Text
            | Type::Date
            | Type::DateTime
            | Type::Duration
            | Type::Enum(_) => match (scalar(self.program, ty, json), field.fallback(), json) {
                (Some(value), _, _) => value,
                // An unknown text of an enum with a fallback reads as the fallback, noted.
                (None, Some(fallback), Json::String(received)) => {
                    self.notes.push(InputNote {
                        path: path.to_string(),
                        received: received.clone(),
                        read_as: crate::ir::display::display(self.program, fallback),
                    });
                    fallback.clone()
                }
                (None, _, _) => self.wrong_scalar(ty, json, path),
            },
            Type::Set(id) => match json {
                Json::Array(items) => {
                    let mut members = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        let item_path = Path::Index(path, i);
                        match item {
                            Json::String(s) => {
                                if let Value::Enum(_, v) = self.enum_value(*id, s, &item_path) {
                                    members.push(v);
                                }
                            }
                            other => {
                                let allowed = self.enum_values(*id);
                                self.fail(
                                    ErrorKind::InvalidInput,
                                    &item_path,
                                    format!(
                                        "`{item_path}` must be one of {allowed}, found {}",
                                        describe(other)
                                    ),
                                );
                            }
                        }
                    }
                    let keeps_order = field.declared().is_some_and(|f| f.keeps_order);
                    if keeps_order && !members.windows(2).all(|w| w.first() < w.last()) {
                        // The order received, for a violation's `at` (spec §19).
                        let mut received: Vec<u32> = Vec::with_capacity(members.len());
                        for m in &members {
                            if !received.contains(m) {
                                received.push(*m);
                            }
                        }
                        self.received_orders.push((path.to_string(), received));
                    }
                    Value::set(*id, members)
                }
                _ => wrong(self, "a list of enum values"),
            },
            Type::List(elem) => match json {
                Json::Array(items) => {
                    let values: Vec<Value> = items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| {
                            let item_path = Path::Index(path, i);
                            if item.is_null() && !elem.is_optional() {
                                return self.fail(
                                    ErrorKind::InvalidInput,
                                    &item_path,
                                    format!("`{item_path}` must not be null"),
                                );
                            }
                            self.value(field, elem, item, &item_path)
                        })
                        .collect();
                    Value::List(Arc::from(values))
                }
                _ => wrong(self, "a list"),
            },
            Type::Record(record) => self.record_value(field, ty, record, json, path),
            Type::None | Type::Unknown => wrong(self, "a known type"),
        }
    }

    /// Reports a JSON value that is not a value of the scalar type `ty`.
    fn wrong_scalar(&mut self, ty: &Type, json: &Json, path: &Path<'_>) -> Value {
        let what = match ty {
            Type::Bool => "true or false".to_string(),
            Type::Int | Type::Decimal | Type::Percent => match json {
                Json::Number(_) | Json::String(_) => {
                    let integral = number_text(json).and_then(num::parse_exact);
                    if *ty == Type::Int && integral.is_some() {
                        "a whole number".to_string()
                    } else {
                        match number_text(json).and_then(ordo_dsl::decimal::decimal_misfit) {
                            Some(misfit) => format!("a number that fits a decimal ({misfit})"),
                            None => "a number".to_string(),
                        }
                    }
                }
                _ => "a number".to_string(),
            },
            Type::Text => "a text".to_string(),
            Type::Date => "a date \"YYYY-MM-DD\"".to_string(),
            Type::DateTime => "an RFC 3339 date-time (\"2026-03-01T09:00:00Z\")".to_string(),
            Type::Duration => "an ISO 8601 duration (\"P2D\", \"PT12H\")".to_string(),
            Type::Enum(id) => match json {
                // A text that names no value: the message lists the values, with a hint.
                Json::String(s) => return self.enum_value(*id, s, path),
                _ => format!("one of {}", self.enum_values(*id)),
            },
            _ => "a known type".to_string(),
        };
        self.fail(
            ErrorKind::InvalidInput,
            path,
            format!("`{path}` must be {what}, found {}", describe(json)),
        )
    }

    fn enum_values(&self, id: u32) -> String {
        self.program
            .enums
            .get(id as usize)
            .map(|e| e.values.join(", "))
            .unwrap_or_default()
    }

    fn enum_value(&mut self, id: u32, s: &str, path: &Path<'_>) -> Value {
        let program = self.program;
        let values: &[String] = program
            .enums
            .get(id as usize)
            .map_or(&[], |e| e.values.as_slice());
        match values.iter().position(|v| v == s) {
            Some(i) => Value::Enum(id, i as u32),
            None => {
                let hint = did_you_mean(s, values.iter().map(String::as_str));
                let name = self
                    .program
                    .enums
                    .get(id as usize)
                    .map(|e| e.name.clone())
                    .unwrap_or_default();
                let mut error = EvalError::at_path(
                    ErrorKind::InvalidInput,
                    path.to_string(),
                    format!(
                        "\"{s}\" is not a value of {name}; the values are {}",
                        values.join(", ")
                    ),
                );
                error.hint = hint;
                self.errors.push(error);
                Value::Unknown
            }
        }
    }
}

/// The value of an absent field in a complete input: its default, `none` for an optional, a
/// record of defaults when every field of the record has one; `None` when it is required.
pub(crate) fn absent_value<F: FieldSpec>(field: &F) -> Option<Value> {
    if let Some(default) = field.default() {
        return Some(default.clone());
    }
    match field.ty() {
        Type::Optional(_) => Some(Value::None),
        Type::Record(record) if fillable(field, record) => {
            let values: Option<Vec<Value>> = match record_fields(field, field.ty(), record) {
                RecordFields::Declared(fields) => fields.iter().map(absent_value).collect(),
                RecordFields::Plain(fields) => fields.iter().map(absent_value).collect(),
            };
            values.map(|v| Value::Record(Arc::from(v)))
        }
        _ => None,
    }
}

/// The text of a JSON number or string that should hold a number (serde_json's
/// `arbitrary_precision` keeps a number's text exactly).
fn number_text(json: &Json) -> Option<&str> {
    match json {
        Json::Number(n) => Some(n.as_str()),
        Json::String(s) => Some(s.as_str()),
        _ => None,
    }
}

/// A JSON value as a value of a scalar type (spec §5), or `None` when it is not one: the tree
/// reader's; the text reader shares its parts ([`number`], [`text_scalar`]).
fn scalar(program: &Program, ty: &Type, json: &Json) -> Option<Value> {
    match ty {
        Type::Bool => json.as_bool().map(Value::Bool),
        Type::Int | Type::Decimal | Type::Percent => number(ty, number_text(json)?),
        _ => text_scalar(program, ty, json.as_str()?),
    }
}

/// A JSON text as a value of a scalar type read from text (texts, dates, date-times,
/// durations, enum values).
pub(crate) fn text_scalar(program: &Program, ty: &Type, s: &str) -> Option<Value> {
    scalar::text_scalar(ty, s, |id| {
        program.enums.get(id as usize).map(|e| e.values.as_slice())
    })
}

/// Whether every field of an absent record can be filled in (defaults, optionals).
fn fillable<F: FieldSpec>(field: &F, record: &RecordType) -> bool {
    fn can_be_absent<F: FieldSpec>(f: &F) -> bool {
        f.default().is_some() || f.ty().is_optional()
    }
    match record_fields(field, field.ty(), record) {
        RecordFields::Declared(fields) => fields.iter().all(can_be_absent),
        RecordFields::Plain(fields) => fields.iter().all(can_be_absent),
    }
}

/// The fields a record value is read with.
pub(crate) enum RecordFields<'a> {
    /// A record input's declared fields, with their defaults.
    Declared(&'a [InputField]),
    /// A record type's plain fields (a record inside a list has no defaults).
    Plain(&'a [(String, Type)]),
}

/// How a record of type `ty` (with fields `record`) met while reading `field` is read: with the
/// field's declared fields when it is the field's own record type, else with the type's.
pub(crate) fn record_fields<'a, F: FieldSpec>(
    field: &'a F,
    ty: &Type,
    record: &'a RecordType,
) -> RecordFields<'a> {
    let declared = field.children();
    if record_position(field.ty()) == ty && !declared.is_empty() {
        RecordFields::Declared(declared)
    } else {
        RecordFields::Plain(&record.fields)
    }
}

/// The record type a field's nested fields describe: the field's own type, or its list's
/// element type, through optionals.
fn record_position(ty: &Type) -> &Type {
    match ty.strip_optional() {
        Type::List(element) => element.strip_optional(),
        other => other,
    }
}

/// What the reader needs of a field: the input schema's fields (with defaults and nested
/// fields) and the plain `(name, type)` fields of record types inside lists.
pub(crate) trait FieldSpec {
    fn name(&self) -> &str;
    fn ty(&self) -> &Type;
    fn default(&self) -> Option<&Value>;
    /// The declared nested fields of a record input (empty otherwise).
    fn children(&self) -> &[InputField];
    /// The declared input field, with its refinements (spec §20); `None` for a record type's
    /// plain fields.
    fn declared(&self) -> Option<&InputField> {
        None
    }
    /// Its enum fallback.
    fn fallback(&self) -> Option<&Value> {
        None
    }
}

impl FieldSpec for InputField {
    fn name(&self) -> &str {
        &self.name
    }
    fn ty(&self) -> &Type {
        &self.ty
    }
    fn default(&self) -> Option<&Value> {
        self.default.as_ref()
    }
    fn children(&self) -> &[InputField] {
        &self.fields
    }
    fn declared(&self) -> Option<&InputField> {
        Some(self)
    }
    fn fallback(&self) -> Option<&Value> {
        self.fallback.as_ref()
    }
}

impl FieldSpec for (String, Type) {
    fn name(&self) -> &str {
        &self.0
    }
    fn ty(&self) -> &Type {
        &self.1
    }
    fn default(&self) -> Option<&Value> {
        None
    }
    fn children(&self) -> &[InputField] {
        &[]
    }
}

/// Reads a `YYYY-MM-DD` date given by a host (`as_of`).
pub fn parse_date(text: &str) -> EvalResult<NaiveDate> {
    crate::date_text::read(text).ok_or_else(|| {
        EvalError::new(
            ErrorKind::InvalidRequest,
            format!("\"{text}\" is not a date (YYYY-MM-DD)"),
        )
    })
}

/// Reads an RFC 3339 instant given by a host (`at`, spec §23), as UTC.
pub fn parse_datetime(text: &str) -> EvalResult<chrono::DateTime<chrono::Utc>> {
    crate::date_text::read_instant(text).ok_or_else(|| {
        EvalError::new(
            ErrorKind::InvalidRequest,
            format!("\"{text}\" is not an RFC 3339 instant (2026-03-01T09:00:00Z)"),
        )
    })
}
