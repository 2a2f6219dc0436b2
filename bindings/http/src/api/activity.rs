//! What the portal's dashboard charts: instances started and completed per day, and lead
//! times (from start to a final state) per workflow, over the last days. Counted from the
//! instance rows: an instance starts at `created_at` and, in a final state, completed when it
//! entered it (`entered_at`); the pinned version's source says which states are final.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::instances::{require_reader, store_failed};
use super::schema::ErrorBody;
use super::{AppState, Authenticated, json_ok};
use crate::error::ApiError;
use crate::ops::{Instance, InstanceQuery};

/// Days a chart covers when the request does not say, and at most.
const DEFAULT_DAYS: u32 = 14;
const MAX_DAYS: u32 = 366;
/// Instances counted at most (a page of the store at a time).
const SCAN_LIMIT: usize = 100_000;
const PAGE: u32 = 1000;
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Filters of `GET /v1/portal/activity`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActivityParams {
    /// How many days, today (UTC) included: 1 to 366, 14 by default.
    pub days: Option<u32>,
    /// Only instances of this ruleset.
    pub ruleset: Option<String>,
}

/// One workflow's days.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkflowActivity {
    pub ruleset: String,
    pub workflow: String,
    /// Instances started each day, one count per day of `days`.
    pub started: Vec<u64>,
    /// Instances that reached a final state each day.
    pub completed: Vec<u64>,
    /// Per day of `days`: the median lead time in seconds (start to final state) of the
    /// instances completed that day; `null` on a day none completed.
    pub lead_seconds: Vec<Option<i64>>,
    /// The median lead time in seconds over every day; `null` when none completed.
    pub median_lead_seconds: Option<i64>,
}

/// `GET /v1/portal/activity`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Activity {
    /// The days (UTC, `YYYY-MM-DD`), oldest first; every list has one entry per day.
    pub days: Vec<String>,
    /// Started per day, over every workflow.
    pub started: Vec<u64>,
    /// Completed per day, over every workflow.
    pub completed: Vec<u64>,
    /// By ruleset and workflow.
    pub workflows: Vec<WorkflowActivity>,
    /// Whether more instances changed in the window than are counted (100,000).
    pub truncated: bool,
}

/// Instances started and completed per day and lead times per workflow, over the last days.
#[utoipa::path(
    get,
    path = "/v1/portal/activity",
    tag = "portal",
    params(ActivityParams),
    responses(
        (status = 200, description = "Counts and lead times per day", body = Activity),
        (status = 400, description = "A malformed or out-of-range filter", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Neither an operator nor an auditor", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn activity(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    params: Result<Query<ActivityParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    require_reader(&caller)?;
    let Query(params) = params.map_err(|e| ApiError::invalid_request(e.body_text()))?;
    let days = params.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::invalid_request(format!(
            "`days` must be 1 to {MAX_DAYS}, not {days}"
        )));
    }
    let today = state.clock().now().date_naive();
    let first = today - Duration::days(i64::from(days) - 1);
    let since = first
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_micros())
        .unwrap_or_default();
    // An instance started or completed in the window changed in it.
    let mut instances = Vec::new();
    let mut after = None;
    let truncated = loop {
        let query = InstanceQuery {
            ruleset: params.ruleset.clone(),
            updated_since: Some(since),
            after,
            limit: PAGE,
            ..InstanceQuery::default()
        };
        let page = state.ops().instances(query).await.map_err(store_failed)?;
        let full = page.len() == PAGE as usize;
        after = page.last().map(|(position, _)| *position);
        instances.extend(
            page.into_iter()
                .map(|(_, instance)| instance)
                .filter(|instance| caller.may_use(&instance.ruleset)),
        );
        if instances.len() >= SCAN_LIMIT {
            instances.truncate(SCAN_LIMIT);
            break full;
        }
        if !full {
            break false;
        }
    };
    let finals = FinalStates::of(&state, &instances);
    let answer = tally(&instances, &finals, first, days, since);
    Ok(json_ok(&Activity {
        truncated,
        ..answer
    }))
}

/// The final states of each pinned version's workflows, read from its source.
struct FinalStates(HashMap<(String, String), HashMap<String, HashSet<String>>>);

impl FinalStates {
    fn of(state: &AppState, instances: &[Instance]) -> FinalStates {
        let mut finals = HashMap::new();
        for instance in instances {
            let key = (instance.ruleset.clone(), instance.version.clone());
            if finals.contains_key(&key) {
                continue;
            }
            finals.insert(
                key,
                final_states(state, &instance.ruleset, &instance.version),
            );
        }
        FinalStates(finals)
    }

    fn is_final(&self, instance: &Instance) -> bool {
        self.0
            .get(&(instance.ruleset.clone(), instance.version.clone()))
            .and_then(|workflows| workflows.get(&instance.workflow))
            .is_some_and(|states| states.contains(&instance.state))
    }
}

/// The final states of every workflow of `ruleset` `version` (none when it is not published).
fn final_states(
    state: &AppState,
    ruleset: &str,
    version: &str,
) -> HashMap<String, HashSet<String>> {
    let Ok(version) = semver::Version::parse(version) else {
        return HashMap::new();
    };
    let catalog = state.catalog();
    let Ok(published) = catalog.resolve(
        ruleset,
        &ordo_engine::Selector::Exact(version),
        state.today(),
    ) else {
        return HashMap::new();
    };
    let Ok(ast) = ordo_dsl::parse(&published.source) else {
        return HashMap::new();
    };
    ast.items
        .iter()
        .filter_map(|item| match item {
            ordo_dsl::ast::Item::Workflow(w) => Some((
                w.name.name.clone(),
                w.states
                    .iter()
                    .filter(|s| s.is_final)
                    .map(|s| s.name.name.clone())
                    .collect(),
            )),
            _ => None,
        })
        .collect()
}

/// Counts `instances` into `days` days from `first` (whose midnight is `since`).
fn tally(
    instances: &[Instance],
    finals: &FinalStates,
    first: NaiveDate,
    days: u32,
    since: i64,
) -> Activity {
    let n = days as usize;
    let day_of = |micros: i64| -> Option<usize> {
        let day = (micros - since).div_euclid(MICROS_PER_DAY);
        usize::try_from(day).ok().filter(|d| *d < n)
    };
    // Per workflow: started and completed per day, lead times per day.
    type Days = (Vec<u64>, Vec<u64>, Vec<Vec<i64>>);
    let mut by_workflow: BTreeMap<(String, String), Days> = BTreeMap::new();
    for instance in instances {
        let (started, completed, leads) = by_workflow
            .entry((instance.ruleset.clone(), instance.workflow.clone()))
            .or_insert_with(|| (vec![0; n], vec![0; n], vec![Vec::new(); n]));
        if let Some(count) = day_of(instance.created_at).and_then(|d| started.get_mut(d)) {
            *count += 1;
        }
        if finals.is_final(instance)
            && let Some(day) = day_of(instance.entered_at)
        {
            if let Some(count) = completed.get_mut(day) {
                *count += 1;
            }
            if let Some(leads) = leads.get_mut(day) {
                leads.push((instance.entered_at - instance.created_at) / 1_000_000);
            }
        }
    }
    let mut started_total = vec![0; n];
    let mut completed_total = vec![0; n];
    let workflows = by_workflow
        .into_iter()
        .filter(|(_, (started, completed, _))| {
            started.iter().chain(completed).any(|count| *count > 0)
        })
        .map(|((ruleset, workflow), (started, completed, mut leads))| {
            for (total, count) in started_total.iter_mut().zip(&started) {
                *total += count;
            }
            for (total, count) in completed_total.iter_mut().zip(&completed) {
                *total += count;
            }
            let mut all: Vec<i64> = leads.iter().flatten().copied().collect();
            WorkflowActivity {
                ruleset,
                workflow,
                started,
                completed,
                lead_seconds: leads.iter_mut().map(|day| median(day)).collect(),
                median_lead_seconds: median(&mut all),
            }
        })
        .collect();
    Activity {
        days: (0..days)
            .map(|d| (first + Duration::days(i64::from(d))).to_string())
            .collect(),
        started: started_total,
        completed: completed_total,
        workflows,
        truncated: false,
    }
}

/// The median (the lower middle of an even count); `None` of nothing.
fn median(values: &mut [i64]) -> Option<i64> {
    values.sort_unstable();
    let middle = values.len().checked_sub(1)? / 2;
    values.get(middle).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store;

    fn instance(id: &str, state: &str, created_at: i64, entered_at: i64) -> Instance {
        Instance {
            id: id.to_string(),
            ruleset: "r".to_string(),
            version: "1.0.0".to_string(),
            hash: String::new(),
            workflow: "w".to_string(),
            state: state.to_string(),
            previous_state: None,
            owner: None,
            due_at: None,
            input: "{}".to_string(),
            seq: 1,
            entered_at,
            created_at,
            created_by: String::new(),
            updated_at: entered_at,
        }
    }

    #[test]
    fn counts_by_day_and_takes_median_lead_times() {
        let first = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        let since = store::parse_time("2026-03-01T00:00:00Z").unwrap_or_default();
        let hour = 3_600_000_000;
        let finals = FinalStates(HashMap::from([(
            ("r".to_string(), "1.0.0".to_string()),
            HashMap::from([("w".to_string(), HashSet::from(["done".to_string()]))]),
        )]));
        let instances = [
            // Started before the window, completed on day 0 after 30 hours.
            instance("a", "done", since - 6 * hour, since + 24 * hour - hour),
            instance("b", "done", since + hour, since + 3 * hour),
            instance("c", "open", since + 25 * hour, since + 25 * hour),
            instance("d", "done", since + 26 * hour, since + 30 * hour),
            // Beyond the window's last day.
            instance("e", "open", since + 80 * hour, since + 80 * hour),
        ];
        let activity = tally(&instances, &finals, first, 3, since);
        assert_eq!(activity.days, ["2026-03-01", "2026-03-02", "2026-03-03"]);
        assert_eq!(activity.started, [1, 2, 0]);
        assert_eq!(activity.completed, [2, 1, 0]);
        let [w] = activity.workflows.as_slice() else {
            panic!("one workflow expected: {:?}", activity.workflows);
        };
        // Day 0: 2 h and 29 h, the lower middle is 2 h.
        assert_eq!(w.lead_seconds, [Some(7200), Some(4 * 3600), None]);
        assert_eq!(w.median_lead_seconds, Some(4 * 3600));
    }

    #[test]
    fn median_of_nothing_is_none() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
    }
}
