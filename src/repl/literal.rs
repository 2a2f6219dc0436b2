//! The value of `:set PATH = VALUE`: JSON, or an ordo literal turned into the JSON input form.

use ordo_dsl::ast::{Expr, ExprKind, TextPart, UnaryOp};
use ordo_engine::ErrorKind;
use serde_json::{Map, Value as Json};

/// Reads a value as JSON (`12`, `"DE"`, `["heater"]`) or, failing that, as an ordo literal
/// (`p200`, `12.50`, `8%`, `2026-03-01`, `3 days`, `{heater, sensor_kit}`,
/// `{ tier: gold, country: "DE" }`). A key or field given twice is refused, as in every input.
/// The error is ready to print.
pub fn value(text: &str) -> Result<Json, String> {
    match ordo_engine::parse_json(text) {
        Ok(json) => return Ok(json),
        // Valid JSON but a key given twice: not an ordo literal either.
        Err(e) if e.kind == ErrorKind::InvalidInput => {
            return Err(match &e.path {
                Some(path) => format!("error: {} (at `{path}`)", e.message),
                None => format!("error: {}", e.message),
            });
        }
        Err(_) => {}
    }
    let expr = ordo_dsl::parse_expression(text)
        .map_err(|diagnostics| diagnostics.render("<value>", text))?;
    to_json(&expr)
}

const NOT_A_LITERAL: &str = "error: `:set` takes a literal value (a number, percent, text, date, \
     instant, duration, enum value, list, set or record) or JSON";

fn to_json(e: &Expr) -> Result<Json, String> {
    let not_a_literal = || NOT_A_LITERAL.to_string();
    Ok(match &e.kind {
        ExprKind::Number(n) => Json::String(n.to_string()),
        ExprKind::Percent(p) => Json::String(format!("{p}%")),
        ExprKind::Text(parts) => {
            let mut text = String::new();
            for part in parts {
                match part {
                    TextPart::Literal(s) => text.push_str(s),
                    TextPart::Interpolation(_) => return Err(not_a_literal()),
                }
            }
            Json::String(text)
        }
        ExprKind::Bool(b) => Json::Bool(*b),
        ExprKind::None => Json::Null,
        ExprKind::Date(d) => Json::String(d.format("%Y-%m-%d").to_string()),
        ExprKind::DateTime(t) => Json::String(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        ExprKind::Duration { amount, unit } => {
            let seconds = amount
                .checked_mul(unit.seconds().into())
                .and_then(|s| i64::try_from(s.trunc()).ok())
                .ok_or_else(|| format!("error: the duration `{amount}` is too long"))?;
            Json::String(ordo_engine::text::duration_text(seconds))
        }
        // An enum value, bare or qualified (`Model.p200`).
        ExprKind::Name(ident) => Json::String(ident.name.clone()),
        ExprKind::Field { target, field } if matches!(target.kind, ExprKind::Name(_)) => {
            Json::String(field.name.clone())
        }
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => match &operand.kind {
            ExprKind::Number(n) => Json::String(format!("-{n}")),
            ExprKind::Percent(p) => Json::String(format!("-{p}%")),
            _ => return Err(not_a_literal()),
        },
        ExprKind::List(items) | ExprKind::Set(items) => {
            Json::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        ExprKind::Record(fields) => {
            let mut map = Map::new();
            for field in fields {
                let name = &field.name.name;
                if map.insert(name.clone(), to_json(&field.value)?).is_some() {
                    return Err(format!("error: the field `{name}` is given twice"));
                }
            }
            Json::Object(map)
        }
        _ => return Err(not_a_literal()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    #[test]
    fn literals_and_json_become_input_values() {
        assert_eq!(value("12").unwrap(), json!(12));
        // JSON numbers keep their digits.
        assert_eq!(
            ordo_engine::to_json_string(&value("12.50").unwrap()),
            "12.50"
        );
        assert_eq!(value("3 days").unwrap(), json!("P3D"));
        assert_eq!(value("8.1%").unwrap(), json!("8.1%"));
        assert_eq!(value("p200").unwrap(), json!("p200"));
        assert_eq!(value("Model.p200").unwrap(), json!("p200"));
        assert_eq!(value("2026-03-01").unwrap(), json!("2026-03-01"));
        assert_eq!(
            value("2026-03-01T09:30:00Z").unwrap(),
            json!("2026-03-01T09:30:00Z")
        );
        assert_eq!(
            value("{heater, sensor_kit}").unwrap(),
            json!(["heater", "sensor_kit"])
        );
        assert_eq!(
            value("{ tier: gold, country: \"DE\" }").unwrap(),
            json!({"tier": "gold", "country": "DE"})
        );
        assert_eq!(value("[\"a\", \"b\"]").unwrap(), json!(["a", "b"]));
        assert_eq!(value("-5").unwrap(), json!(-5));
        assert!(value("quantity * 2").is_err());
        assert!(value("1 +").unwrap_err().contains("syntax"));
    }

    #[test]
    fn a_key_or_field_given_twice_is_refused() {
        let json = value(r#"{"tier": "gold", "tier": "silver"}"#).unwrap_err();
        assert!(json.contains("`tier` appears twice"), "{json}");
        assert!(json.contains("(at `tier`)"), "{json}");
        let literal = value("{ tier: gold, tier: silver }").unwrap_err();
        assert_eq!(literal, "error: the field `tier` is given twice");
        let nested = value(r#"[{"a": 1}, {"b": 1, "b": 2}]"#).unwrap_err();
        assert!(nested.contains("[1].b"), "{nested}");
    }
}
