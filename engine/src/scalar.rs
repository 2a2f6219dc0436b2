//! Scalar values read from text, by the input rules of spec §5: what a JSON input's strings
//! and numbers and a data file's cells (spec §21) are read with.

use chrono::{DateTime, NaiveDate, Utc};

use crate::num;
use crate::types::{EnumId, Type};
use crate::value::Value;

/// A date as spec §5 writes it, `YYYY-MM-DD`: four digits of year, two of month, two of day.
/// A year outside 0–9999 takes its sign (`+10000-01-01`, `-0001-12-31`), as the engine writes
/// such dates, so that what it writes it reads back. `None` for any other text
/// (`2026-3-1`, `26-03-01`, `+2026-03-01`, a space around it) and for a day the calendar does not
/// have (`2026-02-30`): a date read some other way would be a different day, not an error.
pub fn date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let (sign, unsigned) = match bytes.first()? {
        b'+' => (1, bytes.get(1..)?),
        b'-' => (-1, bytes.get(1..)?),
        _ => (0, bytes),
    };
    let year_len = unsigned.iter().position(|b| *b == b'-')?;
    let (year_digits, month_day) = unsigned.split_at(year_len);
    // `-MM-DD`, and a year of at most 6 digits (chrono's dates end in ±262143).
    let [b'-', m1, m2, b'-', d1, d2] = *month_day else {
        return None;
    };
    if !(1..=6).contains(&year_len) || !year_digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let year: i32 = year_digits
        .iter()
        .fold(0, |year, digit| year * 10 + i32::from(digit - b'0'));
    let year = match sign {
        0 if year_len == 4 => year,
        // Signed years are the ones 0–9999 leaves out, padded to four digits and no further.
        1 if year > 9999 && year_digits.first() != Some(&b'0') => year,
        -1 if year > 0
            && (year_len == 4 || (year_len > 4 && year_digits.first() != Some(&b'0'))) =>
        {
            -year
        }
        _ => return None,
    };
    let two = |a: u8, b: u8| -> Option<u32> {
        (a.is_ascii_digit() && b.is_ascii_digit())
            .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
    };
    NaiveDate::from_ymd_opt(year, two(m1, m2)?, two(d1, d2)?)
}

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
        Type::Date => date(s).map(Value::Date),
        Type::DateTime => DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| Value::DateTime(t.with_timezone(&Utc))),
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
    use proptest::prelude::*;

    #[test]
    fn dates_are_read_as_written_and_nothing_else() {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(date("2026-03-01"), ymd(2026, 3, 1));
        assert_eq!(date("0099-03-01"), ymd(99, 3, 1));
        assert_eq!(date("2024-02-29"), ymd(2024, 2, 29));
        assert_eq!(date("+10000-01-01"), ymd(10000, 1, 1));
        assert_eq!(date("-0001-12-31"), ymd(-1, 12, 31));
        assert_eq!(date("-12345-12-31"), ymd(-12345, 12, 31));
        for other in [
            "",
            "2026-3-1",
            "2026-03-1",
            "26-03-01",
            "99-03-01",
            "02026-03-01",
            "12026-03-01",
            "+2026-03-01",
            "+09999-01-01",
            "-1-01-01",
            "-00001-01-01",
            "-0000-01-01",
            "-0-01-01",
            " 2026-03-01",
            "2026-03-01 ",
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-03-00",
            "2026-03-01T00:00:00Z",
            "2026/03/01",
            "2026-0a-01",
            "+",
            "-",
            "+1000000-01-01",
        ] {
            assert_eq!(date(other), None, "{other}");
        }
    }

    proptest! {
        /// Every date the engine writes (`iso_date`, as results and texts show it) reads back
        /// as itself, over chrono's whole range.
        #[test]
        fn written_dates_read_back(
            days in prop_oneof![-95_000_000i64..95_000_000, -800_000i64..3_000_000],
        ) {
            let day = NaiveDate::default().checked_add_signed(chrono::Duration::days(days));
            prop_assume!(day.is_some());
            let day = day.unwrap_or_default();
            let written = crate::json::sink::iso_date(day);
            prop_assert_eq!(date(&written), Some(day), "{}", written);
        }

        /// A text is read as a date only when it is that date's own writing: no second
        /// spelling of a day (`2026-3-1`, `+2026-03-01`) is taken.
        #[test]
        fn only_the_written_form_is_read(text in "[+-]?[0-9]{0,7}-[0-9]{1,3}-[0-9]{1,3}") {
            if let Some(day) = date(&text) {
                prop_assert_eq!(crate::json::sink::iso_date(day), text);
            }
        }
    }

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
