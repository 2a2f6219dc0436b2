//! Shared test helpers: a real server (in this process on a 127.0.0.1:0 listener, or the
//! `ordo` binary as a child process), a blocking HTTP client, tokens, and fixtures.

#![allow(dead_code)]

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ordo_http::{ServeConfig, ServeError, Server};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

pub const ADMIN: &str = "admin-token-0123456789abcdef";
pub const AUTHOR: &str = "author-token-0123456789abcdef";
pub const EVALUATOR: &str = "evaluator-token-0123456789abcdef";
pub const AUDITOR: &str = "auditor-token-0123456789abcdef";
/// A second evaluator, to filter the audit log by caller.
pub const SHOP: &str = "shop-token-0123456789abcdef";

/// A tokens file naming one caller per role.
pub const TOKENS: &str = r#"
[[tokens]]
token = "admin-token-0123456789abcdef"
caller = "root"
roles = ["admin"]

[[tokens]]
token = "author-token-0123456789abcdef"
caller = "ci"
roles = ["author"]

[[tokens]]
token = "evaluator-token-0123456789abcdef"
caller = "pricing"
roles = ["evaluator"]

[[tokens]]
token = "auditor-token-0123456789abcdef"
caller = "compliance"
roles = ["auditor"]

[[tokens]]
token = "shop-token-0123456789abcdef"
caller = "shop"
roles = ["evaluator"]
"#;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file of the repository as text.
pub fn read(relative: &str) -> String {
    std::fs::read_to_string(repo().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

pub fn bikes_source() -> String {
    read("examples/bikes/bikes.ordo")
}

pub fn bikes_quote() -> Json {
    serde_json::from_str(&read("examples/bikes/quote.json")).unwrap()
}

/// A small ruleset whose versions differ in `effective` date and in what they answer.
pub fn demo_source(version: &str, effective: &str, factor: u32) -> String {
    format!(
        "ruleset demo version \"{version}\"\neffective {effective}\n\ninput {{\n  n: Int\n}}\n\noutput result = n * {factor}\n"
    )
}

/// Three versions of [`demo_source`]: version, effective date, factor.
pub const DEMO_VERSIONS: [(&str, &str, u32); 3] = [
    ("1.0.0", "2026-01-01", 2),
    ("1.1.0", "2026-03-01", 3),
    ("2.0.0", "2026-06-01", 4),
];

/// Lower-case hex of the SHA-256 digest of `text` (an audit entry's `result_sha256`).
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `key` string of each element of the JSON array `array`.
#[track_caller]
pub fn field_strs<'a>(array: &'a Json, key: &str) -> Vec<&'a str> {
    array
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {array}"))
        .iter()
        .map(|element| {
            element[key]
                .as_str()
                .unwrap_or_else(|| panic!("no string `{key}` in {element}"))
        })
        .collect()
}

/// The entries of an audit log page.
#[track_caller]
pub fn entries(page: &Json) -> &[Json] {
    page["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("not an audit log page: {page}"))
}

/// The ids of the entries of an audit log page.
#[track_caller]
pub fn entry_ids(page: &Json) -> Vec<i64> {
    entries(page)
        .iter()
        .map(|entry| entry["id"].as_i64().unwrap())
        .collect()
}

/// Asserts that `entry` is the audit entry of `answer`: its id, its `outcome`, and the digest
/// of the answered body.
#[track_caller]
pub fn assert_audit_entry(entry: &Json, answer: &Answer, outcome: &str) {
    assert_eq!(entry["id"], answer.audit_id.unwrap(), "{entry}");
    assert_eq!(entry["outcome"], outcome, "{entry}");
    assert_eq!(entry["result_sha256"], sha256_hex(&answer.text), "{entry}");
}

/// Runs `future` to its end on a runtime of its own.
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir = std::env::temp_dir().join(format!(
            "ordo-http-{tag}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if self.0.as_os_str().is_empty() {
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The store of the servers of `dir`: `dir/ordo.db`, or, when `ORDO_TEST_STORE=postgres`, a
/// fresh PostgreSQL database of the server `ORDO_TEST_POSTGRES` names (the same one for every
/// server of `dir`, so a restart finds its data).
pub fn store_db(dir: &TempDir) -> PathBuf {
    if std::env::var("ORDO_TEST_STORE").as_deref() != Ok("postgres") {
        return dir.path("ordo.db");
    }
    let remembered = dir.path("postgres-url");
    if let Ok(url) = std::fs::read_to_string(&remembered) {
        return PathBuf::from(url);
    }
    let url = fresh_postgres()
        .expect("ORDO_TEST_STORE=postgres needs ORDO_TEST_POSTGRES (a connection URL)");
    std::fs::write(&remembered, &url).unwrap();
    PathBuf::from(url)
}

/// A new, empty database on the PostgreSQL server `ORDO_TEST_POSTGRES` names (a URL such as
/// `postgres://postgres@127.0.0.1:5432/postgres`), as a URL; `None` when the variable is unset.
pub fn fresh_postgres() -> Option<String> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let url = std::env::var("ORDO_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())?;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!(
        "ordo_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to ORDO_TEST_POSTGRES: {e}"));
        let driver = tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        drop(client);
        let _ = driver.await;
    });
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url.as_str(), String::new()),
    };
    let (server, _) = base
        .rsplit_once('/')
        .filter(|(server, _)| server.contains("://") && !server.ends_with('/'))
        .expect("ORDO_TEST_POSTGRES must name a database: postgres://USER@HOST:PORT/DB");
    Some(format!("{server}/{name}{query}"))
}

/// Runs `query` on the database `url` and returns its rows (for tests that look into a
/// PostgreSQL store).
pub fn postgres_rows(url: &str, query: &str) -> Vec<tokio_postgres::Row> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        let driver = tokio::spawn(connection);
        let rows = client.query(query, &[]).await.unwrap();
        drop(client);
        let _ = driver.await;
        rows
    })
}

/// The library's server in this process, on its own runtime thread.
pub struct TestServer {
    pub base: String,
    pub state: ordo_http::AppState,
    pub dir: TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), ServeError>>>,
}

impl TestServer {
    /// A server with the test tokens.
    pub fn start() -> TestServer {
        TestServer::start_with(|_| {})
    }

    /// A server with the test tokens, configured further by `adjust`.
    pub fn start_with(adjust: impl FnOnce(&mut ServeConfig)) -> TestServer {
        let dir = TempDir::new("server");
        let mut config = TestServer::config(&dir);
        adjust(&mut config);
        TestServer::run(config, dir)
    }

    /// The configuration of a test server on 127.0.0.1:0 whose store and tokens file (the test
    /// tokens, written now) are in `dir`.
    pub fn config(dir: &TempDir) -> ServeConfig {
        std::fs::write(dir.path("tokens.toml"), TOKENS).unwrap();
        ServeConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: store_db(dir),
            tokens: Some(dir.path("tokens.toml")),
            ..ServeConfig::default()
        }
    }

    /// Starts a server with exactly `config` (its files live in `dir`).
    pub fn run(config: ServeConfig, dir: TempDir) -> TestServer {
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let (bound, address) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let server = match Server::bind(&config).await {
                    Ok(server) => server,
                    Err(error) => {
                        let _ = bound.send(Err(error.to_string()));
                        return Err(error);
                    }
                };
                let _ = bound.send(Ok((server.local_addr(), server.state())));
                server
                    .run(async move {
                        let _ = stop.await;
                    })
                    .await
            })
        });
        let (addr, state) = address
            .recv_timeout(Duration::from_secs(30))
            .unwrap()
            .unwrap_or_else(|e| panic!("the server did not start: {e}"));
        TestServer {
            base: format!("http://{addr}"),
            state,
            dir,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// Shuts down gracefully and returns how the server ended.
    pub fn stop(mut self) -> Result<(), ServeError> {
        self.stop_inner().unwrap_or(Ok(()))
    }

    /// Shuts down gracefully and hands over the directory of its store, to start another
    /// server on it.
    pub fn stop_keeping_files(mut self) -> TempDir {
        let ended = self.stop_inner();
        assert!(
            matches!(ended, Some(Ok(()))),
            "the server did not stop cleanly"
        );
        std::mem::replace(&mut self.dir, TempDir(PathBuf::new()))
    }

    fn stop_inner(&mut self) -> Option<Result<(), ServeError>> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.thread.take().map(|t| t.join().unwrap())
    }

    pub fn client(&self, token: Option<&str>) -> Client {
        Client::new(&self.base, token)
    }

    /// The audit log page `/v1/audit{query}`, as the auditor reads it.
    #[track_caller]
    pub fn audit_log(&self, query: &str) -> Json {
        let page = self.client(Some(AUDITOR)).get(&format!("/v1/audit{query}"));
        assert_eq!(page.status, 200, "{query}: {}", page.text);
        page.json()
    }

    /// A raw TCP connection to the server, to send what the client cannot.
    pub fn connect(&self) -> TcpStream {
        TcpStream::connect(self.base.trim_start_matches("http://")).unwrap()
    }

    /// Sends `request` as it is on a new connection and reads the answer until the server
    /// closes the connection (send `Connection: close`) or ten seconds pass.
    pub fn raw(&self, request: &str) -> String {
        use std::io::{Read, Write};
        let mut stream = self.connect();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        String::from_utf8_lossy(&raw).into_owned()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.stop_inner();
    }
}

/// An answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub audit_id: Option<i64>,
    pub allow: Option<String>,
    pub www_authenticate: Option<String>,
    pub retry_after: Option<String>,
    /// The `Deprecation` header (an answer of a deprecated version).
    pub deprecation: Option<String>,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The `kind` of an error answer.
    pub fn kind(&self) -> String {
        self.json()["error"]["kind"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error answer: {}", self.text))
            .to_string()
    }

    /// Asserts that this is an error answer of `status` and `kind`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, kind: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.kind(), kind, "{}", self.text);
    }
}

/// A blocking HTTP client (ureq) acting as one caller.
#[derive(Clone)]
pub struct Client {
    base: String,
    token: Option<String>,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(base: &str, token: Option<&str>) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Client {
            base: base.to_string(),
            token: token.map(str::to_string),
            agent,
        }
    }

    /// Sends a request; transport failures are returned.
    pub fn try_send(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<Answer, ureq::Error> {
        let mut builder = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let request = builder
            .header("content-type", "application/json")
            .body(body.unwrap_or_default())
            .unwrap();
        let mut response = self.agent.run(request)?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type").unwrap_or_default();
        let audit_id = header("x-ordo-audit-id").map(|v| v.parse().unwrap());
        let allow = header("allow");
        let www_authenticate = header("www-authenticate");
        let retry_after = header("retry-after");
        let deprecation = header("deprecation");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string()?;
        Ok(Answer {
            status,
            content_type,
            audit_id,
            allow,
            www_authenticate,
            retry_after,
            deprecation,
            text,
        })
    }

    pub fn get(&self, path: &str) -> Answer {
        self.try_send("GET", path, None).unwrap()
    }

    pub fn post(&self, path: &str, body: &Json) -> Answer {
        self.try_send("POST", path, Some(body.to_string())).unwrap()
    }

    pub fn post_text(&self, path: &str, body: &str) -> Answer {
        self.try_send("POST", path, Some(body.to_string())).unwrap()
    }

    pub fn send(&self, method: &str, path: &str) -> Answer {
        self.try_send(method, path, None).unwrap()
    }

    pub fn publish(&self, source: &str) -> Answer {
        self.post("/v1/rulesets", &serde_json::json!({ "source": source }))
    }

    /// Publishes a version that must be new (201).
    #[track_caller]
    pub fn publish_new(&self, source: &str) -> Answer {
        let answer = self.publish(source);
        assert_eq!(answer.status, 201, "{}", answer.text);
        answer
    }

    pub fn evaluate(&self, ruleset: &str, request: &Json) -> Answer {
        self.post(&format!("/v1/rulesets/{ruleset}/evaluate"), request)
    }
}

/// The `ordo` binary: `ORDO_BIN`, or the one built beside this test.
pub fn ordo_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("ORDO_BIN") {
        return PathBuf::from(path);
    }
    // target/<profile>/deps/<this test> → target/<profile>/ordo
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("ordo"))
        .unwrap();
    assert!(
        path.exists(),
        "the `ordo` binary is not built at {}: run `cargo build --bin ordo` first (scripts/test-http does), or set ORDO_BIN",
        path.display()
    );
    path
}

/// `ordo serve` as a child process.
pub struct ServeProcess {
    pub child: Child,
    pub base: String,
}

impl ServeProcess {
    /// Starts `ordo serve --addr 127.0.0.1:0 ARGS...` and waits for its listening line.
    pub fn start(args: &[&str]) -> ServeProcess {
        let mut child = Command::new(ordo_binary())
            .arg("serve")
            .args(["--addr", "127.0.0.1:0", "--log", "warn"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("ordo serve: listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from ordo serve: {line:?}"))
            .to_string();
        ServeProcess { child, base }
    }

    pub fn client(&self, token: Option<&str>) -> Client {
        Client::new(&self.base, token)
    }

    /// SIGKILL.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then the exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "ordo serve did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The test tokens: one per person, each an operator acting as that person, beside an
/// administrator, a publisher, an evaluator (who may not run instances), a dispatcher, an
/// auditor, and tokens limited to rulesets: a publisher and an evaluator (acting as `ana`)
/// of `demo` (and `orders`), and `olga`, who reads everything of `orders` only.
pub const OPS_TOKENS: &str = r#"
[[tokens]]
token = "admin-token-0123456789abcdef"
caller = "root"
roles = ["admin"]

[[tokens]]
token = "author-token-0123456789abcdef"
caller = "ci"
roles = ["author"]

[[tokens]]
token = "evaluator-token-0123456789abcdef"
caller = "pricing"
roles = ["evaluator"]

[[tokens]]
token = "auditor-token-0123456789abcdef"
caller = "compliance"
roles = ["auditor"]

[[tokens]]
token = "dispatcher-token-0123456789abcdef"
caller = "mailer"
roles = ["dispatcher"]

[[tokens]]
token = "ana-token-0123456789abcdef"
caller = "ana-laptop"
roles = ["operator"]
person = { id = "ana", roles = ["sales"] }

[[tokens]]
token = "ben-token-0123456789abcdef"
caller = "ben-laptop"
roles = ["operator"]
person = { id = "ben", roles = ["sales_manager"] }

[[tokens]]
token = "fay-token-0123456789abcdef"
caller = "fay-laptop"
roles = ["operator"]
person = { id = "fay", roles = ["finance"] }

[[tokens]]
token = "finn-token-0123456789abcdef"
caller = "finn-laptop"
roles = ["operator"]
person = { id = "finn", roles = ["finance"] }

[[tokens]]
token = "wes-token-0123456789abcdef"
caller = "wes-laptop"
roles = ["operator"]
person = { id = "wes", roles = ["workshop", "logistics"] }

[[tokens]]
token = "fritz-token-0123456789abcdef"
caller = "fritz-laptop"
roles = ["operator"]
person = { id = "fritz", roles = ["finance"] }

[[tokens]]
token = "ivy-token-0123456789abcdef"
caller = "ivy-laptop"
roles = ["operator"]
person = { id = "ivy", roles = ["agent"] }

[[tokens]]
token = "cleo-token-0123456789abcdef"
caller = "cleo-laptop"
roles = ["operator"]
person = { id = "cleo", roles = ["clerk"] }

[[tokens]]
token = "rita-token-0123456789abcdef"
caller = "rita-laptop"
roles = ["operator"]
person = { id = "rita", roles = ["reviewer"] }

[[tokens]]
token = "ci-demo-token-0123456789abcdef"
caller = "ci-demo"
roles = ["author"]
rulesets = ["demo"]

[[tokens]]
token = "shop-demo-token-0123456789abcdef"
caller = "shop"
roles = ["evaluator"]
rulesets = ["demo", "orders"]
person = { id = "ana", roles = ["sales"] }

[[tokens]]
token = "olga-token-0123456789abcdef"
caller = "olga-laptop"
roles = ["operator", "auditor", "dispatcher"]
rulesets = ["orders"]
person = { id = "olga", roles = ["sales_manager"] }
"#;

pub const DISPATCHER: &str = "dispatcher-token-0123456789abcdef";
pub const ANA: &str = "ana-token-0123456789abcdef";
pub const BEN: &str = "ben-token-0123456789abcdef";
pub const FAY: &str = "fay-token-0123456789abcdef";
pub const FINN: &str = "finn-token-0123456789abcdef";
pub const WES: &str = "wes-token-0123456789abcdef";
pub const FRITZ: &str = "fritz-token-0123456789abcdef";
pub const IVY: &str = "ivy-token-0123456789abcdef";
pub const CLEO: &str = "cleo-token-0123456789abcdef";
pub const RITA: &str = "rita-token-0123456789abcdef";
/// An author limited to `demo`.
pub const CI_DEMO: &str = "ci-demo-token-0123456789abcdef";
/// An evaluator limited to `demo` and `orders`, acting as `ana`.
pub const SHOP_DEMO: &str = "shop-demo-token-0123456789abcdef";
/// An operator, auditor and dispatcher limited to `orders`, acting as `olga`
/// (`sales_manager`).
pub const OLGA: &str = "olga-token-0123456789abcdef";

/// An RFC 3339 time.
pub fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// The configuration of a test server with [`OPS_TOKENS`], a fast scheduler and `clock`, on
/// the files of `dir`.
pub fn ops_config(dir: &TempDir, clock: &ordo_http::clock::ManualClock) -> ServeConfig {
    let mut config = TestServer::config(dir);
    std::fs::write(config.tokens.as_ref().unwrap(), OPS_TOKENS).unwrap();
    config.scheduler_interval = Duration::from_millis(20);
    config.clock = std::sync::Arc::new(clock.clone());
    config
}

/// A server with [`OPS_TOKENS`] and the system clock, its files in a new directory.
pub fn ops_server(tag: &str) -> TestServer {
    let dir = TempDir::new(tag);
    let config = TestServer::config(&dir);
    std::fs::write(config.tokens.as_ref().unwrap(), OPS_TOKENS).unwrap();
    TestServer::run(config, dir)
}

/// Starts an instance `id` of `ruleset`'s `order` workflow with `input` and submits it, as
/// `client`: its approval steps begin to wait.
pub fn start_submitted_order(client: &Client, ruleset: &str, id: &str, input: &Json) {
    ok(
        &client.post(
            "/v1/instances",
            &serde_json::json!({"ruleset": ruleset, "workflow": "order", "input": input, "id": id}),
        ),
        201,
    );
    ok(
        &client.post(
            &format!("/v1/instances/{id}/apply"),
            &serde_json::json!({"transition": "submit", "seq": 1}),
        ),
        200,
    );
}

/// The body of an answer of `status`.
#[track_caller]
pub fn ok(answer: &Answer, status: u16) -> Json {
    assert_eq!(answer.status, status, "{}", answer.text);
    answer.json()
}

/// The `CHAIN.STEP` of each step in the inbox of `token`'s person.
pub fn inbox_steps(server: &TestServer, token: &str) -> Vec<String> {
    let inbox = ok(&server.client(Some(token)).get("/v1/approvals/inbox"), 200);
    inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            format!(
                "{}.{}",
                item["chain"].as_str().unwrap(),
                item["step"].as_str().unwrap()
            )
        })
        .collect()
}
