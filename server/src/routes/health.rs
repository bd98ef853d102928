//! `GET /healthz`: liveness plus a database round trip, for load balancers and operators.

use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use leptodo::Database;
use serde::Serialize;

use crate::state::{AppState, Outage, Readiness};

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

#[derive(Debug, Serialize)]
struct Health {
    /// `ok` or `unavailable`.
    status: &'static str,
    /// `sqlite` or `postgres`.
    backend: &'static str,
    /// `ok`, `unreachable`, or `migrating` (reachable, schema not in place yet).
    database: &'static str,
}

async fn healthz(
    State(db): State<Database>,
    State(ready): State<Readiness>,
    State(outage): State<Outage>,
) -> (StatusCode, Json<Health>) {
    let backend = db.backend().name();
    let ping = db.ping().await;
    if ping.is_ok() {
        // The database answers: any outage is over, so healthy here means serving.
        outage.end();
    }
    match ping {
        // Reachable, but the schema is still being put in place.
        Ok(()) if !ready.is_ready() => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "unavailable",
                backend,
                database: "migrating",
            }),
        ),
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                backend,
                database: "ok",
            }),
        ),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    backend,
                    database: "unreachable",
                }),
            )
        }
    }
}
