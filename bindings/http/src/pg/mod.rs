//! The PostgreSQL store (`--db postgres://...`), which several replicas of the server share.
//!
//! The same records as the SQLite file, with what sharing needs:
//! - the schema is created or migrated at start under an advisory lock (replicas may start
//!   together), and its version kept in `ordo_schema_version`;
//! - audit entries, outbox actions and publications take their ids under one advisory lock
//!   held until commit ([`APPEND_LOCK`]), so ids follow the commit order under concurrent
//!   writers and a reader paging with `after` never skips a row committed late;
//! - timers and deliveries are claimed with `FOR UPDATE SKIP LOCKED` and a lease, so each is
//!   handled by one replica, and a replica that dies leaves its claims to the others once the
//!   lease ends;
//! - a publication notifies the channel [`PUBLICATIONS`]; the other replicas listen and load
//!   the new version (see [`listen`]).
//!
//! Writes run in one transaction each on a pooled connection, except instance changes: those
//! waiting together are committed in one transaction ([`group`]). Every write is committed
//! before its future completes. Statements are prepared once per connection ([`cached`]). No
//! TLS: the database is reached on loopback or a trusted network.

mod cached;
mod catalog;
mod dashboard;
mod group;
mod ops;
mod schema;
mod version_events;

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::sync::Notify;
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

pub use catalog::PgCatalog;
pub(crate) use catalog::audit_row;
pub use ops::PgOperations;

use crate::backend::Stores;
use crate::store::StoreError;

/// The advisory lock that orders audit ids, outbox positions and publications by commit.
pub const APPEND_LOCK: i64 = 0x6f72_646f_0001;
/// The advisory lock held while the schema is created or migrated.
const MIGRATE_LOCK: i64 = 0x6f72_646f_0002;
/// The channel a publication notifies (its payload: the version's position).
pub const PUBLICATIONS: &str = "ordo_publications";
/// Connections in the pool.
const POOL_SIZE: usize = 16;

/// Connects to `url`, brings the schema up to date, and starts listening for publications.
pub async fn open(url: &str) -> Result<Stores, StoreError> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e: tokio_postgres::Error| StoreError::Pool(format!("the URL: {e}")))?;
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let pool = Pool::builder(manager)
        .max_size(POOL_SIZE)
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(30)))
        .create_timeout(Some(Duration::from_secs(10)))
        .build()
        .map_err(|e| StoreError::Pool(e.to_string()))?;
    {
        let mut client = connection(&pool).await?;
        schema::migrate(&mut client).await?;
    }
    let notify = Arc::new(Notify::new());
    tokio::spawn(listen(url.to_string(), Arc::clone(&notify)));
    Ok(Stores {
        catalog: Arc::new(PgCatalog::new(pool.clone(), notify)),
        ops: Arc::new(PgOperations::new(pool)),
    })
}

/// A connection from the pool.
async fn connection(pool: &Pool) -> Result<deadpool_postgres::Object, StoreError> {
    pool.get()
        .await
        .map_err(|e| StoreError::Pool(e.to_string()))
}

/// Listens on [`PUBLICATIONS`] on a connection of its own and wakes `notify` on every
/// notification; reconnects after a failure (the catalogue's periodic poll covers the gap).
async fn listen(url: String, notify: Arc<Notify>) {
    loop {
        if let Err(error) = listen_once(&url, &notify).await {
            tracing::warn!(%error, "store: listening for publications failed; retrying");
        }
        // A reconnection may have missed notifications: the follower reads again.
        notify.notify_one();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen_once(url: &str, notify: &Notify) -> Result<(), StoreError> {
    use futures_util::StreamExt;
    let (client, mut connection) = tokio_postgres::connect(url, NoTls).await?;
    let (sender, mut messages) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut stream = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = stream.next().await {
            match message {
                Ok(message) => {
                    if sender.send(message).is_err() {
                        return;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "store: the listening connection failed");
                    return;
                }
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {PUBLICATIONS}"))
        .await?;
    notify.notify_one();
    while let Some(message) = messages.recv().await {
        if let tokio_postgres::AsyncMessage::Notification(_) = message {
            notify.notify_one();
        }
    }
    driver.abort();
    drop(client);
    Err(StoreError::Pool("the listening connection closed".into()))
}

/// A boxed parameter.
type Param = Box<dyn ToSql + Sync + Send>;

/// The `WHERE` clause of a query built from optional filters, with its parameters (`$1`,
/// `$2`, ... in order); the page size binds last.
#[derive(Default)]
struct Filters {
    clauses: Vec<String>,
    values: Vec<Param>,
}

impl Filters {
    /// Adds `clause $N` (`"ruleset ="`) with its value, when there is one.
    fn add<T: ToSql + Sync + Send + 'static>(&mut self, clause: &str, value: Option<T>) {
        if let Some(value) = value {
            self.values.push(Box::new(value));
            self.clauses
                .push(format!("{clause} ${}", self.values.len()));
        }
    }

    /// Adds `column = ANY($N)` (the column is one of `values`), when there are values.
    fn add_any(&mut self, column: &str, values: Option<Vec<String>>) {
        if let Some(values) = values {
            self.values.push(Box::new(values));
            self.clauses
                .push(format!("{column} = ANY(${})", self.values.len()));
        }
    }

    /// The `WHERE ...` text (empty without filters), the values with `limit` last, and the
    /// placeholder number of `limit`.
    fn finish(mut self, limit: u32) -> (String, Vec<Param>, usize) {
        let condition = if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        };
        self.values.push(Box::new(i64::from(limit)));
        let limit_at = self.values.len();
        (condition, self.values, limit_at)
    }
}

/// The parameters as the driver takes them.
fn params(values: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    values
        .iter()
        .map(|value| value.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

/// Takes [`APPEND_LOCK`] until the transaction ends (again, when it is held already).
async fn lock_appends(tx: &deadpool_postgres::Transaction<'_>) -> Result<(), StoreError> {
    cached::execute(tx, LOCK_APPENDS, &[&APPEND_LOCK]).await?;
    Ok(())
}

/// The statement that takes [`APPEND_LOCK`] (`$1`) until the transaction ends.
const LOCK_APPENDS: &str = "SELECT pg_advisory_xact_lock($1)";
