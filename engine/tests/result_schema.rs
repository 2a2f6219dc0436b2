#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The engine's results against their one description, `engine/schema/result.schema.json`
//! (JSON Schema 2020-12), which every host's own description is tested against too.
//!
//! - The schema is valid JSON Schema 2020-12 and each of its `$ref`s names a definition.
//! - Every golden result of the repository validates: `tests/golden/*.json` (the examples) and
//!   `engine/tests/golden/cases/*.result.json` (the golden artifact's answers).
//! - Results computed now validate: every example ruleset with every example input, with and
//!   without `as_of`, a trace and granted approvals; `configure` on each input (also with
//!   `"complete": true`); for rulesets with workflows, next actions from every state for every
//!   role, `apply` of every transition listed, and `fire_timer` of every `stay` timer, due, not
//!   due and in another state; every case of the conformance fixtures
//!   (`tests/fixtures/conformance`). An operation that fails gives an error object, which
//!   validates against `EvalError`.
//! - Every property the schema describes is written by some result above, so the schema
//!   describes nothing the engine never writes.
//! - The schema can fail: a result with an extra field, a number for a decimal, a missing
//!   field, a value of the wrong kind does not validate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ordo_engine::{
    ApplyRequest, Approvals, ConfigureRequest, DataFiles, EvalError, EvalOptions, Ruleset,
    StartRequest, TimerRequest, TransitionsRequest, UpdateRequest, text::parse_date,
};
use serde_json::{Map, Value as Json, json};

/// The workspace's root folder.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn read_json(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The canonical schema.
fn schema() -> &'static Json {
    static SCHEMA: OnceLock<Json> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        read_json(&Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/result.schema.json"))
    })
}

fn definitions() -> &'static Map<String, Json> {
    schema()["$defs"].as_object().expect("the schema has $defs")
}

/// The result kinds: what each operation answers with.
const EVALUATE: &str = "EvaluationResult";
const CONFIGURE: &str = "ConfigureResult";
const TRANSITIONS: &str = "TransitionsResult";
const APPLY: &str = "ApplyResult";
const FIRE_TIMER: &str = "TimerResult";
const START: &str = "StartResult";
const UPDATE: &str = "UpdateResult";
const ERROR: &str = "EvalError";

/// A validator for each definition of the schema: the schema itself with its root replaced by a
/// `$ref` to the definition (so references resolve as in the file).
fn validators() -> &'static BTreeMap<String, jsonschema::Validator> {
    static VALIDATORS: OnceLock<BTreeMap<String, jsonschema::Validator>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        definitions()
            .keys()
            .map(|name| {
                let mut wrapper = schema().clone();
                let object = wrapper.as_object_mut().unwrap();
                object.remove("anyOf");
                object.insert("$ref".into(), json!(format!("#/$defs/{name}")));
                let validator = jsonschema::validator_for(&wrapper)
                    .unwrap_or_else(|e| panic!("the schema of {name} does not build: {e}"));
                (name.clone(), validator)
            })
            .collect()
    })
}

/// Why `value` is not a `def` (empty when it is one).
fn problems(def: &str, value: &Json) -> Vec<String> {
    let validator = validators()
        .get(def)
        .unwrap_or_else(|| panic!("the schema has no definition {def}"));
    validator
        .iter_errors(value)
        .map(|e| format!("at `{}`: {e}", e.instance_path()))
        .collect()
}

fn assert_valid(def: &str, value: &Json, origin: &str) {
    let problems = problems(def, value);
    assert!(
        problems.is_empty(),
        "{origin} is not a valid {def}:\n  {}\n{}",
        problems.join("\n  "),
        ordo_engine::to_json_pretty(value)
    );
}

/// One result of the corpus: where it came from, what it should be, and the JSON.
struct Sample {
    origin: String,
    def: &'static str,
    json: Json,
}

/// An operation's answer: the result as `def`, or the error as an `EvalError`.
fn answer(origin: String, def: &'static str, result: Result<Json, EvalError>) -> Sample {
    match result {
        Ok(json) => Sample { origin, def, json },
        Err(error) => Sample {
            origin: format!("{origin} (error)"),
            def: ERROR,
            json: error.to_json(),
        },
    }
}

/// The operation a golden answer came from, to the definition it must satisfy.
fn def_of_call(call: &str) -> &'static str {
    match call {
        "evaluate" => EVALUATE,
        "configure" => CONFIGURE,
        "transitions" => TRANSITIONS,
        "apply" => APPLY,
        "fire_timer" => FIRE_TIMER,
        other => panic!("unknown call `{other}`"),
    }
}

/// The golden files of `tests/golden` (written by `tests/examples.rs`) and what each one is. A
/// new golden file must be added here.
const EXAMPLE_GOLDENS: &[(&str, &str)] = &[
    ("bikes-configure.json", CONFIGURE),
    ("bikes-invalid.json", EVALUATE),
    ("bikes-quote.json", EVALUATE),
    ("conveyors-duplicate.json", ERROR),
    ("conveyors-export.json", EVALUATE),
    ("conveyors-quote.json", EVALUATE),
    ("conveyors-violations.json", EVALUATE),
    ("freight-pallet.json", EVALUATE),
    ("freight-parcel.json", EVALUATE),
    ("orders-order.json", EVALUATE),
    ("orders-submit.json", APPLY),
    ("sync-batch.json", EVALUATE),
];

/// Every golden result of the repository.
fn golden_samples() -> Vec<Sample> {
    let mut samples = Vec::new();
    let dir = root().join("tests/golden");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    files.sort();
    let listed: Vec<String> = EXAMPLE_GOLDENS.iter().map(|(f, _)| f.to_string()).collect();
    assert_eq!(
        files, listed,
        "tests/golden changed: say in EXAMPLE_GOLDENS which result each golden file is"
    );
    for (file, def) in EXAMPLE_GOLDENS {
        samples.push(Sample {
            origin: format!("tests/golden/{file}"),
            def,
            json: read_json(&dir.join(file)),
        });
    }

    let cases = root().join("engine/tests/golden/cases");
    let mut names: Vec<String> = std::fs::read_dir(&cases)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".result.json").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 8, "the golden cases are missing: {names:?}");
    for name in names {
        let request = read_json(&cases.join(format!("{name}.request.json")));
        let call = request["call"].as_str().expect("a case names its call");
        samples.push(Sample {
            origin: format!("engine/tests/golden/cases/{name}.result.json"),
            def: def_of_call(call),
            json: read_json(&cases.join(format!("{name}.result.json"))),
        });
    }
    samples
}

fn compile(path: &Path) -> Ruleset {
    let source = std::fs::read_to_string(path).unwrap();
    let files = DataFiles::read_beside(path, Ruleset::data_files_of(&source)).unwrap();
    Ruleset::compile_with_files(&source, &files)
        .unwrap_or_else(|d| panic!("{}", d.render(&path.display().to_string(), &source)))
}

/// What a ruleset's source declares about its workflows, read off the text (the public API
/// does not list them): each workflow with its states, the roles, and the `stay` timers.
struct Workflows {
    /// (workflow, states).
    workflows: Vec<(String, Vec<String>)>,
    roles: Vec<String>,
    /// (trigger, state).
    timers: Vec<(String, String)>,
}

fn workflows_of(source: &str) -> Workflows {
    let mut out = Workflows {
        workflows: Vec::new(),
        roles: Vec::new(),
        timers: Vec::new(),
    };
    let word = |text: &str, n: usize| -> String {
        text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .nth(n)
            .unwrap_or_default()
            .to_string()
    };
    let mut in_workflow = false;
    for line in source.lines().map(str::trim) {
        if line.starts_with("workflow ") {
            out.workflows.push((word(line, 1), Vec::new()));
            in_workflow = true;
        } else if line.starts_with('}') {
            in_workflow = false;
        } else if in_workflow && line.starts_with("state ") {
            out.workflows.last_mut().unwrap().1.push(word(line, 1));
        } else if let Some(roles) = line.strip_prefix("roles ") {
            out.roles
                .extend(roles.split(',').map(|r| r.trim().to_string()));
        } else if line.starts_with("trigger ") && word(line, 3) == "stay" {
            out.timers.push((word(line, 1), word(line, 4)));
        }
    }
    out
}

/// Next actions from every state for every role (and none), with and without the grants;
/// `apply` of every transition listed (enabled or not: a refusal is an error object); every
/// `stay` timer fired due, not yet due and from another state.
fn workflow_samples(
    ruleset: &Ruleset,
    source: &str,
    label: &str,
    input: &Json,
    approvals: Option<&Json>,
    as_of: Option<&str>,
) -> Vec<Sample> {
    let mut samples = Vec::new();
    let declared = workflows_of(source);
    let event = json!({"instance": "SO-1", "seq": 7, "at": "2026-03-02T09:15:00Z",
        "entered_at": "2026-03-02T08:40:00Z"});
    let mut actors: Vec<Json> = vec![Json::Null];
    actors.extend(declared.roles.iter().map(|r| json!(r)));
    for (workflow, states) in &declared.workflows {
        for state in states {
            for actor in &actors {
                for grants in [None, approvals] {
                    let mut request = json!({"workflow": workflow, "state": state,
                        "actor": actor, "input": input, "as_of": as_of});
                    if let Some(grants) = grants {
                        request["approvals"] = grants.clone();
                    }
                    let origin = format!(
                        "{label}: transitions {workflow}/{state} as {actor}{}",
                        if grants.is_some() { " with grants" } else { "" }
                    );
                    let next = TransitionsRequest::from_json(&request)
                        .and_then(|r| ruleset.transitions(&r));
                    let listed: Vec<String> = next
                        .as_ref()
                        .ok()
                        .and_then(|n| n["transitions"].as_array().cloned())
                        .unwrap_or_default()
                        .iter()
                        .map(|t| t["id"].as_str().unwrap().to_string())
                        .collect();
                    samples.push(answer(origin.clone(), TRANSITIONS, next));
                    for transition in listed {
                        let mut apply = request.clone();
                        apply["transition"] = json!(transition);
                        apply["event"] = event.clone();
                        samples.push(answer(
                            format!("{origin}: apply {transition}"),
                            APPLY,
                            ApplyRequest::from_json(&apply).and_then(|r| ruleset.apply(&r)),
                        ));
                    }
                }
            }
        }
        for (trigger, state) in &declared.timers {
            let elsewhere = states.iter().find(|s| *s != state).unwrap();
            let due = json!({"instance": "SO-1", "seq": 8, "at": "2026-03-09T09:15:00Z",
                "entered_at": "2026-03-02T09:15:00Z"});
            let early = json!({"instance": "SO-1", "seq": 8, "at": "2026-03-02T09:16:00Z",
                "entered_at": "2026-03-02T09:15:00Z"});
            for (what, at_state, event) in [
                ("due", state, &due),
                ("not due", state, &early),
                ("elsewhere", elsewhere, &due),
            ] {
                let request = json!({"workflow": workflow, "state": at_state,
                    "trigger": trigger, "input": input, "event": event, "as_of": as_of});
                samples.push(answer(
                    format!("{label}: fire_timer {trigger} ({what})"),
                    FIRE_TIMER,
                    TimerRequest::from_json(&request).and_then(|r| ruleset.fire_timer(&r)),
                ));
            }
        }
    }
    samples
}

/// Files in an example's folder that are not inputs: granted approvals and workflow events.
const NOT_INPUTS: &[&str] = &[
    "orders/approvals.json",
    "orders/approve.json",
    "orders/reminder.json",
    "orders/submit.json",
];

/// Grants for the examples' approval chains (as `tests/examples.rs` passes them).
fn grants_for(example: &str) -> Option<Json> {
    match example {
        "bikes" => Some(json!({"discounts": {"lead": {"by": "ana", "facts": {"quantity": "12"}}}})),
        "orders" => Some(read_json(&root().join("examples/orders/approvals.json"))),
        _ => None,
    }
}

/// Results computed now for every example ruleset and each of its inputs.
fn example_samples() -> Vec<Sample> {
    let mut samples = Vec::new();
    let examples = root().join("examples");
    for name in ["bikes", "freight", "orders", "configurator"] {
        assert!(examples.join(name).is_dir(), "examples/{name} is gone");
    }
    for file in NOT_INPUTS {
        assert!(examples.join(file).is_file(), "examples/{file} is gone");
    }
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    for folder in folders {
        let example = folder.file_name().unwrap().to_string_lossy().into_owned();
        let main = folder.join(format!("{example}.ordo"));
        if !main.is_file() {
            continue; // examples/configurator: a web page around the bikes ruleset
        }
        // The ruleset, and its next version where the example has one.
        let mut rulesets = vec![main];
        let next = folder.join("next").join(format!("{example}.ordo"));
        if next.is_file() {
            rulesets.push(next);
        }
        let mut inputs: Vec<PathBuf> = Vec::new();
        for dir in [folder.clone(), folder.join("cases")] {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for path in entries.map(|e| e.unwrap().path()) {
                let relative = path
                    .strip_prefix(&examples)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if path.extension().is_some_and(|e| e == "json")
                    && !NOT_INPUTS.contains(&relative.as_str())
                {
                    inputs.push(path);
                }
            }
        }
        inputs.sort();
        assert!(!inputs.is_empty(), "examples/{example} has no inputs");
        let grants = grants_for(&example);
        for path in &rulesets {
            let source = std::fs::read_to_string(path).unwrap();
            let ruleset = compile(path);
            let ruleset_name = path.strip_prefix(root()).unwrap().display().to_string();
            for input_path in &inputs {
                let input = read_json(input_path);
                let label = format!(
                    "{ruleset_name} with {}",
                    input_path.strip_prefix(root()).unwrap().display()
                );
                for as_of in [None, Some("2026-03-02")] {
                    for trace in [false, true] {
                        for approvals in [None, grants.clone()] {
                            let options = EvalOptions {
                                as_of: as_of.map(|d| parse_date(d).unwrap()),
                                trace,
                                approvals: approvals
                                    .as_ref()
                                    .map(|a| ordo_engine::Approvals::from_json(a).unwrap()),
                                at: None,
                            };
                            let origin = format!(
                                "{label}: evaluate as_of {as_of:?}, trace {trace}, grants {}",
                                approvals.is_some()
                            );
                            // The text and the tree are the same JSON.
                            let text = ruleset.evaluate_str(&input.to_string(), &options);
                            let tree = ruleset.evaluate(&input, &options);
                            if let (Ok(text), Ok(tree)) = (&text, &tree) {
                                assert_eq!(&serde_json::from_str::<Json>(text).unwrap(), tree);
                            }
                            samples.push(answer(origin, EVALUATE, tree));
                        }
                    }
                    for complete in [false, true] {
                        let request = json!({"input": input, "as_of": as_of, "complete": complete});
                        samples.push(answer(
                            format!("{label}: configure as_of {as_of:?}, complete {complete}"),
                            CONFIGURE,
                            ConfigureRequest::from_json(&request)
                                .and_then(|r| ruleset.configure(&r)),
                        ));
                    }
                    samples.extend(workflow_samples(
                        &ruleset,
                        &source,
                        &label,
                        &input,
                        grants.as_ref(),
                        as_of,
                    ));
                }
            }
            // A configurator starts from nothing.
            samples.push(answer(
                format!("{ruleset_name}: configure {{}}"),
                CONFIGURE,
                ConfigureRequest::from_json(&json!({"input": {}}))
                    .and_then(|r| ruleset.configure(&r)),
            ));
        }
    }
    // An option a warning would flag stays available and says so (`warned_by`).
    let warned = Ruleset::compile(
        "ruleset w version \"1.0.0\"\nenum Top { oak, glass }\nenum Legs { steel, wood }\n\
         input { top: Top = oak\n legs: Legs = steel }\n\
         constraint brace: top == glass implies legs == steel\n\
         else warning \"Glass tops on wooden legs need a brace kit\"\n",
    )
    .expect("the warning ruleset compiles");
    samples.push(answer(
        "warnings per option: configure".to_string(),
        CONFIGURE,
        ConfigureRequest::from_json(&json!({"input": {"legs": "wood"}}))
            .and_then(|r| warned.configure(&r)),
    ));
    samples
}

/// Every case of the conformance fixtures, run as `ordo conformance` runs it; rulesets with
/// workflows are also walked from every state with each evaluated input.
fn conformance_samples() -> Vec<Sample> {
    let mut samples = Vec::new();
    let dir = root().join("tests/fixtures/conformance");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("cases.json").is_file())
        .collect();
    folders.sort();
    for folder in folders {
        let cases = read_json(&folder.join("cases.json"));
        let Some(cases) = cases.as_array() else {
            continue; // a ruleset that must not compile
        };
        let source = std::fs::read_to_string(folder.join("ruleset.ordo")).unwrap();
        let ruleset = compile(&folder.join("ruleset.ordo"));
        let suite = folder.file_name().unwrap().to_string_lossy().into_owned();
        for (i, case) in cases.iter().enumerate() {
            let label = format!(
                "conformance {suite}: {}",
                case["name"]
                    .as_str()
                    .map_or_else(|| format!("case {i}"), str::to_string)
            );
            let op = case["op"].as_str().unwrap_or("evaluate");
            let result = match op {
                "evaluate" => {
                    let as_of = case["as_of"].as_str();
                    let input = case.get("input").unwrap_or(&Json::Null);
                    let result = case
                        .get("approvals")
                        .map(Approvals::from_json)
                        .transpose()
                        .and_then(|approvals| {
                            let options = EvalOptions {
                                as_of: as_of.map(|d| parse_date(d).unwrap()),
                                trace: true,
                                approvals,
                                at: None,
                            };
                            ruleset.evaluate(input, &options)
                        });
                    if result.is_ok() {
                        samples.extend(workflow_samples(
                            &ruleset,
                            &source,
                            &label,
                            input,
                            case.get("approvals"),
                            as_of,
                        ));
                    }
                    result
                }
                "configure" => {
                    ConfigureRequest::from_json(case).and_then(|r| ruleset.configure(&r))
                }
                "transitions" => {
                    TransitionsRequest::from_json(case).and_then(|r| ruleset.transitions(&r))
                }
                "apply" => ApplyRequest::from_json(case).and_then(|r| ruleset.apply(&r)),
                "fire_timer" => TimerRequest::from_json(case).and_then(|r| ruleset.fire_timer(&r)),
                other => panic!("{label}: unknown op `{other}`"),
            };
            samples.push(answer(label, def_of_call(op), result));
        }
    }
    samples
}

/// Results that show what the examples do not: a step several roles may grant, an option that
/// leads only to dead ends, requests the engine refuses.
fn extra_samples() -> Vec<Sample> {
    let source = r#"ruleset extras version "1.0.0"
enum Plan { basic, pro }
enum Addon { sso, audit }
enum Region { eu, us, other }
roles sales, finance, legal
type Line = { sku: Text, qty: Int in 1..1000 }
input {
  plan: Plan
  addons: Set<Addon>
  seats: Int
  trial: Bool = false
  starts: Date?
  region: Region fallback other = eu
  lines: List<Line> = []
  rep: Text?
}
output per_seat = if plan == pro then 12.50 else 5.00
output start = starts
price quote currency "EUR" {
  line seats "{seats} seats" qty seats at per_seat
  for a in addons {
    line addon "{a}" = 100.00
  }
  discount trial_off "Trial" = 100% of total when trial
}
constraint sso_needs_pro: sso in addons implies plan == pro
  else error "SSO needs the pro plan"
constraint audit_needs_sso: audit in addons implies sso in addons
  else error "Audit logs need SSO"
constraint big: seats <= 100
  else review "A big order"
constraint large_lines for l in lines: l.qty <= 500
  else warning "Line {l.sku}: a large quantity"
approval review requested_by rep {
  step desk "Deal desk" by sales, finance when seats > 10 facts quote.total
  parallel {
    step money "Finance" by finance quorum 2 when seats > 20
    step terms "Legal" by legal when seats > 20
  }
}
workflow deal {
  state open initial owner sales
  state won final
  state lost final
  transition win: open -> won by sales when seats > 0 requires review
  transition lose: open -> lost
}
trigger chase on stay open after 1 days {
  notify owner "Chase {seats} seats"
  escalate finance
  task "call" { seats: seats }
  emit "deal.stale" { plan: plan }
}
"#;
    let ruleset =
        Ruleset::compile(source).unwrap_or_else(|d| panic!("{}", d.render("extras", source)));
    let input = json!({"plan": "basic", "addons": ["sso"], "seats": 150, "starts": "2026-04-01",
        "region": "apac", "lines": [{"sku": "a", "qty": 600}, {"sku": "b", "qty": 2}],
        "rep": "ana"});
    // Grants that do not count (spec §22): each reason, and a quorum.
    let grants = json!({"review": {
        "desk": [{"by": "ana"}, {"by": ""}, {"by": "bo", "role": "legal"}],
        "money": [{"by": "cy"}, {"by": "cy"}]}});
    let mut samples = Vec::new();
    samples.push(answer(
        "extras: evaluate with refused grants".into(),
        EVALUATE,
        Approvals::from_json(&grants).and_then(|approvals| {
            ruleset.evaluate(
                &input,
                &EvalOptions {
                    approvals: Some(approvals),
                    ..EvalOptions::default()
                },
            )
        }),
    ));
    for trace in [false, true] {
        let options = EvalOptions {
            trace,
            ..EvalOptions::default()
        };
        samples.push(answer(
            format!("extras: evaluate, trace {trace}"),
            EVALUATE,
            ruleset.evaluate(&input, &options),
        ));
    }
    for request in [
        json!({"input": {"addons": ["audit"]}, "complete": true}),
        json!({"input": {"plan": "basic"}, "complete": true}),
        json!({"input": {"plan": "basic"}}),
        json!({"input": {"plan": "gold"}}),
        json!({"input": {}, "as_of": 5}),
    ] {
        samples.push(answer(
            format!("extras: configure {request}"),
            CONFIGURE,
            ConfigureRequest::from_json(&request).and_then(|r| ruleset.configure(&r)),
        ));
    }
    samples.extend(workflow_samples(
        &ruleset,
        source,
        "extras",
        &input,
        Some(&grants),
        None,
    ));
    for (what, input) in [
        (
            "a wrong input",
            json!({"plan": "platinum", "addons": [3], "seats": "many", "colour": 1}),
        ),
        ("no input", json!({})),
    ] {
        samples.push(answer(
            format!("extras: evaluate {what}"),
            EVALUATE,
            ruleset.evaluate(&input, &EvalOptions::default()),
        ));
    }
    samples.push(answer(
        "extras: apply to an unknown state".into(),
        APPLY,
        ApplyRequest::from_json(
            &json!({"workflow": "deal", "state": "opne", "transition": "win", "input": input}),
        )
        .and_then(|r| ruleset.apply(&r)),
    ));
    samples.push(answer(
        "extras: apply an unknown transition".into(),
        APPLY,
        ruleset.apply(
            &ApplyRequest::from_json(
                &json!({"workflow": "deal", "state": "open", "transition": "wni",
            "input": input, "actor": "sales"}),
            )
            .unwrap(),
        ),
    ));
    samples
}

/// Every result the test knows: goldens and fresh ones, computed once.
fn corpus() -> &'static [Sample] {
    static CORPUS: OnceLock<Vec<Sample>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut samples = golden_samples();
        samples.extend(example_samples());
        samples.extend(conformance_samples());
        samples.extend(extra_samples());
        samples.extend(workflow_v2_samples());
        samples
    })
}

/// Spec §24: start, next actions with an SLA and `-> previous`, apply, update and the SLA
/// timer, on a ticket workflow with computed owners.
fn workflow_v2_samples() -> Vec<Sample> {
    let source = std::fs::read_to_string(root().join("engine/tests/fixtures/tickets_v2.ordo"))
        .expect("the tickets fixture");
    let ruleset = Ruleset::compile(&source).expect("the tickets fixture compiles");
    let input =
        json!({"priority": "high", "team": "t-berlin", "promised_at": "2026-03-02T12:00:00Z"});
    let moved = json!({"priority": "low", "team": "t-paris", "promised_at": "2026-03-03T12:00:00Z", "blocked": true});
    let event = json!({"instance": "T1", "seq": 1, "at": "2026-03-02T10:00:00Z",
        "entered_at": "2026-03-02T09:00:00Z"});
    let actor = json!({"id": "ana", "roles": ["agent"]});
    let mut samples = Vec::new();
    for state in ["new", "working", "on_hold"] {
        let request = json!({"workflow": "ticket", "state": state, "actor": actor,
            "input": input, "event": event});
        samples.push(answer(
            format!("tickets: transitions in {state}"),
            TRANSITIONS,
            TransitionsRequest::from_json(&request).and_then(|r| ruleset.transitions(&r)),
        ));
        let mut update = request.clone();
        update["previous_input"] = input.clone();
        update["input"] = moved.clone();
        samples.push(answer(
            format!("tickets: update in {state}"),
            UPDATE,
            UpdateRequest::from_json(&update).and_then(|r| ruleset.update(&r)),
        ));
    }
    for (name, at) in [
        ("due", "2026-03-02T13:00:00Z"),
        ("early", "2026-03-02T10:00:00Z"),
    ] {
        let request = json!({"workflow": "ticket", "state": "new", "trigger": "sla:new",
            "input": input, "event": {"instance": "T1", "seq": 2, "at": at,
            "entered_at": "2026-03-02T09:00:00Z"}});
        samples.push(answer(
            format!("tickets: sla timer ({name})"),
            FIRE_TIMER,
            TimerRequest::from_json(&request).and_then(|r| ruleset.fire_timer(&r)),
        ));
    }
    for (name, request) in [
        (
            "take",
            json!({"workflow": "ticket", "state": "new", "transition": "take",
            "actor": actor, "input": input, "event": event}),
        ),
        (
            "resume",
            json!({"workflow": "ticket", "state": "on_hold", "transition": "resume",
            "actor": "lead", "input": input, "event": {"instance": "T1", "seq": 3,
            "at": "2026-03-02T12:00:00Z", "previous_state": "new"}}),
        ),
    ] {
        samples.push(answer(
            format!("tickets: apply {name}"),
            APPLY,
            ApplyRequest::from_json(&request).and_then(|r| ruleset.apply(&r)),
        ));
    }
    // An `at` timer whose time is gone is cancelled.
    let optional = Ruleset::compile(
        "ruleset o version \"1.0.0\"\ninput { promised_at: DateTime? }\nworkflow w {\n  state open initial\n  state done final\n  transition close: open -> done\n}\ntrigger promised on at promised_at in open {\n  emit \"late\"\n}\n",
    )
    .expect("compiles");
    let update = json!({"workflow": "w", "state": "open", "input": {},
        "previous_input": {"promised_at": "2026-03-02T12:00:00Z"},
        "event": {"instance": "O1", "seq": 1, "at": "2026-03-02T10:00:00Z"}});
    samples.push(answer(
        "optional promise: update cancels".to_string(),
        UPDATE,
        UpdateRequest::from_json(&update).and_then(|r| optional.update(&r)),
    ));
    for seq in 1..4 {
        let request = json!({"workflow": "ticket", "actor": actor, "input": input,
            "event": {"instance": format!("T{seq}"), "seq": seq, "at": "2026-03-02T09:00:00Z"}});
        samples.push(answer(
            format!("tickets: start {seq}"),
            START,
            StartRequest::from_json(&request).and_then(|r| ruleset.start(&r)),
        ));
    }
    samples
}

#[test]
fn the_schema_is_json_schema_2020_12_and_every_reference_resolves() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::meta::validate(schema)
        .unwrap_or_else(|e| panic!("result.schema.json is not valid JSON Schema: {e}"));
    fn refs(value: &Json, out: &mut BTreeSet<String>) {
        match value {
            Json::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(Json::as_str) {
                    out.insert(r.to_string());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Json::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut found = BTreeSet::new();
    refs(schema, &mut found);
    let defined: BTreeSet<String> = definitions()
        .keys()
        .map(|k| format!("#/$defs/{k}"))
        .collect();
    let dangling: Vec<&String> = found.difference(&defined).collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
    let unused: Vec<&String> = defined.difference(&found).collect();
    assert!(
        unused.is_empty(),
        "definitions nothing refers to: {unused:?}"
    );
    // Building a validator for each definition compiles every part of the schema.
    assert_eq!(validators().len(), definitions().len());
}

#[test]
fn every_golden_result_matches_the_schema() {
    for sample in golden_samples() {
        assert_valid(sample.def, &sample.json, &sample.origin);
        // The root of the schema takes any result.
        assert!(
            jsonschema::is_valid(schema(), &sample.json),
            "{} does not match the schema's root",
            sample.origin
        );
    }
}

#[test]
fn every_result_computed_now_matches_the_schema() {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for sample in corpus() {
        assert_valid(sample.def, &sample.json, &sample.origin);
        *counts.entry(sample.def).or_default() += 1;
    }
    for def in [EVALUATE, CONFIGURE, TRANSITIONS, APPLY, FIRE_TIMER, ERROR] {
        assert!(
            counts.get(def).copied().unwrap_or(0) >= 3,
            "too few results of {def} were checked: {counts:?}"
        );
    }
}

/// Records, for each object definition, the properties `value` has, following the schema.
fn visit(schema: &Json, def: Option<&str>, value: &Json, seen: &mut BTreeSet<(String, String)>) {
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        return visit(&definitions()[name], Some(name), value, seen);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(choices) = schema[key].as_array() {
            // Follow the alternative that the value is.
            for choice in choices {
                if let Some(name) = choice["$ref"]
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/$defs/"))
                    && problems(name, value).is_empty()
                {
                    visit(choice, None, value, seen);
                    break;
                }
            }
        }
    }
    match value {
        Json::Object(map) => {
            let properties = schema["properties"].as_object();
            for (key, item) in map {
                match properties.and_then(|p| p.get(key)) {
                    Some(property) => {
                        if let Some(def) = def {
                            seen.insert((def.to_string(), key.clone()));
                        }
                        visit(property, None, item, seen);
                    }
                    None => {
                        if schema["additionalProperties"].is_object() {
                            visit(&schema["additionalProperties"], None, item, seen);
                        }
                    }
                }
            }
        }
        Json::Array(items) if schema["items"].is_object() => {
            for item in items {
                visit(&schema["items"], None, item, seen);
            }
        }
        _ => {}
    }
}

/// The schema describes nothing the engine never writes: every property of every object
/// definition occurs in some result.
#[test]
fn every_property_the_schema_describes_is_written_by_the_engine() {
    let mut seen = BTreeSet::new();
    for sample in corpus() {
        visit(
            &json!({"$ref": format!("#/$defs/{}", sample.def)}),
            None,
            &sample.json,
            &mut seen,
        );
    }
    let mut missing = Vec::new();
    for (name, def) in definitions() {
        for property in def["properties"]
            .as_object()
            .into_iter()
            .flat_map(Map::keys)
        {
            if !seen.contains(&(name.clone(), property.clone())) {
                missing.push(format!("{name}.{property}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "no result checked has these properties of the schema: {missing:?}"
    );
}

/// A traced evaluation with approvals, and a configure response with a blocked option, to mutate.
fn sample_results() -> (Json, Json) {
    let bikes = compile(&root().join("examples/bikes/bikes.ordo"));
    let input = read_json(&root().join("examples/bikes/quote.json"));
    let options = EvalOptions {
        trace: true,
        approvals: grants_for("bikes").map(|a| Approvals::from_json(&a).unwrap()),
        ..EvalOptions::default()
    };
    let result = bikes.evaluate(&input, &options).unwrap();
    assert_valid(EVALUATE, &result, "the bikes quote");
    let configure = bikes
        .configure(
            &ConfigureRequest::from_json(
                &json!({"input": read_json(&root().join("examples/bikes/invalid.json"))}),
            )
            .unwrap(),
        )
        .unwrap();
    assert_valid(CONFIGURE, &configure, "the bikes configuration");
    (result, configure)
}

/// The schema can fail: each change below makes a valid result invalid, and the error points at
/// the changed place.
#[test]
fn a_changed_result_fails_validation() {
    let (result, configure) = sample_results();
    let first_option_blocked = configure["fields"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|f| f["options"].as_array().unwrap())
        .position(|o| o.get("blocked_by").is_some());
    assert!(
        first_option_blocked.is_some(),
        "no blocked option to change"
    );

    type Change = fn(&mut Json);
    let evaluation_changes: &[(&str, &str, Change)] = &[
        ("an extra field", "", |r| {
            r["discount"] = json!("0.05");
        }),
        ("a number for a decimal total", "/quotes/quote/total", |r| {
            r["quotes"]["quote"]["total"] = json!(12345.6);
        }),
        (
            "a number for a line amount",
            "/quotes/quote/lines/0/amount",
            |r| {
                r["quotes"]["quote"]["lines"][0]["amount"] = json!(10170);
            },
        ),
        ("a number for an output", "/outputs/unit_price_eur", |r| {
            r["outputs"]["unit_price_eur"] = json!(847.5);
        }),
        (
            "a decimal with an exponent",
            "/quotes/quote/subtotals/list",
            |r| {
                r["quotes"]["quote"]["subtotals"]["list"] = json!("1.071E+4");
            },
        ),
        ("a negative zero", "/quotes/quote/lines/0/amount", |r| {
            r["quotes"]["quote"]["lines"][0]["amount"] = json!("-0.00");
        }),
        ("an extra field in a line", "/quotes/quote/lines/0", |r| {
            r["quotes"]["quote"]["lines"][0]["discountable"] = json!(true);
        }),
        ("a missing field", "", |r| {
            r.as_object_mut().unwrap().remove("valid");
        }),
        ("an unknown line kind", "/quotes/quote/lines/0/kind", |r| {
            r["quotes"]["quote"]["lines"][0]["kind"] = json!("fee");
        }),
        ("an unknown severity", "/violations/0/severity", |r| {
            r["violations"] = json!([{"id": "x", "severity": "fatal", "message": "m"}]);
        }),
        ("a date that is not a date", "/as_of", |r| {
            r["as_of"] = json!("1 March 2026");
        }),
        ("a hash that is not one", "/ruleset/hash", |r| {
            r["ruleset"]["hash"] = json!("0e1a79c8");
        }),
        (
            "an unknown step status",
            "/approvals/discounts/steps/0/status",
            |r| {
                r["approvals"]["discounts"]["steps"][0]["status"] = json!("approved");
            },
        ),
        (
            "a trace entry with both a value and holds",
            "/trace/0",
            |r| {
                r["trace"][0]["holds"] = json!(true);
            },
        ),
        ("a trace row as text", "/trace", |r| {
            let entry = r["trace"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|e| e.get("rows").is_some())
                .unwrap();
            entry["rows"][0]["row"] = json!("1");
        }),
    ];
    for (what, at, change) in evaluation_changes {
        let mut changed = result.clone();
        change(&mut changed);
        let problems = problems(EVALUATE, &changed);
        assert!(
            !problems.is_empty(),
            "a result with {what} passed the schema"
        );
        assert!(
            problems.iter().any(|p| p.starts_with(&format!("at `{at}"))),
            "{what}: the problems do not point at `{at}`: {problems:?}"
        );
    }

    let configure_changes: &[(&str, Change)] = &[
        ("an available option with blockers", |c| {
            let option = c["fields"]
                .as_object_mut()
                .unwrap()
                .values_mut()
                .flat_map(|f| f["options"].as_array_mut().unwrap())
                .find(|o| o.get("blocked_by").is_some())
                .unwrap();
            option["available"] = json!(true);
        }),
        ("an unavailable option without a reason", |c| {
            let option = c["fields"]
                .as_object_mut()
                .unwrap()
                .values_mut()
                .flat_map(|f| f["options"].as_array_mut().unwrap())
                .find(|o| o.get("blocked_by").is_some())
                .unwrap();
            option.as_object_mut().unwrap().remove("blocked_by");
        }),
        ("a field without its default", |c| {
            let field = c["fields"]
                .as_object_mut()
                .unwrap()
                .values_mut()
                .next()
                .unwrap();
            field.as_object_mut().unwrap().remove("default");
        }),
        ("an evaluation's `valid`", |c| {
            c["valid"] = json!(false);
        }),
    ];
    for (what, change) in configure_changes {
        let mut changed = configure.clone();
        change(&mut changed);
        assert!(
            !problems(CONFIGURE, &changed).is_empty(),
            "a configure response with {what} passed the schema"
        );
    }

    // An error: a kind the engine does not have, a field it does not write.
    let bikes = compile(&root().join("examples/bikes/bikes.ordo"));
    let error = bikes
        .evaluate(&json!({"frame": "tandem"}), &EvalOptions::default())
        .unwrap_err()
        .to_json();
    assert_valid(ERROR, &error, "an input error");
    let mut unknown_kind = error.clone();
    unknown_kind["kind"] = json!("oops");
    assert!(!problems(ERROR, &unknown_kind).is_empty());
    let mut extra = error.clone();
    extra["status"] = json!(422);
    assert!(!problems(ERROR, &extra).is_empty());
    // A result is not an error, nor an error a result.
    assert!(!problems(ERROR, &result).is_empty());
    assert!(!problems(EVALUATE, &error).is_empty());
}
