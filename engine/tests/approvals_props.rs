#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Property tests of approvals with identities (spec §22), against a model written apart from
//! the engine:
//!
//! - a chain is `complete` exactly when every required step has `needed` grants with current
//!   facts from distinct approvers, none of them the requester, under one of the step's roles,
//!   given in order (every earlier required step outside the step's `parallel` group having
//!   `needed` such grants, stale or not);
//! - `approvals.CHAIN.complete`, `.pending` and `.stale` as rules read them agree with the
//!   result;
//! - changing any fact a grant of a granted step recorded makes that step `stale` and nothing
//!   else, and changing an input no step's facts mention changes nothing.

use std::collections::BTreeSet;

use ordo_engine::{Approvals, EvalOptions, Ruleset};
use proptest::prelude::*;
use serde_json::{Map, Value as Json, json};

const SOURCE: &str = r#"ruleset props version "1.0.0"
roles a, b, c
input {
  requester: Text?
  x: Int
  y: Int
  z: Int
  unrelated: Int = 0
}
let doubled = x * 2
approval chain requested_by requester {
  step s1 by a when x > 0 facts doubled
  parallel {
    step s2 by b quorum 2 when y > 0
    step s3 by c when z > 0 facts doubled + y
  }
  step s4 by a, b quorum 3 when x + y > 0
}
output done = approvals.chain.complete
output pending = approvals.chain.pending
output stale = approvals.chain.stale
"#;

/// The model's view of a step: id, roles, quorum, its group (steps of a `parallel` group
/// share one) and whether it is required for an input.
struct StepModel {
    id: &'static str,
    roles: &'static [&'static str],
    needed: usize,
    group: u32,
}

const STEPS: [StepModel; 4] = [
    StepModel {
        id: "s1",
        roles: &["a"],
        needed: 1,
        group: 0,
    },
    StepModel {
        id: "s2",
        roles: &["b"],
        needed: 2,
        group: 1,
    },
    StepModel {
        id: "s3",
        roles: &["c"],
        needed: 1,
        group: 1,
    },
    StepModel {
        id: "s4",
        roles: &["a", "b"],
        needed: 3,
        group: 2,
    },
];

fn required(step: &str, x: i64, y: i64, z: i64) -> bool {
    match step {
        "s1" => x > 0,
        "s2" => y > 0,
        "s3" => z > 0,
        _ => x + y > 0,
    }
}

fn ruleset() -> Ruleset {
    Ruleset::compile(SOURCE).unwrap_or_else(|d| panic!("{}", d.render("props", SOURCE)))
}

/// One generated grant: approver (maybe empty), role (maybe none), whether its facts are the
/// current ones.
#[derive(Debug, Clone)]
struct G {
    by: &'static str,
    role: Option<&'static str>,
    current: bool,
}

fn grant() -> impl Strategy<Value = G> {
    (
        prop::sample::select(vec!["", "p0", "p1", "p2", "p3", "p4"]),
        prop::option::of(prop::sample::select(vec!["a", "b", "c"])),
        prop::bool::weighted(0.8),
    )
        .prop_map(|(by, role, current)| G { by, role, current })
}

/// The facts step `id` records for the input, keyed as the result lists them.
fn facts_of(result: &Json, id: &str) -> Map<String, Json> {
    result["approvals"]["chain"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .map(|s| s["facts"].as_object().unwrap().clone())
        .unwrap_or_default()
}

/// The facts of `step` as a grant records them: current, or with every value changed.
fn recorded(result: &Json, step: &str, current: bool) -> Json {
    let mut facts = facts_of(result, step);
    if !current {
        for value in facts.values_mut() {
            *value = json!("999999");
        }
    }
    Json::Object(facts)
}

fn grants_json(result: &Json, grants: &[Vec<G>]) -> Json {
    let mut steps = Map::new();
    for (step, list) in STEPS.iter().zip(grants) {
        let list: Vec<Json> = list
            .iter()
            .map(|g| {
                let mut grant = json!({"by": g.by, "facts": recorded(result, step.id, g.current)});
                if let Some(role) = g.role {
                    grant["role"] = json!(role);
                }
                grant
            })
            .collect();
        steps.insert(step.id.into(), Json::Array(list));
    }
    json!({ "chain": steps })
}

fn evaluate(ruleset: &Ruleset, input: &Json, grants: Option<&Json>) -> Json {
    let options = EvalOptions {
        approvals: grants.map(|g| Approvals::from_json(g).unwrap()),
        ..EvalOptions::default()
    };
    ruleset.evaluate(input, &options).unwrap()
}

/// Approvers whose grants of `step` pass the identity checks (and, with `current`, have
/// current facts).
fn approvers(step: &StepModel, grants: &[G], requester: Option<&str>, current: bool) -> usize {
    grants
        .iter()
        .filter(|g| !g.by.is_empty())
        .filter(|g| g.role.is_none_or(|r| step.roles.contains(&r)))
        .filter(|g| Some(g.by) != requester)
        .filter(|g| !current || g.current)
        .map(|g| g.by)
        .collect::<BTreeSet<_>>()
        .len()
}

/// The model: the status of each required step, in order.
fn model(
    grants: &[Vec<G>],
    requester: Option<&str>,
    x: i64,
    y: i64,
    z: i64,
) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    // Whether every required step of the groups before the current one has its grants.
    let mut earlier = true;
    for group in 0..3 {
        let mut this_group = true;
        for (step, list) in STEPS.iter().zip(grants) {
            if step.group != group || !required(step.id, x, y, z) {
                continue;
            }
            let (counted, current) = if earlier {
                (
                    approvers(step, list, requester, false),
                    approvers(step, list, requester, true),
                )
            } else {
                (0, 0)
            };
            let status = if current >= step.needed {
                "granted"
            } else if counted >= step.needed {
                "stale"
            } else {
                "pending"
            };
            this_group &= status != "pending";
            out.push((step.id, status));
        }
        earlier &= this_group;
    }
    out
}

fn texts(value: &Json) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn complete_exactly_when_the_model_says(
        x in -1i64..3, y in -1i64..3, z in -1i64..3,
        requester in prop::option::of(prop::sample::select(vec!["p0", "p1"])),
        grants in prop::collection::vec(prop::collection::vec(grant(), 0..5), 4),
    ) {
        let ruleset = ruleset();
        let mut input = json!({"x": x, "y": y, "z": z});
        if let Some(r) = requester {
            input["requester"] = json!(r);
        }
        let plain = evaluate(&ruleset, &input, None);
        let granted = grants_json(&plain, &grants);
        let result = evaluate(&ruleset, &input, Some(&granted));
        let chain = &result["approvals"]["chain"];
        let expected = model(&grants, requester, x, y, z);
        let actual: Vec<(String, String)> = chain["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["id"].as_str().unwrap().into(), s["status"].as_str().unwrap().into()))
            .collect();
        let expected_owned: Vec<(String, String)> =
            expected.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect();
        prop_assert_eq!(&actual, &expected_owned, "grants {}", granted);
        let complete = expected.iter().all(|(_, s)| *s == "granted");
        prop_assert_eq!(chain["complete"].as_bool(), Some(complete));
        // What rules read agrees with the result.
        prop_assert_eq!(result["outputs"]["done"].as_bool(), Some(complete));
        let with = |status: &str| -> Vec<String> {
            expected.iter().filter(|(_, s)| *s == status).map(|(id, _)| (*id).into()).collect()
        };
        prop_assert_eq!(texts(&result["outputs"]["pending"]), with("pending"));
        prop_assert_eq!(texts(&result["outputs"]["stale"]), with("stale"));
        // Every grant is either counted or refused with a reason.
        for step in chain["steps"].as_array().unwrap() {
            let index = STEPS.iter().position(|s| s.id == step["id"]).unwrap();
            let given = grants[index].len();
            let refused = step.get("refused").and_then(Json::as_array).map_or(0, Vec::len);
            prop_assert!(refused <= given);
            for r in step.get("refused").and_then(Json::as_array).into_iter().flatten() {
                if r["reason"] == "self_approval" {
                    prop_assert_eq!(r["by"].as_str(), requester);
                }
            }
        }
    }

    #[test]
    fn a_changed_fact_makes_only_its_step_stale(
        x in 1i64..3, y in 1i64..3, z in 1i64..3,
        which in 0usize..4,
        grant_index in 0usize..3,
        unrelated in 1i64..5,
    ) {
        let ruleset = ruleset();
        let input = json!({"x": x, "y": y, "z": z, "requester": "p0"});
        let plain = evaluate(&ruleset, &input, None);
        // Every step granted by distinct approvers (never the requester), with current facts.
        let all: Vec<Vec<G>> = STEPS
            .iter()
            .map(|s| {
                ["p1", "p2", "p3"][..s.needed]
                    .iter()
                    .map(|by| G { by, role: None, current: true })
                    .collect()
            })
            .collect();
        let granted = grants_json(&plain, &all);
        let result = evaluate(&ruleset, &input, Some(&granted));
        prop_assert_eq!(result["approvals"]["chain"]["complete"].as_bool(), Some(true));
        // An input no fact mentions changes nothing.
        let mut moved = input.clone();
        moved["unrelated"] = json!(unrelated);
        let again = evaluate(&ruleset, &moved, Some(&granted));
        prop_assert_eq!(&again["approvals"], &result["approvals"]);
        // One recorded fact of one grant of step `which` changes.
        let step = &STEPS[which];
        let mut changed = granted.clone();
        let grants = changed["chain"][step.id].as_array_mut().unwrap();
        let count = grants.len();
        let facts = grants[grant_index % count]["facts"].as_object_mut().unwrap();
        let key = facts.keys().next().unwrap().clone();
        facts.insert(key, json!("-1"));
        let after = evaluate(&ruleset, &input, Some(&changed));
        for s in after["approvals"]["chain"]["steps"].as_array().unwrap() {
            let expected = if s["id"] == step.id { "stale" } else { "granted" };
            prop_assert_eq!(s["status"].as_str(), Some(expected), "{}", after);
        }
        prop_assert_eq!(after["outputs"]["done"].as_bool(), Some(false));
    }
}

#[test]
fn a_current_grant_after_a_stale_one_by_the_same_approver_is_a_re_approval() {
    let ruleset = ruleset();
    let input = json!({"x": 1, "y": 0, "z": 0});
    let plain = evaluate(&ruleset, &input, None);
    let stale = G {
        by: "p1",
        role: None,
        current: false,
    };
    let fresh = G {
        current: true,
        ..stale.clone()
    };
    let others = vec![
        G {
            by: "p2",
            ..fresh.clone()
        },
        G {
            by: "p3",
            ..fresh.clone()
        },
    ];
    let mut s4 = vec![stale.clone(), fresh.clone()];
    s4.extend(others);
    let grants = grants_json(&plain, &[vec![stale, fresh], vec![], vec![], s4]);
    let result = evaluate(&ruleset, &input, Some(&grants));
    let steps = result["approvals"]["chain"]["steps"].as_array().unwrap();
    assert_eq!(steps[0]["status"], "granted", "{result}");
    assert_eq!(steps[0]["granted_by"], json!(["p1"]));
    assert!(steps[0].get("refused").is_none());
    assert_eq!(steps[1]["status"], "granted");
    assert_eq!(steps[1]["needed"], 3);
}

#[test]
fn a_chain_that_reads_its_own_status_is_a_cycle() {
    let source = SOURCE.replace("step s1 by a when x > 0", "step s1 by a when not done");
    let Err(diagnostics) = Ruleset::compile(&source) else {
        panic!("a chain that reads its own status compiled");
    };
    assert!(
        diagnostics.iter().any(|d| d.kind.as_str() == "cycle"),
        "{}",
        diagnostics.render("props", &source)
    );
}
