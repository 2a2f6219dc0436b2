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

/// A ruleset with a price that reads defaulted fields, a warning and a review over choices, and
/// a customer record that is context rather than a choice.
const DESK: &str = r#"ruleset d version "1.0.0"
enum Top { oak, walnut, glass }
enum Legs { steel, wood }
enum Tier { retail, trade }
input {
  top: Top = oak
  legs: Legs = steel
  quantity: Int = 1
  customer: { tier: Tier = retail }
}
table top_price: Top -> Decimal {
  oak => 400.00
  walnut => 650.00
  glass => 500.00
}
constraint glass_on_wood: top == glass implies legs == steel
  else warning "Glass tops on wooden legs need a brace kit"
constraint walnut_lead: top != walnut
  else review "Walnut stock is checked by purchasing"
constraint trade_only: legs == wood implies customer.tier == trade
  else error "Wooden legs are sold to the trade"
price quote currency "EUR" {
  line desk "Desk" qty quantity at top_price[top]
}
output unit = top_price[top]
"#;

#[test]
fn applied_defaults_price_the_unset_fields_while_options_stay_open() {
    let r = Ruleset::compile(DESK).unwrap();
    let unknown = r.configure_json(&json!({"input": {}})).unwrap();
    assert_eq!(unknown["outputs"]["unit"], json!(null));
    assert_eq!(unknown["quotes"]["quote"]["total"], json!(null));

    let applied = r
        .configure_json(&json!({"input": {}, "defaults": "apply"}))
        .unwrap();
    assert_eq!(applied["outputs"]["unit"], "400.00");
    assert_eq!(applied["quotes"]["quote"]["total"], "400.00");
    // The fields are still unset, with their defaults beside them, and every option is judged
    // with the unset fields unknown: the default `retail` tier does not disable wooden legs.
    assert_eq!(applied["fields"]["top"]["selected"], json!(null));
    assert_eq!(applied["fields"]["top"]["default"], "oak");
    assert_eq!(applied["fields"], unknown["fields"]);
    assert_eq!(
        options(&applied, "legs"),
        vec![("steel".into(), true), ("wood".into(), true)]
    );
    // A chosen field overrides its default for the price.
    let walnut = r
        .configure_json(&json!({"input": {"top": "walnut", "quantity": 2}, "defaults": "apply"}))
        .unwrap();
    assert_eq!(walnut["quotes"]["quote"]["total"], "1300.00");
}

#[test]
fn warnings_and_reviews_are_reported_per_option_which_stays_available() {
    let r = Ruleset::compile(DESK).unwrap();
    let result = r
        .configure_json(&json!({"input": {"legs": "wood"}}))
        .unwrap();
    let top = &result["fields"]["top"]["options"];
    assert_eq!(top[0]["value"], "oak");
    assert!(top[0].get("warned_by").is_none(), "{top}");
    assert_eq!(top[1]["value"], "walnut");
    assert_eq!(top[1]["available"], true);
    assert_eq!(
        top[1]["warned_by"],
        json!([{"id": "walnut_lead", "severity": "review", "message": "Walnut stock is checked by purchasing"}])
    );
    assert_eq!(top[2]["value"], "glass");
    assert_eq!(top[2]["available"], true);
    assert_eq!(top[2]["warned_by"][0]["id"], "glass_on_wood");
    assert_eq!(top[2]["warned_by"][0]["severity"], "warning");
    // Errors still block: with retail customers, wooden legs are out.
    let retail = r
        .configure_json(&json!({"input": {"customer": {"tier": "retail"}}}))
        .unwrap();
    assert_eq!(
        options(&retail, "legs"),
        vec![("steel".into(), true), ("wood".into(), false)]
    );
}

#[test]
fn context_fields_are_not_offered_as_options() {
    let r = Ruleset::compile(DESK).unwrap();
    let all = r.configure_json(&json!({"input": {}})).unwrap();
    assert!(all["fields"].get("customer.tier").is_some());
    for context in [json!(["customer"]), json!(["customer.tier"])] {
        let result = r
            .configure_json(&json!({"input": {"customer": {"tier": "trade"}}, "context": context}))
            .unwrap();
        let fields: Vec<&String> = result["fields"].as_object().unwrap().keys().collect();
        assert_eq!(fields, ["top", "legs"], "{context}");
        // Context still counts: trade customers may have wooden legs.
        assert_eq!(
            options(&result, "legs"),
            vec![("steel".into(), true), ("wood".into(), true)]
        );
    }
}

#[test]
fn bad_defaults_or_context_are_request_errors_naming_the_field() {
    let r = Ruleset::compile(DESK).unwrap();
    let error = r
        .configure_json(&json!({"input": {}, "defaults": "always"}))
        .unwrap_err();
    assert_eq!(error.kind, crate::ErrorKind::InvalidRequest);
    assert_eq!(error.path.as_deref(), Some("defaults"));
    let error = r
        .configure_json(&json!({"input": {}, "context": ["custmer"]}))
        .unwrap_err();
    assert_eq!(error.kind, crate::ErrorKind::InvalidRequest);
    assert_eq!(error.path.as_deref(), Some("context[0]"));
    assert!(
        error.hint.as_deref().unwrap_or("").contains("customer"),
        "{error:?}"
    );
    let error = r
        .configure_json(&json!({"input": {}, "context": "customer"}))
        .unwrap_err();
    assert_eq!(error.path.as_deref(), Some("context"));
    let error = r
        .configure_json(&json!({"input": {}, "complet": true}))
        .unwrap_err();
    assert_eq!(error.kind, crate::ErrorKind::UnknownField);
}
