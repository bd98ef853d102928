//! The shipped binary as a process, and private PostgreSQL clusters: shared by the integration
//! tests (`api`) and the reliability tests (`reliability`).

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use crate::helpers::{TEST_SECRET, server_binary};

/// The binary, run in `dir` with none of the caller's Leptodo settings in its environment.
pub fn leptodo(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(server_binary());
    cmd.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("LEPTOS_")
            || key.starts_with("LEPTODO_")
            || key.starts_with("DATABASE_")
            || key.starts_with("BETTER_AUTH_")
            || key.starts_with("JWT_")
            || key.starts_with("AUTH_")
            || key.starts_with("SMTP_")
            || key.starts_with("EMAIL_")
            || key == "RUST_LOG"
        {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Starts `cmd` (a `serve`) and waits for its "listening on" log line; returns the process
/// and the address it listens on.
pub fn start(cmd: Command) -> (KillOnDrop, String) {
    let (child, listening, _log) = start_with_log(cmd);
    (child, listening)
}

/// Like [`start`], also handing back the rest of the server's log, line by line.
pub fn start_with_log(mut cmd: Command) -> (KillOnDrop, String, mpsc::Receiver<String>) {
    if !cmd.get_envs().any(|(key, _)| key == "RUST_LOG") {
        cmd.env("RUST_LOG", "info");
    }
    let mut child = KillOnDrop(cmd.stderr(Stdio::piped()).spawn().unwrap());
    let stderr = child.0.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let listening = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server should log that it is listening");
        if let Some(at) = line.find("listening on http://") {
            let rest = &line[at + "listening on http://".len()..];
            // Text logs end the address with a space, JSON ones with a quote.
            break rest
                .split(|c: char| c.is_whitespace() || c == '"')
                .next()
                .unwrap_or_default()
                .to_string();
        }
    };
    (child, listening, rx)
}

/// Kills the server if the test fails before stopping it, so no process outlives the test.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn wait_with_timeout(
    child: &mut std::process::Child,
    limit: Duration,
) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the server did not stop within {limit:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn postgres_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/postgres")
}

/// A private Postgres cluster this test may stop and start; removed on drop.
pub struct Cluster {
    dir: tempfile::TempDir,
    pub url: String,
}

impl Cluster {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(postgres_script())
            .args(["start", &dir.path().join("pg").display().to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let url = String::from_utf8(out.stdout).unwrap().trim().to_string();
        Self { dir, url }
    }

    pub fn control(&self, action: &str) {
        let status = Command::new(postgres_script())
            .args([action, &self.state().display().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "scripts/postgres {action} failed");
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("pg")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(postgres_script())
            .args(["stop", &self.state().display().to_string()])
            .status();
    }
}

/// `serve` on a free port with `database_url`, the test secret, no sign-in throttling and no
/// task quotas (the soak and fault tests write far faster than a person: on a fast machine
/// the soak passed the default 1000 writes a minute per account and got 429s); returns the
/// process and its base URL.
pub fn serve(dir: &Path, database_url: &str) -> (KillOnDrop, String) {
    let mut cmd = leptodo(dir);
    cmd.args(["serve", "--addr", "127.0.0.1:0"])
        .env("DATABASE_URL", database_url)
        .env("BETTER_AUTH_SECRET", TEST_SECRET)
        .env("AUTH_RATE_LIMIT_IP", "off")
        .env("AUTH_RATE_LIMIT_ACCOUNT", "off")
        .env("TASK_WRITE_RATE_LIMIT", "off")
        .env("MAX_TASKS_PER_USER", "0");
    let (child, address) = start(cmd);
    (child, format!("http://{address}"))
}

/// The Python with the test peers of tests/interop/requirements.txt (PyJWT,
/// openapi-spec-validator, schemathesis): `scripts/bootstrap test` installs it.
pub fn python() -> Command {
    let python = std::env::var_os("LEPTODO_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".cache/leptodo-tools/venv/bin/python"))
        })
        .filter(|p| p.exists())
        .expect(
            "the interop tests need the Python test peers: run `scripts/bootstrap test` \
             (or set LEPTODO_PYTHON to a python with tests/interop/requirements.txt installed)",
        );
    Command::new(python)
}

/// Runs tests/interop/pyjwt_tool.py (PyJWT, the FastAPI side's JWT library): its output, or
/// its error message when it refuses.
pub fn pyjwt(args: &[&str]) -> Result<String, String> {
    let out = python()
        .arg(interop_script("pyjwt_tool.py"))
        .args(args)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap().trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

pub fn interop_script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/interop")
        .join(name)
}

/// Sends SIGTERM to the server.
pub fn sigterm(server: &KillOnDrop) {
    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -TERM failed");
}
