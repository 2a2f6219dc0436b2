//! Statements prepared once per pooled connection.
//!
//! A statement sent as text is parsed, planned and described by the server on every call,
//! one more round trip each time. These helpers prepare a statement on first use on a
//! connection and keep it in the connection's cache (`deadpool_postgres`'s statement cache,
//! kept while the connection lives in the pool), so later calls send only its parameters.
//!
//! Futures of one connection that are polled together are pipelined: their statements are
//! sent at once and the server runs them in the order they were sent (see
//! [`futures_util::future::try_join`], which polls its futures in order).

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::store::StoreError;

/// The parameters of a statement.
pub(super) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// Runs `sql`; the rows it changed.
pub(super) async fn execute(
    client: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<u64, StoreError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.execute(&statement, params).await?)
}

/// Every row `sql` answers.
pub(super) async fn query(
    client: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<Row>, StoreError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query(&statement, params).await?)
}

/// The one row `sql` answers (an error when it answers none or several).
pub(super) async fn query_one(
    client: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<Row, StoreError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query_one(&statement, params).await?)
}

/// The row `sql` answers, if any (an error when it answers several).
pub(super) async fn query_opt(
    client: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<Option<Row>, StoreError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query_opt(&statement, params).await?)
}
