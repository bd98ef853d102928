//! What every handler can reach.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{
    extract::{FromRef, Request},
    response::Response,
};
use leptodo::{Auth, Database, tasks::Tasks};
use leptos::config::LeptosOptions;

use crate::security::TrustedOrigins;

/// Everything a handler can reach, behind one `Arc`: axum clones the state for every request
/// (once per middleware that holds it, and for the handler), so cloning it is one atomic
/// increment rather than a copy of every field (Leptos's options alone are a dozen strings
/// and `Arc`s — 8 % of a task list request's CPU before this).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub db: Database,
    pub auth: Auth,
    pub origins: TrustedOrigins,
    pub ready: Readiness,
    pub outage: Outage,
    pub bundle: crate::assets::Bundle,
    pub tasks: Tasks,
    pub limits: RequestLimits,
    pub session_jwt_header: crate::routes::auth::SessionJwtHeader,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// `State<T>` for each part, as `#[derive(FromRef)]` gives a plain struct.
macro_rules! parts {
    ($($field:ident: $ty:ty),* $(,)?) => {
        $(impl FromRef<AppState> for $ty {
            fn from_ref(state: &AppState) -> Self {
                state.0.$field.clone()
            }
        })*
    };
}
parts!(
    leptos_options: LeptosOptions,
    db: Database,
    auth: Auth,
    origins: TrustedOrigins,
    ready: Readiness,
    outage: Outage,
    bundle: crate::assets::Bundle,
    tasks: Tasks,
    limits: RequestLimits,
    session_jwt_header: crate::routes::auth::SessionJwtHeader,
);

/// The per-request limits (see `deadline`), and whether requests are measured for metrics.
#[derive(Clone, Copy, Debug)]
pub struct RequestLimits {
    pub request_timeout: Duration,
    pub body_timeout: Duration,
    pub metrics: bool,
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

/// Marks a response that failed because the database could not be reached (set by
/// `ApiError`), so [`notice_outage`] can open the [`Outage`] gate.
#[derive(Clone, Copy, Debug)]
pub struct DatabaseUnreachable;

/// How often the database is pinged during an outage.
const OUTAGE_PROBE_EVERY: Duration = Duration::from_millis(500);

/// Whether the database is known to be down. A short blip costs requests only a wait: each
/// waits up to the pool's acquire timeout for a connection. When one has waited it out (a
/// 503), a fresh connection outside the pool tells a real outage from a busy pool or lock
/// contention (which must not turn one client's flood into 503s for everyone). In an outage,
/// later requests get their 503 at once instead of each waiting again, while a probe pings
/// the database twice a second and ends the outage when it answers (so does `/healthz`). No
/// restart is needed either way.
#[derive(Clone, Debug, Default)]
pub struct Outage(Arc<OutageState>);

#[derive(Debug, Default)]
struct OutageState {
    on: AtomicBool,
    /// A check (or the probe) is running: at most one at a time.
    checking: AtomicBool,
}

impl Outage {
    pub fn is_on(&self) -> bool {
        self.0.on.load(Ordering::Acquire)
    }

    /// Ends the outage (if one is on): the database has just answered.
    pub fn end(&self) {
        if self.0.on.swap(false, Ordering::AcqRel) {
            tracing::info!("the database answers again: serving");
        }
    }

    /// After a request found the database unavailable: checks whether it is really down and,
    /// if so, starts an outage and the probe that ends it.
    fn check(&self, db: &Database) {
        if self
            .0
            .checking
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        let (outage, db) = (self.clone(), db.clone());
        tokio::spawn(async move {
            if db.reachable().await {
                tracing::warn!(
                    "a request waited out the database pool's timeout, but the database is \
                     reachable: the pool is busy (consider DATABASE_MAX_CONNECTIONS)"
                );
            } else {
                outage.0.on.store(true, Ordering::Release);
                tracing::warn!("the database is unreachable: answering 503 until it is back");
                while outage.is_on() {
                    if db.ping().await.is_ok() {
                        outage.end();
                        break;
                    }
                    tokio::time::sleep(OUTAGE_PROBE_EVERY).await;
                }
            }
            outage.0.checking.store(false, Ordering::Release);
        });
    }
}

/// 503 for everything but `/healthz` until the schema is in place, and at once while a
/// database outage is on (see [`Outage`]); `None` lets the request through.
pub fn unavailable(state: &Shared, request: &Request) -> Option<Response> {
    let exempt = request.uri().path() == "/healthz";
    // Known and logged once already: no log line per refused request.
    (!exempt && (!state.ready.is_ready() || state.outage.is_on()))
        .then(crate::error::unavailable_response)
}

/// After the answer: one that found the database unreachable starts the outage check.
pub fn notice_outage(state: &Shared, response: &Response) {
    if response.extensions().get::<DatabaseUnreachable>().is_some() {
        state.outage.check(&state.db);
    }
}
