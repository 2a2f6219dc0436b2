//! Values, quotes and traces as JSON (spec §16). Decimals are strings that keep their scale, so
//! no host turns them into floats; object keys come in declaration order.
//!
//! Each shape is a [`WriteJson`] view over the engine's own values, so one definition writes
//! JSON text straight into a buffer (no tree built on the way) and builds a `serde_json::Value`
//! where a host wants one (see `super::sink`): both forms come from the same code and cannot
//! drift apart.

use serde::Serialize;
use serde::ser::Serializer;
use serde_json::Value as Json;

use super::sink::{Sink, WriteJson, key, to_tree};
use crate::eval::{PricedLine, Quote, TraceEntry};
use crate::ir::Program;
use crate::ir::display;
use crate::ir::display::enum_value_name;
use crate::types::Type;
use crate::value::Value;

/// The type of values whose static type is not known here (list elements of an untyped list).
static UNKNOWN: Type = Type::Unknown;

/// A value as JSON, guided by its static type (for record field names).
pub fn value_to_json(program: &Program, value: &Value, ty: &Type) -> Json {
    to_tree(&TypedValue { program, value, ty })
}

/// A quote as in spec §16; with `trace`, each line says how its amount was computed.
pub fn quote_json(quote: &Quote, trace: bool) -> Json {
    to_tree(&QuoteJson { quote, trace })
}

/// An optional decimal: `null` when not known.
fn write_decimal<S: Sink>(sink: &mut S, d: Option<rust_decimal::Decimal>) {
    match d {
        Some(d) => sink.decimal(d),
        None => sink.null(),
    }
}

/// A value with its static type: records become objects with their field names.
pub struct TypedValue<'a> {
    pub program: &'a Program,
    pub value: &'a Value,
    pub ty: &'a Type,
}

impl WriteJson for TypedValue<'_> {
    fn write_json<S: Sink>(&self, sink: &mut S) {
        let program = self.program;
        match self.value {
            Value::Bool(b) => sink.bool(*b),
            Value::Number(n) => sink.decimal(*n),
            Value::Text(t) => sink.text(t),
            Value::Enum(e, v) => sink.plain(enum_value_name(program, *e, *v)),
            Value::Date(date) => sink.date(*date),
            Value::DateTime(_) | Value::Duration(_) => {
                sink.text(&display(program, self.value));
            }
            Value::Set(e, members) | Value::PartialSet(e, members) => {
                sink.begin_array();
                for m in members.iter() {
                    sink.plain(enum_value_name(program, *e, *m));
                }
                sink.end_array();
            }
            Value::List(items) => {
                let ty = match self.ty.strip_optional() {
                    Type::List(t) => &**t,
                    _ => &UNKNOWN,
                };
                sink.begin_array();
                for value in items.iter() {
                    TypedValue { program, value, ty }.write_json(sink);
                }
                sink.end_array();
            }
            Value::Record(fields) => match self.ty.strip_optional() {
                Type::Record(record) => {
                    sink.begin_object();
                    for ((name, ty), value) in record.fields.iter().zip(fields.iter()) {
                        sink.name_key(name);
                        TypedValue { program, value, ty }.write_json(sink);
                    }
                    sink.end_object();
                }
                _ => {
                    sink.begin_array();
                    for value in fields.iter() {
                        TypedValue {
                            program,
                            value,
                            ty: &UNKNOWN,
                        }
                        .write_json(sink);
                    }
                    sink.end_array();
                }
            },
            Value::None | Value::Unknown => sink.null(),
        }
    }
}

/// For hosts that serialise a typed value with `serde`: its JSON tree.
impl Serialize for TypedValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        to_tree(self).serialize(s)
    }
}

/// A quote (spec §16): currency, lines, subtotals and total.
pub(crate) struct QuoteJson<'a> {
    pub quote: &'a Quote,
    /// Add each line's `explain`.
    pub trace: bool,
}

impl WriteJson for QuoteJson<'_> {
    fn write_json<S: Sink>(&self, sink: &mut S) {
        let quote = self.quote;
        sink.begin_object();
        sink.fixed_key(key!("currency"));
        sink.text(&quote.currency);
        sink.fixed_key(key!("lines"));
        sink.begin_array();
        for line in &quote.lines {
            write_line(sink, line, self.trace);
        }
        sink.end_array();
        sink.fixed_key(key!("subtotals"));
        sink.begin_object();
        for (name, value) in &quote.subtotals {
            sink.name_key(name);
            write_decimal(sink, *value);
        }
        sink.end_object();
        sink.fixed_key(key!("total"));
        write_decimal(sink, quote.total);
        sink.end_object();
    }
}

fn write_line<S: Sink>(sink: &mut S, l: &PricedLine, trace: bool) {
    sink.begin_object();
    sink.fixed_key(key!("id"));
    sink.text(&l.id);
    sink.fixed_key(key!("kind"));
    sink.plain(l.kind.as_str());
    sink.fixed_key(key!("label"));
    sink.text(&l.label);
    if let Some(q) = l.quantity {
        sink.fixed_key(key!("quantity"));
        sink.decimal(q);
    }
    if let Some(u) = l.unit_price {
        sink.fixed_key(key!("unit_price"));
        sink.decimal(u);
    }
    sink.fixed_key(key!("amount"));
    write_decimal(sink, l.amount);
    if trace {
        sink.fixed_key(key!("explain"));
        sink.text(&l.explain);
    }
    sink.end_object();
}

/// The trace: one entry per value, decision and constraint, in the order they were computed.
pub(crate) struct TraceJson<'a> {
    pub program: &'a Program,
    pub trace: &'a [TraceEntry],
}

impl WriteJson for TraceJson<'_> {
    fn write_json<S: Sink>(&self, sink: &mut S) {
        let program = self.program;
        // A read is a named value or an input path (`customer`, `items`): records and lists
        // of records are written with their field names either way.
        let type_of = |name: &str| match program.global_named(name) {
            Some((_, g)) => &g.ty,
            None => program
                .input
                .field_indexes(name)
                .and_then(|indexes| program.input.field_at(&indexes))
                .map_or(&UNKNOWN, |f| &f.ty),
        };
        // A call of a decision with parameters: its result and its parameters' types.
        let function = |name: &str| program.functions.iter().find(|f| f.name == name);
        sink.begin_array();
        for t in self.trace {
            sink.begin_object();
            sink.fixed_key(key!("kind"));
            sink.plain(t.kind);
            sink.fixed_key(key!("id"));
            sink.text(&t.id);
            let called = function(&t.id);
            let (key, ty) = match called {
                _ if t.kind == "constraint" => ("holds", &Type::Bool),
                Some(f) => ("value", &f.result),
                None => ("value", type_of(&t.id)),
            };
            sink.name_key(key);
            TypedValue {
                program,
                value: &t.value,
                ty,
            }
            .write_json(sink);
            sink.fixed_key(key!("reads"));
            sink.begin_object();
            for (name, value) in &t.reads {
                sink.key(name);
                let parameter = called
                    .and_then(|f| f.params.iter().find(|(p, _)| p == name))
                    .map(|(_, ty)| ty);
                TypedValue {
                    program,
                    value,
                    ty: parameter.unwrap_or_else(|| type_of(name)),
                }
                .write_json(sink);
            }
            sink.end_object();
            if !t.rows.is_empty() {
                sink.fixed_key(key!("rows"));
                sink.begin_array();
                for (row, line) in &t.rows {
                    sink.begin_object();
                    sink.fixed_key(key!("row"));
                    sink.unsigned(*row as u64);
                    sink.fixed_key(key!("line"));
                    sink.unsigned(*line as u64);
                    sink.end_object();
                }
                sink.end_array();
            }
            sink.end_object();
        }
        sink.end_array();
    }
}

impl crate::ruleset::schema::FieldView<'_> {
    /// The field's default as JSON, if it has one.
    pub fn default_json(&self) -> Option<Json> {
        self.default_value()
            .map(|value| value_to_json(self.program(), value, self.ty()))
    }
}
