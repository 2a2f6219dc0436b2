//! The REPL's workflow instance (spec §24): `:state`, `:actor`, `:now`, `:apply` and `:fire`
//! move one instance through the same operations a host calls, with the inputs set so far.

use chrono::{DateTime, Utc};
use ordo_dsl::ast::{Item, Ruleset as Ast, TriggerEvent};
use ordo_engine::text::parse_datetime;
use ordo_engine::{Actor, ApplyRequest, Event, StartRequest, TimerRequest, WorkflowRequest};
use serde_json::Value as Json;

use super::{Session, at, plain};

/// The instance id every event of the session carries.
const INSTANCE: &str = "repl";

/// The instance `:state` set, as the commands since have left it.
#[derive(Debug, Clone, Default)]
pub struct Instance {
    workflow: String,
    state: String,
    previous_state: Option<String>,
    /// When it entered its state: the instant of the command that put it there (or the first
    /// `:now` after a `:state` given before any).
    entered_at: Option<DateTime<Utc>>,
    /// The timers the last `:apply` armed, not yet fired: (trigger, due).
    timers: Vec<(String, DateTime<Utc>)>,
}

/// A workflow of the ruleset as the REPL needs it: its name and its states.
struct Declared {
    name: String,
    states: Vec<String>,
}

fn workflows(ast: &Ast) -> Vec<Declared> {
    ast.items
        .iter()
        .filter_map(|item| match item {
            Item::Workflow(w) => Some(Declared {
                name: w.name.name.clone(),
                states: w.states.iter().map(|s| s.name.name.clone()).collect(),
            }),
            _ => None,
        })
        .collect()
}

fn actor_text(actor: &Actor) -> String {
    match &actor.id {
        Some(id) => format!("{id} ({})", actor.roles.join(", ")),
        None => format!("a {}", actor.roles.join(", ")),
    }
}

/// The states, transitions and timers of a ruleset, for completion.
pub fn completion_names(ast: &Ast) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut states = Vec::new();
    let mut transitions = Vec::new();
    let mut timers = Vec::new();
    for item in &ast.items {
        match item {
            Item::Workflow(w) => {
                states.extend(w.states.iter().map(|s| s.name.name.clone()));
                transitions.extend(w.transitions.iter().map(|t| t.name.name.clone()));
            }
            Item::Trigger(t) => match &t.event {
                TriggerEvent::Stay { .. } | TriggerEvent::At { .. } => {
                    timers.push(t.name.name.clone());
                }
                TriggerEvent::Breach(state) => timers.push(format!("sla:{}", state.name)),
                _ => {}
            },
            _ => {}
        }
    }
    for list in [&mut states, &mut transitions, &mut timers] {
        list.sort();
        list.dedup();
    }
    (states, transitions, timers)
}

impl Session {
    fn now(&self) -> Option<DateTime<Utc>> {
        self.base.at
    }

    /// `:now`, `:now INSTANT`, `:now none`: the instant of the next events (and of `now` in
    /// expressions).
    pub(super) fn set_now(&mut self, rest: &str) {
        match rest {
            "" => match self.now() {
                Some(now) => crate::output::outln!("now {}", timestamp(now)),
                None => {
                    crate::output::outln!("no instant set (`:now 2026-03-02T10:00:00Z` sets one)")
                }
            },
            "none" => {
                self.base.at = None;
                crate::output::outln!("no instant set");
            }
            text => match parse_datetime(text) {
                Ok(now) => {
                    self.base.at = Some(now);
                    if let Some(instance) = &mut self.instance {
                        instance.entered_at.get_or_insert(now);
                    }
                    crate::output::outln!("now {}", timestamp(now));
                }
                Err(error) => self.fail(&error.render()),
            },
        }
    }

    /// `:actor`, `:actor ID:ROLE,ROLE`, `:actor ROLE`, `:actor none`: who acts.
    pub(super) fn set_actor(&mut self, rest: &str) {
        match rest {
            "" => match &self.actor {
                Some(actor) => crate::output::outln!("actor: {}", actor_text(actor)),
                None => crate::output::outln!("no actor (`:actor ana:sales,finance` sets one)"),
            },
            "none" => {
                self.actor = None;
                crate::output::outln!("no actor");
            }
            text => {
                let actor = crate::commands::workflow::actor(text);
                if actor.roles.is_empty() || actor.id.as_deref() == Some("") {
                    return self
                        .fail("error: write `:actor ID:ROLE,ROLE` (`:actor ana:sales,finance`) or `:actor ROLE`");
                }
                crate::output::outln!("actor: {}", actor_text(&actor));
                self.actor = Some(actor);
            }
        }
    }

    /// `:state`: the instance's state and next actions; `:state S` (or `:state WORKFLOW.S`):
    /// the state the next commands run in.
    pub(super) fn set_state(&mut self, rest: &str) {
        if rest.is_empty() {
            return self.show_state();
        }
        let Ok(ast) = ordo_dsl::parse(&self.source) else {
            return self.fail("error: the ruleset does not compile; fix it and :reload");
        };
        let declared = workflows(&ast);
        if declared.is_empty() {
            return self.fail("error: the ruleset has no workflow");
        }
        let (workflow, state) = match rest.split_once('.') {
            Some((w, s)) => (Some(w), s),
            None => (None, rest),
        };
        let owners: Vec<&Declared> = declared
            .iter()
            .filter(|w| workflow.is_none_or(|name| w.name == name))
            .filter(|w| w.states.iter().any(|s| s == state))
            .collect();
        let chosen = match owners.as_slice() {
            [one] => one.name.clone(),
            [] => {
                let known: Vec<String> = declared
                    .iter()
                    .filter(|w| workflow.is_none_or(|name| w.name == name))
                    .flat_map(|w| w.states.iter().cloned())
                    .collect();
                let hint =
                    ordo_dsl::diagnostic::did_you_mean(state, known.iter().map(String::as_str))
                        .map_or(String::new(), |h| format!("\n  help: {h}"));
                return self.fail(&format!(
                    "error: no workflow has a state `{rest}` (states: {}){hint}",
                    known.join(", ")
                ));
            }
            several => {
                let names: Vec<String> = several
                    .iter()
                    .map(|w| format!("`{}.{state}`", w.name))
                    .collect();
                return self.fail(&format!(
                    "error: several workflows have a state `{state}`: write {}",
                    names.join(" or ")
                ));
            }
        };
        crate::output::outln!("{chosen}: in {state}");
        self.instance = Some(Instance {
            workflow: chosen,
            state: state.to_string(),
            entered_at: self.now(),
            ..Instance::default()
        });
    }

    /// `:start [WORKFLOW]`: starts an instance in the initial state (its `enter` actions and
    /// the timers it arms), as a host's `start`.
    pub(super) fn start_instance(&mut self, rest: &str) {
        let Ok(ast) = ordo_dsl::parse(&self.source) else {
            return self.fail("error: the ruleset does not compile; fix it and :reload");
        };
        let declared = workflows(&ast);
        let chosen = match (rest, declared.as_slice()) {
            ("", [one]) => one.name.clone(),
            ("", []) => return self.fail("error: the ruleset has no workflow"),
            ("", _) => {
                return self
                    .fail("error: the ruleset has several workflows: write `:start WORKFLOW`");
            }
            (name, _) => name.to_string(),
        };
        // The request is built from the new instance; a start that fails keeps the old one.
        let before = self.instance.replace(Instance {
            workflow: chosen,
            entered_at: self.now(),
            ..Instance::default()
        });
        let request = match self.workflow_request(true) {
            Ok(workflow) => StartRequest { workflow },
            Err(message) => {
                self.instance = before;
                return self.fail(&message);
            }
        };
        let Some(ruleset) = &self.ruleset else {
            return;
        };
        self.events += 1;
        let answer = match ruleset.start(&request) {
            Ok(answer) => answer,
            Err(error) => {
                self.instance = before;
                return self.fail(&error.render());
            }
        };
        let state = plain(at(&answer, "state"));
        crate::output::outln!("{}: started in {state}", request.workflow.workflow);
        show_owner_and_due(&answer);
        show_actions(&answer);
        let timers = timers_of(&answer);
        for (trigger, due) in &timers {
            crate::output::outln!("  timer {trigger} due {}", timestamp(*due));
        }
        if let Some(instance) = &mut self.instance {
            instance.state = state;
            instance.timers = timers;
        }
    }

    /// The instance's state, owner, SLA due time and next actions.
    fn show_state(&mut self) {
        let request = match self.workflow_request(false) {
            Ok(request) => request,
            Err(message) => return self.fail(&message),
        };
        let Some(ruleset) = &self.ruleset else {
            return;
        };
        let answer = match ruleset.transitions(&request) {
            Ok(answer) => answer,
            Err(error) => return self.fail(&error.render()),
        };
        crate::output::outln!("{}: in {}", request.workflow, request.state);
        show_owner_and_due(&answer);
        if let Some(previous) = self
            .instance
            .as_ref()
            .and_then(|i| i.previous_state.as_ref())
        {
            crate::output::outln!("  previous {previous}");
        }
        for t in at(&answer, "transitions").as_array().into_iter().flatten() {
            let to = plain(at(t, "to"));
            if at(t, "enabled").as_bool() == Some(true) {
                crate::output::outln!("  {} -> {to}: enabled", plain(at(t, "id")));
                continue;
            }
            let reasons: Vec<String> = at(t, "reasons")
                .as_array()
                .into_iter()
                .flatten()
                .map(reason_text)
                .collect();
            crate::output::outln!(
                "  {} -> {to}: not enabled ({})",
                plain(at(t, "id")),
                reasons.join("; ")
            );
        }
        if let Some(instance) = &self.instance {
            for (trigger, due) in &instance.timers {
                crate::output::outln!("  timer {trigger} due {}", timestamp(*due));
            }
        }
    }

    /// `:apply T`: applies the transition in the current state, with the actor and the inputs;
    /// the instance moves to the new state.
    pub(super) fn apply(&mut self, transition: &str) {
        if transition.is_empty() || transition.contains(char::is_whitespace) {
            return self.fail("error: write `:apply TRANSITION`");
        }
        let request = match self.workflow_request(true) {
            Ok(workflow) => ApplyRequest {
                workflow,
                transition: transition.to_string(),
            },
            Err(message) => return self.fail(&message),
        };
        let Some(ruleset) = &self.ruleset else {
            return;
        };
        self.events += 1;
        let answer = match ruleset.apply(&request) {
            Ok(answer) => answer,
            Err(error) => return self.fail(&error.render()),
        };
        let to = plain(at(&answer, "to"));
        crate::output::outln!("{transition}: {} -> {to}", plain(at(&answer, "from")));
        show_owner_and_due(&answer);
        show_actions(&answer);
        let timers = timers_of(&answer);
        for (trigger, due) in &timers {
            crate::output::outln!("  timer {trigger} due {}", timestamp(*due));
        }
        let at = request.workflow.event.as_ref().map(|e| e.at);
        if let Some(instance) = &mut self.instance {
            instance.previous_state = Some(std::mem::replace(&mut instance.state, to));
            instance.entered_at = at;
            instance.timers = timers;
        }
    }

    /// `:fire TIMER` (`:fire sla S` for `sla:S`): fires a timer in the current state. A timer
    /// the last `:apply` armed is fired at its due time (the instant moves there when it is
    /// earlier); any other at the current instant.
    pub(super) fn fire(&mut self, rest: &str) {
        let words: Vec<&str> = rest.split_whitespace().collect();
        let trigger = match words.as_slice() {
            [name] => (*name).to_string(),
            ["sla", state] => format!("sla:{state}"),
            _ => return self.fail("error: write `:fire TIMER` or `:fire sla STATE`"),
        };
        let due = self.instance.as_ref().and_then(|i| {
            i.timers
                .iter()
                .find(|(t, _)| *t == trigger)
                .map(|(_, due)| *due)
        });
        if let Some(due) = due
            && self.now().is_none_or(|now| now < due)
        {
            self.base.at = Some(due);
            crate::output::outln!("now {} (the timer's due time)", timestamp(due));
        }
        let request = match self.workflow_request(true) {
            Ok(workflow) => TimerRequest {
                workflow,
                trigger: trigger.clone(),
            },
            Err(message) => return self.fail(&message),
        };
        let Some(ruleset) = &self.ruleset else {
            return;
        };
        self.events += 1;
        let answer = match ruleset.fire_timer(&request) {
            Ok(answer) => answer,
            Err(error) => return self.fail(&error.render()),
        };
        if at(&answer, "fired").as_bool() == Some(true) {
            crate::output::outln!("{trigger}: fired");
            show_actions(&answer);
            if let Some(instance) = &mut self.instance {
                instance.timers.retain(|(t, _)| *t != trigger);
            }
        } else {
            crate::output::outln!("{trigger}: not fired ({})", plain(at(&answer, "reason")));
        }
    }

    /// The request a host would send for the instance now; with an event (which `:apply` and
    /// `:fire` need) when an instant is set.
    fn workflow_request(&self, needs_event: bool) -> Result<WorkflowRequest, String> {
        if self.ruleset.is_none() {
            return Err("error: the ruleset does not compile; fix it and :reload".into());
        }
        let Some(instance) = &self.instance else {
            return Err("error: no workflow state yet: write `:state STATE` first".into());
        };
        let event = match self.now() {
            Some(now) => Some(Event {
                instance: INSTANCE.to_string(),
                seq: self.events,
                at: now,
                entered_at: instance.entered_at,
                previous_state: instance.previous_state.clone(),
            }),
            None if needs_event => {
                return Err(
                    "error: the event needs an instant: write `:now 2026-03-02T10:00:00Z` first"
                        .into(),
                );
            }
            None => None,
        };
        Ok(WorkflowRequest {
            workflow: instance.workflow.clone(),
            state: instance.state.clone(),
            actor: self.actor.clone(),
            input: Json::Object(self.input.clone()),
            as_of: self.base.as_of,
            approvals: self.base.approvals.clone(),
            event,
        })
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn show_owner_and_due(answer: &Json) {
    if !at(answer, "owner").is_null() {
        crate::output::outln!("  owner {}", plain(at(answer, "owner")));
    }
    if !at(answer, "due").is_null() {
        crate::output::outln!("  due {}", plain(at(answer, "due")));
    }
}

/// Each action as `trigger.action {args}` (the idempotency key left out).
fn show_actions(answer: &Json) {
    for action in at(answer, "actions").as_array().into_iter().flatten() {
        crate::output::outln!(
            "  action {}.{} {}",
            plain(at(action, "trigger")),
            plain(at(action, "action")),
            ordo_engine::to_json_string(at(action, "args"))
        );
    }
}

/// The `{trigger, due}` timers of an answer.
fn timers_of(answer: &Json) -> Vec<(String, DateTime<Utc>)> {
    at(answer, "timers")
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let trigger = at(t, "trigger").as_str()?.to_string();
            let due = parse_datetime(at(t, "due").as_str()?).ok()?;
            Some((trigger, due))
        })
        .collect()
}

/// A reason a transition is not enabled, for people.
fn reason_text(reason: &Json) -> String {
    let list = |key: &str| -> String {
        at(reason, key)
            .as_array()
            .into_iter()
            .flatten()
            .map(plain)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match at(reason, "kind").as_str() {
        Some("role") => format!("roles allowed: {}", list("allowed")),
        Some("guard") => format!("guard `{}` is false", plain(at(reason, "guard"))),
        Some("previous") => "no previous state".to_string(),
        Some("approvals") => format!(
            "approvals `{}` pending: {}",
            plain(at(reason, "chain")),
            list("pending")
        ),
        _ => ordo_engine::to_json_string(reason),
    }
}
