//! Leptodo's Axum host: turns configuration into a running server.
//!
//! `main.rs` only parses the command line and calls into here, so the integration tests can
//! start the very same application on a random port.

pub mod assets;
pub mod config;
pub mod deadline;
pub mod error;
pub mod extract;
pub mod gate;
pub mod import;
pub mod json;
pub mod metrics;
pub mod openapi;
pub mod privacy;
pub mod redact;
pub mod routes;
pub mod secrets;
pub mod security;
pub mod serve;
pub mod shutdown;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use config::{Cli, Command, Import, Settings};
pub use startup::Application;
