//! Cross-origin rules: which browser origins may send state-changing requests (CSRF defence)
//! and which may call the API from their own pages (CORS).
//!
//! Trusted: the app's own origin (the request's `Host`), `BETTER_AUTH_URL`, and
//! `BETTER_AUTH_TRUSTED_ORIGINS`. A POST/PUT/PATCH/DELETE whose `Origin` (or, without one, its
//! `Referer`) is anything else is refused with 403 before it reaches a handler or a server
//! function; so is one a browser marks `Sec-Fetch-Site: cross-site`. Clients that send neither
//! header (curl, servers, mobile apps) are not browsers and carry no ambient cookie risk.

use std::{sync::Arc, time::Duration};

use axum::{
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, header},
    response::{IntoResponse, Response},
};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::{config::origin, error::ApiError};

#[derive(Debug, Clone, Default)]
pub struct TrustedOrigins(Arc<Vec<String>>);

impl TrustedOrigins {
    /// `base_url` and `extra` are origins already normalised by the configuration.
    pub fn new(base_url: Option<&str>, extra: &[String]) -> Self {
        let mut list: Vec<String> = base_url.into_iter().map(str::to_string).collect();
        list.extend(extra.iter().cloned());
        list.sort();
        list.dedup();
        Self(Arc::new(list))
    }

    fn allows(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = origin.to_ascii_lowercase();
        self.0.contains(&origin)
            || host.is_some_and(|host| {
                let host = host.to_ascii_lowercase();
                origin == format!("http://{host}") || origin == format!("https://{host}")
            })
    }

    /// CORS for the trusted origins other than our own: credentials allowed, the API's methods
    /// and the headers a token client sends.
    pub fn cors(&self) -> CorsLayer {
        let origins: Vec<HeaderValue> = self
            .0
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

/// The refusal (403) of a state-changing request from an untrusted browser origin; `None`
/// lets the request through.
pub fn refusal(trusted: &TrustedOrigins, request: &Request) -> Option<Response> {
    if request.method().is_safe() {
        return None;
    }
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match request_origin(headers) {
        Some(origin) if !trusted.allows(&origin, host) => {
            tracing::warn!(target: "leptodo::audit", event = "cross_origin_refused", %origin, path = %request.uri().path());
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
        );
        assert!(trusted.allows("https://todo.example.com", None));
        assert!(trusted.allows("HTTP://LOCALHOST:5173", None));
        assert!(trusted.allows("http://127.0.0.1:3000", Some("127.0.0.1:3000")));
        assert!(!trusted.allows("https://evil.example", Some("127.0.0.1:3000")));
        assert!(!trusted.allows("null", Some("127.0.0.1:3000")));
        assert!(!trusted.allows("https://todo.example.com.evil.example", None));
    }
}
