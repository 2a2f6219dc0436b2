//! Scalar values read from text, by the input rules of spec §5: what a JSON input's strings
//! and numbers and a data file's cells (spec §21) are read with.

use crate::num;
use crate::types::{EnumId, Type};
use crate::value::Value;

/// The text of a number as a value of a number type
/// (`Int`, `Decimal`, `Percent`), or `None` when it is not one.
pub fn number(ty: &Type, text: &str) -> Option<Value> {
    let n = if *ty == Type::Percent {
        parse_percent(text)?
    } else {
        num::parse_exact(text)?
    };
    if *ty == Type::Int {
        if !num::is_integral(n) {
            return None;
        }
        let mut n = n;
        n.rescale(0);
        return Some(Value::Number(n));
    }
    Some(Value::Number(n))
}

/// A text as a value of a scalar type read from text (texts, dates, date-times, durations,
/// enum values, whose names `enum_values` gives), or `None` when it is not one.
pub fn text_scalar<'a>(
    ty: &Type,
    s: &str,
    enum_values: impl FnOnce(EnumId) -> Option<&'a [String]>,
) -> Option<Value> {
    match ty {
        Type::Text => Some(Value::text(s)),
        Type::Date => crate::date_text::read(s).map(Value::Date),
        Type::DateTime => crate::date_text::read_instant(s).map(Value::DateTime),
        Type::Duration => parse_duration(s).map(Value::Duration),
        Type::Enum(id) => enum_values(*id)?
            .iter()
            .position(|v| v == s)
            .map(|i| Value::Enum(*id, i as u32)),
        _ => None,
    }
}

/// A percent as a decimal fraction (`"0.12"`), or written with a percent sign (`"12%"`).
pub fn parse_percent(text: &str) -> Option<rust_decimal::Decimal> {
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
