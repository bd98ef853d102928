//! Leptodo's server-side domain.
//!
//! Everything here runs on the server only: the REST API (`server/`) and the Leptos server
//! functions (`app/` under its `ssr` feature) both call into this crate, so each rule —
//! storage, validation, ownership, tokens — exists exactly once and never reaches the WASM
//! bundle.

pub mod db;
pub mod tokens;

pub use db::{Backend, Database, DatabaseError};
