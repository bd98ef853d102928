//! A Better Auth database's users, credential passwords and live sessions, with their ids.
//!
//! The tables are Better Auth's defaults (`user`, `account`, `session`, camelCase columns).
//! A user becomes a Leptodo user with the same id, the email lower-cased, and a password only
//! if they had one (`account.providerId = 'credential'`): that scrypt hash is stored as it is
//! and replaced at their first sign-in (see `crate::password`). A session is stored as the
//! SHA-256 of its token, as Leptodo stores its own.

use std::{
    collections::HashSet,
    net::IpAddr,
    sync::{Arc, Mutex},
};

use time::OffsetDateTime;

use super::{
    BATCH, ImportError, Progress, Report, Tally, batch_outcome, end_batch,
    source::{Fields, Key, Source, parse_bool, parse_time},
};
use crate::{
    db::{Database, now, with_write_tx},
    password::PasswordHasher,
    sessions::{MAX_USER_AGENT_CHARS, SessionPolicy},
    users::{Email, MAX_EXTERNAL_ID_CHARS, clean_name},
};

#[derive(Debug, Clone)]
pub struct BetterAuthOptions {
    /// The Better Auth database (`sqlite:` file or Postgres URL).
    pub from: String,
    /// Bring live sessions too, so nobody is signed out by the move.
    pub sessions: bool,
    /// Report what would happen; write nothing.
    pub dry_run: bool,
}

const COUNT_USERS: &str = r#"SELECT COUNT(*) FROM "user""#;
const USERS: &str = r#"SELECT CAST(u.id AS TEXT), CAST(u.email AS TEXT), CAST(u.name AS TEXT),
    CAST(u."emailVerified" AS TEXT), CAST(u.image AS TEXT),
    CAST(u."createdAt" AS TEXT), CAST(u."updatedAt" AS TEXT),
    (SELECT CAST(a.password AS TEXT) FROM account a
      WHERE a."userId" = u.id AND a."providerId" = 'credential' AND a.password IS NOT NULL
      ORDER BY a."createdAt" LIMIT 1),
    (SELECT MIN(CAST(a."providerId" AS TEXT)) FROM account a
      WHERE a."userId" = u.id AND a."providerId" <> 'credential')
    FROM "user" u WHERE u.id > $1 ORDER BY u.id LIMIT $2"#;
const COUNT_SESSIONS: &str = r#"SELECT COUNT(*) FROM "session""#;
const SESSIONS: &str = r#"SELECT CAST(s.id AS TEXT), CAST(s.token AS TEXT),
    CAST(s."userId" AS TEXT), CAST(s."expiresAt" AS TEXT), CAST(s."createdAt" AS TEXT),
    CAST(s."updatedAt" AS TEXT), CAST(s."userAgent" AS TEXT), CAST(s."ipAddress" AS TEXT)
    FROM "session" s WHERE s.id > $1 ORDER BY s.id LIMIT $2"#;

const NO_PASSWORD_SOCIAL: &str =
    "no password here: signed in with another provider (they can set one with \"Forgot password\")";
const NO_PASSWORD_UNKNOWN_HASH: &str =
    "no password here: the stored hash is not Better Auth's default scrypt format";
const NO_PASSWORD_COSTLY_HASH: &str = "no password here: the stored hash asks for more memory or \
    time than this server computes (argon2 over 256 MiB, 16 passes or 16 lanes)";
/// Better Auth's session tokens are 32 characters (`generateId(32)`); a shorter one was not
/// made by it and is too weak to keep.
const MIN_SESSION_TOKEN_CHARS: usize = 32;

/// A Better Auth user, checked and ready to write.
struct Person {
    id: String,
    email: String,
    name: String,
    email_verified: bool,
    image: Option<String>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    password_hash: Option<String>,
    /// Why they get no password here, if they had something else.
    no_password: Option<&'static str>,
    provider: Option<String>,
}

impl Person {
    fn describe(&self) -> String {
        format!("{} <{}>", self.id, self.email)
    }
}

fn decode_person(row: Fields) -> Result<Person, (&'static str, String)> {
    let [
        id,
        email,
        name,
        verified,
        image,
        created,
        updated,
        password,
        provider,
    ]: [Option<String>; 9] = row
        .try_into()
        .map_err(|_| ("unexpected columns", String::new()))?;
    let id = id.unwrap_or_default();
    let raw_email = email.unwrap_or_default();
    let example = format!("{id} <{raw_email}>");
    if id.is_empty()
        || id.chars().count() > MAX_EXTERNAL_ID_CHARS
        || id.chars().any(char::is_control)
    {
        return Err(("unusable id", example));
    }
    let email = Email::parse(&raw_email).map_err(|_| ("invalid email address", example.clone()))?;
    let created_at = created.as_deref().and_then(parse_time);
    let updated_at = updated.as_deref().and_then(parse_time);
    let (Some(created_at), Some(updated_at)) = (created_at, updated_at) else {
        return Err(("unreadable createdAt or updatedAt", example));
    };
    let (password_hash, no_password) = match password {
        Some(hash) if PasswordHasher::is_known_format(&hash) => (Some(hash), None),
        Some(hash) if PasswordHasher::is_too_costly(&hash) => (None, Some(NO_PASSWORD_COSTLY_HASH)),
        Some(_) => (None, Some(NO_PASSWORD_UNKNOWN_HASH)),
        None if provider.is_some() => (None, Some(NO_PASSWORD_SOCIAL)),
        None => (None, None),
    };
    Ok(Person {
        id,
        email: email.as_str().to_owned(),
        name: clean_name(name.as_deref().unwrap_or_default()),
        email_verified: verified.as_deref().and_then(parse_bool).unwrap_or(false),
        image: image.filter(|i| !i.trim().is_empty()),
        created_at,
        updated_at,
        password_hash,
        no_password,
        provider,
    })
}

enum Outcome {
    Imported { password: bool },
    Already { password_added: bool },
    IdTaken,
    EmailTaken { by: String },
}

/// Imports the users (with their passwords) and, with `--sessions`, their live sessions.
pub async fn import_better_auth(
    db: &Database,
    options: &BetterAuthOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Report, ImportError> {
    let source = Source::open(&options.from).await?;
    let result = run(db, &source, options, progress).await;
    source.close().await;
    result
}

async fn run(
    db: &Database,
    source: &Source,
    options: &BetterAuthOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Report, ImportError> {
    let not_better_auth = |e: ImportError| {
        ImportError::Unusable(format!(
            "--from has no Better Auth \"user\" table that can be read ({e})"
        ))
    };
    let total = source.count(COUNT_USERS).await.map_err(not_better_auth)?;
    let (mut users, mut passwords) = (Tally::default(), Tally::default());
    let mut after = Key::Text(String::new());
    let mut done = 0;
    // On a dry run nothing is written, so the sessions pass is told who would be here.
    let mut would_import = HashSet::new();
    loop {
        let rows = source.page(USERS, &after, BATCH).await?;
        let Some(last) = rows.last() else { break };
        after = Key::Text(last[0].clone().unwrap_or_default());
        done += rows.len() as u64;
        let mut people = Vec::with_capacity(rows.len());
        for row in rows {
            match decode_person(row) {
                Ok(person) => people.push(person),
                Err((reason, example)) => users.skip(reason, example),
            }
        }
        let outcomes = write_people(db, &people, options.dry_run).await?;
        for (person, outcome) in people.iter().zip(outcomes) {
            if options.dry_run && matches!(outcome, Outcome::Imported { .. }) {
                would_import.insert(person.id.clone());
            }
            tally_person(&mut users, &mut passwords, person, outcome);
        }
        progress(Progress {
            what: "users",
            done,
            total,
        });
    }
    let mut report = Report {
        dry_run: options.dry_run,
        kinds: vec![("users", users), ("passwords", passwords)],
    };
    if options.sessions {
        let sessions = import_sessions(db, source, options, would_import, progress).await?;
        report.kinds.push(("sessions", sessions));
    }
    Ok(report)
}

fn tally_person(users: &mut Tally, passwords: &mut Tally, person: &Person, outcome: Outcome) {
    let landed = matches!(outcome, Outcome::Imported { .. } | Outcome::Already { .. });
    match outcome {
        Outcome::Imported { password } => {
            users.imported += 1;
            if password {
                passwords.imported += 1;
            }
        }
        Outcome::Already { password_added } => {
            users.already += 1;
            if password_added {
                passwords.imported += 1;
            } else if person.password_hash.is_some() {
                passwords.already += 1;
            }
        }
        Outcome::IdTaken => users.skip(
            "a Leptodo account has this id with another email",
            person.describe(),
        ),
        Outcome::EmailTaken { by } => users.skip(
            "the email belongs to another Leptodo account (not merged)",
            format!("{} (the Leptodo account is {by})", person.describe()),
        ),
    }
    if let (true, Some(why)) = (landed, person.no_password) {
        let provider = person.provider.as_deref().unwrap_or("no provider");
        passwords.note(why, format!("{} ({provider})", person.describe()));
    }
}

/// Writes one page of people in one transaction, in order, and says what became of each.
async fn write_people(
    db: &Database,
    people: &[Person],
    dry_run: bool,
) -> Result<Vec<Outcome>, ImportError> {
    type Row = (
        String,
        String,
        Option<String>,
        bool,
        Option<String>,
        OffsetDateTime,
        OffsetDateTime,
        Option<String>,
    );
    let rows: Vec<Row> = people
        .iter()
        .map(|p| {
            (
                p.id.clone(),
                p.email.clone(),
                Some(p.name.clone()),
                p.email_verified,
                p.image.clone(),
                p.created_at,
                p.updated_at,
                p.password_hash.clone(),
            )
        })
        .collect();
    let slot = Arc::new(Mutex::new(None));
    let out = slot.clone();
    let result = with_write_tx!(db, conn => {
        let mut outcomes = Vec::with_capacity(rows.len());
        for (id, email, name, verified, image, created_at, updated_at, hash) in rows {
            let found: Vec<(String, String)> =
                sqlx::query_as("SELECT id, email FROM users WHERE id = $1 OR email = $2")
                    .bind(&id)
                    .bind(&email)
                    .fetch_all(&mut *conn)
                    .await?;
            let same_id = found.iter().find(|(found_id, _)| *found_id == id);
            let outcome = match (same_id, found.first()) {
                (Some((_, found_email)), _) if *found_email != email => Outcome::IdTaken,
                (Some(_), _) => {
                    let mut password_added = false;
                    if let Some(hash) = &hash {
                        password_added = sqlx::query(
                            "INSERT INTO credentials (user_id, password_hash, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO NOTHING",
                        )
                        .bind(&id)
                        .bind(hash)
                        .bind(created_at)
                        .bind(updated_at)
                        .execute(&mut *conn)
                        .await?
                        .rows_affected()
                            == 1;
                    }
                    Outcome::Already { password_added }
                }
                (None, Some((by, _))) => Outcome::EmailTaken { by: by.clone() },
                (None, None) => {
                    sqlx::query(
                        "INSERT INTO users (id, email, name, email_verified, image, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&id)
                    .bind(&email)
                    .bind(name.unwrap_or_default())
                    .bind(verified)
                    .bind(&image)
                    .bind(created_at)
                    .bind(updated_at)
                    .execute(&mut *conn)
                    .await?;
                    if let Some(hash) = &hash {
                        sqlx::query(
                            "INSERT INTO credentials (user_id, password_hash, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4)",
                        )
                        .bind(&id)
                        .bind(hash)
                        .bind(created_at)
                        .bind(updated_at)
                        .execute(&mut *conn)
                        .await?;
                    }
                    Outcome::Imported { password: hash.is_some() }
                }
            };
            outcomes.push(outcome);
        }
        end_batch(dry_run, &out, outcomes)
    });
    batch_outcome(result, &slot)
}

/// A Better Auth session, checked and ready to write.
struct LiveSession {
    id: String,
    token_hash: String,
    user_id: String,
    expires_at: OffsetDateTime,
    created_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
    user_agent: Option<String>,
    ip_address: Option<String>,
}

/// A Better Auth session row, checked; its expiry is capped at `at` + `lifetime` (a session
/// there could have been given years).
fn decode_session(
    row: Fields,
    at: OffsetDateTime,
    lifetime: std::time::Duration,
) -> Result<LiveSession, (&'static str, String)> {
    let [
        id,
        token,
        user_id,
        expires,
        created,
        updated,
        user_agent,
        ip,
    ]: [Option<String>; 8] = row
        .try_into()
        .map_err(|_| ("unexpected columns", String::new()))?;
    let (id, user_id) = (id.unwrap_or_default(), user_id.unwrap_or_default());
    let example = format!("session {id} of user {user_id}");
    let token = token
        .filter(|t| !t.is_empty())
        .ok_or(("no token", example.clone()))?;
    if token.chars().count() < MIN_SESSION_TOKEN_CHARS {
        return Err((
            "token shorter than Better Auth's 32 characters (not kept)",
            example,
        ));
    }
    let times = (
        expires.as_deref().and_then(parse_time),
        created.as_deref().and_then(parse_time),
        updated.as_deref().and_then(parse_time),
    );
    let (Some(expires_at), Some(created_at), Some(last_seen_at)) = times else {
        return Err(("unreadable expiresAt, createdAt or updatedAt", example));
    };
    if expires_at <= at {
        return Err(("expired", example));
    }
    let expires_at = expires_at.min(at + lifetime);
    Ok(LiveSession {
        id,
        token_hash: crate::sessions::hash_token(&token),
        user_id,
        expires_at,
        created_at,
        last_seen_at,
        user_agent: user_agent
            .filter(|ua| !ua.is_empty())
            .map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect()),
        // Leptodo compares addresses as it prints them; anything else is dropped.
        ip_address: ip
            .and_then(|ip| ip.parse::<IpAddr>().ok())
            .map(|ip| ip.to_string()),
    })
}

async fn import_sessions(
    db: &Database,
    source: &Source,
    options: &BetterAuthOptions,
    would_import: HashSet<String>,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Tally, ImportError> {
    let would_import = Arc::new(would_import);
    let total = source.count(COUNT_SESSIONS).await?;
    let mut tally = Tally::default();
    let mut after = Key::Text(String::new());
    let (at, mut done) = (now(), 0);
    loop {
        let rows = source.page(SESSIONS, &after, BATCH).await?;
        let Some(last) = rows.last() else { break };
        after = Key::Text(last[0].clone().unwrap_or_default());
        done += rows.len() as u64;
        let mut sessions = Vec::with_capacity(rows.len());
        for row in rows {
            match decode_session(row, at, SessionPolicy::default().lifetime) {
                Ok(session) => sessions.push(session),
                Err((reason, example)) => tally.skip(reason, example),
            }
        }
        let described: Vec<String> = sessions
            .iter()
            .map(|s| format!("session {} of user {}", s.id, s.user_id))
            .collect();
        let outcomes = write_sessions(db, sessions, would_import.clone(), options.dry_run).await?;
        for (example, outcome) in described.into_iter().zip(outcomes) {
            match outcome {
                SessionOutcome::Imported => tally.imported += 1,
                SessionOutcome::Already => tally.already += 1,
                SessionOutcome::NoUser => tally.skip("their user is not a Leptodo user", example),
            }
        }
        progress(Progress {
            what: "sessions",
            done,
            total,
        });
    }
    Ok(tally)
}

enum SessionOutcome {
    Imported,
    Already,
    NoUser,
}

async fn write_sessions(
    db: &Database,
    sessions: Vec<LiveSession>,
    would_import: Arc<HashSet<String>>,
    dry_run: bool,
) -> Result<Vec<SessionOutcome>, ImportError> {
    let slot = Arc::new(Mutex::new(None));
    let out = slot.clone();
    let result = with_write_tx!(db, conn => {
        let mut outcomes = Vec::with_capacity(sessions.len());
        for s in sessions {
            let user: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE id = $1")
                .bind(&s.user_id)
                .fetch_optional(&mut *conn)
                .await?;
            if user.is_none() {
                // On a dry run, their user would be here (and the session with them).
                let would = would_import.contains(&s.user_id);
                outcomes.push(if would { SessionOutcome::Imported } else { SessionOutcome::NoUser });
                continue;
            }
            let inserted = sqlx::query(
                "INSERT INTO sessions \
                 (id, token_hash, user_id, expires_at, created_at, last_seen_at, user_agent, ip_address) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            )
            .bind(&s.id)
            .bind(&s.token_hash)
            .bind(&s.user_id)
            .bind(s.expires_at)
            .bind(s.created_at)
            .bind(s.last_seen_at)
            .bind(&s.user_agent)
            .bind(&s.ip_address)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            outcomes.push(if inserted == 1 { SessionOutcome::Imported } else { SessionOutcome::Already });
        }
        end_batch(dry_run, &out, outcomes)
    });
    batch_outcome(result, &slot)
}
