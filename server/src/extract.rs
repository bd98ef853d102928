//! Extractors: a request turned into checked values before the handler runs.

use leptodo::error::Code;
use std::sync::{Arc, Mutex, PoisonError};

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, RawPathParams, Request},
    http::{HeaderValue, header, request::Parts},
    response::Response,
};
#[cfg(doc)]
use leptodo::Auth;
use leptodo::{
    Error, FieldError, Identity, account::Owner, error::LocPart, sessions::ClientInfo, tasks,
};
use serde::de::DeserializeOwned;

use crate::{error::ApiError, state::AppState};

/// A JSON request body. Unlike `axum::Json`, its errors have our shape: 415 without a JSON
/// content type, 413 over the size limit, 400 for broken JSON, and 422 with FastAPI-style
/// `loc`/`msg`/`type` entries for a missing field or a wrong type.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::NotJson);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else if crate::deadline::is_body_timeout(&rejection) {
                ApiError::SlowBody
            } else {
                ApiError::MalformedJson(rejection.body_text())
            }
        })?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// Deserialises a JSON body, locating the first problem for the error report.
/// Every body is a JSON object: serde would also read a struct from an array, which no
/// client means to send.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => Err(ApiError::Domain(leptodo::Error::invalid(FieldError {
                loc: vec!["body".into()],
                msg: "the body must be a JSON object".into(),
                kind: "type_error",
                code: Code::ValidationError,
            }))),
            Err(err) => Err(ApiError::MalformedJson(err.to_string())),
        };
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let mut loc: Vec<LocPart> = vec!["body".into()];
        for segment in err.path().iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => loc.push(LocPart::Index(*index)),
                serde_path_to_error::Segment::Map { key } => loc.push(key.as_str().into()),
                serde_path_to_error::Segment::Enum { variant } => loc.push(variant.as_str().into()),
                serde_path_to_error::Segment::Unknown => {}
            }
        }
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::MalformedJson(inner.to_string());
        }
        // serde's messages end with " at line L column C": useful for syntax, noise here.
        let text = inner.to_string();
        let text = text.split(" at line ").next().unwrap_or(&text);
        let field_error = match text.strip_prefix("missing field `") {
            Some(rest) => {
                loc.push(rest.trim_end_matches('`').into());
                FieldError {
                    loc,
                    msg: "Field required".into(),
                    kind: "missing",
                    code: Code::ValidationError,
                }
            }
            None => FieldError {
                loc,
                msg: text.to_string(),
                kind: "type_error",
                code: Code::ValidationError,
            },
        };
        ApiError::Domain(leptodo::Error::invalid(field_error))
    })?;
    deserializer
        .end()
        .map_err(|err| ApiError::MalformedJson(err.to_string()))?;
    Ok(value)
}

/// The client's IP and user agent (see [`Auth::client`]).
pub struct Client(pub ClientInfo);

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(state.auth.client(parts)))
    }
}

/// Where an extractor leaves the session cookie its response must carry (a refreshed one after
/// the session slid forward), to be put on the response whatever the handler answered.
#[derive(Clone, Default)]
pub struct CookieSlot(Arc<Mutex<Option<HeaderValue>>>);

impl CookieSlot {
    /// A slot on a request that its session cookie may authenticate; requests without a
    /// cookie, or with a Bearer token, get none and pass untouched.
    pub fn offer(request: &mut Request) -> Option<Self> {
        let headers = request.headers();
        if !headers.contains_key(header::COOKIE) || headers.contains_key(header::AUTHORIZATION) {
            return None;
        }
        let slot = Self::default();
        request.extensions_mut().insert(slot.clone());
        Some(slot)
    }

    /// Puts the cookie an extractor left in the slot on `response`.
    pub fn deliver(self, response: &mut Response) {
        let cookie = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(cookie) = cookie {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
}

/// The verified caller: a Bearer JWT in `Authorization`, or else (for same-origin browser
/// calls) the session cookie, resumed like every session ([`Auth::resume`]: slid forward, the
/// refreshed cookie sent back). A request with neither, or with a bad token, is a 401.
pub struct Caller(pub Identity);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let value = value.to_str().map_err(|_| {
                Error::Unauthenticated("the Authorization header must be `Bearer <token>`")
            })?;
            return Ok(Self(state.auth.authenticate_bearer(value).await?));
        }
        let resumed = state.auth.resume(&parts.headers).await?;
        if let (Some(cookie), Some(CookieSlot(slot))) =
            (resumed.set_cookie, parts.extensions.get::<CookieSlot>())
        {
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(cookie);
        }
        match resumed.session {
            Some(active) => Ok(Self(Identity::from(&active.user))),
            None => Err(Error::Unauthenticated(
                "sign in first: send `Authorization: Bearer <token>` (from /api/auth/token)",
            )
            .into()),
        }
    }
}

/// The signed-in owner of the account an account route manages (see [`Auth::owner`]): a
/// Bearer API token, else the session cookie, whose refreshed cookie goes out with the answer.
pub struct AccountOwner(pub Owner);

impl FromRequestParts<AppState> for AccountOwner {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (owner, cookie) = state.auth.owner(&parts.headers).await;
        if let (Some(cookie), Some(CookieSlot(slot))) =
            (cookie, parts.extensions.get::<CookieSlot>())
        {
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(cookie);
        }
        Ok(Self(owner?))
    }
}

/// The owner of the tasks a task route touches, checked against the caller before anything is
/// read: 401 without valid credentials, 403 when the route's `{user_id}` is someone else's.
/// The routes without `{user_id}` (`/api/tasks…`) are the caller's own.
pub struct TaskOwner(pub String);

impl FromRequestParts<AppState> for TaskOwner {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Caller(caller) = Caller::from_request_parts(parts, state).await?;
        match path_param(parts, state, "user_id").await? {
            Some(user_id) => {
                tasks::authorize(&caller, &user_id)?;
                Ok(Self(user_id))
            }
            None => Ok(Self(caller.user_id)),
        }
    }
}

/// The `{id}` of a task route, parsed by the domain's rule (a positive whole number, else 422).
pub struct TaskId(pub i64);

impl FromRequestParts<AppState> for TaskId {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let id = path_param(parts, state, "id")
            .await?
            .ok_or_else(|| Error::Internal("task route without {id}".into()))?;
        Ok(Self(tasks::parse_id(&id)?))
    }
}

/// The path parameter `name` of the matched route, if it has one.
async fn path_param(
    parts: &mut Parts,
    state: &AppState,
    name: &str,
) -> Result<Option<String>, ApiError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|e| Error::Internal(format!("task route without path parameters: {e}")))?;
    Ok(params
        .iter()
        .find_map(|(key, value)| (key == name).then(|| value.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        title: String,
        tags: Vec<String>,
    }

    fn error_json(bytes: &str) -> serde_json::Value {
        match parse_json::<Body>(bytes.as_bytes()).unwrap_err() {
            ApiError::Domain(leptodo::Error::Invalid(errors)) => serde_json::json!(errors),
            other => serde_json::json!(other.to_string()),
        }
    }

    #[test]
    fn errors_are_located_like_fastapi() {
        assert_eq!(
            error_json(r#"{"tags": []}"#),
            serde_json::json!([{"loc": ["body", "title"], "msg": "Field required", "type": "missing"}])
        );
        let wrong = error_json(r#"{"title": "x", "tags": ["a", 5]}"#);
        assert_eq!(wrong[0]["loc"], serde_json::json!(["body", "tags", 1]));
        assert_eq!(wrong[0]["type"], "type_error");
        assert_eq!(
            error_json(r#"["x", []]"#)[0]["loc"],
            serde_json::json!(["body"])
        );
        assert!(matches!(
            parse_json::<Body>(b""),
            Err(ApiError::MalformedJson(_))
        ));
        assert!(matches!(
            parse_json::<Body>(b"{\"title\": "),
            Err(ApiError::MalformedJson(_))
        ));
        assert!(matches!(
            parse_json::<Body>(br#"{"title": "x", "tags": []} trailing"#),
            Err(ApiError::MalformedJson(_))
        ));
    }
}
