//! Leptodo's Axum host: turns configuration into a running server.
//!
//! `main.rs` only parses the command line and calls into here, so the integration tests can
//! start the very same application on a random port.

// The app's view types nest deep (each island's view inside its page's inside the router's):
// computing their layout for the server's render needs more than the default 128 levels.
#![recursion_limit = "256"]

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
