//! The built-in functions of spec §6, dates, and pricing by bands.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use ordo_dsl::ast::RoundingMode;
use rust_decimal::Decimal;

use super::{compare, internal};
use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::ir::{Bands, BandsMode, Builtin, Calendar, CompareOp, time};
use crate::num;
use crate::value::Value;

fn number(v: &Value) -> EvalResult<Decimal> {
    v.as_number().ok_or_else(|| match v {
        Value::None => EvalError::new(
            ErrorKind::InvalidValue,
            "a number is needed, but the value is absent (`none`)",
        ),
        other => internal(format!("expected a number, found {other:?}")),
    })
}

fn text(v: &Value) -> EvalResult<&str> {
    match v {
        Value::Text(t) => Ok(t),
        Value::None => Err(EvalError::new(
            ErrorKind::InvalidValue,
            "a text is needed, but the value is absent (`none`)",
        )),
        other => Err(internal(format!("expected a text, found {other:?}"))),
    }
}

fn date(v: &Value) -> EvalResult<NaiveDate> {
    match v {
        Value::Date(d) => Ok(*d),
        Value::DateTime(t) => Ok(t.date_naive()),
        Value::None => Err(EvalError::new(
            ErrorKind::InvalidValue,
            "a date is needed, but the value is absent (`none`)",
        )),
        other => Err(internal(format!("expected a date, found {other:?}"))),
    }
}

fn int(n: i64) -> Value {
    Value::Number(Decimal::from(n))
}

fn whole(d: Decimal, what: &str) -> EvalResult<i64> {
    num::to_i64(d).ok_or_else(|| {
        EvalError::new(
            ErrorKind::InvalidValue,
            format!("{what} must be a whole number, found {d}"),
        )
    })
}

fn instant(v: &Value) -> EvalResult<DateTime<Utc>> {
    match v {
        Value::DateTime(t) => Ok(*t),
        Value::None => Err(EvalError::new(
            ErrorKind::InvalidValue,
            "an instant is needed, but the value is absent (`none`)",
        )),
        other => Err(internal(format!("expected an instant, found {other:?}"))),
    }
}

fn invalid(message: String) -> EvalError {
    EvalError::new(ErrorKind::InvalidValue, message)
}

fn zone(v: &Value) -> EvalResult<jiff::tz::TimeZone> {
    time::time_zone(text(v)?).map_err(invalid)
}

/// The calendar a business-day function names by its last argument.
fn calendar<'c>(calendars: &'c [Calendar], v: Option<&Value>) -> EvalResult<&'c Calendar> {
    v.and_then(Value::as_number)
        .and_then(num::to_i64)
        .and_then(|i| calendars.get(usize::try_from(i).ok()?))
        .ok_or_else(|| internal("a business-day function without its calendar".into()))
}

/// Calls a built-in on evaluated, known arguments (the checker fixed their count and types);
/// `calendars` are the program's, which the business-day functions name.
pub(super) fn call(builtin: Builtin, args: &[Value], calendars: &[Calendar]) -> EvalResult<Value> {
    let arg = |i: usize| {
        args.get(i)
            .ok_or_else(|| internal(format!("missing argument {i}")))
    };
    Ok(match builtin {
        Builtin::HoursBetween | Builtin::MinutesBetween => {
            let seconds = (instant(arg(1)?)? - instant(arg(0)?)?).num_seconds();
            let unit = if builtin == Builtin::HoursBetween {
                3_600
            } else {
                60
            };
            int(seconds / unit)
        }
        Builtin::DateOf => match args.get(1) {
            None => Value::Date(instant(arg(0)?)?.date_naive()),
            Some(name) => {
                Value::Date(time::local_date(instant(arg(0)?)?, zone(name)?).map_err(invalid)?)
            }
        },
        Builtin::DateTimeAt => {
            let day = date(arg(0)?)?;
            let at = time::local_instant(day, text(arg(1)?)?, zone(arg(2)?)?).map_err(invalid)?;
            Value::DateTime(at)
        }
        Builtin::AddBusinessDays => {
            let cal = calendar(calendars, args.get(2))?;
            let n = whole(number(arg(1)?)?, "the number of business days")?;
            Value::Date(time::add_business_days(cal, date(arg(0)?)?, n).map_err(invalid)?)
        }
        Builtin::BusinessDaysBetween => {
            let cal = calendar(calendars, args.get(2))?;
            let n = time::business_days_between(cal, date(arg(0)?)?, date(arg(1)?)?)
                .map_err(invalid)?;
            int(n)
        }
        Builtin::IsBusinessDay => {
            let cal = calendar(calendars, args.get(1))?;
            Value::Bool(cal.is_business_day(date(arg(0)?)?))
        }
        Builtin::Floor => Value::Number(num::normalize_zero(number(arg(0)?)?.floor())),
        Builtin::Ceil => Value::Number(num::normalize_zero(number(arg(0)?)?.ceil())),
        Builtin::Abs => Value::Number(number(arg(0)?)?.abs()),
        Builtin::Min | Builtin::Max => {
            let mut best = arg(0)?.clone();
            for v in args.iter().skip(1) {
                let op = if builtin == Builtin::Min {
                    CompareOp::Lt
                } else {
                    CompareOp::Gt
                };
                if compare(op, v, &best)? {
                    best = v.clone();
                }
            }
            best
        }
        Builtin::Clamp => {
            let (x, lo, hi) = (arg(0)?, arg(1)?, arg(2)?);
            if compare(CompareOp::Gt, lo, hi)? {
                return Err(EvalError::new(
                    ErrorKind::InvalidValue,
                    "clamp: the lower bound is above the upper bound",
                ));
            }
            if compare(CompareOp::Lt, x, lo)? {
                lo.clone()
            } else if compare(CompareOp::Gt, x, hi)? {
                hi.clone()
            } else {
                x.clone()
            }
        }
        Builtin::DaysBetween => int((date(arg(1)?)? - date(arg(0)?)?).num_days()),
        Builtin::AddDays => {
            let days = whole(number(arg(1)?)?, "the number of days")?;
            let secs = days.checked_mul(86_400).ok_or_else(out_of_range)?;
            shift_date(arg(0)?, secs)?
        }
        Builtin::Year => int(i64::from(date(arg(0)?)?.year())),
        Builtin::Month => int(i64::from(date(arg(0)?)?.month())),
        Builtin::Day => int(i64::from(date(arg(0)?)?.day())),
        Builtin::Weekday => int(i64::from(date(arg(0)?)?.weekday().number_from_monday())),
        Builtin::Lower => Value::text(&text(arg(0)?)?.to_lowercase()),
        Builtin::Upper => Value::text(&text(arg(0)?)?.to_uppercase()),
        Builtin::Trim => Value::text(text(arg(0)?)?.trim()),
        Builtin::Matches => {
            let (subject, pattern) = (text(arg(0)?)?, text(arg(1)?)?);
            Value::Bool(with_pattern(pattern, true, |re| re.is_match(subject))?)
        }
        Builtin::Replace => {
            let (subject, pattern, with) = (text(arg(0)?)?, text(arg(1)?)?, text(arg(2)?)?);
            let replaced = with_pattern(pattern, false, |re| {
                re.replace_all(subject, regex::NoExpand(with)).into_owned()
            })?;
            Value::text(&replaced)
        }
        Builtin::DecimalOf => match num::parse_exact(text(arg(0)?)?) {
            Some(n) => Value::Number(n),
            None => Value::None,
        },
        Builtin::StartsWith => Value::Bool(text(arg(0)?)?.starts_with(text(arg(1)?)?)),
        Builtin::EndsWith => Value::Bool(text(arg(0)?)?.ends_with(text(arg(1)?)?)),
        Builtin::ContainsText => Value::Bool(text(arg(0)?)?.contains(text(arg(1)?)?)),
        Builtin::Len => match arg(0)? {
            Value::Text(t) => int(t.chars().count() as i64),
            Value::List(items) => int(items.len() as i64),
            Value::Set(_, members) => int(members.len() as i64),
            Value::None => int(0),
            other => return Err(internal(format!("len of {other:?}"))),
        },
        Builtin::IsSome => match arg(0)? {
            Value::Unknown => Value::Unknown,
            Value::None => Value::Bool(false),
            _ => Value::Bool(true),
        },
        Builtin::First | Builtin::Last => {
            let items = list(arg(0)?)?;
            let item = if builtin == Builtin::First {
                items.first()
            } else {
                items.last()
            };
            item.cloned().unwrap_or(Value::None)
        }
        Builtin::Distinct => {
            let mut kept: Vec<Value> = Vec::new();
            for item in list(arg(0)?)? {
                if !kept.iter().any(|k| crate::value::values_equal(k, item)) {
                    kept.push(item.clone());
                }
            }
            Value::List(Arc::from(kept))
        }
        Builtin::Sort => {
            let mut items = list(arg(0)?)?.to_vec();
            // Stable: equal elements keep their order.
            crate::sort::sort_by(&mut items, order);
            Value::List(Arc::from(items))
        }
        Builtin::Reverse => {
            let items: Vec<Value> = list(arg(0)?)?.iter().rev().cloned().collect();
            Value::List(Arc::from(items))
        }
    })
}

/// The patterns of `matches` (anchored: the whole text) and `replace`, compiled once per
/// thread. They are literals of compiled rulesets, so the cache stays small; it is emptied
/// when it grows past a bound all the same.
fn with_pattern<T>(
    pattern: &str,
    whole: bool,
    f: impl FnOnce(&regex::Regex) -> T,
) -> EvalResult<T> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    type Cache = RefCell<HashMap<String, regex::Regex>>;
    thread_local! {
        static WHOLE: Cache = RefCell::new(HashMap::new());
        static ANYWHERE: Cache = RefCell::new(HashMap::new());
    }
    let lookup = |cache: &Cache| {
        let mut cache = cache.borrow_mut();
        if let Some(re) = cache.get(pattern) {
            return Ok(f(re));
        }
        let compiled = if whole {
            crate::ir::anchored(pattern)
        } else {
            crate::ir::pattern::compile(pattern)
        }
        .map_err(|e| invalid(format!("`{pattern}` is not a regular expression: {e}")))?;
        if cache.len() >= 256 {
            cache.clear();
        }
        let result = f(&compiled);
        cache.insert(pattern.to_string(), compiled);
        Ok(result)
    };
    if whole {
        WHOLE.with(lookup)
    } else {
        ANYWHERE.with(lookup)
    }
}

/// The elements of a list (`none` has none).
fn list(value: &Value) -> EvalResult<&[Value]> {
    match value {
        Value::List(items) => Ok(items),
        Value::None => Ok(&[]),
        other => Err(internal(format!("a list was expected, found {other:?}"))),
    }
}

/// The order `sort` uses: the values' own order (numbers by value, texts by Unicode scalar
/// values, dates and durations in time), enum values in declaration order.
fn order(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    if let Some(ordering) = crate::value::order(a, b) {
        return ordering;
    }
    match (a, b) {
        (Value::Enum(_, x), Value::Enum(_, y)) => x.cmp(y),
        // `none` sorts first; other pairs cannot meet in one typed list.
        (Value::None, Value::None) => Ordering::Equal,
        (Value::None, _) => Ordering::Less,
        (_, Value::None) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

fn out_of_range() -> EvalError {
    EvalError::new(ErrorKind::InvalidValue, "the date is out of range")
}

/// A date or date-time moved by a number of seconds (dates move by whole days).
pub(super) fn shift_date(value: &Value, seconds: i64) -> EvalResult<Value> {
    let delta = Duration::try_seconds(seconds).ok_or_else(out_of_range)?;
    match value {
        Value::Date(d) => {
            if seconds % 86_400 != 0 {
                return Err(EvalError::new(
                    ErrorKind::InvalidValue,
                    "a date moves by whole days only",
                ));
            }
            d.checked_add_signed(delta)
                .map(Value::Date)
                .ok_or_else(out_of_range)
        }
        Value::DateTime(t) => t
            .checked_add_signed(delta)
            .map(Value::DateTime)
            .ok_or_else(out_of_range),
        Value::None => Ok(Value::None),
        other => Err(internal(format!("date arithmetic on {other:?}"))),
    }
}

/// `round(x, places, mode)`.
pub(super) fn round(x: &Value, places: &Value, mode: RoundingMode) -> EvalResult<Value> {
    let places = whole(number(places)?, "the number of places")?;
    let places = u32::try_from(places)
        .ok()
        .filter(|p| *p <= 28)
        .ok_or_else(|| {
            EvalError::new(
                ErrorKind::InvalidValue,
                format!("round: places must be between 0 and 28, found {places}"),
            )
        })?;
    Ok(Value::Number(num::round(number(x)?, places, mode)))
}

/// Prices a quantity against bands (spec §8).
///
/// `graduated` treats an inclusive band `a..b` as the units after `a − 1` up to `b` (so the
/// bands `1..9`, `10..49`, `50..` take units 1–9, 10–49 and 50 on), and a half-open band
/// `a..<b` as the quantity from `a` up to `b`.
pub(super) fn bands(bands: &Bands, mode: BandsMode, q: Decimal) -> EvalResult<Decimal> {
    let Some(band) = bands.bands.iter().find(|b| b.contains(q)) else {
        return Err(EvalError::in_rule(
            ErrorKind::OutOfBands,
            &bands.name,
            format!("the quantity {q} is outside every band of `{}`", bands.name),
        ));
    };
    match mode {
        BandsMode::Volume => num::mul(q, band.value),
        BandsMode::Block => Ok(band.value),
        BandsMode::Graduated => {
            let mut total = Decimal::ZERO;
            for b in &bands.bands {
                let start = if b.half_open {
                    b.lo
                } else {
                    num::sub(b.lo, Decimal::ONE)?
                };
                if q <= start {
                    continue;
                }
                let end = b.hi.map_or(q, |hi| hi.min(q));
                let units = num::sub(end, start)?;
                if units > Decimal::ZERO {
                    total = num::add(total, num::mul(units, b.value)?)?;
                }
            }
            Ok(total)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call_(builtin: Builtin, args: &[Value]) -> EvalResult<Value> {
        call(builtin, args, &[])
    }
    use crate::ir::Band;

    fn d(n: i64) -> Decimal {
        Decimal::from(n)
    }

    fn unit_price() -> Bands {
        Bands {
            name: "unit_price".into(),
            bands: vec![
                Band {
                    lo: d(1),
                    hi: Some(d(9)),
                    half_open: false,
                    value: d(100),
                },
                Band {
                    lo: d(10),
                    hi: Some(d(49)),
                    half_open: false,
                    value: d(90),
                },
                Band {
                    lo: d(50),
                    hi: None,
                    half_open: false,
                    value: d(80),
                },
            ],
        }
    }

    #[test]
    fn bands_modes() {
        let b = unit_price();
        assert_eq!(bands(&b, BandsMode::Volume, d(12)).unwrap(), d(1080));
        assert_eq!(
            bands(&b, BandsMode::Graduated, d(12)).unwrap(),
            d(9 * 100 + 3 * 90)
        );
        assert_eq!(
            bands(&b, BandsMode::Graduated, d(60)).unwrap(),
            d(900 + 40 * 90 + 11 * 80)
        );
        assert_eq!(bands(&b, BandsMode::Block, d(12)).unwrap(), d(90));
        assert_eq!(
            bands(&b, BandsMode::Volume, d(0)).unwrap_err().kind,
            ErrorKind::OutOfBands
        );
    }

    #[test]
    fn dates() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(
            call_(Builtin::AddDays, &[Value::Date(day), int(3)]).unwrap(),
            Value::Date(NaiveDate::from_ymd_opt(2026, 3, 4).unwrap())
        );
        assert_eq!(
            call_(Builtin::Weekday, &[Value::Date(day)]).unwrap(),
            int(7)
        );
        let later = NaiveDate::from_ymd_opt(2026, 2, 27).unwrap();
        assert_eq!(
            call_(
                Builtin::DaysBetween,
                &[Value::Date(day), Value::Date(later)]
            )
            .unwrap(),
            int(-2)
        );
        assert!(call_(Builtin::AddDays, &[Value::Date(day), int(i64::MAX / 2)]).is_err());
    }
}
