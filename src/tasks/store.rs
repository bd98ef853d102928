//! The SQL that writes tasks. A task's row, its search words (`task_words`) and its tags
//! (`task_tags`) change in one transaction, and completing a repeating task creates its next
//! occurrence in the same one.

use super::{
    NewTask, Priority, Recurrence, Task, TaskChanges,
    fields::{join_tags, split_tags, tag_key, task_words, title_key},
    input::recurrence_needs_due_date,
    list::{COLUMNS, TaskRow},
    statement::{Arg, Statement, bind_args},
};
use crate::{
    db::{Database, now, with_pool, with_write_tx, with_writer},
    error::{Error, Result},
};

/// Rows per statement when a task's words are written (each row is three arguments).
const WORDS_PER_INSERT: usize = 200;
/// Tasks per transaction when [`reindex`] catches up.
const REINDEX_BATCH: i64 = 500;

fn insert_statement(owner: &str, task: &NewTask) -> Statement {
    let at = now();
    let mut st = Statement::default();
    let values = [
        Arg::Text(owner.to_owned()),
        Arg::Text(task.title.clone()),
        Arg::OptText(task.description.clone()),
        Arg::Bool(false),
        Arg::Int(task.priority.rank()),
        Arg::Text(join_tags(&task.tags)),
        Arg::OptDate(task.due_date),
        Arg::OptText(task.recurrence.map(|r| r.as_str().to_owned())),
        Arg::Text(title_key(&task.title)),
        Arg::Bool(true),
        Arg::Time(at),
        Arg::Time(at),
    ]
    .map(|value| st.arg(value));
    st.sql = format!(
        "INSERT INTO tasks (user_id, title, description, completed, priority, tags, due_date, \
         recurrence, title_key, indexed, created_at, updated_at) VALUES ({}) RETURNING {COLUMNS}",
        values.join(", ")
    );
    st
}

/// The statements that (re)write the rows task `id` is found by: its words and tags.
fn index_statements(
    id: i64,
    owner: &str,
    title: &str,
    description: Option<&str>,
    tags: &[String],
    replace: bool,
) -> Vec<Statement> {
    let mut statements = Vec::new();
    if replace {
        for table in ["task_words", "task_tags"] {
            statements.push(Statement {
                sql: format!("DELETE FROM {table} WHERE task_id = $1"),
                args: vec![Arg::Int(id)],
            });
        }
    }
    for chunk in task_words(title, description, tags).chunks(WORDS_PER_INSERT) {
        let mut st = Statement::default();
        let (user, task) = (st.arg(Arg::Text(owner.to_owned())), st.arg(Arg::Int(id)));
        let rows: Vec<_> = chunk
            .iter()
            .map(|word| format!("({user}, {}, {task})", st.arg(Arg::Text(word.clone()))))
            .collect();
        st.sql = format!(
            "INSERT INTO task_words (user_id, word, task_id) VALUES {}",
            rows.join(", ")
        );
        statements.push(st);
    }
    if !tags.is_empty() {
        let mut st = Statement::default();
        let (user, task) = (st.arg(Arg::Text(owner.to_owned())), st.arg(Arg::Int(id)));
        let rows: Vec<_> = tags
            .iter()
            .map(|tag| {
                let key = st.arg(Arg::Text(tag_key(tag)));
                format!(
                    "({user}, {key}, {task}, {})",
                    st.arg(Arg::Text(tag.clone()))
                )
            })
            .collect();
        st.sql = format!(
            "INSERT INTO task_tags (user_id, tag_key, task_id, tag) VALUES {}",
            rows.join(", ")
        );
        statements.push(st);
    }
    statements
}

fn row_index(row: &TaskRow, replace: bool) -> Vec<Statement> {
    index_statements(
        row.id,
        &row.user_id,
        &row.title,
        row.description.as_deref(),
        &split_tags(&row.tags),
        replace,
    )
}

/// The next occurrence of `row` when it has just been completed, repeats, and has none yet:
/// its insert, and the statement that marks `row` as having one.
fn next_occurrence(row: &TaskRow) -> Option<(Statement, Statement)> {
    let recurrence = Recurrence::from_stored(row.recurrence.as_deref()?)?;
    let due = row.due_date?;
    if !row.completed || row.recurred {
        return None;
    }
    let next = NewTask {
        title: row.title.clone(),
        description: row.description.clone(),
        priority: Priority::from_rank(row.priority.into()).unwrap_or_default(),
        tags: split_tags(&row.tags),
        due_date: Some(recurrence.next(due)),
        recurrence: Some(recurrence),
    };
    let mark = Statement {
        sql: "UPDATE tasks SET recurred = $1 WHERE id = $2".into(),
        args: vec![Arg::Bool(true), Arg::Int(row.id)],
    };
    Some((insert_statement(&row.user_id, &next), mark))
}

/// Runs `$statement` (returning a task row) and what follows from it in one transaction: the
/// row's index when `$reindex`, and its next occurrence when `$may_recur` and it is due one.
/// With `$cap` (`Some(Cap)`), the statement runs only while the owner holds fewer tasks than
/// the cap. Evaluates to the row, or `None` when no row matched (or the cap was reached).
macro_rules! write_task {
    ($db:expr, $statement:expr, reindex: $reindex:expr, may_recur: $may_recur:expr, cap: $cap:expr) => {{
        let (statement, reindex, may_recur, cap): (Statement, bool, bool, Option<Cap>) =
            ($statement, $reindex, $may_recur, $cap);
        with_write_tx!($db, conn => {
            let room = match &cap {
                // A create is held to the cap itself (a next occurrence, below, to the cap plus
                // the headroom).
                Some(cap) if cap.on_insert => {
                    // On Postgres `FOR UPDATE` holds concurrent creates of the same user (from
                    // any instance) until this one commits; SQLite's one writer already does.
                    let held: Option<(i64,)> = sqlx::query_as(&cap.sql)
                        .bind(&cap.owner)
                        .fetch_optional(&mut *conn)
                        .await?;
                    held.is_none_or(|(held,)| held < i64::from(cap.max))
                }
                _ => true,
            };
            let row: Option<TaskRow> = if room {
                bind_args!(sqlx::query_as(&statement.sql), statement.args)
                    .fetch_optional(&mut *conn)
                    .await?
            } else {
                None
            };
            if let Some(row) = &row {
                let mut follow = if reindex { row_index(row, true) } else { Vec::new() };
                if may_recur && let Some((insert, mark)) = next_occurrence(row) {
                    let repeat_room = match &cap {
                        None => true,
                        Some(cap) => {
                            let held: Option<(i64,)> = sqlx::query_as(&cap.sql)
                                .bind(&cap.owner)
                                .fetch_optional(&mut *conn)
                                .await?;
                            let most = i64::from(cap.max) + REPEAT_HEADROOM;
                            held.is_none_or(|(held,)| held < most)
                        }
                    };
                    if repeat_room {
                        let next: TaskRow = bind_args!(sqlx::query_as(&insert.sql), insert.args)
                            .fetch_one(&mut *conn)
                            .await?;
                        follow.extend(row_index(&next, false));
                        follow.push(mark);
                    } else {
                        tracing::warn!(user_id = %row.user_id, task_id = row.id, "the account is over its task limit: no next occurrence for this repeating task");
                    }
                }
                for st in follow {
                    bind_args!(sqlx::query(&st.sql), st.args)
                        .execute(&mut *conn)
                        .await?;
                }
            }
            Ok(row)
        })
        .map_err(write_error)
    }};
    ($db:expr, $statement:expr, reindex: $reindex:expr, may_recur: $may_recur:expr) => {
        write_task!($db, $statement, reindex: $reindex, may_recur: $may_recur, cap: None)
    };
}

/// How far past `MAX_TASKS_PER_USER` the next occurrences of repeating tasks may take an
/// account: completing a repeating task near the limit still repeats it, and the limit stays
/// a bound (each occurrence is one more task).
const REPEAT_HEADROOM: i64 = 100;

/// The most tasks a create may leave its owner with, and the statement that reads how many
/// the owner holds (`users.task_count`, kept by triggers).
struct Cap {
    owner: String,
    max: u32,
    /// Whether the statement itself inserts (a create), rather than changes a task.
    on_insert: bool,
    sql: &'static str,
}

impl Cap {
    fn new(db: &Database, owner: &str, max: u32, on_insert: bool) -> Self {
        Self {
            owner: owner.to_owned(),
            max,
            on_insert,
            sql: match db.backend() {
                crate::db::Backend::Postgres => {
                    "SELECT CAST(task_count AS BIGINT) FROM users WHERE id = $1 FOR UPDATE"
                }
                crate::db::Backend::Sqlite => {
                    "SELECT CAST(task_count AS BIGINT) FROM users WHERE id = $1"
                }
            },
        }
    }
}

/// A write refused by a check: the only one input can reach is "a repeating task needs a due
/// date" (a `PUT` that clears the date of a repeating task).
fn write_error(err: sqlx::Error) -> Error {
    match &err {
        sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::CheckViolation => {
            Error::invalid(recurrence_needs_due_date())
        }
        _ => err.into(),
    }
}

/// Stores a new task for `owner`, unless they already hold `max_tasks` (then
/// [`Error::TaskLimitReached`], and nothing is written). The next occurrence of a repeating
/// task may go [`REPEAT_HEADROOM`] past the limit: completing a task never fails for it.
pub async fn create(
    db: &Database,
    owner: &str,
    task: &NewTask,
    max_tasks: Option<u32>,
) -> Result<Task> {
    let cap = max_tasks.map(|max| Cap::new(db, owner, max, true));
    let row = write_task!(
        db, insert_statement(owner, task),
        reindex: true, may_recur: false, cap: cap
    )?;
    match (row, max_tasks) {
        (Some(row), _) => row.into_task(),
        (None, Some(max)) => Err(Error::TaskLimitReached { max }),
        (None, None) => Err(Error::Internal("an insert returned no row".into())),
    }
}

pub async fn get(db: &Database, owner: &str, id: i64) -> Result<Task> {
    let st = Statement {
        sql: format!("SELECT {COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2"),
        args: vec![Arg::Int(id), Arg::Text(owner.to_owned())],
    };
    let task = super::list::tasks(db, &st).await?.pop();
    task.ok_or(Error::NotFound("task"))
}

/// Applies `changes`; completing a repeating task (`completed: true`) creates its next
/// occurrence, once.
pub async fn update(
    db: &Database,
    owner: &str,
    id: i64,
    changes: &TaskChanges,
    max_tasks: Option<u32>,
) -> Result<Task> {
    let mut st = Statement::default();
    let c = changes.clone();
    let mut arg = |value| st.arg(value);
    let sets = [
        format!(
            "title = COALESCE({}, title)",
            arg(Arg::OptText(c.title.clone()))
        ),
        format!(
            "title_key = COALESCE({}, title_key)",
            arg(Arg::OptText(c.title.as_deref().map(title_key)))
        ),
        format!(
            "description = CASE WHEN {} THEN {} ELSE description END",
            arg(Arg::Bool(c.description.is_some())),
            arg(Arg::OptText(c.description.clone().flatten()))
        ),
        format!(
            "completed = COALESCE({}, completed)",
            arg(Arg::OptBool(c.completed))
        ),
        format!(
            "priority = COALESCE({}, priority)",
            arg(Arg::OptInt(c.priority.map(Priority::rank)))
        ),
        format!(
            "tags = COALESCE({}, tags)",
            arg(Arg::OptText(c.tags.as_deref().map(join_tags)))
        ),
        format!(
            "due_date = CASE WHEN {} THEN {} ELSE due_date END",
            arg(Arg::Bool(c.due_date.is_some())),
            arg(Arg::OptDate(c.due_date.flatten()))
        ),
        format!(
            "recurrence = CASE WHEN {} THEN {} ELSE recurrence END",
            arg(Arg::Bool(c.recurrence.is_some())),
            arg(Arg::OptText(
                c.recurrence.flatten().map(|r| r.as_str().to_owned())
            ))
        ),
        format!("updated_at = {}", arg(Arg::Time(now()))),
    ];
    let cap = max_tasks.map(|max| Cap::new(db, owner, max, false));
    let (id, owner) = (arg(Arg::Int(id)), arg(Arg::Text(owner.to_owned())));
    st.sql = format!(
        "UPDATE tasks SET {} WHERE id = {id} AND user_id = {owner} RETURNING {COLUMNS}, recurred",
        sets.join(", ")
    );
    let row = write_task!(
        db, st,
        reindex: changes.touches_index(),
        may_recur: changes.completed == Some(true),
        cap: cap
    )?;
    row.ok_or(Error::NotFound("task"))?.into_task()
}

/// Flips `completed`; completing a repeating task creates its next occurrence, once.
pub async fn toggle(db: &Database, owner: &str, id: i64, max_tasks: Option<u32>) -> Result<Task> {
    let st = Statement {
        sql: format!(
            "UPDATE tasks SET completed = NOT completed, updated_at = $1 \
             WHERE id = $2 AND user_id = $3 RETURNING {COLUMNS}, recurred"
        ),
        args: vec![Arg::Time(now()), Arg::Int(id), Arg::Text(owner.to_owned())],
    };
    let row = write_task!(
        db, st,
        reindex: false, may_recur: true,
        cap: max_tasks.map(|max| Cap::new(db, owner, max, false))
    )?;
    row.ok_or(Error::NotFound("task"))?.into_task()
}

/// Deletes a task; its words and tags go with it (`ON DELETE CASCADE`). Returns the task as
/// it was (the REST API answers with it).
pub async fn delete(db: &Database, owner: &str, id: i64) -> Result<Task> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("DELETE FROM tasks WHERE id = $1 AND user_id = $2 RETURNING {COLUMNS}")
    });
    let owner = owner.to_owned();
    let row: Option<TaskRow> = with_writer!(db, conn => sqlx::query_as(SQL.as_str())
        .bind(id)
        .bind(&owner)
        .fetch_optional(conn)
        .await)?;
    row.ok_or(Error::NotFound("task"))?.into_task()
}

/// Writes the search words, tags and title sort key of tasks stored before they existed
/// (`indexed` false: rows from before the organizing migration, or written by other tools),
/// a batch per transaction. Returns how many it indexed. Run at start, in the background.
pub async fn reindex(db: &Database) -> Result<u64> {
    let mut total = 0;
    loop {
        type Pending = (i64, String, String, Option<String>, String);
        let rows: Vec<Pending> = with_pool!(db, pool => sqlx::query_as(
            "SELECT id, user_id, title, description, tags FROM tasks WHERE NOT indexed \
             ORDER BY id LIMIT $1",
        )
        .bind(REINDEX_BATCH)
        .fetch_all(pool)
        .await)?;
        if rows.is_empty() {
            return Ok(total);
        }
        total += rows.len() as u64;
        let mut statements = Vec::new();
        for (id, owner, title, description, tags) in &rows {
            statements.extend(index_statements(
                *id,
                owner,
                title,
                description.as_deref(),
                &split_tags(tags),
                true,
            ));
            statements.push(Statement {
                sql: "UPDATE tasks SET indexed = $1, title_key = $2 WHERE id = $3".into(),
                args: vec![Arg::Bool(true), Arg::Text(title_key(title)), Arg::Int(*id)],
            });
        }
        with_write_tx!(db, conn => {
            for st in statements {
                bind_args!(sqlx::query(&st.sql), st.args).execute(&mut *conn).await?;
            }
            Ok(())
        })?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::{ListQuery, TaskCounts, counts, list};

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

        let new = |t: &str| NewTask::titled(t);
        let first = create(&db, &ada, &new("first"), None).await.unwrap();
        let second = create(&db, &ada, &new("second"), None).await.unwrap();
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
                },
                None
            )
            .await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            toggle(&db, &bob, first.id, None).await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            delete(&db, &bob, first.id).await,
            Err(Error::NotFound(_))
        ));
        assert_eq!(get(&db, &ada, first.id).await.unwrap(), first);

        let toggled = toggle(&db, &ada, first.id, None).await.unwrap();
        assert!(toggled.completed);
        let changed = update(
            &db,
            &ada,
            first.id,
            &TaskChanges {
                description: Some(Some("d".into())),
                ..Default::default()
            },
            None,
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
            None,
        )
        .await
        .unwrap();
        assert_eq!((cleared.description, cleared.completed), (None, false));

        toggle(&db, &ada, second.id, None).await.unwrap();
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
