//! One-time tokens kept out of the logs: a request's URI as it may be written to a log line,
//! with the reset token in `/reset-password/{token}` (the API's and the page's) and the value
//! of every `token` query parameter replaced by `[redacted]`.

use std::borrow::Cow;

use axum::http::Uri;

const REDACTED: &str = "[redacted]";

/// `uri`'s path and query with one-time tokens redacted.
pub fn uri(uri: &Uri) -> String {
    let mut out = path(uri.path()).into_owned();
    if let Some(query) = uri.query() {
        out.push('?');
        out.push_str(&self::query(query));
    }
    out
}

/// A path with the segment after `reset-password/` redacted.
pub fn path(path: &str) -> Cow<'_, str> {
    const MARK: &str = "reset-password/";
    match path.find(MARK) {
        Some(at) => {
            let start = at + MARK.len();
            let end = path[start..].find('/').map_or(path.len(), |n| start + n);
            if start == end {
                return Cow::Borrowed(path);
            }
            Cow::Owned(format!("{}{REDACTED}{}", &path[..start], &path[end..]))
        }
        None => Cow::Borrowed(path),
    }
}

/// A query string with the value of each `token` parameter (however cased or escaped)
/// redacted.
fn query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded = percent_decoded(name);
            if decoded.eq_ignore_ascii_case("token") && !value.is_empty() {
                format!("{name}={REDACTED}")
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn percent_decoded(name: &str) -> String {
    url::form_urlencoded::parse(format!("{name}=").as_bytes())
        .next()
        .map(|(name, _)| name.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(text: &str) -> String {
        uri(&text.parse().unwrap())
    }

    #[test]
    fn tokens_in_paths_and_queries_are_redacted() {
        assert_eq!(
            redacted("/api/auth/reset-password/abcDEF123?callbackURL=%2Freset-password"),
            "/api/auth/reset-password/[redacted]?callbackURL=%2Freset-password"
        );
        assert_eq!(
            redacted("/api/auth/verify-email?token=eyJhbGci.x.y&callbackURL=/"),
            "/api/auth/verify-email?token=[redacted]&callbackURL=/"
        );
        assert_eq!(
            redacted("/reset-password?a=1&TOKEN=secret"),
            "/reset-password?a=1&TOKEN=[redacted]"
        );
        assert_eq!(
            redacted("/reset-password?%74oken=secret"),
            "/reset-password?%74oken=[redacted]"
        );
        assert_eq!(redacted("/api/x/tasks?tokens=1"), "/api/x/tasks?tokens=1");
        assert_eq!(redacted("/reset-password"), "/reset-password");
        assert_eq!(redacted("/api/u1/tasks/7"), "/api/u1/tasks/7");
    }
}
