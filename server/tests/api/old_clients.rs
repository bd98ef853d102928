//! The old stack's own clients, unchanged (issue 40): Better Auth's jwt plugin header on
//! get-session, Bearer calls from the front end's origin, `/api/tasks`, FastAPI's trailing
//! slashes, a DELETE with a body, unknown subjects, SQLAlchemy database URLs.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::{
    helpers::{TEST_SECRET, spawn_app, spawn_app_with},
    organize::send,
    process::leptodo,
};

const FRONTEND: &str = "https://app.example.com";

fn token_for(sub: &str) -> String {
    let now = get_current_timestamp();
    encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": sub, "email": "ghost@example.com", "iat": now, "exp": now + 600}),
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn get_session_sends_the_api_token_as_better_auths_jwt_plugin_does() {
    let app = spawn_app().await;
    let user = app.sign_up("Ada", "ada@example.com").await;
    let response = app.get("/api/auth/get-session", Some(&user.cookie)).await;
    assert_eq!(response.status(), 200);
    let jwt = response
        .headers()
        .get("set-auth-jwt")
        .expect("set-auth-jwt on a live session")
        .to_str()
        .unwrap()
        .to_string();
    let exposed: Vec<&str> = response
        .headers()
        .get_all(header::ACCESS_CONTROL_EXPOSE_HEADERS)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(
        exposed.iter().any(|v| v.contains("set-auth-jwt")),
        "{exposed:?}"
    );
    // The same token as /api/auth/token gives: it opens the user's tasks.
    let tasks = app
        .client
        .get(app.url(&format!("/api/{}/tasks", user.user_id)))
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(tasks.status(), 200);
    let from_token: Value = app
        .get("/api/auth/token", Some(&user.cookie))
        .await
        .json()
        .await
        .unwrap();
    let claims = |t: &str| -> Value {
        use base64::Engine;
        let part = t.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .unwrap(),
        )
        .unwrap()
    };
    let (a, b) = (claims(&jwt), claims(from_token["token"].as_str().unwrap()));
    assert_eq!(a["sub"], b["sub"]);
    assert_eq!(a["email"], b["email"]);
    assert_eq!(
        a["exp"].as_u64().unwrap() - a["iat"].as_u64().unwrap(),
        b["exp"].as_u64().unwrap() - b["iat"].as_u64().unwrap()
    );
    // Signed out: no header.
    let none = app.get("/api/auth/get-session", None).await;
    assert!(none.headers().get("set-auth-jwt").is_none());

    let off = spawn_app_with(|s| s.auth.jwt_session_header = false).await;
    let user = off.sign_up("Ada", "ada@example.com").await;
    let response = off.get("/api/auth/get-session", Some(&user.cookie)).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("set-auth-jwt").is_none());
}

#[tokio::test]
async fn bearer_calls_are_served_from_any_origin_but_cookies_only_from_trusted_ones() {
    let app = spawn_app_with(|s| s.auth.trusted_origins = vec![FRONTEND.into()]).await;
    let user = app.sign_up("Ada", "ada@example.com").await;
    let create = |origin: &'static str, cookie: Option<&str>| {
        let mut request = app
            .as_user(&user, Method::POST, &format!("/api/{}/tasks", user.user_id))
            .header(header::ORIGIN, origin)
            .json(&json!({"title": "from elsewhere"}));
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie.to_string());
        }
        request.send()
    };
    assert_eq!(create(FRONTEND, None).await.unwrap().status(), 201);
    assert_eq!(
        create("https://elsewhere.example", None)
            .await
            .unwrap()
            .status(),
        201
    );
    // A cookie goes with it: ambient authority, so the origin must be trusted.
    let refused = create("https://evil.example", Some(&user.cookie))
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["code"],
        "INVALID_ORIGIN"
    );
    assert_eq!(
        create(FRONTEND, Some(&user.cookie)).await.unwrap().status(),
        201
    );
    // A cookie-authenticated write from a foreign page, no Bearer: refused as before.
    let csrf = app
        .client
        .post(app.url(&format!("/api/{}/tasks", user.user_id)))
        .header(header::ORIGIN, "https://evil.example")
        .header(header::COOKIE, &user.cookie)
        .json(&json!({"title": "csrf"}))
        .send()
        .await
        .unwrap();
    assert_eq!(csrf.status(), 403);
    assert_eq!(app.stored_tasks(&user).await.len(), 3);

    // CORS preflights: the trusted origin gets the API's methods and headers; others nothing.
    let preflight = |origin: &'static str| {
        app.client
            .request(
                Method::OPTIONS,
                app.url(&format!("/api/{}/tasks/1", user.user_id)),
            )
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "DELETE")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,content-type",
            )
            .send()
    };
    let ok = preflight(FRONTEND).await.unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    let allowed = |name| {
        ok.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    assert_eq!(allowed(header::ACCESS_CONTROL_ALLOW_ORIGIN), FRONTEND);
    assert!(allowed(header::ACCESS_CONTROL_ALLOW_METHODS).contains("delete"));
    assert!(allowed(header::ACCESS_CONTROL_ALLOW_HEADERS).contains("authorization"));
    let stranger = preflight("https://evil.example").await.unwrap();
    assert!(
        stranger
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
}

#[tokio::test]
async fn api_tasks_is_the_tokens_own_list_with_every_route_and_slash() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let bob = app.sign_up("Bob", "bob@example.com").await;
    app.create_task(&bob, "Bob's").await;
    let (status, created) = send(
        &app,
        &ada,
        Method::POST,
        "/api/tasks",
        Some(json!({"title": "Milk"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(created["user_id"], ada.user_id.as_str());
    let id = created["id"].as_i64().unwrap();
    let (status, list) = send(&app, &ada, Method::GET, "/api/tasks", None).await;
    assert_eq!((status, list.as_array().unwrap().len()), (200, 1));
    assert_eq!(
        send(&app, &ada, Method::GET, &format!("/api/tasks/{id}"), None)
            .await
            .0,
        200
    );
    let (status, changed) = send(
        &app,
        &ada,
        Method::PUT,
        &format!("/api/tasks/{id}"),
        Some(json!({"title": "Oat milk"})),
    )
    .await;
    assert_eq!((status, changed["title"].as_str()), (200, Some("Oat milk")));
    let (status, toggled) = send(
        &app,
        &ada,
        Method::PATCH,
        &format!("/api/tasks/{id}/complete"),
        None,
    )
    .await;
    assert_eq!((status, toggled["completed"].as_bool()), (200, Some(true)));
    // The same rules: Bob's task is not Ada's, an id must be a number.
    let bobs = app.stored_tasks(&bob).await[0].0;
    assert_eq!(
        send(&app, &ada, Method::GET, &format!("/api/tasks/{bobs}"), None)
            .await
            .0,
        404
    );
    assert_eq!(
        send(&app, &ada, Method::GET, "/api/tasks/abc", None)
            .await
            .0,
        422
    );
    assert_eq!(
        send(&app, &ada, Method::GET, "/api/tags", None).await.0,
        200
    );
    // A trailing slash answers as the route without it, on both forms.
    for path in [
        format!("/api/{}/tasks/", ada.user_id),
        "/api/tasks/".to_string(),
        format!("/api/{}/tasks/{id}/", ada.user_id),
        format!("/api/tasks/{id}/complete/"),
    ] {
        let method = if path.ends_with("complete/") {
            Method::PATCH
        } else {
            Method::GET
        };
        assert_eq!(send(&app, &ada, method, &path, None).await.0, 200, "{path}");
    }
    // DELETE answers 200 with the task as it was.
    let (status, deleted) = send(
        &app,
        &ada,
        Method::DELETE,
        &format!("/api/tasks/{id}/"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(deleted["id"].as_i64(), Some(id));
    assert_eq!(deleted["title"], "Oat milk");
    assert_eq!(
        send(
            &app,
            &ada,
            Method::DELETE,
            &format!("/api/tasks/{id}"),
            None
        )
        .await
        .0,
        404
    );
    assert!(app.stored_tasks(&ada).await.is_empty());
    assert_eq!(app.stored_tasks(&bob).await.len(), 1);
    // Without a token: 401, as on the other form.
    let anonymous = app.client.get(app.url("/api/tasks")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn a_token_whose_subject_has_no_account_is_a_401_everywhere_and_writes_nothing() {
    let app = spawn_app().await;
    let ghost = token_for("ghost-user");
    for (method, path, body) in [
        (Method::GET, "/api/ghost-user/tasks", None),
        (
            Method::POST,
            "/api/ghost-user/tasks",
            Some(json!({"title": "boo"})),
        ),
        (Method::GET, "/api/tasks", None),
        (Method::POST, "/api/tasks", Some(json!({"title": "boo"}))),
        (Method::GET, "/api/ghost-user/tasks/1", None),
        (Method::DELETE, "/api/ghost-user/tasks/1", None),
        (Method::GET, "/api/ghost-user/tags", None),
    ] {
        let mut request = app
            .client
            .request(method.clone(), app.url(path))
            .bearer_auth(&ghost);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "USER_NOT_FOUND", "{method} {path}");
    }
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("tasks").await, 0);

    // Provisioning on: the subject gets a first-seen account and its task.
    let open = spawn_app_with(|s| s.auth.jwt_provision_unknown_subjects = true).await;
    let response = open
        .client
        .post(open.url("/api/ghost-user/tasks"))
        .bearer_auth(&ghost)
        .json(&json!({"title": "boo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(open.count("users").await, 1);
}

#[test]
fn sqlalchemy_database_urls_are_taken_without_their_driver() {
    let dir = tempfile::tempdir().unwrap();
    let out = leptodo(dir.path())
        .arg("migrate")
        .env("DATABASE_URL", "sqlite+aiosqlite:///./todo.db")
        .env("BETTER_AUTH_SECRET", TEST_SECRET)
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(dir.path().join("todo.db").exists(), "{stderr}");
    assert!(
        stderr.contains("SQLAlchemy"),
        "says so in the log: {stderr}"
    );
}
