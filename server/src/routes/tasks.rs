//! `/api/{user_id}/tasks`: the task API of the FastAPI backend, route for route.
//!
//! Every handler takes a [`TaskOwner`] first, so authentication (401) and the owner check (403)
//! happen before the body is read or the database touched. The rules themselves live in
//! `leptodo::tasks`, shared with the server functions.

use axum::{
    Router,
    extract::{Path, RawQuery, State},
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
    extract::{JsonBody, TaskOwner},
    json::Json,
    openapi::{BodyErrors, Errors401, Errors403, Errors404, Errors422, WriteErrors},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/{user_id}/tasks", get(list).post(create))
        .route(
            "/api/{user_id}/tasks/{id}",
            get(read).put(update).delete(remove),
        )
        .route("/api/{user_id}/tasks/{id}/complete", patch(toggle))
        .route("/api/{user_id}/tags", get(tags))
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
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<Json<Task>> {
    let id = tasks::parse_id(&id)?;
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
    Path((_, id)): Path<(String, String)>,
    JsonBody(input): JsonBody<UpdateTask>,
) -> ApiResult<Json<Task>> {
    let id = tasks::parse_id(&id)?;
    let changes = TaskChanges::parse(&input)?;
    Ok(Json(writes.update(&owner, id, &changes).await?))
}

/// Delete a task.
#[utoipa::path(
    delete, path = "/api/{user_id}/tasks/{id}", tag = "tasks",
    params(("user_id" = String, Path), ("id" = i64, Path, minimum = 1, description = "The task id (a positive whole number)")),
    responses(
        (status = 204, description = "Deleted"),
        Errors401, Errors403, Errors404, Errors422, WriteErrors,
    ),
    security(("bearer" = []), ("session_cookie" = []))
)]
pub async fn remove(
    TaskOwner(owner): TaskOwner,
    State(writes): State<Tasks>,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = tasks::parse_id(&id)?;
    writes.delete(&owner, id).await?;
    Ok(StatusCode::NO_CONTENT)
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
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<Json<Task>> {
    let id = tasks::parse_id(&id)?;
    Ok(Json(writes.toggle(&owner, id).await?))
}
