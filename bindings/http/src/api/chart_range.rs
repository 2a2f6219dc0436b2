//! The time range and buckets the dashboard's charts ask for (`from`, `to`, `bucket`), checked
//! once for every chart endpoint: whole UTC days, at most a year, cut into days or weeks.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::instances::require_reader;
use crate::auth::Caller;
use crate::error::ApiError;

/// Days a chart covers when the request does not say, and at most.
const DEFAULT_DAYS: i64 = 28;
const MAX_DAYS: i64 = 366;
pub(super) const MICROS_PER_DAY: i64 = 86_400_000_000;

/// How a chart cuts its range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    /// One UTC day.
    #[default]
    Day,
    /// Seven days, counted from `from`.
    Week,
}

impl Bucket {
    fn days(self) -> i64 {
        match self {
            Bucket::Day => 1,
            Bucket::Week => 7,
        }
    }
}

/// The range and buckets of a dashboard chart.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChartParams {
    /// The first day (UTC, `YYYY-MM-DD`); 27 days before `to` by default.
    pub from: Option<String>,
    /// The last day, included (UTC, `YYYY-MM-DD`); today by default. At most 366 days from
    /// `from`.
    pub to: Option<String>,
    /// `day` (the default) or `week` (seven days from `from`).
    pub bucket: Option<Bucket>,
    /// Only this ruleset.
    pub ruleset: Option<String>,
}

impl ChartParams {
    /// Whether rows of `ruleset` belong in the caller's chart: a ruleset the token may use
    /// and, when the request names one, that one.
    pub fn shows(&self, caller: &Caller, ruleset: &str) -> bool {
        caller.may_use(ruleset) && self.ruleset.as_deref().is_none_or(|r| r == ruleset)
    }
}

/// What every chart endpoint checks first: the caller may read charts, the query is well
/// formed, and its range is valid today (the server's clock).
pub(super) fn chart_request(
    state: &AppState,
    caller: &Caller,
    params: Result<Query<ChartParams>, QueryRejection>,
) -> Result<(ChartParams, ChartRange), ApiError> {
    require_reader(caller)?;
    let Query(params) = params.map_err(|e| ApiError::invalid_request(e.body_text()))?;
    let range = ChartRange::of(&params, state.clock().now().date_naive())?;
    Ok((params, range))
}

/// A checked range: `count` buckets of `bucket` from the midnight starting `first`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartRange {
    pub bucket: Bucket,
    pub first: NaiveDate,
    pub count: usize,
    /// Microseconds: the first bucket's start, and the end of `to` (exclusive).
    pub from: i64,
    pub to: i64,
}

impl ChartRange {
    /// The range `params` ask for, `today` being the default end.
    pub fn of(params: &ChartParams, today: NaiveDate) -> Result<ChartRange, ApiError> {
        let to = params
            .to
            .as_deref()
            .map(|t| parse_day("to", t))
            .transpose()?
            .unwrap_or(today);
        let first = params
            .from
            .as_deref()
            .map(|f| parse_day("from", f))
            .transpose()?
            .unwrap_or(to - Duration::days(DEFAULT_DAYS - 1));
        let days = (to - first).num_days() + 1;
        if days < 1 {
            return Err(ApiError::invalid_request(format!(
                "`from` ({first}) is after `to` ({to})"
            )));
        }
        if days > MAX_DAYS {
            return Err(ApiError::invalid_request(format!(
                "the range covers {days} days; at most {MAX_DAYS} are charted"
            )));
        }
        let bucket = params.bucket.unwrap_or_default();
        let midnight = |day: NaiveDate| {
            day.and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp_micros())
                .unwrap_or_default()
        };
        let count = (days + bucket.days() - 1) / bucket.days();
        Ok(ChartRange {
            bucket,
            first,
            count: usize::try_from(count).unwrap_or_default(),
            from: midnight(first),
            to: midnight(to) + MICROS_PER_DAY,
        })
    }

    /// Microseconds a bucket lasts.
    pub fn bucket_micros(&self) -> i64 {
        self.bucket.days() * MICROS_PER_DAY
    }

    /// The bucket an instant falls in, if in the range.
    pub fn bucket_of(&self, micros: i64) -> Option<usize> {
        if micros < self.from || micros >= self.to {
            return None;
        }
        usize::try_from((micros - self.from) / self.bucket_micros())
            .ok()
            .filter(|b| *b < self.count)
    }

    /// Each bucket's first day (`YYYY-MM-DD`), oldest first.
    pub fn labels(&self) -> Vec<String> {
        (0..self.count)
            .map(|b| {
                let offset = i64::try_from(b).unwrap_or_default() * self.bucket.days();
                (self.first + Duration::days(offset)).to_string()
            })
            .collect()
    }
}

fn parse_day(name: &str, text: &str) -> Result<NaiveDate, ApiError> {
    ordo_engine::text::parse_date(text).map_err(|_| {
        ApiError::invalid_request(format!(
            "`{name}` must be a day as YYYY-MM-DD, not `{text}`"
        ))
    })
}

/// The nearest-rank percentile `percent` of `values` (sorted here); `None` of nothing. The
/// median is the lower middle of an even count.
pub fn percentile(values: &mut [i64], percent: usize) -> Option<i64> {
    values.sort_unstable();
    let rank = (values.len() * percent).div_ceil(100);
    values.get(rank.checked_sub(1)?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(from: Option<&str>, to: Option<&str>, bucket: Option<Bucket>) -> ChartParams {
        ChartParams {
            from: from.map(str::to_string),
            to: to.map(str::to_string),
            bucket,
            ruleset: None,
        }
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn defaults_to_four_weeks_of_days_ending_today() -> Result<(), ApiError> {
        let range = ChartRange::of(&params(None, None, None), day("2026-03-28"))?;
        assert_eq!(range.count, 28);
        assert_eq!(
            range.labels().first().map(String::as_str),
            Some("2026-03-01")
        );
        assert_eq!(range.to - range.from, 28 * MICROS_PER_DAY);
        assert_eq!(range.bucket_of(range.from + MICROS_PER_DAY), Some(1));
        assert_eq!(range.bucket_of(range.to), None);
        Ok(())
    }

    #[test]
    fn weeks_are_counted_from_the_first_day() -> Result<(), ApiError> {
        let asked = params(Some("2026-03-01"), Some("2026-03-15"), Some(Bucket::Week));
        let range = ChartRange::of(&asked, day("2026-04-01"))?;
        assert_eq!(range.labels(), ["2026-03-01", "2026-03-08", "2026-03-15"]);
        assert_eq!(range.bucket_of(range.from + 8 * MICROS_PER_DAY), Some(1));
        Ok(())
    }

    #[test]
    fn refuses_reversed_long_and_malformed_ranges() {
        let today = day("2026-04-01");
        for asked in [
            params(Some("2026-03-02"), Some("2026-03-01"), None),
            params(Some("2024-01-01"), Some("2026-03-01"), None),
            params(Some("March"), None, None),
        ] {
            assert!(ChartRange::of(&asked, today).is_err(), "{asked:?}");
        }
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(percentile(&mut [], 50), None);
        assert_eq!(percentile(&mut [4, 1, 3, 2], 50), Some(2));
        let mut tens: Vec<i64> = (1..=10).rev().collect();
        assert_eq!(percentile(&mut tens, 90), Some(9));
        assert_eq!(percentile(&mut [7], 90), Some(7));
    }
}
