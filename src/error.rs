//! The domain's one error type. Every variant knows its HTTP status, its machine code
//! (Better Auth style, e.g. `INVALID_EMAIL_OR_PASSWORD`) and the message a client may see, so
//! the REST API and the Leptos server functions present an error identically.

use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

#[cfg(feature = "server")]
use crate::DatabaseError;

/// Declares [`Code`]: each variant with its wire text, and [`Code::ALL`] listing every one.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $text:literal,)*) => {
        /// The machine code of an error (Better Auth style, e.g. `INVALID_EMAIL_OR_PASSWORD`):
        /// every code the domain can give, so no client has to meet one it was never told of.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as clients see it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    /// Input that breaks a rule with no code of its own (a wrong type, a bad query parameter).
    ValidationError = "VALIDATION_ERROR",
    InvalidEmail = "INVALID_EMAIL",
    NameRequired = "NAME_REQUIRED",
    NameTooLong = "NAME_TOO_LONG",
    InvalidName = "INVALID_NAME",
    PasswordTooShort = "PASSWORD_TOO_SHORT",
    PasswordTooLong = "PASSWORD_TOO_LONG",
    TitleRequired = "TITLE_REQUIRED",
    TitleTooLong = "TITLE_TOO_LONG",
    DescriptionTooLong = "DESCRIPTION_TOO_LONG",
    InvalidPriority = "INVALID_PRIORITY",
    /// Too many tags, or one that is empty, too long, has a comma or is given twice.
    InvalidTags = "INVALID_TAGS",
    InvalidDueDate = "INVALID_DUE_DATE",
    InvalidRecurrence = "INVALID_RECURRENCE",
    /// A repeating task needs a due date to repeat from.
    RecurrenceNeedsDueDate = "RECURRENCE_NEEDS_DUE_DATE",
    /// A NUL (`\0`) in text, which Postgres cannot store.
    NulCharacter = "NUL_CHARACTER",
    UserAlreadyExists = "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
    InvalidEmailOrPassword = "INVALID_EMAIL_OR_PASSWORD",
    /// The current password given to change it or delete the account is wrong.
    InvalidPassword = "INVALID_PASSWORD",
    /// A password-reset token that is unknown, used or expired.
    InvalidToken = "INVALID_TOKEN",
    /// A verification link whose hour has passed.
    TokenExpired = "TOKEN_EXPIRED",
    EmailCanNotBeUpdated = "EMAIL_CAN_NOT_BE_UPDATED",
    NoFieldsToUpdate = "NO_FIELDS_TO_UPDATE",
    InvalidImage = "INVALID_IMAGE",
    EmailMismatch = "EMAIL_MISMATCH",
    EmailAlreadyVerified = "EMAIL_ALREADY_VERIFIED",
    /// The server has no `SMTP_URL`: no reset or verification mail can be sent.
    EmailNotConfigured = "EMAIL_NOT_CONFIGURED",
    InvalidCallbackUrl = "INVALID_CALLBACK_URL",
    InvalidRedirectUrl = "INVALID_REDIRECT_URL",
    Unauthorized = "UNAUTHORIZED",
    /// A well-signed token whose subject has no account here (and
    /// `JWT_PROVISION_UNKNOWN_SUBJECTS` is off).
    UserNotFound = "USER_NOT_FOUND",
    Forbidden = "FORBIDDEN",
    NotFound = "NOT_FOUND",
    TooManyRequests = "TOO_MANY_REQUESTS",
    /// The account holds `MAX_TASKS_PER_USER` tasks: delete some before adding more.
    TaskLimitReached = "TASK_LIMIT_REACHED",
    /// The server's disk (or the database's) is full: the write was not saved.
    StorageFull = "STORAGE_FULL",
    ServiceUnavailable = "SERVICE_UNAVAILABLE",
    InternalServerError = "INTERNAL_SERVER_ERROR",
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One part of an error location: a field name or an index, as FastAPI's `loc` has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LocPart {
    Key(String),
    Index(usize),
}

impl From<&str> for LocPart {
    fn from(key: &str) -> Self {
        Self::Key(key.to_string())
    }
}

/// A problem with one input field, shaped like an item of FastAPI's 422 `detail` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Where the problem is, e.g. `["body", "email"]` or `["query", "limit"]`.
    pub loc: Vec<LocPart>,
    /// A sentence for people.
    pub msg: String,
    /// A stable kind for programs, e.g. `value_error.email`, `missing`.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: &'static str,
    /// The Better Auth-style code this problem maps to when it is the first one.
    #[serde(skip)]
    pub code: Code,
}

impl FieldError {
    /// A problem with field `name` of the request body.
    pub fn body(name: &str, kind: &'static str, code: Code, msg: impl Into<String>) -> Self {
        Self {
            loc: vec!["body".into(), name.into()],
            msg: msg.into(),
            kind,
            code,
        }
    }

    /// The field name this error is about (the last key of `loc`).
    pub fn field(&self) -> Option<&str> {
        self.loc.iter().rev().find_map(|part| match part {
            LocPart::Key(key) if key != "body" && key != "query" && key != "path" => {
                Some(key.as_str())
            }
            _ => None,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input breaks a rule; nothing was changed.
    #[error("{}", first_message(.0))]
    Invalid(Vec<FieldError>),
    #[error("an account with this email already exists: sign in, or use another email")]
    EmailTaken,
    /// Wrong password and unknown email alike: the caller cannot tell which.
    #[error("invalid email or password")]
    InvalidCredentials,
    /// A wrong current password (change-password, delete-user).
    #[error("the password is not right")]
    InvalidPassword,
    /// A reset token that is unknown, already used or expired.
    #[error("this reset link is invalid or has expired: ask for a new one")]
    InvalidToken,
    /// A verification link that does not verify (`expired`: it did, an hour ago).
    #[error("{}", if *expired { "this verification link has expired: ask for a new one" } else { "this verification link is invalid" })]
    VerificationLink { expired: bool },
    #[error("the email address cannot be changed here")]
    EmailCanNotBeUpdated,
    #[error("No fields to update")]
    NothingToUpdate,
    /// A verification mail asked for another address than the signed-in user's.
    #[error("that is not the email address of the signed-in account")]
    EmailMismatch,
    #[error("the email address is already verified")]
    EmailAlreadyVerified,
    #[error("this server cannot send email (no SMTP_URL is configured): ask its operator")]
    EmailNotConfigured,
    /// A `callbackURL` (or `redirectTo`) that is neither a path nor on a trusted origin.
    #[error("{field} must be a path on this site or a URL on a trusted origin")]
    UntrustedRedirect { field: &'static str },
    /// No credentials, or credentials that do not verify.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// A token that verifies, for a subject with no account here.
    #[error("the token's user has no account here: sign up, or sign in again")]
    UnknownUser,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("too many attempts: try again in {} seconds", retry_after_secs(*.retry_after))]
    RateLimited { retry_after: Duration },
    /// Over `TASK_WRITE_RATE_LIMIT`: a 429 like [`Error::RateLimited`], about task changes.
    #[error("too many task changes in a short time: try again in {} seconds", retry_after_secs(*.retry_after))]
    TooManyWrites { retry_after: Duration },
    #[error("this account already has {max} tasks, the most it may keep: delete some to add more")]
    TaskLimitReached { max: u32 },
    /// The disk is full: nothing of the write was saved, reads still work.
    #[error("the server's storage is full, so nothing was saved; try again later")]
    StorageFull,
    #[error("the database is unavailable")]
    Unavailable,
    /// The external token issuer's key set cannot be fetched (it has never answered).
    #[error("the token issuer cannot be reached")]
    IssuerUnavailable,
    /// A bug or an unexpected failure. The text is for logs only, never for clients.
    #[error("internal error: {0}")]
    Internal(String),
}

fn first_message(errors: &[FieldError]) -> &str {
    errors.first().map_or("invalid input", |e| e.msg.as_str())
}

/// Whole seconds to wait, never 0 (a `Retry-After: 0` invites an immediate retry).
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

impl Error {
    pub fn invalid(error: FieldError) -> Self {
        Self::Invalid(vec![error])
    }

    pub fn status(&self) -> u16 {
        match self {
            // Better Auth answers an address that cannot be one with a 400 (`INVALID_EMAIL`).
            Self::Invalid(errors)
                if errors.first().is_some_and(|e| e.code == Code::InvalidEmail) =>
            {
                400
            }
            Self::Invalid(_) | Self::EmailTaken => 422,
            Self::InvalidPassword
            | Self::InvalidToken
            | Self::EmailCanNotBeUpdated
            | Self::NothingToUpdate
            | Self::EmailMismatch
            | Self::EmailAlreadyVerified
            | Self::EmailNotConfigured => 400,
            Self::InvalidCredentials
            | Self::Unauthenticated(_)
            | Self::UnknownUser
            | Self::VerificationLink { .. } => 401,
            Self::UntrustedRedirect { .. } => 403,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::RateLimited { .. } | Self::TooManyWrites { .. } => 429,
            Self::TaskLimitReached { .. } => 409,
            Self::StorageFull => 507,
            Self::Unavailable | Self::IssuerUnavailable => 503,
            Self::Internal(_) => 500,
        }
    }

    pub fn code(&self) -> Code {
        match self {
            Self::Invalid(errors) => errors.first().map_or(Code::ValidationError, |e| e.code),
            Self::EmailTaken => Code::UserAlreadyExists,
            Self::InvalidCredentials => Code::InvalidEmailOrPassword,
            Self::InvalidPassword => Code::InvalidPassword,
            Self::InvalidToken | Self::VerificationLink { expired: false } => Code::InvalidToken,
            Self::VerificationLink { expired: true } => Code::TokenExpired,
            Self::EmailCanNotBeUpdated => Code::EmailCanNotBeUpdated,
            Self::NothingToUpdate => Code::NoFieldsToUpdate,
            Self::EmailMismatch => Code::EmailMismatch,
            Self::EmailAlreadyVerified => Code::EmailAlreadyVerified,
            Self::EmailNotConfigured => Code::EmailNotConfigured,
            Self::UntrustedRedirect { field } if *field == "redirectTo" => Code::InvalidRedirectUrl,
            Self::UntrustedRedirect { .. } => Code::InvalidCallbackUrl,
            Self::Unauthenticated(_) => Code::Unauthorized,
            Self::UnknownUser => Code::UserNotFound,
            Self::Forbidden(_) => Code::Forbidden,
            Self::NotFound(_) => Code::NotFound,
            Self::RateLimited { .. } | Self::TooManyWrites { .. } => Code::TooManyRequests,
            Self::TaskLimitReached { .. } => Code::TaskLimitReached,
            Self::StorageFull => Code::StorageFull,
            Self::Unavailable | Self::IssuerUnavailable => Code::ServiceUnavailable,
            Self::Internal(_) => Code::InternalServerError,
        }
    }

    /// What a client may read: everything but internal details.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => "something went wrong on our side; it has been logged".into(),
            Self::Unavailable => "the service is temporarily unavailable; try again shortly".into(),
            Self::IssuerUnavailable => {
                "the token issuer cannot be reached to check this token; try again shortly".into()
            }
            other => other.to_string(),
        }
    }

    /// True for failures that are ours (5xx), which deserve an error log line.
    pub fn is_server_error(&self) -> bool {
        self.status() >= 500
    }

    /// How long a throttled client should wait (`Retry-After`), for the 429s.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } | Self::TooManyWrites { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }
}

#[cfg(feature = "server")]
impl From<DatabaseError> for Error {
    fn from(err: DatabaseError) -> Self {
        if err.is_full() {
            Self::StorageFull
        } else if err.is_unavailable() {
            Self::Unavailable
        } else {
            Self::Internal(err.to_string())
        }
    }
}

#[cfg(feature = "server")]
impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        DatabaseError::from(err).into()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_in_screaming_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(
                text.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{text}"
            );
        }
    }

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(2500)), 3);
        assert_eq!(retry_after_secs(Duration::from_secs(4)), 4);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }

    #[test]
    fn internal_details_never_reach_the_public_message() {
        let err = Error::Internal("UNIQUE constraint failed: users.email at db.rs:42".into());
        assert_eq!(err.status(), 500);
        assert!(!err.public_message().contains("UNIQUE"));
    }

    #[test]
    fn validation_errors_take_the_first_field_code() {
        let err = Error::Invalid(vec![
            FieldError::body(
                "email",
                "value_error.email",
                Code::InvalidEmail,
                "bad email",
            ),
            FieldError::body(
                "password",
                "string_too_short",
                Code::PasswordTooShort,
                "short",
            ),
        ]);
        assert_eq!(err.code(), "INVALID_EMAIL");
        // Better Auth's status for an address that cannot be one; other rules stay 422.
        assert_eq!(err.status(), 400);
        assert_eq!(err.public_message(), "bad email");
        let json = serde_json::to_value(match &err {
            Error::Invalid(e) => e,
            _ => unreachable!(),
        })
        .unwrap();
        assert_eq!(
            json[0],
            serde_json::json!({"loc": ["body", "email"], "msg": "bad email", "type": "value_error.email"})
        );
        let short = Error::invalid(FieldError::body(
            "password",
            "string_too_short",
            Code::PasswordTooShort,
            "short",
        ));
        assert_eq!(short.status(), 422);
    }
}
