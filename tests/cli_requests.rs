#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! `ordo workflow`, `ordo configure`, `ordo diff`, `ordo check --against` and `ordo eval` over
//! several versions, end to end.

use std::process::Output;

mod common;
use common::{ordo, ordo_with};

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

const ORDERS: &str = "examples/orders/orders.ordo";
const ORDER: &str = "examples/orders/order.json";

#[test]
fn workflow_lists_next_actions_and_applies() {
    let next = ordo(&[
        "workflow",
        ORDERS,
        "--workflow",
        "order",
        "--state",
        "draft",
        "--actor",
        "logistics",
        "--input",
        ORDER,
    ]);
    assert!(next.status.success());
    assert_eq!(json(&next)["transitions"][0]["reasons"][0]["kind"], "role");
    let applied = ordo(&[
        "workflow",
        ORDERS,
        "--workflow",
        "order",
        "--state",
        "draft",
        "--actor",
        "sales",
        "--input",
        ORDER,
        "--apply",
        "submit",
        "--event",
        "examples/orders/submit.json",
    ]);
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert_eq!(json(&applied)["timers"][0]["due"], "2026-03-04T09:15:00Z");
    let refused = ordo(&[
        "workflow",
        ORDERS,
        "--workflow",
        "order",
        "--state",
        "draft",
        "--actor",
        "finance",
        "--input",
        ORDER,
        "--apply",
        "submit",
        "--event",
        "examples/orders/submit.json",
        "--format",
        "json",
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(json(&refused)["error"]["kind"], "transition");
    let typo = ordo(&[
        "workflow",
        ORDERS,
        "--workflow",
        "ordr",
        "--state",
        "draft",
        "--input",
        ORDER,
    ]);
    assert_eq!(typo.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&typo.stderr).contains("did you mean `order`?"));
}

#[test]
fn workflow_refuses_time_going_backwards_and_a_timer_without_its_entry_time() {
    let workflow = |state: &str, actor: &str, then: [&str; 2], event: &str| {
        let mut args = vec![
            "workflow",
            ORDERS,
            "--workflow",
            "order",
            "--state",
            state,
            "--actor",
            actor,
            "--input",
            ORDER,
            "--event",
            "-",
            "--format",
            "json",
        ];
        args.extend(then);
        ordo_with(&args, Some(event))
    };
    // The event happens an hour before the instance entered `draft`.
    let early = workflow(
        "draft",
        "sales",
        ["--apply", "submit"],
        r#"{"instance": "SO-1", "seq": 2, "at": "2026-03-02T08:00:00Z", "entered_at": "2026-03-02T09:00:00Z"}"#,
    );
    assert_eq!(early.status.code(), Some(1), "{}", stdout(&early));
    let error = &json(&early)["error"];
    assert_eq!(error["kind"], "invalid_request");
    assert_eq!(error["path"], "event.at");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("time cannot go backwards"),
        "{error}"
    );
    // A `stay` timer counts from the state's entry: without `entered_at` it is refused, not fired.
    let unknown_entry = workflow(
        "submitted",
        "sales",
        ["--timer", "approval_reminder"],
        r#"{"instance": "SO-1", "seq": 3, "at": "2030-01-01T00:00:00Z"}"#,
    );
    assert_eq!(
        unknown_entry.status.code(),
        Some(1),
        "{}",
        stdout(&unknown_entry)
    );
    let error = &json(&unknown_entry)["error"];
    assert_eq!(error["kind"], "invalid_request");
    assert_eq!(error["path"], "event.entered_at");
    assert!(stdout(&unknown_entry).contains("approval_reminder"));
}

#[test]
fn configure_reports_blocked_options() {
    let out = ordo(&[
        "configure",
        "examples/bikes/bikes.ordo",
        "--input",
        "examples/bikes/partial.json",
        "--compact",
    ]);
    assert!(out.status.success());
    let result = json(&out);
    assert!(
        result["fields"]["groupset"]["options"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["available"] == false)
    );
}

#[test]
fn diff_shows_the_schema_break_the_rules_and_the_cases() {
    let out = ordo(&[
        "diff",
        "examples/bikes/bikes.ordo",
        "examples/bikes/next/bikes.ordo",
        "--cases",
        "examples/bikes/cases",
        "--as-of",
        "2027-03-01",
    ]);
    let text = stdout(&out);
    assert!(text.contains("BREAKING removed `fleet_discount`"), "{text}");
    assert!(text.contains("changed table `groupset_price`"), "{text}");
    assert!(
        text.contains("quotes.quote.total: 2968.40 → 3018.73"),
        "{text}"
    );
    assert!(text.contains("cases: 2 of 3 changed"), "{text}");
}

#[test]
fn check_against_refuses_an_unannounced_break() {
    let ok = ordo(&[
        "check",
        "examples/bikes/next/bikes.ordo",
        "--against",
        "examples/bikes/bikes.ordo",
    ]);
    assert!(ok.status.success(), "a major version may break inputs");
    let dir = std::env::temp_dir().join(format!("ordo-check-against-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let minor = dir.join("bikes.ordo");
    let source = std::fs::read_to_string("examples/bikes/next/bikes.ordo")
        .unwrap()
        .replace("\"3.0.0\"", "\"2.1.0\"");
    std::fs::write(&minor, source).unwrap();
    let refused = ordo(&[
        "check",
        minor.to_str().unwrap(),
        "--against",
        "examples/bikes/bikes.ordo",
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("without a major version bump"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn eval_picks_a_version_by_date_or_requirement() {
    let version = |args: &[&str]| {
        let mut all = vec![
            "eval",
            "examples/bikes/bikes.ordo",
            "examples/bikes/next",
            "--input",
            "examples/bikes/cases/city.json",
            "--compact",
        ];
        all.extend_from_slice(args);
        let out = ordo(&all);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        json(&out)["ruleset"]["version"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(version(&["--as-of", "2026-12-31"]), "2.0.0");
    assert_eq!(version(&["--as-of", "2027-01-01"]), "3.0.0");
    assert_eq!(version(&["--version", "^2"]), "2.0.0");
    assert_eq!(version(&[]), "3.0.0");
    let none = ordo(&[
        "eval",
        "examples/bikes/bikes.ordo",
        "--version",
        "^9",
        "--input",
        "examples/bikes/cases/city.json",
    ]);
    assert_eq!(none.status.code(), Some(1));
}

#[test]
fn workflow_starts_a_ticket_with_its_sla_and_deadline_and_its_tests_pass() {
    const TICKETS: &str = "examples/tickets/tickets.ordo";
    let started = ordo(&[
        "workflow",
        TICKETS,
        "--workflow",
        "ticket",
        "--start",
        "--actor",
        "ana:agent",
        "--input",
        "examples/tickets/ticket.json",
        "--event",
        "examples/tickets/start.json",
    ]);
    assert!(started.status.success(), "{}", stdout(&started));
    let answer = json(&started);
    assert_eq!(answer["owner"], "desk-berlin");
    assert_eq!(answer["due"], "2026-04-02T09:00:00Z");
    assert_eq!(
        answer["timers"],
        serde_json::json!([
            {"trigger": "sla:new", "due": "2026-04-02T09:00:00Z"},
            {"trigger": "deadline", "due": "2026-04-07T15:00:00Z"}
        ])
    );
    let tested = ordo(&["test", TICKETS]);
    assert!(tested.status.success(), "{}", stdout(&tested));
}

#[test]
fn graph_draws_a_workflow_as_a_state_diagram() {
    let mermaid = ordo(&[
        "graph",
        "examples/tickets/tickets.ordo",
        "--workflow",
        "ticket",
    ]);
    assert!(mermaid.status.success());
    let text = stdout(&mermaid);
    assert!(text.starts_with("stateDiagram-v2\n"), "{text}");
    assert!(text.contains("  [*] --> new\n"), "{text}");
    assert!(
        text.contains("  on_hold --> previous_state : resume by agent, lead"),
        "{text}"
    );
    let dot = ordo(&[
        "graph",
        "examples/tickets/tickets.ordo",
        "--workflow",
        "ticket",
        "--format",
        "dot",
    ]);
    assert!(dot.status.success());
    assert!(stdout(&dot).contains("\"new\" -> \"working\" [label=\"take by agent, lead\"];"));
    let unknown = ordo(&[
        "graph",
        "examples/tickets/tickets.ordo",
        "--workflow",
        "tiket",
    ]);
    assert!(!unknown.status.success());
}

/// `ordo diff --cases book.jsonl` re-prices an order book a line at a time and sums how much
/// each total moved; the sums are those of evaluating every line with both versions.
#[test]
fn diff_reprices_an_order_book_from_json_lines_and_sums_the_moves() {
    use ordo_engine::{Decimal, EvalOptions, Ruleset};
    let old_file = "examples/bikes/bikes.ordo";
    let new_file = "examples/bikes/next/bikes.ordo";
    let mut quote: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("examples/bikes/quote.json").unwrap())
            .unwrap();
    let fields = quote.as_object_mut().unwrap();
    fields.remove("fleet_discount");
    fields.remove("salesperson");
    let lines: Vec<serde_json::Value> = (1..=60)
        .map(|n| {
            let mut q = quote.clone();
            q["quantity"] = serde_json::json!(n);
            q
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("ordo-diff-book-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let book = dir.join("book.jsonl");
    let text: String = lines.iter().map(|l| format!("{l}\n\n")).collect();
    std::fs::write(&book, text).unwrap();

    let out = ordo(&[
        "diff",
        old_file,
        new_file,
        "--cases",
        book.to_str().unwrap(),
        "--as-of",
        "2027-02-01",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cases = &report["cases"];
    assert_eq!(cases["total"], 60);

    let compile = |f: &str| Ruleset::compile(&std::fs::read_to_string(f).unwrap()).unwrap();
    let (old, new) = (compile(old_file), compile(new_file));
    let options = EvalOptions {
        as_of: Some("2027-02-01".parse().unwrap()),
        ..EvalOptions::default()
    };
    let total = |r: &Ruleset, input: &serde_json::Value| -> Decimal {
        let result = r.evaluate(input, &options).unwrap();
        result["quotes"]["quote"]["total"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (mut sum, mut up, mut down) = (Decimal::ZERO, 0, 0);
    for input in &lines {
        let delta = total(&new, input) - total(&old, input);
        sum += delta;
        match delta.cmp(&Decimal::ZERO) {
            std::cmp::Ordering::Greater => up += 1,
            std::cmp::Ordering::Less => down += 1,
            std::cmp::Ordering::Equal => {}
        }
    }
    let moved = &cases["totals"]["quotes.quote.total"];
    assert_eq!(moved["change"], sum.to_string(), "{moved}");
    assert_eq!(moved["up"], up);
    assert_eq!(moved["down"], down);
    assert_eq!(
        cases["changed"].as_array().unwrap().len(),
        cases["changed_count"].as_u64().unwrap() as usize
    );

    // A line that is not JSON names its line number.
    std::fs::write(&book, format!("{}\n{{oops\n", lines[0])).unwrap();
    let out = ordo(&[
        "diff",
        old_file,
        new_file,
        "--cases",
        book.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text_of(&out.stderr).contains("line 2"),
        "{}",
        text_of(&out.stderr)
    );
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
