#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! `ordo repl` driven through a pipe, as a script would: set inputs, evaluate expressions in
//! the ruleset's scope, explain a value, make a typo, edit the file and `:reload`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const PUMPS: &str = "tests/fixtures/conformance/pumps/ruleset.ordo";

fn copy_of_pumps(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ordo-repl-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pumps.ordo");
    let source =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(PUMPS)).unwrap();
    std::fs::write(&path, source).unwrap();
    path
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ordo"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs a whole script through a session; returns (exit code, stdout, stderr).
fn session(args: &[&str], script: &str) -> (Option<i32>, String, String) {
    let mut child = spawn(args);
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_scripted_session_sets_inputs_evaluates_explains_and_reloads() {
    let file = copy_of_pumps("full");
    let mut child = spawn(&["repl", file.to_str().unwrap()]);
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let first = "\
quote.total
:set quantity = 12
volume_rate
:set model = p200
:set customer = { tier: gold, country: \"DE\" }
quote.total
shipping.zone
:why volume_rate
quantiy * 2
sum(x for x in [1, 2,
  3])
\"marker {1}\"
";
    stdin.write_all(first.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let mut seen = Vec::new();
    loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "the session ended early: {seen:?}"
        );
        let line = line.trim_end().to_string();
        let done = line == "\"marker 1\"";
        seen.push(line);
        if done {
            break;
        }
    }
    assert_eq!(
        seen,
        [
            "unknown: set `customer.country`, `model`, `quantity` first",
            "quantity = 12",
            "0.05",
            "model = \"p200\"",
            "customer = {\"tier\":\"gold\",\"country\":\"DE\"}",
            "23776.20",
            "\"home\"",
            "volume_rate = 0.05   (decision, matched row 3 at line 52)",
            "  quantity = 12",
            "6",
            "\"marker 1\"",
        ]
    );

    // Edit the file while the session runs: a new rate and a new output.
    let source = std::fs::read_to_string(&file).unwrap();
    let changed = source.replace("| >= 10    || 5%   |", "| >= 10    || 6%   |");
    assert_ne!(changed, source);
    let edited = changed + "\noutput bonus = quantity * 2\n";
    std::fs::write(&file, edited).unwrap();
    stdin
        .write_all(b":reload\nvolume_rate\nbonus\n:frobnicate\n:quit\nnot reached\n")
        .unwrap();
    drop(stdin);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();

    let lines: Vec<&str> = rest.lines().collect();
    assert!(
        lines[0].starts_with("reloaded pumps 1.0.0: hash sha256:")
            && lines[0].contains(" -> sha256:"),
        "{rest}"
    );
    assert_eq!(
        &lines[1..],
        ["  added: output bonus", "0.06", "24"],
        "{rest}"
    );
    // The typo: the same diagnostic as `ordo check`, pointing into the input.
    assert!(
        stderr.contains("unknown_name: unknown name `quantiy`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `quantity`?"), "{stderr}");
    assert!(stderr.contains("<input>:1:1"), "{stderr}");
    assert!(stderr.contains("unknown command `:frobnicate`"), "{stderr}");
    // Errors never end the session, but a piped session says that some command failed.
    assert_eq!(status.code(), Some(1));
}

#[test]
fn wrong_inputs_are_refused_and_the_session_goes_on() {
    let (code, out, err) = session(
        &["repl", PUMPS],
        ":set customer.tier = platinum\n:set quantity = 2.5\n:set quantity = 3\n:set quantiti = 3\n:inputs\n:type shipping\n:unset quantity\nquantity\n",
    );
    assert!(err.contains("\"platinum\" is not a value of Tier"), "{err}");
    assert!(err.contains("invalid_input"), "{err}");
    assert!(err.contains("did you mean `quantity`?"), "{err}");
    assert_eq!(
        out,
        "quantity = 3\n{\n  \"quantity\": 3\n}\n{ zone: Text, fee: Decimal }\nquantity unset\nunknown: set `quantity` first\n"
    );
    assert_eq!(code, Some(1));
}

#[test]
fn why_explains_constraints_and_price_blocks_from_a_complete_input() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let input = std::env::temp_dir().join(format!("ordo-repl-input-{}.json", std::process::id()));
    std::fs::write(
        &input,
        r#"{"model": "p200", "quantity": 60, "customer": {"tier": "gold", "country": "US"}}"#,
    )
    .unwrap();
    let script = format!(
        ":input {}\n:why export_check\n:why quote\n:as_of 2026-03-01\nas_of\n",
        input.display()
    );
    let (code, out, err) = session(&["repl", dir.join(PUMPS).to_str().unwrap()], &script);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("3 input fields from "), "{out}");
    assert!(
        out.contains("export_check violated   (constraint)"),
        "{out}"
    );
    assert!(out.contains("  customer.country = US"), "{out}");
    assert!(
        out.contains("review \"Export orders are checked by the export desk (US)\""),
        "{out}"
    );
    assert!(out.contains("line base = 111000.00: 60 × 1850.00"), "{out}");
    assert!(out.contains("total = "), "{out}");
    assert!(out.ends_with("as_of = 2026-03-01\n2026-03-01\n"), "{out}");
}

#[test]
fn without_a_file_expressions_use_the_built_ins() {
    let (code, out, err) = session(
        &["repl"],
        "round(2.345, 2, half_even)\nmax(1, 4, 2) * 2\n[1, 2] == [1, 2]\n:help\n1 +\n",
    );
    assert!(out.starts_with("2.34\n8\ntrue\n"), "{out}");
    assert!(out.contains(":set NAME = VALUE"), "{out}");
    assert!(err.contains("syntax"), "{err}");
    assert_eq!(code, Some(1));
}

#[test]
fn configure_reports_option_availability_or_why_it_cannot() {
    let (_, out, err) = session(&["repl", PUMPS], ":set model = p100\n:configure\n");
    assert!(err.is_empty(), "{err}");
    let answer: serde_json::Value = serde_json::from_str(out.split_once('\n').unwrap().1).unwrap();
    let motor = &answer["fields"]["motor"]["options"];
    assert_eq!(motor[1]["value"], "high_efficiency");
    assert_eq!(motor[1]["available"], false);
    assert_eq!(motor[1]["blocked_by"][0]["id"], "p100_motor");
}

/// A ruleset with a list of records and constraints over its elements.
const PARTS: &str = r#"ruleset parts version "1.0.0"
enum Model { c10, c20 }
enum Cooling { air, water }
enum Extra { heater, rack }
type Item = { pos: Text, model: Model, qty: Int, cooling: Cooling = air }
input {
  items: List<Item>
  extras: Set<Extra> = {}
}
constraint c10_no_water for i in items: not (i.model == c10 and i.cooling == water)
  else error "Position {i.pos}: the C10 has no water cooling"
constraint c20_minimum for i in [x for x in items if x.model == c20]: i.qty >= 5
  else warning "Position {i.pos}: at least 5"
constraint no_rack for e in extras: e != rack
  else review "no racks"
output positions = [i.pos for i in items]
"#;

#[test]
fn list_types_and_failing_elements_are_explained() {
    let dir = std::env::temp_dir().join(format!("ordo-repl-{}-parts", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("parts.ordo");
    std::fs::write(&file, PARTS).unwrap();
    let script = "\
:type [i.pos for i in items]
:type positions
:set items = [{pos: \"A\", model: c10, qty: 2, cooling: water}, {pos: \"B\", model: c20, qty: 7}, {pos: \"C\", model: c10, qty: 1, cooling: water}, {pos: \"D\", model: c20, qty: 1}]
:set extras = [rack, heater]
items[3]
:why c10_no_water
:why c20_minimum
:why no_rack
";
    let (code, out, err) = session(&["repl", file.to_str().unwrap()], script);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[..2], ["List<Text>", "List<Text>"], "{out}");
    // A record type's default applies inside list elements.
    assert_eq!(
        lines[4], "{ pos: \"D\", model: c20, qty: 1, cooling: air }",
        "{out}"
    );
    // The trace shows input records with their field names.
    assert!(
        out.contains(
            "  items = [{\"pos\":\"A\",\"model\":\"c10\",\"qty\":\"2\",\"cooling\":\"water\"},"
        ),
        "{out}"
    );
    // Each failing element: where it is, its message, the element and what the condition
    // read of it.
    let c10: Vec<&str> = lines
        .iter()
        .skip_while(|l| !l.starts_with("c10_no_water violated"))
        .skip(2)
        .take(8)
        .copied()
        .collect();
    assert_eq!(
        c10,
        [
            "  items[0]: error \"Position A: the C10 has no water cooling\"",
            "    i = { pos: \"A\", model: c10, qty: 2, cooling: water }",
            "    i.model = c10",
            "    i.cooling = water",
            "  items[2]: error \"Position C: the C10 has no water cooling\"",
            "    i = { pos: \"C\", model: c10, qty: 1, cooling: water }",
            "    i.model = c10",
            "    i.cooling = water",
        ],
        "{out}"
    );
    // A collection the rules compute: the position in it.
    assert!(
        out.contains(
            "  c20_minimum[1]: warning \"Position D: at least 5\"\n    i = { pos: \"D\", model: c20, qty: 1, cooling: air }\n    i.qty = 1\n"
        ),
        "{out}"
    );
    // A set's element: its position in the array as received (`["rack", "heater"]`).
    assert!(
        out.ends_with("  extras[0]: review \"no racks\"\n    e = rack\n"),
        "{out}"
    );
}

const DEALS: &str = r#"ruleset deals version "1.0.0"
roles sales_manager, finance
input {
  owner_id: Text
  amount: Decimal
}
approval deal_desk requested_by owner_id {
  step manager "Sales manager" by sales_manager when amount > 1000
  step finance "Finance" by finance quorum 2 when amount > 50000
}
output done = approvals.deal_desk.complete
"#;

#[test]
fn grants_are_recorded_with_the_current_facts_and_refused_ones_say_why() {
    let dir = std::env::temp_dir().join(format!("ordo-repl-{}-deals", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("deals.ordo");
    std::fs::write(&file, DEALS).unwrap();
    let script = "\
:set owner_id = \"ana\"
:set amount = 60000
:grant deal_desk manager ana
:grant deal_desk manager ben
:grant deal_desk finance cara
:grant deal_desk finance cara
done
:grant deal_desk finance dan finance
done
:grant clear
done
:set amount = 70000
:grant deal_desk nope ben
";
    let (code, out, err) = session(&["repl", file.to_str().unwrap()], script);
    // The last command fails: the chain has no such step.
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("does not require a step `nope`"), "{err}");
    assert!(
        out.contains(
            "deal_desk: not complete\n  manager pending\n    refused ana: self_approval\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "  finance pending (1 of 2) by cara\n    refused cara: duplicate_approver\nfalse\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("deal_desk: complete\n  manager granted by ben\n    refused ana: self_approval\n  finance granted (2 of 2) by cara, dan\n"),
        "{out}"
    );
    assert!(out.contains("true\nno grants\nfalse\n"), "{out}");
}

#[test]
fn a_workflow_instance_starts_applies_transitions_and_fires_timers() {
    let script = "\
:state new
:apply take
:now 2026-04-02T08:00:00Z
:set priority = urgent
:set team = \"desk\"
:set opened_at = 2026-04-02T08:00:00Z
:start
:apply take
:actor ana:agent
:apply tkae
:fire sla new
:apply take
:set waiting_on_customer = true
:apply hold
:state
:set waiting_on_customer = false
:apply resume
:fire deadline
:state solvd
:fire nudge
:actor
now
";
    let (code, out, err) = session(&["repl", "examples/tickets/tickets.ordo"], script);
    // The failed commands make a piped session exit 1; every other one still ran.
    assert_eq!(code, Some(1), "{err}");
    let expected = [
        "ticket: in new",
        "ticket: started in new",
        "  owner desk",
        "  due 2026-04-02T09:00:00Z",
        "  action welcome.notify {\"to\":\"desk\",\"message\":\"New urgent ticket, resolve by 2026-04-07T15:00:00Z\"}",
        "  timer sla:new due 2026-04-02T09:00:00Z",
        "  timer deadline due 2026-04-07T15:00:00Z",
        "actor: ana (agent)",
        // An armed timer fires at its due time: the instant moves there.
        "now 2026-04-02T09:00:00Z (the timer's due time)",
        "sla:new: fired",
        "  action first_response_late.escalate {\"role\":\"lead\"}",
        "take: new -> working",
        "hold: working -> on_hold",
        "ticket: in on_hold",
        "  previous working",
        "  resume -> working: not enabled (guard `not waiting_on_customer` is false)",
        // `-> previous` returns to the state before the hold.
        "resume: on_hold -> working",
        "now 2026-04-07T15:00:00Z (the timer's due time)",
        "deadline: fired",
        "  action deadline.escalate {\"role\":\"ops\"}",
        "actor: ana (agent)",
        // Expressions see the instant as `now`.
        "2026-04-07T15:00:00Z",
    ];
    let lines: Vec<&str> = out.lines().collect();
    let mut from = 0;
    for line in expected {
        let found = lines[from..]
            .iter()
            .position(|l| *l == line)
            .unwrap_or_else(|| panic!("no `{line}` after line {from} in:\n{out}"));
        from += found + 1;
    }
    for message in [
        "write `:now 2026-03-02T10:00:00Z` first",
        "the actor's roles (none) may not take it (allowed: agent, lead)",
        "did you mean `take`?",
        "did you mean `solved`?",
        "there is no timer trigger `nudge` (known: deadline, sla:new)",
    ] {
        assert!(err.contains(message), "no `{message}` in:\n{err}");
    }
    assert_eq!(err.matches("error").count(), 5, "{err}");
}

#[test]
fn a_timer_fires_at_the_instant_set_when_it_was_not_armed_here() {
    // `:state` puts the instance in a state without starting it: the REPL does not know the
    // timers, so `:fire` uses `:now`, and the engine says when the timer is due.
    let script = "\
:set priority = normal
:set team = \"desk\"
:set opened_at = 2026-04-02T08:00:00Z
:now 2026-04-02T08:00:00Z
:state ticket.new
:fire sla:new
:now 2026-04-02T16:30:00Z
:fire sla:new
";
    let (code, out, err) = session(&["repl", "examples/tickets/tickets.ordo"], script);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("sla:new: not fired (the timer is not due before 2026-04-02T16:00:00Z)"),
        "{out}"
    );
    assert!(
        out.contains("sla:new: fired\n  action first_response_late.escalate"),
        "{out}"
    );
}

#[test]
fn help_lists_the_workflow_commands() {
    let (code, out, _) = session(&["repl"], ":help\n");
    assert_eq!(code, Some(0));
    for command in [":state", ":actor", ":now", ":start", ":apply", ":fire"] {
        assert!(
            out.contains(&format!("  {command} ")),
            "no {command} in:\n{out}"
        );
    }
}
