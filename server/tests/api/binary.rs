//! The shipped binary itself: its command line, its exit codes and its shutdown.

use std::{process::Command, time::Duration};

use crate::{
    helpers::TEST_SECRET,
    process::{leptodo, start, start_with_log, wait_with_timeout},
};

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
    let mut cmd = leptodo(dir.path());
    cmd.args(["serve", "--addr", "127.0.0.1:0"])
        .env("BETTER_AUTH_SECRET", crate::helpers::TEST_SECRET);
    let (mut child, listening) = start(cmd);

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

/// Runs `serve` with `env` and expects it to refuse to start, saying `expected`.
fn refuses_to_start(env: &[(&str, &str)], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = leptodo(dir.path());
    cmd.args(["serve", "--addr", "127.0.0.1:0"])
        .envs(env.iter().copied());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "started with {env:?}");
    assert!(
        stderr.contains(expected),
        "{env:?}: expected {expected:?} in:\n{stderr}"
    );
    // It said no before touching the database.
    assert!(!dir.path().join("data/leptodo.db").exists());
    for (name, value) in env {
        // Secrets and key material must never be echoed (a key file's path may be).
        let sensitive =
            name.contains("SECRET") || (*name == "JWT_PRIVATE_KEY" && value.starts_with("-----"));
        if sensitive && value.len() >= 8 {
            assert!(
                !stderr.contains(value),
                "the secret leaked into the log:\n{stderr}"
            );
        }
    }
}

#[test]
fn production_refuses_to_start_without_a_secret() {
    refuses_to_start(&[], "no token secret: set BETTER_AUTH_SECRET");
    // An empty value is no secret either.
    refuses_to_start(&[("BETTER_AUTH_SECRET", "")], "no token secret");
}

#[test]
fn a_short_secret_is_refused_for_its_algorithm() {
    refuses_to_start(
        &[("BETTER_AUTH_SECRET", "only-twenty-six-characters")],
        "HS256 needs at least 32",
    );
    // 40 bytes is enough for HS256 but not HS384 or HS512.
    let forty = "0123456789012345678901234567890123456789";
    refuses_to_start(
        &[("BETTER_AUTH_SECRET", forty), ("JWT_ALGORITHM", "HS384")],
        "HS384 needs at least 48",
    );
    refuses_to_start(
        &[("JWT_SECRET_KEY", forty), ("JWT_ALGORITHM", "HS512")],
        "HS512 needs at least 64",
    );
    refuses_to_start(
        &[("BETTER_AUTH_SECRET", forty), ("JWT_ALGORITHM", "HS1024")],
        "is not supported",
    );
}

#[test]
fn unusable_key_settings_are_refused_before_the_database_is_touched() {
    refuses_to_start(
        &[
            ("JWT_ALGORITHM", "EdDSA"),
            (
                "JWT_PRIVATE_KEY",
                "-----BEGIN PRIVATE KEY-----\\nbm90IGEga2V5\\n-----END PRIVATE KEY-----",
            ),
        ],
        "JWT_PRIVATE_KEY: the private key is not an Ed25519 private key",
    );
    refuses_to_start(
        &[
            ("JWT_ALGORITHM", "ES256"),
            ("JWT_PRIVATE_KEY", "/nonexistent/key.pem"),
        ],
        "JWT_PRIVATE_KEY is neither a PEM",
    );
    refuses_to_start(
        &[
            ("BETTER_AUTH_SECRET", TEST_SECRET),
            ("JWT_PRIVATE_KEY", "/nonexistent/key.pem"),
        ],
        "JWT_PRIVATE_KEY is neither a PEM",
    );
    refuses_to_start(
        &[
            ("BETTER_AUTH_SECRET", TEST_SECRET),
            ("JWT_JWKS_URL", "ftp://auth.example.com/jwks"),
        ],
        "is not an http:// or https:// URL",
    );
}

#[test]
fn rotate_key_makes_a_new_signing_key_current() {
    let dir = tempfile::tempdir().unwrap();
    let rotate = || {
        leptodo(dir.path())
            .args(["rotate-key", "--database-url", "sqlite://keys.db"])
            .env("JWT_ALGORITHM", "EdDSA")
            .output()
            .unwrap()
    };
    let first = rotate();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = rotate();
    let (first, second) = (
        String::from_utf8(first.stdout).unwrap(),
        String::from_utf8(second.stdout).unwrap(),
    );
    assert_eq!(
        first.trim().len(),
        43,
        "a base64url SHA-256 thumbprint: {first:?}"
    );
    assert_ne!(first, second);

    // With a shared secret there is no key: it says how to rotate the secret instead.
    let out = leptodo(dir.path())
        .args(["rotate-key", "--database-url", "sqlite://keys.db"])
        .env("BETTER_AUTH_SECRET", TEST_SECRET)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("BETTER_AUTH_PREVIOUS_SECRETS"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn mismatched_secret_names_are_refused() {
    refuses_to_start(
        &[
            ("BETTER_AUTH_SECRET", crate::helpers::TEST_SECRET),
            (
                "JWT_SECRET_KEY",
                "another-secret-that-is-long-enough-0123456789",
            ),
        ],
        "BETTER_AUTH_SECRET and JWT_SECRET_KEY are both set but differ",
    );
}

#[test]
fn the_secret_subcommand_prints_a_usable_secret() {
    let dir = tempfile::tempdir().unwrap();
    let out = leptodo(dir.path()).arg("secret").output().unwrap();
    assert!(out.status.success());
    let secret = String::from_utf8(out.stdout).unwrap();
    let secret = secret.trim();
    assert!(secret.len() >= 64, "{secret:?}");
    let again = leptodo(dir.path()).arg("secret").output().unwrap();
    assert_ne!(String::from_utf8(again.stdout).unwrap().trim(), secret);
    // Good enough for the strictest algorithm.
    let mut cmd = leptodo(dir.path());
    cmd.args(["serve", "--addr", "127.0.0.1:0"])
        .env("JWT_SECRET_KEY", secret)
        .env("JWT_ALGORITHM", "HS512");
    let (_child, listening) = start(cmd);
    assert_eq!(http_status(&format!("http://{listening}/healthz")), 200);
}

#[test]
fn development_mode_generates_and_keeps_a_private_secret() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data/auth-secret");
    let run = || {
        let mut cmd = leptodo(dir.path());
        cmd.args(["serve", "--addr", "127.0.0.1:0", "--env", "dev"]);
        let (child, listening) = start(cmd);
        assert_eq!(http_status(&format!("http://{listening}/healthz")), 200);
        drop(child);
        std::fs::read_to_string(&file).expect("the secret file exists")
    };
    let first = run();
    assert!(first.trim().len() >= 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the secret file must be owner-only");
    }
    // The next start reuses it, so sessions and tokens survive restarts.
    assert_eq!(run(), first);
}

#[test]
fn the_audit_log_records_account_events_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = leptodo(dir.path());
    cmd.args(["serve", "--addr", "127.0.0.1:0"])
        .env("BETTER_AUTH_SECRET", crate::helpers::TEST_SECRET)
        .env("AUTH_RATE_LIMIT_IP", "2/60s");
    let (mut child, listening, log) = start_with_log(cmd);
    let base = format!("http://{listening}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (token, cookie) = runtime.block_on(async {
        let client = reqwest::Client::new();
        let signed: serde_json::Value = client
            .post(format!("{base}/api/auth/sign-up/email"))
            .json(&serde_json::json!({"name": "Ada", "email": "ada@example.com", "password": "hunter2-but-longer"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let wrong = client
            .post(format!("{base}/api/auth/sign-in/email"))
            .json(&serde_json::json!({"email": "ada@example.com", "password": "wrong-password-guess"}))
            .send()
            .await
            .unwrap();
        let ok = client
            .post(format!("{base}/api/auth/sign-in/email"))
            .json(&serde_json::json!({"email": "ada@example.com", "password": "hunter2-but-longer"}))
            .send()
            .await
            .unwrap();
        let cookie = ok.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        client
            .post(format!("{base}/api/auth/sign-out"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        let throttled = client
            .post(format!("{base}/api/auth/sign-in/email"))
            .json(&serde_json::json!({"email": "ada@example.com", "password": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!((wrong.status().as_u16(), throttled.status().as_u16()), (401, 429));
        (signed["token"].as_str().unwrap().to_string(), cookie)
    });
    let _ = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status();
    wait_with_timeout(&mut child.0, Duration::from_secs(15));
    let lines: Vec<String> = log.try_iter().collect();
    let text = lines.join("\n");
    for expected in [
        "event=\"sign_up\" outcome=\"success\"",
        "event=\"sign_in\" outcome=\"failure\" reason=\"wrong_password\"",
        "event=\"sign_in\" outcome=\"success\"",
        "event=\"sign_out\"",
        "event=\"throttled\"",
    ] {
        assert!(text.contains(expected), "no {expected} in the log:\n{text}");
    }
    let session_token = cookie.split_once('=').unwrap().1;
    for secret in [
        "hunter2-but-longer",
        "wrong-password-guess",
        token.as_str(),
        session_token,
        crate::helpers::TEST_SECRET,
    ] {
        assert!(!text.contains(secret), "the log leaks {secret:?}:\n{text}");
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

/// `cargo leptos watch` starts the server with `LEPTOS_WATCH` set (and no `LEPTOS_ENV`): it then
/// runs in development, and its pages carry the live-reload script and a security policy that
/// lets it reach cargo-leptos's socket (`ws://…:3001/live_reload`). In production neither.
#[test]
fn under_cargo_leptos_watch_pages_may_reach_the_live_reload_socket() {
    for watching in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = leptodo(dir.path());
        cmd.args(["serve", "--addr", "127.0.0.1:0"])
            .env("BETTER_AUTH_SECRET", crate::helpers::TEST_SECRET);
        if watching {
            cmd.env("LEPTOS_WATCH", "true");
        }
        let (child, listening) = start(cmd);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (policy, html) = runtime.block_on(async {
            let response = reqwest::get(format!("http://{listening}/sign-in"))
                .await
                .unwrap();
            let policy = response.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .to_string();
            (policy, response.text().await.unwrap())
        });
        drop(child);
        let connect = policy
            .split(';')
            .map(str::trim)
            .find(|directive| directive.starts_with("connect-src"))
            .unwrap_or_else(|| panic!("no connect-src in {policy}"));
        assert_eq!(
            connect.contains("ws:"),
            watching,
            "watching={watching}: {policy}"
        );
        assert_eq!(
            html.contains("live_reload"),
            watching,
            "watching={watching}"
        );
    }
}

/// Without `SMTP_URL`: development writes each mail, link included, to its log; production
/// says once at start that mail is off, and never logs a link.
#[test]
fn without_smtp_development_logs_the_mail_and_production_says_it_is_off() {
    let request_reset = |base: &str| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = reqwest::Client::new();
            client
                .post(format!("{base}/api/auth/sign-up/email"))
                .json(&serde_json::json!({"name": "Ada", "email": "ada@example.com", "password": "hunter2-but-longer"}))
                .send()
                .await
                .unwrap();
            client
                .post(format!("{base}/api/auth/request-password-reset"))
                .json(&serde_json::json!({"email": "ada@example.com"}))
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    let read_log = |log: &std::sync::mpsc::Receiver<String>, until: &str| {
        let mut lines = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while std::time::Instant::now() < deadline {
            match log.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    let done = line.contains(until);
                    lines.push(line);
                    if done {
                        break;
                    }
                }
                Err(_) if !until.is_empty() => continue,
                Err(_) => break,
            }
        }
        lines.join("\n")
    };

    let dir = tempfile::tempdir().unwrap();
    let mut dev = leptodo(dir.path());
    dev.args(["serve", "--addr", "127.0.0.1:0", "--env", "dev"]);
    let (_dev, listening, log) = start_with_log(dev);
    assert_eq!(request_reset(&format!("http://{listening}")), 200);
    let text = read_log(&log, "/api/auth/reset-password/");
    assert!(text.contains("no SMTP_URL"), "{text}");
    assert!(
        text.contains("/api/auth/reset-password/"),
        "the link is in the log:\n{text}"
    );

    let dir = tempfile::tempdir().unwrap();
    let mut prod = leptodo(dir.path());
    prod.args(["serve", "--addr", "127.0.0.1:0", "--env", "prod"])
        .env("BETTER_AUTH_SECRET", TEST_SECRET);
    let (_prod, listening, log) = start_with_log(prod);
    assert_eq!(request_reset(&format!("http://{listening}")), 400);
    let text = read_log(&log, "");
    assert!(!text.contains("/api/auth/reset-password/"), "{text}");
}

/// `LOG_FORMAT=json`: every line the server writes is one JSON object — the audit events and,
/// when `RUST_LOG` enables it, the access log included.
#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = leptodo(dir.path());
    cmd.args(["serve", "--addr", "127.0.0.1:0"])
        .env("BETTER_AUTH_SECRET", crate::helpers::TEST_SECRET)
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info,tower_http=debug");
    let (mut child, listening, log) = start_with_log(cmd);
    let base = format!("http://{listening}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        for (path, body) in [
            ("/api/auth/sign-up/email", serde_json::json!({"name": "Ada \"quoted\"\nname", "email": "ada@example.com", "password": "hunter2-but-longer"})),
            ("/api/auth/sign-in/email", serde_json::json!({"email": "ada@example.com", "password": "wrong-password-guess"})),
        ] {
            client.post(format!("{base}{path}")).json(&body).send().await.unwrap();
        }
        client.get(format!("{base}/api/nowhere")).send().await.unwrap();
    });
    let _ = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status();
    wait_with_timeout(&mut child.0, Duration::from_secs(15));
    let lines: Vec<String> = log.try_iter().collect();
    assert!(lines.len() >= 4, "{lines:?}");
    let events: Vec<serde_json::Value> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(
        events
            .iter()
            .all(|e| e["level"].is_string() && e["timestamp"].is_string())
    );
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "sign_in" && e["outcome"] == "failure"),
        "{lines:#?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["target"] == "tower_http::trace::on_response"),
        "no access log line in {lines:#?}"
    );
}
