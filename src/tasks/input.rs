//! Task input: the create and update bodies and the title and description rules.

use crate::error::Code;
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use super::{
    MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS,
    fields::{self, Priority, Recurrence},
};
use crate::error::{Error, FieldError, LocPart, Result};
use time::Date;

// Lengths are counted on the text as sent, as the OpenAPI `maxLength` and a browser's
// `maxlength` count them; surrounding whitespace is trimmed afterwards.
pub(crate) fn title(raw: &str) -> Result<String, FieldError> {
    if raw.contains('\0') {
        return Err(nul_character("title"));
    }
    let title = raw.trim();
    if title.is_empty() {
        return Err(FieldError::body(
            "title",
            "string_too_short",
            Code::TitleRequired,
            "the title cannot be empty",
        ));
    }
    if raw.chars().count() > MAX_TITLE_CHARS {
        return Err(FieldError::body(
            "title",
            "string_too_long",
            Code::TitleTooLong,
            format!("the title must be at most {MAX_TITLE_CHARS} characters"),
        ));
    }
    Ok(title.to_string())
}

/// Text may hold any character but NUL, which Postgres cannot store (SQLite could, but both
/// backends must behave the same).
fn nul_character(field: &str) -> FieldError {
    FieldError::body(
        field,
        "string_pattern_mismatch",
        Code::NulCharacter,
        format!("the {field} cannot contain NUL (\\0) characters"),
    )
}

/// Trimmed; empty (or only whitespace) means none.
pub(crate) fn description(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if raw.contains('\0') {
        return Err(nul_character("description"));
    }
    if raw.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(FieldError::body(
            "description",
            "string_too_long",
            Code::DescriptionTooLong,
            format!("the description must be at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    let text = raw.trim();
    Ok((!text.is_empty()).then(|| text.to_string()))
}

/// Every error found, or the value when there are none.
pub(super) fn collect<T>(errors: Vec<FieldError>, value: impl FnOnce() -> T) -> Result<T> {
    if errors.is_empty() {
        Ok(value())
    } else {
        Err(Error::Invalid(errors))
    }
}

/// `POST /api/{user_id}/tasks` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CreateTask {
    /// 1–200 characters after trimming.
    // The pattern: no NUL, and at least one character `str::trim` keeps (it removes Unicode
    // White_Space, as `char::is_whitespace` defines it). Same in `UpdateTask`.
    #[schema(
        example = "Buy milk",
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00]*$"
    )]
    pub title: String,
    /// Up to 1000 characters; empty or `null` for none.
    #[serde(default)]
    #[schema(max_length = 1000, pattern = r"^[^\x00]*$")]
    pub description: Option<String>,
    /// `high`, `medium` or `low`; `medium` when left out or `null`.
    #[serde(default)]
    #[schema(value_type = Option<Priority>)]
    pub priority: Option<String>,
    /// Up to 10 tags, each 1–32 characters after trimming, no commas, none twice (ignoring
    /// case); none when left out, `null` or `[]`.
    #[serde(default)]
    #[schema(schema_with = fields::tags_schema)]
    pub tags: Option<Vec<String>>,
    /// A calendar date, `YYYY-MM-DD`, or `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-24", pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub due_date: Option<String>,
    /// `daily`, `weekly`, `monthly` or `null`; needs a `due_date`.
    #[serde(default)]
    #[schema(value_type = Option<Recurrence>)]
    pub recurrence: Option<String>,
}

impl CreateTask {
    /// A body with only a title and a description, as the seed stack's clients send.
    pub fn plain(title: impl Into<String>, description: Option<String>) -> Self {
        Self {
            title: title.into(),
            description,
            priority: None,
            tags: None,
            due_date: None,
            recurrence: None,
        }
    }
}

/// A checked new task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub title: String,
    pub description: Option<String>,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub due_date: Option<Date>,
    pub recurrence: Option<Recurrence>,
}

impl NewTask {
    /// A task with only a title (tools and tests).
    pub fn titled(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            description: None,
            priority: Priority::Medium,
            tags: Vec::new(),
            due_date: None,
            recurrence: None,
        }
    }

    pub fn parse(input: &CreateTask) -> Result<Self> {
        let mut errors = Vec::new();
        let title = keep(&mut errors, title(&input.title));
        let description = keep(&mut errors, description(input.description.as_deref()));
        let priority = keep(&mut errors, priority(input.priority.as_deref()));
        let tags = keep(
            &mut errors,
            fields::parse_tags(input.tags.as_deref().unwrap_or_default()),
        );
        let due_date = keep(&mut errors, due_date(input.due_date.as_deref()));
        let recurrence = keep(&mut errors, recurrence(input.recurrence.as_deref()));
        if let (Some(None), Some(Some(_))) = (due_date, recurrence) {
            errors.push(recurrence_needs_due_date());
        }
        collect(errors, || Self {
            title: title.unwrap_or_default(),
            description: description.unwrap_or_default(),
            priority: priority.unwrap_or_default(),
            tags: tags.unwrap_or_default(),
            due_date: due_date.flatten(),
            recurrence: recurrence.flatten(),
        })
    }
}

/// The value, or `None` with its error noted.
fn keep<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

fn body_loc(name: &'static str) -> impl Fn() -> Vec<LocPart> {
    move || vec!["body".into(), name.into()]
}

/// `None` (left out or `null`) is the default, medium.
fn priority(raw: Option<&str>) -> Result<Priority, FieldError> {
    raw.map_or(Ok(Priority::Medium), |raw| {
        Priority::parse(raw, body_loc("priority"))
    })
}

fn due_date(raw: Option<&str>) -> Result<Option<Date>, FieldError> {
    raw.map(|raw| fields::parse_date(raw, "due_date", Code::InvalidDueDate, body_loc("due_date")))
        .transpose()
}

fn recurrence(raw: Option<&str>) -> Result<Option<Recurrence>, FieldError> {
    raw.map(Recurrence::parse).transpose()
}

/// A repeating task without a due date; also what the database's check is reported as.
pub(super) fn recurrence_needs_due_date() -> FieldError {
    FieldError::body(
        "recurrence",
        "value_error",
        Code::RecurrenceNeedsDueDate,
        "a repeating task needs a due_date to repeat from",
    )
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `PUT /api/{user_id}/tasks/{id}` body: fields left out keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UpdateTask {
    /// 1–200 characters after trimming; not `null`.
    #[serde(default, deserialize_with = "present")]
    #[schema(
        value_type = String,
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00]*$"
    )]
    pub title: Option<Option<String>>,
    /// Up to 1000 characters; `null` or empty removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1000, pattern = r"^[^\x00]*$")]
    pub description: Option<Option<String>>,
    /// Not `null`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = bool)]
    pub completed: Option<Option<bool>>,
    /// `high`, `medium` or `low`; `null` sets it back to `medium`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Priority>)]
    pub priority: Option<Option<String>>,
    /// Replaces the tags (same rules as on create); `null` or `[]` removes them all.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = fields::tags_schema)]
    pub tags: Option<Option<Vec<String>>>,
    /// `YYYY-MM-DD`; `null` removes it (not while the task repeats).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub due_date: Option<Option<String>>,
    /// `daily`, `weekly` or `monthly`; `null` stops it repeating.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Recurrence>)]
    pub recurrence: Option<Option<String>>,
}

/// A checked change: `None` keeps a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub completed: Option<bool>,
    pub priority: Option<Priority>,
    pub tags: Option<Vec<String>>,
    pub due_date: Option<Option<Date>>,
    pub recurrence: Option<Option<Recurrence>>,
}

impl TaskChanges {
    /// Whether the words or tags a task is found by change.
    pub(super) fn touches_index(&self) -> bool {
        self.title.is_some() || self.description.is_some() || self.tags.is_some()
    }
}

impl TaskChanges {
    pub fn parse(input: &UpdateTask) -> Result<Self> {
        let mut errors = Vec::new();
        let not_null = |field: &str| {
            FieldError::body(
                field,
                "null_not_allowed",
                Code::ValidationError,
                format!("{field} cannot be null"),
            )
        };
        let title = match &input.title {
            None => None,
            Some(None) => {
                errors.push(not_null("title"));
                None
            }
            Some(Some(raw)) => title(raw).map_err(|e| errors.push(e)).ok(),
        };
        let description = match &input.description {
            None => None,
            Some(raw) => description(raw.as_deref()).map_err(|e| errors.push(e)).ok(),
        };
        let completed = match input.completed {
            None => None,
            Some(None) => {
                errors.push(not_null("completed"));
                None
            }
            Some(Some(value)) => Some(value),
        };
        let priority = input
            .priority
            .as_ref()
            .and_then(|raw| keep(&mut errors, priority(raw.as_deref())));
        let tags = input.tags.as_ref().and_then(|raw| {
            keep(
                &mut errors,
                fields::parse_tags(raw.as_deref().unwrap_or_default()),
            )
        });
        let due_date = input
            .due_date
            .as_ref()
            .and_then(|raw| keep(&mut errors, due_date(raw.as_deref())));
        let recurrence = input
            .recurrence
            .as_ref()
            .and_then(|raw| keep(&mut errors, recurrence(raw.as_deref())));
        if let (Some(None), Some(Some(_))) = (due_date, recurrence) {
            errors.push(recurrence_needs_due_date());
        }
        collect(errors, || Self {
            title,
            description,
            completed,
            priority,
            tags,
            due_date,
            recurrence,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_descriptions_are_trimmed_and_bounded() {
        let ok = NewTask::parse(&CreateTask::plain("  Buy milk ", Some("   ".into()))).unwrap();
        assert_eq!(ok, NewTask::titled("Buy milk"));
        assert!(
            NewTask::parse(&CreateTask::plain("x".repeat(200), Some("d".repeat(1000)))).is_ok()
        );
        let Err(Error::Invalid(errors)) =
            NewTask::parse(&CreateTask::plain(" ", Some("d".repeat(1001))))
        else {
            panic!("expected both fields to be refused")
        };
        let codes: Vec<_> = errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["TITLE_REQUIRED", "DESCRIPTION_TOO_LONG"]);
        assert!(NewTask::parse(&CreateTask::plain("é".repeat(201), None)).is_err());
        // Limits count the text as sent (as OpenAPI's maxLength does), padding included.
        let padded = format!("{} ", "x".repeat(200));
        assert!(NewTask::parse(&CreateTask::plain(padded.clone(), None)).is_err());
        assert!(
            NewTask::parse(&CreateTask::plain(
                "x",
                Some(format!("{}\r", "d".repeat(1000)))
            ))
            .is_err()
        );
    }

    #[test]
    fn updates_tell_missing_from_null() {
        let input: UpdateTask = serde_json::from_str(r#"{"description": null}"#).unwrap();
        let changes = TaskChanges::parse(&input).unwrap();
        assert_eq!(
            changes,
            TaskChanges {
                description: Some(None),
                ..Default::default()
            }
        );
        let input: UpdateTask = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(TaskChanges::parse(&input).unwrap(), TaskChanges::default());
        let input: UpdateTask =
            serde_json::from_str(r#"{"title": null, "completed": null}"#).unwrap();
        assert!(TaskChanges::parse(&input).is_err());
        assert!(serde_json::from_str::<UpdateTask>(r#"{"completed": "yes"}"#).is_err());

        let input: UpdateTask = serde_json::from_str(
            r#"{"priority": null, "tags": null, "due_date": null, "recurrence": null}"#,
        )
        .unwrap();
        assert_eq!(
            TaskChanges::parse(&input).unwrap(),
            TaskChanges {
                priority: Some(Priority::Medium),
                tags: Some(vec![]),
                due_date: Some(None),
                recurrence: Some(None),
                ..Default::default()
            }
        );
        let input: UpdateTask =
            serde_json::from_str(r#"{"due_date": null, "recurrence": "weekly"}"#).unwrap();
        assert!(TaskChanges::parse(&input).is_err());
    }

    #[test]
    fn new_tasks_check_every_organizing_field() {
        let body = |json: &str| -> CreateTask { serde_json::from_str(json).unwrap() };
        let ok = NewTask::parse(&body(
            r#"{"title": "t", "priority": "high", "tags": ["Home"], "due_date": "2026-01-31", "recurrence": "monthly"}"#,
        ))
        .unwrap();
        assert_eq!(
            (ok.priority, ok.tags.as_slice()),
            (Priority::High, &["Home".to_string()][..])
        );
        for (json, field) in [
            (r#"{"title": "t", "priority": "urgent"}"#, "priority"),
            (r#"{"title": "t", "tags": ["a", "A"]}"#, "tags"),
            (r#"{"title": "t", "due_date": "2026-02-30"}"#, "due_date"),
            (
                r#"{"title": "t", "recurrence": "hourly", "due_date": "2026-01-01"}"#,
                "recurrence",
            ),
            (r#"{"title": "t", "recurrence": "daily"}"#, "recurrence"),
        ] {
            let Err(Error::Invalid(errors)) = NewTask::parse(&body(json)) else {
                panic!("{json} was taken")
            };
            assert_eq!(errors[0].field(), Some(field), "{json}");
        }
    }
}
