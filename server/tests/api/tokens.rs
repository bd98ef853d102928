//! API tokens at the HTTP boundary: a table of hostile tokens (each a 401), issuer/audience
//! enforcement, and interop with PyJWT — the FastAPI backend's library — both ways.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::{
    helpers::{SignedUp, TEST_SECRET, TestApp, spawn_app, spawn_app_with},
    process::pyjwt,
};

fn mint(claims: &Value, algorithm: Algorithm, secret: &str) -> String {
    encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn claims_for(user: &SignedUp) -> Value {
    let now = get_current_timestamp();
    json!({"sub": user.user_id, "email": "ada@example.com", "iat": now, "exp": now + 600})
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

async fn list_status(app: &TestApp, owner: &SignedUp, token: &str) -> u16 {
    let response = app
        .client
        .get(app.url(&format!("/api/{}/tasks", owner.user_id)))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status == 401 {
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "UNAUTHORIZED", "401s carry a JSON body");
    }
    status
}

#[tokio::test]
async fn hostile_tokens_are_all_refused() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let bob = app.sign_up("Bob", "bob@example.com").await;
    let now = get_current_timestamp();
    let good = claims_for(&ada);
    assert_eq!(
        list_status(&app, &ada, &mint(&good, Algorithm::HS256, TEST_SECRET)).await,
        200
    );

    // Leeway is 30 s: a token 10 s past `exp` still passes, one 2 minutes past does not.
    let just_expired = with(good.clone(), "exp", json!(now - 10));
    assert_eq!(
        list_status(
            &app,
            &ada,
            &mint(&just_expired, Algorithm::HS256, TEST_SECRET)
        )
        .await,
        200
    );

    let alg_none = format!(
        "{}.{}.",
        B64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        B64.encode(good.to_string())
    );
    let genuine = mint(&claims_for(&bob), Algorithm::HS256, TEST_SECRET);
    let signature = genuine.rsplit('.').next().unwrap();
    let header_part = genuine.split('.').next().unwrap();
    let swapped = format!("{header_part}.{}.{signature}", B64.encode(good.to_string()));
    let padding = "x".repeat(64 * 1024);
    let oversized = mint(
        &with(good.clone(), "pad", json!(padding)),
        Algorithm::HS256,
        TEST_SECRET,
    );

    let hostile: Vec<(&str, String)> = vec![
        (
            "wrong secret",
            mint(
                &good,
                Algorithm::HS256,
                "another-secret-of-plenty-length-0123456789abcdefghijklmnopqrstuvwx",
            ),
        ),
        (
            "expired",
            mint(
                &with(good.clone(), "exp", json!(now - 120)),
                Algorithm::HS256,
                TEST_SECRET,
            ),
        ),
        (
            "nbf in the future",
            mint(
                &with(good.clone(), "nbf", json!(now + 3600)),
                Algorithm::HS256,
                TEST_SECRET,
            ),
        ),
        (
            "no exp",
            mint(&without(good.clone(), "exp"), Algorithm::HS256, TEST_SECRET),
        ),
        (
            "no sub",
            mint(&without(good.clone(), "sub"), Algorithm::HS256, TEST_SECRET),
        ),
        (
            "empty sub",
            mint(
                &with(good.clone(), "sub", json!("")),
                Algorithm::HS256,
                TEST_SECRET,
            ),
        ),
        (
            "numeric sub",
            mint(
                &with(good.clone(), "sub", json!(1)),
                Algorithm::HS256,
                TEST_SECRET,
            ),
        ),
        ("alg none", alg_none),
        (
            "HS512 when HS256 is configured",
            mint(&good, Algorithm::HS512, TEST_SECRET),
        ),
        (
            "HS384 when HS256 is configured",
            mint(&good, Algorithm::HS384, TEST_SECRET),
        ),
        ("payload swapped under another signature", swapped),
        ("64 KiB token", oversized),
        ("not a JWT", "garbage".into()),
        ("two parts", "abc.def".into()),
    ];
    for (name, token) in &hostile {
        assert_eq!(
            list_status(&app, &ada, token).await,
            401,
            "{name} was accepted"
        );
    }
    // A valid token for Bob on Ada's URL is a 403, not a 401.
    assert_eq!(list_status(&app, &ada, &genuine).await, 403);
}

#[tokio::test]
async fn issuer_and_audience_are_set_and_required_when_configured() {
    let app = spawn_app_with(|s| {
        s.auth.jwt_issuer = Some("https://todo.example.com".into());
        s.auth.jwt_audience = Some("https://api.todo.example.com".into());
    })
    .await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    // Our own tokens carry them...
    let payload: Value =
        serde_json::from_slice(&B64.decode(ada.token.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert_eq!(payload["iss"], "https://todo.example.com");
    assert_eq!(payload["aud"], "https://api.todo.example.com");
    assert_eq!(list_status(&app, &ada, &ada.token).await, 200);

    // ...and others must too.
    let base = with(
        with(claims_for(&ada), "iss", json!("https://todo.example.com")),
        "aud",
        json!(["https://api.todo.example.com"]),
    );
    assert_eq!(
        list_status(&app, &ada, &mint(&base, Algorithm::HS256, TEST_SECRET)).await,
        200,
        "aud as a list"
    );
    for (name, claims) in [
        ("no iss", without(base.clone(), "iss")),
        (
            "wrong iss",
            with(base.clone(), "iss", json!("https://evil.example")),
        ),
        ("no aud", without(base.clone(), "aud")),
        (
            "wrong aud",
            with(base.clone(), "aud", json!("https://other.example")),
        ),
    ] {
        assert_eq!(
            list_status(&app, &ada, &mint(&claims, Algorithm::HS256, TEST_SECRET)).await,
            401,
            "{name}"
        );
    }
}

#[tokio::test]
async fn pyjwt_verifies_our_tokens_and_we_accept_its_tokens() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;

    // Ours, verified the way the FastAPI backend does it.
    let claims: Value =
        serde_json::from_str(&pyjwt(&["verify", &ada.token, TEST_SECRET, "HS256"]).unwrap())
            .unwrap();
    assert_eq!(claims["sub"], ada.user_id.as_str());
    assert_eq!(claims["email"], "ada@example.com");
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        7 * 24 * 3600
    );
    // With the wrong secret PyJWT refuses it too: the check is real.
    let refused = pyjwt(&[
        "verify",
        &ada.token,
        "a-different-secret-that-is-long-enough-000000",
        "HS256",
    ]);
    assert!(refused.unwrap_err().contains("InvalidSignatureError"));

    // Minted by PyJWT with the shared secret: accepted by our task API.
    let minted = pyjwt(&["mint", TEST_SECRET, "HS256", &claims_for(&ada).to_string()]).unwrap();
    assert_eq!(list_status(&app, &ada, &minted).await, 200);
    let created = app
        .client
        .request(
            Method::POST,
            app.url(&format!("/api/{}/tasks", ada.user_id)),
        )
        .bearer_auth(&minted)
        .json(&json!({"title": "from a PyJWT token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    // PyJWT with another secret, or another algorithm: refused.
    let forged = pyjwt(&[
        "mint",
        "a-different-secret-that-is-long-enough-000000",
        "HS256",
        &claims_for(&ada).to_string(),
    ])
    .unwrap();
    assert_eq!(list_status(&app, &ada, &forged).await, 401);
    let other_alg = pyjwt(&["mint", TEST_SECRET, "HS512", &claims_for(&ada).to_string()]).unwrap();
    assert_eq!(list_status(&app, &ada, &other_alg).await, 401);
}

#[tokio::test]
async fn pyjwt_interop_with_hs512_issuer_and_audience() {
    let app = spawn_app_with(|s| {
        s.auth.jwt_algorithm = leptodo::tokens::SharedSecretAlgorithm::HS512.into();
        s.auth.jwt_issuer = Some("https://todo.example.com".into());
        s.auth.jwt_audience = Some("https://api.todo.example.com".into());
    })
    .await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let verified = pyjwt(&[
        "verify",
        &ada.token,
        TEST_SECRET,
        "HS512",
        "https://todo.example.com",
        "https://api.todo.example.com",
    ]);
    assert!(verified.is_ok(), "{verified:?}");
    let claims = with(
        with(claims_for(&ada), "iss", json!("https://todo.example.com")),
        "aud",
        json!("https://api.todo.example.com"),
    );
    let minted = pyjwt(&["mint", TEST_SECRET, "HS512", &claims.to_string()]).unwrap();
    assert_eq!(list_status(&app, &ada, &minted).await, 200);
}
