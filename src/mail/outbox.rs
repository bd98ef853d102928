//! The mail outbox: messages are rows, written in the transaction that creates the token they
//! carry, and deleted once an SMTP server has accepted them. A worker in every instance sends
//! what is due; a message that fails is retried with backoff until its link expires. A crash
//! between the server's acceptance and the delete sends that message once more, never zero
//! times.

use std::time::Duration;

use time::OffsetDateTime;

use super::{Mailer, Template};
use crate::db::{Database, now, with_pool, with_writer};

/// How long a worker holds a message it is sending before another may take it over.
const LEASE: Duration = Duration::from_secs(90);
/// The longest wait between two attempts at one message.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How often an idle worker looks for mail queued by another instance (or due for a retry).
const POLL_EVERY: Duration = Duration::from_secs(2);

/// A message ready to queue.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// After this the link in it is dead: it is dropped rather than sent.
    pub expires_at: OffsetDateTime,
}

impl Outgoing {
    pub fn new(recipient: &str, template: Template, expires_at: OffsetDateTime) -> Self {
        let rendered = template.render();
        Self {
            recipient: recipient.to_string(),
            subject: rendered.subject,
            text_body: rendered.text,
            html_body: rendered.html,
            expires_at,
        }
    }
}

/// Queues `$mail` (an [`Outgoing`]) on `$conn`, inside the caller's write transaction, so the
/// message exists exactly when the token it carries does.
#[macro_export]
macro_rules! enqueue_mail {
    ($conn:expr, $mail:expr) => {{
        let mail: &$crate::mail::outbox::Outgoing = $mail;
        let at = $crate::db::now();
        $crate::db::sqlx::query(
            "INSERT INTO outbox (recipient, subject, text_body, html_body, created_at, \
             expires_at, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $5)",
        )
        .bind(&mail.recipient)
        .bind(&mail.subject)
        .bind(&mail.text_body)
        .bind(&mail.html_body)
        .bind(at)
        .bind(mail.expires_at)
        .execute($conn)
        .await
    }};
}
pub use crate::enqueue_mail;

/// A message taken from the outbox for sending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Queued {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub expires_at: OffsetDateTime,
    pub attempts: i32,
}

/// The wait after the `attempts`-th failure: 1 s, 2 s, 4 s … up to [`MAX_BACKOFF`].
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 16) as u32 - 1;
    Duration::from_secs(1u64 << exponent).min(MAX_BACKOFF)
}

/// When the next message is due, if any is queued.
async fn next_due(db: &Database) -> sqlx::Result<Option<OffsetDateTime>> {
    let (due,): (Option<OffsetDateTime>,) = with_pool!(db, pool => sqlx::query_as(
        "SELECT MIN(next_attempt_at) FROM outbox",
    )
    .fetch_one(pool)
    .await)?;
    Ok(due)
}

/// Takes the oldest due message, leased to this worker for [`LEASE`]. On Postgres two workers
/// may race for one row: the outer condition is checked again on the locked row, so one wins.
async fn claim(db: &Database) -> sqlx::Result<Option<Queued>> {
    let at = now();
    let lease = at + LEASE;
    with_writer!(db, conn => sqlx::query_as::<_, Queued>(
        "UPDATE outbox SET next_attempt_at = $1, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM outbox WHERE next_attempt_at <= $2 \
                     ORDER BY next_attempt_at, id LIMIT 1) \
           AND next_attempt_at <= $2 \
         RETURNING id, recipient, subject, text_body, html_body, expires_at, attempts",
    )
    .bind(lease)
    .bind(at)
    .fetch_optional(conn)
    .await)
}

async fn delete(db: &Database, id: i64) -> sqlx::Result<u64> {
    with_writer!(db, conn => sqlx::query("DELETE FROM outbox WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))
}

async fn retry_later(db: &Database, mail: &Queued, error: String) -> sqlx::Result<u64> {
    let next = now() + backoff(mail.attempts);
    let id = mail.id;
    let error: String = error.chars().take(500).collect();
    with_writer!(db, conn => sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3",
    )
    .bind(next)
    .bind(&error)
    .bind(id)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))
}

/// Sends every due message once; returns how many were taken. Errors are logged and retried.
pub async fn send_due(mailer: &Mailer, db: &Database) -> sqlx::Result<usize> {
    let mut taken = 0;
    while let Some(mail) = claim(db).await? {
        taken += 1;
        if mail.expires_at <= now() {
            tracing::warn!(
                id = mail.id,
                attempts = mail.attempts,
                "a queued mail's link expired before it could be sent: dropped"
            );
            delete(db, mail.id).await?;
            continue;
        }
        match mailer.deliver(&mail).await {
            Ok(()) => {
                tracing::debug!(id = mail.id, attempts = mail.attempts, "mail sent");
                delete(db, mail.id).await?;
            }
            Err(error) => {
                let wait = backoff(mail.attempts);
                tracing::warn!(
                    id = mail.id,
                    attempts = mail.attempts,
                    retry_in_s = wait.as_secs(),
                    %error,
                    "cannot send a mail: retrying"
                );
                retry_later(db, &mail, error).await?;
            }
        }
    }
    Ok(taken)
}

/// The worker: sends what is due, then sleeps until woken, the next retry, or the next poll.
/// An idle worker only reads (one small query per poll): nothing is written, so an idle
/// SQLite database sees no commits.
pub async fn run(mailer: Mailer, db: Database) {
    loop {
        let wait = match next_due(&db).await {
            Ok(Some(due)) if due <= now() => {
                if let Err(error) = send_due(&mailer, &db).await {
                    tracing::warn!(%error, "the mail outbox cannot be written; retrying");
                    POLL_EVERY
                } else {
                    continue;
                }
            }
            Ok(Some(due)) => Duration::try_from(due - now())
                .unwrap_or(Duration::ZERO)
                .clamp(Duration::from_millis(50), POLL_EVERY),
            Ok(None) => POLL_EVERY,
            Err(error) => {
                tracing::debug!(%error, "the mail outbox cannot be read; retrying");
                POLL_EVERY
            }
        };
        tokio::select! {
            () = mailer.inner.queued.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_thirty_seconds() {
        let waits: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(i32::MAX), MAX_BACKOFF);
    }
}
