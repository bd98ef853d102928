//! Per-user quotas, for every write path alike (REST routes and server functions both go
//! through [`Tasks`]): how many tasks an account may keep (`MAX_TASKS_PER_USER`) and how many
//! task changes it may make in a while (`TASK_WRITE_RATE_LIMIT`). One account can then neither
//! fill the disk nor queue everyone else's writes behind its own.

use std::sync::Arc;

use super::{NewTask, Task, TaskChanges, store};
use crate::{
    db::Database,
    error::{Error, Result},
    throttle::{Limit, RateLimiter},
};

/// The quotas, from configuration. `None` turns one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskQuota {
    /// The most tasks one account may hold.
    pub max_tasks: Option<u32>,
    /// Creates, updates, toggles and deletes per account.
    pub writes: Option<Limit>,
}

impl Default for TaskQuota {
    fn default() -> Self {
        Self {
            max_tasks: Some(10_000),
            writes: Some(crate::throttle::limit(1000, 60)),
        }
    }
}

/// The task writes, with the quotas applied. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Tasks {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Database,
    max_tasks: Option<u32>,
    writes: Option<RateLimiter>,
}

impl Tasks {
    /// Write limits are counted where the database calls for (see [`RateLimiter::new`]): on
    /// Postgres, once for every instance.
    pub fn new(db: Database, quota: TaskQuota) -> Self {
        let writes = quota
            .writes
            .map(|limit| RateLimiter::new("task_write", limit, &db));
        Self {
            inner: Arc::new(Inner {
                db,
                max_tasks: quota.max_tasks,
                writes,
            }),
        }
    }

    pub fn database(&self) -> &Database {
        &self.inner.db
    }

    /// Spends one of `owner`'s writes: a 429 ([`Error::TooManyWrites`]) past the limit.
    async fn spend(&self, owner: &str) -> Result<()> {
        if let Some(limiter) = &self.inner.writes
            && let Some(retry_after) = limiter.check(owner).await?
        {
            tracing::info!(target: crate::auth::AUDIT, event = "throttled", scope = "task_write", user_id = %owner, retry_after_ms = retry_after.as_millis() as u64);
            return Err(Error::TooManyWrites { retry_after });
        }
        Ok(())
    }

    pub async fn create(&self, owner: &str, task: &NewTask) -> Result<Task> {
        self.spend(owner).await?;
        store::create(&self.inner.db, owner, task, self.inner.max_tasks).await
    }

    pub async fn update(&self, owner: &str, id: i64, changes: &TaskChanges) -> Result<Task> {
        self.spend(owner).await?;
        store::update(&self.inner.db, owner, id, changes, self.inner.max_tasks).await
    }

    pub async fn toggle(&self, owner: &str, id: i64) -> Result<Task> {
        self.spend(owner).await?;
        store::toggle(&self.inner.db, owner, id, self.inner.max_tasks).await
    }

    pub async fn delete(&self, owner: &str, id: i64) -> Result<Task> {
        self.spend(owner).await?;
        store::delete(&self.inner.db, owner, id).await
    }
}
