//! How the server holds up under load and abuse: connection timeouts and caps, the request
//! deadline, metrics and the log format.

use std::{net::SocketAddr, time::Duration};

use clap::{Args, ValueEnum};

use super::duration;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Connections, metrics and logs")]
pub struct ServingOptions {
    /// How long a client has to send a request's head (line and headers) once it connects or
    /// once its previous response is sent — so it is also how long an idle keep-alive
    /// connection stays open.
    #[arg(long, env = "HTTP_HEADER_TIMEOUT", default_value = "10s", value_parser = duration, global = true)]
    pub header_timeout: Duration,

    /// The longest a request's body may stall (no bytes arriving): 408 after that. The whole
    /// request is bounded by HTTP_REQUEST_TIMEOUT.
    #[arg(long, env = "HTTP_BODY_TIMEOUT", default_value = "15s", value_parser = duration, global = true)]
    pub body_timeout: Duration,

    /// The longest a request may take from its head to its answer: a JSON 503 (code
    /// TIMEOUT) after that. Below the 25 s shutdown grace, so a deploy never waits on one.
    #[arg(long, env = "HTTP_REQUEST_TIMEOUT", default_value = "20s", value_parser = duration, global = true)]
    pub request_timeout: Duration,

    /// The most connections open at once; more wait in the kernel's queue until one closes
    /// [default: 10000, or less when the open-file limit is lower].
    #[arg(long, env = "MAX_CONNECTIONS", global = true)]
    pub max_connections: Option<usize>,

    /// Serve Prometheus metrics at http://ADDR/metrics, a listener of its own (keep it off
    /// the public network). Off when unset.
    #[arg(long, env = "METRICS_ADDR", global = true)]
    pub metrics_addr: Option<SocketAddr>,

    /// Log lines as `text` (for people) or `json` (one JSON object per line, for log shippers).
    #[arg(
        long,
        env = "LOG_FORMAT",
        default_value = "text",
        value_enum,
        ignore_case = true,
        global = true
    )]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}
