//! What every handler can reach.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use axum::{
    extract::{FromRef, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use leptodo::{Auth, Database};
use leptos::config::LeptosOptions;

use crate::security::TrustedOrigins;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Database,
    pub auth: Auth,
    pub origins: TrustedOrigins,
    pub ready: Readiness,
}

/// Whether the database schema is in place. It is from the start, except when Postgres was
/// unreachable then: the server serves 503 (and `/healthz` says why) until a background task
/// has migrated it.
#[derive(Clone, Debug, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    pub fn new(ready: bool) -> Self {
        Self(Arc::new(AtomicBool::new(ready)))
    }

    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    pub fn set_ready(&self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Middleware: 503 for everything but `/healthz` until the schema is in place.
pub async fn require_ready(
    State(ready): State<Readiness>,
    request: Request,
    next: Next,
) -> Response {
    if ready.is_ready() || request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    crate::error::ApiError::Domain(leptodo::Error::Unavailable).into_response()
}
