#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Spec §23–§24 as properties: business days count back what they step (forward and back),
//! `on becomes` fires exactly on false→true edges (of a plain and a compound condition, only in
//! its states), and a timer (SLA, `stay`, `at` from data) never fires before its due time or
//! in another state. Plus the formatter keeping the new syntax.

use ordo_engine::{EvalOptions, Ruleset, StartRequest, TimerRequest, UpdateRequest};
use proptest::prelude::*;
use serde_json::json;

const CLOCK: &str = r#"ruleset clock version "1.0.0"
effective 2026-01-01

calendar office {
  weekend sat, sun
  holidays 2026-04-03, 2026-04-06, 2026-05-01, 2026-12-24, 2026-12-25
}

input {
  day: Date
  n: Int
}

output later = add_business_days(day, n, office)
output counted = business_days_between(day, add_business_days(day, n, office), office)
output workday = is_business_day(day, office)
output lands_on_workday = is_business_day(add_business_days(day, n, office), office)
output counted_back = business_days_between(add_business_days(day, 0 - n, office), day, office)
output first = add_business_days(day, 0, office)
"#;

const TICKETS: &str = r#"ruleset tickets version "1.0.0"
effective 2026-01-01

roles agent

input {
  blocked: Bool = false
  long: Bool = false
}

workflow ticket {
  state open initial owner agent sla if long then 8 hours else 4 hours
  state working owner agent
  state done final

  transition take: open -> working by agent
  transition close: working -> done by agent
}

trigger late on breach open {
  escalate agent
}
trigger waiting on stay working after 2 days {
  notify owner "still working"
}
trigger edge on becomes blocked {
  emit "blocked"
}
"#;

/// Edges of a compound condition, restricted to one state, and a timer due at a time from the
/// data.
const DESK: &str = r#"ruleset desk version "1.0.0"
effective 2026-01-01

roles agent

input {
  level: Int = 0
  muted: Bool = false
  due_at: DateTime?
}

workflow case {
  state open initial owner agent
  state working owner agent
  state done final

  transition take: open -> working by agent
  transition close: working -> done by agent
}

trigger hot on becomes (level >= 3 and not muted) in working {
  emit "hot"
}
trigger deadline on at due_at in working {
  emit "deadline"
}
"#;

fn clock() -> &'static Ruleset {
    static RULESET: std::sync::OnceLock<Ruleset> = std::sync::OnceLock::new();
    RULESET.get_or_init(|| Ruleset::compile(CLOCK).expect("compiles"))
}

fn tickets() -> &'static Ruleset {
    static RULESET: std::sync::OnceLock<Ruleset> = std::sync::OnceLock::new();
    RULESET.get_or_init(|| Ruleset::compile(TICKETS).expect("compiles"))
}

fn desk() -> &'static Ruleset {
    static RULESET: std::sync::OnceLock<Ruleset> = std::sync::OnceLock::new();
    RULESET.get_or_init(|| Ruleset::compile(DESK).expect("compiles"))
}

fn day_of(offset: u32) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
    (start + chrono::Days::new(u64::from(offset)))
        .format("%Y-%m-%d")
        .to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `business_days_between(d, add_business_days(d, n)) == n` for business days d, n >= 0.
    #[test]
    fn business_days_count_back_what_they_step(offset in 0u32..700, n in 0i64..300) {
        let input = json!({"day": day_of(offset), "n": n});
        let result = clock().evaluate(&input, &EvalOptions::default()).expect("evaluates");
        if result["outputs"]["workday"] == json!(true) {
            prop_assert_eq!(&result["outputs"]["counted"], &json!(n.to_string()));
        }
    }

    /// Counting back what it stepped back agrees too, a step of n > 0 business days lands on
    /// a business day, and a step of 0 from any day is that day when it is a business day,
    /// else the next one.
    #[test]
    fn business_days_agree_both_ways(offset in 0u32..700, n in 1i64..300) {
        let input = json!({"day": day_of(offset), "n": n});
        let result = clock().evaluate(&input, &EvalOptions::default()).expect("evaluates");
        let outputs = &result["outputs"];
        prop_assert_eq!(&outputs["lands_on_workday"], &json!(true));
        let first = outputs["first"].as_str().expect("a date");
        if outputs["workday"] == json!(true) {
            prop_assert_eq!(&outputs["counted_back"], &json!(n.to_string()));
            prop_assert_eq!(first, day_of(offset));
        } else {
            // The next business day: later than the day, and no business day in between.
            let between = json!({"day": day_of(offset), "n": 1});
            let next = clock().evaluate(&between, &EvalOptions::default()).expect("evaluates");
            prop_assert_eq!(first, next["outputs"]["later"].as_str().expect("a date"));
        }
    }

    /// A compound `on becomes` condition fires on exactly its false→true edges over generated
    /// sequences of inputs, and only in the state it names.
    #[test]
    fn compound_edges_fire_once_per_rise_and_only_in_their_state(
        steps in proptest::collection::vec((0i64..6, any::<bool>()), 2..12),
        in_state in any::<bool>(),
    ) {
        let holds = |(level, muted): (i64, bool)| level >= 3 && !muted;
        let state = if in_state { "working" } else { "open" };
        let mut fired = 0;
        for (seq, pair) in steps.windows(2).enumerate() {
            let (before, after) = (pair[0], pair[1]);
            let request = json!({"workflow": "case", "state": state,
                "previous_input": {"level": before.0, "muted": before.1},
                "input": {"level": after.0, "muted": after.1},
                "event": {"instance": "C", "seq": seq, "at": "2026-03-02T10:00:00Z"}});
            let answer = desk()
                .update(&UpdateRequest::from_json(&request).expect("a request"))
                .expect("updates");
            let actions = answer["actions"].as_array().expect("actions").len();
            prop_assert_eq!(actions, usize::from(in_state && !holds(before) && holds(after)));
            fired += actions;
        }
        let rises = steps.windows(2).filter(|p| !holds(p[0]) && holds(p[1])).count();
        prop_assert_eq!(fired, if in_state { rises } else { 0 });
    }

    /// A timer due at a time from the data fires only in its state, never before that time,
    /// and never when the data gives none.
    #[test]
    fn timers_from_data_never_fire_early_or_elsewhere(
        due_minutes in 0i64..(3 * 24 * 60),
        at_minutes in 0i64..(3 * 24 * 60),
        in_state in any::<bool>(),
        dated in any::<bool>(),
    ) {
        let start = chrono::DateTime::parse_from_rfc3339("2026-03-02T00:00:00Z")
            .expect("a time")
            .with_timezone(&chrono::Utc);
        let due = start + chrono::Duration::minutes(due_minutes);
        let at = start + chrono::Duration::minutes(at_minutes);
        let input = if dated { json!({"due_at": due.to_rfc3339()}) } else { json!({}) };
        let request = json!({"workflow": "case",
            "state": if in_state { "working" } else { "open" },
            "trigger": "deadline", "input": input,
            "event": {"instance": "C", "seq": 1, "at": at.to_rfc3339()}});
        let answer = desk()
            .fire_timer(&TimerRequest::from_json(&request).expect("a request"))
            .expect("answers");
        prop_assert_eq!(&answer["fired"], &json!(in_state && dated && at >= due));
        let actions = answer["actions"].as_array().expect("actions").len();
        prop_assert_eq!(actions, usize::from(answer["fired"] == json!(true)));
    }

    /// `on becomes` fires on exactly the false→true edges of a sequence of inputs.
    #[test]
    fn becomes_fires_exactly_on_rising_edges(values in proptest::collection::vec(any::<bool>(), 2..12)) {
        let mut fired = 0;
        for (seq, pair) in values.windows(2).enumerate() {
            let (before, after) = (pair[0], pair[1]);
            let request = json!({"workflow": "ticket", "state": "working",
                "previous_input": {"blocked": before}, "input": {"blocked": after},
                "event": {"instance": "T", "seq": seq, "at": "2026-03-02T10:00:00Z",
                    "entered_at": "2026-03-02T09:00:00Z"}});
            let answer = tickets()
                .update(&UpdateRequest::from_json(&request).expect("a request"))
                .expect("updates");
            let actions = answer["actions"].as_array().expect("actions").len();
            prop_assert_eq!(actions, usize::from(!before && after));
            fired += actions;
        }
        let edges = values.windows(2).filter(|p| !p[0] && p[1]).count();
        prop_assert_eq!(fired, edges);
    }

    /// A timer fires only in its state and never before its due time.
    #[test]
    fn timers_never_fire_early_or_elsewhere(
        minutes in 0i64..(4 * 24 * 60),
        long in any::<bool>(),
        in_state in any::<bool>(),
        sla in any::<bool>(),
    ) {
        let entered = chrono::DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
            .expect("a time")
            .with_timezone(&chrono::Utc);
        let at = entered + chrono::Duration::minutes(minutes);
        let (trigger, state, due) = if sla {
            ("sla:open", "open", entered + chrono::Duration::hours(if long { 8 } else { 4 }))
        } else {
            ("waiting", "working", entered + chrono::Duration::days(2))
        };
        let other = if state == "open" { "working" } else { "open" };
        let request = json!({"workflow": "ticket", "state": if in_state { state } else { other },
            "trigger": trigger, "input": {"long": long},
            "event": {"instance": "T", "seq": 1, "at": at.to_rfc3339(),
                "entered_at": entered.to_rfc3339()}});
        let answer = tickets()
            .fire_timer(&TimerRequest::from_json(&request).expect("a request"))
            .expect("answers");
        prop_assert_eq!(&answer["fired"], &json!(in_state && at >= due));
    }
}

#[test]
fn start_reports_the_sla_and_arms_its_timer() {
    let request = json!({"workflow": "ticket", "actor": "agent", "input": {"long": true},
        "event": {"instance": "T", "seq": 1, "at": "2026-03-02T09:00:00Z"}});
    let answer = tickets()
        .start(&StartRequest::from_json(&request).expect("a request"))
        .expect("starts");
    assert_eq!(answer["state"], "open");
    assert_eq!(answer["due"], "2026-03-02T17:00:00Z");
    assert_eq!(
        answer["timers"],
        json!([{"trigger": "sla:open", "due": "2026-03-02T17:00:00Z"}])
    );
}

#[test]
fn a_timer_that_counts_from_entry_needs_entered_at() {
    let request = json!({"workflow": "ticket", "state": "working", "trigger": "waiting",
        "input": {}, "event": {"instance": "T", "seq": 1, "at": "2026-03-09T09:00:00Z"}});
    let error = tickets()
        .fire_timer(&TimerRequest::from_json(&request).expect("a request"))
        .expect_err("refused");
    assert_eq!(error.path.as_deref(), Some("event.entered_at"));
}

#[test]
fn unknown_request_keys_and_early_events_are_refused() {
    let typo = json!({"workflow": "ticket", "state": "open", "imput": {},
        "event": {"instance": "T", "seq": 1, "at": "2026-03-02T09:00:00Z"}});
    let error = UpdateRequest::from_json(&typo).expect_err("refused");
    assert_eq!(error.kind.as_str(), "unknown_field");
    assert!(error.hint.as_deref().unwrap_or("").contains("input"));
    let early = json!({"workflow": "ticket", "state": "open", "trigger": "sla:open",
        "event": {"instance": "T", "seq": 1, "at": "2026-03-02T09:00:00Z",
            "entered_at": "2026-03-02T10:00:00Z"}});
    let error = TimerRequest::from_json(&early).expect_err("refused");
    assert_eq!(error.path.as_deref(), Some("event.at"));
}

#[test]
fn now_is_the_hosts_instant_else_as_of_at_midnight() {
    let ruleset = Ruleset::compile(
        "ruleset t version \"1.0.0\"\neffective 2026-01-01\ninput { x: Int }\noutput stamp = now\noutput span = now - 2026-01-01T00:00:00Z\n",
    )
    .expect("compiles");
    let plain = ruleset
        .evaluate(&json!({"x": 1}), &EvalOptions::default())
        .expect("evaluates");
    assert_eq!(plain["outputs"]["stamp"], "2026-01-01T00:00:00Z");
    let options = EvalOptions {
        at: Some(ordo_engine::text::parse_datetime("2026-01-02T04:00:00Z").expect("a time")),
        ..EvalOptions::default()
    };
    let at = ruleset
        .evaluate(&json!({"x": 1}), &options)
        .expect("evaluates");
    assert_eq!(at["outputs"]["stamp"], "2026-01-02T04:00:00Z");
    assert_eq!(at["outputs"]["span"], "P1DT4H");
}

#[test]
fn the_new_syntax_formats_and_reads_back() {
    let source = format!(
        "{TICKETS}\ntrigger due on at (if blocked then none else 2026-04-01T09:00:00Z) in working {{\n  emit \"due\"\n}}\ntrigger moved on change long of ticket in open, working {{\n  emit \"moved\"\n}}\n"
    );
    let format = |text: &str| {
        let ast = ordo_dsl::parse(text).expect("parses");
        ordo_dsl::format_ruleset(&ast, text)
    };
    let formatted = format(&source);
    assert_eq!(formatted, format(&formatted));
    assert!(formatted.contains("on breach open"), "{formatted}");
    assert!(
        formatted.contains("on change long of ticket in open, working"),
        "{formatted}"
    );
    Ruleset::compile(&formatted).expect("the formatted ruleset compiles");
    let clock = format(CLOCK);
    assert!(clock.contains("holidays 2026-04-03, 2026-04-06"));
    Ruleset::compile(&clock).expect("compiles");
}

#[test]
fn a_state_named_previous_and_notify_owner_without_one_are_errors() {
    let bad = "ruleset t version \"1.0.0\"\nroles r\ninput { x: Int }\nworkflow w {\n  state a initial\n  state previous final\n  transition go: a -> previous by r\n}\ntrigger t on enter a {\n  notify owner \"hi\"\n}\n";
    let Err(diagnostics) = Ruleset::compile(bad) else {
        panic!("compiled");
    };
    let text: Vec<String> = diagnostics.iter().map(|d| d.message.clone()).collect();
    assert!(
        text.iter().any(|m| m.contains("named `previous`")),
        "{text:?}"
    );
    assert!(text.iter().any(|m| m.contains("has no owner")), "{text:?}");
}
