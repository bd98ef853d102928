//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default: info for Leptodo, warn for
//! its dependencies), as text for people or, with `LOG_FORMAT=json`, one JSON object per line
//! for log shippers (the access log too, when `RUST_LOG` turns it on: `tower_http=debug`).

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt};

use crate::config::LogFormat;

const DEFAULT_FILTER: &str = "warn,leptodo=info,leptodo_server=info,app=info,tower_http=info";

pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        // Colour codes only for people: log files and pipes get plain text.
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => {
            builder
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .with_span_list(false)
                .init();
            // The default hook prints a panic as plain text lines: log it as one event.
            std::panic::set_hook(Box::new(|panic| {
                tracing::error!(panic = %panic, "a thread panicked");
            }));
        }
    }
}
