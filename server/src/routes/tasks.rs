//! `/api/{user_id}/tasks`: the task API of the FastAPI backend, route for route; the same
//! routes as `/api/tasks…` for the token's own subject (the shared-secret document's check
//! calls those); each also with a trailing slash, as FastAPI answers one (by a redirect).
//!
//! Every handler takes a [`TaskOwner`] first, so authentication (401) and the owner check (403)
//! happen before the body is read or the database touched. The rules themselves live in
//! `leptodo::tasks`, shared with the server functions.

use axum::{
    Router,
    extract::{RawQuery, State},
    http::StatusCode,
    routing::{get, patch},
};
use leptodo::{
    Database,
    tasks::{
        self, CreateTask, ListParams, ListQuery, NewTask, TagCount, Task, TaskChanges, Tasks,
        UpdateTask,
    },
};

use crate::{
    error::ApiResult,
    extract::{JsonBody, TaskId, TaskOwner},
    json::Json,
    openapi::{BodyErrors, Errors401, Errors403, Errors404, Errors422, WriteErrors},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for base in ["/api/{user_id}", "/api"] {
        for slash in ["", "/"] {
            router = router
                .route(&format!("{base}/tasks{slash}"), get(list).post(create))
                .route(
                    &format!("{base}/tasks/{{id}}{slash}"),
                    get(read).put(update).delete(remove),
                )
                .route(
                    &format!("{base}/tasks/{{id}}/complete{slash}"),
                    patch(toggle),
                )
                .route(&format!("{base}/tags{slash}"), get(tags));
        }
    }
    router
}

/// List the user's tasks: newest first unless `sort` says otherwise, filtered by state,
/// priority, tags, due date and search words (all combined).
#[utoipa::path(
    get, path = "/api/{user_id}/tasks", tag = "tasks",
    params(("user_id" = String, Path, description = "The caller's user id (the token's `sub`)"), ListParams),
    responses(
        (status = 200, description = "A page of tasks, in the order asked for", body = Vec<Task>),
        Errors401, Errors403, Errors422,
    ),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn list(
    TaskOwner(owner): TaskOwner,
    State(db): State<Database>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Vec<Task>>> {
    // `priority` and `tag` repeat; any other parameter given twice is a 422 naming it.
    let params = ListParams::from_query(raw.as_deref().unwrap_or_default())?;
    let query = ListQuery::parse(&params)?;
    Ok(Json(tasks::list(&db, &owner, &query).await?))
}

/// The tags on the user's tasks, with how many tasks carry each, the most used first.
#[utoipa::path(
    get, path = "/api/{user_id}/tags", tag = "tasks",
    params(("user_id" = String, Path, description = "The caller's user id")),
    responses(
        (status = 200, description = "Tags in use (tags differing only in case count as one)", body = Vec<TagCount>),
        Errors401, Errors403,
    ),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn tags(
    TaskOwner(owner): TaskOwner,
    State(db): State<Database>,
) -> ApiResult<Json<Vec<TagCount>>> {
    Ok(Json(tasks::tags(&db, &owner).await?))
}

/// Create a task.
#[utoipa::path(
    post, path = "/api/{user_id}/tasks", tag = "tasks",
    params(("user_id" = String, Path, description = "The caller's user id")),
    request_body = CreateTask,
    responses(
        (status = 201, description = "The new task", body = Task),
        Errors401, Errors403, Errors422, BodyErrors, WriteErrors,
    ),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn create(
    TaskOwner(owner): TaskOwner,
    State(writes): State<Tasks>,
    JsonBody(input): JsonBody<CreateTask>,
) -> ApiResult<(StatusCode, Json<Task>)> {
    let task = NewTask::parse(&input)?;
    Ok((
        StatusCode::CREATED,
        Json(writes.create(&owner, &task).await?),
    ))
}

/// Read one task.
#[utoipa::path(
    get, path = "/api/{user_id}/tasks/{id}", tag = "tasks",
    params(("user_id" = String, Path), ("id" = i64, Path, minimum = 1, description = "The task id (a positive whole number)")),
    responses(
        (status = 200, description = "The task", body = Task),
        Errors401, Errors403, Errors404, Errors422,
    ),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn read(
    TaskOwner(owner): TaskOwner,
    State(db): State<Database>,
    TaskId(id): TaskId,
) -> ApiResult<Json<Task>> {
    Ok(Json(tasks::get(&db, &owner, id).await?))
}

/// Change a task: fields left out keep their value.
#[utoipa::path(
    put, path = "/api/{user_id}/tasks/{id}", tag = "tasks",
    params(("user_id" = String, Path), ("id" = i64, Path, minimum = 1, description = "The task id (a positive whole number)")),
    request_body = UpdateTask,
    responses(
        (status = 200, description = "The changed task", body = Task),
        Errors401, Errors403, Errors404, Errors422, BodyErrors, WriteErrors,
    ),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn update(
    TaskOwner(owner): TaskOwner,
    State(writes): State<Tasks>,
    TaskId(id): TaskId,
    JsonBody(input): JsonBody<UpdateTask>,
) -> ApiResult<Json<Task>> {
    let changes = TaskChanges::parse(&input)?;
    Ok(Json(writes.update(&owner, id, &changes).await?))
}

/// Delete a task.
///
/// Answers 200 with the task as it was (the FastAPI documents' client reads a JSON body from
/// every success; a client that expects 204 takes any 2xx).
#[utoipa::path(
    delete, path = "/api/{user_id}/tasks/{id}", tag = "tasks",
    params(("user_id" = String, Path), ("id" = i64, Path, minimum = 1, description = "The task id (a positive whole number)")),
    responses(
        (status = 200, description = "Deleted: the task as it was", body = Task),
        Errors401, Errors403, Errors404, Errors422, WriteErrors,
    ),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn remove(
    TaskOwner(owner): TaskOwner,
    State(writes): State<Tasks>,
    TaskId(id): TaskId,
) -> ApiResult<Json<Task>> {
    Ok(Json(writes.delete(&owner, id).await?))
}

/// Flip a task between open and completed.
#[utoipa::path(
    patch, path = "/api/{user_id}/tasks/{id}/complete", tag = "tasks",
    params(("user_id" = String, Path), ("id" = i64, Path, minimum = 1, description = "The task id (a positive whole number)")),
    responses(
        (status = 200, description = "The task with `completed` flipped. Completing a repeating task also creates its next occurrence (once)", body = Task),
        Errors401, Errors403, Errors404, Errors422, WriteErrors,
    ),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn toggle(
    TaskOwner(owner): TaskOwner,
    State(writes): State<Tasks>,
    TaskId(id): TaskId,
) -> ApiResult<Json<Task>> {
    Ok(Json(writes.toggle(&owner, id).await?))
}
