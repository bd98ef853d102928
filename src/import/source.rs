//! The old stack's database, read-only: a SQLite file or a Postgres URL, read a page at a time.
//!
//! Every column is read as text (`CAST(… AS TEXT)`), so one decoder serves both engines and
//! every way they store a value: Better Auth's Kysely adapter writes ISO 8601 text and 0/1 on
//! SQLite and `timestamptz`/`boolean` on Postgres; SQLModel writes `2026-01-01 10:00:00.000000`
//! on SQLite and `timestamp`/`boolean` on Postgres.

use std::str::FromStr;

use sqlx::{
    Row,
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions},
};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::ImportError;
use crate::db::Backend;

/// One row, each column as text (`None` for NULL).
pub(super) type Fields = Vec<Option<String>>;

/// Where a page starts: after this key (text ids for Better Auth, integers for tasks).
#[derive(Debug, Clone)]
pub(super) enum Key {
    Text(String),
    Int(i64),
}

pub(super) enum Source {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Source {
    /// Opens the old stack's database without writing to it: a SQLite file is opened
    /// read-only (and must exist); Postgres sessions are read-only and in UTC.
    pub(super) async fn open(url: &str) -> Result<Self, ImportError> {
        // The FastAPI `.env`'s SQLAlchemy form (`postgresql+asyncpg://…`) as DATABASE_URL takes it.
        let plain = crate::db::sqlalchemy_url(url);
        let url = plain.as_ref().map_or(url, |(plain, _)| plain.as_str());
        let bad_url = |e: sqlx::Error| ImportError::SourceUrl(e.to_string());
        let backend = Backend::from_url(url)
            .map_err(|_| ImportError::SourceUrl("not a sqlite: or postgres:// URL".into()))?;
        Ok(match backend {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(bad_url)?
                    .read_only(true)
                    .create_if_missing(false);
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .map_err(ImportError::Source)?;
                Self::Sqlite(pool)
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url)
                    .map_err(bad_url)?
                    .options([("timezone", "UTC"), ("default_transaction_read_only", "on")]);
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .map_err(ImportError::Source)?;
                Self::Postgres(pool)
            }
        })
    }

    /// The rows of `sql`, whose `$1` is the page's start key and `$2` its size.
    pub(super) async fn page(
        &self,
        sql: &str,
        after: &Key,
        limit: usize,
    ) -> Result<Vec<Fields>, ImportError> {
        macro_rules! fetch {
            ($pool:expr) => {{
                let query = sqlx::query(sql);
                let query = match after {
                    Key::Text(text) => query.bind(text.clone()),
                    Key::Int(n) => query.bind(*n),
                };
                let rows = query
                    .bind(limit as i64)
                    .fetch_all($pool)
                    .await
                    .map_err(ImportError::Source)?;
                rows.iter()
                    .map(|row| {
                        (0..row.len())
                            .map(|i| row.try_get::<Option<String>, _>(i))
                            .collect::<Result<Fields, _>>()
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(ImportError::Source)
            }};
        }
        match self {
            Self::Sqlite(pool) => fetch!(pool),
            Self::Postgres(pool) => fetch!(pool),
        }
    }

    /// A single number (`SELECT COUNT(*) …`), for the progress line.
    pub(super) async fn count(&self, sql: &str) -> Result<u64, ImportError> {
        let n: i64 = match self {
            Self::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
            Self::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        }
        .map_err(ImportError::Source)?;
        Ok(n.max(0) as u64)
    }

    pub(super) async fn close(self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// A stored boolean as either engine casts it to text: `1`/`0`, `true`/`false`, `t`/`f`.
pub(super) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "t" => Some(true),
        "0" | "false" | "f" => Some(false),
        _ => None,
    }
}

/// A stored time as either engine casts it to text, in UTC: ISO 8601 with `T` or a space,
/// with or without a fraction, with `Z`, a `+00`/`+00:00`/`+0000` offset or none (then UTC),
/// or a whole number of milliseconds since 1970 (what a JavaScript `Date` stored as a number
/// is). Cut to microseconds, as Leptodo stores times.
pub(super) fn parse_time(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let at = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let millis: i128 = text.parse().ok()?;
        OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000).ok()?
    } else {
        let mut iso = text.to_owned();
        if iso.len() > 10 && iso.as_bytes()[10] == b' ' {
            iso.replace_range(10..11, "T");
        }
        // The offset, if any, starts after the seconds (`HH:MM:SS` ends at byte 19).
        let offset_at = iso.get(19..)?.find(['+', '-']).map(|i| i + 19);
        match offset_at {
            Some(i) => {
                let offset = &iso[i + 1..];
                let fixed = match offset.len() {
                    2 => format!("{offset}:00"),
                    4 => format!("{}:{}", &offset[..2], &offset[2..]),
                    _ => offset.to_owned(),
                };
                iso.replace_range(i + 1.., &fixed);
            }
            None if !iso.ends_with(['Z', 'z']) => iso.push('Z'),
            None => {}
        }
        OffsetDateTime::parse(&iso, &Rfc3339).ok()?
    };
    let at = at.to_offset(time::UtcOffset::UTC);
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_in_every_form_the_old_stack_stores() {
        let cases = [
            // Better Auth on SQLite (Kysely writes Date.toISOString()).
            (
                "2026-12-03T17:30:25.164Z",
                datetime!(2026-12-03 17:30:25.164 UTC),
            ),
            // Better Auth on Postgres (timestamptz as text, session time zone UTC).
            (
                "2026-12-03 17:30:25.164+00",
                datetime!(2026-12-03 17:30:25.164 UTC),
            ),
            (
                "2026-12-03 18:30:25.164+01:00",
                datetime!(2026-12-03 17:30:25.164 UTC),
            ),
            (
                "2026-12-03 12:30:25-0500",
                datetime!(2026-12-03 17:30:25 UTC),
            ),
            // SQLModel on SQLite and on Postgres (timestamp without time zone).
            (
                "2026-01-01 10:00:00.000000",
                datetime!(2026-01-01 10:00:00 UTC),
            ),
            ("2026-01-01 10:00:00", datetime!(2026-01-01 10:00:00 UTC)),
            (
                "2026-01-01 10:00:00.1234567",
                datetime!(2026-01-01 10:00:00.123456 UTC),
            ),
            // A Date stored as a number.
            ("1767261600000", datetime!(2026-01-01 10:00:00 UTC)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_time(text), Some(expected), "{text}");
        }
        for bad in [
            "",
            "yesterday",
            "2026-13-01 10:00:00",
            "2026-01-01",
            "2026-01-01T10:00",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn booleans_in_every_form() {
        for (text, expected) in [("1", true), ("0", false), ("true", true), ("f", false)] {
            assert_eq!(parse_bool(text), Some(expected));
        }
        assert_eq!(parse_bool("2"), None);
    }
}
