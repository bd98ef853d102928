//! The database handle: one type for both backends, chosen at start from `DATABASE_URL`.
//!
//! SQLite (`sqlite:` or no URL) is the embedded default; Postgres (`postgres://` or
//! `postgresql://`) is for several instances sharing one store. Queries are written once in SQL
//! both engines accept (`$1` placeholders, `RETURNING`) and dispatched to the right pool.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    },
};

/// Runs `$body` with `$pool` bound to whichever pool `$db` holds. The body is written once and
/// compiled for each backend, so every statement must be SQL that both engines accept (`$1`
/// placeholders, `RETURNING`) and every row type must decode from both. For reads: writes go
/// through [`with_writer!`] or [`with_write_tx!`]. Exported for tests and tools that query the
/// database directly.
#[macro_export]
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Database::Sqlite(sqlite) => {
                let $pool = sqlite.pool();
                $body
            }
            $crate::db::Database::Postgres($pool) => $body,
        }
    };
}
pub use crate::with_pool;

/// Runs one writing statement, `$body`, with `$conn` as its executor, and evaluates to its
/// `Result<T, sqlx::Error>`. On SQLite it runs in the next group commit of the single writer
/// ([`Writer`]) and returns once that batch is on disk; on Postgres it runs on the pool. The
/// body is moved to the writer task, so it may only capture owned values (clone borrowed
/// arguments first).
#[macro_export]
macro_rules! with_writer {
    ($db:expr, $conn:ident => $body:expr) => {
        match $db {
            $crate::db::Database::Sqlite(sqlite) => {
                sqlite
                    .writer()
                    .write(move |$conn| ::std::boxed::Box::pin(async move { $body }))
                    .await
            }
            // Inside an async block as on SQLite, so `?` in the body means the same on both.
            $crate::db::Database::Postgres(pool) => {
                let $conn = pool;
                async move { $body }.await
            }
        }
    };
}
pub use crate::with_writer;

/// Like [`with_writer!`], for a body of several statements that must apply together: `$conn`
/// is a `&mut` connection (reborrow it, `&mut *$conn`, for each statement) and the body may
/// use `?`. On SQLite the body runs in its own savepoint of the writer's batch; on Postgres in
/// a transaction.
#[macro_export]
macro_rules! with_write_tx {
    ($db:expr, $conn:ident => $body:expr) => {
        match $db {
            $crate::db::Database::Sqlite(sqlite) => {
                sqlite
                    .writer()
                    .write(move |$conn| ::std::boxed::Box::pin(async move { $body }))
                    .await
            }
            $crate::db::Database::Postgres(pool) => {
                async move {
                    let mut tx = pool.begin().await?;
                    let result: ::std::result::Result<_, $crate::db::sqlx::Error> = {
                        let $conn = &mut *tx;
                        $body
                    };
                    let value = result?;
                    tx.commit().await?;
                    ::std::result::Result::<_, $crate::db::sqlx::Error>::Ok(value)
                }
                .await
            }
        }
    };
}
pub use crate::with_write_tx;

mod error;
mod reader;
mod writer;
pub use error::{Cause, DatabaseError};
pub use reader::Readers;
pub use writer::{BoxFuture, Writer};
// For the macros, so that crates using them need not name sqlx themselves.
#[doc(hidden)]
pub use sqlx;

/// The current time in UTC, cut to the microsecond precision both backends store, so a value
/// read back equals the value written.
pub fn now() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .expect("a truncated nanosecond count is in range")
}

/// Reads a timestamp as SQLite stores it: RFC 3339, as sqlx writes it
/// (`2026-11-25T02:14:23.758065Z`), or SQLite's own `2026-11-25 02:14:23[.758]` (UTC) — the
/// text forms sqlx itself decodes.
pub fn parse_sqlite_timestamp(text: &str) -> Option<time::OffsetDateTime> {
    use time::{
        PrimitiveDateTime, format_description::well_known::Rfc3339, macros::format_description,
    };
    if let Some(at) = parse_utc_rfc3339(text) {
        return Some(at);
    }
    if let Ok(at) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at);
    }
    let sqlite = format_description!(
        version = 2,
        "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    PrimitiveDateTime::parse(text, sqlite)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// The one form sqlx writes for our UTC timestamps, `YYYY-MM-DDTHH:MM:SS[.f…]Z`, read by hand:
/// every task in a list has two, and `time`'s general RFC 3339 parser took 4 % of a list
/// request. `None` for anything else (the general parsers then decide).
fn parse_utc_rfc3339(text: &str) -> Option<time::OffsetDateTime> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || *b.last()? != b'Z' {
        return None;
    }
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            let value = digits(20..b.len() - 1)?;
            value * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let month = time::Month::try_from(u8::try_from(digits(5..7)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(
        i32::try_from(digits(0..4)?).ok()?,
        month,
        u8::try_from(digits(8..10)?).ok()?,
    )
    .ok()?;
    let clock = time::Time::from_hms_nano(
        u8::try_from(digits(11..13)?).ok()?,
        u8::try_from(digits(14..16)?).ok()?,
        u8::try_from(digits(17..19)?).ok()?,
        nanos,
    )
    .ok()?;
    Some(time::PrimitiveDateTime::new(date, clock).assume_utc())
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// How long a request waits for a pooled connection before the database counts as unavailable.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// How much of a SQLite file reads map into memory (the first 256 MiB). Mapped pages are the
/// kernel's page cache, shared by every connection, but `ps` counts them once per connection
/// in the resident size (RSS); the process's own memory is its anonymous RSS.
const SQLITE_MMAP_BYTES: u64 = 256 * 1024 * 1024;
/// How long SQLite waits on a locked database before giving up on a statement.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a `DATABASE_URL` selects.
    pub fn from_url(url: &str) -> Result<Self, DatabaseError> {
        let url =
            sqlalchemy_url(url).map_or(std::borrow::Cow::Borrowed(url), |(url, _)| url.into());
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or_default();
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => Err(DatabaseError::UnsupportedUrl),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A SQLAlchemy URL of the FastAPI backend (`postgresql+asyncpg://…`, `postgresql+psycopg://…`,
/// `sqlite+aiosqlite:///./todo.db`) as this server's drivers take it, and the driver dropped;
/// `None` for any other URL. SQLAlchemy's `sqlite:///PATH` is relative with three slashes and
/// absolute with four; sqlx's `sqlite://PATH` takes the path as written.
pub fn sqlalchemy_url(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let (dialect, driver) = scheme.split_once('+')?;
    match dialect.to_ascii_lowercase().as_str() {
        "postgresql" | "postgres" => Some((format!("postgresql://{rest}"), driver.to_owned())),
        "sqlite" => {
            // `sqlite+aiosqlite:///./todo.db` → `./todo.db`; `:////abs` → `/abs`.
            let path = rest.strip_prefix('/').unwrap_or(rest);
            Some((format!("sqlite://{path}"), driver.to_owned()))
        }
        _ => None,
    }
}

/// A pooled connection to the configured backend. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Database {
    Sqlite(Sqlite),
    Postgres(PgPool),
}

/// A SQLite database: a pool of connections for reads, the direct [`Readers`] for the hot
/// ones (a file database only), and the one [`Writer`].
#[derive(Debug, Clone)]
pub struct Sqlite {
    pool: SqlitePool,
    readers: Option<Readers>,
    writer: Writer,
}

impl Sqlite {
    /// Reads on the calling thread (see [`Readers`]); `None` for an in-memory database, whose
    /// only copy lives on the pool's connection.
    pub fn readers(&self) -> Option<&Readers> {
        self.readers.as_ref()
    }

    /// The read pool. Writes through it work (they wait for SQLite's lock) but bypass the
    /// group commit: use [`Sqlite::writer`] (or [`with_writer!`]).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn writer(&self) -> &Writer {
        &self.writer
    }
}

impl Database {
    /// The same database with every read on the sqlx pool (for tests that compare the two
    /// read paths).
    #[cfg(test)]
    pub(crate) fn without_readers(&self) -> Self {
        match self {
            Self::Sqlite(sqlite) => Self::Sqlite(Sqlite {
                readers: None,
                ..sqlite.clone()
            }),
            Self::Postgres(pool) => Self::Postgres(pool.clone()),
        }
    }
}

/// How the database pool is used right now (for metrics).
#[derive(Debug, Clone, Copy)]
pub struct PoolUsage {
    /// Connections open, idle among them, and the most the pool may open.
    pub size: u32,
    pub idle: usize,
    pub max: u32,
    /// How long a checkout waited just now (`None`: it timed out or failed).
    pub acquire_wait: Option<Duration>,
    /// SQLite only: writes waiting for the writer.
    pub writes_queued: Option<usize>,
}

impl Database {
    /// The pool's use now; checks a connection out (and back in) to time the wait.
    pub async fn pool_usage(&self) -> PoolUsage {
        let started = std::time::Instant::now();
        with_pool!(self, pool => {
            let acquired = pool.acquire().await.ok();
            let acquire_wait = acquired.map(|_| started.elapsed());
            PoolUsage {
                size: pool.size(),
                idle: pool.num_idle(),
                max: pool.options().get_max_connections(),
                acquire_wait,
                writes_queued: match self {
                    Self::Sqlite(sqlite) => Some(sqlite.writer().queued()),
                    Self::Postgres(_) => None,
                },
            }
        })
    }

    /// Opens a pool for `url`. SQLite files (and their folder) are created when missing; a
    /// Postgres pool connects lazily, so the server can start while Postgres is still down.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DatabaseError> {
        let converted = sqlalchemy_url(url);
        if let Some((plain, driver)) = &converted {
            tracing::info!(
                driver = %driver,
                "DATABASE_URL is in SQLAlchemy's form (the FastAPI backend's): connecting without the driver part, as {}",
                plain.split_once(':').map_or("", |(scheme, _)| scheme),
            );
        }
        let url = converted.as_ref().map_or(url, |(plain, _)| plain.as_str());
        match Backend::from_url(url)? {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(DatabaseError::InvalidUrl)?
                    .create_if_missing(true)
                    .foreign_keys(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // FULL: a committed write survives power loss, not only a process crash.
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    // Reads map the file instead of copying each page from the kernel (a list
                    // of 50 tasks touches up to 50 pages): 40% more lists per second. Writes
                    // still go through the WAL. See SQLITE_MMAP_BYTES.
                    .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string());
                let file = options.get_filename();
                let in_memory = url.contains(":memory:") || url.contains("mode=memory");
                if !in_memory {
                    create_parent_dir(file)?;
                }
                // Every connection to an in-memory database is a separate database: keep one.
                let max = if in_memory { 1 } else { max_connections.max(1) };
                let pool = SqlitePoolOptions::new()
                    .max_connections(max)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    // A connection to a local file does not go stale; pinging it before each
                    // use was a second trip to its thread for every query.
                    .test_before_acquire(false)
                    .connect_with(options.clone())
                    .await?;
                let (writer, readers) = if in_memory {
                    (Writer::shared(pool.clone()), None)
                } else {
                    let readers = Readers::new(
                        file.to_path_buf(),
                        max as usize,
                        SQLITE_MMAP_BYTES,
                        SQLITE_BUSY_TIMEOUT,
                    );
                    (Writer::own_connection(options), Some(readers))
                };
                Ok(Self::Sqlite(Sqlite {
                    pool,
                    readers,
                    writer,
                }))
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(DatabaseError::InvalidUrl)?;
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections.max(1))
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_lazy_with(options);
                Ok(Self::Postgres(pool))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the pending migrations for this backend; already-applied ones are skipped.
    pub async fn migrate(&self) -> Result<(), DatabaseError> {
        match self {
            Self::Sqlite(sqlite) => SQLITE_MIGRATIONS.run(&sqlite.pool).await?,
            Self::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// A round trip to the database, for health checks.
    /// Whether the database server can be reached at all, tried with a fresh connection outside
    /// the pool (within 2 s), so that a busy pool or lock contention does not look like an
    /// outage. A SQLite file is always reachable.
    pub async fn reachable(&self) -> bool {
        match self {
            Self::Sqlite(_) => true,
            Self::Postgres(pool) => {
                use sqlx::{ConnectOptions, Connection};
                let options = pool.connect_options();
                match tokio::time::timeout(Duration::from_secs(2), options.connect()).await {
                    Ok(Ok(connection)) => {
                        let _ = connection.close().await;
                        true
                    }
                    _ => false,
                }
            }
        }
    }

    pub async fn ping(&self) -> Result<(), DatabaseError> {
        let result = match self {
            Self::Sqlite(sqlite) => sqlx::query("SELECT 1")
                .execute(&sqlite.pool)
                .await
                .map(drop),
            Self::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
        };
        result.map_err(|err| match err {
            // Any failure of `SELECT 1` means the database is not usable right now.
            sqlx::Error::Database(_) => DatabaseError::Unavailable(Box::new(err)),
            other => other.into(),
        })
    }

    /// Closes every pooled connection; later queries fail as unavailable. Used on shutdown.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(sqlite) => {
                if let Some(readers) = &sqlite.readers {
                    readers.close();
                }
                sqlite.writer.close().await;
                sqlite.pool.close().await
            }
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

fn create_parent_dir(file: &Path) -> Result<(), DatabaseError> {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|source| DatabaseError::CreateDir {
                path: dir.display().to_string(),
                source,
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlalchemy_urls_lose_their_driver() {
        let plain = |url: &str| sqlalchemy_url(url).map(|(url, _)| url);
        assert_eq!(
            plain("postgresql+asyncpg://todo:pw@db:5432/todo?sslmode=disable").as_deref(),
            Some("postgresql://todo:pw@db:5432/todo?sslmode=disable")
        );
        assert_eq!(
            sqlalchemy_url("postgresql+psycopg://u@h/d")
                .map(|(_, d)| d)
                .as_deref(),
            Some("psycopg")
        );
        assert_eq!(
            plain("sqlite+aiosqlite:///./todo.db").as_deref(),
            Some("sqlite://./todo.db")
        );
        assert_eq!(
            plain("sqlite+aiosqlite:////var/lib/todo.db").as_deref(),
            Some("sqlite:///var/lib/todo.db")
        );
        assert_eq!(plain("postgres://u@h/d"), None);
        assert_eq!(plain("sqlite://data/leptodo.db"), None);
        assert_eq!(plain("mysql+aiomysql://u@h/d"), None);
        assert_eq!(
            Backend::from_url("postgresql+asyncpg://u@h/d").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("sqlite+aiosqlite:///x.db").unwrap(),
            Backend::Sqlite
        );
    }

    #[test]
    fn sqlite_timestamps_are_read_in_both_text_forms() {
        let at = time::macros::datetime!(2026-11-25 02:14:23.758065 UTC);
        assert_eq!(
            parse_sqlite_timestamp("2026-11-25T02:14:23.758065Z"),
            Some(at)
        );
        assert_eq!(
            parse_sqlite_timestamp("2026-11-25T03:14:23.758065+01:00"),
            Some(at)
        );
        assert_eq!(
            parse_sqlite_timestamp("2026-11-25 02:14:23.758065"),
            Some(at)
        );
        assert_eq!(
            parse_sqlite_timestamp("2026-11-25 02:14:23"),
            Some(time::macros::datetime!(2026-11-25 02:14:23 UTC))
        );
        // The hand-read form agrees with `time`'s parser, digit counts and bad values alike.
        for text in [
            "2026-11-25T02:14:23Z",
            "2026-11-25T02:14:23.5Z",
            "2026-11-25T02:14:23.758065Z",
            "2026-11-25T02:14:23.123456789Z",
            "2024-02-29T23:59:59.999999Z",
        ] {
            let general =
                time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                    .unwrap();
            assert_eq!(parse_utc_rfc3339(text), Some(general), "{text}");
        }
        for bad in [
            "2026-02-30T02:14:23Z",
            "2026-13-01T02:14:23Z",
            "2026-11-25T24:14:23Z",
            "2026-11-25T02:14:23.Z",
            "2026-11-25T02:14:23.1234567890Z",
            "2026-11-25T02:14:2xZ",
            "2026-11-25T02:14:23+01:00",
        ] {
            assert_eq!(parse_utc_rfc3339(bad), None, "{bad}");
        }
        assert_eq!(parse_sqlite_timestamp("yesterday"), None);
        assert_eq!(parse_sqlite_timestamp(""), None);
    }

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/x.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("sqlite::memory:").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db?sslmode=require").unwrap(),
            Backend::Postgres
        );
        assert!(matches!(
            Backend::from_url("mysql://u@h/db"),
            Err(DatabaseError::UnsupportedUrl)
        ));
        assert!(Backend::from_url("data/x.db").is_err());
    }

    #[tokio::test]
    async fn sqlite_file_and_folder_are_created_and_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/deeper/leptodo.db");
        let url = format!("sqlite://{}", file.display());
        let db = Database::connect(&url, 2).await.unwrap();
        db.migrate().await.unwrap();
        // Running them again is a no-op, not an error.
        db.migrate().await.unwrap();
        db.ping().await.unwrap();
        assert!(file.exists());

        let Database::Sqlite(sqlite) = &db else {
            unreachable!()
        };
        let pool = sqlite.pool();
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' \
             AND name NOT LIKE 'sqlite%' ORDER BY name",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        let names: Vec<_> = tables.into_iter().map(|(n,)| n).collect();
        assert_eq!(
            names,
            [
                "credentials",
                "outbox",
                "sessions",
                "signing_keys",
                "task_tags",
                "task_words",
                "tasks",
                "token_cutoffs",
                "users",
                "verifications"
            ]
        );

        let journal: (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(journal.0, "wal");
        let fk: (i64,) = sqlx::query_as("PRAGMA foreign_keys")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(fk.0, 1);
    }

    #[tokio::test]
    async fn a_closed_pool_reports_unavailable() {
        let db = Database::connect("sqlite::memory:", 1).await.unwrap();
        db.ping().await.unwrap();
        db.close().await;
        let err = db.ping().await.unwrap_err();
        assert!(err.is_unavailable(), "{err:?}");
    }
}
