//! SQLite reads on the calling thread.
//!
//! sqlx runs every SQLite statement on a thread of its own per connection and hands the rows
//! back over channels; for the task list that hop cost more than the query (the floor server
//! in `bench/floor` measured 5,006 list requests a second through sqlx's pool against 27,206
//! with rusqlite on the calling thread). So the hot reads check a rusqlite connection out of
//! this pool, run one statement where the request already is, and put it back. A read of an
//! indexed page takes tens of microseconds: holding the async worker that long is cheaper
//! than waking another thread. Writes never come here: they stay with the one
//! [`Writer`](super::Writer) and its group commit, and every connection here is `query_only`.
//! In WAL mode a reader never waits for the writer and sees every committed write.

use std::{
    path::PathBuf,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use rusqlite::{Connection, OpenFlags};

use super::DatabaseError;

/// The longest a single read may run before SQLite abandons it (checked every few thousand
/// virtual-machine steps). A read holds its async worker, so a runaway one must end.
const STATEMENT_DEADLINE: Duration = Duration::from_secs(5);
/// How many virtual-machine steps pass between deadline checks (a few microseconds' work).
const DEADLINE_CHECK_STEPS: i32 = 10_000;

/// Idle read connections to one SQLite file. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Readers {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    mmap_bytes: u64,
    busy_timeout: Duration,
    /// At most `max_idle` connections wait here; more are opened when reads overlap, and
    /// closed when they come back to a full pool.
    idle: Mutex<Vec<Connection>>,
    max_idle: usize,
    closed: AtomicBool,
    /// [`STATEMENT_DEADLINE`], except in tests.
    deadline: Duration,
}

/// The error for a read after [`Readers::close`].
#[derive(Debug, thiserror::Error)]
#[error("the database is closed")]
struct Closed;

impl Readers {
    pub(super) fn new(
        path: PathBuf,
        max_idle: usize,
        mmap_bytes: u64,
        busy_timeout: Duration,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                path,
                mmap_bytes,
                busy_timeout,
                idle: Mutex::new(Vec::with_capacity(max_idle)),
                max_idle: max_idle.max(1),
                closed: AtomicBool::new(false),
                deadline: STATEMENT_DEADLINE,
            }),
        }
    }

    /// Runs `read` on a connection of the pool, on this thread, and returns the connection.
    /// Any error is classified as every database error is (unavailable, full, or a failed
    /// statement).
    pub fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, DatabaseError> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(DatabaseError::Unavailable(Box::new(Closed)));
        }
        let pooled = self.lock().pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => self.open()?,
        };
        let deadline = Instant::now() + self.inner.deadline;
        conn.progress_handler(
            DEADLINE_CHECK_STEPS,
            Some(move || Instant::now() > deadline),
        );
        let result = read(&conn);
        conn.progress_handler(DEADLINE_CHECK_STEPS, None::<fn() -> bool>);
        // A connection whose statement failed is still sound (SQLite resets the statement);
        // only a closed pool or a full one lets it go.
        if !self.inner.closed.load(Ordering::Acquire) {
            let mut idle = self.lock();
            if idle.len() < self.inner.max_idle {
                idle.push(conn);
            }
        }
        result.map_err(DatabaseError::from)
    }

    /// Closes the idle connections; later reads fail as unavailable.
    pub fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.inner
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn open(&self) -> Result<Connection, DatabaseError> {
        // Not CREATE: the file exists (the pool and the writer opened it first); a read must
        // never make an empty database where one went missing.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.inner.path, flags)?;
        conn.busy_timeout(self.inner.busy_timeout)?;
        conn.execute_batch(&format!(
            "PRAGMA query_only = 1; PRAGMA mmap_size = {};",
            self.inner.mmap_bytes
        ))?;
        // Prepared statements are kept per connection, keyed by their text: a list's SQL
        // varies with its filters, so room for the common shapes.
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readers(dir: &tempfile::TempDir, deadline: Duration) -> Readers {
        let path = dir.path().join("r.db");
        let setup = Connection::open(&path).unwrap();
        setup
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER); \
                 INSERT INTO t VALUES (1), (2);",
            )
            .unwrap();
        let readers = Readers::new(path, 2, 0, Duration::from_millis(100));
        Readers {
            inner: Arc::new(Inner {
                deadline,
                ..Arc::into_inner(readers.inner).unwrap()
            }),
        }
    }

    fn sum(conn: &Connection) -> rusqlite::Result<i64> {
        conn.query_row("SELECT SUM(n) FROM t", [], |r| r.get(0))
    }

    #[test]
    fn reads_reuse_connections_and_never_write() {
        let dir = tempfile::tempdir().unwrap();
        let readers = readers(&dir, STATEMENT_DEADLINE);
        assert_eq!(readers.read(sum).unwrap(), 3);
        assert_eq!(readers.read(sum).unwrap(), 3);
        assert_eq!(
            readers.lock().len(),
            1,
            "the connection came back to the pool"
        );
        // query_only: a statement that writes is refused, and the file is unchanged.
        let err = readers
            .read(|conn| conn.execute("INSERT INTO t VALUES (40)", []))
            .unwrap_err();
        assert!(matches!(err, DatabaseError::Query(_)), "{err:?}");
        assert_eq!(readers.read(sum).unwrap(), 3);
    }

    #[test]
    fn a_missing_file_is_unavailable_and_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone.db");
        let readers = Readers::new(path.clone(), 2, 0, Duration::from_millis(100));
        let err = readers.read(sum).unwrap_err();
        assert!(err.is_unavailable(), "{err:?}");
        assert!(!path.exists());
    }

    #[test]
    fn a_runaway_read_is_stopped_at_its_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let readers = readers(&dir, Duration::from_millis(50));
        let started = Instant::now();
        let forever = |conn: &Connection| {
            conn.query_row(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                 SELECT MAX(x) FROM c",
                [],
                |r| r.get::<_, i64>(0),
            )
        };
        let err = readers.read(forever).unwrap_err();
        assert!(err.is_unavailable(), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        // The connection is fine afterwards.
        assert_eq!(readers.read(sum).unwrap(), 3);
    }

    #[test]
    fn reads_after_close_are_unavailable() {
        let dir = tempfile::tempdir().unwrap();
        let readers = readers(&dir, STATEMENT_DEADLINE);
        readers.read(sum).unwrap();
        readers.close();
        assert!(readers.lock().is_empty());
        assert!(readers.read(sum).unwrap_err().is_unavailable());
    }
}
