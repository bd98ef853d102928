//! Cross-origin rules: which browser origins may send state-changing requests (CSRF defence)
//! and which may call the API from their own pages (CORS).
//!
//! Trusted: the app's own origin (the request's `Host`; only its `https://` form when the app is
//! served over https), `BETTER_AUTH_URL`, and `BETTER_AUTH_TRUSTED_ORIGINS`. A
//! POST/PUT/PATCH/DELETE whose `Origin` (or, without one, its `Referer`) is anything else is
//! refused with 403 before it reaches a handler or a server function; so is one a browser marks
//! `Sec-Fetch-Site: cross-site`. Clients that send neither header (curl, servers, mobile apps)
//! are not browsers and carry no ambient cookie risk.
//!
//! The check guards what ambient credentials can do: a request authenticated only by an
//! `Authorization: Bearer` token and carrying no cookie is let through from any origin (the
//! page that sends it holds the token; as the FastAPI backend it replaces, which checks the
//! token, not the origin). One with a cookie is checked, Bearer or not.

use std::{sync::Arc, time::Duration};

use axum::{
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, header},
    response::{IntoResponse, Response},
};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::{config::origin, error::ApiError};

#[derive(Debug, Clone, Default)]
pub struct TrustedOrigins {
    list: Arc<Vec<String>>,
    /// Served over https (`BETTER_AUTH_URL` https or `BETTER_AUTH_SECURE=true`): our own host
    /// is trusted as `https://` only, so a page on plain http (a network attacker's) is not.
    https_only: bool,
}

impl TrustedOrigins {
    /// `base_url` and `extra` are origins already normalised by the configuration.
    pub fn new(base_url: Option<&str>, extra: &[String], https_only: bool) -> Self {
        let mut list: Vec<String> = base_url.into_iter().map(str::to_string).collect();
        list.extend(extra.iter().cloned());
        list.sort();
        list.dedup();
        Self {
            list: Arc::new(list),
            https_only,
        }
    }

    fn allows(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = origin.to_ascii_lowercase();
        self.list.contains(&origin)
            || host.is_some_and(|host| {
                let host = host.to_ascii_lowercase();
                origin
                    .strip_suffix(host.as_str())
                    .is_some_and(|scheme| match scheme {
                        "https://" => true,
                        "http://" => !self.https_only,
                        _ => false,
                    })
            })
    }

    /// CORS for the trusted origins other than our own: credentials allowed, the API's methods
    /// and the headers a token client sends.
    pub fn cors(&self) -> CorsLayer {
        let origins: Vec<HeaderValue> = self
            .list
            .iter()
            .filter_map(|origin| HeaderValue::from_str(origin).ok())
            .collect();
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_credentials(true)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .max_age(Duration::from_secs(600))
    }
}

/// Where a state-changing request comes from, when a browser says so.
fn request_origin(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(header::ORIGIN) {
        return Some(value.to_str().unwrap_or("invalid").to_string());
    }
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    Some(origin(referer).unwrap_or_else(|_| referer.to_string()))
}

/// Whether a request is authenticated by a Bearer token alone: no cookie goes with it, so
/// nothing a browser adds by itself (ambient authority) is at stake.
fn bearer_only(headers: &HeaderMap) -> bool {
    !headers.contains_key(header::COOKIE)
        && headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| leptodo::tokens::bearer_token(v).is_some())
}

/// The refusal (403) of a state-changing request from an untrusted browser origin; `None`
/// lets the request through.
pub fn refusal(trusted: &TrustedOrigins, request: &Request) -> Option<Response> {
    if request.method().is_safe() {
        return None;
    }
    let headers = request.headers();
    if bearer_only(headers) {
        return None;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match request_origin(headers) {
        Some(origin) if !trusted.allows(&origin, host) => {
            tracing::warn!(target: "leptodo::audit", event = "cross_origin_refused", %origin, path = %crate::redact::path(request.uri().path()));
            Some(ApiError::UntrustedOrigin(origin).into_response())
        }
        None if headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site")) =>
        {
            Some(ApiError::UntrustedOrigin("a cross-site page".into()).into_response())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_host_and_listed_origins_are_trusted() {
        let trusted = TrustedOrigins::new(
            Some("https://todo.example.com"),
            &["http://localhost:5173".into()],
            false,
        );
        assert!(trusted.allows("https://todo.example.com", None));
        assert!(trusted.allows("HTTP://LOCALHOST:5173", None));
        assert!(trusted.allows("http://127.0.0.1:3000", Some("127.0.0.1:3000")));
        assert!(!trusted.allows("https://evil.example", Some("127.0.0.1:3000")));
        assert!(!trusted.allows("null", Some("127.0.0.1:3000")));
        assert!(!trusted.allows("https://todo.example.com.evil.example", None));
        assert!(!trusted.allows("http://evil127.0.0.1:3000", Some("127.0.0.1:3000")));
    }

    #[test]
    fn behind_https_our_own_host_is_trusted_as_https_only() {
        let trusted = TrustedOrigins::new(
            Some("https://todo.example.com"),
            &["http://localhost:5173".into()],
            true,
        );
        let host = Some("todo.example.com");
        assert!(trusted.allows("https://todo.example.com", host));
        assert!(!trusted.allows("http://todo.example.com", host));
        assert!(trusted.allows("https://other.example:8443", Some("other.example:8443")));
        assert!(!trusted.allows("http://other.example:8443", Some("other.example:8443")));
        // An origin the operator listed stays trusted as written.
        assert!(trusted.allows("http://localhost:5173", host));
    }
}
