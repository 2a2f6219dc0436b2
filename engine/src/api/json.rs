//! Values, quotes and traces as JSON (spec §16). Decimals are strings that keep their scale, so
//! no host turns them into floats; object keys come in declaration order.

use serde_json::{Map, Value as Json, json};

use crate::eval::{Quote, TraceEntry, display};
use crate::ir::Program;
use crate::num;
use crate::types::Type;
use crate::value::Value;

/// A decimal as a JSON string, never `-0`.
pub fn decimal_json(d: rust_decimal::Decimal) -> Json {
    Json::String(num::to_string(d))
}

/// A value as JSON, guided by its static type (for record field names).
pub fn value_to_json(program: &Program, value: &Value, ty: &Type) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => decimal_json(*n),
        Value::Text(t) => Json::String(t.to_string()),
        Value::Date(_) | Value::DateTime(_) | Value::Duration(_) | Value::Enum(..) => {
            Json::String(display(program, value))
        }
        Value::Set(e, members) | Value::PartialSet(e, members) => Json::Array(
            members
                .iter()
                .map(|m| Json::String(crate::eval::display(program, &Value::Enum(*e, *m))))
                .collect(),
        ),
        Value::List(items) => {
            let elem = match ty.strip_optional() {
                Type::List(t) => (**t).clone(),
                _ => Type::Unknown,
            };
            Json::Array(
                items
                    .iter()
                    .map(|i| value_to_json(program, i, &elem))
                    .collect(),
            )
        }
        Value::Record(fields) => match ty.strip_optional() {
            Type::Record(record) => Json::Object(
                record
                    .fields
                    .iter()
                    .zip(fields.iter())
                    .map(|((name, t), v)| (name.clone(), value_to_json(program, v, t)))
                    .collect(),
            ),
            _ => Json::Array(
                fields
                    .iter()
                    .map(|v| value_to_json(program, v, &Type::Unknown))
                    .collect(),
            ),
        },
        Value::None | Value::Unknown => Json::Null,
    }
}

/// A quote as in spec §16; with `trace`, each line says how its amount was computed.
pub fn quote_json(quote: &Quote, trace: bool) -> Json {
    let lines: Vec<Json> = quote
        .lines
        .iter()
        .map(|l| {
            let mut line = Map::new();
            line.insert("id".into(), Json::String(l.id.clone()));
            line.insert("kind".into(), Json::String(l.kind.as_str().into()));
            line.insert("label".into(), Json::String(l.label.clone()));
            if let Some(q) = l.quantity {
                line.insert("quantity".into(), decimal_json(q));
            }
            if let Some(u) = l.unit_price {
                line.insert("unit_price".into(), decimal_json(u));
            }
            line.insert("amount".into(), l.amount.map_or(Json::Null, decimal_json));
            if trace {
                line.insert("explain".into(), Json::String(l.explain.clone()));
            }
            Json::Object(line)
        })
        .collect();
    let subtotals: Map<String, Json> = quote
        .subtotals
        .iter()
        .map(|(name, v)| (name.clone(), v.map_or(Json::Null, decimal_json)))
        .collect();
    json!({
        "currency": quote.currency,
        "lines": lines,
        "subtotals": subtotals,
        "total": quote.total.map_or(Json::Null, decimal_json),
    })
}

/// The trace: one entry per value, decision and constraint, in the order they were computed.
pub fn trace_json(program: &Program, trace: &[TraceEntry]) -> Json {
    Json::Array(
        trace
            .iter()
            .map(|t| {
                let mut entry = Map::new();
                entry.insert("kind".into(), Json::String(t.kind.into()));
                entry.insert("id".into(), Json::String(t.id.clone()));
                let ty = program
                    .global_named(&t.id)
                    .map_or(Type::Unknown, |(_, g)| g.ty.clone());
                if t.kind == "constraint" {
                    entry.insert(
                        "holds".into(),
                        value_to_json(program, &t.value, &Type::Bool),
                    );
                } else {
                    entry.insert("value".into(), value_to_json(program, &t.value, &ty));
                }
                let reads: Map<String, Json> = t
                    .reads
                    .iter()
                    .map(|(name, v)| {
                        let ty = program
                            .global_named(name)
                            .map_or(Type::Unknown, |(_, g)| g.ty.clone());
                        (name.clone(), value_to_json(program, v, &ty))
                    })
                    .collect();
                entry.insert("reads".into(), Json::Object(reads));
                if !t.rows.is_empty() {
                    entry.insert(
                        "rows".into(),
                        Json::Array(
                            t.rows
                                .iter()
                                .map(|(row, line)| json!({"row": row, "line": line}))
                                .collect(),
                        ),
                    );
                }
                Json::Object(entry)
            })
            .collect(),
    )
}
