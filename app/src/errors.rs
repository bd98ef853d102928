//! The error the UI's server functions return: a machine code, a sentence, and the form field
//! it belongs to, so each message can be shown next to what caused it.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// Codes the UI treats specially.
pub const SIGNED_OUT: &str = "SIGNED_OUT";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct UiError {
    /// Better Auth-style code, e.g. `INVALID_EMAIL_OR_PASSWORD`, `TITLE_REQUIRED`.
    pub code: String,
    /// For people.
    pub message: String,
    /// Each field with a problem, and the problem.
    pub fields: Vec<(String, String)>,
}

impl UiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn signed_out() -> Self {
        Self::new(
            SIGNED_OUT,
            "Your session has ended. Sign in again to continue.",
        )
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
    /// known codes are shown, so a crafted link cannot put arbitrary text on the page.
    pub fn from_code(code: &str) -> Option<Self> {
        let (field, message) = match code {
            "INVALID_EMAIL_OR_PASSWORD" => (None, "Invalid email or password."),
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
            "TITLE_REQUIRED" => (Some("title"), "The title cannot be empty."),
            "TITLE_TOO_LONG" => (Some("title"), "The title must be at most 200 characters."),
            "DESCRIPTION_TOO_LONG" => (
                Some("description"),
                "The description must be at most 1000 characters.",
            ),
            SIGNED_OUT => return Some(Self::signed_out()),
            "NOT_FOUND" => (None, "That task no longer exists."),
            "SERVICE_UNAVAILABLE" => (None, "The service is busy. Try again in a moment."),
            _ => return None,
        };
        let mut error = Self::new(code, message);
        if let Some(field) = field {
            error.fields.push((field.to_string(), message.to_string()));
        }
        Some(error)
    }
}

impl FromServerFnError for UiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => Self::new(
                "NETWORK",
                "Could not reach the server. Check your connection and try again.",
            ),
            other => Self::new("SERVER_ERROR", format!("Something went wrong: {other}")),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<leptodo::Error> for UiError {
    fn from(err: leptodo::Error) -> Self {
        if err.is_server_error() {
            leptos::logging::error!("server function failed: {err}");
        }
        let mut ui = Self::new(err.code(), err.public_message());
        if let leptodo::Error::Invalid(problems) = &err {
            ui.fields = problems
                .iter()
                .filter_map(|p| p.field().map(|f| (f.to_string(), p.msg.clone())))
                .collect();
        }
        if matches!(err, leptodo::Error::Unauthenticated(_)) {
            return Self::signed_out();
        }
        ui
    }
}
