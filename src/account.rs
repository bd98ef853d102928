//! Keeping an account: its name and picture, its password, the devices signed into it, and
//! deleting it — Better Auth's `update-user`, `change-password`, `list-sessions`,
//! `revoke-session(s)`, `revoke-other-sessions` and `delete-user`, once for the REST routes
//! and the server functions. Every change is an audit event (target `leptodo::audit`).

use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use crate::{
    Auth,
    auth::AUDIT,
    db::{now, with_pool, with_write_tx},
    error::{Code, Error, FieldError, Result},
    password::Password,
    sessions::{ClientInfo, Session},
    throttle::AuthAction,
    tokens::cutoffs::{cutoff_now, end_sessions_and_tokens, record_token_cutoff},
    users::{DisplayName, User},
};

/// The longest picture URL accepted.
pub const MAX_IMAGE_CHARS: usize = 2048;

/// Who is managing an account: the user, and the session the request came with (none for a
/// Bearer API token).
#[derive(Debug, Clone)]
pub struct Owner {
    pub user: User,
    pub session_id: Option<String>,
}

/// Reads a present field, `null` included, as `Some` (absent stays `None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// `POST /api/auth/update-user`. Other fields are ignored, as Better Auth does; `email` is
/// refused (it cannot be changed this way).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UpdateUserInput {
    /// A new display name (1–100 characters).
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// A picture URL (http or https), or `null` to remove it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub image: Option<Option<String>>,
    #[serde(default)]
    #[schema(ignore)]
    pub email: Option<serde_json::Value>,
}

/// `POST /api/auth/change-password`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordInput {
    pub current_password: String,
    /// 8–128 characters.
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
    /// End every other session (and cut off API tokens issued before now).
    #[serde(default)]
    pub revoke_other_sessions: bool,
}

/// `POST /api/auth/delete-user`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DeleteUserInput {
    /// The account's password: deleting needs it.
    pub password: String,
}

fn image(raw: Option<String>) -> Result<Option<String>, FieldError> {
    let Some(raw) = raw.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let lower = raw.to_ascii_lowercase();
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    if !web || raw.chars().count() > MAX_IMAGE_CHARS || raw.chars().any(char::is_control) {
        return Err(FieldError::body(
            "image",
            "value_error.url",
            Code::InvalidImage,
            format!("the image must be an http(s) URL of at most {MAX_IMAGE_CHARS} characters"),
        ));
    }
    Ok(Some(raw))
}

impl Auth {
    /// Changes the user's name and/or picture; returns the updated user.
    pub async fn update_user(
        &self,
        owner: &Owner,
        input: UpdateUserInput,
        client: &ClientInfo,
    ) -> Result<User> {
        if input
            .email
            .as_ref()
            .is_some_and(|v| !v.is_null() && v != "")
        {
            return Err(Error::EmailCanNotBeUpdated);
        }
        let name = input.name.as_deref().map(DisplayName::parse).transpose();
        let picture = input.image.clone().map(image).transpose();
        let (name, picture) = match (name, picture) {
            (Ok(name), Ok(picture)) => (name, picture),
            (name, picture) => {
                return Err(Error::Invalid(
                    [name.err(), picture.err()].into_iter().flatten().collect(),
                ));
            }
        };
        if name.is_none() && picture.is_none() {
            return Err(Error::NothingToUpdate);
        }
        let (id, at) = (owner.user.id.clone(), now());
        let name = name.map(|n| n.as_str().to_string());
        let (set_image, image) = (picture.is_some(), picture.flatten());
        let user: Option<User> = with_write_tx!(self.database(), conn => {
            sqlx::query_as(
                "UPDATE users SET name = COALESCE($1, name), \
                 image = CASE WHEN $2 THEN $3 ELSE image END, updated_at = $4 \
                 WHERE id = $5 \
                 RETURNING id, name, email, email_verified, image, created_at, updated_at",
            )
            .bind(&name)
            .bind(set_image)
            .bind(&image)
            .bind(at)
            .bind(&id)
            .fetch_optional(&mut *conn)
            .await
        })?;
        let user = user.ok_or(Error::Unauthenticated("the account no longer exists"))?;
        tracing::info!(target: AUDIT, event = "user_updated", user_id = %user.id, ip = ?client.ip);
        Ok(user)
    }

    /// The account's password hash, when it has one (users of an external issuer have none).
    async fn password_hash(&self, user_id: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = with_pool!(self.database(), pool => sqlx::query_as(
            "SELECT password_hash FROM credentials WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(pool)
        .await)?;
        Ok(row.map(|(hash,)| hash))
    }

    /// Checks the account's current password (throttled per client, Better Auth's 3 per 10 s).
    async fn check_password(&self, owner: &Owner, raw: String, client: &ClientInfo) -> Result<()> {
        self.throttle(AuthAction::PasswordCheck, client).await?;
        let hash = self.password_hash(&owner.user.id).await?;
        let has_hash = hash.is_some();
        let matches = self.hasher().verify(&Password::attempt(raw), hash).await?;
        if matches && has_hash {
            return Ok(());
        }
        tracing::warn!(target: AUDIT, event = "password_check", outcome = "failure", user_id = %owner.user.id, ip = ?client.ip);
        Err(Error::InvalidPassword)
    }

    /// Changes the password after checking the current one. With `revokeOtherSessions`, every
    /// other session ends and API tokens issued before now stop working; the caller gets a
    /// fresh API token (`Some`).
    pub async fn change_password(
        &self,
        owner: &Owner,
        input: ChangePasswordInput,
        client: &ClientInfo,
    ) -> Result<Option<String>> {
        let new = Password::parse(input.new_password).map_err(Error::invalid)?;
        self.check_password(owner, input.current_password, client)
            .await?;
        let hash = self.hasher().hash(&new).await?;
        let revoke = input.revoke_other_sessions;
        let (id, keep) = (
            owner.user.id.clone(),
            owner.session_id.clone().unwrap_or_default(),
        );
        let (at, cutoff) = (now(), cutoff_now());
        let expires = cutoff + self.tokens().lifetime();
        let ended: u64 = with_write_tx!(self.database(), conn => {
            sqlx::query("UPDATE credentials SET password_hash = $1, updated_at = $2 WHERE user_id = $3")
                .bind(&hash)
                .bind(at)
                .bind(&id)
                .execute(&mut *conn)
                .await?;
            // No early `return` in a transaction body: on Postgres it would skip the commit.
            if revoke {
                end_sessions_and_tokens!(conn, &id, &keep, cutoff, expires)
            } else {
                Ok(0)
            }
        })?;
        tracing::info!(
            target: AUDIT, event = "password_changed", user_id = %owner.user.id,
            other_sessions_ended = ended, ip = ?client.ip,
        );
        if !revoke {
            return Ok(None);
        }
        self.cut_off_tokens(&owner.user.id).await;
        self.issue_token(&owner.user).await.map(Some)
    }

    /// The account's live sessions, most recently used first.
    pub async fn list_sessions(&self, owner: &Owner) -> Result<Vec<Session>> {
        Ok(with_pool!(self.database(), pool => sqlx::query_as(
            "SELECT id, user_id, expires_at, created_at, last_seen_at, ip_address, user_agent \
             FROM sessions WHERE user_id = $1 AND expires_at > $2 \
             ORDER BY last_seen_at DESC, created_at DESC",
        )
        .bind(&owner.user.id)
        .bind(now())
        .fetch_all(pool)
        .await)?)
    }

    /// Ends the account's session with public id `session_id`. Another account's (or an
    /// unknown) id changes nothing and is not told apart. True when one ended.
    pub async fn revoke_session(
        &self,
        owner: &Owner,
        session_id: &str,
        client: &ClientInfo,
    ) -> Result<bool> {
        let (user, id) = (owner.user.id.clone(), session_id.to_string());
        let ended = with_write_tx!(self.database(), conn => {
            sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
                .bind(&id)
                .bind(&user)
                .execute(&mut *conn)
                .await
                .map(|done| done.rows_affected())
        })?;
        if ended > 0 {
            tracing::info!(target: AUDIT, event = "session_revoked", user_id = %owner.user.id, scope = "one", ip = ?client.ip);
        }
        Ok(ended > 0)
    }

    /// Ends every session of the account — but the caller's own with `keep_current` — and
    /// cuts off API tokens issued before now. Returns how many sessions ended.
    pub async fn revoke_sessions(
        &self,
        owner: &Owner,
        keep_current: bool,
        client: &ClientInfo,
    ) -> Result<u64> {
        let id = owner.user.id.clone();
        let keep = owner
            .session_id
            .clone()
            .filter(|_| keep_current)
            .unwrap_or_default();
        let cutoff = cutoff_now();
        let expires = cutoff + self.tokens().lifetime();
        let ended = with_write_tx!(self.database(), conn => {
            end_sessions_and_tokens!(conn, &id, &keep, cutoff, expires)
        })?;
        self.cut_off_tokens(&owner.user.id).await;
        tracing::info!(
            target: AUDIT, event = "session_revoked", user_id = %owner.user.id,
            scope = if keep_current { "others" } else { "all" }, sessions = ended, ip = ?client.ip,
        );
        Ok(ended)
    }

    /// Deletes the account after checking its password: the user, their password, sessions,
    /// links and every task go in one transaction, and their API tokens stop working. The
    /// email can sign up again at once.
    pub async fn delete_user(
        &self,
        owner: &Owner,
        input: DeleteUserInput,
        client: &ClientInfo,
    ) -> Result<()> {
        self.check_password(owner, input.password, client).await?;
        let id = owner.user.id.clone();
        let cutoff = cutoff_now();
        let expires = cutoff + self.tokens().lifetime();
        let tasks: u64 = with_write_tx!(self.database(), conn => {
            let tasks = sqlx::query("DELETE FROM tasks WHERE user_id = $1")
                .bind(&id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            for table in ["sessions", "verifications", "credentials"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                    .bind(&id)
                    .execute(&mut *conn)
                    .await?;
            }
            sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(&id)
                .execute(&mut *conn)
                .await?;
            record_token_cutoff!(&mut *conn, &id, cutoff, expires)?;
            Ok(tasks)
        })?;
        self.cut_off_tokens(&owner.user.id).await;
        self.forget_known_user(&owner.user.id);
        tracing::info!(target: AUDIT, event = "user_deleted", user_id = %owner.user.id, tasks, ip = ?client.ip);
        Ok(())
    }
}
