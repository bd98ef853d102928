//! Tasks: the rules (title and description limits, list paging) and the `tasks` table.
//!
//! Ownership is part of every statement (`WHERE id = $1 AND user_id = $2`), never a check
//! after a fetch: another user's task and a missing one are the same `NotFound`.
//!
//! - `input`: the create and update bodies and their checks.
//! - `query`: the list query parameters and task ids from URL paths.
//! - `store`: the SQL.

mod input;
mod query;
mod store;

pub use input::{CreateTask, NewTask, TaskChanges, UpdateTask};
pub use query::{ListParams, ListQuery, parse_id};
pub use store::{TaskCounts, counts, create, delete, get, list, toggle, update};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::{
    auth::Identity,
    error::{Error, Result},
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

/// Refuses any access to `user_id`'s tasks by someone else: the first check on every task
/// route, before anything is read.
pub fn authorize(caller: &Identity, user_id: &str) -> Result<()> {
    if caller.user_id == user_id {
        Ok(())
    } else {
        Err(Error::Forbidden("you can only access your own tasks"))
    }
}
