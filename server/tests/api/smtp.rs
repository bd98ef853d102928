//! A real SMTP server on loopback (tests/interop/smtp_sink.py, aiosmtpd) for the mail tests:
//! each test starts its own, on its own port, and reads the messages it accepted.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};

use serde_json::Value;
use tempfile::TempDir;

use crate::process::{KillOnDrop, interop_script, python};

pub struct SmtpSink {
    pub port: u16,
    dir: TempDir,
    _server: KillOnDrop,
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    /// Starts the server on `port` and waits until it accepts connections.
    pub fn start_on(port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut child = KillOnDrop(
            python()
                .arg(interop_script("smtp_sink.py"))
                .arg(port.to_string())
                .arg(dir.path().join("mail"))
                .stdout(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let stdout = child.0.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        assert!(
            line.starts_with("listening on"),
            "the SMTP sink did not start: {line:?}"
        );
        Self {
            port,
            dir,
            _server: child,
        }
    }

    /// `SMTP_URL` for this server.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn folder(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// Every message accepted so far, oldest first.
    pub fn messages(&self) -> Vec<Value> {
        let mut names: Vec<_> = std::fs::read_dir(self.folder())
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    /// Waits up to `limit` for the `n`-th message; returns all of them.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            assert!(
                start.elapsed() < limit,
                "{n} message(s) expected within {limit:?}, {} arrived",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The first link in a message's text part that contains `needle`.
pub fn link(message: &Value, needle: &str) -> String {
    message["text"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .find(|word| word.starts_with("http") && word.contains(needle))
        .unwrap_or_else(|| panic!("no {needle} link in {message}"))
        .to_string()
}
