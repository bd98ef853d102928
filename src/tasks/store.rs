//! The `tasks` table: the SQL that lists, counts, creates, reads, changes and deletes tasks.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ListQuery, NewTask, Task, TaskChanges};
use crate::{
    db::{Database, now, with_pool, with_writer},
    error::{Error, Result},
};

const COLUMNS: &str = "id, user_id, title, description, completed, created_at, updated_at";

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
