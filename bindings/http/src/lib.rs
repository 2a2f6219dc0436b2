//! The ordo HTTP server (`ordo serve`): publish ruleset versions, evaluate them by exact
//! version, semver requirement, `latest` or date, and keep an append-only audit log of every
//! evaluation and every refused publication — written durably before the answer is sent.
//!
//! ```no_run
//! let config = ordo_http::ServeConfig {
//!     db: "ordo.db".into(),
//!     ..ordo_http::ServeConfig::default()
//! };
//! ordo_http::serve(config, |addr| println!("listening on http://{addr}"))?;
//! # Ok::<(), ordo_http::ServeError>(())
//! ```
//!
//! Layout: [`backend`] (the store `--db` names, behind two traits), [`store`] (SQLite),
//! [`writer`] (SQLite's group-commit writer), [`pg`] (PostgreSQL, shared by replicas),
//! [`follow`] (loading what other replicas publish), [`catalog`] (the engine's
//! registry in memory), [`lifecycle`] (yanked and deprecated versions, stored by
//! [`version_events`]), [`auth`] (tokens and roles), `api` (routes), [`metrics`], [`transport`]
//! (connections: their cap and header deadline), [`cpu`] (compile and evaluation threads).

mod api;
pub mod audit_ops;
pub mod auth;
pub mod backend;
pub mod catalog;
pub mod chain;
pub mod clock;
pub mod cpu;
pub mod delivery;
pub mod error;
pub mod follow;
pub mod lifecycle;
pub mod metrics;
pub mod ops;
pub mod parse_errors;
pub mod pg;
pub mod rate;
pub mod scheduler;
pub mod store;
pub mod transport;
pub mod version_events;
pub mod writer;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

pub use api::schema;
pub use api::{AppState, PublishLimits, openapi};

use auth::{Access, TokensError};
use catalog::{Catalog, LoadError};
use store::StoreError;
use transport::Transport;

/// The header that names the audit entry of an evaluation-type answer or a refused publication.
pub const AUDIT_ID_HEADER: &str = "x-ordo-audit-id";

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where to listen; without `tokens` it must be a loopback address.
    pub addr: SocketAddr,
    /// The SQLite store file (created when missing).
    pub db: PathBuf,
    /// The tokens file; without it the server is open to every local caller.
    pub tokens: Option<PathBuf>,
    /// Write an audit entry for every evaluation-type request and every refused publication
    /// (on by default).
    pub audit: bool,
    /// Request bodies longer than this many bytes are kept in the audit log as their SHA-256
    /// digest and size, not as they are.
    pub audit_body_cap: usize,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
    /// Requests running longer are cancelled with `408 timeout`.
    pub request_timeout: Duration,
    /// CPU jobs (compiles, evaluations) run at once; the number of cores by default.
    pub cpu_jobs: usize,
    /// CPU jobs that may wait for a turn; past it requests get `503 overloaded`.
    pub cpu_queue: usize,
    /// The largest source (with its data files) a publication may have, in bytes.
    pub max_source_bytes: usize,
    /// The most rows one decision table may have.
    pub max_table_rows: usize,
    /// Connections served at once (at least 1); further callers wait until one closes.
    pub max_connections: u32,
    /// A connection that sends no complete request headers within this time is closed.
    pub header_timeout: Duration,
    /// How often the scheduler looks for due timers.
    pub scheduler_interval: Duration,
    /// Serve TLS (HTTPS) with this certificate and key instead of plain HTTP.
    pub tls: Option<TlsFiles>,
    /// The requests each caller may send (see [`rate`]); none: no limit.
    pub rate_limit: Option<rate::RateLimit>,
    /// The webhooks file: where outbox actions are posted (none: clients poll the outbox).
    pub webhooks: Option<PathBuf>,
    /// The clock of instance events and timers (the system clock by default; tests pass a
    /// [`clock::ManualClock`]).
    pub clock: Arc<dyn clock::Clock>,
}

/// The default of [`ServeConfig::cpu_queue`].
pub const DEFAULT_CPU_QUEUE: usize = 256;

/// The default of [`ServeConfig::audit_body_cap`].
pub const DEFAULT_AUDIT_BODY_CAP: usize = 64 * 1024;

/// The default of [`ServeConfig::max_source_bytes`].
pub const DEFAULT_MAX_SOURCE_BYTES: usize = 512 * 1024;

/// The default of [`ServeConfig::max_table_rows`].
pub const DEFAULT_MAX_TABLE_ROWS: usize = 10_000;

/// The default of [`ServeConfig::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: u32 = 512;

/// The default of [`ServeConfig::scheduler_interval`].
pub const DEFAULT_SCHEDULER_INTERVAL: Duration = Duration::from_secs(1);

/// The default of [`ServeConfig::header_timeout`].
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: PathBuf::from("ordo.db"),
            tokens: None,
            audit: true,
            audit_body_cap: DEFAULT_AUDIT_BODY_CAP,
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            cpu_jobs: cpu::default_jobs(),
            cpu_queue: DEFAULT_CPU_QUEUE,
            max_source_bytes: DEFAULT_MAX_SOURCE_BYTES,
            max_table_rows: DEFAULT_MAX_TABLE_ROWS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            scheduler_interval: DEFAULT_SCHEDULER_INTERVAL,
            rate_limit: None,
            tls: None,
            webhooks: None,
            clock: Arc::new(clock::SystemClock),
        }
    }
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The tokens file is unreadable or invalid.
    #[error(transparent)]
    Tokens(#[from] TokensError),
    /// The store could not be opened or read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The webhooks file is unreadable or invalid.
    #[error(transparent)]
    Webhooks(#[from] delivery::WebhooksError),
    /// A stored version cannot be loaded by this build.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Without tokens the server only listens on loopback addresses.
    #[error(
        "refusing to listen on {0} without --tokens: an open server only listens on a loopback address (127.0.0.1, ::1)"
    )]
    OpenToNetwork(SocketAddr),
    /// A limit of the configuration cannot work (a cap of zero).
    #[error("{0}")]
    Limit(String),
    /// The TLS certificate or key could not be read or used.
    #[error("TLS: {0}")]
    Tls(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// Starting the runtime, the writer thread, or serving failed.
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// The PEM files of a TLS server: its certificate chain (the server's certificate first) and
/// its private key (PKCS#8, PKCS#1 or SEC1).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A TLS acceptor (rustls, with ring; TLS 1.2 and 1.3, HTTP/1.1) for the certificate and key
/// of `files`.
fn tls_acceptor(files: &TlsFiles) -> Result<tokio_rustls::TlsAcceptor, ServeError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| {
            ServeError::Tls(format!(
                "cannot read the certificate {}: {e}",
                files.cert.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(ServeError::Tls(format!(
            "{} holds no certificate",
            files.cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| {
        ServeError::Tls(format!(
            "cannot read the private key {}: {e}",
            files.key.display()
        ))
    })?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| ServeError::Tls(e.to_string()))?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| ServeError::Tls(format!("the certificate and key do not work together: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// A bound server, ready to run.
pub struct Server {
    listener: TcpListener,
    router: Router,
    state: AppState,
    addr: SocketAddr,
    transport: Transport,
    scheduler_interval: Duration,
    delivery: delivery::Worker,
    /// The last positions of the versions and lifecycle changes loaded at start (where
    /// following begins).
    published_upto: follow::Positions,
}

impl Server {
    /// Checks the access policy, opens the store, loads every published version, and binds
    /// the address.
    pub async fn bind(config: &ServeConfig) -> Result<Server, ServeError> {
        if config.max_connections == 0 {
            return Err(ServeError::Limit(
                "--max-connections must be at least 1".to_string(),
            ));
        }
        if config.cpu_jobs == 0 {
            return Err(ServeError::Limit(
                "--cpu-jobs must be at least 1".to_string(),
            ));
        }
        let access = match &config.tokens {
            Some(path) => Access::from_file(path)?,
            None if config.addr.ip().is_loopback() => Access::open(),
            None => return Err(ServeError::OpenToNetwork(config.addr)),
        };
        let tls = config.tls.as_ref().map(tls_acceptor).transpose()?;
        let webhooks = match &config.webhooks {
            Some(path) => delivery::Webhooks::from_file(path)?,
            None => delivery::Webhooks::default(),
        };
        let metrics = Arc::new(metrics::Metrics::new());
        let backend::Stores {
            catalog: store,
            ops,
        } = backend::open(&config.db, &metrics).await?;
        let stored = store.versions(0).await?;
        let published_upto = stored
            .iter()
            .map(|(position, _)| *position)
            .max()
            .unwrap_or(0);
        let mut catalog = Catalog::load(stored.into_iter().map(|(_, version)| version).collect())?;
        // Lifecycle changes are stored after the versions they change.
        let events = store.version_events(0).await?;
        let published_upto = follow::Positions {
            versions: published_upto,
            events: events
                .iter()
                .map(|(position, _)| *position)
                .max()
                .unwrap_or(0),
        };
        for (_, event) in &events {
            catalog.apply_event(event);
        }
        let delivery =
            delivery::Worker::new(Arc::new(webhooks), Arc::clone(&ops), Arc::clone(&metrics));
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr()?;
        tracing::info!(
            %addr,
            db = %backend::display_db(&config.db),
            versions = catalog.len(),
            audit = config.audit,
            open = access.is_open(),
            "ordo serve: ready"
        );
        let (router, state) = api::app(
            api::StateParts {
                access,
                tokens: config.tokens.clone(),
                bound: addr,
                catalog,
                store,
                metrics,
                audit: config.audit,
                audit_body_cap: config.audit_body_cap,
                max_body_bytes: config.max_body_bytes,
                publish_limits: PublishLimits {
                    max_source_bytes: config.max_source_bytes,
                    max_table_rows: config.max_table_rows,
                },
                cpu: cpu::CpuPool::new(config.cpu_jobs, config.cpu_queue)?,
                limiter: config.rate_limit.and_then(rate::Limiter::new),
                ops,
                clock: Arc::clone(&config.clock),
            },
            &api::Limits {
                max_body_bytes: config.max_body_bytes,
                request_timeout: config.request_timeout,
            },
        );
        Ok(Server {
            listener,
            router,
            state,
            addr,
            transport: Transport {
                tls,
                max_connections: config.max_connections,
                header_timeout: config.header_timeout,
            },
            scheduler_interval: config.scheduler_interval,
            delivery,
            published_upto,
        })
    }

    /// The state the routes share (to stop the store writer, or mark the server as shutting
    /// down, from outside).
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// The address the server listens on (the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes, then stops taking connections, finishes the requests
    /// in flight, commits what the store writer holds, and returns.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let state = self.state.clone();
        let (stop_scheduler, scheduler_stopped) = tokio::sync::watch::channel(false);
        let scheduler = tokio::spawn(scheduler::run(
            self.state.clone(),
            self.scheduler_interval,
            scheduler_stopped.clone(),
        ));
        let follower = self.state.store().publications().map(|publications| {
            tokio::spawn(follow::run(
                self.state.clone(),
                publications,
                self.published_upto,
                scheduler_stopped.clone(),
            ))
        });
        let delivery = tokio::spawn(self.delivery.run(scheduler_stopped));
        let signal = async move {
            shutdown.await;
            tracing::info!("ordo serve: shutting down, finishing requests in flight");
            state.begin_shutdown();
        };
        transport::serve(self.listener, self.router, self.transport, signal).await;
        // The scheduler stops before the writer, so no timer is fired into a closed store.
        let _ = stop_scheduler.send(true);
        let _ = scheduler.await;
        let _ = delivery.await;
        if let Some(follower) = follower {
            let _ = follower.await;
        }
        self.state.store().stop().await;
        tracing::info!("ordo serve: stopped");
        Ok(())
    }
}

/// Runs the server until SIGTERM or Ctrl-C; `on_listening` is told the bound address first.
pub fn serve(config: ServeConfig, on_listening: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let server = Server::bind(&config).await?;
        on_listening(server.local_addr());
        tokio::spawn(reload_tokens_on_hangup(server.state()));
        server.run(shutdown_signal()).await
    })
}

/// Completes on SIGTERM or Ctrl-C (SIGINT).
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// Reads the tokens file again on every SIGHUP (see [`AppState::reload_tokens`]); a file that
/// is invalid is logged and changes nothing.
pub async fn reload_tokens_on_hangup(state: AppState) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP: the tokens file is read only at start");
            return;
        };
        while hangups.recv().await.is_some() {
            match state.reload_tokens() {
                Ok(tokens) => tracing::info!(tokens, "SIGHUP: the tokens file was read again"),
                Err(error) => {
                    tracing::error!(%error, "SIGHUP: the tokens file is not valid; the tokens in force stay");
                }
            }
        }
    }
    #[cfg(not(unix))]
    drop(state);
}

/// Logs to standard error at `level` (`error`, `warn`, `info`, `debug`, `trace`, `off`).
pub fn init_logging(level: &str) -> Result<(), String> {
    let level: tracing_subscriber::filter::LevelFilter = level.parse().map_err(|_| {
        format!("`{level}` is not a log level (error, warn, info, debug, trace, off)")
    })?;
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init()
        .map_err(|e| e.to_string())
}
