//! Tasks: the rules (title and description limits, list paging) and the `tasks` table.
//!
//! Ownership is part of every statement (`WHERE id = $1 AND user_id = $2`), never a check
//! after a fetch: another user's task and a missing one are the same `NotFound`.

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::{
    auth::Identity,
    db::{Database, now, with_pool, with_writer},
    error::{Error, FieldError, LocPart, Result},
};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 100;

/// A task as the API shows it (snake_case, as the FastAPI backend had it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct Task {
    #[schema(example = 1)]
    pub id: i64,
    pub user_id: String,
    #[schema(example = "Buy milk")]
    pub title: String,
    /// `null` when the task has none.
    pub description: Option<String>,
    pub completed: bool,
    /// RFC 3339, UTC.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// RFC 3339, UTC.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

const COLUMNS: &str = "id, user_id, title, description, completed, created_at, updated_at";

/// Refuses any access to `user_id`'s tasks by someone else: the first check on every task
/// route, before anything is read.
pub fn authorize(caller: &Identity, user_id: &str) -> Result<()> {
    if caller.user_id == user_id {
        Ok(())
    } else {
        Err(Error::Forbidden("you can only access your own tasks"))
    }
}

// Lengths are counted on the text as sent, as the OpenAPI `maxLength` and a browser's
// `maxlength` count them; surrounding whitespace is trimmed afterwards.
fn title(raw: &str) -> Result<String, FieldError> {
    if raw.contains('\0') {
        return Err(nul_character("title"));
    }
    let title = raw.trim();
    if title.is_empty() {
        return Err(FieldError::body(
            "title",
            "string_too_short",
            "TITLE_REQUIRED",
            "the title cannot be empty",
        ));
    }
    if raw.chars().count() > MAX_TITLE_CHARS {
        return Err(FieldError::body(
            "title",
            "string_too_long",
            "TITLE_TOO_LONG",
            format!("the title must be at most {MAX_TITLE_CHARS} characters"),
        ));
    }
    Ok(title.to_string())
}

/// Text may hold any character but NUL, which Postgres cannot store (SQLite could, but both
/// backends must behave the same).
fn nul_character(field: &str) -> FieldError {
    FieldError::body(
        field,
        "string_pattern_mismatch",
        "NUL_CHARACTER",
        format!("the {field} cannot contain NUL (\\0) characters"),
    )
}

/// Trimmed; empty (or only whitespace) means none.
fn description(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if raw.contains('\0') {
        return Err(nul_character("description"));
    }
    if raw.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(FieldError::body(
            "description",
            "string_too_long",
            "DESCRIPTION_TOO_LONG",
            format!("the description must be at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    let text = raw.trim();
    Ok((!text.is_empty()).then(|| text.to_string()))
}

fn collect<T>(errors: Vec<FieldError>, value: impl FnOnce() -> T) -> Result<T> {
    if errors.is_empty() {
        Ok(value())
    } else {
        Err(Error::Invalid(errors))
    }
}

/// `POST /api/{user_id}/tasks` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CreateTask {
    /// 1–200 characters after trimming.
    // The pattern: no NUL, and at least one character `str::trim` keeps (it removes Unicode
    // White_Space, as `char::is_whitespace` defines it). Same in `UpdateTask`.
    #[schema(
        example = "Buy milk",
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00]*$"
    )]
    pub title: String,
    /// Up to 1000 characters; empty or `null` for none.
    #[serde(default)]
    #[schema(max_length = 1000, pattern = r"^[^\x00]*$")]
    pub description: Option<String>,
}

/// A checked new task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub title: String,
    pub description: Option<String>,
}

impl NewTask {
    pub fn parse(input: &CreateTask) -> Result<Self> {
        let (title, description) = (
            title(&input.title),
            description(input.description.as_deref()),
        );
        let errors = [title.as_ref().err(), description.as_ref().err()]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        collect(errors, || Self {
            title: title.unwrap_or_default(),
            description: description.unwrap_or_default(),
        })
    }
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `PUT /api/{user_id}/tasks/{id}` body: fields left out keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UpdateTask {
    /// 1–200 characters after trimming; not `null`.
    #[serde(default, deserialize_with = "present")]
    #[schema(
        value_type = String,
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00]*$"
    )]
    pub title: Option<Option<String>>,
    /// Up to 1000 characters; `null` or empty removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1000, pattern = r"^[^\x00]*$")]
    pub description: Option<Option<String>>,
    /// Not `null`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = bool)]
    pub completed: Option<Option<bool>>,
}

/// A checked change: `None` keeps a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub completed: Option<bool>,
}

impl TaskChanges {
    pub fn parse(input: &UpdateTask) -> Result<Self> {
        let mut errors = Vec::new();
        let not_null = |field: &str| {
            FieldError::body(
                field,
                "null_not_allowed",
                "VALIDATION_ERROR",
                format!("{field} cannot be null"),
            )
        };
        let title = match &input.title {
            None => None,
            Some(None) => {
                errors.push(not_null("title"));
                None
            }
            Some(Some(raw)) => title(raw).map_err(|e| errors.push(e)).ok(),
        };
        let description = match &input.description {
            None => None,
            Some(raw) => description(raw.as_deref()).map_err(|e| errors.push(e)).ok(),
        };
        let completed = match input.completed {
            None => None,
            Some(None) => {
                errors.push(not_null("completed"));
                None
            }
            Some(Some(value)) => Some(value),
        };
        collect(errors, || Self {
            title,
            description,
            completed,
        })
    }
}

/// `GET /api/{user_id}/tasks` query, as sent (checked by [`ListQuery::parse`]).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `true` for completed tasks only, `false` for open ones; all when left out.
    #[param(value_type = Option<bool>)]
    pub completed: Option<String>,
    /// 1–100, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// 0 or more, default 0.
    #[param(value_type = Option<u64>, minimum = 0)]
    pub offset: Option<String>,
}

/// Which tasks to list: newest first, optionally by completion, a page at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListQuery {
    pub completed: Option<bool>,
    pub limit: u32,
    pub offset: u64,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            completed: None,
            limit: DEFAULT_PAGE,
            offset: 0,
        }
    }
}

fn query_error(name: &str, kind: &'static str, msg: String) -> FieldError {
    FieldError {
        loc: vec![LocPart::Key("query".into()), LocPart::Key(name.into())],
        msg,
        kind,
        code: "VALIDATION_ERROR",
    }
}

impl ListQuery {
    pub fn parse(params: &ListParams) -> Result<Self> {
        let mut errors = Vec::new();
        let completed = match params.completed.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Some(true),
                "false" | "0" | "no" | "off" => Some(false),
                _ => {
                    errors.push(query_error(
                        "completed",
                        "bool_parsing",
                        format!("completed must be true or false, not {v:?}"),
                    ));
                    None
                }
            },
        };
        let limit = match params.limit.as_deref().map(str::trim) {
            None => DEFAULT_PAGE,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
                _ => {
                    errors.push(query_error(
                        "limit",
                        "int_parsing",
                        format!("limit must be a whole number from 1 to {MAX_PAGE}"),
                    ));
                    DEFAULT_PAGE
                }
            },
        };
        let offset = match params.offset.as_deref().map(str::trim) {
            None => 0,
            Some(v) => match v.parse::<u64>() {
                Ok(n) if n <= i64::MAX as u64 => n,
                _ => {
                    errors.push(query_error(
                        "offset",
                        "int_parsing",
                        "offset must be a whole number, 0 or more".into(),
                    ));
                    0
                }
            },
        };
        collect(errors, || Self {
            completed,
            limit,
            offset,
        })
    }
}

/// A task id from a URL path: a positive integer, else a 422 at `["path", "id"]`.
pub fn parse_id(raw: &str) -> Result<i64> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            Error::invalid(FieldError {
                loc: vec![LocPart::Key("path".into()), LocPart::Key("id".into())],
                msg: "the task id must be a positive whole number".into(),
                kind: "int_parsing",
                code: "VALIDATION_ERROR",
            })
        })
}

/// How many tasks a user has, by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaskCounts {
    pub all: i64,
    pub active: i64,
    pub completed: i64,
}

/// `owner`'s tasks, newest first.
pub async fn list(db: &Database, owner: &str, query: &ListQuery) -> Result<Vec<Task>> {
    let limit = i64::from(query.limit);
    let offset = query.offset as i64;
    let filter = match query.completed {
        None => "",
        Some(_) => " AND completed = $4",
    };
    let page = format!(
        "SELECT {COLUMNS} FROM tasks WHERE user_id = $1{filter} ORDER BY id DESC LIMIT $2 OFFSET $3"
    );
    match db {
        // sqlx hands SQLite rows over one at a time from the connection's thread, which costs
        // more than the query itself: a page of 50 tasks came to 58% of a list request. So
        // SQLite packs the page into one JSON value (one hand-over) and it is unpacked here.
        Database::Sqlite(sqlite) => {
            let sql = format!(
                "SELECT json_group_array(json_array({COLUMNS}) ORDER BY id DESC) FROM ({page})"
            );
            let mut statement = sqlx::query_scalar(&sql)
                .bind(owner)
                .bind(limit)
                .bind(offset);
            if let Some(completed) = query.completed {
                statement = statement.bind(completed);
            }
            let page: String = statement
                .fetch_one(sqlite.pool())
                .await
                .map_err(crate::DatabaseError::from)?;
            tasks_from_json(&page)
        }
        Database::Postgres(pool) => {
            let mut statement = sqlx::query_as(&page).bind(owner).bind(limit).bind(offset);
            if let Some(completed) = query.completed {
                statement = statement.bind(completed);
            }
            Ok(statement
                .fetch_all(pool)
                .await
                .map_err(crate::DatabaseError::from)?)
        }
    }
}

/// Unpacks SQLite's `json_group_array(json_array(COLUMNS))` (see [`list`]).
fn tasks_from_json(page: &str) -> Result<Vec<Task>> {
    type Row = (i64, String, String, Option<String>, i64, String, String);
    let bad = |what: String| Error::Internal(format!("cannot read a page of tasks: {what}"));
    let rows: Vec<Row> = serde_json::from_str(page).map_err(|err| bad(err.to_string()))?;
    rows.into_iter()
        .map(
            |(id, user_id, title, description, completed, created, updated)| {
                let timestamp = |text: &str| {
                    crate::db::parse_sqlite_timestamp(text)
                        .ok_or_else(|| bad(format!("task {id} has the timestamp {text:?}")))
                };
                Ok(Task {
                    id,
                    user_id,
                    title,
                    description,
                    completed: completed != 0,
                    created_at: timestamp(&created)?,
                    updated_at: timestamp(&updated)?,
                })
            },
        )
        .collect()
}

/// How many tasks `owner` has in all, open and done.
pub async fn counts(db: &Database, owner: &str) -> Result<TaskCounts> {
    let (all, completed): (i64, i64) = with_pool!(db, pool => sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN completed THEN 1 ELSE 0 END), 0) \
         FROM tasks WHERE user_id = $1",
    )
    .bind(owner)
    .fetch_one(pool)
    .await)?;
    Ok(TaskCounts {
        all,
        active: all - completed,
        completed,
    })
}

pub async fn create(db: &Database, owner: &str, task: &NewTask) -> Result<Task> {
    let at = now();
    let sql = format!(
        "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    );
    let (owner, task) = (owner.to_owned(), task.clone());
    Ok(with_writer!(db, conn => sqlx::query_as(&sql)
        .bind(&owner)
        .bind(&task.title)
        .bind(&task.description)
        .bind(false)
        .bind(at)
        .bind(at)
        .fetch_one(conn)
        .await)?)
}

pub async fn get(db: &Database, owner: &str, id: i64) -> Result<Task> {
    let sql = format!("SELECT {COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2");
    let task: Option<Task> = with_pool!(db, pool => sqlx::query_as(&sql)
        .bind(id)
        .bind(owner)
        .fetch_optional(pool)
        .await)?;
    task.ok_or(Error::NotFound("task"))
}

pub async fn update(db: &Database, owner: &str, id: i64, changes: &TaskChanges) -> Result<Task> {
    let sql = format!(
        "UPDATE tasks SET \
           title = COALESCE($1, title), \
           description = CASE WHEN $2 THEN $3 ELSE description END, \
           completed = COALESCE($4, completed), \
           updated_at = $5 \
         WHERE id = $6 AND user_id = $7 RETURNING {COLUMNS}"
    );
    let (owner, changes) = (owner.to_owned(), changes.clone());
    let task: Option<Task> = with_writer!(db, conn => sqlx::query_as(&sql)
        .bind(&changes.title)
        .bind(changes.description.is_some())
        .bind(changes.description.flatten())
        .bind(changes.completed)
        .bind(now())
        .bind(id)
        .bind(&owner)
        .fetch_optional(conn)
        .await)?;
    task.ok_or(Error::NotFound("task"))
}

/// Flips `completed`.
pub async fn toggle(db: &Database, owner: &str, id: i64) -> Result<Task> {
    let sql = format!(
        "UPDATE tasks SET completed = NOT completed, updated_at = $1 \
         WHERE id = $2 AND user_id = $3 RETURNING {COLUMNS}"
    );
    let owner = owner.to_owned();
    let task: Option<Task> = with_writer!(db, conn => sqlx::query_as(&sql)
        .bind(now())
        .bind(id)
        .bind(&owner)
        .fetch_optional(conn)
        .await)?;
    task.ok_or(Error::NotFound("task"))
}

pub async fn delete(db: &Database, owner: &str, id: i64) -> Result<()> {
    let owner = owner.to_owned();
    let deleted = with_writer!(db, conn => sqlx::query("DELETE FROM tasks WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(&owner)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    if deleted == 0 {
        return Err(Error::NotFound("task"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_descriptions_are_trimmed_and_bounded() {
        let ok = NewTask::parse(&CreateTask {
            title: "  Buy milk ".into(),
            description: Some("   ".into()),
        })
        .unwrap();
        assert_eq!(
            ok,
            NewTask {
                title: "Buy milk".into(),
                description: None
            }
        );
        assert!(
            NewTask::parse(&CreateTask {
                title: "x".repeat(200),
                description: Some("d".repeat(1000))
            })
            .is_ok()
        );
        let Err(Error::Invalid(errors)) = NewTask::parse(&CreateTask {
            title: " ".into(),
            description: Some("d".repeat(1001)),
        }) else {
            panic!("expected both fields to be refused")
        };
        let codes: Vec<_> = errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["TITLE_REQUIRED", "DESCRIPTION_TOO_LONG"]);
        assert!(
            NewTask::parse(&CreateTask {
                title: "é".repeat(201),
                description: None
            })
            .is_err()
        );
        // Limits count the text as sent (as OpenAPI's maxLength does), padding included.
        let padded = format!("{} ", "x".repeat(200));
        assert!(
            NewTask::parse(&CreateTask {
                title: padded.clone(),
                description: None
            })
            .is_err()
        );
        assert!(
            NewTask::parse(&CreateTask {
                title: "x".into(),
                description: Some(format!("{}\r", "d".repeat(1000)))
            })
            .is_err()
        );
    }

    #[test]
    fn updates_tell_missing_from_null() {
        let input: UpdateTask = serde_json::from_str(r#"{"description": null}"#).unwrap();
        let changes = TaskChanges::parse(&input).unwrap();
        assert_eq!(
            changes,
            TaskChanges {
                title: None,
                description: Some(None),
                completed: None
            }
        );
        let input: UpdateTask = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(TaskChanges::parse(&input).unwrap(), TaskChanges::default());
        let input: UpdateTask =
            serde_json::from_str(r#"{"title": null, "completed": null}"#).unwrap();
        assert!(TaskChanges::parse(&input).is_err());
        assert!(serde_json::from_str::<UpdateTask>(r#"{"completed": "yes"}"#).is_err());
    }

    #[test]
    fn list_queries_are_checked() {
        let parse = |completed: Option<&str>, limit: Option<&str>, offset: Option<&str>| {
            ListQuery::parse(&ListParams {
                completed: completed.map(Into::into),
                limit: limit.map(Into::into),
                offset: offset.map(Into::into),
            })
        };
        assert_eq!(parse(None, None, None).unwrap(), ListQuery::default());
        assert_eq!(
            parse(Some("true"), Some("100"), Some("5")).unwrap(),
            ListQuery {
                completed: Some(true),
                limit: 100,
                offset: 5
            }
        );
        for (c, l, o) in [
            (Some("maybe"), None, None),
            (None, Some("0"), None),
            (None, Some("101"), None),
            (None, Some("ten"), None),
            (None, None, Some("-1")),
        ] {
            assert!(parse(c, l, o).is_err(), "{c:?} {l:?} {o:?}");
        }
        let Err(Error::Invalid(errors)) = parse(Some("x"), Some("0"), Some("-1")) else {
            panic!()
        };
        assert_eq!(errors.len(), 3, "every bad parameter is reported");
        assert!(parse_id("0").is_err() && parse_id("abc").is_err() && parse_id("7").is_ok());
    }

    #[tokio::test]
    async fn storage_enforces_ownership_in_every_statement() {
        let db = Database::connect("sqlite::memory:", 1).await.unwrap();
        db.migrate().await.unwrap();
        let user = |email: &str| {
            crate::users::NewAccount::parse(crate::users::SignUpInput {
                name: "U".into(),
                email: email.into(),
                password: "password1".into(),
            })
            .unwrap()
        };
        let ada = crate::users::create(&db, &user("ada@example.com"), "h")
            .await
            .unwrap()
            .id;
        let bob = crate::users::create(&db, &user("bob@example.com"), "h")
            .await
            .unwrap()
            .id;

        let new = |t: &str| NewTask {
            title: t.into(),
            description: None,
        };
        let first = create(&db, &ada, &new("first")).await.unwrap();
        let second = create(&db, &ada, &new("second")).await.unwrap();
        assert!(!first.completed && first.description.is_none());

        let listed = list(&db, &ada, &ListQuery::default()).await.unwrap();
        assert_eq!(
            listed.iter().map(|t| t.id).collect::<Vec<_>>(),
            [second.id, first.id]
        );
        assert!(
            list(&db, &bob, &ListQuery::default())
                .await
                .unwrap()
                .is_empty()
        );

        // Bob cannot read, change, toggle or delete Ada's task: it does not exist for him.
        assert!(matches!(
            get(&db, &bob, first.id).await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            update(
                &db,
                &bob,
                first.id,
                &TaskChanges {
                    title: Some("x".into()),
                    ..Default::default()
                }
            )
            .await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            toggle(&db, &bob, first.id).await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            delete(&db, &bob, first.id).await,
            Err(Error::NotFound(_))
        ));
        assert_eq!(get(&db, &ada, first.id).await.unwrap(), first);

        let toggled = toggle(&db, &ada, first.id).await.unwrap();
        assert!(toggled.completed);
        let changed = update(
            &db,
            &ada,
            first.id,
            &TaskChanges {
                description: Some(Some("d".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            (
                changed.title.as_str(),
                changed.description.as_deref(),
                changed.completed
            ),
            ("first", Some("d"), true)
        );
        let cleared = update(
            &db,
            &ada,
            first.id,
            &TaskChanges {
                description: Some(None),
                completed: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!((cleared.description, cleared.completed), (None, false));

        toggle(&db, &ada, second.id).await.unwrap();
        let done = list(
            &db,
            &ada,
            &ListQuery {
                completed: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(done.iter().map(|t| t.id).collect::<Vec<_>>(), [second.id]);
        assert_eq!(
            counts(&db, &ada).await.unwrap(),
            TaskCounts {
                all: 2,
                active: 1,
                completed: 1
            }
        );
        let page = list(
            &db,
            &ada,
            &ListQuery {
                limit: 1,
                offset: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(page.iter().map(|t| t.id).collect::<Vec<_>>(), [first.id]);

        delete(&db, &ada, first.id).await.unwrap();
        assert!(matches!(
            delete(&db, &ada, first.id).await,
            Err(Error::NotFound(_))
        ));
    }
}
