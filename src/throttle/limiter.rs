//! One keyed rate limit, counted in this process (governor's GCRA) or, on Postgres, in the
//! database so that every instance on it spends the same allowance (the same GCRA, as one
//! atomic upsert: see [`super::shared`]).

use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use governor::{DefaultKeyedRateLimiter, Quota, clock::Clock};

use super::{Limit, shared};
use crate::db::{Database, DatabaseError};

/// How often the in-memory limiters drop the state of keys that are back to full allowance.
const PRUNE_EVERY: u32 = 4096;

/// `limit` per key, for the keys of one kind (`scope`: `sign_in`, `task_write`, …).
pub struct RateLimiter {
    scope: &'static str,
    limit: Limit,
    store: Store,
}

enum Store {
    Memory {
        limiter: DefaultKeyedRateLimiter<String>,
        checks: AtomicU32,
    },
    Shared(sqlx::PgPool),
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("scope", &self.scope)
            .field("limit", &self.limit.to_string())
            .field("shared", &matches!(self.store, Store::Shared(_)))
            .finish()
    }
}

impl Limit {
    fn quota(self) -> Quota {
        let every = (self.per / self.count.get()).max(Duration::from_nanos(1));
        Quota::with_period(every)
            .expect("a positive period")
            .allow_burst(self.count)
    }
}

impl RateLimiter {
    /// A limiter in the store `db` calls for: Postgres (shared by every instance on it), or
    /// this process's memory for SQLite (one instance).
    pub fn new(scope: &'static str, limit: Limit, db: &Database) -> Self {
        let store = match db {
            Database::Postgres(pool) => Store::Shared(pool.clone()),
            Database::Sqlite(_) => Self::memory_store(limit),
        };
        Self {
            scope,
            limit,
            store,
        }
    }

    /// A limiter in this process's memory, whatever the database.
    pub fn in_memory(scope: &'static str, limit: Limit) -> Self {
        Self {
            scope,
            limit,
            store: Self::memory_store(limit),
        }
    }

    fn memory_store(limit: Limit) -> Store {
        Store::Memory {
            limiter: DefaultKeyedRateLimiter::keyed(limit.quota()),
            checks: AtomicU32::new(0),
        }
    }

    pub fn scope(&self) -> &'static str {
        self.scope
    }

    /// Drops the in-memory keys that are back at full allowance (shared state is swept by
    /// [`super::shared::sweep`]).
    pub fn sweep(&self) {
        if let Store::Memory { limiter, .. } = &self.store {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Counts one attempt for `key`: `Ok(None)` when allowed, `Ok(Some(wait))` when over the
    /// limit (nothing is counted then), an error when the shared store cannot be reached.
    pub async fn check(&self, key: &str) -> Result<Option<Duration>, DatabaseError> {
        let verdict = match &self.store {
            Store::Memory { limiter, checks } => {
                if checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
                    limiter.retain_recent();
                    limiter.shrink_to_fit();
                }
                limiter
                    .check_key(&key.to_owned())
                    .err()
                    .map(|not_until| not_until.wait_time_from(limiter.clock().now()))
            }
            Store::Shared(pool) => shared::spend(pool, self.scope, key, self.limit).await?,
        };
        if verdict.is_some() {
            metrics::counter!("leptodo_throttled_total", "scope" => self.scope).increment(1);
        }
        Ok(verdict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::throttle::limit;

    #[tokio::test]
    async fn a_burst_then_a_wait_per_key() {
        let limiter = RateLimiter::in_memory("test", limit(2, 60));
        assert_eq!(limiter.check("a").await.unwrap(), None);
        assert_eq!(limiter.check("a").await.unwrap(), None);
        let wait = limiter.check("a").await.unwrap().expect("over the limit");
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert_eq!(limiter.check("b").await.unwrap(), None);
    }
}
