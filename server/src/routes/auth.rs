//! `/api/auth/*`: Better Auth's email/password endpoints, with its request and response shapes.

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use leptodo::{
    Auth, Error, SignedIn,
    auth::unix_now,
    sessions::Session,
    users::{SignInInput, SignUpInput, User},
};
use serde::Serialize;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::{Client, JsonBody},
    openapi::{BodyErrors, Errors401, Errors403, Errors422, Errors429},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    // Public keys may be cached briefly: verifiers refetch when a token names a new key.
    let keys = Router::new()
        .route("/api/auth/jwks", get(jwks))
        .route("/.well-known/jwks.json", get(jwks))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=60"),
        ));
    Router::new()
        .route("/api/auth/sign-up/email", post(sign_up))
        .route("/api/auth/sign-in/email", post(sign_in))
        .route("/api/auth/sign-out", post(sign_out))
        .route("/api/auth/get-session", get(get_session))
        .route("/api/auth/token", get(token))
        // Tokens and session details must not linger in caches.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .merge(keys)
}

/// A JSON Web Key Set (RFC 7517): the public keys that verify this server's tokens.
#[derive(Serialize, ToSchema)]
pub struct KeySet {
    /// Public JWKs with `kid`, `alg` and `use: "sig"`; the newest (signing) key first.
    #[schema(value_type = Vec<Object>)]
    keys: Vec<leptodo::tokens::Jwk>,
}

/// `GET /api/auth/jwks`: the public keys of `JWT_ALGORITHM` EdDSA, ES256 or RS256, as Better
/// Auth publishes them. Retired keys stay until the tokens they signed have expired. With a
/// shared secret there is nothing public to verify with: an empty set.
#[utoipa::path(
    get, path = "/api/auth/jwks", tag = "auth",
    responses((status = 200, description = "The public key set (empty with a shared secret)", body = KeySet))
)]
pub async fn jwks(State(auth): State<Auth>) -> Json<KeySet> {
    Json(KeySet {
        keys: auth
            .tokens()
            .published_keys()
            .map(|keys| keys.as_ref().clone())
            .unwrap_or_default(),
    })
}

/// The reply to a sign-up or sign-in: the API token (JWT) and the user. The session token
/// goes only into the HttpOnly cookie.
#[derive(Serialize, ToSchema)]
pub struct TokenAndUser {
    /// The API token: `Authorization: Bearer <token>` on task routes.
    token: String,
    user: User,
}

#[derive(Serialize, ToSchema)]
pub struct SessionAndUser {
    session: Session,
    user: User,
}

#[derive(Serialize, ToSchema)]
pub struct TokenOnly {
    token: String,
}

#[derive(Serialize, ToSchema)]
pub struct SignedOut {
    success: bool,
}

fn signed_in(auth: &Auth, signed: SignedIn) -> Response {
    (
        [(header::SET_COOKIE, auth.signed_in_cookie(&signed))],
        Json(TokenAndUser {
            token: signed.token,
            user: signed.user,
        }),
    )
        .into_response()
}

/// `body`, with the `Set-Cookie` that resuming the session decided on (if any).
fn with_cookie(set_cookie: Option<HeaderValue>, body: impl IntoResponse) -> Response {
    match set_cookie {
        Some(cookie) => ([(header::SET_COOKIE, cookie)], body).into_response(),
        None => body.into_response(),
    }
}

/// Create an account and sign it in.
///
/// Returns an API token (JWT) and the user, and sets the HttpOnly session cookie.
#[utoipa::path(
    post, path = "/api/auth/sign-up/email", tag = "auth",
    request_body = SignUpInput,
    responses(
        (status = 200, description = "Signed up and signed in", body = TokenAndUser),
        Errors422, BodyErrors, Errors429,
    )
)]
pub async fn sign_up(
    State(auth): State<Auth>,
    Client(client): Client,
    JsonBody(input): JsonBody<SignUpInput>,
) -> ApiResult<Response> {
    let signed = auth.sign_up(input, &client).await?;
    Ok(signed_in(&auth, signed))
}

/// Sign in with email and password.
///
/// A wrong password and an unknown email give the same 401, after the same work.
#[utoipa::path(
    post, path = "/api/auth/sign-in/email", tag = "auth",
    request_body = SignInInput,
    responses(
        (status = 200, description = "Signed in", body = TokenAndUser),
        Errors401, Errors422, BodyErrors, Errors429,
    )
)]
pub async fn sign_in(
    State(auth): State<Auth>,
    Client(client): Client,
    JsonBody(input): JsonBody<SignInInput>,
) -> ApiResult<Response> {
    let signed = auth.sign_in(input, &client).await?;
    Ok(signed_in(&auth, signed))
}

/// `POST /api/auth/sign-out`: ends the cookie's session everywhere and clears the cookie.
/// Succeeds without a session too, so it can always be used to reach a signed-out state.
#[utoipa::path(
    post, path = "/api/auth/sign-out", tag = "auth",
    responses((status = 200, description = "Signed out", body = SignedOut), Errors403),
    security((), ("session_cookie" = []))
)]
pub async fn sign_out(
    State(auth): State<Auth>,
    Client(client): Client,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let clear = auth.sign_out_request(&headers, &client).await?;
    Ok((
        [(header::SET_COOKIE, clear)],
        Json(SignedOut { success: true }),
    )
        .into_response())
}

/// `GET /api/auth/get-session` → `{session, user}`, or `null` without a live session. A
/// session due for its daily slide gets a fresh cookie; a cookie of a dead session is cleared.
/// With a live session the answer also carries an API token in `set-auth-jwt`, as Better
/// Auth's jwt plugin sends it (`JWT_SESSION_HEADER=false` turns it off).
#[utoipa::path(
    get, path = "/api/auth/get-session", tag = "auth",
    responses((status = 200, description = "The session and its user, or `null`", body = Option<SessionAndUser>,
        headers(("set-auth-jwt" = String, description = "An API token (JWT), as from /api/auth/token, when signed in")))),
    security((), ("session_cookie" = []))
)]
pub async fn get_session(
    State(auth): State<Auth>,
    State(SessionJwtHeader(jwt_header)): State<SessionJwtHeader>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let read_at = unix_now();
    let resumed = auth.resume(&headers).await?;
    let token = match (&resumed.session, jwt_header) {
        (Some(active), true) => auth.session_api_token(active, read_at).await?,
        _ => None,
    };
    let body = resumed.session.map(|active| SessionAndUser {
        session: active.session,
        user: active.user,
    });
    let mut response = with_cookie(resumed.set_cookie, Json(body));
    if let Some(token) = token.and_then(|t| HeaderValue::try_from(t).ok()) {
        let headers = response.headers_mut();
        headers.insert(SET_AUTH_JWT, token);
        headers.append(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("set-auth-jwt"),
        );
    }
    Ok(response)
}

/// The header Better Auth's jwt plugin puts an API token in.
const SET_AUTH_JWT: header::HeaderName = header::HeaderName::from_static("set-auth-jwt");

/// Whether `get-session` sends `set-auth-jwt` (`JWT_SESSION_HEADER`).
#[derive(Clone, Copy, Debug)]
pub struct SessionJwtHeader(pub bool);

/// A fresh API token (JWT) for the session cookie's user.
#[utoipa::path(
    get, path = "/api/auth/token", tag = "auth",
    responses((status = 200, description = "A new API token", body = TokenOnly), Errors401),
    security(("session_cookie" = []))
)]
pub async fn token(State(auth): State<Auth>, headers: HeaderMap) -> ApiResult<Response> {
    if auth.session_cookie().read(&headers) == leptodo::session_cookie::Carried::None {
        return Err(
            Error::Unauthenticated("sign in first: the request has no session cookie").into(),
        );
    }
    // Taken before the session is read: the token's `iat` (see `Auth::session_api_token`).
    let read_at = unix_now();
    let resumed = auth.resume(&headers).await?;
    let ended = || Error::Unauthenticated("the session has ended or expired: sign in again");
    let token = match &resumed.session {
        Some(active) => match auth.session_api_token(active, read_at).await {
            Ok(Some(token)) => Ok(token),
            Ok(None) => Err(ended()),
            Err(err) => Err(err),
        },
        None => Err(ended()),
    }
    .map(|token| Json(TokenOnly { token }))
    .map_err(ApiError::from);
    // The refreshed (or clearing) cookie goes out whether or not a token could be issued.
    Ok(with_cookie(resumed.set_cookie, token))
}
