//! Building the application: database → state → router → listener.

use std::{future::Future, net::SocketAddr};

use anyhow::Context;
use app::{App, shell};
use axum::Router;
use leptodo::Database;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::{config::Settings, routes, state::AppState};

/// A server bound to its port and ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Database,
}

impl Application {
    /// Opens (and creates, for SQLite) the configured database, applies pending migrations and
    /// binds the listening socket. Port 0 picks a free port: see [`Application::local_addr`].
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let db = Database::connect(&settings.database_url, settings.database_max_connections)
            .await
            .context("cannot open the database")?;
        db.migrate().await.context("cannot migrate the database")?;
        Self::with_database(settings, db).await
    }

    /// Like [`Application::build`], with a database the caller has already opened and migrated.
    pub async fn with_database(settings: &Settings, db: Database) -> anyhow::Result<Self> {
        let bundle = settings.wasm_bundle_path();
        if !bundle.exists() {
            tracing::warn!(
                path = %bundle.display(),
                "the site has no WASM bundle: pages will render but not hydrate \
                 (build it with `cargo leptos build --release`, or set LEPTOS_SITE_ROOT)"
            );
        }
        let state = AppState {
            leptos_options: settings.leptos_options(),
            db: db.clone(),
        };
        let listener = TcpListener::bind(settings.site_addr)
            .await
            .with_context(|| format!("cannot listen on {}", settings.site_addr))?;
        Ok(Self {
            listener,
            router: router(state),
            db,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound TCP listener has a local address")
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish and closes the
    /// database pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await;
        self.db.close().await;
        served
    }
}

/// Every route of the app: operational endpoints, Leptos pages and server functions, and the
/// static site (bundle and public assets) as the fallback.
pub fn router(state: AppState) -> Router {
    let pages = generate_route_list(App);
    let db = state.db.clone();
    let options = state.leptos_options.clone();
    Router::new()
        .merge(routes::health::router())
        .leptos_routes_with_context(
            &state,
            pages,
            move || provide_context(db.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
