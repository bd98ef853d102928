//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default: info for Leptodo, warn for
//! its dependencies).

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt};

const DEFAULT_FILTER: &str = "warn,leptodo=info,leptodo_server=info,app=info,tower_http=info";

pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for people: log files and pipes get plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
