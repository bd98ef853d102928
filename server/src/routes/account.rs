//! `/api/auth/*` for keeping an account, with Better Auth's paths, bodies and answers:
//! `update-user`, `change-password`, `list-sessions`, `revoke-session(s)`,
//! `revoke-other-sessions`, `delete-user`, the password reset and email verification links.
//! Every unknown `/api/…` path answers a JSON 404.

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use leptodo::{
    Auth, Error,
    account::{ChangePasswordInput, DeleteUserInput, UpdateUserInput},
    recovery::{ResetPasswordInput, ResetRequestInput, VerificationInput, with_query},
    sessions::Session,
    users::User,
};
use serde::{Deserialize, Serialize};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::{AccountOwner, Client, JsonBody},
    openapi::{BodyErrors, Errors400, Errors401, Errors403, Errors422, Errors429},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/update-user", post(update_user))
        .route("/api/auth/change-password", post(change_password))
        .route("/api/auth/list-sessions", get(list_sessions))
        .route("/api/auth/revoke-session", post(revoke_session))
        .route("/api/auth/revoke-sessions", post(revoke_sessions))
        .route(
            "/api/auth/revoke-other-sessions",
            post(revoke_other_sessions),
        )
        .route("/api/auth/delete-user", post(delete_user))
        .route(
            "/api/auth/request-password-reset",
            post(request_password_reset),
        )
        .route("/api/auth/reset-password", post(reset_password))
        .route("/api/auth/reset-password/{token}", get(reset_link))
        .route(
            "/api/auth/send-verification-email",
            post(send_verification_email),
        )
        .route("/api/auth/verify-email", get(verify_email))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// Better Auth's `{status: true}`.
#[derive(Serialize, ToSchema)]
pub struct Status {
    status: bool,
}

const DONE: Json<Status> = Json(Status { status: true });

/// The clearing `Set-Cookie` for answers that ended the caller's own session.
fn clearing(auth: &Auth, body: impl IntoResponse) -> Response {
    ([(header::SET_COOKIE, auth.session_cookie().clear())], body).into_response()
}

/// `POST /api/auth/update-user`: a new name and/or picture. `email` cannot be changed here.
#[utoipa::path(
    post, path = "/api/auth/update-user", tag = "account",
    request_body = UpdateUserInput,
    responses((status = 200, description = "Updated", body = Status), Errors400, Errors401, Errors422, BodyErrors),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn update_user(
    State(auth): State<Auth>,
    Client(client): Client,
    AccountOwner(owner): AccountOwner,
    JsonBody(input): JsonBody<UpdateUserInput>,
) -> ApiResult<Json<Status>> {
    auth.update_user(&owner, input, &client).await?;
    Ok(DONE)
}

/// The answer to a password change: a fresh API token when other sessions were ended (the
/// old tokens stop working), else `null`; and the user.
#[derive(Serialize, ToSchema)]
pub struct PasswordChanged {
    token: Option<String>,
    user: User,
}

/// `POST /api/auth/change-password`: needs the current password (throttled: 3 per 10 s).
#[utoipa::path(
    post, path = "/api/auth/change-password", tag = "account",
    request_body = ChangePasswordInput,
    responses(
        (status = 200, description = "Changed", body = PasswordChanged),
        Errors400, Errors401, Errors422, BodyErrors, Errors429,
    ),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn change_password(
    State(auth): State<Auth>,
    Client(client): Client,
    AccountOwner(owner): AccountOwner,
    JsonBody(input): JsonBody<ChangePasswordInput>,
) -> ApiResult<Json<PasswordChanged>> {
    let token = auth.change_password(&owner, input, &client).await?;
    Ok(Json(PasswordChanged {
        token,
        user: owner.user,
    }))
}

/// A session as `list-sessions` shows it: `token` is the session's public id (what
/// `revoke-session` takes), never the cookie's secret; `current` marks the caller's own.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListedSession {
    #[serde(flatten)]
    session: Session,
    token: String,
    current: bool,
}

/// `GET /api/auth/list-sessions`: the caller's live sessions, most recently used first.
#[utoipa::path(
    get, path = "/api/auth/list-sessions", tag = "account",
    responses((status = 200, description = "The caller's sessions", body = Vec<ListedSession>), Errors401),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn list_sessions(
    State(auth): State<Auth>,
    AccountOwner(owner): AccountOwner,
) -> ApiResult<Json<Vec<ListedSession>>> {
    let sessions = auth.list_sessions(&owner).await?;
    Ok(Json(
        sessions
            .into_iter()
            .map(|session| ListedSession {
                token: session.id.clone(),
                current: owner.session_id.as_deref() == Some(session.id.as_str()),
                session,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct RevokeSessionInput {
    /// The `token` (public id) of a session from `list-sessions`.
    token: String,
}

/// `POST /api/auth/revoke-session`: ends one of the caller's sessions. Always `{status: true}`
/// (another account's id changes nothing); ending one's own also clears the cookie.
#[utoipa::path(
    post, path = "/api/auth/revoke-session", tag = "account",
    request_body = RevokeSessionInput,
    responses((status = 200, description = "Done", body = Status), Errors401, Errors422, BodyErrors),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn revoke_session(
    State(auth): State<Auth>,
    Client(client): Client,
    AccountOwner(owner): AccountOwner,
    JsonBody(input): JsonBody<RevokeSessionInput>,
) -> ApiResult<Response> {
    auth.revoke_session(&owner, &input.token, &client).await?;
    if owner.session_id.as_deref() == Some(input.token.as_str()) {
        return Ok(clearing(&auth, DONE));
    }
    Ok(DONE.into_response())
}

/// `POST /api/auth/revoke-sessions`: ends every session of the account, the caller's too, and
/// cuts off API tokens issued before now.
#[utoipa::path(
    post, path = "/api/auth/revoke-sessions", tag = "account",
    responses((status = 200, description = "Signed out everywhere", body = Status), Errors401),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn revoke_sessions(
    State(auth): State<Auth>,
    Client(client): Client,
    AccountOwner(owner): AccountOwner,
) -> ApiResult<Response> {
    auth.revoke_sessions(&owner, false, &client).await?;
    Ok(clearing(&auth, DONE))
}

/// `POST /api/auth/revoke-other-sessions`: ends every session but the caller's, and cuts off
/// API tokens issued before now.
#[utoipa::path(
    post, path = "/api/auth/revoke-other-sessions", tag = "account",
    responses((status = 200, description = "Signed out everywhere else", body = Status), Errors401),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn revoke_other_sessions(
    State(auth): State<Auth>,
    Client(client): Client,
    AccountOwner(owner): AccountOwner,
) -> ApiResult<Json<Status>> {
    auth.revoke_sessions(&owner, true, &client).await?;
    Ok(DONE)
}

#[derive(Serialize, ToSchema)]
pub struct Deleted {
    success: bool,
    message: &'static str,
}

/// `POST /api/auth/delete-user`: deletes the account and everything in it, after checking its
/// password (throttled: 3 per 10 s). The email can sign up again.
#[utoipa::path(
    post, path = "/api/auth/delete-user", tag = "account",
    request_body = DeleteUserInput,
    responses((status = 200, description = "Deleted", body = Deleted), Errors400, Errors401, Errors422, BodyErrors, Errors429),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn delete_user(
    State(auth): State<Auth>,
    Client(client): Client,
    AccountOwner(owner): AccountOwner,
    JsonBody(input): JsonBody<DeleteUserInput>,
) -> ApiResult<Response> {
    auth.delete_user(&owner, input, &client).await?;
    Ok(clearing(
        &auth,
        Json(Deleted {
            success: true,
            message: "User deleted",
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct StatusMessage {
    status: bool,
    message: &'static str,
}

/// `POST /api/auth/request-password-reset`: mails a reset link if the address has an account.
/// The answer is the same, after the same time, either way (3 per 60 s per client).
#[utoipa::path(
    post, path = "/api/auth/request-password-reset", tag = "account",
    request_body = ResetRequestInput,
    responses(
        (status = 200, description = "Accepted", body = StatusMessage),
        Errors400, Errors403, Errors422, BodyErrors, Errors429,
    )
)]
pub async fn request_password_reset(
    State(auth): State<Auth>,
    Client(client): Client,
    JsonBody(input): JsonBody<ResetRequestInput>,
) -> ApiResult<Json<StatusMessage>> {
    auth.request_password_reset(input, &client).await?;
    Ok(Json(StatusMessage {
        status: true,
        message: "If this email exists in our system, check your email for the reset link",
    }))
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    #[serde(rename = "callbackURL")]
    callback_url: Option<String>,
    token: Option<String>,
}

/// `GET /api/auth/reset-password/{token}`: the link in the mail. Redirects to `callbackURL`
/// (the reset page by default) with `?token=…`, or `?error=INVALID_TOKEN`.
pub async fn reset_link(
    State(auth): State<Auth>,
    Path(token): Path<String>,
    Query(query): Query<CallbackQuery>,
) -> ApiResult<Response> {
    let target = auth
        .reset_link_target(&token, query.callback_url.as_deref())
        .await?;
    found(&target)
}

/// `POST /api/auth/reset-password`: a new password with the token from the link (in the body,
/// or `?token=`). Ends every session of the account.
#[utoipa::path(
    post, path = "/api/auth/reset-password", tag = "account",
    request_body = ResetPasswordInput,
    responses((status = 200, description = "Reset", body = Status), Errors400, Errors422, BodyErrors),
)]
pub async fn reset_password(
    State(auth): State<Auth>,
    Client(client): Client,
    Query(query): Query<CallbackQuery>,
    JsonBody(mut input): JsonBody<ResetPasswordInput>,
) -> ApiResult<Json<Status>> {
    if input.token.as_deref().is_none_or(str::is_empty) {
        input.token = query.token;
    }
    auth.reset_password(input, &client).await?;
    Ok(DONE)
}

/// `POST /api/auth/send-verification-email`: mails a verification link. Signed in, the email
/// must be the account's and unverified; signed out, the answer never tells.
#[utoipa::path(
    post, path = "/api/auth/send-verification-email", tag = "account",
    request_body = VerificationInput,
    responses((status = 200, description = "Accepted", body = Status), Errors400, Errors403, Errors422, BodyErrors, Errors429),
)]
pub async fn send_verification_email(
    State(auth): State<Auth>,
    Client(client): Client,
    owner: Result<AccountOwner, ApiError>,
    JsonBody(input): JsonBody<VerificationInput>,
) -> ApiResult<Json<Status>> {
    let user = owner.ok().map(|AccountOwner(owner)| owner.user);
    auth.send_verification_email(input, user.as_ref(), &client)
        .await?;
    Ok(DONE)
}

/// `GET /api/auth/verify-email?token=…&callbackURL=…`: the link in the mail. Marks the address
/// verified, then redirects to `callbackURL` (`?error=INVALID_TOKEN` / `TOKEN_EXPIRED` when it
/// fails); without one, answers `{status: true, user: null}` or a 401.
pub async fn verify_email(
    State(auth): State<Auth>,
    Client(client): Client,
    Query(query): Query<CallbackQuery>,
) -> ApiResult<Response> {
    let callback = match query
        .callback_url
        .as_deref()
        .filter(|c| !c.trim().is_empty())
    {
        Some(raw) => Some(auth.redirect_target(Some(raw), "/", "callbackURL")?),
        None => None,
    };
    let outcome = auth
        .verify_email(query.token.as_deref().unwrap_or_default(), &client)
        .await;
    match (outcome, callback) {
        (Ok(_), Some(callback)) => found(&callback),
        (Ok(_), None) => {
            Ok(Json(serde_json::json!({"status": true, "user": null})).into_response())
        }
        (Err(err @ Error::VerificationLink { .. }), Some(callback)) => {
            found(&with_query(&callback, "error", err.code().as_str())?)
        }
        (Err(err), _) => Err(err.into()),
    }
}

/// Any other `/api/…` path: a JSON 404 (never the HTML app).
pub async fn no_such_route(uri: Uri) -> ApiError {
    tracing::debug!(path = %crate::redact::path(uri.path()), "no such API route");
    Error::NotFound("API route").into()
}

/// A `302 Found` to `target`, as Better Auth redirects.
fn found(target: &str) -> ApiResult<Response> {
    let location =
        HeaderValue::from_str(target).map_err(|e| Error::Internal(format!("bad redirect: {e}")))?;
    Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}
