//! Cutting API tokens short. A JWT is valid until its `exp` by design — checking a database
//! per request would undo what makes it cheap. When a password is changed or reset, sessions
//! are revoked or the account deleted, a *cut-off* is recorded for the user: tokens issued
//! (`iat`, whole seconds) in that second or before no longer count, and this instance issues
//! the user no new token until that second is over. Every instance holds the cut-offs in memory
//! (only users with a recent one, so a few entries) and rereads the table every
//! [`RELOAD_EVERY`]: the instance that recorded one applies it at once, the others within that
//! interval. No request reads the database for it.

use std::{
    collections::HashMap,
    sync::RwLock,
    time::{Duration, UNIX_EPOCH},
};

use time::OffsetDateTime;

use crate::db::{Database, now, with_pool, with_writer};

/// How often each instance rereads the cut-offs other instances recorded.
pub const RELOAD_EVERY: Duration = Duration::from_secs(5);

/// Records, inside the caller's write transaction, that `$user_id`'s tokens issued before
/// `$not_before` (an `OffsetDateTime`) are void; the row can go once `$expires_at` has passed
/// (every token it cuts has expired by then).
#[macro_export]
macro_rules! record_token_cutoff {
    ($conn:expr, $user_id:expr, $not_before:expr, $expires_at:expr) => {
        $crate::db::sqlx::query(
            "INSERT INTO token_cutoffs (user_id, not_before, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET not_before = excluded.not_before, \
             expires_at = excluded.expires_at",
        )
        .bind($user_id)
        .bind($not_before)
        .bind($expires_at)
        .execute($conn)
        .await
    };
}
pub use crate::record_token_cutoff;

/// Ends, inside the caller's write transaction, every session of `$user_id` but the one with
/// id `$keep` (`""` keeps none) and records a cut-off for its API tokens; evaluates to the
/// number of sessions ended. The one "sign out everywhere" rule of resets, password changes
/// and revoke-sessions.
#[macro_export]
macro_rules! end_sessions_and_tokens {
    ($conn:expr, $user_id:expr, $keep:expr, $cutoff:expr, $expires:expr) => {{
        match $crate::record_token_cutoff!(&mut *$conn, $user_id, $cutoff, $expires) {
            Ok(_) => {
                $crate::db::sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
                    .bind($user_id)
                    .bind($keep)
                    .execute(&mut *$conn)
                    .await
                    .map(|done| done.rows_affected())
            }
            Err(err) => Err(err),
        }
    }};
}
pub use crate::end_sessions_and_tokens;

/// The cut-offs in force, by user id, as whole seconds since the Unix epoch.
#[derive(Debug, Default)]
pub struct Cutoffs {
    by_user: RwLock<HashMap<String, u64>>,
}

fn epoch_seconds(at: OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp()).unwrap_or(0)
}

impl Cutoffs {
    /// Whether a token of `user_id` issued at `iat` has been cut off: issued in the cut-off's
    /// second or earlier. A token without `iat` is cut whenever its user has a cut-off.
    pub fn cuts(&self, user_id: &str, iat: Option<u64>) -> bool {
        self.get(user_id)
            .is_some_and(|cutoff| iat.is_none_or(|iat| iat <= cutoff))
    }

    /// Whether `user_id` has a cut-off.
    pub fn has(&self, user_id: &str) -> bool {
        self.get(user_id).is_some()
    }

    fn get(&self, user_id: &str) -> Option<u64> {
        let by_user = self.by_user.read().unwrap_or_else(|e| e.into_inner());
        by_user.get(user_id).copied()
    }

    /// Waits, if need be, until the second of `user_id`'s cut-off is over, so a token issued
    /// next is not cut off (at most a second, right after a change).
    pub async fn wait_out(&self, user_id: &str) {
        let Some(cutoff) = self.get(user_id) else {
            return;
        };
        let now = std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let next = Duration::from_secs(cutoff + 1);
        if let Some(wait) = next.checked_sub(now) {
            tokio::time::sleep(wait).await;
        }
    }

    /// Applies a cut-off this instance has just recorded in the database.
    pub fn apply(&self, user_id: &str, not_before: OffsetDateTime) {
        let mut by_user = self.by_user.write().unwrap_or_else(|e| e.into_inner());
        let entry = by_user.entry(user_id.to_string()).or_default();
        *entry = (*entry).max(epoch_seconds(not_before));
    }

    /// Rereads every cut-off still in force.
    pub async fn reload(&self, db: &Database) -> sqlx::Result<usize> {
        let rows: Vec<(String, OffsetDateTime)> = with_pool!(db, pool => sqlx::query_as(
            "SELECT user_id, not_before FROM token_cutoffs WHERE expires_at > $1",
        )
        .bind(now())
        .fetch_all(pool)
        .await)?;
        let mut by_user = self.by_user.write().unwrap_or_else(|e| e.into_inner());
        // Merged, never replaced: a cut-off applied here after the SELECT read the table must
        // not be lost. (Entries stay until restart; one that old only cuts expired tokens.)
        for (user, at) in rows {
            let entry = by_user.entry(user).or_default();
            *entry = (*entry).max(epoch_seconds(at));
        }
        Ok(by_user.len())
    }

    /// Moves `user_id`'s recorded cut-off forward to `not_before` (never back), after the
    /// write that recorded it committed.
    pub async fn advance(
        db: &Database,
        user_id: &str,
        not_before: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> sqlx::Result<()> {
        let user_id = user_id.to_owned();
        with_writer!(db, conn => sqlx::query(
            "UPDATE token_cutoffs SET not_before = $2, expires_at = $3 \
             WHERE user_id = $1 AND not_before < $2",
        )
        .bind(&user_id)
        .bind(not_before)
        .bind(expires_at)
        .execute(conn)
        .await
        .map(drop))
    }

    /// Deletes cut-offs whose tokens have all expired.
    pub async fn sweep(db: &Database) -> sqlx::Result<u64> {
        with_writer!(db, conn => sqlx::query("DELETE FROM token_cutoffs WHERE expires_at <= $1")
            .bind(now())
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))
    }
}

/// The cut-off time for a change made now (compared by whole seconds, as JWT `iat`).
pub fn cutoff_now() -> OffsetDateTime {
    now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_issued_before_the_cutoff_second_are_void() {
        let cutoffs = Cutoffs::default();
        let at = time::macros::datetime!(2026-12-01 10:00:00.5 UTC);
        let second = epoch_seconds(at);
        assert!(!cutoffs.cuts("u1", Some(second - 10)));
        cutoffs.apply("u1", at);
        assert!(cutoffs.cuts("u1", Some(second - 1)));
        assert!(
            cutoffs.cuts("u1", Some(second)),
            "issued in the cut-off's second"
        );
        assert!(!cutoffs.cuts("u1", Some(second + 1)));
        assert!(cutoffs.cuts("u1", None));
        assert!(
            !cutoffs.cuts("u2", Some(second - 1)),
            "other users untouched"
        );
        // A later cut-off wins; an earlier one never moves it back.
        cutoffs.apply("u1", at + Duration::from_secs(60));
        cutoffs.apply("u1", at);
        assert!(cutoffs.cuts("u1", Some(second + 30)));
    }

    #[tokio::test]
    async fn new_tokens_wait_out_the_cutoffs_second() {
        let cutoffs = Cutoffs::default();
        cutoffs.apply("u1", now());
        cutoffs.wait_out("u1").await;
        let iat = std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(!cutoffs.cuts("u1", Some(iat)));
    }
}
