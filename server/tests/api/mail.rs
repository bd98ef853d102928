//! Mail that is really sent, to a real SMTP server on loopback: password reset end to end,
//! email verification, the same answer for unknown addresses, and mail queued while the SMTP
//! server is down arriving once it is up.

use std::time::{Duration, Instant};

use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::{
    helpers::{PASSWORD, TestApp, spawn_app_with},
    smtp::{SmtpSink, free_port, link},
};

const NEW_PASSWORD: &str = "a brand new passphrase";
const FROM: &str = "Leptodo Test <todo@mail.example.com>";

async fn app_mailing_to(smtp_url: String) -> TestApp {
    spawn_app_with(|s| {
        s.mail.smtp_url = Some(smtp_url.into());
        s.mail.email_from = Some(FROM.into());
    })
    .await
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post_json(
        "/api/auth/sign-in/email",
        &json!({"email": email, "password": password}),
    )
    .await
}

/// The `Location` of a redirect.
fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 302, "a redirect");
    response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string()
}

fn query_value(url: &str, key: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_mail_end_to_end() {
    let smtp = SmtpSink::start();
    let app = app_mailing_to(smtp.url()).await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let tasks = format!("/api/{}/tasks", ada.user_id);

    let asked = app
        .post_json(
            "/api/auth/request-password-reset",
            &json!({"email": "Ada@Example.com"}),
        )
        .await;
    assert_eq!(asked.status(), 200);
    assert_eq!(
        asked.json::<Value>().await.unwrap(),
        json!({"status": true, "message": "If this email exists in our system, check your email for the reset link"})
    );
    let mail = smtp.wait_for(1, Duration::from_secs(30)).await.remove(0);
    assert_eq!(mail["rcpt_tos"], json!(["ada@example.com"]));
    assert_eq!(mail["mail_from"], "todo@mail.example.com");
    assert_eq!(mail["from"], FROM);
    assert!(mail["subject"].as_str().unwrap().contains("Leptodo"));
    assert!(
        mail["html"].as_str().unwrap().contains("reset-password"),
        "an HTML part too"
    );
    let reset_link = link(&mail, "/api/auth/reset-password/");
    assert!(
        reset_link.starts_with(&app.address),
        "{reset_link} on BETTER_AUTH_URL"
    );
    assert_eq!(app.count("outbox").await, 0, "sent mail leaves the outbox");

    // The link leads to the reset page with the token.
    let path = reset_link.strip_prefix(&app.address).unwrap();
    let page = location(&app.get(path, None).await);
    assert!(
        page.starts_with(&format!("{}/reset-password?", app.address)),
        "{page}"
    );
    let token = query_value(&page, "token").expect("a token");
    assert!(
        !app.text(&format!("/api/auth/token?x={token}"))
            .await
            .contains(&token)
    );

    let reset = app
        .post_json(
            "/api/auth/reset-password",
            &json!({"newPassword": NEW_PASSWORD, "token": token}),
        )
        .await;
    assert_eq!(reset.status(), 200);
    assert_eq!(
        reset.json::<Value>().await.unwrap(),
        json!({"status": true})
    );

    assert_eq!(
        sign_in(&app, "ada@example.com", PASSWORD).await.status(),
        401
    );
    assert_eq!(
        sign_in(&app, "ada@example.com", NEW_PASSWORD)
            .await
            .status(),
        200
    );
    let before: Value = app
        .get("/api/auth/get-session", Some(&ada.cookie))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        before.is_null(),
        "sessions from before the reset have ended"
    );
    assert_eq!(
        app.as_user(&ada, Method::GET, &tasks)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // Used once; a forged token gets nowhere either.
    for token in [
        token.as_str(),
        "forged-0123456789abcdefghijklmnopqrstuvwxyzAB",
    ] {
        let again = app
            .post_json(
                "/api/auth/reset-password",
                &json!({"newPassword": "yet another password", "token": token}),
            )
            .await;
        assert_eq!(again.status(), 400);
        assert_eq!(
            again.json::<Value>().await.unwrap()["code"],
            "INVALID_TOKEN"
        );
        let landing = location(
            &app.get(&format!("/api/auth/reset-password/{token}"), None)
                .await,
        );
        assert_eq!(
            query_value(&landing, "error").as_deref(),
            Some("INVALID_TOKEN")
        );
    }
    assert_eq!(
        sign_in(&app, "ada@example.com", NEW_PASSWORD)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn an_account_without_a_password_sets_its_first_one_by_reset() {
    // As `import better-auth` leaves a user who only signed in with GitHub: no credentials.
    let smtp = SmtpSink::start();
    let app = app_mailing_to(smtp.url()).await;
    leptodo::users::ensure_external(&app.db, "octo-id", Some("octo@example.net"), Some("Octo"))
        .await
        .unwrap();
    assert_eq!(app.count("credentials").await, 0);
    assert_eq!(
        sign_in(&app, "octo@example.net", NEW_PASSWORD)
            .await
            .status(),
        401
    );

    let asked = app
        .post_json(
            "/api/auth/request-password-reset",
            &json!({"email": "octo@example.net"}),
        )
        .await;
    assert_eq!(asked.status(), 200);
    let mail = smtp.wait_for(1, Duration::from_secs(30)).await.remove(0);
    assert_eq!(mail["rcpt_tos"], json!(["octo@example.net"]));
    let reset_link = link(&mail, "/api/auth/reset-password/");
    let page = location(
        &app.get(reset_link.strip_prefix(&app.address).unwrap(), None)
            .await,
    );
    let token = query_value(&page, "token").expect("a token");
    let reset = app
        .post_json(
            "/api/auth/reset-password",
            &json!({"newPassword": NEW_PASSWORD, "token": token}),
        )
        .await;
    assert_eq!(reset.status(), 200);
    let signed = sign_in(&app, "octo@example.net", NEW_PASSWORD).await;
    assert_eq!(signed.status(), 200);
    assert_eq!(
        signed.json::<Value>().await.unwrap()["user"]["id"],
        "octo-id"
    );
}

#[tokio::test]
async fn an_unknown_email_gets_the_same_answer_in_the_same_time_and_no_mail() {
    let smtp = SmtpSink::start();
    let app = app_mailing_to(smtp.url()).await;
    app.sign_up("Ada", "ada@example.com").await;
    let app = &app;
    let ask = |email: &'static str| async move {
        let start = Instant::now();
        let response = app
            .post_json("/api/auth/request-password-reset", &json!({"email": email}))
            .await;
        let status = response.status();
        (status, response.text().await.unwrap(), start.elapsed())
    };
    let (known_status, known_body, known_time) = ask("ada@example.com").await;
    let (unknown_status, unknown_body, unknown_time) = ask("nobody@example.com").await;
    assert_eq!((known_status, &known_body), (unknown_status, &unknown_body));
    let gap = known_time.abs_diff(unknown_time);
    assert!(
        gap < Duration::from_millis(150),
        "{known_time:?} vs {unknown_time:?}"
    );
    smtp.wait_for(1, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "only the account's owner gets mail");
    assert_eq!(mails[0]["rcpt_tos"], json!(["ada@example.com"]));

    // A redirect off the site is refused before anything is sent.
    let away = app
        .post_json(
            "/api/auth/request-password-reset",
            &json!({"email": "ada@example.com", "redirectTo": "https://evil.example/steal"}),
        )
        .await;
    assert_eq!(away.status(), 403);
    assert_eq!(
        away.json::<Value>().await.unwrap()["code"],
        "INVALID_REDIRECT_URL"
    );
}

#[tokio::test]
async fn verification_by_mail_sets_email_verified() {
    let smtp = SmtpSink::start();
    let app = app_mailing_to(smtp.url()).await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    assert_eq!(ada.body["user"]["emailVerified"], false);

    let sent = app
        .client
        .post(app.url("/api/auth/send-verification-email"))
        .header(header::COOKIE, &ada.cookie)
        .json(&json!({"email": "ada@example.com", "callbackURL": "/?verified=1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let mail = smtp.wait_for(1, Duration::from_secs(30)).await.remove(0);
    let verify = link(&mail, "/api/auth/verify-email");
    let landing = location(
        &app.get(verify.strip_prefix(&app.address).unwrap(), None)
            .await,
    );
    assert_eq!(landing, format!("{}/?verified=1", app.address));
    let session: Value = app
        .get("/api/auth/get-session", Some(&ada.cookie))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(session["user"]["emailVerified"], true);

    // Signed in and verified: said so. A bad link without a callback: a 401.
    let again = app
        .client
        .post(app.url("/api/auth/send-verification-email"))
        .header(header::COOKIE, &ada.cookie)
        .json(&json!({"email": "ada@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.json::<Value>().await.unwrap()["code"],
        "EMAIL_ALREADY_VERIFIED"
    );
    let bad = app.get("/api/auth/verify-email?token=nope", None).await;
    assert_eq!(bad.status(), 401);
    assert_eq!(bad.json::<Value>().await.unwrap()["code"], "INVALID_TOKEN");
    let bad = location(
        &app.get("/api/auth/verify-email?token=nope&callbackURL=/", None)
            .await,
    );
    assert_eq!(query_value(&bad, "error").as_deref(), Some("INVALID_TOKEN"));
}

#[tokio::test]
async fn a_reset_asked_for_while_the_mail_server_is_down_arrives_once_it_is_up() {
    let port = free_port();
    let app = app_mailing_to(format!("smtp://127.0.0.1:{port}")).await;
    app.sign_up("Ada", "ada@example.com").await;
    let asked = app
        .post_json(
            "/api/auth/request-password-reset",
            &json!({"email": "ada@example.com"}),
        )
        .await;
    assert_eq!(
        asked.status(),
        200,
        "accepted while the mail server is down"
    );
    // Tried and failed a few times meanwhile, and still queued.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (attempts,): (i32,) = leptodo::with_pool!(&app.db, pool => sqlx::query_as("SELECT attempts FROM outbox").fetch_one(pool).await).unwrap();
    assert!(attempts >= 2, "{attempts} attempts");

    let smtp = SmtpSink::start_on(port);
    let started = Instant::now();
    let mails = smtp.wait_for(1, Duration::from_secs(120)).await;
    println!(
        "delivered {:?} after the SMTP server started",
        started.elapsed()
    );
    assert_eq!(mails.len(), 1);
    assert!(link(&mails[0], "/api/auth/reset-password/").starts_with(&app.address));
    assert_eq!(app.count("outbox").await, 0);
}

#[tokio::test]
async fn verification_mail_can_go_out_at_sign_up() {
    let smtp = SmtpSink::start();
    let app = spawn_app_with(|s| {
        s.mail.smtp_url = Some(smtp.url().into());
        s.mail.email_verification_on_sign_up = true;
    })
    .await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let mail = smtp.wait_for(1, Duration::from_secs(30)).await.remove(0);
    assert!(link(&mail, "/api/auth/verify-email").starts_with(&app.address));
    assert!(session_cookie_is_live(&app, &ada.cookie).await);
}

async fn session_cookie_is_live(app: &TestApp, cookie: &str) -> bool {
    !app.get("/api/auth/get-session", Some(cookie))
        .await
        .json::<Value>()
        .await
        .unwrap()
        .is_null()
}

/// The mail worker of an idle server only reads: an idle SQLite database sees no commits (each
/// would be an fsync every couple of seconds, forever).
#[tokio::test]
async fn an_idle_mail_worker_writes_nothing() {
    let smtp = SmtpSink::start();
    let app = app_mailing_to(smtp.url()).await;
    let leptodo::Database::Sqlite(sqlite) = &app.db else {
        return; // Postgres: nothing to count here.
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = sqlite.writer().commits();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(sqlite.writer().commits(), before, "commits while idle");
}

/// While strangers flood an account with guesses, whoever resets its password with the mailed
/// link can sign in from where they did it (before: refused like every stranger).
#[tokio::test]
async fn the_owner_who_reset_the_password_is_not_throttled_out_by_a_flood() {
    let smtp = SmtpSink::start();
    let app = spawn_app_with(|s| {
        s.mail.smtp_url = Some(smtp.url().into());
        s.auth.rate_limit_account = "5/5m".parse().unwrap();
        s.auth.trust_proxy_headers = true;
    })
    .await;
    app.sign_up("Ada", "ada@example.com").await;
    let from = |ip: String, path: &str, body: Value| {
        app.client
            .post(app.url(path))
            .header("x-forwarded-for", ip)
            .json(&body)
            .send()
    };
    for n in 1..=20 {
        from(
            format!("198.51.100.{n}"),
            "/api/auth/sign-in/email",
            json!({"email": "ada@example.com", "password": "a guess"}),
        )
        .await
        .unwrap();
    }
    let owner = "192.0.2.44".to_string();
    let before = from(
        owner.clone(),
        "/api/auth/sign-in/email",
        json!({"email": "ada@example.com", "password": PASSWORD}),
    )
    .await
    .unwrap();
    assert_eq!(
        before.status(),
        429,
        "a stranger's address, during the flood"
    );

    from(
        owner.clone(),
        "/api/auth/request-password-reset",
        json!({"email": "ada@example.com"}),
    )
    .await
    .unwrap();
    let mail = smtp.wait_for(1, Duration::from_secs(30)).await.remove(0);
    let landing = location(
        &app.get(
            link(&mail, "/api/auth/reset-password/")
                .strip_prefix(&app.address)
                .unwrap(),
            None,
        )
        .await,
    );
    let token = query_value(&landing, "token").unwrap();
    let reset = from(
        owner.clone(),
        "/api/auth/reset-password",
        json!({"newPassword": NEW_PASSWORD, "token": token}),
    )
    .await
    .unwrap();
    assert_eq!(reset.status(), 200);
    let after = from(
        owner,
        "/api/auth/sign-in/email",
        json!({"email": "ada@example.com", "password": NEW_PASSWORD}),
    )
    .await
    .unwrap();
    assert_eq!(after.status(), 200);
}
