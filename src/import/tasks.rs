//! The FastAPI back end's task rows, with their ids, for users already here.
//!
//! The table is SQLModel's `task` (`--table` names another): id, user_id, title, description,
//! completed, created_at, updated_at. Ids are kept, so a task keeps its address
//! (`/api/{user_id}/tasks/{id}`) and newest-first stays the same order; the id counter is moved
//! past them. Titles and descriptions must pass the API's own rules.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use time::OffsetDateTime;

use super::{
    BATCH, ImportError, Progress, Report, Tally, batch_outcome, end_batch,
    source::{Fields, Key, Source, parse_bool, parse_time},
};
use crate::{
    db::{Backend, Database, with_write_tx, with_writer},
    tasks::{check_description, check_title, reindex, title_key},
};

#[derive(Debug, Clone)]
pub struct TasksOptions {
    /// The FastAPI database (`sqlite:` file or Postgres URL).
    pub from: String,
    /// The task table's name there.
    pub table: String,
    /// Report what would happen; write nothing.
    pub dry_run: bool,
}

struct Row {
    id: i64,
    user_id: String,
    title: String,
    description: Option<String>,
    completed: bool,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

fn decode(fields: Fields) -> Result<Row, (&'static str, String)> {
    let [id, user_id, title, description, completed, created, updated]: [Option<String>; 7] =
        fields
            .try_into()
            .map_err(|_| ("unexpected columns", String::new()))?;
    let (raw_id, user_id) = (id.unwrap_or_default(), user_id.unwrap_or_default());
    let example = format!("task {raw_id} of user {user_id}");
    let id = raw_id
        .trim()
        .parse::<i64>()
        .map_err(|_| ("the id is not a whole number", example.clone()))?;
    let title = check_title(title.as_deref().unwrap_or_default()).map_err(|_| {
        (
            "the title breaks Leptodo's rules (1 to 200 characters, no NUL)",
            example.clone(),
        )
    })?;
    let description = check_description(description.as_deref()).map_err(|_| {
        (
            "the description breaks Leptodo's rules (up to 1,000 characters, no NUL)",
            example.clone(),
        )
    })?;
    let completed = completed
        .as_deref()
        .and_then(parse_bool)
        .ok_or(("unreadable completed", example.clone()))?;
    let created_at = created.as_deref().and_then(parse_time);
    let updated_at = updated.as_deref().and_then(parse_time);
    let (Some(created_at), Some(updated_at)) = (created_at, updated_at) else {
        return Err(("unreadable created_at or updated_at", example));
    };
    Ok(Row {
        id,
        user_id,
        title,
        description,
        completed,
        created_at,
        updated_at,
    })
}

enum Outcome {
    Imported,
    Already,
    IdTaken,
    NoUser,
}

/// Imports the task rows of users who are here (import them with `import better-auth` first).
pub async fn import_tasks(
    db: &Database,
    options: &TasksOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Report, ImportError> {
    let table = &options.table;
    let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    if table.is_empty() || !table.bytes().all(plain) || table.as_bytes()[0].is_ascii_digit() {
        return Err(ImportError::Unusable(format!(
            "--table {table:?}: a table name is letters, digits and _, not starting with a digit"
        )));
    }
    let source = Source::open(&options.from).await?;
    let result = run(db, &source, options, progress).await;
    source.close().await;
    result
}

async fn run(
    db: &Database,
    source: &Source,
    options: &TasksOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Report, ImportError> {
    let table = &options.table;
    let total = source
        .count(&format!(r#"SELECT COUNT(*) FROM "{table}""#))
        .await
        .map_err(|e| {
            ImportError::Unusable(format!("--from has no readable \"{table}\" table ({e})"))
        })?;
    let select = format!(
        r#"SELECT CAST(id AS TEXT), CAST(user_id AS TEXT), CAST(title AS TEXT),
           CAST(description AS TEXT), CAST(completed AS TEXT), CAST(created_at AS TEXT),
           CAST(updated_at AS TEXT) FROM "{table}" WHERE id > $1 ORDER BY id LIMIT $2"#
    );
    // Postgres's identity column takes a given id only when told to.
    let insert = format!(
        "INSERT INTO tasks (id, user_id, title, description, completed, title_key, indexed, \
         created_at, updated_at) {}",
        if db.backend() == Backend::Postgres {
            "OVERRIDING SYSTEM VALUE"
        } else {
            ""
        }
    );
    let mut tally = Tally::default();
    let (mut after, mut done) = (Key::Int(i64::MIN), 0);
    loop {
        let rows = source.page(&select, &after, BATCH).await?;
        let Some(last) = rows.last() else { break };
        let last_id = last[0].as_deref().and_then(|id| id.trim().parse().ok());
        let Some(last_id) = last_id else {
            return Err(ImportError::Unusable(format!(
                "\"{table}\".id is not a whole number"
            )));
        };
        after = Key::Int(last_id);
        done += rows.len() as u64;
        let mut tasks = Vec::with_capacity(rows.len());
        for fields in rows {
            match decode(fields) {
                Ok(row) => tasks.push(row),
                Err((reason, example)) => tally.skip(reason, example),
            }
        }
        let described: Vec<String> = tasks
            .iter()
            .map(|t| format!("task {} of user {}", t.id, t.user_id))
            .collect();
        let outcomes = write(db, tasks, insert.clone(), options.dry_run).await?;
        for (example, outcome) in described.into_iter().zip(outcomes) {
            match outcome {
                Outcome::Imported => tally.imported += 1,
                Outcome::Already => tally.already += 1,
                Outcome::IdTaken => {
                    tally.skip("a Leptodo task of another user has this id", example)
                }
                Outcome::NoUser => tally.skip(
                    "its user is not a Leptodo user (run import better-auth first)",
                    example,
                ),
            }
        }
        progress(Progress {
            what: "tasks",
            done,
            total,
        });
    }
    if !options.dry_run && tally.imported > 0 {
        if db.backend() == Backend::Postgres {
            // New tasks are numbered after the imported ones.
            with_writer!(db, conn => sqlx::query(
                "SELECT setval(pg_get_serial_sequence('tasks', 'id'), \
                 GREATEST((SELECT MAX(id) FROM tasks), 1))",
            )
            .execute(conn)
            .await
            .map(|_| ()))?;
        }
        // Their search words and title order, as for any task.
        reindex(db).await?;
    }
    Ok(Report {
        dry_run: options.dry_run,
        kinds: vec![("tasks", tally)],
    })
}

/// Rows per multi-row `INSERT` (9 arguments each, well under either engine's limit).
const ROWS_PER_INSERT: usize = 100;

/// `$from, $from+1, …` for `count` arguments.
fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes one page of tasks in one transaction: two lookups for the whole page (which ids are
/// taken, which users are here), then multi-row inserts, rather than three statements a row.
async fn write(
    db: &Database,
    tasks: Vec<Row>,
    insert_head: String,
    dry_run: bool,
) -> Result<Vec<Outcome>, ImportError> {
    if tasks.is_empty() {
        return Ok(Vec::new());
    }
    let slot = Arc::new(Mutex::new(None));
    let out = slot.clone();
    let mut owners: Vec<String> = tasks.iter().map(|t| t.user_id.clone()).collect();
    owners.sort();
    owners.dedup();
    let result = with_write_tx!(db, conn => {
        let sql = format!("SELECT id, user_id FROM tasks WHERE id IN ({})", placeholders(1, tasks.len()));
        let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
        for task in &tasks {
            query = query.bind(task.id);
        }
        let taken: HashMap<i64, String> = query.fetch_all(&mut *conn).await?.into_iter().collect();
        let sql = format!("SELECT id FROM users WHERE id IN ({})", placeholders(1, owners.len()));
        let mut query = sqlx::query_as::<_, (String,)>(&sql);
        for owner in &owners {
            query = query.bind(owner);
        }
        let here: HashSet<String> = query.fetch_all(&mut *conn).await?.into_iter().map(|(id,)| id).collect();
        let mut outcomes = Vec::with_capacity(tasks.len());
        let mut new = Vec::new();
        for task in &tasks {
            outcomes.push(match taken.get(&task.id) {
                Some(owner) if *owner == task.user_id => Outcome::Already,
                Some(_) => Outcome::IdTaken,
                None if !here.contains(&task.user_id) => Outcome::NoUser,
                None => {
                    new.push(task);
                    Outcome::Imported
                }
            });
        }
        for chunk in new.chunks(ROWS_PER_INSERT) {
            let values: Vec<String> =
                (0..chunk.len()).map(|i| format!("({})", placeholders(1 + i * 9, 9))).collect();
            let sql = format!("{insert_head} VALUES {}", values.join(", "));
            let mut query = sqlx::query(&sql);
            for task in chunk {
                query = query
                    .bind(task.id)
                    .bind(&task.user_id)
                    .bind(&task.title)
                    .bind(&task.description)
                    .bind(task.completed)
                    .bind(title_key(&task.title))
                    .bind(false)
                    .bind(task.created_at)
                    .bind(task.updated_at);
            }
            query.execute(&mut *conn).await?;
        }
        end_batch(dry_run, &out, outcomes)
    });
    batch_outcome(result, &slot)
}
