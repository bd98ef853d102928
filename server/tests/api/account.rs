//! Keeping an account over Better Auth's routes: name, password, devices, deletion; the JSON
//! 404 for unknown API paths; and sign-in throttling that never locks the owner out.

use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, SignedUp, TestApp, session_cookie, set_cookie_header, spawn_app, spawn_app_with,
};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// `POST path` with `cookie` and a JSON body.
async fn post(app: &TestApp, path: &str, cookie: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header(header::COOKIE, cookie)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post_json(
        "/api/auth/sign-in/email",
        &json!({"email": email, "password": password}),
    )
    .await
}

/// A second session for `email` (another device); its cookie.
async fn second_device(app: &TestApp, email: &str) -> String {
    let response = sign_in(app, email, PASSWORD).await;
    assert_eq!(response.status(), 200);
    session_cookie(&response).unwrap()
}

async fn session_user(app: &TestApp, cookie: &str) -> Value {
    app.get("/api/auth/get-session", Some(cookie))
        .await
        .json()
        .await
        .unwrap()
}

async fn list(app: &TestApp, user: &SignedUp) -> Vec<Value> {
    let response = app.get("/api/auth/list-sessions", Some(&user.cookie)).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn update_user_changes_the_name_and_picture_but_never_the_email() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let path = "/api/auth/update-user";
    let done = post(
        &app,
        path,
        &ada.cookie,
        json!({"name": "  Ada Lovelace ", "image": "https://img.example.com/ada.png"}),
    )
    .await;
    assert_eq!(done.status(), 200);
    assert_eq!(done.json::<Value>().await.unwrap(), json!({"status": true}));
    let user = &session_user(&app, &ada.cookie).await["user"];
    assert_eq!(user["name"], "Ada Lovelace");
    assert_eq!(user["image"], "https://img.example.com/ada.png");

    // `null` removes the picture; the name stays.
    assert_eq!(
        post(&app, path, &ada.cookie, json!({"image": null}))
            .await
            .status(),
        200
    );
    let user = &session_user(&app, &ada.cookie).await["user"];
    assert_eq!(
        (user["name"].as_str(), user["image"].is_null()),
        (Some("Ada Lovelace"), true)
    );

    let email = post(&app, path, &ada.cookie, json!({"email": "eve@example.com"})).await;
    assert_eq!(email.status(), 400);
    assert_eq!(
        email.json::<Value>().await.unwrap()["code"],
        "EMAIL_CAN_NOT_BE_UPDATED"
    );
    let nothing = post(&app, path, &ada.cookie, json!({"emailVerified": true})).await;
    assert_eq!(
        nothing.status(),
        400,
        "unknown fields are ignored, leaving nothing"
    );
    let bad = post(
        &app,
        path,
        &ada.cookie,
        json!({"name": "", "image": "javascript:alert(1)"}),
    )
    .await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["detail"].as_array().unwrap().len(), 2, "{body}");
    let user = &session_user(&app, &ada.cookie).await["user"];
    assert_eq!(
        (user["name"].as_str(), user["emailVerified"].as_bool()),
        (Some("Ada Lovelace"), Some(false))
    );

    // With the API token instead of the cookie.
    let by_token = app
        .as_user(&ada, Method::POST, path)
        .json(&json!({"name": "Countess"}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_token.status(), 200);
    assert_eq!(
        session_user(&app, &ada.cookie).await["user"]["name"],
        "Countess"
    );
}

#[tokio::test]
async fn change_password_checks_the_current_one_and_can_end_the_other_sessions() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let phone = second_device(&app, "ada@example.com").await;
    let path = "/api/auth/change-password";

    let wrong = post(
        &app,
        path,
        &ada.cookie,
        json!({"currentPassword": "not it", "newPassword": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["code"],
        "INVALID_PASSWORD"
    );
    let short = post(
        &app,
        path,
        &ada.cookie,
        json!({"currentPassword": PASSWORD, "newPassword": "short"}),
    )
    .await;
    assert_eq!(short.status(), 422);
    assert_eq!(
        sign_in(&app, "ada@example.com", PASSWORD).await.status(),
        200,
        "unchanged so far"
    );

    let changed = post(
        &app,
        path,
        &ada.cookie,
        json!({"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD, "revokeOtherSessions": true}),
    )
    .await;
    assert_eq!(changed.status(), 200);
    let body: Value = changed.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com");
    let fresh_token = body["token"]
        .as_str()
        .expect("a fresh API token")
        .to_string();

    // This session lives on, the phone's has ended, and so has every older API token.
    assert_eq!(
        session_user(&app, &ada.cookie).await["user"]["email"],
        "ada@example.com"
    );
    assert!(session_user(&app, &phone).await.is_null());
    let tasks = format!("/api/{}/tasks", ada.user_id);
    assert_eq!(
        app.as_user(&ada, Method::GET, &tasks)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let with_fresh = app
        .client
        .get(app.url(&tasks))
        .bearer_auth(&fresh_token)
        .send()
        .await
        .unwrap();
    assert_eq!(with_fresh.status(), 200);

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

    // Without revokeOtherSessions the other sessions stay, and `token` is null.
    let laptop = second_device_with(&app, "ada@example.com", NEW_PASSWORD).await;
    let kept = post(
        &app,
        path,
        &ada.cookie,
        json!({"currentPassword": NEW_PASSWORD, "newPassword": PASSWORD}),
    )
    .await;
    assert_eq!(kept.status(), 200);
    assert!(kept.json::<Value>().await.unwrap()["token"].is_null());
    assert!(!session_user(&app, &laptop).await.is_null());
}

async fn second_device_with(app: &TestApp, email: &str, password: &str) -> String {
    let response = sign_in(app, email, password).await;
    assert_eq!(response.status(), 200);
    session_cookie(&response).unwrap()
}

#[tokio::test]
async fn sessions_are_listed_for_their_owner_only_and_revoked_one_by_one() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let phone = second_device(&app, "ada@example.com").await;
    let bob = app.sign_up("Bob", "bob@example.com").await;

    let sessions = list(&app, &ada).await;
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    let secret = |cookie: &str| cookie.split_once('=').unwrap().1.to_string();
    for session in &sessions {
        assert_eq!(session["userId"], ada.user_id.as_str());
        let token = session["token"].as_str().unwrap();
        assert_eq!(
            token,
            session["id"].as_str().unwrap(),
            "an id, not a secret"
        );
        assert_ne!(token, secret(&ada.cookie));
        assert_ne!(token, secret(&phone));
        for field in [
            "createdAt",
            "updatedAt",
            "expiresAt",
            "ipAddress",
            "userAgent",
        ] {
            assert!(session.get(field).is_some(), "{field} missing in {session}");
        }
    }
    let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    let phone_id = sessions.iter().find(|s| s["current"] == false).unwrap()["token"].clone();

    // Bob cannot end Ada's session: the same answer, nothing ends.
    let other = post(
        &app,
        "/api/auth/revoke-session",
        &bob.cookie,
        json!({"token": phone_id}),
    )
    .await;
    assert_eq!(other.status(), 200);
    assert_eq!(
        other.json::<Value>().await.unwrap(),
        json!({"status": true})
    );
    assert!(!session_user(&app, &phone).await.is_null());

    let ended = post(
        &app,
        "/api/auth/revoke-session",
        &ada.cookie,
        json!({"token": phone_id}),
    )
    .await;
    assert_eq!(ended.status(), 200);
    assert!(session_user(&app, &phone).await.is_null());
    assert!(
        !session_user(&app, &ada.cookie).await.is_null(),
        "exactly that session"
    );
    assert_eq!(list(&app, &ada).await.len(), 1);
    assert_eq!(list(&app, &bob).await.len(), 1);

    // Ending one's own clears the cookie too.
    let own = list(&app, &ada).await[0]["token"].clone();
    let mine = post(
        &app,
        "/api/auth/revoke-session",
        &ada.cookie,
        json!({"token": own}),
    )
    .await;
    assert!(session_cookie(&mine).is_none() && set_cookie_header(&mine).is_some());
    assert!(session_user(&app, &ada.cookie).await.is_null());
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_this_session_and_everywhere_ends_all() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let phone = second_device(&app, "ada@example.com").await;
    let tablet = second_device(&app, "ada@example.com").await;

    let others = post(
        &app,
        "/api/auth/revoke-other-sessions",
        &ada.cookie,
        json!({}),
    )
    .await;
    assert_eq!(others.status(), 200);
    assert!(session_user(&app, &phone).await.is_null());
    assert!(session_user(&app, &tablet).await.is_null());
    assert!(!session_user(&app, &ada.cookie).await.is_null());

    let laptop = second_device(&app, "ada@example.com").await;
    let all = post(&app, "/api/auth/revoke-sessions", &laptop, json!({})).await;
    assert_eq!(all.status(), 200);
    assert!(session_cookie(&all).is_none(), "the cookie is cleared");
    assert!(session_user(&app, &laptop).await.is_null());
    assert!(session_user(&app, &ada.cookie).await.is_null());
    assert_eq!(app.count("sessions").await, 0);
}

#[tokio::test]
async fn deleting_the_account_removes_everything_and_frees_the_email() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let bob = app.sign_up("Bob", "bob@example.com").await;
    app.create_task(&ada, "ada's").await;
    app.create_task(&ada, "ada's too").await;
    app.create_task(&bob, "bob's").await;
    let path = "/api/auth/delete-user";

    let wrong = post(&app, path, &ada.cookie, json!({"password": "not it"})).await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["code"],
        "INVALID_PASSWORD"
    );
    assert_eq!(app.count("users").await, 2);

    let deleted = post(&app, path, &ada.cookie, json!({"password": PASSWORD})).await;
    assert_eq!(deleted.status(), 200);
    assert!(session_cookie(&deleted).is_none());
    assert_eq!(
        deleted.json::<Value>().await.unwrap(),
        json!({"success": true, "message": "User deleted"})
    );

    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("credentials").await, 1);
    assert_eq!(app.count("sessions").await, 1);
    assert_eq!(app.count("tasks").await, 1, "bob's task stays");
    assert_eq!(
        sign_in(&app, "ada@example.com", PASSWORD).await.status(),
        401
    );
    let tasks = format!("/api/{}/tasks", ada.user_id);
    assert_eq!(
        app.as_user(&ada, Method::GET, &tasks)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    let again = app.sign_up("Ada again", "ADA@example.com").await;
    assert_ne!(again.user_id, ada.user_id);
    assert_eq!(app.stored_tasks(&again).await.len(), 0);
}

#[tokio::test]
async fn account_routes_need_a_live_session_and_a_trusted_origin() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    for (method, path) in [
        (Method::POST, "/api/auth/update-user"),
        (Method::POST, "/api/auth/change-password"),
        (Method::GET, "/api/auth/list-sessions"),
        (Method::POST, "/api/auth/revoke-session"),
        (Method::POST, "/api/auth/revoke-sessions"),
        (Method::POST, "/api/auth/revoke-other-sessions"),
        (Method::POST, "/api/auth/delete-user"),
    ] {
        let signed_out = app
            .client
            .request(method.clone(), app.url(path))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(signed_out.status(), 401, "{path}");
        assert_eq!(
            signed_out.json::<Value>().await.unwrap()["code"],
            "UNAUTHORIZED"
        );
        if method == Method::POST {
            let forged = app
                .client
                .post(app.url(path))
                .header(header::COOKIE, &ada.cookie)
                .header(header::ORIGIN, "https://evil.example")
                .json(&json!({"password": PASSWORD, "name": "Eve"}))
                .send()
                .await
                .unwrap();
            assert_eq!(forged.status(), 403, "{path}");
        }
    }
    assert_eq!(app.count("users").await, 1);
    assert_eq!(session_user(&app, &ada.cookie).await["user"]["name"], "Ada");
}

#[tokio::test]
async fn unknown_api_paths_answer_a_json_404() {
    let app = spawn_app().await;
    for path in [
        "/api/auth/no-such-thing",
        "/api/nope",
        "/api/auth/forget-password",
        "/api/x/y/z",
    ] {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), 404, "{path}");
        assert!(
            response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
        assert_eq!(response.json::<Value>().await.unwrap()["code"], "NOT_FOUND");
    }
    let post = app.post_json("/api/auth/change-email", &json!({})).await;
    assert_eq!(post.status(), 404);
    // The app's pages are still pages.
    assert!(app.text("/no-such-page").await.contains("<html"));
}

#[tokio::test]
async fn without_smtp_production_refuses_the_mail_routes_clearly() {
    let app = spawn_app().await;
    app.sign_up("Ada", "ada@example.com").await;
    for (path, body) in [
        (
            "/api/auth/request-password-reset",
            json!({"email": "ada@example.com"}),
        ),
        (
            "/api/auth/send-verification-email",
            json!({"email": "ada@example.com"}),
        ),
    ] {
        let response = app.post_json(path, &body).await;
        assert_eq!(response.status(), 400, "{path}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["code"],
            "EMAIL_NOT_CONFIGURED"
        );
    }
    assert_eq!(app.count("outbox").await, 0);
    assert_eq!(app.count("verifications").await, 0);
}

#[tokio::test]
async fn guesses_from_many_addresses_are_throttled_but_the_owner_still_signs_in() {
    let app = spawn_app_with(|s| {
        s.auth.rate_limit_account = "5/5m".parse().unwrap();
        s.auth.rate_limit_ip = "10/60s".parse().unwrap();
        s.auth.trust_proxy_headers = true;
    })
    .await;
    let owner_ip = "203.0.113.7";
    let signed_up = app
        .client
        .post(app.url("/api/auth/sign-up/email"))
        .header("x-forwarded-for", owner_ip)
        .json(&json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), 200);
    let attempt = |ip: String, password: &'static str| {
        app.client
            .post(app.url("/api/auth/sign-in/email"))
            .header("x-forwarded-for", ip)
            .json(&json!({"email": "ada@example.com", "password": password}))
            .send()
    };
    let mut statuses = Vec::new();
    for n in 1..=8 {
        statuses.push(
            attempt(format!("198.51.100.{n}"), "a guess")
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert!(
        statuses.iter().all(|s| [401, 429].contains(s)),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&429),
        "the guesses are throttled: {statuses:?}"
    );
    // A guesser that already failed stays shut out, right password or not.
    assert_eq!(
        attempt("198.51.100.1".into(), "a guess")
            .await
            .unwrap()
            .status(),
        429
    );
    assert_eq!(
        attempt("198.51.100.1".into(), PASSWORD)
            .await
            .unwrap()
            .status(),
        429
    );
    // The owner, from their own address, and from a new one: in.
    assert_eq!(
        attempt(owner_ip.into(), PASSWORD).await.unwrap().status(),
        200
    );
    assert_eq!(
        attempt("192.0.2.55".into(), PASSWORD)
            .await
            .unwrap()
            .status(),
        200
    );

    // Many more strangers: then only a client the account knows still gets its password checked.
    for n in 20..40 {
        attempt(format!("198.51.100.{n}"), "a guess").await.unwrap();
    }
    assert_eq!(
        attempt("192.0.2.99".into(), PASSWORD)
            .await
            .unwrap()
            .status(),
        429
    );
    assert_eq!(
        attempt(owner_ip.into(), PASSWORD).await.unwrap().status(),
        200
    );
}

/// The official `better-auth` client (npm, tests/interop/better-auth/client.mjs) manages an
/// account here as it would on Better Auth: updateUser, listSessions, revokeSession,
/// changePassword, deleteUser.
#[tokio::test]
async fn the_official_better_auth_client_manages_the_account() {
    let app = spawn_app().await;
    let dir = crate::process::interop_script("better-auth");
    assert!(
        dir.join("node_modules/better-auth").exists(),
        "the interop test needs Better Auth: run `scripts/bootstrap test`"
    );
    let address = app.address.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg("client.mjs")
            .arg(address)
            .current_dir(dir)
            .env_remove("NODE_ENV")
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("all steps passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
