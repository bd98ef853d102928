//! The one place where errors become HTTP responses.
//!
//! Every error body has the same shape, readable by both client families of the stack Leptodo
//! replaces: `detail` (what FastAPI clients read: a string, or for validation errors a list of
//! `{loc, msg, type}`), `code` and `message` (what Better Auth clients read). Internal details
//! are logged, never sent.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use leptodo::{FieldError, error::retry_after_secs};
use serde::Serialize;
use utoipa::ToSchema;

/// The largest request body accepted (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] leptodo::Error),
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the request body must be JSON: send Content-Type: application/json")]
    NotJson,
    #[error("the request body is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error(
        "cross-origin request refused: {0} is not a trusted origin \
         (add it to BETTER_AUTH_TRUSTED_ORIGINS)"
    )]
    UntrustedOrigin(String),
    /// The request ran past `HTTP_REQUEST_TIMEOUT`.
    #[error(
        "the server took longer than {0} s to answer; if this was a change, check whether it \
         was made before trying again"
    )]
    Timeout(u64),
    /// The body did not arrive within `HTTP_BODY_TIMEOUT`.
    #[error("the request body took too long to arrive")]
    SlowBody,
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Domain(err) => {
                StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            Self::MalformedJson(_) => StatusCode::BAD_REQUEST,
            Self::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UntrustedOrigin(_) => StatusCode::FORBIDDEN,
            Self::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::SlowBody => StatusCode::REQUEST_TIMEOUT,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Domain(err) => err.code().as_str(),
            Self::MalformedJson(_) => "INVALID_JSON",
            Self::NotJson => "UNSUPPORTED_MEDIA_TYPE",
            Self::TooLarge => "PAYLOAD_TOO_LARGE",
            Self::UntrustedOrigin(_) => "INVALID_ORIGIN",
            Self::Timeout(_) => "TIMEOUT",
            Self::SlowBody => "REQUEST_TIMEOUT",
        }
    }

    fn message(&self) -> String {
        match self {
            Self::Domain(err) => err.public_message(),
            other => other.to_string(),
        }
    }
}

impl From<leptodo::DatabaseError> for ApiError {
    fn from(err: leptodo::DatabaseError) -> Self {
        Self::Domain(err.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        self.into_response_unlogged()
    }
}

/// The 503 for a request refused while the database is known to be down or not migrated yet
/// (logged once when that began, not per request).
pub fn unavailable_response() -> Response {
    ApiError::Domain(leptodo::Error::Unavailable).into_response_unlogged()
}

impl ApiError {
    fn into_response_unlogged(self) -> Response {
        let status = self.status();
        let message = self.message();
        let detail = match &self {
            Self::Domain(leptodo::Error::Invalid(errors)) => Detail::Problems(errors.clone()),
            _ => Detail::Message(message.clone()),
        };
        let body = ErrorBody {
            detail,
            code: self.code(),
            message,
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        match &self {
            Self::Domain(err) if err.status() == 401 => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::Domain(err) if err.retry_after().is_some() => {
                let wait = err.retry_after().unwrap_or_default();
                headers.insert(header::RETRY_AFTER, retry_after_secs(wait).into());
            }
            Self::Timeout(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Self::Domain(leptodo::Error::Unavailable) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                response
                    .extensions_mut()
                    .insert(crate::state::DatabaseUnreachable);
            }
            _ => {}
        }
        response
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A sentence (what FastAPI clients read), or for invalid input the list of problems.
    pub detail: Detail,
    /// A stable machine code, e.g. `UNAUTHORIZED`, `INVALID_EMAIL`, `TOO_MANY_REQUESTS`.
    #[schema(example = "UNAUTHORIZED")]
    pub code: &'static str,
    /// What went wrong, for people (what Better Auth clients read).
    #[schema(example = "the token is invalid or has expired")]
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Detail {
    Message(String),
    Problems(Vec<FieldError>),
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The answer when a handler panics: the ordinary JSON 500, saying nothing of the panic (which
/// is logged). The connection and the other requests carry on.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    ApiError::Domain(leptodo::Error::Internal(format!(
        "a handler panicked: {what}"
    )))
    .into_response()
}
