#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The `ordo serve` binary as a process: killed with SIGKILL while clients publish and
//! evaluate, it loses no acknowledged publication or audit entry and its store stays intact;
//! stopped with SIGTERM, it finishes the requests in flight; it refuses to start open on a
//! network address or with a bad tokens file.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

/// Acknowledged work, as the clients saw it.
#[derive(Default)]
struct Acknowledged {
    /// version → hash
    publications: BTreeMap<String, String>,
    /// audit id → the `n` of the input
    evaluations: BTreeMap<i64, i64>,
}

/// Publishes and evaluates from several client threads until enough is acknowledged (or ten
/// seconds pass), then SIGKILLs the server under that load.
fn load_then_kill(server: &mut ServeProcess, round: u32, acknowledged: &Arc<Mutex<Acknowledged>>) {
    let stop = Arc::new(AtomicBool::new(false));
    let before = {
        let done = acknowledged.lock().unwrap();
        (done.evaluations.len(), done.publications.len())
    };
    let mut clients = Vec::new();
    for publisher in 0..2u32 {
        let client = server.client(Some(AUTHOR));
        let (acknowledged, stop) = (Arc::clone(acknowledged), Arc::clone(&stop));
        clients.push(std::thread::spawn(move || {
            let mut k = 0u32;
            while !stop.load(Ordering::SeqCst) {
                k += 1;
                let version = format!("{round}.{}.{k}", publisher + 1);
                let source = demo_source(&version, "2026-01-01", k);
                let body = json!({ "source": source }).to_string();
                match client.try_send("POST", "/v1/rulesets", Some(body)) {
                    Ok(answer) if answer.status == 201 => {
                        let hash = answer.json()["hash"].as_str().unwrap().to_string();
                        acknowledged
                            .lock()
                            .unwrap()
                            .publications
                            .insert(version, hash);
                    }
                    Ok(answer) => panic!("publish answered {}: {}", answer.status, answer.text),
                    Err(_) => break,
                }
            }
        }));
    }
    for evaluator in 0..4i64 {
        let client = server.client(Some(EVALUATOR));
        let (acknowledged, stop) = (Arc::clone(acknowledged), Arc::clone(&stop));
        clients.push(std::thread::spawn(move || {
            let mut n = (i64::from(round) * 10 + evaluator) * 1_000_000;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let body = json!({"input": {"n": n}, "version": "1.0.0"}).to_string();
                match client.try_send("POST", "/v1/rulesets/demo/evaluate", Some(body)) {
                    Ok(answer) if answer.status == 200 => {
                        let id = answer.audit_id.unwrap();
                        acknowledged.lock().unwrap().evaluations.insert(id, n);
                    }
                    Ok(answer) => panic!("evaluate answered {}: {}", answer.status, answer.text),
                    Err(_) => break,
                }
            }
        }));
    }
    let started = Instant::now();
    // A varying pause, so that the kills land at different points of the writer's cycle.
    let pause = Duration::from_millis(300 + 170 * u64::from(round));
    while started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
        let done = acknowledged.lock().unwrap();
        if started.elapsed() >= pause
            && done.evaluations.len() >= before.0 + 100
            && done.publications.len() >= before.1 + 5
        {
            break;
        }
    }
    server.kill();
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.join().unwrap();
    }
    let done = acknowledged.lock().unwrap();
    eprintln!(
        "round {round}: killed after {} acknowledged evaluations and {} publications",
        done.evaluations.len() - before.0,
        done.publications.len() - before.1
    );
    assert!(done.evaluations.len() >= before.0 + 50, "too little load");
    assert!(done.publications.len() >= before.1 + 3, "too little load");
}

/// The store as a kill left it: intact, with every acknowledged write.
fn check_store(db: &std::path::Path, acknowledged: &Acknowledged) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    for (version, hash) in &acknowledged.publications {
        let stored: String = conn
            .query_row(
                "SELECT hash FROM ruleset_versions WHERE name = 'demo' AND version = ?1",
                [version],
                |row| row.get(0),
            )
            .unwrap_or_else(|e| panic!("acknowledged publication {version} lost: {e}"));
        assert_eq!(&stored, hash);
    }
    let mut statement = conn
        .prepare("SELECT request FROM audit_log WHERE id = ?1")
        .unwrap();
    for (id, n) in &acknowledged.evaluations {
        let request: String = statement
            .query_row([id], |row| row.get(0))
            .unwrap_or_else(|e| panic!("acknowledged audit entry {id} lost: {e}"));
        let request: serde_json::Value = serde_json::from_str(&request).unwrap();
        assert_eq!(request["input"]["n"], *n);
    }
}

#[test]
fn sigkill_loses_no_acknowledged_write() {
    let dir = TempDir::new("crash");
    std::fs::write(dir.path("tokens.toml"), TOKENS).unwrap();
    let db = dir.path("ordo.db");
    let db_arg = db.to_str().unwrap().to_string();
    let tokens_arg = dir.path("tokens.toml").to_str().unwrap().to_string();
    let args = ["--db", db_arg.as_str(), "--tokens", tokens_arg.as_str()];
    let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));

    let mut server = ServeProcess::start(&args);
    let first = server
        .client(Some(AUTHOR))
        .publish(&demo_source("1.0.0", "2026-01-01", 2));
    assert_eq!(first.status, 201);
    acknowledged.lock().unwrap().publications.insert(
        "1.0.0".into(),
        first.json()["hash"].as_str().unwrap().into(),
    );

    // Three rounds: load, SIGKILL, check the file, restart on it.
    for round in 1..=3 {
        load_then_kill(&mut server, round, &acknowledged);
        check_store(&db, &acknowledged.lock().unwrap());
        server = ServeProcess::start(&args);
    }

    // The restarted server serves all of it.
    let acknowledged = acknowledged.lock().unwrap();
    let listed = server.client(Some(AUDITOR)).get("/v1/rulesets/demo").json();
    let versions: Vec<String> = listed["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap().to_string())
        .collect();
    for version in acknowledged.publications.keys() {
        assert!(
            versions.contains(version),
            "{version} missing after restart"
        );
    }
    let auditor = server.client(Some(AUDITOR));
    let mut logged = BTreeMap::new();
    let mut cursor = String::new();
    loop {
        let page = auditor
            .get(&format!("/v1/audit?ruleset=demo&limit=1000{cursor}"))
            .json();
        for entry in page["entries"].as_array().unwrap() {
            logged.insert(
                entry["id"].as_i64().unwrap(),
                entry["request"]["input"]["n"].as_i64().unwrap(),
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    for (id, n) in &acknowledged.evaluations {
        assert_eq!(
            logged.get(id),
            Some(n),
            "audit entry {id} missing after restart"
        );
    }
    let answer = server
        .client(Some(EVALUATOR))
        .evaluate("demo", &json!({"input": {"n": 1}, "version": "1.0.0"}));
    assert_eq!(answer.status, 200);
    assert!(answer.audit_id.unwrap() > *logged.keys().max().unwrap());
}

#[test]
fn sigterm_finishes_requests_in_flight() {
    let dir = TempDir::new("term");
    let db = dir.path("ordo.db");
    let db_arg = db.to_str().unwrap().to_string();
    let mut server = ServeProcess::start(&["--db", &db_arg]);
    assert_eq!(server.client(None).publish(&bikes_source()).status, 201);

    // A request whose body is only half sent when SIGTERM arrives.
    let body = json!({"input": bikes_quote()}).to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let address = server.base.trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "POST /v1/rulesets/bikes/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    // The server stops taking connections, but waits for the one in flight.
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(&address).is_ok() {
        assert!(
            Instant::now() < deadline,
            "new connections are still accepted after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server quit with a request in flight"
    );
    stream.write_all(tail.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    let expected = ordo_engine::Ruleset::compile(&bikes_source())
        .unwrap()
        .evaluate(&bikes_quote(), &ordo_engine::EvalOptions::default())
        .unwrap();
    assert!(
        raw.ends_with(&ordo_engine::to_json_string(&expected)),
        "{raw}"
    );
    assert!(raw.contains("x-ordo-audit-id: 1"), "{raw}");

    let code = server.terminate();
    assert_eq!(code, Some(0));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let entries: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE outcome = 'ok'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(entries, 1);
}

#[test]
fn refuses_to_start_open_on_a_network_address_or_with_bad_tokens() {
    let dir = TempDir::new("refuse");
    let db = dir.path("ordo.db");
    let output = Command::new(ordo_binary())
        .args(["serve", "--addr", "0.0.0.0:0", "--db", db.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("without --tokens"), "{stderr}");

    std::fs::write(
        dir.path("bad.toml"),
        "[[tokens]]\ntoken = \"short\"\ncaller = \"x\"\nroles = [\"admin\"]\n",
    )
    .unwrap();
    let output = Command::new(ordo_binary())
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--tokens",
            dir.path("bad.toml").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("shorter than 16"), "{stderr}");

    let output = Command::new(ordo_binary())
        .args(["serve", "--db", "/nonexistent/ordo/ordo.db"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot open the store /nonexistent/ordo/ordo.db"),
        "{stderr}"
    );

    // A good tokens file starts it.
    std::fs::write(dir.path("tokens.toml"), TOKENS).unwrap();
    let mut server = ServeProcess::start(&[
        "--db",
        db.to_str().unwrap(),
        "--tokens",
        dir.path("tokens.toml").to_str().unwrap(),
    ]);
    assert_eq!(server.client(None).get("/healthz").status, 200);
    assert_eq!(server.terminate(), Some(0));
}
