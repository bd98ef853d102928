//! The gate every request passes on its way to a handler and back: the rules that decide
//! whether it goes in and what its answer must carry, applied in one pass, in this order.
//!
//! 1. `privacy`: notes whether the request carries a planted second session cookie; the
//!    answer gets `Cache-Control: no-store` (unless a public asset) and, if so, clears it.
//! 2. `deadline`: the answer must be ready within `HTTP_REQUEST_TIMEOUT`, else a JSON 503.
//! 3. `security`: a state-changing request from an untrusted browser origin is a 403.
//! 4. `state`: 503 until the schema is in place or while the database is known to be down;
//!    an answer that found the database unreachable starts the outage check.
//! 5. `extract`: a cookie-authenticated request gets a slot for its refreshed session cookie,
//!    which goes out with the answer.
//!
//! [`wrap`] puts the gate in its place among the other layers of every route, outermost first:
//! panics caught, tracing, metrics (with `METRICS_ADDR`), CORS, the body's stall timeout, the
//! gate, compression of pages, hardening headers, the body size limit.
//!
//! Why it is built this way (measured on the task list, a few hundred microseconds; see the
//! README's "Leptodo ÷ floor"): `Router::layer` wraps every route in each layer it is given,
//! boxed, so a request paid a clone and an allocation per layer; the layers are composed into
//! one here and pay that once. And one middleware rather than five: each of axum's function
//! middlewares boxes its future and clones the rest of the stack per request. The rules stay
//! in their modules; this is only their order.

use axum::{
    Router,
    body::Body,
    extract::{DefaultBodyLimit, Request, State},
    http::{Extensions, HeaderMap, HeaderValue, StatusCode, Version, header},
    middleware::Next,
    response::Response,
};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{CompressionLayer, DefaultPredicate, Predicate},
    set_header::SetResponseHeaderLayer,
    timeout::{RequestBodyTimeoutLayer, TimeoutBody},
    trace::{DefaultOnFailure, TraceLayer},
};

use crate::{
    deadline, error::MAX_BODY_BYTES, extract::CookieSlot, privacy, security, state::AppState,
};

/// Every route of `router` behind the layers above.
pub fn wrap(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let limits = state.limits;
    router.layer(
        ServiceBuilder::new()
            .layer(CatchPanicLayer::custom(crate::error::panic_response))
            // 5xx answers are logged where they arise (once per outage for the 503s), not
            // again per request here.
            .layer(
                TraceLayer::new_for_http()
                    // The request span, as tower-http's default one but with one-time tokens
                    // redacted from the URI (a reset link's path, `?token=`).
                    .make_span_with(|request: &Request<Body>| {
                        // tower-http's own target, so `RUST_LOG=tower_http=debug` still
                        // shows it.
                        tracing::span!(
                            target: "tower_http::trace::make_span",
                            tracing::Level::DEBUG,
                            "request",
                            method = %request.method(),
                            uri = %crate::redact::uri(request.uri()),
                            version = ?request.version(),
                        )
                    })
                    .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)),
            )
            // Measured only when someone collects the figures (METRICS_ADDR).
            .option_layer(
                limits
                    .metrics
                    .then(|| axum::middleware::from_fn(crate::metrics::record)),
            )
            .layer(state.origins.cors())
            .layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
            // Back to axum's body type, which the gate (an axum middleware) takes.
            .map_request(|request: Request<TimeoutBody<Body>>| request.map(Body::new))
            .layer(axum::middleware::from_fn_with_state(state.clone(), gate))
            // Pages are compressed as they stream out (brotli or gzip, as the client accepts);
            // the bundle is precompressed at build time (assets.rs) and API bodies are left as
            // they are (small, and API clients rarely ask).
            .layer(CompressionLayer::new().compress_when(DefaultPredicate::new().and(is_html)))
            // Hardening for every response; pages add their Content-Security-Policy (app
            // crate).
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("DENY"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::REFERRER_POLICY,
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
    )
}

/// Whether a response is a page (HTML), for the compression layer.
fn is_html(_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"))
}

/// Middleware: the rules above, around the rest of the stack.
pub async fn gate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let tossed = privacy::tossed(state.auth.session_cookie(), request.headers());
    let mut response = deadline::within(state.limits.request_timeout, async {
        if let Some(refused) = security::refusal(&state.origins, &request) {
            return refused;
        }
        if let Some(refused) = crate::state::unavailable(&state, &request) {
            return refused;
        }
        let slot = CookieSlot::offer(&mut request);
        let mut response = next.run(request).await;
        if let Some(slot) = slot {
            slot.deliver(&mut response);
        }
        crate::state::notice_outage(&state, &response);
        response
    })
    .await;
    privacy::mark(&mut response, tossed);
    response
}
