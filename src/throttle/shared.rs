//! Throttling state in Postgres, for instances that share one database: an attacker spreading
//! guesses over N instances gets one allowance, not N (Better Auth's `database` storage for
//! its rate limits, for the same reason).
//!
//! - `rate_limits`: one row per key holding its GCRA "theoretical arrival time" (`tat`, in
//!   microseconds of the database's clock), spent by one atomic upsert — the algorithm
//!   governor runs in memory, so a limit means the same on either store.
//! - `sign_in_failures`: the failed sign-ins per account (and the clients proven to own it),
//!   read back to decide a [`super::Gate`] exactly as the in-memory [`super::failures`] does.
//!
//! Every instant is the database's (`clock_timestamp()`), so instances with drifting clocks
//! still agree.

use std::{net::IpAddr, time::Duration};

use sqlx::PgPool;

use super::{Limit, failures::Failure};
use crate::db::DatabaseError;

/// The database's clock, in microseconds since 1970.
const NOW_US: &str = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint";

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// Spends one of `limit` for `scope:key`: `None` when allowed, else how long to wait.
pub(super) async fn spend(
    pool: &PgPool,
    scope: &str,
    key: &str,
    limit: Limit,
) -> Result<Option<Duration>, DatabaseError> {
    let key = format!("{scope}:{key}");
    // One request's share of the period, and how far ahead of now the schedule may run
    // (the burst): the same quota as `Limit::quota` gives governor.
    let every = (micros(limit.per) / i64::from(limit.count.get())).max(1);
    let tolerance = every * (i64::from(limit.count.get()) - 1);
    let allowed: Option<(i64,)> = sqlx::query_as(&format!(
        "INSERT INTO rate_limits AS r (key, tat) VALUES ($1, {NOW_US} + $2) \
         ON CONFLICT (key) DO UPDATE SET tat = GREATEST(r.tat, excluded.tat - $2) + $2 \
         WHERE GREATEST(r.tat, excluded.tat - $2) - (excluded.tat - $2) <= $3 \
         RETURNING tat"
    ))
    .bind(&key)
    .bind(every)
    .bind(tolerance)
    .fetch_optional(pool)
    .await?;
    if allowed.is_some() {
        return Ok(None);
    }
    let wait: Option<(i64,)> = sqlx::query_as(&format!(
        "SELECT tat - {NOW_US} - $2 FROM rate_limits WHERE key = $1"
    ))
    .bind(&key)
    .bind(tolerance)
    .fetch_optional(pool)
    .await?;
    let wait = wait.map_or(1, |(us,)| us.max(1));
    Ok(Some(Duration::from_micros(wait as u64)))
}

/// The failures on `account` within `limit.per`, oldest first (at most `keep` of the newest),
/// and whether `client` proved it owns the account within that window. Proofs are read apart
/// from the failures, so no number of strangers' failures can push one out.
pub(super) async fn failures(
    pool: &PgPool,
    account: &str,
    client: Option<IpAddr>,
    limit: Limit,
    keep: usize,
) -> Result<(Vec<Failure>, bool), DatabaseError> {
    let rows: Vec<(Option<String>, i64)> = sqlx::query_as(&format!(
        "SELECT client, {NOW_US} - at FROM sign_in_failures \
         WHERE account = $1 AND NOT trusted AND at > {NOW_US} - $2 ORDER BY at DESC LIMIT $3"
    ))
    .bind(account)
    .bind(micros(limit.per))
    .bind(i64::try_from(keep).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await?;
    let proven = match client {
        None => false,
        Some(ip) => {
            let (proven,): (bool,) = sqlx::query_as(&format!(
                "SELECT EXISTS (SELECT 1 FROM sign_in_failures WHERE account = $1 AND trusted \
                 AND client = $2 AND at > {NOW_US} - $3)"
            ))
            .bind(account)
            .bind(ip.to_string())
            .bind(micros(limit.per))
            .fetch_one(pool)
            .await?;
            proven
        }
    };
    let list = rows
        .into_iter()
        .rev()
        .map(|(who, age)| Failure {
            age: Duration::from_micros(age.max(0) as u64),
            client: who.and_then(|ip| ip.parse::<IpAddr>().ok()),
        })
        .collect();
    Ok((list, proven))
}

/// Records a failure on `account` from `client` (`trusted`: a proof of ownership instead).
pub(super) async fn record(
    pool: &PgPool,
    account: &str,
    client: Option<IpAddr>,
    trusted: bool,
) -> Result<(), DatabaseError> {
    sqlx::query(&format!(
        "INSERT INTO sign_in_failures (account, client, at, trusted) VALUES ($1, $2, {NOW_US}, $3)"
    ))
    .bind(account)
    .bind(client.map(|ip| ip.to_string()))
    .bind(trusted)
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets `client`'s failures on `account`.
pub(super) async fn forget(
    pool: &PgPool,
    account: &str,
    client: IpAddr,
) -> Result<(), DatabaseError> {
    sqlx::query("DELETE FROM sign_in_failures WHERE account = $1 AND NOT trusted AND client = $2")
        .bind(account)
        .bind(client.to_string())
        .execute(pool)
        .await?;
    Ok(())
}

/// Deletes what no decision needs any more: limits back to their full allowance, and
/// failures older than `window`.
pub(crate) async fn sweep(pool: &PgPool, window: Duration) -> Result<u64, DatabaseError> {
    let limits = sqlx::query(&format!("DELETE FROM rate_limits WHERE tat < {NOW_US}"))
        .execute(pool)
        .await?
        .rows_affected();
    let failures = sqlx::query(&format!(
        "DELETE FROM sign_in_failures WHERE at < {NOW_US} - $1"
    ))
    .bind(micros(window))
    .execute(pool)
    .await?
    .rows_affected();
    Ok(limits + failures)
}
