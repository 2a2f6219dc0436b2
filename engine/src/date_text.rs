//! Dates as text (spec §5): the one reader of `YYYY-MM-DD` for inputs, `as_of`, data files,
//! version selectors and loaded artifacts, of the times of day `datetime` takes, and of
//! instants (RFC 3339, as UTC).

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// A date as spec §5 writes it, `YYYY-MM-DD`: four digits of year, two of month, two of day.
/// A year outside 0–9999 takes its sign (`+10000-01-01`, `-0001-12-31`), as the engine writes
/// such dates, so that what it writes it reads back. `None` for any other text
/// (`2026-3-1`, `26-03-01`, `+2026-03-01`, a space around it) and for a day the calendar does not
/// have (`2026-02-30`): a date read some other way would be a different day, not an error.
pub fn read(text: &str) -> Option<NaiveDate> {
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
    NaiveDate::from_ymd_opt(year, two_digits(m1, m2)?, two_digits(d1, d2)?)
}

/// An RFC 3339 instant (`2026-03-01T09:00:00Z`, or with an offset), as UTC.
pub fn read_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A time of day as `HH:MM` or `HH:MM:SS` (two digits each, 00:00 to 23:59:59); `None` for any
/// other text (`9:00`, `24:00`, a space around it).
pub fn read_time(text: &str) -> Option<NaiveTime> {
    let (hour, minute, second) = match *text.as_bytes() {
        [h1, h2, b':', m1, m2] => (two_digits(h1, h2)?, two_digits(m1, m2)?, 0),
        [h1, h2, b':', m1, m2, b':', s1, s2] => (
            two_digits(h1, h2)?,
            two_digits(m1, m2)?,
            two_digits(s1, s2)?,
        ),
        _ => return None,
    };
    NaiveTime::from_hms_opt(hour, minute, second)
}

/// The number two ASCII digits write, or `None` when either is not a digit.
fn two_digits(tens: u8, ones: u8) -> Option<u32> {
    (tens.is_ascii_digit() && ones.is_ascii_digit())
        .then(|| u32::from(tens - b'0') * 10 + u32::from(ones - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates_are_read_as_written_and_nothing_else() {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(read("2026-03-01"), ymd(2026, 3, 1));
        assert_eq!(read("0099-03-01"), ymd(99, 3, 1));
        assert_eq!(read("2024-02-29"), ymd(2024, 2, 29));
        assert_eq!(read("+10000-01-01"), ymd(10000, 1, 1));
        assert_eq!(read("-0001-12-31"), ymd(-1, 12, 31));
        assert_eq!(read("-12345-12-31"), ymd(-12345, 12, 31));
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
            assert_eq!(read(other), None, "{other}");
        }
    }

    #[test]
    fn times_of_day_are_read_as_written() {
        let hms = |h, m, s| NaiveTime::from_hms_opt(h, m, s);
        assert_eq!(read_time("17:00"), hms(17, 0, 0));
        assert_eq!(read_time("00:00"), hms(0, 0, 0));
        assert_eq!(read_time("23:59:59"), hms(23, 59, 59));
        assert_eq!(read_time("08:30:15"), hms(8, 30, 15));
        for other in [
            "",
            "9:00",
            "24:00",
            "12:60",
            "12:00:60",
            "17",
            "17:0",
            " 17:00",
            "17:00 ",
            "17h00",
            "1700",
            "17:00:00.5",
            "-1:00",
            "+1:00",
        ] {
            assert_eq!(read_time(other), None, "{other}");
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
            prop_assert_eq!(read(&written), Some(day), "{}", written);
            // Written as chrono's `%Y-%m-%d` writes it, as results always have been.
            prop_assert_eq!(written, day.format("%Y-%m-%d").to_string());
        }

        /// A text is read as a date only when it is that date's own writing: no second
        /// spelling of a day (`2026-3-1`, `+2026-03-01`) is taken.
        #[test]
        fn only_the_written_form_is_read(text in "[+-]?[0-9]{0,7}-[0-9]{1,3}-[0-9]{1,3}") {
            if let Some(day) = read(&text) {
                prop_assert_eq!(crate::json::sink::iso_date(day), text);
            }
        }
    }
}
