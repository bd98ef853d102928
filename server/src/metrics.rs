//! Prometheus metrics: the recorder, the per-request middleware, and the listener of their
//! own that serves them (`METRICS_ADDR`; never the public port).
//!
//! Requests are labelled by route template (`/api/{user_id}/tasks`, never the raw path, so
//! the number of series stays bounded), method and status, with a latency histogram (time
//! to the response head). The domain records the rest through the same `metrics` facade:
//! sign-in outcomes, throttled requests, SQLite write batches; the database pool and the
//! writer's queue are read when Prometheus scrapes.

use std::{net::SocketAddr, sync::OnceLock, time::Instant};

use anyhow::Context;
use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use leptodo::Database;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

/// Latency buckets, in seconds: from a cached read to a request at its deadline.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_25, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    30.0,
];
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// The process's recorder, installed on first use (one per process: the `metrics` facade
/// has a single global recorder).
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Suffix("_batch_size".into()), BATCH_BUCKETS)
                })
                .expect("the buckets are not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed")
        })
        .clone()
}

/// Middleware: counts and times every request by route template, method and status.
pub async fn record(request: Request, next: Next) -> Response {
    let route = match request.extensions().get::<MatchedPath>() {
        Some(path) => path.as_str().to_owned(),
        // The static site and the 404s: a few fixed labels, never the path itself.
        None if request.uri().path().starts_with("/pkg/") => "/pkg/{file}".to_owned(),
        None => "fallback".to_owned(),
    };
    // Only the standard methods by name: hyper accepts any token as a method, and a label
    // value per invented one would grow the series without bound.
    let method = match *request.method() {
        Method::GET
        | Method::HEAD
        | Method::POST
        | Method::PUT
        | Method::PATCH
        | Method::DELETE
        | Method::OPTIONS => request.method().as_str(),
        _ => "other",
    }
    .to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = [
        ("route", route),
        ("method", method),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::histogram!("leptodo_http_request_duration_seconds", &labels).record(started.elapsed());
    metrics::counter!("leptodo_http_requests_total", &labels).increment(1);
    response
}

#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    db: Database,
}

async fn metrics_text(State(scrape): State<Scrape>) -> Response {
    let usage = scrape.db.pool_usage().await;
    metrics::gauge!("leptodo_db_pool_connections", "state" => "idle").set(usage.idle as f64);
    metrics::gauge!("leptodo_db_pool_connections", "state" => "in_use")
        .set((usage.size as usize).saturating_sub(usage.idle) as f64);
    metrics::gauge!("leptodo_db_pool_max_connections").set(f64::from(usage.max));
    // A checkout that failed waited out the pool's timeout: report that, not the last success.
    let waited = usage.acquire_wait.unwrap_or(leptodo::db::ACQUIRE_TIMEOUT);
    metrics::gauge!("leptodo_db_pool_acquire_wait_seconds").set(waited.as_secs_f64());
    if let Some(queued) = usage.writes_queued {
        metrics::gauge!("leptodo_sqlite_writes_queued").set(queued as f64);
    }
    scrape.handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        scrape.handle.render(),
    )
        .into_response()
}

/// Binds `addr` and serves `/metrics` there until the process ends.
pub async fn listen(addr: SocketAddr, db: Database) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen for metrics on {addr}"))?;
    let bound = listener
        .local_addr()
        .context("the metrics listener has no address")?;
    let scrape = Scrape {
        handle: handle(),
        db,
    };
    let app = Router::new()
        .route("/metrics", get(metrics_text))
        .with_state(scrape);
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!(error = %err, "the metrics listener stopped");
        }
    });
    Ok(bound)
}
