//! `GET /v1/portal/approval-leads`: how long approval steps waited, from the moment a step
//! began to wait to each grant or rejection of it, per ruleset and step — median and 90th
//! percentile over the range and per day or week. Decisions recorded before the store kept
//! `waited_since` are counted as `unknown`, never guessed.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::chart_range::{Bucket, ChartParams, ChartRange, chart_request, percentile};
use super::instances::store_failed;
use super::schema::ErrorBody;
use super::{AppState, Authenticated, json_ok};
use crate::error::ApiError;
use crate::ops::dashboard::DecidedStep;

/// Decisions read at most for one answer.
const DECISION_LIMIT: u32 = 100_000;

/// The lead times of one approval step.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct StepLeads {
    pub ruleset: String,
    /// The approval chain.
    pub chain: String,
    pub step: String,
    /// Grants and rejections in the range.
    pub decisions: u64,
    /// Of those, how many were recorded without the time their step began to wait.
    pub unknown: u64,
    /// Seconds waited, over the range; `null` when no decision has a known wait.
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
    /// Per bucket: decisions with a known wait.
    pub counts: Vec<u64>,
    /// Per bucket: the median and 90th percentile of the seconds waited (`null`: none known).
    pub median: Vec<Option<i64>>,
    pub p90: Vec<Option<i64>>,
}

/// `GET /v1/portal/approval-leads`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalLeads {
    pub bucket: Bucket,
    /// Each bucket's first day (UTC, `YYYY-MM-DD`), oldest first; every list has one entry per
    /// bucket.
    pub buckets: Vec<String>,
    /// By ruleset, chain and step.
    pub steps: Vec<StepLeads>,
    /// Whether more decisions were made in the range than are counted (100,000).
    pub truncated: bool,
}

/// How long approval steps waited for their decisions, per ruleset and step over time.
#[utoipa::path(
    get,
    path = "/v1/portal/approval-leads",
    tag = "portal",
    params(ChartParams),
    responses(
        (status = 200, description = "Median and 90th percentile waits per step and bucket", body = ApprovalLeads),
        (status = 400, description = "A malformed or out-of-range filter", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Neither an operator nor an auditor", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn approval_leads(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    params: Result<Query<ChartParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (params, range) = chart_request(&state, &caller, params)?;
    let decided = state
        .ops()
        .decided_steps(range.from, range.to, DECISION_LIMIT)
        .await
        .map_err(store_failed)?;
    let truncated = decided.len() == DECISION_LIMIT as usize;
    let wanted = decided
        .into_iter()
        .filter(|d| params.shows(&caller, &d.ruleset));
    Ok(json_ok(&ApprovalLeads {
        bucket: range.bucket,
        buckets: range.labels(),
        steps: tally(&range, wanted),
        truncated,
    }))
}

/// Groups decisions by step and takes their percentiles per bucket.
fn tally(range: &ChartRange, decided: impl Iterator<Item = DecidedStep>) -> Vec<StepLeads> {
    type Waits = (u64, Vec<Vec<i64>>);
    let mut by_step: BTreeMap<(String, String, String), Waits> = BTreeMap::new();
    for decision in decided {
        let (unknown, waits) = by_step
            .entry((decision.ruleset, decision.chain, decision.step))
            .or_insert_with(|| (0, vec![Vec::new(); range.count]));
        let Some(since) = decision.waited_since else {
            *unknown += 1;
            continue;
        };
        if let Some(bucket) = range.bucket_of(decision.at).and_then(|b| waits.get_mut(b)) {
            // A clock step back could make a wait negative: it waited no time.
            bucket.push((decision.at - since).max(0) / 1_000_000);
        }
    }
    by_step
        .into_iter()
        .map(|((ruleset, chain, step), (unknown, mut waits))| {
            let mut all: Vec<i64> = waits.iter().flatten().copied().collect();
            let counts: Vec<u64> = waits.iter().map(|w| w.len() as u64).collect();
            StepLeads {
                ruleset,
                chain,
                step,
                decisions: all.len() as u64 + unknown,
                unknown,
                median_seconds: percentile(&mut all, 50),
                p90_seconds: percentile(&mut all, 90),
                counts,
                median: waits.iter_mut().map(|w| percentile(w, 50)).collect(),
                p90: waits.iter_mut().map(|w| percentile(w, 90)).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::chart_range::MICROS_PER_DAY;

    const HOUR: i64 = 3_600_000_000;

    fn decided(step: &str, at: i64, waited: Option<i64>) -> DecidedStep {
        DecidedStep {
            ruleset: "orders".to_string(),
            chain: "discount".to_string(),
            step: step.to_string(),
            decision: "grant".to_string(),
            at,
            waited_since: waited.map(|w| at - w),
        }
    }

    #[test]
    fn takes_percentiles_per_step_and_day_and_counts_unknown_waits() -> Result<(), ApiError> {
        let params = ChartParams {
            from: Some("2026-03-01".to_string()),
            to: Some("2026-03-02".to_string()),
            bucket: None,
            ruleset: None,
        };
        let range = ChartRange::of(&params, chrono::NaiveDate::default())?;
        let day0 = range.from;
        let day1 = range.from + MICROS_PER_DAY;
        let steps = tally(
            &range,
            [
                decided("manager", day0 + HOUR, Some(HOUR)),
                decided("manager", day0 + 2 * HOUR, Some(3 * HOUR)),
                decided("manager", day0 + 3 * HOUR, Some(2 * HOUR)),
                decided("manager", day1 + HOUR, Some(10 * HOUR)),
                decided("manager", day1 + 2 * HOUR, None),
                decided("finance", day1, Some(HOUR / 2)),
            ]
            .into_iter(),
        );
        let [finance, manager] = steps.as_slice() else {
            panic!("two steps expected: {steps:?}");
        };
        assert_eq!(finance.median, [None, Some(1800)]);
        assert_eq!(manager.decisions, 5);
        assert_eq!(manager.unknown, 1);
        assert_eq!(manager.counts, [3, 1]);
        assert_eq!(manager.median, [Some(2 * 3600), Some(10 * 3600)]);
        assert_eq!(manager.p90, [Some(3 * 3600), Some(10 * 3600)]);
        assert_eq!(manager.median_seconds, Some(2 * 3600));
        assert_eq!(manager.p90_seconds, Some(10 * 3600));
        Ok(())
    }
}
