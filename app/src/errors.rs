//! The error the UI's server functions return: the HTTP status and machine code the domain gave
//! it (the same the REST API answers with), a sentence, and the form field it belongs to, so
//! each message can be shown next to what caused it.

use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Codes the UI treats specially.
pub const SIGNED_OUT: &str = "SIGNED_OUT";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct UiError {
    /// The HTTP status the server answered with, as the REST API would for the same error
    /// (`leptodo::Error::status`). `None` when no server answer is behind it: a code read
    /// back from the URL after a plain form post, or a request that never got through.
    pub status: Option<u16>,
    /// Better Auth-style code, e.g. `INVALID_EMAIL_OR_PASSWORD`, `TITLE_REQUIRED`.
    pub code: String,
    /// For people.
    pub message: String,
    /// Each field with a problem, and the problem.
    pub fields: Vec<(String, String)>,
}

impl UiError {
    /// An error with no server answer behind it (see [`UiError::status`]).
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            status: None,
            code: code.to_string(),
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// The same error, answered with `status`.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn signed_out() -> Self {
        Self::new(
            SIGNED_OUT,
            "Your session has ended. Sign in again to continue.",
        )
        .with_status(401)
    }

    pub fn is_signed_out(&self) -> bool {
        self.code == SIGNED_OUT
    }

    /// The problem with `field`, if it has one.
    pub fn field(&self, field: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, message)| message.clone())
    }

    /// The message for a code carried in a URL after a plain (no-JavaScript) form post. Only
    /// known codes are shown, so a crafted link cannot put arbitrary text on the page. Every
    /// code the domain gives has one (a test walks `leptodo::error::Code::ALL`).
    pub fn from_code(code: &str) -> Option<Self> {
        let (field, message) = match code {
            "INVALID_EMAIL_OR_PASSWORD" => (None, "Invalid email or password."),
            "USER_NOT_FOUND" => (
                None,
                "This sign-in belongs to no account here. Sign in again.",
            ),
            "TOO_MANY_REQUESTS" => (None, "Too many attempts. Wait a minute and try again."),
            "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL" => (
                Some("email"),
                "An account with this email already exists: sign in, or use another email.",
            ),
            "INVALID_EMAIL" => (
                Some("email"),
                "Enter a valid email address, like name@example.com.",
            ),
            "PASSWORD_TOO_SHORT" => (
                Some("password"),
                "The password must be at least 8 characters.",
            ),
            "PASSWORD_TOO_LONG" => (
                Some("password"),
                "The password must be at most 128 characters.",
            ),
            "NAME_REQUIRED" => (Some("name"), "A name is required."),
            "NAME_TOO_LONG" => (Some("name"), "The name must be at most 100 characters."),
            "INVALID_NAME" => (Some("name"), "The name cannot contain control characters."),
            "TITLE_REQUIRED" => (Some("title"), "The title cannot be empty."),
            "TITLE_TOO_LONG" => (Some("title"), "The title must be at most 200 characters."),
            "DESCRIPTION_TOO_LONG" => (
                Some("description"),
                "The description must be at most 1000 characters.",
            ),
            "INVALID_PRIORITY" => (Some("priority"), "Choose a priority: high, medium or low."),
            "INVALID_TAGS" => (
                Some("tags"),
                "Up to 10 tags, separated by commas, each at most 32 characters and given once.",
            ),
            "INVALID_DUE_DATE" => (Some("due_date"), "Enter the due date as a calendar date."),
            "INVALID_RECURRENCE" => (
                Some("recurrence"),
                "Choose how it repeats: daily, weekly or monthly.",
            ),
            "RECURRENCE_NEEDS_DUE_DATE" => (
                Some("recurrence"),
                "A repeating task needs a due date to repeat from.",
            ),
            "TASK_LIMIT_REACHED" => (
                None,
                "Your list is full: delete some tasks (finished ones, say) to add more.",
            ),
            "STORAGE_FULL" => (
                None,
                "The server's storage is full, so this was not saved. Try again later.",
            ),
            "NUL_CHARACTER" => (None, "The text cannot contain NUL (\\0) characters."),
            "VALIDATION_ERROR" => (
                None,
                "Some of what you entered is not valid. Check it and try again.",
            ),
            "INVALID_PASSWORD" => (None, "That is not your current password."),
            "INVALID_TOKEN" => (
                None,
                "This reset link is invalid, used or expired. Ask for a new one.",
            ),
            "TOKEN_EXPIRED" => (
                None,
                "This verification link has expired. Ask for a new one.",
            ),
            "EMAIL_CAN_NOT_BE_UPDATED" => (None, "The email address cannot be changed here."),
            "NO_FIELDS_TO_UPDATE" => (None, "There was nothing to change."),
            "INVALID_IMAGE" => (
                Some("image"),
                "The picture must be an http(s) URL of at most 2048 characters.",
            ),
            "EMAIL_MISMATCH" => (
                Some("email"),
                "That is not the email address of this account.",
            ),
            "EMAIL_ALREADY_VERIFIED" => (None, "Your email address is already verified."),
            "EMAIL_NOT_CONFIGURED" => (
                None,
                "This server cannot send email, so this is not available. Ask its operator.",
            ),
            "INVALID_CALLBACK_URL" | "INVALID_REDIRECT_URL" => {
                (None, "That link points outside this site.")
            }
            SIGNED_OUT | "UNAUTHORIZED" => return Some(Self::signed_out().without_status()),
            "FORBIDDEN" => (None, "That belongs to another account."),
            "NOT_FOUND" => (None, "That task no longer exists."),
            "SERVICE_UNAVAILABLE" => (None, "The service is busy. Try again in a moment."),
            "SERVER_ERROR" | "INTERNAL_SERVER_ERROR" => (
                None,
                "Something went wrong on our side. Try again in a moment.",
            ),
            _ => return None,
        };
        let mut error = Self::new(code, message);
        if let Some(field) = field {
            error.fields.push((field.to_string(), message.to_string()));
        }
        Some(error)
    }
}

impl UiError {
    fn without_status(mut self) -> Self {
        self.status = None;
        self
    }
}

/// Codes whose domain message says more than the UI's sentence for them (which input was
/// wrong; how many tasks the account may hold; how long to wait).
const DOMAIN_SAYS_MORE: [&str; 3] = [
    "VALIDATION_ERROR",
    "TASK_LIMIT_REACHED",
    "TOO_MANY_REQUESTS",
];

/// The sentence for a field's problem: the one a plain form post shows for its code (so the
/// page says the same with JavaScript and without), else the rule's own.
fn field_message(problem: &leptodo::FieldError) -> String {
    let code = problem.code.as_str();
    UiError::from_code(code)
        .filter(|_| !DOMAIN_SAYS_MORE.contains(&code))
        .map_or_else(|| problem.msg.clone(), |e| e.message)
}

fn field_messages(problems: &[leptodo::FieldError]) -> Vec<(String, String)> {
    problems
        .iter()
        .filter_map(|p| p.field().map(|f| (f.to_string(), field_message(p))))
        .collect()
}

impl FromServerFnError for UiError {
    type Encoder = crate::wire::StrJsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => Self::new(
                "NETWORK",
                "Could not reach the server. Check your connection and try again.",
            ),
            other => {
                Self::new("SERVER_ERROR", format!("Something went wrong: {other}")).with_status(500)
            }
        }
    }
}

impl UiError {
    /// The verdict of a form check in the browser (`leptodo::rules`): what the server answers
    /// the same values with, or `None` when they pass.
    pub fn checked(problems: Vec<leptodo::FieldError>) -> Option<Self> {
        let first = problems.first()?;
        // As `From<leptodo::Error>` makes it, without the other errors' messages in the WASM.
        let mut ui = Self::new(first.code.as_str(), field_message(first)).with_status(422);
        ui.fields = field_messages(&problems);
        Some(ui)
    }

    /// [`UiError::checked`] of a rule check's result.
    pub fn of_check<T>(result: leptodo::Result<T>) -> Result<T, Self> {
        result.map_err(|err| match err {
            leptodo::Error::Invalid(problems) => Self::checked(problems)
                .unwrap_or_else(|| Self::new("VALIDATION_ERROR", "Check what you entered.")),
            _ => Self::new("VALIDATION_ERROR", "Check what you entered."),
        })
    }
}

impl From<leptodo::Error> for UiError {
    fn from(err: leptodo::Error) -> Self {
        #[cfg(feature = "ssr")]
        if err.is_server_error() {
            leptos::logging::error!("server function failed: {err}");
        }
        // The sentence a plain form post shows for the code, so the page says the same with
        // JavaScript and without; the domain's own where the UI has none.
        let code = err.code().as_str();
        let message = Self::from_code(code)
            .filter(|_| !DOMAIN_SAYS_MORE.contains(&code))
            .map_or_else(|| err.public_message(), |e| e.message);
        let mut ui = Self::new(code, message).with_status(err.status());
        if let leptodo::Error::Invalid(problems) = &err {
            if let Some(first) = problems.first() {
                ui.message = field_message(first);
            }
            ui.fields = field_messages(problems);
        }
        if matches!(err, leptodo::Error::Unauthenticated(_)) {
            return Self::signed_out();
        }
        ui
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    /// A plain form post carries only the code back; every code the domain can give must have
    /// a message, or the page shows nothing at all.
    #[test]
    fn every_domain_code_has_a_message() {
        let missing: Vec<&str> = leptodo::error::Code::ALL
            .iter()
            .map(|code| code.as_str())
            .filter(|code| UiError::from_code(code).is_none())
            .collect();
        assert!(missing.is_empty(), "codes without a message: {missing:?}");
        for code in [SIGNED_OUT, "SERVER_ERROR"] {
            assert!(UiError::from_code(code).is_some(), "{code}");
        }
        assert_eq!(UiError::from_code("<script>"), None);
    }

    #[test]
    fn a_domain_error_keeps_its_status_and_code() {
        for (err, status, code) in [
            (leptodo::Error::Unavailable, 503, "SERVICE_UNAVAILABLE"),
            (leptodo::Error::NotFound("task"), 404, "NOT_FOUND"),
            (
                leptodo::Error::InvalidCredentials,
                401,
                "INVALID_EMAIL_OR_PASSWORD",
            ),
            (
                leptodo::Error::Internal("x".into()),
                500,
                "INTERNAL_SERVER_ERROR",
            ),
        ] {
            assert_eq!(err.status(), status);
            let ui = UiError::from(err);
            assert_eq!((ui.status, ui.code.as_str()), (Some(status), code));
        }
        let signed_out = UiError::from(leptodo::Error::Unauthenticated("no"));
        assert_eq!(
            (signed_out.status, signed_out.code.as_str()),
            (Some(401), SIGNED_OUT)
        );
    }
}
