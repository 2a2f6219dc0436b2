//! Values as text: in interpolated strings and labels (`"Pump {model}"` → `Pump p200`), and
//! quoted in error messages.

use crate::ir::Program;
use crate::num;
use crate::value::Value;

/// The text an interpolation shows for a value.
pub fn display(program: &Program, value: &Value) -> String {
    let mut out = String::new();
    display_into(&mut out, program, value);
    out
}

/// Appends the text an interpolation shows for a value (no intermediate strings).
pub fn display_into(out: &mut String, program: &Program, value: &Value) {
    use std::fmt::Write as _;
    // Writing into a `String` cannot fail.
    let _ = match value {
        Value::Bool(b) => write!(out, "{b}"),
        Value::Number(n) => {
            num::push_decimal(out, *n);
            Ok(())
        }
        Value::Text(t) => out.write_str(t),
        Value::Date(d) => write!(out, "{d}"),
        Value::DateTime(t) => {
            out.write_str(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        }
        Value::Duration(s) => out.write_str(&duration_text(*s)),
        Value::Enum(e, v) => out.write_str(enum_value_name(program, *e, *v)),
        Value::Set(e, members) | Value::PartialSet(e, members) => {
            comma_separated(out, members.iter(), |out, m| {
                out.push_str(enum_value_name(program, *e, *m));
            });
            Ok(())
        }
        Value::List(items) => {
            comma_separated(out, items.iter(), |out, item| {
                display_into(out, program, item)
            });
            Ok(())
        }
        Value::Record(fields) => {
            out.push('{');
            comma_separated(out, fields.iter(), |out, field| {
                display_into(out, program, field);
            });
            out.push('}');
            Ok(())
        }
        Value::None => out.write_str("none"),
        Value::Unknown => out.write_str("?"),
    };
}

/// Writes each item with `write`, separated by `, `.
fn comma_separated<T>(
    out: &mut String,
    items: impl Iterator<Item = T>,
    mut write: impl FnMut(&mut String, T),
) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write(out, item);
    }
}

/// A value for an error message: texts in quotes.
pub fn quoted(program: &Program, value: &Value) -> String {
    match value {
        Value::Text(t) => format!("\"{t}\""),
        other => display(program, other),
    }
}

/// The name of an enum value.
pub fn enum_value_name(program: &Program, enum_id: u32, index: u32) -> &str {
    program
        .enums
        .get(enum_id as usize)
        .and_then(|e| e.values.get(index as usize))
        .map_or("?", String::as_str)
}

/// A duration as ISO 8601 (`P2D`, `PT12H`, `P1DT2H30M`).
pub fn duration_text(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let mut s = seconds.unsigned_abs();
    let days = s / 86_400;
    s %= 86_400;
    let (hours, minutes, secs) = (s / 3_600, (s % 3_600) / 60, s % 60);
    let mut out = format!("{sign}P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if hours + minutes + secs > 0 {
        out.push('T');
        if hours > 0 {
            out.push_str(&format!("{hours}H"));
        }
        if minutes > 0 {
            out.push_str(&format!("{minutes}M"));
        }
        if secs > 0 {
            out.push_str(&format!("{secs}S"));
        }
    }
    if out.ends_with('P') {
        out.push_str("T0S");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_iso_8601() {
        assert_eq!(duration_text(2 * 86_400), "P2D");
        assert_eq!(duration_text(12 * 3_600), "PT12H");
        assert_eq!(duration_text(86_400 + 9_000), "P1DT2H30M");
        assert_eq!(duration_text(0), "PT0S");
        assert_eq!(duration_text(-3_600), "-PT1H");
    }
}
