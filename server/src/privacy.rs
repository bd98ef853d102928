//! Response headers that keep one person's data theirs: nothing that may carry it is stored
//! by a browser or a shared cache, and a planted second session cookie is cleared.

use axum::{
    http::{HeaderMap, HeaderValue, header},
    response::Response,
};
use leptodo::session_cookie::{CLEAR_SITE_COOKIES, Carried, SessionCookie};

/// Content types that are the same for everyone (the bundle, styles, images, fonts): the
/// only responses that may be cached, with whatever caching their route sets.
fn is_public_asset(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or_default().trim();
    mime.starts_with("image/")
        || mime.starts_with("font/")
        || matches!(
            mime,
            "text/css" | "text/javascript" | "application/javascript" | "application/wasm"
        )
}

/// Whether a request carries more than one session cookie (one planted by a sibling domain):
/// its answer then clears them ([`mark`]).
pub fn tossed(cookie: SessionCookie, headers: &HeaderMap) -> bool {
    cookie.read(headers) == Carried::Several
}

/// `Cache-Control: no-store` on every response that is not a public asset and sets no caching
/// of its own — task JSON, auth answers, pages (signed in or not: the same URL serves either)
/// — and `Clear-Site-Data: "cookies"` (with the cleared cookie the session code sends) when
/// the request was [`tossed`]. (CORS preflights are answered before this: they carry no data.)
pub fn mark(response: &mut Response, tossed: bool) {
    let headers = response.headers_mut();
    let public = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(is_public_asset);
    if !public && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if tossed {
        let (name, value) = CLEAR_SITE_COOKIES;
        headers.insert(name, HeaderValue::from_static(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_assets_are_public() {
        for public in [
            "text/css",
            "application/wasm",
            "image/svg+xml",
            "text/javascript; charset=utf-8",
        ] {
            assert!(is_public_asset(public), "{public}");
        }
        for private in [
            "application/json",
            "text/html; charset=utf-8",
            "text/plain",
            "",
        ] {
            assert!(!is_public_asset(private), "{private}");
        }
    }
}
