//! Leptodo's server-side domain.
//!
//! Everything here runs on the server only: the REST API (`server/`) and the Leptos server
//! functions (`app/` under its `ssr` feature) both call into this crate, so each rule —
//! storage, validation, ownership, tokens — exists exactly once and never reaches the WASM
//! bundle.

pub mod account;
pub mod auth;
pub mod db;
pub mod error;
pub mod http_session;
pub mod import;
pub mod mail;
pub mod password;
pub mod random;
pub mod recovery;
pub mod rfc3339;
pub mod session_cookie;
pub mod sessions;
pub mod tasks;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use auth::{Auth, AuthSettings, Identity, SignedIn};
pub use db::{Backend, Database, DatabaseError};
pub use error::{Error, FieldError, Result};
