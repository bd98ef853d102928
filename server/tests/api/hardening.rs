//! What an outside security review found (issue 36), each as it was tried from outside: bad
//! emails cost no state, one IPv6 network is one client, Better Auth's timestamp format,
//! tokens kept out of logs, the reserved external domain, https-only origins, the cut-off
//! race, and the importer's bounds (in `import.rs`).

use std::{process::Command, time::Duration};

use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::{
    helpers::{PASSWORD, TEST_SECRET, TestApp, session_cookie, spawn_app, spawn_app_with},
    process::{leptodo, start_with_log, wait_with_timeout},
};

async fn sign_in(app: &TestApp, email: &str) -> reqwest::Response {
    app.post_json(
        "/api/auth/sign-in/email",
        &json!({"email": email, "password": "wrong password here"}),
    )
    .await
}

#[tokio::test]
async fn an_email_that_cannot_be_an_address_is_a_400_before_any_throttling() {
    let app = spawn_app_with(|s| {
        s.auth.rate_limit_ip = "3/60s".parse().unwrap();
        s.auth.rate_limit_account = "2/60s".parse().unwrap();
    })
    .await;
    // 1 MB: under the 1 MiB body limit, so the route itself has to refuse it.
    let huge = format!("{}@example.com", "a".repeat(1_000_000));
    for email in [huge.as_str(), "not-an-address", "x@external.invalid"] {
        for _ in 0..5 {
            let response = sign_in(&app, email).await;
            assert_eq!(response.status(), 400, "{}", &email[..20.min(email.len())]);
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["code"], "INVALID_EMAIL");
        }
    }
    // None of those fifteen counted against the address's allowance of three.
    app.sign_up("Ada", "ada@example.com").await;
    for _ in 0..2 {
        assert_eq!(sign_in(&app, "ada@example.com").await.status(), 401);
    }
    let bad_sign_up = app
        .post_json(
            "/api/auth/sign-up/email",
            &json!({"name": "Ada", "email": huge, "password": PASSWORD}),
        )
        .await;
    assert_eq!(bad_sign_up.status(), 400);
    assert_eq!(app.count("users").await, 1);
}

#[tokio::test]
async fn the_external_domain_cannot_be_signed_up_with() {
    let app = spawn_app().await;
    let digest = "0123456789abcdef0123456789abcdef";
    for email in [
        format!("{digest}@external.invalid"),
        "Someone@EXTERNAL.invalid".to_string(),
    ] {
        let response = app
            .post_json(
                "/api/auth/sign-up/email",
                &json!({"name": "Mallory", "email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), 400, "{email}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "INVALID_EMAIL");
    }
    assert_eq!(app.count("users").await, 0);
}

#[tokio::test]
async fn one_ipv6_network_is_one_client_to_the_sign_up_limit() {
    let app = spawn_app_with(|s| {
        s.auth.rate_limit_ip = "10/60s".parse().unwrap();
        s.auth.trust_proxy_headers = true;
    })
    .await;
    let sign_up = |n: u32, from: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/auth/sign-up/email"))
                .header("x-forwarded-for", from)
                .json(&json!({"name": "N", "email": format!("n{n}@example.com"), "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let mut statuses = Vec::new();
    for n in 0..12 {
        statuses.push(sign_up(n, format!("2001:db8:1:2:{n:x}:{n:x}:{n:x}:1")).await);
    }
    assert!(statuses[..10].iter().all(|s| *s == 200), "{statuses:?}");
    assert!(statuses[10..].iter().all(|s| *s == 429), "{statuses:?}");
    // Another /64 is another client; an IPv4-mapped address is its IPv4 address.
    assert_eq!(sign_up(100, "2001:db8:1:3::1".into()).await, 200);
    for n in 0..10 {
        assert_eq!(sign_up(200 + n, "192.0.2.9".into()).await, 200);
    }
    assert_eq!(sign_up(300, "::ffff:192.0.2.9".into()).await, 429);
}

/// `YYYY-MM-DDTHH:MM:SS.sssZ`, as JavaScript's `toISOString()` writes it.
fn is_iso_millis(value: &Value) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    let bytes = text.as_bytes();
    bytes.len() == 24
        && bytes[19] == b'.'
        && bytes[23] == b'Z'
        && bytes[20..23].iter().all(u8::is_ascii_digit)
        && time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).is_ok()
}

#[tokio::test]
async fn auth_timestamps_have_exactly_three_fractional_digits() {
    let app = spawn_app().await;
    let user = app.sign_up("Ada", "ada@example.com").await;
    for field in ["createdAt", "updatedAt"] {
        assert!(is_iso_millis(&user.body["user"][field]), "{}", user.body);
    }
    let session: Value = app
        .get("/api/auth/get-session", Some(&user.cookie))
        .await
        .json()
        .await
        .unwrap();
    for field in ["createdAt", "updatedAt", "expiresAt"] {
        assert!(is_iso_millis(&session["session"][field]), "{session}");
    }
    let listed: Value = app
        .get("/api/auth/list-sessions", Some(&user.cookie))
        .await
        .json()
        .await
        .unwrap();
    assert!(is_iso_millis(&listed[0]["createdAt"]), "{listed}");
    // The task API keeps the FastAPI backend's format.
    let task = app.create_task(&user, "Write the report").await;
    assert!(task["created_at"].as_str().unwrap().ends_with('Z'));
}

/// `RUST_LOG=debug,tower_http=debug`: the request log and every other line name the routes
/// that carry one-time tokens, never the tokens.
#[test]
fn one_time_tokens_never_reach_the_log() {
    // (The README's request log, `info,tower_http=debug`, is checked below with the span.)
    let lines = server_log("debug,tower_http=debug", |base| async move {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        for path in [
            "/api/auth/reset-password/SecretResetToken1?callbackURL=%2Freset-password",
            "/api/auth/verify-email?token=SecretVerifyToken2&callbackURL=/",
            "/reset-password?token=SecretPageToken3",
            "/api/auth/reset-password/SecretResetToken4/",
        ] {
            client.get(format!("{base}{path}")).send().await.unwrap();
        }
        client
            .post(format!(
                "{base}/api/auth/reset-password?token=SecretQueryToken5"
            ))
            .json(&json!({"newPassword": "a new password here", "token": "SecretBodyToken6"}))
            .send()
            .await
            .unwrap();
    });
    let leaked: Vec<&String> = lines.iter().filter(|l| l.contains("Secret")).collect();
    assert!(leaked.is_empty(), "tokens in the log:\n{leaked:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("reset-password/[redacted]")),
        "the request log names the route: {lines:#?}"
    );
    assert!(lines.iter().any(|l| l.contains("token=[redacted]")));
}

/// The README's request log (`RUST_LOG=info,tower_http=debug`) names each request's method and
/// path (redacted), as tower-http's own span did.
#[test]
fn the_request_log_names_method_and_path() {
    let lines = server_log("info,tower_http=debug", |base| async move {
        reqwest::get(format!("{base}/api/auth/verify-email?token=SecretAgain7"))
            .await
            .unwrap();
    });
    assert!(
        lines
            .iter()
            .any(|l| l.contains("GET") && l.contains("/api/auth/verify-email?token=[redacted]")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("SecretAgain7")),
        "{lines:#?}"
    );
}

/// The log lines of the binary serving with `RUST_LOG=rust_log` while `drive` sends it requests
/// (given its base URL), until it has stopped.
fn server_log<F: std::future::Future<Output = ()>>(
    rust_log: &str,
    drive: impl FnOnce(String) -> F,
) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = leptodo(dir.path());
    cmd.args(["serve", "--addr", "127.0.0.1:0"])
        .env("BETTER_AUTH_SECRET", TEST_SECRET)
        .env("RUST_LOG", rust_log);
    let (mut child, listening, log) = start_with_log(cmd);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(drive(format!("http://{listening}")));
    let _ = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status();
    wait_with_timeout(&mut child.0, Duration::from_secs(15));
    log.try_iter().collect()
}

#[tokio::test]
async fn behind_https_a_plain_http_origin_of_our_host_is_refused() {
    let app = spawn_app_with(|s| s.auth.secure = Some(true)).await;
    let host = app.address.trim_start_matches("http://").to_string();
    let post = |origin: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/auth/sign-in/email"))
                .header(header::ORIGIN, origin)
                .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(post(format!("http://{host}")).await, 403);
    assert_eq!(post(format!("https://{host}")).await, 401);
    // Served over plain http, the http origin is our own.
    let plain = spawn_app().await;
    let host = plain.address.trim_start_matches("http://").to_string();
    let response = plain
        .client
        .post(plain.url("/api/auth/sign-in/email"))
        .header(header::ORIGIN, format!("http://{host}"))
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

/// Tokens minted while "sign out everywhere" commits are cut with the sessions. The commit is
/// held back past a second boundary by another connection holding the write lock, while
/// `/api/auth/token` is asked for in a loop: every token it gave must be refused afterwards.
#[tokio::test]
async fn a_token_minted_during_sign_out_everywhere_does_not_outlive_it() {
    let app = spawn_app().await;
    if !app.database_url.starts_with("sqlite") {
        return; // The lock below is SQLite's; the Postgres run checks the rest of the suite.
    }
    let user = app.sign_up("Ada", "ada@example.com").await;
    let lock = crate::production::block_writes(&app, &user).await;
    let revoke = {
        let (client, url, cookie) = (
            app.client.clone(),
            app.url("/api/auth/revoke-sessions"),
            user.cookie.clone(),
        );
        tokio::spawn(async move {
            client
                .post(url)
                .header(header::COOKIE, cookie)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    let mut minted = Vec::new();
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_millis(2_300) {
        let response = app.get("/api/auth/token", Some(&user.cookie)).await;
        if response.status() == 200 {
            let body: Value = response.json().await.unwrap();
            minted.push(body["token"].as_str().unwrap().to_string());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(lock);
    assert_eq!(revoke.await.unwrap(), 200);
    assert!(
        minted.len() > 10,
        "tokens were minted while the write waited"
    );
    for token in minted.iter().chain([&user.token]) {
        let status = app
            .client
            .request(
                Method::GET,
                app.url(&format!("/api/{}/tasks", user.user_id)),
            )
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401, "a token minted before the commit still works");
    }
    // After it, the session is gone: no token for the old cookie.
    assert_eq!(
        app.get("/api/auth/token", Some(&user.cookie))
            .await
            .status(),
        401
    );
    // Signing in again works at once.
    let again = app
        .post_json(
            "/api/auth/sign-in/email",
            &json!({"email": "ada@example.com", "password": PASSWORD}),
        )
        .await;
    assert!(session_cookie(&again).is_some());
}
