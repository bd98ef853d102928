//! The SQL that reads tasks: a page of a list (filters, search, sort), the counts by state,
//! the tags in use, and the row type both backends decode.
//!
//! Every page is one statement on indexes that start with `user_id`: a sort has its own
//! (`tasks_by_user_priority`, `_due`, `_title`), a tag or a search word is a range of
//! `task_tags` / `task_words` (an inverted index kept per user, so a common word elsewhere
//! costs nothing here).

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::{
    Due, ListQuery, Order, Priority, Recurrence, Sort, Task,
    fields::split_tags,
    statement::{Arg, Statement, bind_args, read_direct},
};
use crate::{
    db::{Database, with_pool},
    error::{Error, Result},
};

pub(super) const COLUMNS: &str = "id, user_id, title, description, completed, priority, tags, \
                                  due_date, recurrence, created_at, updated_at";
/// What a missing due date sorts as: after every date, or (`desc`) before every date. Written
/// into the SQL (and the `tasks_by_user_due` index) so both engines sort and filter alike.
const NO_DATE_LAST: &str = "COALESCE(due_date, '9999-12-31')";
const NO_DATE_FIRST: &str = "COALESCE(due_date, '0001-01-01')";

/// A `tasks` row as both backends decode it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct TaskRow {
    pub id: i64,
    pub user_id: String,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    pub priority: i32,
    pub tags: String,
    pub due_date: Option<Date>,
    pub recurrence: Option<String>,
    pub created_at: time::OffsetDateTime,
    pub updated_at: time::OffsetDateTime,
    /// Whether its next occurrence exists (only where a statement returns it).
    #[sqlx(default)]
    pub recurred: bool,
}

impl TaskRow {
    pub fn into_task(self) -> Result<Task> {
        let bad = |what: &str| Error::Internal(format!("task {} has a bad {what}", self.id));
        Ok(Task {
            priority: Priority::from_rank(self.priority.into()).ok_or_else(|| bad("priority"))?,
            recurrence: match &self.recurrence {
                None => None,
                Some(text) => Some(Recurrence::from_stored(text).ok_or_else(|| bad("recurrence"))?),
            },
            tags: split_tags(&self.tags),
            id: self.id,
            user_id: self.user_id,
            title: self.title,
            description: self.description,
            completed: self.completed,
            due_date: self.due_date,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// How many tasks a user has, by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaskCounts {
    pub all: i64,
    pub active: i64,
    pub completed: i64,
}

/// A tag in use and how many of the user's tasks carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct TagCount {
    #[schema(example = "home")]
    pub tag: String,
    #[schema(example = 3)]
    pub count: i64,
}

/// The statement for a page of `owner`'s tasks: its filters, its order, its slice.
fn page(owner: &str, query: &ListQuery) -> Statement {
    let mut st = Statement::default();
    let user = st.arg(Arg::Text(owner.to_owned()));
    let mut sql = format!("SELECT {COLUMNS} FROM tasks WHERE user_id = {user}");
    if let Some(completed) = query.completed {
        sql += &format!(" AND completed = {}", st.arg(Arg::Bool(completed)));
    }
    if !query.priorities.is_empty() {
        let ranks: Vec<_> = query
            .priorities
            .iter()
            .map(|p| st.arg(Arg::Int(p.rank())))
            .collect();
        sql += &format!(" AND priority IN ({})", ranks.join(", "));
    }
    match query.due {
        None => {}
        Some(Due::Overdue) => {
            sql += &format!(
                " AND {NO_DATE_LAST} < {} AND NOT completed",
                st.arg(Arg::Date(query.today))
            )
        }
        Some(Due::Today) => {
            sql += &format!(" AND {NO_DATE_LAST} = {}", st.arg(Arg::Date(query.today)))
        }
        Some(Due::Week) => {
            let last = query
                .today
                .checked_add(time::Duration::days(6))
                .unwrap_or(Date::MAX);
            sql += &format!(
                " AND {NO_DATE_LAST} BETWEEN {} AND {}",
                st.arg(Arg::Date(query.today)),
                st.arg(Arg::Date(last))
            )
        }
        Some(Due::None) => sql += &format!(" AND {NO_DATE_LAST} = '9999-12-31'"),
    }
    for tag in &query.tags {
        sql += &format!(
            " AND id IN (SELECT task_id FROM task_tags WHERE user_id = {user} AND tag_key = {})",
            st.arg(Arg::Text(tag.clone()))
        );
    }
    for word in &query.words {
        // Every word that starts with `word`: [word, word + U+10FFFF), in code-point order
        // (SQLite's BINARY collation; the column is COLLATE "C" on Postgres).
        sql += &format!(
            " AND id IN (SELECT task_id FROM task_words WHERE user_id = {user} \
               AND word >= {} AND word < {})",
            st.arg(Arg::Text(word.clone())),
            st.arg(Arg::Text(format!("{word}\u{10FFFF}")))
        );
    }
    let direction = |order: Order| match order {
        Order::Asc => "ASC",
        Order::Desc => "DESC",
    };
    // Ties go newest first, whichever the direction.
    let order = match (query.sort, query.order) {
        (Sort::Created, order) => format!("id {}", direction(order)),
        (Sort::DueDate, Order::Asc) => format!("{NO_DATE_LAST} ASC, id DESC"),
        (Sort::DueDate, Order::Desc) => format!("{NO_DATE_FIRST} DESC, id DESC"),
        (Sort::Priority, order) => format!("priority {}, id DESC", direction(order)),
        (Sort::Title, order) => format!("title_key {}, id DESC", direction(order)),
    };
    let limit = st.arg(Arg::Int(i64::from(query.limit)));
    let offset = st.arg(Arg::Int(query.offset as i64));
    st.sql = format!("{sql} ORDER BY {order} LIMIT {limit} OFFSET {offset}");
    st
}

/// A page of `owner`'s tasks: those `query` selects, in its order.
pub async fn list(db: &Database, owner: &str, query: &ListQuery) -> Result<Vec<Task>> {
    tasks(db, &page(owner, query)).await
}

/// The tasks `st` selects (its columns are [`COLUMNS`]): on a SQLite file through the direct
/// readers, on this thread; otherwise through the pool.
pub(super) async fn tasks(db: &Database, st: &Statement) -> Result<Vec<Task>> {
    if let Some(tasks) = read_direct(db, st, task_from_direct) {
        return Ok(tasks?);
    }
    let rows: Vec<TaskRow> = with_pool!(db, pool => bind_args!(sqlx::query_as(&st.sql), st.args.clone())
        .fetch_all(pool)
        .await)?;
    rows.into_iter().map(TaskRow::into_task).collect()
}

/// A row of [`COLUMNS`] as the direct SQLite readers see it — the text forms sqlx writes for
/// dates and timestamps, 0/1 for the flag — made into a [`Task`] by [`TaskRow::into_task`]'s
/// rules, except that text which becomes something else (timestamps, the date, tags,
/// recurrence) is read where it lies, never copied into a `String` first.
fn task_from_direct(row: &rusqlite::Row<'_>) -> rusqlite::Result<Task> {
    use rusqlite::types::Type;
    let bad = |column: usize, what: &str, text: &dyn std::fmt::Debug| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            Type::Text,
            format!("not a {what}: {text:?}").into(),
        )
    };
    let timestamp = |column: usize| -> rusqlite::Result<time::OffsetDateTime> {
        let text = row.get_ref(column)?.as_str()?;
        crate::db::parse_sqlite_timestamp(text).ok_or_else(|| bad(column, "timestamp", &text))
    };
    let rank: i64 = row.get(5)?;
    Ok(Task {
        id: row.get(0)?,
        user_id: row.get(1)?,
        title: row.get(2)?,
        description: row.get(3)?,
        completed: row.get(4)?,
        priority: Priority::from_rank(rank).ok_or_else(|| bad(5, "priority", &rank))?,
        tags: split_tags(row.get_ref(6)?.as_str()?),
        due_date: match row.get_ref(7)?.as_str_or_null()? {
            None => None,
            Some(text) => Some(
                Date::parse(text, super::fields::DATE_FORMAT).map_err(|_| bad(7, "date", &text))?,
            ),
        },
        recurrence: match row.get_ref(8)?.as_str_or_null()? {
            None => None,
            Some(text) => {
                Some(Recurrence::from_stored(text).ok_or_else(|| bad(8, "recurrence", &text))?)
            }
        },
        created_at: timestamp(9)?,
        updated_at: timestamp(10)?,
    })
}

/// How many tasks `owner` has in all, open and done.
pub async fn counts(db: &Database, owner: &str) -> Result<TaskCounts> {
    let st = Statement {
        sql: "SELECT COUNT(*), COALESCE(SUM(CASE WHEN completed THEN 1 ELSE 0 END), 0) \
              FROM tasks WHERE user_id = $1"
            .into(),
        args: vec![Arg::Text(owner.to_owned())],
    };
    let (all, completed): (i64, i64) = match read_direct(db, &st, |r| Ok((r.get(0)?, r.get(1)?))) {
        Some(rows) => rows?.pop().unwrap_or_default(),
        None => with_pool!(db, pool => bind_args!(sqlx::query_as(&st.sql), st.args.clone())
            .fetch_one(pool)
            .await)?,
    };
    Ok(TaskCounts {
        all,
        active: all - completed,
        completed,
    })
}

/// The tags on `owner`'s tasks, the most used first (then A–Z). Tags that differ only in
/// case count as one, shown in the first spelling A–Z.
pub async fn tags(db: &Database, owner: &str) -> Result<Vec<TagCount>> {
    let st = Statement {
        sql: "SELECT MIN(tag) AS tag, COUNT(*) AS count FROM task_tags WHERE user_id = $1 \
              GROUP BY tag_key ORDER BY COUNT(*) DESC, tag_key"
            .into(),
        args: vec![Arg::Text(owner.to_owned())],
    };
    let direct = read_direct(db, &st, |r| {
        Ok(TagCount {
            tag: r.get(0)?,
            count: r.get(1)?,
        })
    });
    Ok(match direct {
        Some(rows) => rows?,
        None => with_pool!(db, pool => bind_args!(sqlx::query_as(&st.sql), st.args.clone())
            .fetch_all(pool)
            .await)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::{ListParams, NewTask, store};

    /// The direct readers (rusqlite, on a file database) and the sqlx pool must read the same
    /// rows in the same order: every filter, sort and column type, counts, tags, one task.
    #[tokio::test]
    async fn direct_readers_and_the_pool_read_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("tasks.db").display());
        let db = Database::connect(&url, 2).await.unwrap();
        db.migrate().await.unwrap();
        let crate::db::Database::Sqlite(sqlite) = &db else {
            unreachable!()
        };
        assert!(sqlite.readers().is_some());
        let pooled = db.without_readers();
        let account = crate::users::NewAccount::parse(crate::users::SignUpInput {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            password: "password1".into(),
        })
        .unwrap();
        let ada = crate::users::create(&db, &account, "h").await.unwrap().id;
        let date = |d: &str| {
            time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).unwrap()
        };
        for (i, title) in ["Water plants", "Call Bob", "write report", "Pay bills"]
            .into_iter()
            .enumerate()
        {
            let task = NewTask {
                title: title.into(),
                description: (i % 2 == 0).then(|| format!("note {i}")),
                priority: Priority::ALL[i % 3],
                tags: if i < 2 { vec!["home".into()] } else { vec![] },
                due_date: (i != 1).then(|| date(["2026-11-30", "", "2026-12-01", "2026-12-05"][i])),
                recurrence: (i == 3).then_some(Recurrence::Weekly),
            };
            let made = store::create(&db, &ada, &task, None).await.unwrap();
            if i == 2 {
                store::toggle(&db, &ada, made.id, None).await.unwrap();
            }
        }
        for query in [
            "",
            "completed=false",
            "completed=true",
            "q=wat",
            "q=note+pla",
            "priority=high&priority=low",
            "tag=HOME",
            "due=overdue&today=2026-12-01",
            "due=week&today=2026-12-01",
            "due=none",
            "sort=due_date",
            "sort=due_date&order=desc",
            "sort=priority",
            "sort=title&order=desc",
            "limit=2&offset=1",
        ] {
            let query = ListQuery::parse(&ListParams::from_query(query).unwrap()).unwrap();
            let direct = list(&db, &ada, &query).await.unwrap();
            assert_eq!(
                direct,
                list(&pooled, &ada, &query).await.unwrap(),
                "{query:?}"
            );
        }
        let all = list(&db, &ada, &ListQuery::default()).await.unwrap();
        assert_eq!(all.len(), 4);
        assert!(
            all.iter()
                .any(|t| t.due_date.is_some() && t.recurrence.is_some())
        );
        assert_eq!(
            counts(&db, &ada).await.unwrap(),
            counts(&pooled, &ada).await.unwrap()
        );
        assert_eq!(counts(&db, &ada).await.unwrap().completed, 1);
        assert_eq!(
            tags(&db, &ada).await.unwrap(),
            tags(&pooled, &ada).await.unwrap()
        );
        assert_eq!(
            store::get(&db, &ada, all[0].id).await.unwrap(),
            store::get(&pooled, &ada, all[0].id).await.unwrap()
        );
        // A write is seen by the next direct read.
        store::delete(&db, &ada, all[0].id).await.unwrap();
        assert_eq!(
            list(&db, &ada, &ListQuery::default()).await.unwrap().len(),
            3
        );
    }
}
