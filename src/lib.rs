//! Leptodo's domain.
//!
//! With the `server` feature (the default), everything: the REST API (`server/`) and the Leptos
//! server functions (`app/` under its `ssr` feature) both call into this crate, so each rule —
//! storage, validation, ownership, tokens — exists exactly once. Without it, only the pure form
//! rules (`rules`, `error`, the task fields and inputs) build, for the WASM islands, which check
//! a form with the very functions the server runs.

#[cfg(feature = "server")]
pub mod account;
#[cfg(feature = "server")]
pub mod auth;
#[cfg(feature = "server")]
pub mod db;
pub mod error;
#[cfg(feature = "server")]
pub mod http_session;
#[cfg(feature = "server")]
pub mod import;
#[cfg(feature = "server")]
pub mod mail;
#[cfg(feature = "server")]
pub mod password;
#[cfg(feature = "server")]
pub mod random;
#[cfg(feature = "server")]
pub mod recovery;
#[cfg(feature = "server")]
pub mod rfc3339;
pub mod rules;
#[cfg(feature = "server")]
pub mod session_cookie;
#[cfg(feature = "server")]
pub mod sessions;
pub mod tasks;
#[cfg(feature = "server")]
pub mod throttle;
#[cfg(feature = "server")]
pub mod tokens;
#[cfg(feature = "server")]
pub mod users;

#[cfg(feature = "server")]
pub use auth::{Auth, AuthSettings, Identity, SignedIn};
#[cfg(feature = "server")]
pub use db::{Backend, Database, DatabaseError};
pub use error::{Error, FieldError, Result};
