//! Values, quotes and traces as JSON (spec §16). Decimals are strings that keep their scale, so
//! no host turns them into floats; object keys come in declaration order.
//!
//! Each shape is a [`Serialize`] view over the engine's own values, so one definition writes
//! JSON text straight into a buffer (`super::text`, no tree built on the way) and builds a
//! `serde_json::Value` where a host wants one (`serde_json::to_value`): both forms come from
//! the same code and cannot drift apart.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::Value as Json;

use super::text::{Fields, Plain};
use crate::eval::display::enum_value_name;
use crate::eval::{PricedLine, Quote, TraceEntry, display};
use crate::ir::Program;
use crate::num;
use crate::types::Type;
use crate::value::Value;

/// The type of values whose static type is not known here (list elements of an untyped list).
static UNKNOWN: Type = Type::Unknown;

/// A decimal as JSON text, never `-0`.
pub fn decimal_json(d: rust_decimal::Decimal) -> Json {
    Json::String(num::to_string(d))
}

/// A value as JSON, guided by its static type (for record field names).
pub fn value_to_json(program: &Program, value: &Value, ty: &Type) -> Json {
    to_json(&TypedValue { program, value, ty })
}

/// A quote as in spec §16; with `trace`, each line says how its amount was computed.
pub fn quote_json(quote: &Quote, trace: bool) -> Json {
    to_json(&QuoteJson { quote, trace })
}

/// Builds the JSON tree of a serialisable view. The views here only have text keys, so
/// serialisation cannot fail; `null` stands for the impossible failure rather than a panic.
pub(crate) fn to_json(view: &impl Serialize) -> Json {
    serde_json::to_value(view).unwrap_or(Json::Null)
}

/// Serialises a decimal as a JSON string (its text, never `-0`), without allocating.
pub(crate) fn serialize_decimal<S: Serializer>(
    d: rust_decimal::Decimal,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; num::DECIMAL_TEXT_LEN];
    Plain(num::decimal_text(d, &mut buf)).serialize(s)
}

/// An optional decimal: `null` when not known.
struct OptDecimal(Option<rust_decimal::Decimal>);

impl Serialize for OptDecimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(d) => serialize_decimal(d, s),
            None => s.serialize_unit(),
        }
    }
}

/// A value with its static type: records become objects with their field names.
pub struct TypedValue<'a> {
    pub program: &'a Program,
    pub value: &'a Value,
    pub ty: &'a Type,
}

impl Serialize for TypedValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let program = self.program;
        match self.value {
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => serialize_decimal(*n, s),
            Value::Text(t) => s.serialize_str(t),
            Value::Enum(e, v) => Plain(enum_value_name(program, *e, *v)).serialize(s),
            Value::Date(_) | Value::DateTime(_) | Value::Duration(_) => {
                s.serialize_str(&display(program, self.value))
            }
            Value::Set(e, members) | Value::PartialSet(e, members) => {
                let mut seq = s.serialize_seq(Some(members.len()))?;
                for m in members.iter() {
                    seq.serialize_element(&Plain(enum_value_name(program, *e, *m)))?;
                }
                seq.end()
            }
            Value::List(items) => {
                let elem = match self.ty.strip_optional() {
                    Type::List(t) => &**t,
                    _ => &UNKNOWN,
                };
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for value in items.iter() {
                    seq.serialize_element(&TypedValue {
                        program,
                        value,
                        ty: elem,
                    })?;
                }
                seq.end()
            }
            Value::Record(fields) => match self.ty.strip_optional() {
                Type::Record(record) => {
                    let mut map = s.serialize_map(Some(fields.len()))?;
                    for ((name, ty), value) in record.fields.iter().zip(fields.iter()) {
                        map.serialize_entry(&Plain(name), &TypedValue { program, value, ty })?;
                    }
                    map.end()
                }
                _ => {
                    let mut seq = s.serialize_seq(Some(fields.len()))?;
                    for value in fields.iter() {
                        seq.serialize_element(&TypedValue {
                            program,
                            value,
                            ty: &UNKNOWN,
                        })?;
                    }
                    seq.end()
                }
            },
            Value::None | Value::Unknown => s.serialize_unit(),
        }
    }
}

/// A quote (spec §16): currency, lines, subtotals and total.
pub(crate) struct QuoteJson<'a> {
    pub quote: &'a Quote,
    /// Add each line's `explain`.
    pub trace: bool,
}

impl Serialize for QuoteJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let quote = self.quote;
        let mut map = s.serialize_map(Some(4))?;
        map.field("currency", &quote.currency)?;
        map.field(
            "lines",
            &Seq(quote.lines.iter().map(|line| LineJson {
                line,
                trace: self.trace,
            })),
        )?;
        map.field(
            "subtotals",
            &Map(quote
                .subtotals
                .iter()
                .map(|(name, v)| (Plain(name), OptDecimal(*v)))),
        )?;
        map.field("total", &OptDecimal(quote.total))?;
        map.end()
    }
}

struct LineJson<'a> {
    line: &'a PricedLine,
    trace: bool,
}

impl Serialize for LineJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let l = self.line;
        let mut map = s.serialize_map(None)?;
        map.field("id", &l.id)?;
        map.field("kind", &Plain(l.kind.as_str()))?;
        map.field("label", &l.label)?;
        if let Some(q) = l.quantity {
            map.field("quantity", &OptDecimal(Some(q)))?;
        }
        if let Some(u) = l.unit_price {
            map.field("unit_price", &OptDecimal(Some(u)))?;
        }
        map.field("amount", &OptDecimal(l.amount))?;
        if self.trace {
            map.field("explain", &l.explain)?;
        }
        map.end()
    }
}

/// The trace: one entry per value, decision and constraint, in the order they were computed.
pub(crate) struct TraceJson<'a> {
    pub program: &'a Program,
    pub trace: &'a [TraceEntry],
}

impl Serialize for TraceJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let program = self.program;
        let type_of = |name: &str| program.global_named(name).map_or(&UNKNOWN, |(_, g)| &g.ty);
        let mut seq = s.serialize_seq(Some(self.trace.len()))?;
        for t in self.trace {
            seq.serialize_element(&TraceEntryJson {
                program,
                entry: t,
                type_of: &type_of,
            })?;
        }
        seq.end()
    }
}

struct TraceEntryJson<'a, F> {
    program: &'a Program,
    entry: &'a TraceEntry,
    type_of: &'a F,
}

impl<'a, F: Fn(&str) -> &'a Type> Serialize for TraceEntryJson<'a, F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (program, t) = (self.program, self.entry);
        let mut map = s.serialize_map(None)?;
        map.field("kind", &Plain(t.kind))?;
        map.field("id", &t.id)?;
        let (key, ty) = if t.kind == "constraint" {
            ("holds", &Type::Bool)
        } else {
            ("value", (self.type_of)(&t.id))
        };
        map.serialize_entry(
            key,
            &TypedValue {
                program,
                value: &t.value,
                ty,
            },
        )?;
        map.field(
            "reads",
            &Map(t.reads.iter().map(|(name, value)| {
                (
                    name.as_str(),
                    TypedValue {
                        program,
                        value,
                        ty: (self.type_of)(name),
                    },
                )
            })),
        )?;
        if !t.rows.is_empty() {
            map.field(
                "rows",
                &Seq(t.rows.iter().map(|(row, line)| RowJson(*row, *line))),
            )?;
        }
        map.end()
    }
}

struct RowJson(usize, usize);

impl Serialize for RowJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.field("row", &self.0)?;
        map.field("line", &self.1)?;
        map.end()
    }
}

/// A JSON array of the items an iterator yields (iterated once per serialisation).
#[derive(Clone)]
pub(crate) struct Seq<I>(pub I);

impl<I, T> Serialize for Seq<I>
where
    I: Iterator<Item = T> + Clone,
    T: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone())
    }
}

/// A JSON object of the (key, value) pairs an iterator yields, in that order.
pub(crate) struct Map<I>(pub I);

impl<I, K, V> Serialize for Map<I>
where
    I: Iterator<Item = (K, V)> + Clone,
    K: Serialize,
    V: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.clone())
    }
}
