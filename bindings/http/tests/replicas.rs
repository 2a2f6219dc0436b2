#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Replicas of `ordo serve` on one PostgreSQL database, called directly (no proxy): a
//! publication on one answers on the other, timers due at once fire exactly once across
//! them, and a replica killed mid-load loses no acknowledged write while its claimed timers
//! are fired by another.
//!
//! They need a PostgreSQL server: `ORDO_TEST_POSTGRES=postgres://USER@HOST:PORT/DB` (each test
//! makes a database of its own there; `scripts/test-postgres` starts a throwaway server).
//! Without it they are skipped with a note.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use ordo_http::clock::ManualClock;
use serde_json::json;

/// A fresh database, or `None` (with a note) when no PostgreSQL server is configured.
fn database(test: &str) -> Option<String> {
    let url = fresh_postgres();
    if url.is_none() {
        eprintln!("note: {test} skipped: set ORDO_TEST_POSTGRES to a PostgreSQL URL to run it");
    }
    url
}

/// A replica on `url` with the operations tokens, a fast scheduler and `clock`.
fn replica(url: &str, clock: &ManualClock) -> TestServer {
    let dir = TempDir::new("replica");
    let mut config = ops_config(&dir, clock);
    config.db = PathBuf::from(url);
    TestServer::run(config, dir)
}

/// One integer a query selects.
fn count(url: &str, query: &str) -> i64 {
    postgres_rows(url, query)
        .first()
        .map(|row| row.get::<_, i64>(0))
        .unwrap()
}

/// Waits until `done` holds, for at most `limit`.
#[track_caller]
fn await_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "not within {limit:?}: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether `server` answers `name` `version`.
fn answers(server: &TestServer, name: &str, version: &str) -> bool {
    server
        .client(Some(AUTHOR))
        .get(&format!("/v1/rulesets/{name}/versions/{version}"))
        .status
        == 200
}

fn ticket(id: &str) -> serde_json::Value {
    json!({
        "ruleset": "tickets",
        "workflow": "ticket",
        "id": id,
        "input": {"priority": "urgent", "team": "desk", "opened_at": "2026-04-02T08:00:00Z"},
    })
}

/// Starts tickets `{prefix}0..{count}` through `servers` in turn, four at a time.
fn start_tickets(servers: &[&TestServer], prefix: &str, count: usize) {
    std::thread::scope(|scope| {
        for lane in 0..4 {
            scope.spawn(move || {
                for n in (lane..count).step_by(4) {
                    let server = servers[n % servers.len()];
                    let id = format!("{prefix}{n}");
                    ok(
                        &server.client(Some(IVY)).post("/v1/instances", &ticket(&id)),
                        201,
                    );
                }
            });
        }
    });
}

#[test]
fn a_version_published_on_one_replica_answers_on_the_other_within_a_second() {
    let Some(url) = database("replicas: publication") else {
        return;
    };
    let clock = ManualClock::new(at("2026-04-02T08:00:00Z"));
    let a = replica(&url, &clock);
    let b = replica(&url, &clock);
    assert!(!answers(&b, "tickets", "1.0.0"));
    ok(
        &a.client(Some(AUTHOR))
            .publish(&read("examples/tickets/tickets.ordo")),
        201,
    );
    await_until(
        Duration::from_secs(1),
        "the version published on A answers on B",
        || answers(&b, "tickets", "1.0.0"),
    );
    // An instance started on B, pinned to A's publication, is read on A.
    ok(
        &b.client(Some(IVY)).post("/v1/instances", &ticket("T-1")),
        201,
    );
    let stored = ok(&a.client(Some(IVY)).get("/v1/instances/T-1"), 200);
    assert_eq!(stored["version"], "1.0.0");
    // Publishing the same version on B again finds it stored.
    assert_eq!(
        b.client(Some(AUTHOR))
            .publish(&read("examples/tickets/tickets.ordo"))
            .status,
        200
    );
}

#[test]
fn a_thousand_timers_due_at_once_fire_exactly_once_across_two_replicas() {
    let Some(url) = database("replicas: timers") else {
        return;
    };
    let clock = ManualClock::new(at("2026-04-02T08:00:00Z"));
    let a = replica(&url, &clock);
    let b = replica(&url, &clock);
    ok(
        &a.client(Some(AUTHOR))
            .publish(&read("examples/tickets/tickets.ordo")),
        201,
    );
    await_until(Duration::from_secs(5), "B follows the publication", || {
        answers(&b, "tickets", "1.0.0")
    });
    start_tickets(&[&a, &b], "T-", 1000);
    assert_eq!(
        count(
            &url,
            "SELECT count(*) FROM timers WHERE trigger = 'sla:new'"
        ),
        1000
    );

    // Every urgent ticket's first-response SLA (09:00) is due; its deadline (days later) not.
    clock.set(at("2026-04-02T10:00:00Z"));
    await_until(Duration::from_secs(120), "every SLA timer fired", || {
        count(
            &url,
            "SELECT count(*) FROM timers WHERE trigger = 'sla:new'",
        ) == 0
    });
    let fired = postgres_rows(
        &url,
        "SELECT count(*), count(DISTINCT instance) FROM instance_history
         WHERE kind = 'timer' AND name = 'sla:new'",
    );
    let (events, instances): (i64, i64) = (fired[0].get(0), fired[0].get(1));
    assert_eq!((events, instances), (1000, 1000));
    assert_eq!(
        count(
            &url,
            "SELECT count(*) FROM audit_log WHERE operation = 'instance.timer'"
        ),
        1000
    );
    // Each breach put its two actions in the outbox once.
    assert_eq!(
        count(
            &url,
            "SELECT count(*) FROM outbox WHERE trigger = 'first_response_late'"
        ),
        2000
    );
    // The audit ids of both replicas' entries form one ascending sequence.
    let page = a.audit_log("?limit=1000");
    let ids = entry_ids(&page);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[test]
fn a_replica_killed_mid_load_loses_no_acknowledged_write_and_its_timers_fire_elsewhere() {
    let Some(url) = database("replicas: SIGKILL") else {
        return;
    };
    // Tickets opened on 2 April 2026 through a replica whose scheduler does not run: their
    // timers are long due by the system clock the killed replica runs on.
    let clock = ManualClock::new(at("2026-04-02T08:00:00Z"));
    let opening = {
        let dir = TempDir::new("replica-opening");
        let mut config = ops_config(&dir, &clock);
        config.db = PathBuf::from(&url);
        config.scheduler_interval = Duration::from_secs(3600);
        TestServer::run(config, dir)
    };
    ok(
        &opening
            .client(Some(AUTHOR))
            .publish(&read("examples/tickets/tickets.ordo")),
        201,
    );
    start_tickets(&[&opening], "K-", 600);
    opening.stop().unwrap();
    let due = count(&url, "SELECT count(*) FROM timers");
    assert_eq!(due, 1200);

    // Replica A (a process on the system clock) fires them while taking new tickets.
    let mut a = ServeProcess::start(&["--db", &url, "--scheduler-interval-ms", "50"]);
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged_count = Arc::new(AtomicUsize::new(0));
    let base = a.base.clone();
    let load = {
        let (stop, counted) = (Arc::clone(&stop), Arc::clone(&acknowledged_count));
        std::thread::spawn(move || {
            let client = Client::new(&base, None);
            let mut acknowledged = Vec::new();
            for n in 0.. {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let id = format!("L-{n}");
                let mut body = ticket(&id);
                body["actor"] = json!({"id": "ivy", "roles": ["agent"]});
                match client.try_send("POST", "/v1/instances", Some(body.to_string())) {
                    Ok(answer) if answer.status == 201 => {
                        acknowledged.push(id);
                        counted.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(answer) => panic!("{}: {}", answer.status, answer.text),
                    Err(_) => break,
                }
            }
            acknowledged
        })
    };
    await_until(
        Duration::from_secs(60),
        "A takes writes and claims timers",
        || {
            acknowledged_count.load(Ordering::SeqCst) >= 20
                && count(
                    &url,
                    "SELECT count(*) FROM timers WHERE claimed_by IS NOT NULL",
                ) > 0
        },
    );
    a.kill();
    stop.store(true, Ordering::SeqCst);
    let acknowledged = load.join().unwrap();
    let left_claimed = count(
        &url,
        "SELECT count(*) FROM timers WHERE claimed_by IS NOT NULL AND instance LIKE 'K-%'",
    );
    assert!(left_claimed > 0, "A died holding no claim");

    // Replica B takes over the claims once their lease is over.
    let b = {
        let dir = TempDir::new("replica-b");
        let mut config = TestServer::config(&dir);
        config.db = PathBuf::from(&url);
        config.scheduler_interval = Duration::from_millis(50);
        TestServer::run(config, dir)
    };
    await_until(Duration::from_secs(120), "every K- timer fired", || {
        count(
            &url,
            "SELECT count(*) FROM timers WHERE instance LIKE 'K-%'",
        ) == 0
    });
    for row in postgres_rows(
        &url,
        "SELECT name, count(*), count(DISTINCT instance) FROM instance_history
         WHERE kind = 'timer' AND instance LIKE 'K-%' GROUP BY name ORDER BY name",
    ) {
        let (name, events, instances): (String, i64, i64) = (row.get(0), row.get(1), row.get(2));
        assert_eq!((events, instances), (600, 600), "{name}");
    }
    // Every acknowledged ticket is stored.
    let stored: std::collections::HashSet<String> =
        postgres_rows(&url, "SELECT id FROM instances WHERE id LIKE 'L-%'")
            .iter()
            .map(|row| row.get(0))
            .collect();
    assert!(!acknowledged.is_empty());
    for id in &acknowledged {
        assert!(stored.contains(id), "{id} was acknowledged but is lost");
    }
    drop(b);
}
