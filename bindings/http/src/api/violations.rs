//! `GET /v1/portal/violations`: how many audited evaluations violated each rule, per day or
//! week. Read from the rule ids recorded with each audit entry (see
//! [`crate::ops::dashboard`]); an evaluation that fails a rule on several elements counts once
//! for it. Only evaluations made while the server audits are counted.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::chart_range::{Bucket, ChartParams, ChartRange, chart_request};
use super::instances::store_failed;
use super::schema::ErrorBody;
use super::{AppState, Authenticated, json_ok};
use crate::error::ApiError;
use crate::ops::dashboard::{ViolationCount, ViolationQuery};

/// Rules answered at most (the most violated); the totals count every rule.
const RULE_LIMIT: usize = 50;

/// One rule's violations over time.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct RuleViolations {
    pub ruleset: String,
    /// The constraint's id.
    pub rule: String,
    /// `error`, `warning` or `review`.
    pub severity: String,
    /// Evaluations that violated it, per bucket.
    pub counts: Vec<u64>,
    /// Over the range.
    pub total: u64,
}

/// `GET /v1/portal/violations`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Violations {
    pub bucket: Bucket,
    /// Each bucket's first day (UTC, `YYYY-MM-DD`), oldest first; every list has one entry per
    /// bucket.
    pub buckets: Vec<String>,
    /// Violations per bucket over every rule.
    pub totals: Vec<u64>,
    /// The most violated rules first (at most 50), then by ruleset and id.
    pub rules: Vec<RuleViolations>,
    /// Whether more rules were violated than are listed.
    pub truncated: bool,
}

/// Violations of each rule by audited evaluations, per day or week.
#[utoipa::path(
    get,
    path = "/v1/portal/violations",
    tag = "portal",
    params(ChartParams),
    responses(
        (status = 200, description = "Violations per rule and bucket", body = Violations),
        (status = 400, description = "A malformed or out-of-range filter", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Neither an operator nor an auditor", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn violations(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    params: Result<Query<ChartParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (params, range) = chart_request(&state, &caller, params)?;
    let query = ViolationQuery {
        from: range.from,
        to: range.to,
        bucket: range.bucket_micros(),
    };
    let counts = state
        .store()
        .violation_counts(query)
        .await
        .map_err(store_failed)?;
    let wanted = counts
        .into_iter()
        .filter(|c| params.shows(&caller, &c.ruleset));
    Ok(json_ok(&tally(&range, wanted)))
}

/// Spreads grouped counts over the buckets, most violated rules first.
fn tally(range: &ChartRange, counts: impl Iterator<Item = ViolationCount>) -> Violations {
    let mut totals = vec![0; range.count];
    let mut by_rule: BTreeMap<(String, String), RuleViolations> = BTreeMap::new();
    for count in counts {
        let Some(bucket) = usize::try_from(count.bucket)
            .ok()
            .filter(|b| *b < range.count)
        else {
            continue;
        };
        let n = u64::try_from(count.count).unwrap_or_default();
        let rule = by_rule
            .entry((count.ruleset.clone(), count.rule.clone()))
            .or_insert_with(|| RuleViolations {
                ruleset: count.ruleset,
                rule: count.rule,
                severity: count.severity,
                counts: vec![0; range.count],
                total: 0,
            });
        if let Some(slot) = rule.counts.get_mut(bucket) {
            *slot += n;
        }
        if let Some(slot) = totals.get_mut(bucket) {
            *slot += n;
        }
        rule.total += n;
    }
    let mut rules: Vec<RuleViolations> = by_rule.into_values().collect();
    // Stable: equal totals keep the ruleset and id order.
    rules.sort_by_key(|rule| std::cmp::Reverse(rule.total));
    let truncated = rules.len() > RULE_LIMIT;
    rules.truncate(RULE_LIMIT);
    Violations {
        bucket: range.bucket,
        buckets: range.labels(),
        totals,
        rules,
        truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(rule: &str, bucket: i64, count: i64) -> ViolationCount {
        ViolationCount {
            ruleset: "orders".to_string(),
            rule: rule.to_string(),
            severity: "error".to_string(),
            bucket,
            count,
        }
    }

    #[test]
    fn spreads_counts_and_puts_the_most_violated_first() -> Result<(), ApiError> {
        let params = ChartParams {
            from: Some("2026-03-01".to_string()),
            to: Some("2026-03-03".to_string()),
            bucket: None,
            ruleset: None,
        };
        let range = ChartRange::of(&params, chrono::NaiveDate::default())?;
        let answer = tally(
            &range,
            [
                count("a", 0, 1),
                count("b", 0, 2),
                count("b", 2, 3),
                count("c", 9, 100),
            ]
            .into_iter(),
        );
        assert_eq!(answer.totals, [3, 0, 3]);
        let ids: Vec<&str> = answer.rules.iter().map(|r| r.rule.as_str()).collect();
        assert_eq!(ids, ["b", "a"]);
        assert_eq!(
            answer.rules.first().map(|r| r.counts.clone()),
            Some(vec![2, 0, 3])
        );
        assert!(!answer.truncated);
        Ok(())
    }
}
