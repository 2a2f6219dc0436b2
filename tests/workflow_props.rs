#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Property tests of workflow queries on the orders example: next actions and apply agree,
//! and idempotency keys depend on exactly the event's identity.

use ordo_engine::{ApplyRequest, Ruleset, TransitionsRequest};
use proptest::prelude::*;
use serde_json::{Value as Json, json};

fn orders() -> Ruleset {
    let path = format!("{}/examples/orders/orders.ordo", env!("CARGO_MANIFEST_DIR"));
    Ruleset::compile(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const STATES: [&str; 7] = [
    "draft",
    "submitted",
    "approved",
    "in_production",
    "shipped",
    "delivered",
    "cancelled",
];
const ROLES: [&str; 5] = ["sales", "sales_manager", "finance", "workshop", "logistics"];

fn order() -> impl Strategy<Value = Json> {
    (
        prop::sample::select(vec!["desk", "shelf", "cabinet", "table_oak"]),
        1u32..40,
        prop::sample::select(vec!["shop", "online", "contract"]),
        0u32..40,
        prop::option::of(Just("PO-1")),
    )
        .prop_map(|(product, quantity, channel, discount, po)| {
            let mut input = json!({"product": product, "quantity": quantity, "channel": channel,
                "discount": format!("0.{discount:02}"), "customer": {"name": "N", "country": "DE"}});
            if let Some(po) = po {
                input["po_number"] = json!(po);
            }
            input
        })
}

/// Grants for every step the chain requires now, with the facts it asks for (sometimes).
fn grants(ruleset: &Ruleset, input: &Json, grant: bool) -> Json {
    if !grant {
        return json!({});
    }
    let result = ruleset.evaluate(input, &Default::default()).unwrap();
    let mut steps = serde_json::Map::new();
    for step in result["approvals"]["deal_desk"]["steps"]
        .as_array()
        .unwrap()
    {
        steps.insert(
            step["id"].as_str().unwrap().into(),
            json!({"by": "x", "facts": step["facts"]}),
        );
    }
    json!({"deal_desk": steps})
}

fn event(instance: &str, seq: u64) -> Json {
    json!({"instance": instance, "seq": seq, "at": "2026-03-02T09:00:00Z", "entered_at": "2026-03-01T09:00:00Z"})
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn next_actions_agree_with_apply(input in order(), state in 0usize..7, role in 0usize..5, grant in any::<bool>()) {
        let ruleset = orders();
        let approvals = grants(&ruleset, &input, grant);
        let base = json!({"workflow": "order", "state": STATES[state], "actor": ROLES[role],
            "input": input, "approvals": approvals, "event": event("SO-1", 1)});
        let next = ruleset.transitions(&TransitionsRequest::from_json(&base).unwrap()).unwrap();
        for t in next["transitions"].as_array().unwrap() {
            let mut request = base.clone();
            request["transition"] = t["id"].clone();
            let applied = ruleset.apply(&ApplyRequest::from_json(&request).unwrap());
            if t["enabled"] == json!(true) {
                let applied = applied.unwrap();
                prop_assert_eq!(&applied["to"], &t["to"]);
            } else {
                let error = applied.unwrap_err();
                prop_assert_eq!(error.kind.as_str(), "transition");
            }
        }
    }

    #[test]
    fn keys_follow_the_event_identity(input in order(), seq in 0u64..1000, other in 0u64..1000) {
        let ruleset = orders();
        // Submitting a large order always fires `large_order` when the order is valid and big.
        let mut input = input;
        input["product"] = json!("table_oak");
        input["quantity"] = json!(20);
        input["channel"] = json!("contract");
        input["discount"] = json!("0.05");
        let request = |instance: &str, seq: u64| json!({"workflow": "order", "state": "draft",
            "actor": "sales", "transition": "submit", "input": input, "event": event(instance, seq)});
        let keys = |r: Json| -> Vec<Json> {
            ruleset.apply(&ApplyRequest::from_json(&r).unwrap()).unwrap()["actions"].as_array().unwrap().iter().map(|a| a["key"].clone()).collect()
        };
        let first = keys(request("SO-1", seq));
        prop_assert_eq!(first.len(), 1);
        prop_assert_eq!(&first, &keys(request("SO-1", seq)));
        prop_assert_ne!(&first, &keys(request("SO-2", seq)));
        if other != seq {
            prop_assert_ne!(&first, &keys(request("SO-1", other)));
        }
    }
}
