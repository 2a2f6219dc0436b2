#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Delegation windows on the `orders` example: fay lends `finance` to ben for an hour; in the
//! window ben's inbox shows the finance step and he may grant it, outside it (or once fay
//! revokes the delegation) he may not. Creating and revoking are audited.

mod common;

use common::*;
use ordo_http::clock::ManualClock;
use serde_json::json;

fn start_order(ana: &Client, id: &str) {
    let input = json!({
        "product": "table_oak", "quantity": 25, "channel": "contract", "discount": "0.12",
        "po_number": "PO-7", "customer": {"name": "Hotel Adler", "country": "AT"},
        "sales_rep": "ana"
    });
    start_submitted_order(ana, "orders", id, &input);
}

#[test]
fn a_delegated_role_counts_in_its_window_only() {
    let clock = ManualClock::new(at("2026-03-02T08:00:00Z"));
    let dir = TempDir::new("delegations");
    let config = ops_config(&dir, &clock);
    let server = TestServer::run(config, dir);
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/orders/orders.ordo"));
    let (ana, ben, fay) = (
        server.client(Some(ANA)),
        server.client(Some(BEN)),
        server.client(Some(FAY)),
    );
    start_order(&ana, "SO-1");

    // Refused: a role one does not hold, oneself, an empty window.
    let window = |role: &str, to: &str, from: &str, until: &str| json!({"role": role, "to": to, "from": from, "until": until});
    fay.post(
        "/v1/delegations",
        &window(
            "sales_manager",
            "ben",
            "2026-03-02T09:00:00Z",
            "2026-03-02T10:00:00Z",
        ),
    )
    .assert_error(403, "forbidden");
    fay.post(
        "/v1/delegations",
        &window(
            "finance",
            "fay",
            "2026-03-02T09:00:00Z",
            "2026-03-02T10:00:00Z",
        ),
    )
    .assert_error(400, "invalid_request");
    fay.post(
        "/v1/delegations",
        &window(
            "finance",
            "ben",
            "2026-03-02T10:00:00Z",
            "2026-03-02T09:00:00Z",
        ),
    )
    .assert_error(400, "invalid_request");

    let created = fay.post(
        "/v1/delegations",
        &window(
            "finance",
            "ben",
            "2026-03-02T09:00:00Z",
            "2026-03-02T10:00:00Z",
        ),
    );
    let delegation = ok(&created, 201);
    assert_eq!(delegation["delegator"], "fay");
    assert_eq!(delegation["delegate"], "ben");
    assert!(created.audit_id.is_some());
    let listed = ok(&ben.get("/v1/delegations"), 200);
    assert_eq!(listed["delegations"].as_array().unwrap().len(), 1);
    assert!(
        ok(&ana.get("/v1/delegations"), 200)["delegations"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Before the window ben sees and may decide only his own step.
    assert_eq!(inbox_steps(&server, BEN), ["deal_desk.manager"]);
    ben.post(
        "/v1/instances/SO-1/approvals/deal_desk/finance/grant",
        &json!({}),
    )
    .assert_error(403, "forbidden");

    // In the window the finance step waits for him too, and his grant counts as finance.
    clock.set(at("2026-03-02T09:30:00Z"));
    assert_eq!(
        inbox_steps(&server, BEN),
        ["deal_desk.finance", "deal_desk.manager"]
    );
    let granted = ok(
        &ben.post(
            "/v1/instances/SO-1/approvals/deal_desk/finance/grant",
            &json!({}),
        ),
        200,
    );
    assert_eq!(granted["by"], "ben");
    assert_eq!(granted["role"], "finance");

    // After the window: a second order's finance step is no longer his.
    clock.set(at("2026-03-02T10:00:00Z"));
    start_order(&ana, "SO-2");
    assert!(!inbox_steps(&server, BEN).contains(&"deal_desk.finance".to_string()));
    ben.post(
        "/v1/instances/SO-2/approvals/deal_desk/finance/grant",
        &json!({}),
    )
    .assert_error(403, "forbidden");

    // A revoked delegation ends at once; only its delegator may revoke it.
    let second = ok(
        &fay.post(
            "/v1/delegations",
            &window(
                "finance",
                "ben",
                "2026-03-02T09:00:00Z",
                "2026-03-03T09:00:00Z",
            ),
        ),
        201,
    );
    let id = second["id"].as_i64().unwrap();
    assert!(inbox_steps(&server, BEN).contains(&"deal_desk.finance".to_string()));
    ben.post(&format!("/v1/delegations/{id}/revoke"), &json!({}))
        .assert_error(404, "not_found");
    let revoked = fay.post(&format!("/v1/delegations/{id}/revoke"), &json!({}));
    ok(&revoked, 200);
    assert!(!inbox_steps(&server, BEN).contains(&"deal_desk.finance".to_string()));
    fay.post(&format!("/v1/delegations/{id}/revoke"), &json!({}))
        .assert_error(404, "not_found");

    // Both delegations and the revocation are in the audit log.
    let log = server.audit_log("?limit=1000");
    let operations: Vec<&str> = entries(&log)
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .filter(|op| op.starts_with("delegation."))
        .collect();
    assert_eq!(
        operations,
        [
            "delegation.create",
            "delegation.create",
            "delegation.revoke"
        ]
    );
    // Each entry has the digest of the answer as sent, the store's id of a new delegation
    // included.
    for answer in [&created, &revoked] {
        let entry = entries(&log)
            .iter()
            .find(|e| e["id"].as_i64() == answer.audit_id)
            .unwrap();
        assert_audit_entry(entry, answer, "ok");
    }
    assert_ne!(delegation["id"], 0);
}
