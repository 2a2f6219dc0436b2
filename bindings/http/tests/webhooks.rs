#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Webhook delivery of the outbox on loopback: a receiver that fails the first attempts of
//! every action, a server stopped with deliveries still pending and started again on the same
//! store, and in the end every action delivered — exactly once after the receiver drops the
//! idempotency keys it has seen — with the attempts and errors stored along the way.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use common::*;
use ordo_http::clock::ManualClock;
use serde_json::{Value as Json, json};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    hook: String,
    key: String,
    attempt: u32,
    body: Json,
    accepted: bool,
}

/// A webhook receiver on loopback: it answers 500 to the first `fail_first` requests of each
/// (hook, key), or to everything while `down`, and 204 otherwise.
#[derive(Clone, Default)]
struct Receiver {
    log: Arc<Mutex<Vec<Received>>>,
    down: Arc<Mutex<bool>>,
    fail_first: usize,
}

impl Receiver {
    fn start(fail_first: usize) -> (Receiver, SocketAddr) {
        let receiver = Receiver {
            fail_first,
            ..Receiver::default()
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let state = receiver.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let app = axum::Router::new()
                    .route("/hooks/{hook}", axum::routing::post(receive))
                    .with_state(state);
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        (receiver, addr)
    }

    fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    fn set_down(&self, down: bool) {
        *self.down.lock().unwrap() = down;
    }
}

async fn receive(
    axum::extract::State(receiver): axum::extract::State<Receiver>,
    axum::extract::Path(hook): axum::extract::Path<String>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let body: Json = serde_json::from_str(&body).unwrap();
    let key = headers["idempotency-key"].to_str().unwrap().to_string();
    assert_eq!(
        body["key"],
        key.as_str(),
        "the header and the body carry the key"
    );
    assert_eq!(headers["x-ordo-webhook"], hook.as_str());
    let attempt = headers["x-ordo-delivery-attempt"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut log = receiver.log.lock().unwrap();
    let before = log
        .iter()
        .filter(|r| r.hook == hook && r.key == key)
        .count();
    let accepted = !*receiver.down.lock().unwrap() && before >= receiver.fail_first;
    log.push(Received {
        hook,
        key,
        attempt,
        body,
        accepted,
    });
    if accepted {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

fn webhooks_file(receiver: SocketAddr) -> String {
    format!(
        r#"
[delivery]
initial_backoff_ms = 20
max_backoff_ms = 200
max_attempts = 50
timeout_ms = 2000
poll_ms = 20

[[webhooks]]
name = "mailer"
url = "http://{receiver}/hooks/mailer"
headers = {{ authorization = "Bearer receiver-secret" }}

[[webhooks]]
name = "escalations"
url = "http://{receiver}/hooks/escalations"
actions = ["escalate"]
"#
    )
}

fn server(dir: TempDir, clock: &ManualClock, receiver: SocketAddr) -> TestServer {
    let mut config = ops_config(&dir, clock);
    std::fs::write(dir.path("webhooks.toml"), webhooks_file(receiver)).unwrap();
    config.webhooks = Some(dir.path("webhooks.toml"));
    TestServer::run(config, dir)
}

/// Waits until `done` holds, for at most 20 seconds.
#[track_caller]
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn deliveries(server: &TestServer, query: &str) -> Vec<Json> {
    let page = ok(
        &server
            .client(Some(DISPATCHER))
            .get(&format!("/v1/deliveries?limit=1000{query}")),
        200,
    );
    page["deliveries"].as_array().unwrap().clone()
}

fn outbox_keys(server: &TestServer) -> Vec<(String, String)> {
    let page = ok(
        &server
            .client(Some(DISPATCHER))
            .get("/v1/outbox?after=0&limit=1000"),
        200,
    );
    page["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["key"].as_str().unwrap().to_string(),
                a["action"]["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_action_reaches_its_webhooks_once_after_dedup_across_a_restart() {
    let (receiver, receiver_addr) = Receiver::start(2);
    receiver.set_down(true);
    let clock = ManualClock::new(at("2026-03-02T09:00:00Z"));
    let server = server(TempDir::new("webhooks"), &clock, receiver_addr);
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/orders/orders.ordo"));
    let ana = server.client(Some(ANA));
    let input = json!({
        "product": "table_oak",
        "quantity": 25,
        "channel": "contract",
        "discount": "0.12",
        "po_number": "PO-7",
        "customer": {"name": "Hotel Adler", "country": "AT"},
        "sales_rep": "ana"
    });
    ok(
        &ana.post(
            "/v1/instances",
            &json!({"ruleset": "orders", "workflow": "order", "input": input, "id": "SO-1"}),
        ),
        201,
    );
    ok(
        &ana.post(
            "/v1/instances/SO-1/apply",
            &json!({"transition": "submit", "seq": 1}),
        ),
        200,
    );
    // The reminder two days later: a notify and an escalation.
    clock.set(at("2026-03-04T09:01:00Z"));
    wait_for("the reminder's actions", || outbox_keys(&server).len() == 3);

    // The receiver is down: every delivery fails, is retried with backoff, and says why.
    wait_for("failed attempts of every delivery", || {
        let rows = deliveries(&server, "");
        rows.len() == 4 && rows.iter().all(|d| d["attempts"].as_i64().unwrap() >= 2)
    });
    let pending = deliveries(&server, "&status=pending");
    assert_eq!(pending.len(), 4);
    for delivery in &pending {
        assert!(
            delivery["last_error"]
                .as_str()
                .unwrap()
                .contains("HTTP 500"),
            "{delivery}"
        );
        assert!(delivery["delivered_at"].is_null());
    }
    let metrics = server.client(None).get("/metrics").text;
    assert!(
        metrics.contains("ordo_webhook_backlog{webhook=\"mailer\"} 3"),
        "{metrics}"
    );
    let escalations = deliveries(&server, "&webhook=escalations");
    assert_eq!(escalations.len(), 1);
    assert_eq!(escalations[0]["action"]["action"]["action"], "escalate");
    let metrics = server.client(None).get("/metrics").text;
    assert!(
        metrics.contains(
            "ordo_webhook_delivery_attempts_total{webhook=\"mailer\",outcome=\"failed\"}"
        ),
        "{metrics}"
    );

    // Stopped with deliveries pending; started again on the same store with the receiver up.
    let dir = server.stop_keeping_files();
    receiver.set_down(false);
    let server = self::server(dir, &clock, receiver_addr);
    wait_for("every delivery delivered", || {
        deliveries(&server, "&status=delivered").len() == 4
    });
    for delivery in deliveries(&server, "") {
        assert_eq!(delivery["status"], "delivered", "{delivery}");
        assert!(delivery["attempts"].as_i64().unwrap() >= 3, "{delivery}");
        assert!(delivery["delivered_at"].is_string());
    }

    // What the receiver kept after dropping keys it had seen: each action once per webhook.
    let received = receiver.received();
    let accepted: Vec<&Received> = received.iter().filter(|r| r.accepted).collect();
    let kept: BTreeSet<(String, String)> = accepted
        .iter()
        .map(|r| (r.hook.clone(), r.key.clone()))
        .collect();
    let outbox = outbox_keys(&server);
    let expected: BTreeSet<(String, String)> = outbox
        .iter()
        .map(|(key, _)| ("mailer".to_string(), key.clone()))
        .chain(
            outbox
                .iter()
                .filter(|(_, kind)| kind == "escalate")
                .map(|(key, _)| ("escalations".to_string(), key.clone())),
        )
        .collect();
    assert_eq!(kept, expected);
    assert_eq!(
        accepted.len(),
        expected.len(),
        "a delivered action was posted again"
    );
    // Attempts are numbered across the restart, and the body is the outbox's action.
    for r in &accepted {
        assert!(r.attempt >= 3, "{r:?}");
        assert_eq!(r.body["instance"], "SO-1");
    }
    // The workflow gauges in /metrics.
    let metrics = server.client(None).get("/metrics").text;
    for line in [
        "ordo_instances{ruleset=\"orders\",workflow=\"order\",state=\"submitted\"} 1",
        "ordo_instances_overdue{ruleset=\"orders\",workflow=\"order\"} 1",
        "ordo_timers_armed 0",
        "ordo_timer_lag_seconds 0.0",
        "ordo_outbox_actions 3",
        "ordo_webhook_deliveries{webhook=\"mailer\",status=\"delivered\"} 3",
        "ordo_webhook_deliveries{webhook=\"escalations\",status=\"delivered\"} 1",
        "ordo_webhook_backlog{webhook=\"mailer\"} 0",
        "ordo_webhook_backlog{webhook=\"escalations\"} 0",
    ] {
        assert!(metrics.contains(line), "{line} not in\n{metrics}");
    }

    // Nothing more is posted once everything is delivered.
    let count = receiver.received().len();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(receiver.received().len(), count);
}

#[test]
fn a_delivery_given_up_is_visible_and_can_be_retried() {
    let (receiver, receiver_addr) = Receiver::start(0);
    receiver.set_down(true);
    let clock = ManualClock::new(at("2026-03-02T09:00:00Z"));
    let dir = TempDir::new("webhooks-failed");
    let mut config = TestServer::config(&dir);
    std::fs::write(config.tokens.as_ref().unwrap(), OPS_TOKENS).unwrap();
    std::fs::write(
        dir.path("webhooks.toml"),
        webhooks_file(receiver_addr).replace("max_attempts = 50", "max_attempts = 2"),
    )
    .unwrap();
    config.webhooks = Some(dir.path("webhooks.toml"));
    config.clock = Arc::new(clock.clone());
    let server = TestServer::run(config, dir);
    server
        .client(Some(AUTHOR))
        .publish_new(&read("examples/orders/orders.ordo"));
    let ana = server.client(Some(ANA));
    let input = json!({
        "product": "table_oak", "quantity": 25, "channel": "contract", "discount": "0.12",
        "po_number": "PO-7", "customer": {"name": "Hotel Adler", "country": "AT"},
        "sales_rep": "ana"
    });
    ok(
        &ana.post(
            "/v1/instances",
            &json!({"ruleset": "orders", "workflow": "order", "input": input, "id": "SO-2"}),
        ),
        201,
    );
    ok(
        &ana.post(
            "/v1/instances/SO-2/apply",
            &json!({"transition": "submit", "seq": 1}),
        ),
        200,
    );
    wait_for("the delivery to be given up", || {
        deliveries(&server, "&status=failed").len() == 1
    });
    let failed = &deliveries(&server, "&status=failed")[0];
    assert_eq!(failed["attempts"], 2);
    assert!(failed["next_attempt"].is_null());
    let metrics = server.client(None).get("/metrics").text;
    assert!(
        metrics.contains(
            "ordo_webhook_delivery_attempts_total{webhook=\"mailer\",outcome=\"given_up\"} 1"
        ),
        "{metrics}"
    );
    let seq = failed["action"]["seq"].as_i64().unwrap();
    let dispatcher = server.client(Some(DISPATCHER));
    dispatcher
        .post(
            &format!("/v1/deliveries/escalations/{seq}/retry"),
            &json!({}),
        )
        .assert_error(404, "not_found");
    receiver.set_down(false);
    ok(
        &dispatcher.post(&format!("/v1/deliveries/mailer/{seq}/retry"), &json!({})),
        200,
    );
    wait_for("the retried delivery", || {
        deliveries(&server, "&status=delivered").len() == 1
    });
    // A delivered one cannot be retried; an operator may not read deliveries.
    dispatcher
        .post(&format!("/v1/deliveries/mailer/{seq}/retry"), &json!({}))
        .assert_error(404, "not_found");
    ana.get("/v1/deliveries").assert_error(403, "forbidden");
}

/// Every delivery of `token`'s view, read page by page with `limit`, as (webhook, seq).
fn paged_deliveries(server: &TestServer, token: &str, limit: u32) -> Vec<(String, i64, String)> {
    let client = server.client(Some(token));
    let mut after = 0;
    let mut found = Vec::new();
    for _ in 0..100 {
        let page = ok(
            &client.get(&format!("/v1/deliveries?after={after}&limit={limit}")),
            200,
        );
        let rows = page["deliveries"].as_array().unwrap();
        if rows.is_empty() {
            return found;
        }
        for row in rows {
            found.push((
                row["webhook"].as_str().unwrap().to_string(),
                row["action"]["seq"].as_i64().unwrap(),
                row["action"]["instance"].as_str().unwrap().to_string(),
            ));
        }
        after = page["next_after"].as_i64().unwrap();
    }
    panic!("the deliveries did not end");
}

#[test]
fn deliveries_page_across_webhooks_and_hold_to_a_tokens_rulesets() {
    let (_receiver, receiver_addr) = Receiver::start(0);
    let clock = ManualClock::new(at("2026-03-02T09:00:00Z"));
    let dir = TempDir::new("webhooks-paging");
    let mut config = ops_config(&dir, &clock);
    // Two webhooks take every action: each action has two deliveries.
    std::fs::write(
        dir.path("webhooks.toml"),
        format!(
            "[delivery]\npoll_ms = 20\n\n[[webhooks]]\nname = \"a\"\nurl = \"http://{receiver_addr}/hooks/a\"\n\n[[webhooks]]\nname = \"b\"\nurl = \"http://{receiver_addr}/hooks/b\"\n"
        ),
    )
    .unwrap();
    config.webhooks = Some(dir.path("webhooks.toml"));
    let server = TestServer::run(config, dir);
    let author = server.client(Some(AUTHOR));
    let orders = read("examples/orders/orders.ordo");
    author.publish_new(&orders);
    author.publish_new(&orders.replacen("ruleset orders version", "ruleset orders_eu version", 1));
    let ana = server.client(Some(ANA));
    let input = json!({
        "product": "table_oak", "quantity": 25, "channel": "contract", "discount": "0.12",
        "customer": {"name": "Hotel Adler", "country": "AT"}, "sales_rep": "ana"
    });
    for (ruleset, id) in [
        ("orders_eu", "EU-1"),
        ("orders", "SO-1"),
        ("orders_eu", "EU-2"),
    ] {
        start_submitted_order(&ana, ruleset, id, &input);
    }
    let actions = outbox_keys(&server).len();
    assert!(actions >= 3);
    wait_for("every delivery", || {
        deliveries(&server, "&status=delivered").len() == 2 * actions
    });
    let all = paged_deliveries(&server, DISPATCHER, 1000);
    assert_eq!(all.len(), 2 * actions);
    // Small pages neither skip nor repeat the second webhook's delivery of an action.
    for limit in [1, 2, 3] {
        assert_eq!(
            paged_deliveries(&server, DISPATCHER, limit),
            all,
            "limit {limit}"
        );
    }
    // A token limited to `orders` sees the deliveries of its instances only.
    let of_orders: Vec<_> = all.iter().filter(|d| d.2 == "SO-1").cloned().collect();
    assert!(!of_orders.is_empty());
    for limit in [1, 1000] {
        assert_eq!(
            paged_deliveries(&server, OLGA, limit),
            of_orders,
            "limit {limit}"
        );
    }
    // Retrying a delivery of another ruleset's instance is refused.
    let (_, seq, _) = all.iter().find(|d| d.2 == "EU-1").unwrap();
    server
        .client(Some(OLGA))
        .post(&format!("/v1/deliveries/a/{seq}/retry"), &json!({}))
        .assert_error(403, "forbidden");
}
