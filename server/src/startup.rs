//! Building the application: database → state → router → listener.

use std::{future::Future, net::SocketAddr, sync::LazyLock, time::Duration};

use anyhow::Context;
use app::{App, shell};
use axum::{
    Router,
    extract::{Request, State},
    http::Uri,
    response::IntoResponse,
    routing::get,
};
use leptodo::{
    Auth, AuthSettings, Database,
    mail::MailSettings,
    session_cookie::SessionCookie,
    sessions::SessionPolicy,
    tasks::Tasks,
    throttle::ThrottleSettings,
    tokens::{JwtAlgorithm, TokenSettings, remote::RemoteSettings},
};
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::{
    assets::{self, Bundle},
    config::{Mode, Settings},
    routes, secrets, security,
    serve::{self, ConnectionLimits},
    state::{AppState, Readiness, RequestLimits, Shared},
};

/// How long in-flight requests get to finish once shutdown starts (orchestrators commonly wait
/// 30 s before SIGKILL).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(25);

/// A server bound to its port and ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Database,
    auth: Auth,
    connections: ConnectionLimits,
    metrics_addr: Option<SocketAddr>,
}

impl Application {
    /// Opens (and creates, for SQLite) the configured database, applies pending migrations and
    /// binds the listening socket. Port 0 picks a free port: see [`Application::local_addr`].
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        // Settings first: a bad secret should not wait for (or touch) the database.
        let auth_settings = auth_settings(settings)?;
        let db = Database::connect(&settings.database_url, settings.database_max_connections())
            .await
            .context("cannot open the database")?;
        let ready = Readiness::new(false);
        match db.migrate().await {
            Ok(()) => ready.set_ready(),
            // Postgres down at start: serve (503 meanwhile) and migrate once it answers, so an
            // orchestrator can start app and database in any order.
            Err(err) if err.is_unavailable() => {
                tracing::warn!(
                    error = %err,
                    "the database is unreachable: serving 503 until it answers, then migrating"
                );
                tokio::spawn(migrate_when_reachable(db.clone(), ready.clone()));
            }
            Err(err) => return Err(err).context("cannot migrate the database"),
        }
        Self::assemble(settings, db, auth_settings, ready).await
    }

    async fn assemble(
        settings: &Settings,
        db: Database,
        auth_settings: AuthSettings,
        ready: Readiness,
    ) -> anyhow::Result<Self> {
        let bundle = settings.wasm_bundle_path();
        if !bundle.exists() {
            tracing::warn!(
                path = %bundle.display(),
                "the site has no WASM bundle: pages will render but not hydrate \
                 (build it with `cargo leptos build --release`, or set LEPTOS_SITE_ROOT)"
            );
        }
        if matches!(auth_settings.tokens.algorithm, JwtAlgorithm::Key(_)) && !ready.is_ready() {
            // The signing key lives in the database: wait for it (migrations run meanwhile).
            tracing::warn!("waiting for the database to load the token signing key");
            while !ready.is_ready() {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
        let listener = TcpListener::bind(settings.site_addr)
            .await
            .with_context(|| format!("cannot listen on {}", settings.site_addr))?;
        let mut auth_settings = auth_settings;
        if settings.auth.base_url.is_none() {
            // Links in mail need an absolute URL: the address actually bound (port 0 resolved).
            let addr = listener
                .local_addr()
                .context("the listener has no address")?;
            auth_settings.mail.base_url = format!("http://{addr}");
        }
        let mail_note = match (&settings.mail.smtp_url, settings.mode) {
            (Some(_), _) => None,
            (None, Mode::Dev) => {
                Some("no SMTP_URL: reset and verification mail is written to this log, not sent")
            }
            (None, Mode::Prod) => Some(
                "no SMTP_URL: password reset and email verification are off (the routes answer \
                 EMAIL_NOT_CONFIGURED); set SMTP_URL and EMAIL_FROM to turn them on",
            ),
        };
        if let Some(note) = mail_note {
            tracing::warn!("{note}");
        } else if settings.auth.base_url.is_none() && settings.mode == Mode::Prod {
            tracing::warn!(
                "BETTER_AUTH_URL is not set: links in mail point to {}, which only works if \
                 people reach the server at that address",
                auth_settings.mail.base_url
            );
        }
        let auth = Auth::new(db.clone(), auth_settings)
            .await
            .context("cannot set up API tokens or mail")?;
        // Production pages ask for the bundle under its content hash (see `assets`).
        let bundle = Bundle::load(
            settings.site_root.join(&settings.site_pkg_dir),
            &settings.output_name,
            settings.mode == Mode::Prod,
        );
        if let Some(version) = bundle.version() {
            tracing::debug!(version, "the bundle is served under fingerprinted URLs");
        }
        let mut leptos_options = settings.leptos_options();
        leptos_options.output_name = bundle.public_name().into();
        let serving = &settings.serving;
        // Before the router: the recorder must exist when the first metric is recorded.
        let metrics_addr = match serving.metrics_addr {
            Some(addr) => Some(crate::metrics::listen(addr, db.clone()).await?),
            None => None,
        };
        let state = AppState::new(Shared {
            leptos_options,
            db: db.clone(),
            auth,
            origins: security::TrustedOrigins::new(
                settings.auth.base_url.as_deref(),
                &settings.auth.trusted_origins,
                settings.auth.secure_cookies(),
            ),
            session_jwt_header: crate::routes::auth::SessionJwtHeader(
                settings.auth.jwt_session_header,
            ),
            ready,
            outage: Default::default(),
            bundle,
            tasks: Tasks::new(db.clone(), settings.limits.task_quota()),
            limits: RequestLimits {
                request_timeout: serving.request_timeout,
                body_timeout: serving.body_timeout,
                metrics: metrics_addr.is_some(),
            },
        });
        let auth = state.auth.clone();
        Ok(Self {
            listener,
            router: router(state),
            db,
            auth,
            connections: ConnectionLimits {
                header_timeout: serving.header_timeout,
                max_connections: serve::max_connections(serving.max_connections),
            },
            metrics_addr,
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

    /// Where `/metrics` is served (`METRICS_ADDR`, port 0 resolved), if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// Serves until `shutdown` completes, then stops accepting connections, lets in-flight
    /// requests finish (for up to [`SHUTDOWN_GRACE`]) and closes the database pool. Fails if
    /// requests were still running when the grace period ran out.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let background = tokio::spawn(self.auth.clone().run_background());
        let reindex = tokio::spawn(index_tasks_when_reachable(self.db.clone()));
        let (started, stopping) = tokio::sync::oneshot::channel::<()>();
        let signal = async move {
            shutdown.await;
            let _ = started.send(());
        };
        let served = async move {
            serve::serve(self.listener, self.router, self.connections, signal).await;
            Ok::<(), std::io::Error>(())
        };
        let grace_over = async {
            match stopping.await {
                Ok(()) => tokio::time::sleep(SHUTDOWN_GRACE).await,
                // The server ended without a shutdown signal.
                Err(_) => std::future::pending().await,
            }
        };
        let result = tokio::select! {
            served = served => served,
            () = grace_over => Err(std::io::Error::other(format!(
                "requests were still running {} s after shutdown began; stopped anyway",
                SHUTDOWN_GRACE.as_secs()
            ))),
        };
        background.abort();
        reindex.abort();
        if result.is_ok() {
            // Waits for every connection to come back, so only once no request holds one.
            let _ = tokio::time::timeout(Duration::from_secs(5), self.db.close()).await;
        }
        result
    }
}

/// The account settings, checked: fails with a message an operator can act on (missing, short
/// or conflicting secret, unreadable private key, bad JWKS URL).
fn auth_settings(settings: &Settings) -> anyhow::Result<AuthSettings> {
    let options = &settings.auth;
    let tokens = token_settings(settings)?;
    tokens
        .check()
        .context("the token settings cannot be used")?;
    Ok(AuthSettings {
        tokens,
        sessions: SessionPolicy::default(),
        throttle: ThrottleSettings {
            per_ip: options.rate_limit_ip.0,
            per_account: options.rate_limit_account.0,
            password_check: settings.limits.rate_limit_password_check.0,
            mail: settings.limits.rate_limit_mail.0,
            ipv6_prefix: settings.limits.rate_limit_ipv6_prefix,
        },
        hash_concurrency: options.hash_concurrency(),
        cookie: SessionCookie {
            secure: options.secure_cookies(),
        },
        trust_proxy_headers: options.trust_proxy_headers,
        mail: MailSettings {
            smtp_url: settings.mail.smtp_url.clone(),
            from: settings.mail.email_from.clone(),
            base_url: settings.public_url(),
            log_without_smtp: settings.mode == Mode::Dev,
        },
        trusted_origins: options.trusted_origins.clone(),
        verify_email_on_sign_up: settings.mail.email_verification_on_sign_up,
        provision_unknown_subjects: options.jwt_provision_unknown_subjects,
    })
}

/// How API tokens are signed and verified, from the `JWT_*` and `BETTER_AUTH_*` settings.
fn token_settings(settings: &Settings) -> anyhow::Result<TokenSettings> {
    let options = &settings.auth;
    let secret = match (options.jwt_algorithm, secrets::resolve(settings)) {
        (_, Ok(secret)) => secret.expose_secret().as_bytes().to_vec(),
        // Asymmetric keys sign without the secret: it is not required then.
        (JwtAlgorithm::Key(_), Err(secrets::SecretError::Missing)) => Vec::new(),
        (_, Err(err)) => return Err(err.into()),
    };
    let private_key_pem = match &options.jwt_private_key {
        Some(value) if !value.expose_secret().trim().is_empty() => {
            Some(read_private_key(value.expose_secret())?)
        }
        _ => None,
    };
    let remote = match options.jwks_url() {
        Some(url) => {
            let parsed = url.to_ascii_lowercase();
            if !(parsed.starts_with("https://") || parsed.starts_with("http://")) {
                anyhow::bail!("JWT_JWKS_URL {url:?} is not an http:// or https:// URL");
            }
            if options.jwt_issuer.is_none() || options.jwt_audience.is_none() {
                tracing::warn!(
                    "JWT_JWKS_URL is set without JWT_ISSUER and JWT_AUDIENCE: tokens the issuer \
                     signed for any audience are accepted. Set both to what its tokens carry \
                     (Better Auth: its base URL)"
                );
            }
            Some(RemoteSettings {
                cache_ttl: options.jwt_jwks_cache_ttl,
                refetch_at_most_every: options.jwt_jwks_refetch_interval,
                ..RemoteSettings::new(url)
            })
        }
        None => None,
    };
    Ok(TokenSettings {
        algorithm: options.jwt_algorithm,
        secret,
        previous_secrets: options
            .previous_secrets
            .iter()
            .map(|s| s.expose_secret().trim())
            .filter(|s| !s.is_empty())
            .map(|s| s.as_bytes().to_vec())
            .collect(),
        private_key_pem,
        issuer: options.jwt_issuer.clone().filter(|s| !s.is_empty()),
        audience: options.jwt_audience.clone().filter(|s| !s.is_empty()),
        lifetime: options.jwt_expires_in,
        remote,
    })
}

/// `JWT_PRIVATE_KEY`: the PEM itself, or the path of a file holding it.
fn read_private_key(value: &str) -> anyhow::Result<String> {
    let value = value.trim();
    if value.starts_with("-----BEGIN") {
        // Env files often carry the PEM on one line with literal `\n`s.
        return Ok(value.replace("\\n", "\n"));
    }
    std::fs::read_to_string(value).with_context(|| {
        // Echo a path, never what might be key material.
        let shown = if value.len() <= 200 && !value.contains(char::is_whitespace) && value.contains('/') {
            value
        } else {
            "(value not shown)"
        };
        format!(
            "JWT_PRIVATE_KEY is neither a PEM (-----BEGIN PRIVATE KEY-----) nor a readable file: {shown}"
        )
    })
}

/// Writes the search words and tags of tasks stored before they existed (see
/// `leptodo::tasks::reindex`), retrying while the database is unreachable.
async fn index_tasks_when_reachable(db: Database) {
    loop {
        match leptodo::tasks::reindex(&db).await {
            Ok(0) => return,
            Ok(count) => {
                tracing::info!(count, "indexed older tasks for search and tags");
                return;
            }
            Err(err) => {
                tracing::debug!(error = %err, "cannot index older tasks yet; retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

/// Retries the migrations until the database answers, then opens the gate.
async fn migrate_when_reachable(db: Database, ready: Readiness) {
    let mut wait = Duration::from_secs(1);
    loop {
        tokio::time::sleep(wait).await;
        match db.migrate().await {
            Ok(()) => {
                tracing::info!("the database answers: migrations applied, serving");
                ready.set_ready();
                return;
            }
            Err(err) if err.is_unavailable() => {
                tracing::debug!(error = %err, "the database is still unreachable");
            }
            Err(err) => tracing::error!(error = %err, "cannot migrate the database; retrying"),
        }
        wait = (wait * 2).min(Duration::from_secs(15));
    }
}

/// The app's page routes, found once per process by rendering the app without data.
///
/// Once, not per [`router`]: while `generate_route_list` runs, Leptos suppresses resource
/// loading for the whole process (a global flag), and a resource that first polls meanwhile —
/// in a page another server in this process is rendering — waits forever
/// (leptos-rs/leptos#4773). Nothing renders before the first router exists, so generating
/// the list before then, and never again, closes that window.
pub fn page_routes() -> Vec<AxumRouteListing> {
    static PAGES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));
    PAGES.clone()
}

/// Every route of the app: operational endpoints, Leptos pages and server functions, and the
/// static site (bundle and public assets) as the fallback.
pub fn router(state: AppState) -> Router {
    let pages = page_routes();
    let options = state.leptos_options.clone();
    // What every page and server function can reach — the 404 page too. `LeptosOptions` is
    // there for the page's security policy (development admits the live-reload socket);
    // leptos_axum does not provide it by itself.
    let context = {
        let (db, auth, options) = (state.db.clone(), state.auth.clone(), options.clone());
        let tasks = state.tasks.clone();
        move || {
            provide_context(db.clone());
            provide_context(auth.clone());
            provide_context(tasks.clone());
            provide_context(options.clone());
        }
    };
    let pages_fallback =
        leptos_axum::file_and_error_handler_with_context::<AppState, _>(context.clone(), shell);
    // Nested, so the handler sees the path inside the bundle folder.
    let bundle_route = format!("/{}", state.leptos_options.site_pkg_dir);
    let bundle = get(assets::serve).with_state(state.bundle.clone());
    let router = Router::new()
        .merge(routes::health::router())
        .merge(routes::auth::router())
        .merge(routes::account::router())
        .merge(routes::tasks::router())
        .merge(crate::openapi::router())
        .nest_service(&bundle_route, bundle)
        .leptos_routes_with_context(&state, pages, context.clone(), move || {
            shell(options.clone())
        })
        .fallback(move |uri: Uri, state: State<AppState>, request: Request| {
            // An unknown API path is a JSON 404, never the HTML app.
            let pages = pages_fallback.clone();
            let site_root = std::path::PathBuf::from(state.leptos_options.site_root.as_ref());
            async move {
                if uri.path() == "/api" || uri.path().starts_with("/api/") {
                    routes::account::no_such_route(uri).await.into_response()
                } else if let Some(file) = assets::site_file(site_root, &request).await {
                    file
                } else {
                    pages(uri, state, request).await
                }
            }
        });
    crate::gate::wrap(router, &state).with_state(state)
}
