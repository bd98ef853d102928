//! SQLite's one writer, with group commit.
//!
//! SQLite lets one connection write at a time. Connections that try while another writes
//! wait in its busy handler, which sleeps in steps of up to 100 ms, and every commit is one
//! fsync of the WAL (`synchronous=FULL`). Under concurrent writes that gives few writes per
//! second and long tails. So every write goes through one connection, owned by a task: it
//! takes all the writes waiting, runs them in one transaction (`BEGIN IMMEDIATE`), each in
//! its own savepoint so that a failing one is undone alone, and commits once — one fsync for
//! the lot. A caller hears back only after that commit succeeded: an acknowledged write is
//! on disk.
//!
//! Reads do not come here: in WAL mode they run on the pool beside the writer, and see every
//! acknowledged write.

use std::{
    collections::VecDeque,
    future::Future,
    panic::AssertUnwindSafe,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use futures_util::FutureExt;
use sqlx::{Connection, Executor, SqliteConnection, SqlitePool, sqlite::SqliteConnectOptions};
use tokio::sync::{mpsc, oneshot};

/// A boxed future borrowing the writer's connection for `'c`.
pub type BoxFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// The most writes committed together.
const MAX_BATCH: usize = 256;
/// How many writes may wait for the writer before callers wait to queue.
const QUEUE: usize = 1024;

/// A queued write: its statements, run on the writer's connection inside the batch — or,
/// when the batch cannot start, the error to report instead.
type Job = Box<
    dyn for<'c> FnOnce(Result<&'c mut SqliteConnection, Arc<sqlx::Error>>) -> BoxFuture<'c, Ran>
        + Send,
>;

/// Tells a caller how its write ended, given how its batch ended.
type Reply = Box<dyn FnOnce(Result<(), &Arc<sqlx::Error>>) + Send>;

/// How a job's statements went. `reply` tells the caller, once the batch's fate is known.
struct Ran {
    failed: bool,
    reply: Reply,
}

enum Message {
    Write(Job),
    Close(oneshot::Sender<()>),
}

/// The handle to the writer task. Cheap to clone; the task ends when the last handle is
/// dropped or [`Writer::close`] is called.
#[derive(Debug, Clone)]
pub struct Writer {
    inbox: mpsc::Sender<Message>,
    commits: Arc<AtomicU64>,
}

/// Where the writer's connection comes from.
enum Source {
    /// A file database: a connection of its own, reopened if it breaks.
    Own {
        options: Box<SqliteConnectOptions>,
        connection: Option<SqliteConnection>,
    },
    /// An in-memory database exists only on the pool's single connection: borrow it.
    Pool(SqlitePool),
}

/// Why a write was not committed although its own statements succeeded: the transaction it
/// was part of failed. Reported to the caller as an I/O error (the database is unavailable).
#[derive(Debug, thiserror::Error)]
#[error("the write was not committed: {0}")]
pub(crate) struct NotCommitted(Arc<sqlx::Error>);

impl NotCommitted {
    /// The error that kept the batch from committing.
    pub(crate) fn cause(&self) -> &sqlx::Error {
        &self.0
    }
}

fn not_committed(err: &Arc<sqlx::Error>) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(NotCommitted(err.clone())))
}

impl Writer {
    /// Starts the writer for a file database, on a connection of its own.
    pub fn own_connection(options: SqliteConnectOptions) -> Self {
        Self::start(Source::Own {
            options: Box::new(options),
            connection: None,
        })
    }

    /// Starts the writer for an in-memory database, borrowing the pool's connection.
    pub fn shared(pool: SqlitePool) -> Self {
        Self::start(Source::Pool(pool))
    }

    fn start(source: Source) -> Self {
        let (inbox, messages) = mpsc::channel(QUEUE);
        let commits = Arc::new(AtomicU64::new(0));
        tokio::spawn(run(source, messages, commits.clone()));
        Self { inbox, commits }
    }

    /// How many transactions the writer has committed so far (each holds one or more writes).
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// How many writes wait for the writer now (beyond those it is running).
    pub fn queued(&self) -> usize {
        self.inbox.max_capacity() - self.inbox.capacity()
    }

    /// Runs `op` on the writer's connection, inside the next batch, and returns its result
    /// once the batch has committed. `op`'s changes are undone if it fails (its savepoint is
    /// rolled back); they are also undone, and the caller gets an error, if the commit fails.
    pub async fn write<T, F>(&self, op: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, sqlx::Error>>
            + Send
            + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<T, sqlx::Error>>();
        let job: Job = Box::new(move |connection| {
            Box::pin(async move {
                let connection = match connection {
                    Ok(connection) => connection,
                    Err(err) => {
                        return Ran {
                            failed: true,
                            reply: Box::new(move |_| {
                                let _ = tx.send(Err(not_committed(&err)));
                            }),
                        };
                    }
                };
                match op(connection).await {
                    Ok(value) => Ran {
                        failed: false,
                        reply: Box::new(move |commit| {
                            let _ = tx.send(commit.map(|()| value).map_err(not_committed));
                        }),
                    },
                    // Its own error, unless the batch failed too: then what it saw (say, a
                    // row written earlier in the batch) was never committed either.
                    Err(err) => Ran {
                        failed: true,
                        reply: Box::new(move |commit| {
                            let _ = tx.send(Err(match commit {
                                Ok(()) => err,
                                Err(batch) => not_committed(batch),
                            }));
                        }),
                    },
                }
            }) as BoxFuture<'_, Ran>
        });
        self.inbox
            .send(Message::Write(job))
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        // Dropped unanswered: the writer stopped, or the job panicked.
        rx.await.unwrap_or(Err(sqlx::Error::WorkerCrashed))
    }

    /// Finishes the writes already queued, closes the connection, and refuses later writes
    /// (they fail as unavailable).
    pub async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.inbox.send(Message::Close(done)).await.is_ok() {
            let _ = closed.await;
        }
    }
}

async fn run(mut source: Source, mut inbox: mpsc::Receiver<Message>, commits: Arc<AtomicU64>) {
    let mut batch = VecDeque::with_capacity(MAX_BATCH);
    while let Some(message) = inbox.recv().await {
        let mut closing = None;
        match message {
            Message::Write(job) => batch.push_back(job),
            Message::Close(done) => closing = Some(done),
        }
        while closing.is_none() && batch.len() < MAX_BATCH {
            match inbox.try_recv() {
                Ok(Message::Write(job)) => batch.push_back(job),
                Ok(Message::Close(done)) => closing = Some(done),
                Err(_) => break,
            }
        }
        while !batch.is_empty() {
            metrics::histogram!("leptodo_sqlite_write_batch_size").record(batch.len() as f64);
            if source.commit_some(&mut batch).await {
                commits.fetch_add(1, Ordering::Relaxed);
            }
        }
        if let Some(done) = closing {
            inbox.close();
            // Writes queued after the close are dropped: their callers see `WorkerCrashed`.
            while inbox.try_recv().is_ok() {}
            if let Source::Own { connection, .. } = &mut source
                && let Some(connection) = connection.take()
            {
                let _ = connection.close().await;
            }
            let _ = done.send(());
            return;
        }
    }
}

impl Source {
    /// Runs jobs from the front of `batch` in one transaction and commits them; true when the
    /// commit happened. Returns when the transaction ends; jobs it did not reach (the
    /// transaction broke) stay in `batch`. Every call answers at least one job.
    async fn commit_some(&mut self, batch: &mut VecDeque<Job>) -> bool {
        let mut borrowed;
        let connection: &mut SqliteConnection = match self {
            Source::Own {
                options,
                connection,
            } => {
                if connection.is_none() {
                    match SqliteConnection::connect_with(options).await {
                        Ok(opened) => *connection = Some(opened),
                        Err(err) => {
                            fail_all(batch, Arc::new(err)).await;
                            return false;
                        }
                    }
                }
                connection.as_mut().expect("opened above")
            }
            Source::Pool(pool) => match pool.acquire().await {
                Ok(conn) => {
                    borrowed = conn;
                    &mut borrowed
                }
                Err(err) => {
                    fail_all(batch, Arc::new(err)).await;
                    return false;
                }
            },
        };

        if let Err(err) = connection.execute("BEGIN IMMEDIATE").await {
            // Another process holds the write lock past the busy timeout, or the disk failed.
            let err = Arc::new(err);
            self.drop_connection_if_broken(&err);
            fail_all(batch, err).await;
            return false;
        }
        // Replies of the jobs run, sent once the commit has (or has not) happened.
        let mut done: Vec<Reply> = Vec::with_capacity(batch.len());
        let mut broken = None;
        while let Some(job) = batch.pop_front() {
            if let Err(err) = connection.execute("SAVEPOINT job").await {
                let err = Arc::new(err);
                let ran = job(Err(err.clone())).await;
                (ran.reply)(Err(&err));
                broken = Some(err);
                break;
            }
            let failed = match AssertUnwindSafe(job(Ok(&mut *connection)))
                .catch_unwind()
                .await
            {
                Ok(ran) => {
                    let failed = ran.failed;
                    done.push(ran.reply);
                    failed
                }
                // The caller's channel was dropped with the job: it sees `WorkerCrashed`.
                Err(_) => {
                    tracing::error!("a database write panicked; it was undone");
                    true
                }
            };
            // Undo a failed job alone, then end its savepoint. If either fails, SQLite has
            // ended the transaction (a savepoint that is gone means the same): nothing done
            // since BEGIN may be acknowledged.
            let end = if failed {
                "ROLLBACK TO job; RELEASE job"
            } else {
                "RELEASE job"
            };
            if let Err(err) = connection.execute(end).await {
                broken = Some(Arc::new(err));
                break;
            }
        }
        let outcome = match broken {
            Some(err) => Err(err),
            None => connection
                .execute("COMMIT")
                .await
                .map(drop)
                .map_err(Arc::new),
        };
        if let Err(err) = &outcome {
            tracing::error!(error = %err, writes = done.len(), "a batch of database writes was not committed");
            // "No transaction is active" when SQLite has already ended it. Any other failure
            // leaves the connection inside a transaction, holding the lock: start afresh.
            let stuck = match connection.execute("ROLLBACK").await {
                Ok(_) => false,
                Err(err) => !err.to_string().contains("no transaction is active"),
            };
            if stuck {
                self.forget_connection();
            } else {
                self.drop_connection_if_broken(err);
            }
        }
        let committed = outcome.is_ok();
        for reply in done {
            reply(outcome.as_ref().map(|_| ()));
        }
        committed
    }

    /// Forgets our own connection, so the next batch opens a fresh one. (A borrowed pool
    /// connection cannot be swapped; in-memory databases are for tests and tools.)
    fn forget_connection(&mut self) {
        if let Source::Own { connection, .. } = self {
            *connection = None;
        }
    }

    /// Forgets our own connection after an I/O error, so the next batch opens a fresh one.
    fn drop_connection_if_broken(&mut self, err: &sqlx::Error) {
        if matches!(err, sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed) {
            self.forget_connection();
        }
    }
}

/// Answers every job in `batch` with `err`, without running it.
async fn fail_all(batch: &mut VecDeque<Job>, err: Arc<sqlx::Error>) {
    tracing::error!(error = %err, writes = batch.len(), "database writes could not start");
    for job in batch.drain(..) {
        let ran = job(Err(err.clone())).await;
        (ran.reply)(Err(&err));
    }
}

#[cfg(test)]
mod tests {
    use std::{str::FromStr, time::Duration};

    use super::*;
    use crate::db::Database;

    /// A migrated file database with one user, `u-1`, and a connection of its own on the
    /// same file (another process, as far as SQLite can tell).
    async fn file_db(dir: &tempfile::TempDir) -> (Database, SqliteConnection) {
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let db = Database::connect(&url, 4).await.unwrap();
        db.migrate().await.unwrap();
        add_user(&db, "u-1").await.unwrap();
        let other = SqliteConnection::connect_with(
            &SqliteConnectOptions::from_str(&url)
                .unwrap()
                .busy_timeout(Duration::from_secs(5)),
        )
        .await
        .unwrap();
        (db, other)
    }

    async fn add_user(db: &Database, id: &str) -> Result<u64, sqlx::Error> {
        let id = id.to_owned();
        with_writer!(db, conn => sqlx::query(
            "INSERT INTO users (id, email, name, email_verified, created_at, updated_at) \
             VALUES ($1, $1 || '@example.com', 'x', FALSE, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .bind(&id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))
    }

    async fn add_task(db: &Database, owner: &str, title: &str) -> Result<i64, sqlx::Error> {
        let (owner, title) = (owner.to_owned(), title.to_owned());
        with_writer!(db, conn => sqlx::query_scalar(
            "INSERT INTO tasks (user_id, title, completed, created_at, updated_at) \
             VALUES ($1, $2, FALSE, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id",
        )
        .bind(&owner)
        .bind(&title)
        .fetch_one(conn)
        .await)
    }

    async fn titles(other: &mut SqliteConnection) -> Vec<String> {
        sqlx::query_scalar("SELECT title FROM tasks ORDER BY title")
            .fetch_all(other)
            .await
            .unwrap()
    }

    /// Takes SQLite's write lock on `other` (until it commits or rolls back), so that writes
    /// submitted meanwhile queue up and land in one batch.
    async fn hold_write_lock(other: &mut SqliteConnection) {
        sqlx::query("BEGIN IMMEDIATE").execute(other).await.unwrap();
    }

    /// [`add_task`] in a task of its own, so that several can wait on the writer at once.
    fn spawn_add_task(
        db: &Database,
        owner: &'static str,
        title: String,
    ) -> tokio::task::JoinHandle<Result<i64, sqlx::Error>> {
        let db = db.clone();
        tokio::spawn(async move { add_task(&db, owner, &title).await })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_share_commits_and_are_all_on_disk_when_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let (db, mut other) = file_db(&dir).await;
        let Database::Sqlite(sqlite) = &db else {
            unreachable!()
        };
        let before = sqlite.writer().commits();

        // While another connection holds the lock, the first write waits in BEGIN and the
        // other 49 queue behind it.
        hold_write_lock(&mut other).await;
        let writes: Vec<_> = (0..50)
            .map(|n| spawn_add_task(&db, "u-1", format!("t{n:02}")))
            .collect();
        tokio::time::sleep(Duration::from_millis(300)).await;
        sqlx::query("COMMIT").execute(&mut other).await.unwrap();
        let mut ids = Vec::new();
        for write in writes {
            ids.push(write.await.unwrap().unwrap());
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 50, "every write got its own row");
        let commits = sqlite.writer().commits() - before;
        assert!(commits <= 3, "50 queued writes took {commits} commits");

        // Acknowledged means committed: another connection sees all of them.
        let expected: Vec<String> = (0..50).map(|n| format!("t{n:02}")).collect();
        assert_eq!(titles(&mut other).await, expected);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_is_undone_alone_and_its_batch_commits() {
        let dir = tempfile::tempdir().unwrap();
        let (db, mut other) = file_db(&dir).await;
        let Database::Sqlite(sqlite) = &db else {
            unreachable!()
        };

        hold_write_lock(&mut other).await;
        let before = sqlite.writer().commits();
        let good_1 = spawn_add_task(&db, "u-1", "kept 1".into());
        // A task for nobody breaks the foreign key.
        let bad = spawn_add_task(&db, "nobody", "refused".into());
        // Several statements, the second failing: the first is undone with it.
        let bad_pair = tokio::spawn({
            let db = db.clone();
            async move {
                with_write_tx!(&db, conn => {
                    sqlx::query(
                        "INSERT INTO tasks (user_id, title, completed, created_at, updated_at) \
                         VALUES ('u-1', 'half of a pair', FALSE, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                    )
                    .execute(&mut *conn)
                    .await?;
                    sqlx::query("INSERT INTO nowhere VALUES (1)")
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            }
        });
        let good_2 = spawn_add_task(&db, "u-1", "kept 2".into());
        tokio::time::sleep(Duration::from_millis(300)).await;
        sqlx::query("COMMIT").execute(&mut other).await.unwrap();

        good_1.await.unwrap().unwrap();
        good_2.await.unwrap().unwrap();
        let err = bad.await.unwrap().unwrap_err();
        assert!(
            matches!(&err, sqlx::Error::Database(e) if e.is_foreign_key_violation()),
            "{err:?}"
        );
        let err = bad_pair.await.unwrap().unwrap_err();
        assert!(err.to_string().contains("no such table"), "{err}");
        assert_eq!(titles(&mut other).await, ["kept 1", "kept 2"]);
        assert!(sqlite.writer().commits() - before <= 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_fail_as_unavailable_while_another_process_holds_the_lock_then_recover() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let (db, mut other) = file_db(&dir).await;
        drop(db);
        // A writer that gives up on a lock after 200 ms.
        let options = SqliteConnectOptions::from_str(&url)
            .unwrap()
            .busy_timeout(Duration::from_millis(200));
        let pool = SqlitePool::connect_with(options.clone()).await.unwrap();
        let db = Database::Sqlite(crate::db::Sqlite {
            pool,
            readers: None,
            writer: Writer::own_connection(options),
        });

        hold_write_lock(&mut other).await;
        let err = add_task(&db, "u-1", "blocked").await.unwrap_err();
        let err = crate::DatabaseError::from(err);
        assert!(err.is_unavailable(), "{err:?}");
        sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();

        add_task(&db, "u-1", "after").await.unwrap();
        assert_eq!(titles(&mut other).await, ["after"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn close_finishes_queued_writes_then_refuses_more() {
        let dir = tempfile::tempdir().unwrap();
        let (db, mut other) = file_db(&dir).await;
        let Database::Sqlite(sqlite) = &db else {
            unreachable!()
        };

        hold_write_lock(&mut other).await;
        let queued = spawn_add_task(&db, "u-1", "queued before close".into());
        tokio::time::sleep(Duration::from_millis(100)).await;
        let closing = tokio::spawn({
            let writer = sqlite.writer().clone();
            async move { writer.close().await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        sqlx::query("COMMIT").execute(&mut other).await.unwrap();
        closing.await.unwrap();
        queued.await.unwrap().unwrap();

        let err = crate::DatabaseError::from(add_task(&db, "u-1", "too late").await.unwrap_err());
        assert!(err.is_unavailable(), "{err:?}");
        assert_eq!(titles(&mut other).await, ["queued before close"]);
    }

    #[tokio::test]
    async fn in_memory_databases_write_through_the_pool_connection() {
        let db = Database::connect("sqlite::memory:", 1).await.unwrap();
        db.migrate().await.unwrap();
        add_user(&db, "u-1").await.unwrap();
        add_task(&db, "u-1", "in memory").await.unwrap();
        let count: i64 =
            crate::db::with_pool!(&db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM tasks")
            .fetch_one(pool)
            .await)
            .unwrap();
        assert_eq!(count, 1);
    }
}
