//! Task input: the create and update bodies and the title and description rules.

use crate::error::Code;
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use super::{MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS};
use crate::error::{Error, FieldError, Result};

// Lengths are counted on the text as sent, as the OpenAPI `maxLength` and a browser's
// `maxlength` count them; surrounding whitespace is trimmed afterwards.
fn title(raw: &str) -> Result<String, FieldError> {
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
fn description(raw: Option<&str>) -> Result<Option<String>, FieldError> {
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
}

/// A checked new task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub title: String,
    pub description: Option<String>,
}

impl NewTask {
    pub fn parse(input: &CreateTask) -> Result<Self> {
        let (title, description) = (
            title(&input.title),
            description(input.description.as_deref()),
        );
        let errors = [title.as_ref().err(), description.as_ref().err()]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        collect(errors, || Self {
            title: title.unwrap_or_default(),
            description: description.unwrap_or_default(),
        })
    }
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
}

/// A checked change: `None` keeps a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub completed: Option<bool>,
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
        collect(errors, || Self {
            title,
            description,
            completed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_descriptions_are_trimmed_and_bounded() {
        let ok = NewTask::parse(&CreateTask {
            title: "  Buy milk ".into(),
            description: Some("   ".into()),
        })
        .unwrap();
        assert_eq!(
            ok,
            NewTask {
                title: "Buy milk".into(),
                description: None
            }
        );
        assert!(
            NewTask::parse(&CreateTask {
                title: "x".repeat(200),
                description: Some("d".repeat(1000))
            })
            .is_ok()
        );
        let Err(Error::Invalid(errors)) = NewTask::parse(&CreateTask {
            title: " ".into(),
            description: Some("d".repeat(1001)),
        }) else {
            panic!("expected both fields to be refused")
        };
        let codes: Vec<_> = errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["TITLE_REQUIRED", "DESCRIPTION_TOO_LONG"]);
        assert!(
            NewTask::parse(&CreateTask {
                title: "é".repeat(201),
                description: None
            })
            .is_err()
        );
        // Limits count the text as sent (as OpenAPI's maxLength does), padding included.
        let padded = format!("{} ", "x".repeat(200));
        assert!(
            NewTask::parse(&CreateTask {
                title: padded.clone(),
                description: None
            })
            .is_err()
        );
        assert!(
            NewTask::parse(&CreateTask {
                title: "x".into(),
                description: Some(format!("{}\r", "d".repeat(1000)))
            })
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
                title: None,
                description: Some(None),
                completed: None
            }
        );
        let input: UpdateTask = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(TaskChanges::parse(&input).unwrap(), TaskChanges::default());
        let input: UpdateTask =
            serde_json::from_str(r#"{"title": null, "completed": null}"#).unwrap();
        assert!(TaskChanges::parse(&input).is_err());
        assert!(serde_json::from_str::<UpdateTask>(r#"{"completed": "yes"}"#).is_err());
    }
}
