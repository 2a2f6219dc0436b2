//! The workflow instance of a test (spec §25): the steps `state`, `approvals`, `now`, `apply`
//! and `fire` move it through the same operations a host calls, so a test sees exactly what a
//! host would.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value as Json;

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::ir::test_case::WorkflowFacts;
use crate::json::{
    Actor, ApplyRequest, Approvals, Event, Grant, TimerRequest, TransitionsRequest, WorkflowRequest,
};
use crate::ruleset::Ruleset;

/// The instance a `state` step set, as the steps since have left it.
struct Instance {
    workflow: String,
    state: String,
    actor: Option<Actor>,
    /// When it entered its state: the `now` of the step that put it there (or the first `now`
    /// after a `state` step written before any `now`).
    entered_at: Option<DateTime<Utc>>,
    previous_state: Option<String>,
    /// `"trigger.action"` of the last `apply` or `fire`.
    actions: Vec<String>,
}

/// A test's workflow context: its input, grants, instant and instance.
pub(super) struct WorkflowRun {
    /// The instance id events carry: the test's name.
    name: String,
    input: Json,
    as_of: Option<NaiveDate>,
    pub(super) approvals: Approvals,
    pub(super) now: Option<DateTime<Utc>>,
    instance: Option<Instance>,
    /// The events sent so far (the next event's `seq` follows).
    events: u64,
}

impl WorkflowRun {
    pub(super) fn new(name: &str, input: Json, as_of: Option<NaiveDate>) -> WorkflowRun {
        WorkflowRun {
            name: name.to_string(),
            input,
            as_of,
            approvals: Approvals::default(),
            now: None,
            instance: None,
            events: 0,
        }
    }

    /// `[workflow W] state S [actor A]`.
    pub(super) fn enter(&mut self, workflow: &str, state: &str, actor: Option<Actor>) {
        self.instance = Some(Instance {
            workflow: workflow.to_string(),
            state: state.to_string(),
            actor,
            entered_at: self.now,
            previous_state: None,
            actions: Vec::new(),
        });
    }

    /// `approvals { ... }`: a grant by each id, after the grants so far, with the facts the
    /// step shows in `result` (the test's evaluation), as an approver granting now would see.
    pub(super) fn grant(&mut self, grants: &[(String, String, Vec<String>)], result: &Json) {
        for (chain, step, ids) in grants {
            let facts = result
                .pointer(&format!("/approvals/{chain}/steps"))
                .and_then(Json::as_array)
                .and_then(|steps| {
                    steps
                        .iter()
                        .find(|s| s.get("id").and_then(Json::as_str) == Some(step))
                })
                .and_then(|s| s.get("facts"))
                .and_then(Json::as_object);
            for id in ids {
                let grant = Grant {
                    by: Some(id.clone()),
                    facts: facts.cloned(),
                    ..Grant::default()
                };
                self.approvals.grant(chain, step, grant);
            }
        }
    }

    /// `now T`.
    pub(super) fn at(&mut self, now: DateTime<Utc>) {
        self.now = Some(now);
        if let Some(instance) = &mut self.instance {
            instance.entered_at.get_or_insert(now);
        }
    }

    /// `apply T`: the instance moves to the transition's target; returns the workflow's name.
    pub(super) fn apply(&mut self, ruleset: &Ruleset, transition: &str) -> EvalResult<String> {
        self.events += 1;
        let request = ApplyRequest {
            workflow: self.request(true)?,
            transition: transition.to_string(),
        };
        let answer = ruleset.apply(&request)?;
        let at = self.now;
        let instance = self.instance_mut()?;
        let state = answer
            .get("to")
            .and_then(Json::as_str)
            .unwrap_or(&instance.state)
            .to_string();
        instance.previous_state = Some(std::mem::replace(&mut instance.state, state));
        instance.entered_at = at;
        instance.actions = actions(&answer);
        Ok(instance.workflow.clone())
    }

    /// `fire TRIGGER`: the actions of the timer if it fires (none when its condition or due
    /// time says not yet).
    pub(super) fn fire(&mut self, ruleset: &Ruleset, trigger: &str) -> EvalResult<()> {
        self.events += 1;
        let request = TimerRequest {
            workflow: self.request(true)?,
            trigger: trigger.to_string(),
        };
        let answer = ruleset.fire_timer(&request)?;
        self.instance_mut()?.actions = actions(&answer);
        Ok(())
    }

    /// What expectations read of the instance: `enabled`, `state`, `actions`.
    pub(super) fn facts(&self, ruleset: &Ruleset) -> EvalResult<Option<WorkflowFacts>> {
        let Some(instance) = &self.instance else {
            return Ok(None);
        };
        let request: TransitionsRequest = self.request(false)?;
        let answer = ruleset.transitions(&request)?;
        let enabled = answer
            .get("transitions")
            .and_then(Json::as_array)
            .map(|transitions| {
                transitions
                    .iter()
                    .filter(|t| t.get("enabled") == Some(&Json::Bool(true)))
                    .filter_map(|t| t.get("id").and_then(Json::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Some(WorkflowFacts {
            enabled,
            state: instance.state.clone(),
            actions: instance.actions.clone(),
        }))
    }

    fn instance_mut(&mut self) -> EvalResult<&mut Instance> {
        self.instance.as_mut().ok_or_else(no_instance)
    }

    /// The request a host would send for the instance now; an event (which `apply` and `fire`
    /// need) when the test has set `now`.
    fn request(&self, needs_event: bool) -> EvalResult<WorkflowRequest> {
        let Some(instance) = &self.instance else {
            return Err(no_instance());
        };
        let event = match self.now {
            Some(at) => Some(Event {
                instance: self.name.clone(),
                seq: self.events,
                at,
                entered_at: instance.entered_at,
                previous_state: instance.previous_state.clone(),
            }),
            None if needs_event => {
                return Err(EvalError::new(
                    ErrorKind::InvalidRequest,
                    "the test has no `now`: write `now 2026-03-02T10:00:00Z` before `apply` and `fire`",
                ));
            }
            None => None,
        };
        Ok(WorkflowRequest {
            workflow: instance.workflow.clone(),
            state: instance.state.clone(),
            actor: instance.actor.clone(),
            input: self.input.clone(),
            as_of: self.as_of,
            approvals: Some(self.approvals.clone()),
            event,
        })
    }
}

fn no_instance() -> EvalError {
    EvalError::new(
        ErrorKind::InvalidRequest,
        "the test has no workflow instance: write `state S` first",
    )
}

/// `"trigger.action"` of each action of an `apply` or `fire` answer.
fn actions(answer: &Json) -> Vec<String> {
    answer
        .get("actions")
        .and_then(Json::as_array)
        .map(|actions| {
            actions
                .iter()
                .filter_map(|a| {
                    let trigger = a.get("trigger").and_then(Json::as_str)?;
                    let action = a.get("action").and_then(Json::as_str)?;
                    Some(format!("{trigger}.{action}"))
                })
                .collect()
        })
        .unwrap_or_default()
}
