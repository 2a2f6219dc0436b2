//! Reading JSON input into typed values (spec §5): every problem is reported with the JSON path
//! of the offending value (`customer.country`, `extras[1]`), in schema order. Numbers are read
//! exactly (never through binary floating point); bad input never yields a partial result.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use ordo_dsl::diagnostic::did_you_mean;
use serde_json::Value as Json;

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::ir::{InputField, Program};
use crate::num;
use crate::types::Type;
use crate::value::Value;

/// How absent fields are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absent {
    /// Use the default, `none` for optionals, or report a missing input.
    Complete,
    /// Absent fields are not chosen yet: `Unknown` (the configurator).
    Partial,
}

/// Reads a JSON object into one value per top-level input field.
pub fn read_input(program: &Program, json: &Json, absent: Absent) -> EvalResult<Vec<Value>> {
    let mut reader = Reader {
        program,
        errors: Vec::new(),
        absent,
    };
    let values = reader.record(&program.input.fields, json, "");
    let mut errors = reader.errors.into_iter();
    match errors.next() {
        None => Ok(values),
        Some(mut first) => {
            first.more = errors.collect();
            Err(first)
        }
    }
}

struct Reader<'p> {
    program: &'p Program,
    errors: Vec<EvalError>,
    absent: Absent,
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
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
    fn fail(&mut self, kind: ErrorKind, path: &str, message: String) -> Value {
        self.errors.push(EvalError::at_path(kind, path, message));
        Value::Unknown
    }

    fn record(&mut self, fields: &[InputField], json: &Json, prefix: &str) -> Vec<Value> {
        let Json::Object(map) = json else {
            let what = if prefix.is_empty() {
                "the input"
            } else {
                prefix
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
                let path = join(prefix, &field.name);
                match map.get(&field.name) {
                    None | Some(Json::Null) => self.absent_field(field, &path),
                    Some(value) => self.value(field, &field.ty, value, &path),
                }
            })
            .collect();
        // serde_json keeps the object's key order: report unknown fields as they were written.
        for key in map.keys() {
            if !fields.iter().any(|f| f.name == *key) {
                let path = join(prefix, key);
                let hint = did_you_mean(key, fields.iter().map(|f| f.name.as_str()));
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
                            .map(|f| f.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                });
                self.errors.push(error);
            }
        }
        values
    }

    fn absent_field(&mut self, field: &InputField, path: &str) -> Value {
        if self.absent == Absent::Partial {
            return Value::Unknown;
        }
        if let Some(default) = &field.default {
            return default.clone();
        }
        match &field.ty {
            Type::Optional(_) => Value::None,
            // A record whose every field can be filled in may itself be left out.
            Type::Record(_)
                if field
                    .fields
                    .iter()
                    .all(|f| f.default.is_some() || f.ty.is_optional()) =>
            {
                Value::Record(Arc::from(self.record(
                    &field.fields,
                    &Json::Object(Default::default()),
                    path,
                )))
            }
            _ => self.fail(
                ErrorKind::MissingInput,
                path,
                format!("the input `{path}` is required"),
            ),
        }
    }

    fn value(&mut self, field: &InputField, ty: &Type, json: &Json, path: &str) -> Value {
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
            Type::Bool => match json {
                Json::Bool(b) => Value::Bool(*b),
                _ => wrong(self, "true or false"),
            },
            Type::Int | Type::Decimal | Type::Percent => {
                let text = match json {
                    Json::Number(n) => n.to_string(),
                    Json::String(s) => s.clone(),
                    _ => return wrong(self, "a number"),
                };
                let parsed = if *ty == Type::Percent {
                    parse_percent(&text)
                } else {
                    num::parse_exact(&text)
                };
                match parsed {
                    None => wrong(self, "a number (28 significant digits at most)"),
                    Some(n) if *ty == Type::Int => {
                        if num::is_integral(n) {
                            let mut n = n;
                            n.rescale(0);
                            Value::Number(n)
                        } else {
                            wrong(self, "a whole number")
                        }
                    }
                    Some(n) => Value::Number(n),
                }
            }
            Type::Text => match json {
                Json::String(s) => Value::text(s),
                _ => wrong(self, "a text"),
            },
            Type::Date => match json
                .as_str()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            {
                Some(d) => Value::Date(d),
                None => wrong(self, "a date \"YYYY-MM-DD\""),
            },
            Type::DateTime => match json
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            {
                Some(t) => Value::DateTime(t.with_timezone(&Utc)),
                None => wrong(self, "an RFC 3339 date-time (\"2026-03-01T09:00:00Z\")"),
            },
            Type::Duration => match json.as_str().and_then(parse_duration) {
                Some(s) => Value::Duration(s),
                None => wrong(self, "an ISO 8601 duration (\"P2D\", \"PT12H\")"),
            },
            Type::Enum(id) => match json {
                Json::String(s) => self.enum_value(*id, s, path),
                _ => wrong(self, &format!("one of {}", self.enum_values(*id))),
            },
            Type::Set(id) => match json {
                Json::Array(items) => {
                    let mut members = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        let item_path = format!("{path}[{i}]");
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
                            let item_path = format!("{path}[{i}]");
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
            Type::Record(record) => {
                // Nested input records carry their fields (and defaults) in the schema; record
                // types inside lists have no defaults.
                let fields: Vec<InputField> =
                    if field.ty.strip_optional() == ty && !field.fields.is_empty() {
                        field.fields.clone()
                    } else {
                        record
                            .fields
                            .iter()
                            .map(|(n, t)| InputField {
                                name: n.clone(),
                                ty: t.clone(),
                                default: None,
                                fields: Vec::new(),
                            })
                            .collect()
                    };
                Value::Record(Arc::from(self.record(&fields, json, path)))
            }
            Type::None | Type::Unknown => wrong(self, "a known type"),
        }
    }

    fn enum_values(&self, id: u32) -> String {
        self.program
            .enums
            .get(id as usize)
            .map(|e| e.values.join(", "))
            .unwrap_or_default()
    }

    fn enum_value(&mut self, id: u32, s: &str, path: &str) -> Value {
        let values = self
            .program
            .enums
            .get(id as usize)
            .map(|e| e.values.clone())
            .unwrap_or_default();
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
                    path,
                    format!(
                        "\"{s}\" is not a {name}; the values are {}",
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

/// A percent as a decimal fraction (`"0.12"`), or written with a percent sign (`"12%"`).
fn parse_percent(text: &str) -> Option<rust_decimal::Decimal> {
    match text.trim().strip_suffix('%') {
        Some(p) => num::parse_exact(p)?.checked_div(rust_decimal::Decimal::ONE_HUNDRED),
        None => num::parse_exact(text),
    }
}

/// An ISO 8601 duration of weeks, days, hours, minutes and seconds (`P1W`, `P2DT3H`, `PT90M`).
pub fn parse_duration(text: &str) -> Option<i64> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let rest = rest.strip_prefix('P')?;
    let mut seconds: i64 = 0;
    let mut in_time = false;
    let mut digits = String::new();
    let mut any = false;
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            'T' if digits.is_empty() && !in_time => in_time = true,
            unit => {
                let n: i64 = digits.parse().ok()?;
                digits.clear();
                let factor = match (unit, in_time) {
                    ('W', false) => 604_800,
                    ('D', false) => 86_400,
                    ('H', true) => 3_600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
                seconds = seconds.checked_add(n.checked_mul(factor)?)?;
                any = true;
            }
        }
    }
    if !digits.is_empty() || !any {
        return None;
    }
    Some(if negative { -seconds } else { seconds })
}

/// Reads a `YYYY-MM-DD` date given by a host (`as_of`).
pub fn parse_date(text: &str) -> EvalResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        EvalError::new(
            ErrorKind::InvalidRequest,
            format!("\"{text}\" is not a date (YYYY-MM-DD)"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("P2D"), Some(172_800));
        assert_eq!(parse_duration("PT12H"), Some(43_200));
        assert_eq!(parse_duration("P1DT30M"), Some(88_200));
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("2 days"), None);
        assert_eq!(parse_duration("P99999999999999999999D"), None);
    }

    #[test]
    fn percents() {
        assert_eq!(parse_percent("12%").unwrap().to_string(), "0.12");
        assert_eq!(parse_percent("0.12").unwrap().to_string(), "0.12");
    }
}
