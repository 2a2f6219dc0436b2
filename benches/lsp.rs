#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark whose setup fails must stop loudly"
)]
//! `ordo lsp` after an edit of the largest example (conveyors): the built server driven over
//! its standard input and output as an editor drives it.
//!
//! - `analysis`: a change, then a request that needs the new text's analysis (the outline):
//!   parse, check, compile, lint and index, plus the JSON-RPC round trip.
//! - `diagnostics_published`: a change until its diagnostics arrive, which includes the
//!   debounce the server waits for typing to pause.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ordo"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("ordo lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut server = Server {
            child,
            stdin,
            stdout,
            next_id: 1,
        };
        server.request("initialize", json!({"processId": null, "capabilities": {}}));
        server.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
        server
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn receive(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).expect("header");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse().expect("length");
            }
        }
        let mut body = vec![0; length];
        self.stdout.read_exact(&mut body).expect("body");
        serde_json::from_slice(&body).expect("JSON")
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.receive();
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.send(
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}}),
        );
    }

    fn diagnostics_of_version(&mut self, version: i64) {
        loop {
            let message = self.receive();
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["version"] == json!(version)
            {
                return;
            }
        }
    }
}

fn bench(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/conveyors/conveyors.ordo"
    );
    let text = std::fs::read_to_string(path).expect("example");
    let uri = format!("file://{path}");
    let mut server = Server::start();
    server.send(
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri, "languageId": "ordo", "version": 0, "text": text}}}),
    );
    let mut version = 0;
    // Each edit adds or removes a comment line at the end, so every text is new.
    let edited = |version: i64| {
        if version % 2 == 0 {
            text.clone()
        } else {
            format!("{text}// edited\n")
        }
    };
    let mut group = c.benchmark_group("lsp_conveyors");
    group.sample_size(30);
    group.bench_function("analysis", |b| {
        b.iter(|| {
            version += 1;
            server.change(&uri, version, &edited(version));
            server.request(
                "textDocument/documentSymbol",
                json!({"textDocument": {"uri": uri}}),
            )
        });
    });
    group.bench_function("diagnostics_published", |b| {
        b.iter(|| {
            version += 1;
            server.change(&uri, version, &edited(version));
            server.diagnostics_of_version(version);
        });
    });
    group.finish();
    server.request("shutdown", Value::Null);
    server.send(json!({"jsonrpc": "2.0", "method": "exit"}));
    server.child.wait().expect("exit");
}

criterion_group!(benches, bench);
criterion_main!(benches);
