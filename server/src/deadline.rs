//! How long a request may take: its body may not stall for `HTTP_BODY_TIMEOUT` (else 408,
//! from [`crate::extract::JsonBody`]) and its answer must be ready within
//! `HTTP_REQUEST_TIMEOUT` (else a JSON 503, code `TIMEOUT`). A handler past its deadline is
//! dropped: a Postgres transaction in flight rolls back; a SQLite write already handed to the
//! writer still commits, so the answer tells the client to check before retrying.

use std::time::Duration;

use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// `answer`, or the JSON 503 once `limit` has passed without it (`answer` is then dropped).
pub async fn within(limit: Duration, answer: impl Future<Output = Response>) -> Response {
    match tokio::time::timeout(limit, answer).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                limit_ms = limit.as_millis() as u64,
                "a request ran past its deadline"
            );
            metrics::counter!("leptodo_http_request_timeouts_total").increment(1);
            ApiError::Timeout(limit.as_secs().max(1)).into_response()
        }
    }
}

/// Whether a body failed because `tower_http`'s body timeout ran out.
pub fn is_body_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(err) = source {
        if err.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = err.source();
    }
    false
}
