//! `ordo serve`: the HTTP server — publish ruleset versions, evaluate them, read the audit log.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// The address to listen on. Without --tokens only a loopback address is accepted.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The store of published versions, the audit log and workflow instances: a SQLite file
    /// (created when missing), or a PostgreSQL URL (postgres://user:password@host:5432/db)
    /// that several servers share.
    #[arg(long, default_value = "ordo.db")]
    db: PathBuf,
    /// A TOML file of bearer tokens, each with a caller name and roles
    /// (admin, author, evaluator, auditor, operator, dispatcher). Without it every local caller may do everything.
    #[arg(long)]
    tokens: Option<PathBuf>,
    /// Do not write audit entries (for measurements and local experiments only).
    #[arg(long)]
    no_audit: bool,
    /// Request bodies longer than this are kept in the audit log as their SHA-256 digest and
    /// size, not as they are.
    #[arg(long, value_name = "BYTES", default_value_t = ordo_http::DEFAULT_AUDIT_BODY_CAP)]
    audit_body_cap: usize,
    /// The largest request body accepted, in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    max_body_bytes: usize,
    /// Cancel a request that runs longer than this many seconds.
    #[arg(long, default_value_t = 30)]
    timeout_secs: u64,
    /// CPU jobs (compiles, evaluations) run at once [default: the number of cores].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    cpu_jobs: Option<u32>,
    /// CPU jobs that may wait for a turn; past it requests are answered 503 overloaded.
    #[arg(long, default_value_t = ordo_http::DEFAULT_CPU_QUEUE)]
    cpu_queue: usize,
    /// The largest source (with its data files) a publication may have, in bytes.
    #[arg(long, default_value_t = ordo_http::DEFAULT_MAX_SOURCE_BYTES)]
    max_source_bytes: usize,
    /// The most rows one decision table of a publication may have.
    #[arg(long, default_value_t = ordo_http::DEFAULT_MAX_TABLE_ROWS)]
    max_table_rows: usize,
    /// Connections served at once; further callers wait until one closes.
    #[arg(long, default_value_t = ordo_http::DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Close a connection that sends no complete request headers within this many seconds
    /// (counted from its opening or from its previous answer).
    #[arg(long, value_name = "SECONDS", default_value_t = ordo_http::DEFAULT_HEADER_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout: u64,
    /// How often the scheduler looks for due workflow timers, in milliseconds.
    #[arg(long, value_name = "MILLISECONDS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(10..))]
    scheduler_interval_ms: u64,
    /// Requests a second each caller may send, sustained (a caller is its token's `caller`, or
    /// its IP address without a known token); past it the answer is 429 with Retry-After.
    /// 0: no limit.
    #[arg(long, value_name = "PER_SECOND", default_value_t = 0)]
    rate_limit: u32,
    /// Requests a caller may send at once before --rate-limit applies [default: the rate].
    #[arg(long, value_name = "REQUESTS", value_parser = clap::value_parser!(u32).range(1..))]
    rate_burst: Option<u32>,
    /// Serve HTTPS (TLS through rustls) with this PEM certificate chain; needs --tls-key.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// A TOML file of webhooks that outbox actions are posted to (per action kind or trigger),
    /// with their retry policy; see docs/operations.md. Without it clients poll /v1/outbox.
    #[arg(long, value_name = "FILE")]
    webhooks: Option<PathBuf>,
    /// Log level on standard error: error, warn, info, debug, trace or off.
    #[arg(long, default_value = "info")]
    log: String,
}

/// Serves until SIGTERM or Ctrl-C; exit 1 when the server cannot start or fails.
pub fn run(args: &Args) -> u8 {
    if let Err(message) = ordo_http::init_logging(&args.log) {
        eprintln!("error: {message}");
        return 1;
    }
    let config = ordo_http::ServeConfig {
        addr: args.addr,
        db: args.db.clone(),
        tokens: args.tokens.clone(),
        audit: !args.no_audit,
        audit_body_cap: args.audit_body_cap,
        max_body_bytes: args.max_body_bytes,
        request_timeout: Duration::from_secs(args.timeout_secs),
        cpu_jobs: args
            .cpu_jobs
            .map_or_else(ordo_http::cpu::default_jobs, |jobs| jobs as usize),
        cpu_queue: args.cpu_queue,
        max_source_bytes: args.max_source_bytes,
        max_table_rows: args.max_table_rows,
        max_connections: args.max_connections,
        header_timeout: Duration::from_secs(args.header_timeout),
        scheduler_interval: Duration::from_millis(args.scheduler_interval_ms),
        tls: args
            .tls_cert
            .clone()
            .zip(args.tls_key.clone())
            .map(|(cert, key)| ordo_http::TlsFiles { cert, key }),
        rate_limit: std::num::NonZeroU32::new(args.rate_limit).map(|rate| {
            let burst = args
                .rate_burst
                .and_then(std::num::NonZeroU32::new)
                .unwrap_or(rate);
            ordo_http::rate::RateLimit::per_second(rate, burst)
        }),
        webhooks: args.webhooks.clone(),
        ..ordo_http::ServeConfig::default()
    };
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let served = ordo_http::serve(config, |addr| {
        // Scripts and tests read the real port from this line.
        // Scripts that read only this line may close the pipe: the server keeps serving.
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "ordo serve: listening on {scheme}://{addr}");
        let _ = stdout.flush();
    });
    match served {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("error: {error}");
            1
        }
    }
}
