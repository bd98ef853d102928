//! Tasks: the rules (title and description limits, list paging) and the `tasks` table.
//!
//! Ownership is part of every statement (`WHERE id = $1 AND user_id = $2`), never a check
//! after a fetch: another user's task and a missing one are the same `NotFound`.
//!
//! - `fields`: priority, tags, due date, recurrence and search words, with their rules.
//! - `input`: the create and update bodies and their checks.
//! - `query`: the list query parameters (filters, search, sort) and task ids from URL paths.
//! - `statement`: SQL text with its arguments, bound alike on both backends.
//! - `list`: the SQL that reads: pages of tasks, counts, tags.
//! - `store`: the SQL that writes, with the search and tag rows and recurrence.
//! - `quota`: [`Tasks`], the writes as callers make them, with the per-user quotas.

// Without `server`, the storage helpers in these two go unused: the rules are what is wanted.
#[cfg_attr(not(feature = "server"), allow(dead_code))]
mod fields;
#[cfg_attr(not(feature = "server"), allow(dead_code))]
mod input;
#[cfg(feature = "server")]
mod list;
#[cfg(feature = "server")]
mod query;
#[cfg(feature = "server")]
mod quota;
#[cfg(feature = "server")]
mod statement;
#[cfg(feature = "server")]
mod store;

#[cfg(feature = "server")]
pub(crate) use fields::title_key;
pub use fields::{
    MAX_TAG_CHARS, MAX_TAGS, Priority, Recurrence, parse_date, parse_tags, tag_key, words,
};
pub use input::{CreateTask, NewTask, TaskChanges, UpdateTask};
/// The title and description rules, for rows that arrive other than through the API (import).
#[cfg(feature = "server")]
pub(crate) use input::{description as check_description, title as check_title};
#[cfg(feature = "server")]
pub use list::{TagCount, TaskCounts, counts, list, tags};
#[cfg(feature = "server")]
pub use query::{Due, ListParams, ListQuery, Order, Sort, parse_id};
#[cfg(feature = "server")]
pub use quota::{TaskQuota, Tasks};
#[cfg(feature = "server")]
pub use store::{get, reindex};

#[cfg(feature = "server")]
pub use server::{Task, authorize};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 100;

/// The stored task and who may touch it: the server's side of this module.
#[cfg(feature = "server")]
mod server {
    use serde::{Deserialize, Serialize};
    use time::{Date, OffsetDateTime};
    use utoipa::ToSchema;

    use super::{Priority, Recurrence, fields};
    use crate::{
        auth::Identity,
        error::{Error, Result},
    };

    /// A task as the API shows it (snake_case, as the FastAPI backend had it).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    pub struct Task {
        #[schema(example = 1)]
        pub id: i64,
        pub user_id: String,
        #[schema(example = "Buy milk")]
        pub title: String,
        /// `null` when the task has none.
        pub description: Option<String>,
        pub completed: bool,
        /// `high`, `medium` (the default) or `low`.
        pub priority: Priority,
        /// Up to 10 labels, in the case and order given.
        #[schema(example = json!(["home", "errands"]))]
        pub tags: Vec<String>,
        /// A calendar date (`YYYY-MM-DD`, no zone), or `null`.
        #[serde(with = "fields::date_format")]
        #[schema(value_type = Option<String>, format = Date, example = "2026-12-24")]
        pub due_date: Option<Date>,
        /// `daily`, `weekly`, `monthly` or `null`. Completing a repeating task creates its next
        /// occurrence, once.
        pub recurrence: Option<Recurrence>,
        /// RFC 3339, UTC.
        #[serde(with = "crate::rfc3339")]
        #[schema(value_type = String, format = DateTime)]
        pub created_at: OffsetDateTime,
        /// RFC 3339, UTC.
        #[serde(with = "crate::rfc3339")]
        #[schema(value_type = String, format = DateTime)]
        pub updated_at: OffsetDateTime,
    }

    /// Refuses any access to `user_id`'s tasks by someone else: the first check on every task
    /// route, before anything is read.
    pub fn authorize(caller: &Identity, user_id: &str) -> Result<()> {
        if caller.user_id == user_id {
            Ok(())
        } else {
            Err(Error::Forbidden("you can only access your own tasks"))
        }
    }
}
