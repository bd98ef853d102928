//! The organizing fields of a task — priority, tags, due date, recurrence — with their rules,
//! and the words a task is found by. Each rule lives here once; bodies, query parameters and
//! the UI all parse through these functions.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;
use utoipa::ToSchema;

use crate::error::{Code, FieldError};

pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_CHARS: usize = 32;
/// Search words are indexed (and compared) up to this many characters.
pub const MAX_WORD_CHARS: usize = 64;

/// How much a task matters. Stored as a rank (1 = high) so that sorting by it is an index scan.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    High,
    #[default]
    Medium,
    Low,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Self::High, Self::Medium, Self::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    pub fn rank(self) -> i64 {
        match self {
            Self::High => 1,
            Self::Medium => 2,
            Self::Low => 3,
        }
    }

    pub fn from_rank(rank: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.rank() == rank)
    }

    /// `high`, `medium` or `low`, any case; `loc` names the field or parameter.
    pub fn parse(
        raw: &str,
        loc: impl Fn() -> Vec<crate::error::LocPart>,
    ) -> Result<Self, FieldError> {
        let raw = raw.trim();
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(raw))
            .ok_or_else(|| FieldError {
                loc: loc(),
                msg: format!("priority must be high, medium or low, not {raw:?}"),
                kind: "enum",
                code: Code::InvalidPriority,
            })
    }
}

/// How a task repeats: completing it creates the next occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Recurrence {
    Daily,
    Weekly,
    Monthly,
}

impl Recurrence {
    pub const ALL: [Recurrence; 3] = [Self::Daily, Self::Weekly, Self::Monthly];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
        }
    }

    pub fn from_stored(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(raw))
            .ok_or_else(|| {
                FieldError::body(
                    "recurrence",
                    "enum",
                    Code::InvalidRecurrence,
                    format!("recurrence must be daily, weekly or monthly, not {raw:?}"),
                )
            })
    }

    /// The due date of the occurrence after one due on `due`: a day, a week or a month later
    /// (the same day of the next month, or its last day: Jan 31 → Feb 28 or 29).
    pub fn next(self, due: Date) -> Date {
        match self {
            Self::Daily => due.next_day().unwrap_or(due),
            Self::Weekly => due.checked_add(time::Duration::days(7)).unwrap_or(due),
            Self::Monthly => {
                let (year, month) = match due.month() {
                    time::Month::December => (due.year() + 1, time::Month::January),
                    month => (due.year(), month.next()),
                };
                let day = due.day().min(month.length(year));
                Date::from_calendar_date(year, month, day).unwrap_or(due)
            }
        }
    }
}

/// `YYYY-MM-DD`: how dates are written in the API and stored (sqlx's SQLite text form).
pub(super) const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// A calendar date as `YYYY-MM-DD` (no time, no zone); `loc` names the field or parameter.
pub fn parse_date(
    raw: &str,
    name: &str,
    code: Code,
    loc: impl Fn() -> Vec<crate::error::LocPart>,
) -> Result<Date, FieldError> {
    let raw = raw.trim();
    // `[year]` alone also takes a sign and more than four digits.
    let shaped = raw.len() == 10
        && raw.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    // The shape is checked above, so the numbers read directly; `Date` judges the calendar
    // (2026-02-30 is no date). Not `Date::parse`: the format parser would weigh on the WASM.
    let number = |range: std::ops::Range<usize>| raw[range].parse::<u16>().ok();
    let date = shaped
        .then(|| {
            let month = time::Month::try_from(u8::try_from(number(5..7)?).ok()?).ok()?;
            let day = u8::try_from(number(8..10)?).ok()?;
            Date::from_calendar_date(i32::from(number(0..4)?), month, day).ok()
        })
        .flatten();
    date.ok_or_else(|| FieldError {
        loc: loc(),
        msg: format!("{name} must be a calendar date as YYYY-MM-DD, not {raw:?}"),
        kind: "date_from_datetime_parsing",
        code,
    })
}

/// Tags: up to ten, each 1–32 characters (as sent) and not blank, no commas, no two the same whatever
/// their case. Kept in the case and order given.
pub fn parse_tags(raw: &[String]) -> Result<Vec<String>, FieldError> {
    let error = |msg: String| FieldError::body("tags", "value_error", Code::InvalidTags, msg);
    if raw.len() > MAX_TAGS {
        return Err(error(format!(
            "a task can have at most {MAX_TAGS} tags, not {}",
            raw.len()
        )));
    }
    let mut tags: Vec<String> = Vec::with_capacity(raw.len());
    for tag in raw {
        let trimmed = tag.trim();
        if trimmed.is_empty() {
            return Err(error("a tag cannot be empty".into()));
        }
        // Counted as sent, as titles are and as the OpenAPI `maxLength` counts.
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(error(format!(
                "a tag can have at most {MAX_TAG_CHARS} characters: {trimmed:?} is too long"
            )));
        }
        if trimmed.contains(',') || trimmed.contains('\0') {
            return Err(error(format!(
                "a tag cannot contain a comma or a NUL character: {trimmed:?}"
            )));
        }
        let key = tag_key(trimmed);
        if tags.iter().any(|t| tag_key(t) == key) {
            return Err(error(format!("the tag {trimmed:?} is given twice")));
        }
        tags.push(trimmed.to_string());
    }
    Ok(tags)
}

/// The OpenAPI schema of `tags` in bodies: up to 10 strings of 1–32 characters, not only
/// whitespace, no commas, no two the same (the document cannot say "ignoring case"), or `null`.
pub fn tags_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let tag = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_TAG_CHARS))
        .pattern(Some(
            r"^[^,\x00]*[^,\x00\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^,\x00]*$",
        ));
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(tag)
        .max_items(Some(MAX_TAGS))
        .unique_items(true)
        .build()
}

/// What tags are matched by: their lower case.
pub fn tag_key(tag: &str) -> String {
    tag.trim().to_lowercase()
}

/// The words of `text` as search matches them: runs of letters and digits, lower-cased,
/// cut to [`MAX_WORD_CHARS`].
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().take(MAX_WORD_CHARS).collect())
}

/// The distinct words a task is found by: those of its title, description and tags.
pub fn task_words(title: &str, description: Option<&str>, tags: &[String]) -> Vec<String> {
    let mut all: Vec<String> = words(title)
        .chain(description.into_iter().flat_map(words))
        .chain(tags.iter().flat_map(|t| words(t)))
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// The key titles sort by (A–Z ignoring case).
pub fn title_key(title: &str) -> String {
    title.to_lowercase()
}

/// Tags as stored in the task row: joined by commas, which no tag contains.
pub fn join_tags(tags: &[String]) -> String {
    tags.join(",")
}

pub fn split_tags(stored: &str) -> Vec<String> {
    if stored.is_empty() {
        Vec::new()
    } else {
        stored.split(',').map(str::to_string).collect()
    }
}

/// `YYYY-MM-DD` in JSON.
pub mod date_format {
    use super::*;

    pub fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => s.collect_str(date),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        parse_date(&text, "due_date", Code::InvalidDueDate, Vec::new)
            .map(Some)
            .map_err(|e| serde::de::Error::custom(e.msg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months_end_on_their_last_day() {
        assert_eq!(
            Recurrence::Monthly.next(date!(2026 - 01 - 31)),
            date!(2026 - 02 - 28)
        );
        assert_eq!(
            Recurrence::Monthly.next(date!(2028 - 01 - 31)),
            date!(2028 - 02 - 29)
        );
        assert_eq!(
            Recurrence::Monthly.next(date!(2026 - 12 - 15)),
            date!(2027 - 01 - 15)
        );
        assert_eq!(
            Recurrence::Weekly.next(date!(2026 - 12 - 29)),
            date!(2027 - 01 - 05)
        );
        assert_eq!(
            Recurrence::Daily.next(date!(2028 - 02 - 28)),
            date!(2028 - 02 - 29)
        );
    }

    #[test]
    fn dates_are_calendar_days_written_out() {
        let parse = |s: &str| parse_date(s, "due_date", Code::InvalidDueDate, Vec::new);
        assert_eq!(parse("2026-02-28").unwrap(), date!(2026 - 02 - 28));
        for bad in [
            "2026-02-30",
            "tomorrow",
            "2026-2-3",
            "+02026-01-01",
            "2026-01-01T00:00",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_follow_their_rules() {
        let tags = |v: &[&str]| parse_tags(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(tags(&[" Home ", "work"]).unwrap(), ["Home", "work"]);
        assert!(tags(&["dup", "DUP"]).is_err());
        assert!(tags(&["a,b"]).is_err());
        assert!(tags(&["  "]).is_err());
        assert!(tags(&[&"x".repeat(33)]).is_err());
        assert!(tags(&[&"é".repeat(32)]).is_ok());
        let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert!(parse_tags(&eleven).is_err());
    }

    #[test]
    fn words_are_lower_cased_runs_of_letters_and_digits() {
        assert_eq!(
            task_words("Éclair, e-mail!", Some("ÉCLAIR 2x"), &["Home".into()]),
            ["2x", "e", "home", "mail", "éclair"]
        );
    }
}
