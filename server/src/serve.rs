//! The accept loop: hyper's HTTP/1 server under our own limits, since `axum::serve` sets
//! none. A request head must arrive within the header timeout — counted from the connection's
//! start and again each time it falls idle after a response, so it also closes idle
//! keep-alive connections (hyper ≥ 1.6) — and at most `max_connections` are open at once:
//! past that, new ones wait in the kernel's listen queue until one closes, so slow clients
//! can never use up the process's file descriptors. On shutdown it stops accepting, lets each
//! connection finish its request in flight, then closes it.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{Router, body::Body, extract::ConnectInfo};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt;

/// What bounds the connections of [`serve`].
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_timeout: Duration,
    pub max_connections: usize,
}

/// Connections allowed when `MAX_CONNECTIONS` is not set (fewer if the open-file limit is low).
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Files kept for everything but client connections: database files, the pool, log files.
const RESERVED_FILES: u64 = 256;

/// The connection cap: `configured`, or the default; never more than the open-file limit
/// (raised to its hard limit first) leaves room for.
pub fn max_connections(configured: Option<usize>) -> usize {
    let files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let room = usize::try_from(files.saturating_sub(RESERVED_FILES))
        .unwrap_or(usize::MAX)
        .max(1);
    let wanted = configured.unwrap_or(DEFAULT_MAX_CONNECTIONS).max(1);
    if wanted > room {
        tracing::warn!(
            wanted,
            open_file_limit = files,
            "MAX_CONNECTIONS is above what the open-file limit allows: capped at {room}"
        );
    }
    wanted.min(room)
}

/// Serves `router` on `listener` until `shutdown` completes, then drains the connections.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let mut full = false;
    tokio::pin!(shutdown);
    loop {
        let slot = if let Ok(slot) = slots.clone().try_acquire_owned() {
            full = false;
            slot
        } else {
            if !full {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    "the connection limit is reached: new connections wait until one closes"
                );
                metrics::counter!("leptodo_http_connection_limit_reached_total").increment(1);
                full = true;
            }
            tokio::select! {
                slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
                () = &mut shutdown => break,
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // wait a little rather than spin.
                    tracing::warn!(error = %err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(peer));
            router.clone().oneshot(request.map(Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        metrics::gauge!("leptodo_http_connections_open").increment(1.0);
        tokio::spawn(async move {
            // A client that went away or was too slow: nothing to report.
            let _ = connection.await;
            metrics::gauge!("leptodo_http_connections_open").decrement(1.0);
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
