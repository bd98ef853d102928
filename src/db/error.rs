//! What can go wrong with the database, classified once for every driver: unavailable (no
//! connection, busy past its timeout, shutting down: a 503), the disk full (nothing was
//! saved, reads still work) or a failed statement (a 500).

use super::writer;

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("DATABASE_URL must start with sqlite:, postgres:// or postgresql://")]
    UnsupportedUrl,
    #[error("invalid DATABASE_URL: {0}")]
    InvalidUrl(#[source] sqlx::Error),
    #[error("cannot create the database folder {path}: {source}")]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("migrations failed: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] Cause),
    /// The disk holding the database is full (SQLITE_FULL, ENOSPC, Postgres's 53100).
    #[error("the database's disk is full: {0}")]
    Full(#[source] Cause),
    #[error("database error: {0}")]
    Query(#[source] Cause),
}

/// What a driver reported (sqlx's error, or rusqlite's for the [`Readers`](super::Readers)).
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

impl DatabaseError {
    /// Errors that mean "the database cannot be reached right now" (a 503), as opposed to a
    /// statement that failed (a 500).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }

    /// The write failed for want of disk space: nothing was saved, reads still work.
    pub fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }
}

/// Whether an error means the disk is full: SQLITE_FULL (13), an `ENOSPC` from the OS, or
/// Postgres's `disk_full` (53100) — also when it is why a SQLite group commit failed.
fn is_full(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(io) => {
            io.raw_os_error() == Some(28)
                || io
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<writer::NotCommitted>())
                    .is_some_and(|nc| is_full(nc.cause()))
        }
        sqlx::Error::Database(db) => {
            let Some(code) = db.code() else {
                return false;
            };
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // SQLITE_FULL (13, extended codes included), which SQLite reports when a
                // write finds no space; its message says so too.
                code.parse::<i32>().is_ok_and(|n| n & 0xff == 13)
                    || db.message().contains("disk is full")
            } else {
                code.as_ref() == "53100"
            }
        }
        _ => false,
    }
}

/// Whether an error means the database cannot serve right now (rather than that a statement
/// is wrong): no connection, a dropped one, Postgres shutting down or starting up
/// (SQLSTATE class 08, 57P01–57P03), or SQLite busy past its timeout.
fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let Some(code) = db.code() else {
                return false;
            };
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // SQLITE_BUSY and SQLITE_LOCKED, extended codes included. (Only for SQLite:
                // many Postgres SQLSTATEs are all digits too, e.g. 22021 for a NUL byte.)
                code.parse::<i32>()
                    .is_ok_and(|n| n & 0xff == 5 || n & 0xff == 6)
            } else {
                code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
            }
        }
        _ => false,
    }
}

impl From<sqlx::Error> for DatabaseError {
    fn from(err: sqlx::Error) -> Self {
        if is_full(&err) {
            Self::Full(Box::new(err))
        } else if is_unavailable(&err) {
            Self::Unavailable(Box::new(err))
        } else {
            Self::Query(Box::new(err))
        }
    }
}

/// The same classes for the direct readers: SQLITE_FULL is full; busy, locked, a file that
/// cannot be opened or read, and a read past its deadline (interrupted) are unavailable.
impl From<rusqlite::Error> for DatabaseError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::*;
        match err.sqlite_error_code() {
            Some(DiskFull) => Self::Full(Box::new(err)),
            Some(
                DatabaseBusy | DatabaseLocked | CannotOpen | SystemIoFailure | OperationInterrupted
                | NotADatabase,
            ) => Self::Unavailable(Box::new(err)),
            _ => Self::Query(Box::new(err)),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for DatabaseError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        match err {
            sqlx::migrate::MigrateError::Execute(inner) if is_unavailable(&inner) => {
                Self::Unavailable(Box::new(inner))
            }
            other => Self::Migrate(other),
        }
    }
}
