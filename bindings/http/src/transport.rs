//! The connection layer: accepts TCP connections up to a cap and serves HTTP/1.1 on each, with a
//! deadline for reading a request's headers, so callers that open connections and send nothing
//! (or half a request) can neither exhaust the server's file descriptors nor hold its slots
//! for long.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower_http::add_extension::AddExtension;

use crate::parse_errors::JsonParseErrors;

/// How long to wait before accepting again after an accept failed for a reason that is not
/// the connection's (no file descriptor left): retrying at once would spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The limits and the TLS of the connection layer.
#[derive(Clone)]
pub struct Transport {
    /// Connections served at once; further callers wait in the listen backlog until one
    /// closes. At least 1.
    pub max_connections: u32,
    /// A connection that does not send a request's complete headers within this time (counted
    /// from its opening, or from the end of its previous answer) is closed.
    pub header_timeout: Duration,
    /// TLS: every connection is a TLS connection, whose handshake must end within
    /// `header_timeout` too.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
}

/// Serves `router` on the connections of `listener` until `shutdown` completes; then stops
/// accepting, lets every connection finish the request it is answering, and returns once all
/// are closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Transport,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    // INVARIANT: a connection holds one permit from its accept until it is closed, so at most
    // `max_connections` are open, and holding every permit means none is.
    let slots = Arc::new(Semaphore::new(limits.max_connections as usize));
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(&error).await;
                    continue;
                }
            },
        };
        // Small answers go out at once.
        let _ = stream.set_nodelay(true);
        // The peer's address, for the routes and layers (`ConnectInfo`): the rate limit of
        // callers without a token counts by it.
        let service = AddExtension::new(router.clone(), ConnectInfo(peer));
        let (header_timeout, stopping) = (limits.header_timeout, stopping.clone());
        match limits.tls.clone() {
            None => {
                tokio::spawn(connection(
                    stream,
                    service,
                    header_timeout,
                    stopping,
                    permit,
                ));
            }
            Some(acceptor) => {
                tokio::spawn(async move {
                    match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            connection(tls, service, header_timeout, stopping, permit).await;
                        }
                        Ok(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                });
            }
        }
    }
    drop(listener);
    let _ = stop.send(true);
    // Every permit back means every connection is closed.
    let _ = slots.acquire_many(limits.max_connections).await;
}

/// Logs a failed accept, and waits a little when the failure is the server's.
async fn accept_failed(error: &std::io::Error) {
    use std::io::ErrorKind;
    match error.kind() {
        // The caller went away before it was accepted: nothing to wait for.
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::Interrupted => {
            tracing::debug!(%error, "accept failed");
        }
        _ => {
            tracing::warn!(%error, "accept failed; retrying shortly");
            tokio::time::sleep(ACCEPT_BACKOFF).await;
        }
    }
}

/// Completes once the server stops (or its accept loop is gone).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    // The guard `wait_for` answers with is not `Send`: it is dropped here, before any await.
    let _ = stopping.wait_for(|stop| *stop).await.map(|_| ());
}

/// Serves one connection until it closes, or, once `stopping`, until its request in flight
/// is answered.
async fn connection<IO>(
    stream: IO,
    router: AddExtension<Router, ConnectInfo<SocketAddr>>,
    header_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
    permit: OwnedSemaphorePermit,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let connection = builder.serve_connection(
        TokioIo::new(JsonParseErrors::new(stream)),
        TowerToHyperService::new(router),
    );
    let mut connection = std::pin::pin!(connection);
    let ended = tokio::select! {
        ended = connection.as_mut() => ended,
        () = stopped(&mut stopping) => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = ended {
        // Header timeouts, callers that hang up: the connection's affair, not the server's.
        tracing::debug!(%error, "connection closed with an error");
    }
    drop(permit);
}
