use serde_json::{Value as Json, json};

use crate::error::EvalResult;
use crate::json::requests::{
    Actor, ApplyRequest, Event, TimerRequest, TransitionsRequest, WorkflowRequest,
};
use crate::ruleset::Ruleset;

/// Workflow requests in their JSON form, as hosts send them.
trait JsonRequests {
    fn transitions_json(&self, request: &Json) -> EvalResult<Json>;
    fn apply_json(&self, request: &Json) -> EvalResult<Json>;
    fn fire_timer_json(&self, request: &Json) -> EvalResult<Json>;
}

impl JsonRequests for Ruleset {
    fn transitions_json(&self, request: &Json) -> EvalResult<Json> {
        self.transitions(&TransitionsRequest::from_json(request)?)
    }

    fn apply_json(&self, request: &Json) -> EvalResult<Json> {
        self.apply(&ApplyRequest::from_json(request)?)
    }

    fn fire_timer_json(&self, request: &Json) -> EvalResult<Json> {
        self.fire_timer(&TimerRequest::from_json(request)?)
    }
}

const ORDERS: &str = r#"ruleset orders version "1.0.0"
roles sales, manager, ops
input { amount: Decimal  po: Text? }
constraint positive: amount > 0 else error "Amount must be positive"
approval desk { step boss "Manager" by manager when amount > 1000 }
workflow order {
  state draft initial owner sales
  state submitted owner manager sla 2 days
  state done final
  transition submit: draft -> submitted by sales when valid
  transition approve: submitted -> done by manager requires desk
}
trigger notify_big on enter submitted when amount > 500 {
  notify owner "Order of {amount} waits"
  escalate manager
}
trigger remind on stay submitted after 2 days { notify "ops-channel" "still waiting" }
"#;

fn event(seq: u64) -> Json {
    json!({"instance": "SO-9", "seq": seq, "at": "2026-03-01T10:00:00Z", "entered_at": "2026-02-28T10:00:00Z"})
}

fn ruleset() -> Ruleset {
    Ruleset::compile(ORDERS).unwrap()
}

#[test]
fn next_actions_list_every_reason() {
    let r = ruleset();
    let result = r
        .transitions_json(&json!({"workflow": "order", "state": "draft", "actor": "ops", "input": {"amount": "0"}}))
        .unwrap();
    let reasons = &result["transitions"][0]["reasons"];
    assert_eq!(reasons.as_array().unwrap().len(), 2, "{result}");
    assert_eq!(reasons[0]["kind"], "role");
    assert_eq!(reasons[1], json!({"kind": "guard", "guard": "valid"}));
    assert_eq!(result["owner"], "sales");
}

#[test]
fn apply_returns_actions_with_distinct_keys_and_timers() {
    let r = ruleset();
    let request = json!({"workflow": "order", "state": "draft", "transition": "submit", "actor": "sales",
        "input": {"amount": "900.00"}, "event": event(1)});
    let result = r.apply_json(&request).unwrap();
    let actions = result["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 2);
    assert_eq!(
        actions[0]["args"],
        json!({"to": "manager", "message": "Order of 900.00 waits"})
    );
    assert_eq!(actions[1]["args"], json!({"role": "manager"}));
    assert_ne!(actions[0]["key"], actions[1]["key"]);
    assert_eq!(
        result["timers"],
        json!([{"trigger": "remind", "due": "2026-03-03T10:00:00Z"}])
    );
    // The same event gives the same keys; another sequence number gives others.
    assert_eq!(
        r.apply_json(&request).unwrap()["actions"],
        result["actions"]
    );
    let mut again = request.clone();
    again["event"] = event(2);
    assert_ne!(
        r.apply_json(&again).unwrap()["actions"][0]["key"],
        actions[0]["key"]
    );
}

#[test]
fn refused_transitions_say_why() {
    let r = ruleset();
    let base = json!({"workflow": "order", "state": "submitted", "transition": "approve", "actor": "manager",
        "input": {"amount": "5000"}, "event": event(3)});
    let e = r.apply_json(&base).unwrap_err();
    assert_eq!(e.kind.as_str(), "transition");
    assert!(
        e.message
            .contains("approval chain `desk` is not complete (pending: boss)"),
        "{}",
        e.message
    );
    let mut granted = base.clone();
    granted["approvals"] = json!({"desk": {"boss": {"by": "kim", "facts": {"amount": "5000"}}}});
    assert_eq!(r.apply_json(&granted).unwrap()["to"], "done");
    let mut wrong = base.clone();
    wrong["transition"] = json!("submit");
    assert!(
        r.apply_json(&wrong)
            .unwrap_err()
            .message
            .contains("does not leave `submitted`")
    );
}

#[test]
fn bad_requests_name_the_bad_value() {
    let r = ruleset();
    let cases = [
        (json!({"workflow": "ordr", "state": "draft"}), "workflow"),
        (json!({"workflow": "order", "state": "drafty"}), "state"),
        (
            json!({"workflow": "order", "state": "draft", "actor": "sale"}),
            "actor",
        ),
        (
            json!({"workflow": "order", "state": "draft", "input": {"amount": "1"}, "approvals": {"nope": {}}}),
            "approvals.nope",
        ),
    ];
    for (request, path) in cases {
        let e = r.transitions_json(&request).unwrap_err();
        assert_eq!(e.kind.as_str(), "invalid_request", "{request}");
        assert_eq!(e.path.as_deref(), Some(path), "{request}");
    }
    let e = r
        .apply_json(&json!({"workflow": "order", "state": "draft", "transition": "submit", "actor": "sales",
            "input": {"amount": "1"}, "event": {"instance": "x", "seq": -1, "at": "2026-03-01T10:00:00Z"}}))
        .unwrap_err();
    assert_eq!(e.path.as_deref(), Some("event.seq"));
}

#[test]
fn a_due_timer_rechecks_state_time_and_condition() {
    let r = ruleset();
    let timer = |state: &str, at: &str| {
        json!({"workflow": "order", "state": state, "trigger": "remind", "input": {"amount": "900"},
            "event": {"instance": "SO-9", "seq": 4, "at": at, "entered_at": "2026-03-01T10:00:00Z"}})
    };
    let fired = r
        .fire_timer_json(&timer("submitted", "2026-03-03T10:00:00Z"))
        .unwrap();
    assert_eq!(fired["fired"], true);
    assert_eq!(fired["actions"][0]["args"]["to"], "ops-channel");
    let early = r
        .fire_timer_json(&timer("submitted", "2026-03-02T10:00:00Z"))
        .unwrap();
    assert_eq!(early["fired"], false);
    let moved = r
        .fire_timer_json(&timer("done", "2026-03-09T10:00:00Z"))
        .unwrap();
    assert_eq!(moved["fired"], false);
    assert!(
        moved["reason"]
            .as_str()
            .unwrap()
            .contains("not in `submitted`")
    );
}

#[test]
fn a_refused_grant_is_shown_with_its_reason() {
    let r = ruleset();
    let base = json!({"workflow": "order", "state": "submitted", "actor": "manager",
        "input": {"amount": "5000"}, "event": event(3),
        "approvals": {"desk": {"boss": {"by": "kim", "role": "ops", "facts": {"amount": "5000"}}}}});
    let next = r.transitions_json(&base).unwrap();
    let approve = next["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "approve")
        .unwrap();
    assert_eq!(approve["enabled"], false);
    assert_eq!(
        approve["reasons"][0],
        json!({"kind": "approvals", "chain": "desk", "pending": ["boss"], "stale": [],
            "refused": [{"step": "boss", "by": "kim", "reason": "wrong_role"}]})
    );
    let mut apply = base.clone();
    apply["transition"] = json!("approve");
    let e = r.apply_json(&apply).unwrap_err();
    assert!(
        e.message
            .contains("boss: the grant by kim does not count (wrong_role)"),
        "{}",
        e.message
    );
    // The same grant under the step's role counts.
    apply["approvals"]["desk"]["boss"]["role"] = json!("manager");
    assert_eq!(r.apply_json(&apply).unwrap()["to"], "done");
}

/// A request built in Rust, as an embedding host does, not read from JSON.
fn built(state: &str, actor: &str, at: &str, entered_at: Option<&str>) -> WorkflowRequest {
    let time = |t: &str| crate::text::parse_datetime(t).unwrap();
    WorkflowRequest {
        workflow: "order".into(),
        state: state.into(),
        actor: Some(Actor::role(actor)),
        input: json!({"amount": "900"}),
        as_of: None,
        approvals: None,
        event: Some(Event {
            instance: "SO-9".into(),
            seq: 5,
            at: time(at),
            entered_at: entered_at.map(time),
            previous_state: None,
        }),
    }
}

#[test]
fn an_event_before_the_state_was_entered_is_refused_however_it_is_built() {
    let r = ruleset();
    let early = ApplyRequest {
        workflow: built(
            "draft",
            "sales",
            "2026-03-01T09:00:00Z",
            Some("2026-03-01T10:00:00Z"),
        ),
        transition: "submit".into(),
    };
    let e = r.apply(&early).unwrap_err();
    assert_eq!(
        (e.kind.as_str(), e.path.as_deref()),
        ("invalid_request", Some("event.at"))
    );
    assert!(
        e.message.contains("time cannot go backwards"),
        "{}",
        e.message
    );
    assert!(e.message.contains("2026-03-01T10:00:00Z"), "{}", e.message);
    // The same event at the entry time itself is fine.
    let on_time = ApplyRequest {
        workflow: built(
            "draft",
            "sales",
            "2026-03-01T10:00:00Z",
            Some("2026-03-01T10:00:00Z"),
        ),
        transition: "submit".into(),
    };
    assert_eq!(r.apply(&on_time).unwrap()["to"], "submitted");
    // A timer's event is checked too.
    let timer = TimerRequest {
        workflow: built(
            "submitted",
            "ops",
            "2026-03-05T09:00:00Z",
            Some("2026-03-06T10:00:00Z"),
        ),
        trigger: "remind".into(),
    };
    assert_eq!(
        r.fire_timer(&timer).unwrap_err().path.as_deref(),
        Some("event.at")
    );
}

#[test]
fn a_timer_is_never_fired_without_the_states_entry_time() {
    let r = ruleset();
    // `remind` is `on stay submitted after 2 days`: without the entry time it has no due time.
    let timer = TimerRequest {
        workflow: built("submitted", "ops", "2030-01-01T00:00:00Z", None),
        trigger: "remind".into(),
    };
    let e = r.fire_timer(&timer).unwrap_err();
    assert_eq!(
        (e.kind.as_str(), e.path.as_deref()),
        ("invalid_request", Some("event.entered_at"))
    );
    assert!(e.message.contains("timer `remind`"), "{}", e.message);
    assert!(e.message.contains("entered_at"), "{}", e.message);
}
