#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss,
    reason = "a measurement whose setup fails must stop loudly; it shares the tests' helpers"
)]
//! Scheduler lag with many pending timers: how long after their due time the scheduler of
//! `ordo serve` fires timers, when many more are armed but not yet due.
//!
//! A server with a [`ManualClock`] standing at 08:00 on 2 April 2026 opens PENDING/2
//! low-priority tickets of `examples/tickets` (each arms two timers: its first-response SLA two
//! days away and its resolution deadline) and DUE urgent ones (an SLA due at 09:00, and a
//! deadline). Then the clock moves to 10:00: the DUE urgent SLA timers are due at once, the
//! PENDING others are not. The harness polls the store every 5 ms for the due timers still
//! armed and prints how long after the clock moved the first, half, 90 %, 99 % and all of them
//! had fired, and the firing rate.
//!
//! ```text
//! cargo bench -p ordo-http --bench scheduler_lag -- [PENDING=100000] [DUE=1000] [INTERVAL_MS=1000]
//! ```
//!
//! SQLite by default; with `ORDO_TEST_STORE=postgres` and `ORDO_TEST_POSTGRES=postgres://...`
//! on a fresh database of that server. Not a criterion benchmark: one long run, printed.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{ADMIN, IVY, OPS_TOKENS, TempDir, TestServer, at, ok, postgres_rows, read};
use ordo_http::clock::ManualClock;
use serde_json::json;

/// When the urgent tickets' SLA timers (09:00) are due and nothing else is.
const DUE_AT: &str = "2026-04-02T10:00:00Z";

fn main() {
    let numbers: Vec<u64> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .map(|arg| {
            arg.parse()
                .expect("the arguments are numbers: PENDING DUE INTERVAL_MS")
        })
        .collect();
    let pending = numbers.first().copied().unwrap_or(100_000);
    let due = numbers.get(1).copied().unwrap_or(1_000).max(1);
    let interval = Duration::from_millis(numbers.get(2).copied().unwrap_or(1_000));

    let clock = ManualClock::new(at("2026-04-02T08:00:00Z"));
    let dir = TempDir::new("scheduler-lag");
    let mut config = TestServer::config(&dir);
    std::fs::write(config.tokens.as_ref().unwrap(), OPS_TOKENS).unwrap();
    config.scheduler_interval = interval;
    config.clock = std::sync::Arc::new(clock.clone());
    let store = config.db.clone();
    let server = TestServer::run(config, dir);
    ok(
        &server
            .client(Some(ADMIN))
            .publish(&read("examples/tickets/tickets.ordo")),
        201,
    );

    let began = Instant::now();
    open_tickets(&server, "low-", pending / 2, "low");
    open_tickets(&server, "urgent-", due, "urgent");
    let seeded = began.elapsed();
    let armed = count(&store, "SELECT count(*) FROM timers");
    println!(
        "seeded {} tickets in {:.1} s: {armed} timers armed",
        pending / 2 + due,
        seeded.as_secs_f64()
    );

    let due_micros = at(DUE_AT).timestamp_micros();
    let still_due = format!("SELECT count(*) FROM timers WHERE due_at <= {due_micros}");
    assert_eq!(count(&store, &still_due), i64::try_from(due).unwrap());
    clock.set(at(DUE_AT));
    let moved = Instant::now();
    // fired_at[k]: when the (k+1)-th of the due timers was seen fired.
    let mut fired_at: Vec<Duration> = Vec::new();
    let limit = Duration::from_secs(600);
    loop {
        let left = u64::try_from(count(&store, &still_due)).unwrap();
        let elapsed = moved.elapsed();
        while (fired_at.len() as u64) < due - left {
            fired_at.push(elapsed);
        }
        if left == 0 || elapsed > limit {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let all = fired_at.len() as u64 == due;
    let quantile = |q: f64| {
        let rank = ((due as f64 * q).ceil() as usize).max(1);
        fired_at
            .get(rank - 1)
            .map_or(f64::NAN, |lag| lag.as_secs_f64() * 1000.0)
    };
    let kind = if store.to_string_lossy().starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "store {kind}, scheduler interval {} ms, {armed} timers armed, {due} due at once",
        interval.as_millis()
    );
    println!(
        "lag (ms): first {:.0}, p50 {:.0}, p90 {:.0}, p99 {:.0}, all {:.0}{}",
        quantile(0.0),
        quantile(0.5),
        quantile(0.9),
        quantile(0.99),
        quantile(1.0),
        if all {
            ""
        } else {
            " (not all fired within the limit)"
        }
    );
    let spread = quantile(1.0) - quantile(0.0);
    if spread > 0.0 {
        println!(
            "firing rate: {:.0} timers/s",
            (due - 1) as f64 / (spread / 1000.0)
        );
    }
    let events = count(
        &store,
        "SELECT count(*) FROM instance_history WHERE kind = 'timer'",
    );
    println!("timer events in the history: {events}");
    server.stop().unwrap();
    assert!(
        all && events == i64::try_from(due).unwrap(),
        "every due timer fires, once"
    );
}

/// Opens tickets `{prefix}0..{count}` of `priority` at 08:00, eight at a time.
fn open_tickets(server: &TestServer, prefix: &str, count: u64, priority: &str) {
    std::thread::scope(|scope| {
        for lane in 0..8 {
            scope.spawn(move || {
                let client = server.client(Some(IVY));
                for n in (lane..count).step_by(8) {
                    let ticket = json!({
                        "ruleset": "tickets",
                        "workflow": "ticket",
                        "id": format!("{prefix}{n}"),
                        "input": {"priority": priority, "team": "desk", "opened_at": "2026-04-02T08:00:00Z"},
                    });
                    ok(&client.post("/v1/instances", &ticket), 201);
                }
            });
        }
    });
}

/// One integer that `query` selects from the store (a SQLite file or a PostgreSQL URL).
fn count(store: &Path, query: &str) -> i64 {
    let text = store.to_string_lossy();
    if text.starts_with("postgres") {
        return postgres_rows(&text, query)[0].get(0);
    }
    let connection =
        rusqlite::Connection::open_with_flags(store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    connection.query_row(query, [], |row| row.get(0)).unwrap()
}
