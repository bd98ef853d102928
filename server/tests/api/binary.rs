//! The shipped binary itself: its command line, its exit codes and its shutdown.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use crate::helpers::server_binary;

/// The binary, run in `dir` with none of the caller's Leptodo settings in its environment.
fn leptodo(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(server_binary());
    cmd.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("LEPTOS_") || key.starts_with("DATABASE_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd
}

#[test]
fn help_lists_subcommands_and_options() {
    let dir = tempfile::tempdir().unwrap();
    let out = leptodo(dir.path()).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "serve",
        "migrate",
        "--database-url",
        "DATABASE_URL",
        "--addr",
    ] {
        assert!(help.contains(expected), "--help lacks {expected}:\n{help}");
    }
}

#[test]
fn migrate_creates_the_default_sqlite_database_in_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = leptodo(dir.path()).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("data/leptodo.db").exists());
}

#[test]
fn an_unsupported_database_url_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = leptodo(dir.path())
        .args(["migrate", "--database-url", "mysql://localhost/x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DATABASE_URL must start with"), "{stderr}");
}

#[test]
fn env_file_supplies_settings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "DATABASE_URL=sqlite://from-dotenv.db\n",
    )
    .unwrap();
    let out = leptodo(dir.path()).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("from-dotenv.db").exists());
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        leptodo(dir.path())
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );

    // Wait for the "listening on" line, which is logged once the socket is bound.
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
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
    };

    // It really serves before we stop it.
    let health = http_status(&format!("http://{listening}/healthz"));
    assert_eq!(health, 200);

    let status = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = wait_with_timeout(&mut child.0, Duration::from_secs(15));
    assert!(exit.success(), "exit status after SIGTERM: {exit:?}");
}

/// Kills the server if the test fails before stopping it, so no process outlives the test.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_with_timeout(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
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

/// A plain GET's status code, from a test without a Tokio runtime of its own.
fn http_status(url: &str) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async { reqwest::get(url).await.unwrap().status().as_u16() })
}
