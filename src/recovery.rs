//! Links sent by mail: resetting a forgotten password and verifying an email address
//! (Better Auth's `request-password-reset`, `reset-password`, `send-verification-email` and
//! `verify-email`).
//!
//! A link's token is 256 random bits; only its SHA-256 is stored, with the account, the address
//! it went to and an expiry (one hour). A reset token works once and a reset ends every
//! session of the account. The mail is queued in the transaction that stores its token.

use std::time::{Duration, Instant};

use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::{
    Auth,
    auth::AUDIT,
    db::{Database, now, with_pool, with_write_tx, with_writer},
    error::{Error, Result},
    mail::{
        Template,
        outbox::{Outgoing, enqueue_mail},
    },
    password::Password,
    random::{digest, random_token},
    sessions::ClientInfo,
    throttle::AuthAction,
    tokens::cutoffs::{cutoff_now, end_sessions_and_tokens},
    users::{self, Email, User},
};

/// How long a reset or verification link works.
pub const LINK_LIFETIME: Duration = Duration::from_secs(60 * 60);
/// The least time a reset or (signed-out) verification request takes, whether or not the
/// address has an account: the answer's timing tells nothing.
const ANSWER_FLOOR: Duration = Duration::from_millis(400);
/// Where a reset link leads when the request named no `redirectTo`: the app's reset page.
pub const RESET_PAGE: &str = "/reset-password";

const RESET: &str = "reset_password";
const VERIFY: &str = "verify_email";

/// `POST /api/auth/request-password-reset`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetRequestInput {
    pub email: String,
    /// Where the link in the mail leads, with `?token=…` (a path here or a trusted origin);
    /// the app's reset page by default.
    #[serde(default)]
    pub redirect_to: Option<String>,
}

/// `POST /api/auth/reset-password`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetPasswordInput {
    /// 8–128 characters.
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
    /// The token from the reset link (also accepted as `?token=`).
    #[serde(default)]
    pub token: Option<String>,
}

/// `POST /api/auth/send-verification-email`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerificationInput {
    pub email: String,
    /// Where the link leads once the address is verified (default `/`).
    #[serde(default, rename = "callbackURL")]
    pub callback_url: Option<String>,
}

impl Auth {
    fn require_mail(&self) -> Result<()> {
        if self.mailer().enabled() {
            Ok(())
        } else {
            Err(Error::EmailNotConfigured)
        }
    }

    /// An absolute URL for a `callbackURL` / `redirectTo` (`field`): a path on this site
    /// (not `//host`), or a URL whose origin is the app's or a trusted one. `None`: `default`.
    pub fn redirect_target(
        &self,
        raw: Option<&str>,
        default: &str,
        field: &'static str,
    ) -> Result<String> {
        let raw = raw
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(default);
        let base = self.mailer().base_url();
        let refused = Error::UntrustedRedirect { field };
        if raw.starts_with('/') {
            if raw.starts_with("//") || raw.contains('\\') || raw.chars().any(char::is_control) {
                return Err(refused);
            }
            return Ok(format!("{base}{raw}"));
        }
        let url = url::Url::parse(raw).map_err(|_| Error::UntrustedRedirect { field })?;
        let origin = url.origin().ascii_serialization();
        let trusted = origin.eq_ignore_ascii_case(base)
            || self
                .trusted_origins()
                .iter()
                .any(|o| o.eq_ignore_ascii_case(&origin));
        if trusted && matches!(url.scheme(), "http" | "https") {
            Ok(url.to_string())
        } else {
            Err(refused)
        }
    }

    /// Queues a reset link for `input.email` if it has an account. The answer is the same,
    /// after the same time, either way; a few mails per address per hour at most.
    pub async fn request_password_reset(
        &self,
        input: ResetRequestInput,
        client: &ClientInfo,
    ) -> Result<()> {
        self.require_mail()?;
        self.throttle(AuthAction::PasswordReset, client).await?;
        let email = Email::parse(&input.email).map_err(Error::invalid)?;
        let callback =
            self.redirect_target(input.redirect_to.as_deref(), RESET_PAGE, "redirectTo")?;
        let started = Instant::now();
        let result = self.queue_reset(&email, &callback, client).await;
        tokio::time::sleep_until((started + ANSWER_FLOOR).into()).await;
        result
    }

    async fn queue_reset(&self, email: &Email, callback: &str, client: &ClientInfo) -> Result<()> {
        // Accounts without a password (imported social sign-ins) may set one this way too, as
        // in Better Auth: the mailbox's owner owns the account.
        let user = users::find_by_email(self.database(), email.as_str()).await?;
        let Some(user) = user else {
            tracing::info!(target: AUDIT, event = "password_reset_requested", outcome = "unknown_email", ip = ?client.ip);
            return Ok(());
        };
        if !self.throttle_state().may_mail(email.as_str()).await? {
            tracing::warn!(target: AUDIT, event = "password_reset_requested", outcome = "mail_limit", user_id = %user.id, ip = ?client.ip);
            return Ok(());
        }
        let token = random_token();
        let link = self.mailer().link(&format!(
            "/api/auth/reset-password/{token}?callbackURL={}",
            encode(callback)
        ));
        let mail = Template::ResetPassword {
            name: &user.name,
            link: &link,
        };
        self.store_link(&user, &token, RESET, mail).await?;
        tracing::info!(target: AUDIT, event = "password_reset_requested", outcome = "mail_queued", user_id = %user.id, ip = ?client.ip);
        Ok(())
    }

    /// Stores a link's token and queues its mail, in one transaction.
    async fn store_link(
        &self,
        user: &User,
        token: &str,
        purpose: &'static str,
        template: Template<'_>,
    ) -> Result<()> {
        let at = now();
        let expires = at + LINK_LIFETIME;
        let mail = Outgoing::new(&user.email, template, expires);
        let (hash, id, email) = (digest(token), user.id.clone(), user.email.clone());
        with_write_tx!(self.database(), conn => {
            sqlx::query(
                "INSERT INTO verifications (token_hash, purpose, user_id, email, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&hash)
            .bind(purpose)
            .bind(&id)
            .bind(&email)
            .bind(expires)
            .bind(at)
            .execute(&mut *conn)
            .await?;
            enqueue_mail!(&mut *conn, &mail).map(drop)
        })?;
        self.mailer().wake();
        Ok(())
    }

    /// The live link of `purpose` with this token: its user id, and whether it has expired.
    async fn find_link(
        &self,
        token: &str,
        purpose: &str,
    ) -> Result<Option<(String, String, bool)>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let row: Option<(String, String, OffsetDateTime)> = with_pool!(self.database(), pool => sqlx::query_as(
            "SELECT user_id, email, expires_at FROM verifications WHERE token_hash = $1 AND purpose = $2",
        )
        .bind(digest(token))
        .bind(purpose)
        .fetch_optional(pool)
        .await)?;
        Ok(row.map(|(user, email, expires)| (user, email, expires <= now())))
    }

    /// Where `GET /api/auth/reset-password/{token}` redirects: the callback with `?token=…`
    /// while the token is good, else with `?error=INVALID_TOKEN`.
    pub async fn reset_link_target(&self, token: &str, callback: Option<&str>) -> Result<String> {
        let callback = self.redirect_target(callback, RESET_PAGE, "callbackURL")?;
        let good = matches!(self.find_link(token, RESET).await?, Some((_, _, false)));
        if good {
            with_query(&callback, "token", token)
        } else {
            with_query(&callback, "error", "INVALID_TOKEN")
        }
    }

    /// Sets a new password with a reset token. The token is used up; every session of the
    /// account ends and its API tokens issued before now stop working.
    pub async fn reset_password(
        &self,
        input: ResetPasswordInput,
        client: &ClientInfo,
    ) -> Result<()> {
        let token = input.token.unwrap_or_default();
        let Some((user_id, email, false)) = self.find_link(&token, RESET).await? else {
            return Err(Error::InvalidToken);
        };
        let password = Password::parse(input.new_password).map_err(Error::invalid)?;
        let hash = self.hasher().hash(&password).await?;
        let (at, cutoff) = (now(), cutoff_now());
        let expires = cutoff + self.tokens().lifetime();
        let (token_hash, id) = (digest(&token), user_id.clone());
        let used: Option<u64> = with_write_tx!(self.database(), conn => {
            // Deleting the row is what uses the token: of two racing resets, one wins.
            let taken = sqlx::query("DELETE FROM verifications WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3")
                .bind(&token_hash)
                .bind(RESET)
                .bind(at)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if taken == 1 {
                // An account that had no password gets its first one.
                sqlx::query(
                    "INSERT INTO credentials (user_id, password_hash, created_at, updated_at) \
                     VALUES ($1, $2, $3, $3) ON CONFLICT (user_id) DO UPDATE \
                     SET password_hash = excluded.password_hash, updated_at = excluded.updated_at",
                )
                .bind(&id)
                .bind(&hash)
                .bind(at)
                .execute(&mut *conn)
                .await?;
                sqlx::query("DELETE FROM verifications WHERE user_id = $1 AND purpose = $2")
                    .bind(&id)
                    .bind(RESET)
                    .execute(&mut *conn)
                    .await?;
                end_sessions_and_tokens!(conn, &id, "", cutoff, expires).map(Some)
            } else {
                Ok(None)
            }
        })?;
        let Some(sessions) = used else {
            return Err(Error::InvalidToken);
        };
        self.cut_off_tokens(&user_id).await;
        // Whoever opened the mailed link owns the account: never throttled out of it now.
        self.throttle_state().trust(&email, client.ip).await?;
        tracing::info!(target: AUDIT, event = "password_reset_completed", user_id = %user_id, sessions_ended = sessions, ip = ?client.ip);
        Ok(())
    }

    /// Queues a verification link for `user`'s address.
    pub(crate) async fn queue_verification(
        &self,
        user: &User,
        callback: Option<&str>,
        client: &ClientInfo,
    ) -> Result<()> {
        let callback = self.redirect_target(callback, "/", "callbackURL")?;
        if !self.throttle_state().may_mail(&user.email).await? {
            tracing::warn!(target: AUDIT, event = "email_verification_sent", outcome = "mail_limit", user_id = %user.id, ip = ?client.ip);
            return Ok(());
        }
        let token = random_token();
        let link = self.mailer().link(&format!(
            "/api/auth/verify-email?token={token}&callbackURL={}",
            encode(&callback)
        ));
        let mail = Template::VerifyEmail {
            name: &user.name,
            link: &link,
        };
        self.store_link(user, &token, VERIFY, mail).await?;
        tracing::info!(target: AUDIT, event = "email_verification_sent", user_id = %user.id, ip = ?client.ip);
        Ok(())
    }

    /// Sends a verification link. Signed in (`signed_in`), the address must be the account's
    /// and not yet verified, and errors say so; signed out, the answer is the same, after the
    /// same time, whatever the address.
    pub async fn send_verification_email(
        &self,
        input: VerificationInput,
        signed_in: Option<&User>,
        client: &ClientInfo,
    ) -> Result<()> {
        self.require_mail()?;
        self.throttle(AuthAction::VerificationMail, client).await?;
        let email = Email::parse(&input.email).map_err(Error::invalid)?;
        let callback = input.callback_url.as_deref();
        self.redirect_target(callback, "/", "callbackURL")?;
        if let Some(user) = signed_in {
            if user.email != email.as_str() {
                return Err(Error::EmailMismatch);
            }
            if user.email_verified {
                return Err(Error::EmailAlreadyVerified);
            }
            return self.queue_verification(user, callback, client).await;
        }
        let started = Instant::now();
        let result = async {
            match users::find_with_password_hash(self.database(), email.as_str()).await? {
                Some((user, _)) if !user.email_verified => {
                    self.queue_verification(&user, callback, client).await
                }
                _ => Ok(()),
            }
        }
        .await;
        tokio::time::sleep_until((started + ANSWER_FLOOR).into()).await;
        result
    }

    /// Marks the address of a verification link as verified (again and again until the link
    /// expires: a second click is not an error). Returns the user id.
    pub async fn verify_email(&self, token: &str, client: &ClientInfo) -> Result<String> {
        let (user_id, email) = match self.find_link(token, VERIFY).await? {
            Some((user, email, false)) => (user, email),
            Some((_, _, true)) => return Err(Error::VerificationLink { expired: true }),
            None => return Err(Error::VerificationLink { expired: false }),
        };
        let (id, address, at) = (user_id.clone(), email, now());
        // Only while the account still has the address the link was sent to.
        let changed = with_writer!(self.database(), conn => sqlx::query(
            "UPDATE users SET email_verified = TRUE, updated_at = $1 \
             WHERE id = $2 AND email = $3 AND email_verified = FALSE",
        )
        .bind(at)
        .bind(&id)
        .bind(&address)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        if changed > 0 {
            tracing::info!(target: AUDIT, event = "email_verified", user_id = %user_id, ip = ?client.ip);
        }
        Ok(user_id)
    }
}

/// `url` with `key=value` added to its query.
pub fn with_query(url: &str, key: &str, value: &str) -> Result<String> {
    let mut url = url::Url::parse(url).map_err(|e| Error::Internal(format!("bad URL: {e}")))?;
    url.query_pairs_mut().append_pair(key, value);
    Ok(url.to_string())
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Removes expired links; returns how many.
pub async fn delete_expired(db: &Database) -> sqlx::Result<u64> {
    with_writer!(db, conn => sqlx::query("DELETE FROM verifications WHERE expires_at <= $1")
        .bind(now())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))
}
