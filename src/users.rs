//! Accounts: the sign-up rules (name, email, password) and the `users` + `credentials` tables.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::{
    db::{Database, now, with_pool, with_write_tx, with_writer},
    error::{Error, Result},
    password::Password,
    random::random_id,
};

pub use crate::rules::{
    DisplayName, EXTERNAL_DOMAIN, Email, MAX_EMAIL_CHARS, MAX_NAME_CHARS, SignInInput, SignUpInput,
};

/// A user as Better Auth shows one (camelCase fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    pub image: Option<String>,
    #[serde(with = "crate::rfc3339::millis")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::rfc3339::millis")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// A sign-up that passed every rule.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub name: DisplayName,
    pub email: Email,
    pub password: Password,
}

impl NewAccount {
    /// Checks every field and reports every problem at once.
    pub fn parse(input: SignUpInput) -> Result<Self> {
        let name = DisplayName::parse(&input.name);
        let email = Email::parse(&input.email);
        let password = Password::parse(input.password);
        match (name, email, password) {
            (Ok(name), Ok(email), Ok(password)) => Ok(Self {
                name,
                email,
                password,
            }),
            (name, email, password) => Err(Error::Invalid(
                [name.err(), email.err(), password.err()]
                    .into_iter()
                    .flatten()
                    .collect(),
            )),
        }
    }
}

/// Stores a new user and their password hash together. A taken email (in any letter case) is
/// [`Error::EmailTaken`], and nothing is written.
pub async fn create(db: &Database, account: &NewAccount, password_hash: &str) -> Result<User> {
    let at = now();
    let user = User {
        id: random_id(),
        name: account.name.as_str().to_string(),
        email: account.email.as_str().to_string(),
        email_verified: false,
        image: None,
        created_at: at,
        updated_at: at,
    };
    let (row, password_hash) = (user.clone(), password_hash.to_owned());
    let result: Result<(), sqlx::Error> = with_write_tx!(db, conn => {
        sqlx::query(
            "INSERT INTO users (id, email, name, email_verified, image, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&row.id)
        .bind(&row.email)
        .bind(&row.name)
        .bind(row.email_verified)
        .bind(&row.image)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO credentials (user_id, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&row.id)
        .bind(&password_hash)
        .bind(at)
        .bind(at)
        .execute(&mut *conn)
        .await?;
        Ok(())
    });
    match result {
        Ok(()) => Ok(user),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(Error::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

#[derive(sqlx::FromRow)]
struct UserWithHash {
    #[sqlx(flatten)]
    user: User,
    password_hash: String,
}

/// The query behind [`find_with_password_hash`], for the test that checks its plan. `email`
/// is stored lower-cased, so an index on the column itself serves it.
pub const FIND_WITH_PASSWORD_HASH: &str = "SELECT u.id, u.name, u.email, u.email_verified, u.image, \
     u.created_at, u.updated_at, c.password_hash \
     FROM users u JOIN credentials c ON c.user_id = u.id \
     WHERE u.email = $1";

/// The user with this email (any letter case) and their password hash, if there is one.
pub async fn find_with_password_hash(db: &Database, email: &str) -> Result<Option<(User, String)>> {
    let email = email.trim().to_lowercase();
    if email.contains('\0') {
        // No stored email has one (sign-up refuses control characters), and Postgres cannot
        // even compare a string holding one.
        return Ok(None);
    }
    let row: Option<UserWithHash> = with_pool!(db, pool => sqlx::query_as(
        FIND_WITH_PASSWORD_HASH,
    )
    .bind(&email)
    .fetch_optional(pool)
    .await)?;
    Ok(row.map(|r| (r.user, r.password_hash)))
}

/// Replaces `user_id`'s password hash `old` by `new` (a rehash after a successful sign-in),
/// unless the hash changed meanwhile (a reset or change wins). Whether it was replaced.
pub async fn replace_password_hash(
    db: &Database,
    user_id: &str,
    old: &str,
    new: &str,
) -> Result<bool> {
    let (user_id, old, new) = (user_id.to_owned(), old.to_owned(), new.to_owned());
    let done = with_writer!(db, conn => sqlx::query(
        "UPDATE credentials SET password_hash = $1, updated_at = $2 \
         WHERE user_id = $3 AND password_hash = $4",
    )
    .bind(&new)
    .bind(now())
    .bind(&user_id)
    .bind(&old)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// Whether any stored password hash is not one of ours (argon2 PHC strings start with `$`):
/// Better Auth hashes brought in by `import better-auth` that nobody has signed in with yet.
pub async fn has_imported_password_hashes(db: &Database) -> Result<bool> {
    let row: Option<(i64,)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT 1 FROM credentials WHERE password_hash NOT LIKE '$%' LIMIT 1",
    )
    .fetch_optional(pool)
    .await)?;
    Ok(row.is_some())
}

/// The user with this email (any letter case), with or without a password.
pub async fn find_by_email(db: &Database, email: &str) -> Result<Option<User>> {
    let email = email.trim().to_lowercase();
    if email.contains('\0') {
        return Ok(None);
    }
    Ok(with_pool!(db, pool => sqlx::query_as(
        "SELECT id, name, email, email_verified, image, created_at, updated_at \
         FROM users WHERE email = $1",
    )
    .bind(&email)
    .fetch_optional(pool)
    .await)?)
}

/// The user with this id, if there is one.
pub async fn get(db: &Database, id: &str) -> Result<Option<User>> {
    Ok(with_pool!(db, pool => sqlx::query_as(
        "SELECT id, name, email, email_verified, image, created_at, updated_at \
         FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

/// A name from elsewhere (an external token, an imported account) made storable: trimmed,
/// control characters dropped, cut to [`MAX_NAME_CHARS`].
pub(crate) fn clean_name(raw: &str) -> String {
    raw.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect()
}

/// The longest user id accepted from an external issuer's token.
pub const MAX_EXTERNAL_ID_CHARS: usize = 255;

/// Records the user an external issuer's token names (`JWT_JWKS_URL`), if this database has
/// no user with that id yet, so the tasks they create have an owner. The row has no password
/// (it cannot sign in here). Its email is the token's when that is a valid address no other
/// account uses, else a placeholder under the reserved `.invalid` domain.
pub async fn ensure_external(
    db: &Database,
    id: &str,
    email: Option<&str>,
    name: Option<&str>,
) -> Result<()> {
    if id.chars().count() > MAX_EXTERNAL_ID_CHARS || id.chars().any(char::is_control) {
        return Err(Error::Unauthenticated(
            "the token's subject is not a usable user id",
        ));
    }
    let name = clean_name(name.unwrap_or_default());
    let digest = format!(
        "{:x}",
        <sha2::Sha256 as sha2::Digest>::digest(id.as_bytes())
    );
    let placeholder = format!("{}@{EXTERNAL_DOMAIN}", &digest[..32]);
    let email = email
        .and_then(|e| Email::parse(e).ok())
        .map_or_else(|| placeholder.clone(), Email::into_string);
    let mut candidates = vec![email];
    if candidates[0] != placeholder {
        candidates.push(placeholder);
    }
    // The placeholder may already be taken by a row this server did not make for this id
    // (planted by a sign-up before the domain was reserved, or imported): then a random one
    // under the same domain, which nobody can have guessed.
    candidates.push(format!(
        "{}.{}@{EXTERNAL_DOMAIN}",
        &digest[..32],
        crate::random::random_id().to_lowercase()
    ));
    for email in candidates {
        let at = now();
        let (row_id, row_name) = (id.to_owned(), name.clone());
        with_writer!(db, conn => sqlx::query(
            "INSERT INTO users (id, email, name, email_verified, image, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, NULL, $5, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&row_id)
        .bind(&email)
        .bind(&row_name)
        .bind(false)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ()))?;
        // Nothing inserted means the id exists already, or the email is someone else's.
        if get(db, id).await?.is_some() {
            return Ok(());
        }
    }
    Err(Error::Internal(format!(
        "cannot record the external user {id:?}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FieldError;

    #[test]
    fn emails_are_trimmed_lower_cased_and_loosely_checked() {
        assert_eq!(
            Email::parse("  Ada.Lovelace@Example.COM ")
                .unwrap()
                .as_str(),
            "ada.lovelace@example.com"
        );
        for bad in [
            "",
            "   ",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "ada@exa mple.com",
            "ada@.example.com",
            "ada@example..com",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.code, "INVALID_EMAIL", "{bad:?}");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
        // The placeholder domain of external users is nobody's to sign up with.
        for reserved in ["x@external.invalid", "X@External.Invalid "] {
            assert_eq!(Email::parse(reserved).unwrap_err().code, "INVALID_EMAIL");
        }
        assert!(Email::parse("x@sub.external.invalid.example.com").is_ok());
    }

    #[tokio::test]
    async fn a_planted_placeholder_does_not_block_an_external_user() {
        let db = Database::connect("sqlite::memory:", 1).await.unwrap();
        db.migrate().await.unwrap();
        let digest = format!(
            "{:x}",
            <sha2::Sha256 as sha2::Digest>::digest("ext-user".as_bytes())
        );
        let planted = format!("{}@{EXTERNAL_DOMAIN}", &digest[..32]);
        let row = planted.clone();
        with_writer!(&db, conn => sqlx::query(
            "INSERT INTO users (id, email, name, email_verified, image, created_at, updated_at) \
             VALUES ('squatter', $1, 'x', false, NULL, $2, $2)",
        )
        .bind(&row)
        .bind(now())
        .execute(conn)
        .await
        .map(|_| ()))
        .unwrap();
        ensure_external(&db, "ext-user", None, Some("Ext"))
            .await
            .unwrap();
        let user = get(&db, "ext-user").await.unwrap().expect("recorded");
        assert!(user.email.ends_with("@external.invalid"), "{}", user.email);
        assert_ne!(user.email, planted);
        // Seen again: the same row, nothing new.
        ensure_external(&db, "ext-user", None, None).await.unwrap();
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Ada ").unwrap().as_str(), "Ada");
        assert_eq!(DisplayName::parse(" ").unwrap_err().code, "NAME_REQUIRED");
        assert!(DisplayName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            DisplayName::parse(&"é".repeat(101)).unwrap_err().code,
            "NAME_TOO_LONG"
        );
        assert!(DisplayName::parse("Ada\u{0}").is_err());
    }

    #[test]
    fn sign_up_reports_every_bad_field() {
        let err = NewAccount::parse(SignUpInput {
            name: "".into(),
            email: "nope".into(),
            password: "short".into(),
        })
        .unwrap_err();
        let Error::Invalid(errors) = err else {
            panic!("expected a validation error")
        };
        let fields: Vec<_> = errors.iter().filter_map(FieldError::field).collect();
        assert_eq!(fields, ["name", "email", "password"]);
    }

    #[tokio::test]
    async fn emails_are_unique_whatever_their_case() {
        let db = Database::connect("sqlite::memory:", 1).await.unwrap();
        db.migrate().await.unwrap();
        let account = |email: &str| {
            NewAccount::parse(SignUpInput {
                name: "Ada".into(),
                email: email.into(),
                password: "correct horse".into(),
            })
            .unwrap()
        };
        let user = create(&db, &account("ada@example.com"), "hash")
            .await
            .unwrap();
        assert_eq!(user.id.len(), 24);
        let again = create(&db, &account("ADA@Example.com"), "hash").await;
        assert!(matches!(again, Err(Error::EmailTaken)), "{again:?}");

        let (found, hash) = find_with_password_hash(&db, " Ada@EXAMPLE.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found, user, "timestamps and fields read back as written");
        assert_eq!(hash, "hash");
        assert!(
            find_with_password_hash(&db, "bob@example.com")
                .await
                .unwrap()
                .is_none()
        );
    }
}
