use serde_json::json;

use crate::error::EvalResult;
use crate::json::requests::ConfigureRequest;
use crate::ruleset::Ruleset;

/// Configure requests in their JSON form, as hosts send them.
trait JsonRequests {
    fn configure_json(&self, request: &serde_json::Value) -> EvalResult<serde_json::Value>;
}

impl JsonRequests for Ruleset {
    fn configure_json(&self, request: &serde_json::Value) -> EvalResult<serde_json::Value> {
        self.configure(&ConfigureRequest::from_json(request)?)
    }
}

const PUMPS: &str = r#"ruleset p version "1.0.0"
enum Model { p100, p200, p300 }
enum Motor { standard, high_efficiency }
enum Extra { heater, stainless_housing }
input {
  model: Model
  motor: Motor = standard
  extras: Set<Extra> = {}
  customer: { vip: Bool = false }
}
constraint p100_motor: model == p100 implies motor == standard
  else error "The P100 is sold with the standard motor only"
constraint housing: extras contains stainless_housing implies model == p300
  else error "The stainless housing fits the P300 only"
constraint vip_only: motor == high_efficiency implies customer.vip
  else error "High efficiency is for VIP customers"
"#;

fn options(result: &serde_json::Value, field: &str) -> Vec<(String, bool)> {
    result["fields"][field]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["value"].to_string().trim_matches('"').to_string(),
                o["available"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_chosen_value_blocks_what_contradicts_it() {
    let r = Ruleset::compile(PUMPS).unwrap();
    let result = r
        .configure_json(&json!({"input": {"model": "p100"}}))
        .unwrap();
    assert_eq!(
        options(&result, "motor"),
        vec![("standard".into(), true), ("high_efficiency".into(), false)]
    );
    assert_eq!(
        result["fields"]["motor"]["options"][1]["blocked_by"][0]["id"],
        "p100_motor"
    );
    assert_eq!(result["fields"]["motor"]["default"], "standard");
    assert_eq!(result["fields"]["model"]["selected"], "p100");
    // Every model stays available: the model itself is what is being chosen.
    assert!(options(&result, "model").iter().all(|(_, a)| *a));
    // Nested Bool fields are offered by path, true before false.
    assert_eq!(
        options(&result, "customer.vip"),
        vec![("true".into(), true), ("false".into(), true)]
    );
}

#[test]
fn a_violation_that_does_not_depend_on_the_field_is_not_blamed_on_its_options() {
    let r = Ruleset::compile(PUMPS).unwrap();
    let input = json!({"input": {"model": "p100", "motor": "high_efficiency"}});
    let result = r.configure_json(&input).unwrap();
    let ids: Vec<&str> = result["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["p100_motor"]);
    // The extras have nothing to do with the motor conflict.
    assert_eq!(options(&result, "extras")[0], ("heater".into(), true));
}

#[test]
fn complete_mode_finds_dead_ends_that_single_constraints_miss() {
    let source = r#"ruleset d version "1.0.0"
enum A { a1, a2 }
enum B { b1, b2 }
input { a: A  b: B }
constraint one: a == a1 implies b == b1 else error "one"
constraint two: a == a1 implies b == b2 else error "two"
"#;
    let r = Ruleset::compile(source).unwrap();
    let plain = r.configure_json(&json!({"input": {}})).unwrap();
    assert_eq!(
        options(&plain, "a"),
        vec![("a1".into(), true), ("a2".into(), true)]
    );
    let complete = r
        .configure_json(&json!({"input": {}, "complete": true}))
        .unwrap();
    assert_eq!(
        options(&complete, "a"),
        vec![("a1".into(), false), ("a2".into(), true)]
    );
    assert_eq!(complete["search"]["bound_hit"], false);
}

#[test]
fn bad_requests_are_named() {
    let r = Ruleset::compile(PUMPS).unwrap();
    let e = r
        .configure_json(&json!({"input": {"model": "p999"}}))
        .unwrap_err();
    assert_eq!(e.kind.as_str(), "invalid_input");
    assert_eq!(e.path.as_deref(), Some("model"));
    let e = r
        .configure_json(&json!({"input": {}, "complete": "yes"}))
        .unwrap_err();
    assert_eq!(e.path.as_deref(), Some("complete"));
    assert!(r.configure_json(&json!([1])).is_err());
}

#[test]
fn a_refinement_limits_the_domain_and_the_field_blocks() {
    let source = r#"ruleset r version "1.0.0"
enum Extra { rack, lights, bell }
input {
  extras: Set<Extra> len 0..2 else "At most two extras"
}
"#;
    let r = Ruleset::compile(source).unwrap();
    let result = r
        .configure_json(&json!({"input": {"extras": ["rack", "lights"]}}))
        .unwrap();
    assert_eq!(
        options(&result, "extras"),
        vec![
            ("rack".into(), true),
            ("lights".into(), true),
            ("bell".into(), false)
        ]
    );
    let bell = &result["fields"]["extras"]["options"][2];
    assert_eq!(
        bell["blocked_by"],
        json!([{"id": "extras", "message": "At most two extras"}])
    );
    // With one extra chosen, every other one is still possible.
    let one = r
        .configure_json(&json!({"input": {"extras": ["rack"]}}))
        .unwrap();
    assert!(
        options(&one, "extras")
            .iter()
            .all(|(_, available)| *available)
    );
}
