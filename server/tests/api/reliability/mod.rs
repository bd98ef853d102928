//! Reliability: the shipped binary under a minute of mixed load, `kill -9`, SIGTERM, a database
//! outage and schema fuzzing, each checked for errors and lost writes.
//!
//! Each test here runs alone: under `cargo nextest` (scripts/test) it takes every test thread
//! (`.config/nextest.toml`), so its load never disturbs the timing-sensitive tests; under plain
//! `cargo test` they take turns through [`one_at_a_time`]. Every test here runs on SQLite, and
//! again on Postgres in scripts/test's Postgres stage (`LEPTODO_TEST_DATABASE_URL`).

/// The tests here each load the machine on purpose; they take turns, whoever runs them and
/// with however many test threads, so one test's load is never another's noise.
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    TURN.lock().await
}

mod client;
mod crash;
mod fuzz;
mod outage;
mod shutdown;
mod soak;
