//! Moving in from the stack Leptodo replaces: `import better-auth` brings a Better Auth
//! database's users, passwords and (optionally) sessions; `import tasks` brings the FastAPI
//! back end's task rows. Both read the old database without changing it, write in one
//! transaction per batch, and can be re-run: what is already here is left alone and counted.
//!
//! - `source`: the old database (SQLite or Postgres), read a page at a time, as text.
//! - `better_auth`: users, credential passwords and sessions.
//! - `tasks`: the task rows.

mod better_auth;
mod source;
mod tasks;

use std::collections::BTreeMap;

pub use better_auth::{BetterAuthOptions, import_better_auth};
pub use tasks::{TasksOptions, import_tasks};

/// Rows per page read and per transaction written.
pub const BATCH: usize = 500;
/// How many examples of each kind of skipped (or noteworthy) row a report keeps.
pub const EXAMPLES: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("--from is not a usable database URL: {0}")]
    SourceUrl(String),
    #[error("cannot read the old database: {0}")]
    Source(#[source] sqlx::Error),
    #[error("{0}")]
    Unusable(String),
    #[error(transparent)]
    Target(#[from] crate::error::Error),
}

/// A failed write to Leptodo's own database (reading the old one maps to `Source` explicitly).
impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        crate::db::DatabaseError::from(e).into()
    }
}

impl From<crate::db::DatabaseError> for ImportError {
    fn from(e: crate::db::DatabaseError) -> Self {
        Self::Target(e.into())
    }
}

/// How far an import has got, for a progress line.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub what: &'static str,
    pub done: u64,
    pub total: u64,
}

/// What happened to one kind of row (users, passwords, sessions, tasks).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Written by this run (or, on a dry run, that would be).
    pub imported: u64,
    /// Here already, from an earlier run: left as they are.
    pub already: u64,
    /// Not imported, by reason, with the count and up to [`EXAMPLES`] examples each.
    pub skipped: BTreeMap<&'static str, Examples>,
    /// Imported, but worth the operator's attention (e.g. users who have no password here).
    pub notes: BTreeMap<&'static str, Examples>,
}

/// A count and the first few examples (ids and emails, never a hash or token).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Examples {
    pub count: u64,
    pub first: Vec<String>,
}

impl Examples {
    fn add(&mut self, example: String) {
        self.count += 1;
        if self.first.len() < EXAMPLES {
            self.first.push(example);
        }
    }
}

impl Tally {
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().map(|e| e.count).sum()
    }

    fn skip(&mut self, reason: &'static str, example: String) {
        self.skipped.entry(reason).or_default().add(example);
    }

    fn note(&mut self, what: &'static str, example: String) {
        self.notes.entry(what).or_default().add(example);
    }
}

/// An import's outcome, by kind of row, in the order they were imported.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub dry_run: bool,
    pub kinds: Vec<(&'static str, Tally)>,
}

impl Report {
    /// Whether this run wrote (or, dry, would write) nothing at all.
    pub fn changed_nothing(&self) -> bool {
        self.kinds.iter().all(|(_, t)| t.imported == 0)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (kind, tally) in &self.kinds {
            let verb = if self.dry_run {
                "to import"
            } else {
                "imported"
            };
            writeln!(
                f,
                "{kind}: {} {verb}, {} already here, {} skipped",
                tally.imported,
                tally.already,
                tally.skipped_total()
            )?;
            let groups = [("skipped", &tally.skipped), ("note", &tally.notes)];
            for (label, group) in groups {
                for (reason, examples) in group {
                    writeln!(f, "  {label}: {reason}: {}", examples.count)?;
                    for example in &examples.first {
                        writeln!(f, "    - {example}")?;
                    }
                    if examples.count > examples.first.len() as u64 {
                        writeln!(
                            f,
                            "    … and {} more",
                            examples.count - examples.first.len() as u64
                        )?;
                    }
                }
            }
        }
        if self.changed_nothing() {
            let already: u64 = self.kinds.iter().map(|(_, t)| t.already).sum();
            if already > 0 {
                writeln!(
                    f,
                    "Nothing to change: everything importable is here already."
                )?;
            } else {
                writeln!(f, "Nothing to change.")?;
            }
        }
        if self.dry_run {
            writeln!(f, "Dry run: nothing was written.")?;
        }
        Ok(())
    }
}

/// The error a dry run's batch ends with, so that its transaction is rolled back; its
/// outcome travels beside it.
fn dry_run_rollback() -> sqlx::Error {
    sqlx::Error::Protocol(DRY_RUN.into())
}

const DRY_RUN: &str = "dry run: rolled back";

fn is_dry_run_rollback(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Protocol(message) if message == DRY_RUN)
}

/// How a batch's body ends: with its outcome, or on a dry run with the outcome left in `slot`
/// and the error that rolls the batch back.
fn end_batch<T>(
    dry_run: bool,
    slot: &std::sync::Mutex<Option<T>>,
    outcome: T,
) -> Result<T, sqlx::Error> {
    if !dry_run {
        return Ok(outcome);
    }
    *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
    Err(dry_run_rollback())
}

/// A batch's outcome: what its body returned, or, on a dry run, what it left in `slot`
/// before rolling back.
fn batch_outcome<T>(
    result: Result<T, sqlx::Error>,
    slot: &std::sync::Mutex<Option<T>>,
) -> Result<T, ImportError> {
    match result {
        Ok(value) => Ok(value),
        Err(e) if is_dry_run_rollback(&e) => Ok(slot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .expect("a dry run's batch leaves its outcome")),
        Err(e) => Err(crate::db::DatabaseError::from(e).into()),
    }
}
