//! Browser sessions: a random token in an HttpOnly cookie, stored server-side only as its
//! SHA-256 hash, valid for a week and slid forward at most once a day of use (as Better Auth's
//! `expiresIn` / `updateAge`). Deleting the row ends the session everywhere at once.

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::{
    db::{Database, now, with_pool, with_writer},
    error::Result,
    random::{random_id, random_token},
    users::{self, User},
};

/// How often, at most, `last_seen_at` is written for a session in use.
const LAST_SEEN_GRANULARITY: Duration = Duration::from_secs(5 * 60);
/// Longer cookie values are not ours (ours are 43 characters): refused without a query.
const MAX_TOKEN_CHARS: usize = 128;
/// Stored client details are cut to this many characters.
pub const MAX_USER_AGENT_CHARS: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// How long a session lives without use (7 days).
    pub lifetime: Duration,
    /// A session in use is extended to a full `lifetime` once this much of it has passed (1 day).
    pub refresh_after: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            lifetime: Duration::from_secs(7 * 24 * 60 * 60),
            refresh_after: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// Who is on the other end of a request, as far as the server can tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// From a request's headers and the peer address of its connection. With
    /// `trust_proxy_headers` the IP is the last `X-Forwarded-For` entry (the one our proxy
    /// added; earlier entries are the client's to forge).
    pub fn from_request(
        headers: &http::HeaderMap,
        peer: Option<SocketAddr>,
        trust_proxy_headers: bool,
    ) -> Self {
        let forwarded = trust_proxy_headers
            .then(|| {
                headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(','))
                    .next_back()
                    .and_then(|ip| ip.trim().parse::<IpAddr>().ok())
            })
            .flatten();
        Self {
            ip: forwarded.or(peer.map(|addr| addr.ip())),
            user_agent: headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        }
    }
}

/// A session as Better Auth's `get-session` shows one (camelCase). The token is not part of
/// it: it lives only in the HttpOnly cookie, out of reach of scripts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: String,
    pub user_id: String,
    #[serde(with = "crate::rfc3339::millis")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    #[serde(with = "crate::rfc3339::millis")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// When the session was last used (to within a few minutes).
    #[serde(rename = "updatedAt", with = "crate::rfc3339::millis")]
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: OffsetDateTime,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub session: Session,
    pub user: User,
    /// The expiry moved forward on this request: the cookie should be re-sent.
    pub refreshed: bool,
}

/// What is stored for a session token: its SHA-256, so a leaked table opens no sessions.
pub(crate) fn hash_token(token: &str) -> String {
    crate::random::digest(token)
}

/// Starts a session for `user_id`; returns the token for the cookie and the stored session.
pub async fn create(
    db: &Database,
    user_id: &str,
    client: &ClientInfo,
    policy: &SessionPolicy,
) -> Result<(String, Session)> {
    let token = random_token();
    let at = now();
    let session = Session {
        id: random_id(),
        user_id: user_id.to_string(),
        expires_at: at + policy.lifetime,
        created_at: at,
        last_seen_at: at,
        ip_address: client.ip.map(|ip| ip.to_string()),
        user_agent: client
            .user_agent
            .as_deref()
            .map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect()),
    };
    let row = session.clone();
    let token_hash = hash_token(&token);
    with_writer!(db, conn => sqlx::query(
        "INSERT INTO sessions \
         (id, token_hash, user_id, expires_at, created_at, last_seen_at, user_agent, ip_address) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&row.id)
    .bind(&token_hash)
    .bind(&row.user_id)
    .bind(row.expires_at)
    .bind(row.created_at)
    .bind(row.last_seen_at)
    .bind(&row.user_agent)
    .bind(&row.ip_address)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok((token, session))
}

/// The live session for a cookie token, slid forward when due. Expired sessions are deleted
/// and count as none.
pub async fn find_active(
    db: &Database,
    token: &str,
    policy: &SessionPolicy,
) -> Result<Option<ActiveSession>> {
    if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
        return Ok(None);
    }
    let token_hash = hash_token(token);
    let session: Option<Session> = with_pool!(db, pool => sqlx::query_as(
        "SELECT id, user_id, expires_at, created_at, last_seen_at, ip_address, user_agent \
         FROM sessions WHERE token_hash = $1",
    )
    .bind(&token_hash)
    .fetch_optional(pool)
    .await)?;
    let Some(mut session) = session else {
        return Ok(None);
    };

    let at = now();
    if session.expires_at <= at {
        let id = session.id;
        with_writer!(db, conn => sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(&id)
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
        return Ok(None);
    }
    let Some(user) = users::get(db, &session.user_id).await? else {
        return Ok(None);
    };

    // Extended at most once per `refresh_after`: when that much of the lifetime has gone.
    let refreshed = session.expires_at - policy.lifetime + policy.refresh_after <= at;
    let touch = session.last_seen_at + LAST_SEEN_GRANULARITY <= at;
    if refreshed || touch {
        if refreshed {
            session.expires_at = at + policy.lifetime;
        }
        session.last_seen_at = at;
        let (expires_at, id) = (session.expires_at, session.id.clone());
        with_writer!(db, conn => sqlx::query(
            "UPDATE sessions SET expires_at = $1, last_seen_at = $2 WHERE id = $3",
        )
        .bind(expires_at)
        .bind(at)
        .bind(&id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    }
    Ok(Some(ActiveSession {
        session,
        user,
        refreshed,
    }))
}

/// Ends the session with this token at once. True when there was one.
pub async fn delete(db: &Database, token: &str) -> Result<bool> {
    if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
        return Ok(false);
    }
    let token_hash = hash_token(token);
    let deleted = with_writer!(db, conn => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&token_hash)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(deleted > 0)
}

/// Whether the session with public id `id` still exists.
pub async fn find_session_by_id(db: &Database, id: &str) -> Result<bool> {
    let found: Option<(i32,)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT 1 FROM sessions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    Ok(found.is_some())
}

/// Whether `user_id` has a live session that was started from `ip`: a client the account
/// knows, for sign-in throttling.
pub async fn seen_from(db: &Database, user_id: &str, ip: IpAddr) -> Result<bool> {
    let found: Option<(i32,)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT 1 FROM sessions WHERE user_id = $1 AND ip_address = $2 AND expires_at > $3 LIMIT 1",
    )
    .bind(user_id)
    .bind(ip.to_string())
    .bind(now())
    .fetch_optional(pool)
    .await)?;
    Ok(found.is_some())
}

/// Removes every expired session; returns how many. Run now and then to keep the table small.
pub async fn delete_expired(db: &Database) -> Result<u64> {
    Ok(
        with_writer!(db, conn => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::{NewAccount, SignUpInput};

    async fn db_with_user() -> (Database, User) {
        let db = Database::connect("sqlite::memory:", 1).await.unwrap();
        db.migrate().await.unwrap();
        let account = NewAccount::parse(SignUpInput {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            password: "correct horse".into(),
        })
        .unwrap();
        let user = users::create(&db, &account, "hash").await.unwrap();
        (db, user)
    }

    async fn age_session(db: &Database, id: &str, by: Duration) {
        let Database::Sqlite(sqlite) = db else {
            unreachable!()
        };
        let pool = sqlite.pool();
        let (expires, seen): (OffsetDateTime, OffsetDateTime) =
            sqlx::query_as("SELECT expires_at, last_seen_at FROM sessions WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await
                .unwrap();
        sqlx::query("UPDATE sessions SET expires_at = $1, last_seen_at = $2 WHERE id = $3")
            .bind(expires - by)
            .bind(seen - by)
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
    }

    #[test]
    fn client_ip_comes_from_the_proxy_only_when_trusted() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 198.51.100.7".parse().unwrap());
        headers.insert(http::header::USER_AGENT, "curl/8".parse().unwrap());
        let peer = Some("127.0.0.1:5000".parse().unwrap());
        let direct = ClientInfo::from_request(&headers, peer, false);
        assert_eq!(direct.ip, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(direct.user_agent.as_deref(), Some("curl/8"));
        let proxied = ClientInfo::from_request(&headers, peer, true);
        assert_eq!(proxied.ip, Some("198.51.100.7".parse().unwrap()));
    }

    #[tokio::test]
    async fn the_token_opens_the_session_and_only_its_hash_is_stored() {
        let (db, user) = db_with_user().await;
        let client = ClientInfo {
            ip: Some("203.0.113.9".parse().unwrap()),
            user_agent: Some("x".repeat(600)),
        };
        let policy = SessionPolicy::default();
        let (token, session) = create(&db, &user.id, &client, &policy).await.unwrap();
        assert_eq!(session.user_agent.as_ref().unwrap().len(), 512);

        let Database::Sqlite(sqlite) = &db else {
            unreachable!()
        };
        let pool = sqlite.pool();
        let stored: (String,) = sqlx::query_as("SELECT token_hash FROM sessions")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_ne!(stored.0, token);

        let active = find_active(&db, &token, &policy).await.unwrap().unwrap();
        assert_eq!(active.user, user);
        assert_eq!(active.session, session);
        assert!(!active.refreshed, "a fresh session is not slid");
        assert!(
            find_active(&db, "not-a-token", &policy)
                .await
                .unwrap()
                .is_none()
        );
        assert!(find_active(&db, "", &policy).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn sessions_slide_once_a_day_and_expire() {
        let (db, user) = db_with_user().await;
        let policy = SessionPolicy::default();
        let (token, session) = create(&db, &user.id, &ClientInfo::default(), &policy)
            .await
            .unwrap();

        // Half a day in: still the original expiry.
        age_session(&db, &session.id, Duration::from_secs(12 * 3600)).await;
        let active = find_active(&db, &token, &policy).await.unwrap().unwrap();
        assert!(!active.refreshed);
        assert_eq!(
            active.session.expires_at,
            session.expires_at - Duration::from_secs(12 * 3600)
        );

        // Over a day since it was set: extended to a full week from now.
        age_session(&db, &session.id, Duration::from_secs(13 * 3600)).await;
        let before = now();
        let active = find_active(&db, &token, &policy).await.unwrap().unwrap();
        assert!(active.refreshed);
        assert!(active.session.expires_at >= before + policy.lifetime);

        // Past its expiry: gone, and deleted.
        age_session(&db, &session.id, Duration::from_secs(8 * 24 * 3600)).await;
        assert!(find_active(&db, &token, &policy).await.unwrap().is_none());
        assert_eq!(delete_expired(&db).await.unwrap(), 0, "already removed");
    }

    #[tokio::test]
    async fn deleting_ends_the_session() {
        let (db, user) = db_with_user().await;
        let policy = SessionPolicy::default();
        let (token, _) = create(&db, &user.id, &ClientInfo::default(), &policy)
            .await
            .unwrap();
        assert!(delete(&db, &token).await.unwrap());
        assert!(!delete(&db, &token).await.unwrap());
        assert!(find_active(&db, &token, &policy).await.unwrap().is_none());
    }
}
