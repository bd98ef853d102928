//! `/api/auth/*` over real HTTP: shapes, errors, cookies, sessions, CSRF and throttling.

use std::time::{Duration, Instant};

use leptodo::tokens::{SharedSecretAlgorithm, TokenKeys, TokenSettings};
use reqwest::header;
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TEST_SECRET, TestApp, session_cookie, set_cookie_header, spawn_app, spawn_app_with,
};

fn verifier() -> TokenKeys {
    TokenKeys::new(TokenSettings {
        lifetime: Duration::from_secs(60),
        ..TokenSettings::shared(
            SharedSecretAlgorithm::HS256,
            TEST_SECRET.as_bytes().to_vec(),
        )
    })
    .unwrap()
}

async fn get_session(app: &TestApp, cookie: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url("/api/auth/get-session"));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.send().await.unwrap()
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post_json(
        "/api/auth/sign-in/email",
        &json!({"email": email, "password": password}),
    )
    .await
}

#[tokio::test]
async fn sign_up_returns_a_token_the_user_and_a_session_cookie() {
    let app = spawn_app().await;
    let response = app
        .post_json(
            "/api/auth/sign-up/email",
            &json!({"name": "  Ada Lovelace ", "email": "Ada@Example.COM", "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let cookie = set_cookie_header(&response).unwrap();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    assert!(!cookie.contains("Secure"), "plain http: no Secure flag");
    let cookie_value = session_cookie(&response).unwrap();
    let body: Value = response.json().await.unwrap();

    let user = &body["user"];
    assert_eq!(user["name"], "Ada Lovelace");
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["emailVerified"], false);
    assert_eq!(user["image"], Value::Null);
    let id = user["id"].as_str().unwrap();
    assert!(
        id.len() >= 20 && id.parse::<i64>().is_err(),
        "opaque id: {id}"
    );
    time::OffsetDateTime::parse(
        user["createdAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();

    let claims = verifier()
        .verify_now(body["token"].as_str().unwrap())
        .unwrap();
    assert_eq!(claims.sub, id);
    assert_eq!(claims.email.as_deref(), Some("ada@example.com"));
    assert_eq!(claims.exp - claims.iat.unwrap(), 7 * 24 * 3600);

    // Stored: an argon2id hash, and only the hash of the session token.
    let (hash,): (String,) = leptodo::with_pool!(&app.db, pool => sqlx::query_as(
        "SELECT password_hash FROM credentials",
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains(PASSWORD));
    let token = cookie_value.split_once('=').unwrap().1;
    let (stored,): (String,) = leptodo::with_pool!(&app.db, pool => sqlx::query_as(
        "SELECT token_hash FROM sessions",
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_ne!(stored, token);
    let (ip,): (Option<String>,) = leptodo::with_pool!(&app.db, pool => sqlx::query_as(
        "SELECT ip_address FROM sessions",
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn bad_sign_ups_get_clear_errors_and_write_nothing() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"name": "Ada", "email": "not-an-email", "password": PASSWORD}),
            400,
            "INVALID_EMAIL",
        ),
        (
            json!({"name": "Ada", "email": "ada@example.com", "password": "1234567"}),
            422,
            "PASSWORD_TOO_SHORT",
        ),
        (
            json!({"name": "Ada", "email": "ada@example.com", "password": "x".repeat(129)}),
            422,
            "PASSWORD_TOO_LONG",
        ),
        (
            json!({"name": " ", "email": "ada@example.com", "password": PASSWORD}),
            422,
            "NAME_REQUIRED",
        ),
        (
            json!({"email": "ada@example.com", "password": PASSWORD}),
            422,
            "VALIDATION_ERROR",
        ),
        (
            json!({"name": "Ada", "email": 42, "password": PASSWORD}),
            422,
            "VALIDATION_ERROR",
        ),
    ];
    for (body, status, code) in cases {
        let response = app.post_json("/api/auth/sign-up/email", &body).await;
        assert_eq!(response.status(), status, "{body}");
        assert!(set_cookie_header(&response).is_none());
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], code, "{body}: {error}");
        assert!(error["message"].as_str().unwrap().len() > 5, "{error}");
        let detail = error["detail"].as_array().expect("a FastAPI-style list");
        assert_eq!(detail[0]["loc"][0], "body", "{error}");
        assert!(detail[0]["msg"].is_string() && detail[0]["type"].is_string());
    }

    let missing: Value = app
        .post_json(
            "/api/auth/sign-up/email",
            &json!({"email": "a@b.co", "password": PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(missing["detail"][0]["loc"], json!(["body", "name"]));
    assert_eq!(missing["detail"][0]["type"], "missing");

    // Not JSON at all, broken JSON, and a body over 1 MiB.
    let url = app.url("/api/auth/sign-up/email");
    let form = app
        .client
        .post(&url)
        .body("name=Ada")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    let broken = app
        .client
        .post(&url)
        .body("{\"name\": ")
        .header(header::CONTENT_TYPE, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    let broken: Value = broken.json().await.unwrap();
    assert_eq!(broken["code"], "INVALID_JSON");
    let huge =
        json!({"name": "x".repeat(1024 * 1024 + 1), "email": "a@b.co", "password": PASSWORD});
    let huge = app.post_json("/api/auth/sign-up/email", &huge).await;
    assert_eq!(huge.status(), 413);
    let huge: Value = huge.json().await.unwrap();
    assert_eq!(huge["code"], "PAYLOAD_TOO_LARGE");

    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("credentials").await, 0);
    assert_eq!(app.count("sessions").await, 0);
}

#[tokio::test]
async fn an_email_can_only_be_registered_once_in_any_case() {
    let app = spawn_app().await;
    app.sign_up("Ada", "ada@example.com").await;
    let again = app
        .post_json(
            "/api/auth/sign-up/email",
            &json!({"name": "Imposter", "email": " ADA@example.com", "password": "another password"}),
        )
        .await;
    assert_eq!(again.status(), 422);
    let error: Value = again.json().await.unwrap();
    assert_eq!(error["code"], "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
    assert!(error["detail"].as_str().unwrap().contains("already exists"));
    assert_eq!(app.count("users").await, 1);
    // The original password still works; the imposter's does not.
    assert_eq!(
        sign_in(&app, "ada@example.com", PASSWORD).await.status(),
        200
    );
    assert_eq!(
        sign_in(&app, "ada@example.com", "another password")
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn sign_in_works_and_failures_are_indistinguishable() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;

    let ok = sign_in(&app, "ADA@example.com ", PASSWORD).await;
    assert_eq!(ok.status(), 200);
    assert!(session_cookie(&ok).is_some());
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["user"]["id"], ada.user_id.as_str());
    assert_eq!(
        verifier()
            .verify_now(body["token"].as_str().unwrap())
            .unwrap()
            .sub,
        ada.user_id
    );

    let wrong = sign_in(&app, "ada@example.com", "wrong password").await;
    let unknown = sign_in(&app, "nobody@example.com", "wrong password").await;
    for response in [&wrong, &unknown] {
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert!(set_cookie_header(response).is_none());
    }
    let (wrong, unknown): (Value, Value) =
        (wrong.json().await.unwrap(), unknown.json().await.unwrap());
    assert_eq!(wrong, unknown, "the two failures must look the same");
    assert_eq!(wrong["code"], "INVALID_EMAIL_OR_PASSWORD");
    assert_eq!(wrong["detail"], "invalid email or password");
}

/// How long one failed sign-in takes.
async fn failed_sign_in(app: &TestApp, email: &str) -> Duration {
    let start = Instant::now();
    assert_eq!(sign_in(app, email, "wrong password").await.status(), 401);
    start.elapsed()
}

#[tokio::test]
async fn an_unknown_email_costs_as_much_as_a_wrong_password() {
    let app = spawn_app().await;
    app.sign_up("Ada", "ada@example.com").await;
    // Pairs taken back to back (in alternating order), so a busy moment on the machine slows
    // both members alike; the median of the pairs' ratios shrugs off the odd outlier.
    const PAIRS: u32 = 41;
    let mut ratios = Vec::new();
    let mut wrong_total = Duration::ZERO;
    for i in 0..PAIRS {
        let (wrong, unknown) = if i % 2 == 0 {
            let wrong = failed_sign_in(&app, "ada@example.com").await;
            (wrong, failed_sign_in(&app, "nobody@example.com").await)
        } else {
            let unknown = failed_sign_in(&app, "nobody@example.com").await;
            (failed_sign_in(&app, "ada@example.com").await, unknown)
        };
        wrong_total += wrong;
        ratios.push(unknown.as_secs_f64() / wrong.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    let ratio = ratios[ratios.len() / 2];
    // Without the dummy hash an unknown email answers in well under a millisecond against tens
    // of milliseconds for a wrong password; with it, the two are within 20 %.
    assert!(
        (0.8..1.2).contains(&ratio),
        "unknown email ÷ wrong password: median {ratio:.2} (all: {ratios:.2?}); \
         a wrong password takes {:?} on average",
        wrong_total / PAIRS
    );
}

#[tokio::test]
async fn get_session_token_and_sign_out() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;

    assert_eq!(verifier().verify_now(&ada.token).unwrap().sub, ada.user_id);
    assert_eq!(ada.body["user"]["email"], "ada@example.com");

    // No cookie: null.
    let none = get_session(&app, None).await;
    assert_eq!(none.status(), 200);
    assert_eq!(none.json::<Value>().await.unwrap(), Value::Null);

    let session: Value = get_session(&app, Some(&ada.cookie))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(session["user"]["id"], ada.user_id.as_str());
    assert_eq!(session["session"]["userId"], ada.user_id.as_str());
    assert!(session["session"]["expiresAt"].is_string());
    assert!(
        session["session"].get("token").is_none(),
        "the token stays in the HttpOnly cookie"
    );

    let token = app
        .client
        .get(app.url("/api/auth/token"))
        .header(header::COOKIE, &ada.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
    let token: Value = token.json().await.unwrap();
    let claims = verifier()
        .verify_now(token["token"].as_str().unwrap())
        .unwrap();
    assert_eq!(claims.sub, ada.user_id);

    let no_cookie = app
        .client
        .get(app.url("/api/auth/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_cookie.status(), 401);
    assert_eq!(no_cookie.headers()[header::WWW_AUTHENTICATE], "Bearer");
    let body: Value = no_cookie.json().await.unwrap();
    assert_eq!(body["code"], "UNAUTHORIZED");

    let out = app
        .client
        .post(app.url("/api/auth/sign-out"))
        .header(header::COOKIE, &ada.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    assert!(set_cookie_header(&out).unwrap().contains("Max-Age=0"));
    assert_eq!(out.json::<Value>().await.unwrap(), json!({"success": true}));
    assert_eq!(
        app.count("sessions").await,
        0,
        "removed server-side at once"
    );

    // The old cookie opens nothing any more.
    let after = get_session(&app, Some(&ada.cookie)).await;
    assert_eq!(after.json::<Value>().await.unwrap(), Value::Null);
    let token_after = app
        .client
        .get(app.url("/api/auth/token"))
        .header(header::COOKIE, &ada.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(token_after.status(), 401);
}

async fn age_sessions(app: &TestApp, by: Duration) {
    let rows: Vec<(String, time::OffsetDateTime, time::OffsetDateTime)> =
        leptodo::with_pool!(&app.db, pool => sqlx::query_as(
            "SELECT id, expires_at, last_seen_at FROM sessions",
        )
        .fetch_all(pool)
        .await)
        .unwrap();
    for (id, expires, seen) in rows {
        leptodo::with_pool!(&app.db, pool => sqlx::query(
            "UPDATE sessions SET expires_at = $1, last_seen_at = $2 WHERE id = $3",
        )
        .bind(expires - by)
        .bind(seen - by)
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
        .unwrap();
    }
}

async fn expires_at(app: &TestApp) -> time::OffsetDateTime {
    let (at,): (time::OffsetDateTime,) = leptodo::with_pool!(&app.db, pool => sqlx::query_as(
        "SELECT expires_at FROM sessions",
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    at
}

#[tokio::test]
async fn sessions_slide_forward_at_most_once_a_day_and_expire() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let original = expires_at(&app).await;

    // Used an hour later: same expiry, no new cookie.
    age_sessions(&app, Duration::from_secs(3600)).await;
    let response = get_session(&app, Some(&ada.cookie)).await;
    assert!(set_cookie_header(&response).is_none());
    assert_eq!(expires_at(&app).await, original - Duration::from_secs(3600));

    // Used a day and more after: a full week again, and the cookie is re-sent.
    age_sessions(&app, Duration::from_secs(24 * 3600)).await;
    let response = get_session(&app, Some(&ada.cookie)).await;
    let cookie = set_cookie_header(&response).expect("a refreshed cookie");
    assert!(cookie.contains("Max-Age=604800"), "{cookie}");
    let slid = expires_at(&app).await;
    assert!(slid > original, "{slid} should be past {original}");

    // Unused for over a week: expired, signed out, the stale cookie cleared.
    age_sessions(&app, Duration::from_secs(8 * 24 * 3600)).await;
    let response = get_session(&app, Some(&ada.cookie)).await;
    assert!(set_cookie_header(&response).unwrap().contains("Max-Age=0"));
    assert_eq!(response.json::<Value>().await.unwrap(), Value::Null);
    assert_eq!(app.count("sessions").await, 0);
}

/// Regression: a task API call authenticated by the cookie slid the session forward in the
/// database but sent no refreshed cookie, so the browser's cookie could expire while its
/// session lived on. Every way a cookie is used now resends it when the session slides.
#[tokio::test]
async fn every_cookie_use_that_slides_the_session_resends_the_cookie() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let tasks = format!("/api/{}/tasks", ada.user_id);
    for path in [tasks.as_str(), "/api/auth/token", "/"] {
        age_sessions(&app, Duration::from_secs(24 * 3600 + 60)).await;
        let before = expires_at(&app).await;
        let response = app.get(path, Some(&ada.cookie)).await;
        assert_eq!(response.status(), 200, "{path}");
        let cookie = set_cookie_header(&response)
            .unwrap_or_else(|| panic!("{path}: the session slid but no cookie was sent"));
        assert!(cookie.contains("Max-Age=604800"), "{path}: {cookie}");
        assert!(
            expires_at(&app).await > before,
            "{path}: the session did not slide"
        );

        // Used again soon after: nothing to refresh, no cookie.
        let again = app.get(path, Some(&ada.cookie)).await;
        assert!(set_cookie_header(&again).is_none(), "{path}");
    }

    // A cookie of a session that has ended is cleared by the task API and the token route too.
    age_sessions(&app, Duration::from_secs(8 * 24 * 3600)).await;
    for path in [tasks.as_str(), "/api/auth/token"] {
        let response = app.get(path, Some(&ada.cookie)).await;
        assert_eq!(response.status(), 401, "{path}");
        let cookie = set_cookie_header(&response).unwrap_or_else(|| panic!("{path}: kept"));
        assert!(cookie.contains("Max-Age=0"), "{path}: {cookie}");
    }
}

#[tokio::test]
async fn https_deployments_get_secure_cookies() {
    let app = spawn_app_with(|s| s.auth.base_url = Some("https://todo.example.com".into())).await;
    let response = app
        .post_json(
            "/api/auth/sign-up/email",
            &json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD}),
        )
        .await;
    let cookie = set_cookie_header(&response).unwrap();
    assert!(
        cookie.starts_with("__Secure-better-auth.session_token="),
        "{cookie}"
    );
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn cross_origin_state_changes_are_refused() {
    let app =
        spawn_app_with(|s| s.auth.trusted_origins = vec!["https://app.example.com".into()]).await;
    let ada = app.sign_up("Ada", "ada@example.com").await;

    // A page on another site trying to sign Ada out with her cookie.
    let forged = app
        .client
        .post(app.url("/api/auth/sign-out"))
        .header(header::COOKIE, &ada.cookie)
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let error: Value = forged.json().await.unwrap();
    assert_eq!(error["code"], "INVALID_ORIGIN");
    assert_eq!(app.count("sessions").await, 1, "the session survived");

    // Same with only a Referer, or only Sec-Fetch-Site, and for sign-in (login CSRF).
    let referer = app
        .client
        .post(app.url("/api/auth/sign-out"))
        .header(header::COOKIE, &ada.cookie)
        .header(header::REFERER, "https://evil.example/page")
        .send()
        .await
        .unwrap();
    assert_eq!(referer.status(), 403);
    let fetch_site = app
        .client
        .post(app.url("/api/auth/sign-out"))
        .header(header::COOKIE, &ada.cookie)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(fetch_site.status(), 403);
    let login = app
        .client
        .post(app.url("/api/auth/sign-in/email"))
        .header(header::ORIGIN, "https://evil.example")
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403);
    assert_eq!(app.count("sessions").await, 1);

    // Our own origin and the trusted one are fine.
    let own_origin = app.address.clone();
    let own = app
        .client
        .post(app.url("/api/auth/sign-in/email"))
        .header(header::ORIGIN, own_origin)
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let trusted = app
        .client
        .post(app.url("/api/auth/sign-out"))
        .header(header::COOKIE, &ada.cookie)
        .header(header::ORIGIN, "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(trusted.status(), 200);
    assert_eq!(
        trusted.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://app.example.com"
    );
    assert_eq!(
        trusted.headers()[header::ACCESS_CONTROL_ALLOW_CREDENTIALS],
        "true"
    );
}

#[tokio::test]
async fn cors_preflight_answers_trusted_origins_only() {
    let app =
        spawn_app_with(|s| s.auth.trusted_origins = vec!["https://app.example.com".into()]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/auth/sign-in/email"))
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "content-type,authorization",
            )
            .send()
    };
    let trusted = preflight("https://app.example.com").await.unwrap();
    assert_eq!(
        trusted.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://app.example.com"
    );
    let untrusted = preflight("https://evil.example").await.unwrap();
    assert!(
        untrusted
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
}

#[tokio::test]
async fn credential_stuffing_across_accounts_is_throttled_per_ip_with_retry_after() {
    let app = spawn_app_with(|s| s.auth.rate_limit_ip = "3/60s".parse().unwrap()).await;
    // A leaked password tried on one account after another, from one address.
    for i in 0..3 {
        let email = format!("victim{i}@example.com");
        assert_eq!(sign_in(&app, &email, "leaked password").await.status(), 401);
    }
    let throttled = sign_in(&app, "victim3@example.com", "leaked password").await;
    assert_eq!(throttled.status(), 429);
    let retry: u64 = throttled.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After: {retry}");
    let error: Value = throttled.json().await.unwrap();
    assert_eq!(error["code"], "TOO_MANY_REQUESTS");
    // Even the right password waits: no guessing through the limit.
    app.sign_up("Ada", "ada@example.com").await;
    assert_eq!(
        sign_in(&app, "ada@example.com", PASSWORD).await.status(),
        429
    );
}

#[tokio::test]
async fn sign_up_is_throttled_per_ip() {
    let app = spawn_app_with(|s| s.auth.rate_limit_ip = "2/60s".parse().unwrap()).await;
    app.sign_up("A", "a@example.com").await;
    app.sign_up("B", "b@example.com").await;
    let third = app
        .post_json(
            "/api/auth/sign-up/email",
            &json!({"name": "C", "email": "c@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(third.status(), 429);
    assert!(third.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(app.count("users").await, 2);
}

#[tokio::test]
async fn brute_force_on_one_account_is_throttled_across_ips() {
    let app = spawn_app_with(|s| {
        s.auth.rate_limit_account = "3/60s".parse().unwrap();
        s.auth.trust_proxy_headers = true;
    })
    .await;
    app.sign_up("Ada", "ada@example.com").await;
    let attempt = |n: u8, email: &'static str| {
        app.client
            .post(app.url("/api/auth/sign-in/email"))
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .json(&json!({"email": email, "password": "guess"}))
            .send()
    };
    for n in 0..3 {
        assert_eq!(attempt(n, "ada@example.com").await.unwrap().status(), 401);
    }
    assert_eq!(attempt(9, "ADA@example.com").await.unwrap().status(), 429);
    // Other accounts are unaffected.
    assert_eq!(attempt(10, "bob@example.com").await.unwrap().status(), 401);
}
