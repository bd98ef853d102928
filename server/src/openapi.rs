//! The OpenAPI document (generated from the handlers' annotations) at `/api/openapi.json`, and
//! Swagger UI at `/docs`, served from the binary (the UI's files are vendored at build time).

use axum::Router;
use leptodo::{
    FieldError,
    sessions::Session,
    tasks::{CreateTask, Due, Order, Priority, Recurrence, Sort, TagCount, Task, UpdateTask},
    users::{SignInInput, SignUpInput, User},
};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_swagger_ui::SwaggerUi;

use crate::{error::ErrorBody, routes, state::AppState};

// The wrappers below only describe responses to the OpenAPI derive; nothing builds them.
#[allow(dead_code)]
mod responses {
    use utoipa::IntoResponses;

    use crate::error::ErrorBody;

    #[derive(IntoResponses)]
    #[response(
        status = 400,
        description = "Refused by the account's state: a wrong current password \
                       (`INVALID_PASSWORD`), a bad reset token (`INVALID_TOKEN`), mail not \
                       configured (`EMAIL_NOT_CONFIGURED`), …"
    )]
    pub struct Errors400(#[to_schema] ErrorBody);

    #[derive(IntoResponses)]
    #[response(
        status = 401,
        description = "No credentials, or a token or session that is invalid or expired \
                       (with `WWW-Authenticate: Bearer`)"
    )]
    pub struct Errors401(#[to_schema] ErrorBody);

    #[derive(IntoResponses)]
    #[response(
        status = 403,
        description = "The `user_id` in the path is not the caller's, or the request came \
                       from an untrusted origin"
    )]
    pub struct Errors403(#[to_schema] ErrorBody);

    #[derive(IntoResponses)]
    #[response(status = 404, description = "No such task among the caller's")]
    pub struct Errors404(#[to_schema] ErrorBody);

    #[derive(IntoResponses)]
    #[response(
        status = 422,
        description = "Invalid input (`detail` lists each problem); nothing was changed"
    )]
    pub struct Errors422(#[to_schema] ErrorBody);

    /// The answers any JSON-body route may also give.
    #[derive(IntoResponses)]
    pub enum BodyErrors {
        #[response(
            status = 400,
            description = "The body is not valid JSON; or, on the account routes, an email that \
                           cannot be an address (`INVALID_EMAIL`)"
        )]
        Malformed(#[to_schema] ErrorBody),
        #[response(status = 413, description = "The body is larger than 1 MiB")]
        TooLarge(#[to_schema] ErrorBody),
        #[response(status = 415, description = "The body is not `application/json`")]
        NotJson(#[to_schema] ErrorBody),
    }

    #[derive(IntoResponses)]
    #[response(
        status = 429,
        description = "Too many attempts: wait for `Retry-After` seconds"
    )]
    pub struct Errors429(#[to_schema] ErrorBody);

    /// What a task write may also answer: its owner's quotas.
    #[derive(IntoResponses)]
    pub enum WriteErrors {
        #[response(
            status = 409,
            description = "The account holds `MAX_TASKS_PER_USER` tasks (`TASK_LIMIT_REACHED`): \
                           delete some to add more"
        )]
        TaskLimit(#[to_schema] ErrorBody),
        #[response(
            status = 429,
            description = "Over `TASK_WRITE_RATE_LIMIT`: wait for `Retry-After` seconds"
        )]
        TooManyWrites(#[to_schema] ErrorBody),
        #[response(
            status = 507,
            description = "The server's storage is full (`STORAGE_FULL`): nothing was saved"
        )]
        StorageFull(#[to_schema] ErrorBody),
    }
}

pub use responses::{
    BodyErrors, Errors400, Errors401, Errors403, Errors404, Errors422, Errors429, WriteErrors,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Leptodo API",
        description = "Accounts (Better Auth's email/password endpoints) and per-user tasks \
                       (the FastAPI backend's routes). Task routes take `Authorization: Bearer \
                       <JWT>` (from sign-in, sign-up or `/api/auth/token`; HS256 with the shared \
                       secret by default, or EdDSA/ES256/RS256 with the keys at \
                       `/api/auth/jwks`), or the session cookie for same-origin browser calls."
    ),
    paths(
        routes::auth::sign_up,
        routes::auth::sign_in,
        routes::auth::sign_out,
        routes::auth::get_session,
        routes::auth::token,
        routes::auth::jwks,
        routes::account::update_user,
        routes::account::change_password,
        routes::account::list_sessions,
        routes::account::revoke_session,
        routes::account::revoke_sessions,
        routes::account::revoke_other_sessions,
        routes::account::delete_user,
        routes::account::request_password_reset,
        routes::account::reset_password,
        routes::account::send_verification_email,
        routes::tasks::list,
        routes::tasks::create,
        routes::tasks::read,
        routes::tasks::update,
        routes::tasks::remove,
        routes::tasks::toggle,
        routes::tasks::tags,
    ),
    components(schemas(
        Task, CreateTask, UpdateTask, Priority, Recurrence, Due, Sort, Order, TagCount, User, Session, SignUpInput, SignInInput,
        ErrorBody, FieldError,
    )),
    modifiers(&SecuritySchemes, &OwnTasks),
    tags(
        (name = "auth", description = "Sign-up, sign-in, sessions and API tokens"),
        (name = "account", description = "Keeping an account: name, password, devices, deletion, reset and verification by mail"),
        (name = "tasks", description = "A user's own tasks"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                leptodo::session_cookie::COOKIE_NAME,
            ))),
        );
    }
}

/// The `/api/tasks…` routes: the `/api/{user_id}/…` entries again, for the token's own
/// subject (no `user_id` parameter; operation ids with an `_own` suffix, as ids are unique).
struct OwnTasks;

impl Modify for OwnTasks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        let own: Vec<(String, utoipa::openapi::PathItem)> = openapi
            .paths
            .paths
            .iter()
            .filter_map(|(path, item)| {
                let rest = path.strip_prefix("/api/{user_id}/")?;
                let mut item = item.clone();
                for operation in [
                    &mut item.get,
                    &mut item.put,
                    &mut item.post,
                    &mut item.delete,
                    &mut item.patch,
                ]
                .into_iter()
                .flatten()
                {
                    if let Some(parameters) = &mut operation.parameters {
                        parameters.retain(|p| !matches!(p, RefOr::T(p) if p.name == "user_id"));
                    }
                    if let Some(id) = &mut operation.operation_id {
                        id.push_str("_own");
                    }
                    let note = "The caller's own tasks: the same as the route with their user id.";
                    operation.description = Some(match operation.description.take() {
                        Some(text) => format!("{text}\n\n{note}"),
                        None => note.to_owned(),
                    });
                }
                Some((format!("/api/{rest}"), item))
            })
            .collect();
        openapi.paths.paths.extend(own);
    }
}

pub fn router() -> Router<AppState> {
    SwaggerUi::new("/docs")
        .url("/api/openapi.json", ApiDoc::openapi())
        .into()
}
