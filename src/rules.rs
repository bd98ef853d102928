//! The rules a form is checked by, pure: no storage, no hashing, nothing that needs a server.
//!
//! This module and the task fields and inputs (`tasks::{fields, input}`) are what the crate is
//! without its `server` feature: the WASM islands check a form with exactly the functions the
//! server runs, before anything is sent, and the server still checks everything again.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{Code, FieldError};

pub use crate::tasks::{
    CreateTask, MAX_TAG_CHARS, MAX_TAGS, NewTask, Priority, Recurrence, TaskChanges, UpdateTask,
    parse_date, parse_tags,
};
pub use crate::tasks::{MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS};

pub const MAX_NAME_CHARS: usize = 100;
/// RFC 5321's limit on a forward path.
pub const MAX_EMAIL_CHARS: usize = 254;
/// The reserved domain of the placeholder addresses given to an external issuer's users
/// ([`ensure_external`]): nobody may take one by signing up.
pub const EXTERNAL_DOMAIN: &str = "external.invalid";

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// An email address, trimmed and lower-cased. The check is deliberately loose (one `@`, a
/// dotted domain, no spaces): the only real test of an address is mail reaching it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let invalid = |msg: &str| {
            FieldError::body(
                "email",
                "value_error.email",
                Code::InvalidEmail,
                msg.to_string(),
            )
        };
        // Measured before anything is copied: a megabyte of "email" costs no allocation.
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(invalid("an email address is required"));
        }
        if trimmed.len() > 4 * MAX_EMAIL_CHARS || trimmed.chars().count() > MAX_EMAIL_CHARS {
            return Err(invalid("the email address is too long"));
        }
        let email = trimmed.to_lowercase();
        if email.chars().count() > MAX_EMAIL_CHARS {
            return Err(invalid("the email address is too long"));
        }
        let valid = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && local.len() <= 64
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
                    && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if !valid {
            return Err(invalid(
                "enter a valid email address, like name@example.com",
            ));
        }
        if email
            .rsplit_once('@')
            .is_some_and(|(_, domain)| domain == EXTERNAL_DOMAIN)
        {
            return Err(invalid("addresses under external.invalid are reserved"));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A display name: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        let invalid = |kind, code, msg: String| FieldError::body("name", kind, code, msg);
        if name.is_empty() {
            return Err(invalid(
                "missing",
                Code::NameRequired,
                "a name is required".into(),
            ));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(invalid(
                "string_too_long",
                Code::NameTooLong,
                format!("the name must be at most {MAX_NAME_CHARS} characters"),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(invalid(
                "value_error",
                Code::InvalidName,
                "the name cannot contain control characters".into(),
            ));
        }
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `POST /api/auth/sign-up/email` as Better Auth takes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SignUpInput {
    /// 1–100 characters after trimming, no control characters.
    #[schema(example = "Ada Lovelace", min_length = 1, max_length = 100)]
    pub name: String,
    /// Stored lower-cased; unique whatever its case. One that cannot be an address (over 254
    /// characters, or under the reserved `external.invalid`) is a 400 `INVALID_EMAIL`.
    #[schema(example = "ada@example.com", format = Email, max_length = 254)]
    pub email: String,
    /// 8–128 characters.
    #[schema(
        example = "correct horse battery staple",
        min_length = 8,
        max_length = 128
    )]
    pub password: String,
}

/// `POST /api/auth/sign-in/email` as Better Auth takes it. `rememberMe` and `callbackURL` are
/// accepted and ignored.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SignInInput {
    /// One that cannot be an address is a 400 `INVALID_EMAIL`, before anything else.
    #[schema(example = "ada@example.com", format = Email, max_length = 254)]
    pub email: String,
    pub password: String,
}

/// The length rule of a new password: 8 to 128 characters. Nothing else is imposed (NIST
/// 800-63B).
pub fn password_length(raw: &str) -> Result<(), FieldError> {
    let chars = raw.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(FieldError::body(
            "password",
            "string_too_short",
            Code::PasswordTooShort,
            format!("the password must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(FieldError::body(
            "password",
            "string_too_long",
            Code::PasswordTooLong,
            format!("the password must be at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Every problem with a sign-up form at once, in field order: what the server's
/// `NewAccount::parse` refuses, checked the same way.
pub fn check_sign_up(name: &str, email: &str, password: &str) -> Vec<FieldError> {
    [
        DisplayName::parse(name).err(),
        Email::parse(email).err(),
        password_length(password).err(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A sign-in form's one rule before the server: the email must be able to be an address.
pub fn check_sign_in(email: &str) -> Vec<FieldError> {
    Email::parse(email).err().into_iter().collect()
}

/// A new password (the reset form): its length rule.
pub fn check_new_password(password: &str) -> Vec<FieldError> {
    password_length(password).err().into_iter().collect()
}

/// A task form as the browser sends it (the add form and the editor): every field text, an
/// empty one meaning none. The server functions and the board island read a form through this
/// one type, so both check exactly the same thing.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct TaskForm {
    pub title: String,
    pub description: Option<String>,
    pub priority: Option<String>,
    /// Comma-separated (no tag has a comma); empty pieces are dropped.
    pub tags: Option<String>,
    pub due_date: Option<String>,
    pub recurrence: Option<String>,
}

/// A select's or an input's value: empty means none.
fn chosen(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.trim().is_empty())
}

impl TaskForm {
    /// The tags field as a list.
    pub fn tag_list(&self) -> Vec<String> {
        self.tags
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The form as the REST API's create body.
    pub fn to_create(&self) -> CreateTask {
        CreateTask {
            title: self.title.clone(),
            description: self.description.clone(),
            priority: chosen(&self.priority),
            tags: Some(self.tag_list()),
            due_date: chosen(&self.due_date),
            recurrence: chosen(&self.recurrence),
        }
    }

    /// The form as the REST API's update body. The editor shows every field, so every field
    /// is set (an empty one clears it).
    pub fn to_update(&self) -> UpdateTask {
        UpdateTask {
            title: Some(Some(self.title.clone())),
            description: Some(self.description.clone()),
            completed: None,
            priority: Some(chosen(&self.priority)),
            tags: Some(Some(self.tag_list())),
            due_date: Some(chosen(&self.due_date)),
            recurrence: Some(chosen(&self.recurrence)),
        }
    }

    /// Every rule a new task must meet: title, description, priority, tags, due date and
    /// recurrence (which needs a due date).
    pub fn check_create(&self) -> crate::Result<NewTask> {
        NewTask::parse(&self.to_create())
    }

    /// The same rules for an edit.
    pub fn check_update(&self) -> crate::Result<TaskChanges> {
        TaskChanges::parse(&self.to_update())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(problems: &[FieldError]) -> Vec<(&str, Code)> {
        problems
            .iter()
            .map(|p| (p.field().unwrap_or_default(), p.code))
            .collect()
    }

    #[test]
    fn a_sign_up_form_is_judged_field_by_field() {
        assert!(check_sign_up("Ada", "ada@example.com", "long enough").is_empty());
        assert_eq!(
            codes(&check_sign_up(" ", "a@b", "short")),
            [
                ("name", Code::NameRequired),
                ("email", Code::InvalidEmail),
                ("password", Code::PasswordTooShort)
            ]
        );
        assert_eq!(
            codes(&check_sign_in("someone@external.invalid")),
            [("email", Code::InvalidEmail)]
        );
        assert_eq!(
            codes(&check_new_password(&"p".repeat(129))),
            [("password", Code::PasswordTooLong)]
        );
    }

    #[test]
    fn a_task_form_is_read_as_the_server_reads_it() {
        let form = TaskForm {
            title: "Bins".into(),
            description: Some(String::new()),
            priority: Some(String::new()),
            tags: Some(" home , ,Bills ".into()),
            due_date: Some(String::new()),
            recurrence: Some("weekly".into()),
        };
        assert_eq!(form.tag_list(), ["home", "Bills"]);
        let crate::Error::Invalid(problems) = form.check_create().unwrap_err() else {
            panic!("a rule error")
        };
        assert_eq!(
            codes(&problems),
            [("recurrence", Code::RecurrenceNeedsDueDate)]
        );
        let dated = TaskForm {
            due_date: Some("2026-12-24".into()),
            ..form
        };
        let task = dated.check_create().unwrap();
        assert_eq!(task.tags, ["home", "Bills"]);
        assert!(dated.check_update().is_ok());
    }
}
