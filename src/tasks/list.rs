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
    statement::{Arg, Statement, bind_args},
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

/// The `WHERE` and `ORDER BY` of a page, and the page itself.
fn page(owner: &str, query: &ListQuery, extra_columns: &str) -> (Statement, String) {
    let mut st = Statement::default();
    let user = st.arg(Arg::Text(owner.to_owned()));
    let mut sql = format!("SELECT {COLUMNS}{extra_columns} FROM tasks WHERE user_id = {user}");
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
    (st, order)
}

/// A page of `owner`'s tasks: those `query` selects, in its order.
pub async fn list(db: &Database, owner: &str, query: &ListQuery) -> Result<Vec<Task>> {
    match db {
        // sqlx hands SQLite rows over one at a time from the connection's thread, which costs
        // more than the query itself: a page of 50 tasks came to 58% of a list request. So
        // SQLite packs the page into one JSON value (one hand-over) and it is unpacked here.
        // The aggregate orders the page again (50 rows): SQL leaves a subquery's order to
        // the engine.
        Database::Sqlite(sqlite) => {
            let (page, order) = page(owner, query, ", title_key");
            let sql = format!(
                "SELECT json_group_array(json_array({COLUMNS}) ORDER BY {order}) FROM ({})",
                page.sql
            );
            let packed: String = bind_args!(sqlx::query_scalar(&sql), page.args)
                .fetch_one(sqlite.pool())
                .await
                .map_err(crate::DatabaseError::from)?;
            tasks_from_json(&packed)
        }
        Database::Postgres(pool) => {
            let (page, _) = page(owner, query, "");
            let rows: Vec<TaskRow> = bind_args!(sqlx::query_as(&page.sql), page.args)
                .fetch_all(pool)
                .await
                .map_err(crate::DatabaseError::from)?;
            rows.into_iter().map(TaskRow::into_task).collect()
        }
    }
}

/// Unpacks SQLite's `json_group_array(json_array(COLUMNS))` (see [`list`]).
fn tasks_from_json(page: &str) -> Result<Vec<Task>> {
    type Row = (
        i64,
        String,
        String,
        Option<String>,
        i64,
        i32,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
    );
    let bad = |what: String| Error::Internal(format!("cannot read a page of tasks: {what}"));
    let rows: Vec<Row> = serde_json::from_str(page).map_err(|err| bad(err.to_string()))?;
    let date = time::macros::format_description!("[year]-[month]-[day]");
    rows.into_iter()
        .map(
            |(
                id,
                user_id,
                title,
                description,
                completed,
                priority,
                tags,
                due,
                recurrence,
                created,
                updated,
            )| {
                let timestamp = |text: &str| {
                    crate::db::parse_sqlite_timestamp(text)
                        .ok_or_else(|| bad(format!("task {id} has the timestamp {text:?}")))
                };
                let due_date = due
                    .map(|text| {
                        Date::parse(&text, &date)
                            .map_err(|_| bad(format!("task {id} has the due date {text:?}")))
                    })
                    .transpose()?;
                TaskRow {
                    id,
                    user_id,
                    title,
                    description,
                    completed: completed != 0,
                    priority,
                    tags,
                    due_date,
                    recurrence,
                    created_at: timestamp(&created)?,
                    updated_at: timestamp(&updated)?,
                    recurred: false,
                }
                .into_task()
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

/// The tags on `owner`'s tasks, the most used first (then A–Z). Tags that differ only in
/// case count as one, shown in the first spelling A–Z.
pub async fn tags(db: &Database, owner: &str) -> Result<Vec<TagCount>> {
    Ok(with_pool!(db, pool => sqlx::query_as(
        "SELECT MIN(tag) AS tag, COUNT(*) AS count FROM task_tags WHERE user_id = $1 \
         GROUP BY tag_key ORDER BY COUNT(*) DESC, tag_key",
    )
    .bind(owner)
    .fetch_all(pool)
    .await)?)
}
