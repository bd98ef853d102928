//! Pattern B over real HTTP: Leptodo's own asymmetric keys (JWKS, rotation), shared-secret
//! rotation, and tokens from a real Better Auth server (npm `better-auth`, run with node).

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use jsonwebtoken::{EncodingKey, Header, decode_header, encode, get_current_timestamp};
use leptodo::tokens::{KeyAlgorithm, SigningKey, keyring::KeyRing};
use reqwest::header;
use serde_json::{Value, json};

use crate::{
    helpers::{TEST_SECRET, TestApp, spawn_app, spawn_app_with},
    process::{KillOnDrop, interop_script, pyjwt},
};

async fn get_with_token(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
}

async fn list_status(app: &TestApp, user_id: &str, token: &str) -> u16 {
    get_with_token(app, &format!("/api/{user_id}/tasks"), token)
        .await
        .status()
        .as_u16()
}

async fn jwks(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/api/auth/jwks"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "public, max-age=60"
    );
    response.json().await.unwrap()
}

fn kid(token: &str) -> String {
    decode_header(token).unwrap().kid.expect("a kid")
}

/// PyJWT's verdict, its claims parsed.
fn pyjwt_claims(args: &[&str]) -> Result<Value, String> {
    pyjwt(args).map(|out| serde_json::from_str(&out).unwrap())
}

#[tokio::test]
async fn with_a_shared_secret_the_key_set_is_empty() {
    let app = spawn_app().await;
    assert_eq!(jwks(&app).await, json!({"keys": []}));
}

#[tokio::test]
async fn asymmetric_tokens_verify_with_the_published_keys_in_pyjwt() {
    for algorithm in ["EdDSA", "ES256", "RS256"] {
        let app = spawn_app_with(|s| s.auth.jwt_algorithm = algorithm.parse().unwrap()).await;
        let ada = app.sign_up("Ada", "ada@example.com").await;
        let header = decode_header(&ada.token).unwrap();
        assert_eq!(format!("{:?}", header.alg), algorithm);

        // The key set validates as JWKS in PyJWT, names the token's key, holds no private part.
        let set = jwks(&app).await;
        let keys = set["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1, "{set}");
        assert_eq!(keys[0]["kid"], header.kid.clone().unwrap());
        assert_eq!(keys[0]["use"], "sig");
        assert_eq!(keys[0]["alg"], algorithm);
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(keys[0].get(private).is_none(), "{algorithm}: {set}");
        }
        let claims = pyjwt_claims(&["verify-jwks", &ada.token, &set.to_string()])
            .unwrap_or_else(|e| panic!("PyJWT refused our {algorithm} token: {e}"));
        assert_eq!(claims["sub"], ada.user_id.as_str());
        assert_eq!(claims["email"], "ada@example.com");

        // The API takes it, and the alias URL serves the same set.
        assert_eq!(list_status(&app, &ada.user_id, &ada.token).await, 200);
        let alias: Value = app
            .client
            .get(app.url("/.well-known/jwks.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(alias, set);
    }
}

#[tokio::test]
async fn a_rotated_key_keeps_its_tokens_valid_and_the_new_key_reaches_running_instances() {
    let first = spawn_app_with(|s| s.auth.jwt_algorithm = KeyAlgorithm::EdDSA.into()).await;
    let ada = first.sign_up("Ada", "ada@example.com").await;
    let old_kid = kid(&ada.token);

    // `leptodo-server rotate-key` does this.
    let new_kid = KeyRing::rotate(&first.db, KeyAlgorithm::EdDSA)
        .await
        .unwrap();
    assert_ne!(new_kid, old_kid);

    // An instance started now (same database) signs with the new key...
    let url = first.database_url.clone();
    let second = spawn_app_with(|s| {
        s.database_url = url;
        s.auth.jwt_algorithm = KeyAlgorithm::EdDSA.into();
    })
    .await;
    let token = second.sign_in_token("ada@example.com").await;
    assert_eq!(kid(&token), new_kid);
    // ...and both accept both tokens: the retired key verifies until its tokens expire, and
    // the instance that was already running learns the new key on first sight.
    for app in [&first, &second] {
        assert_eq!(list_status(app, &ada.user_id, &ada.token).await, 200);
        assert_eq!(list_status(app, &ada.user_id, &token).await, 200);
    }
    let kids: Vec<Value> = jwks(&first).await["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].clone())
        .collect();
    assert_eq!(kids, [json!(new_kid), json!(old_kid)]);

    // A token signed by a key nobody published, even under a published kid, is refused.
    let (stranger, _) = SigningKey::generate(KeyAlgorithm::EdDSA).unwrap();
    let now = get_current_timestamp();
    let claims = json!({"sub": ada.user_id, "iat": now, "exp": now + 600});
    let mut forged = stranger.header();
    forged.kid = Some(new_kid);
    let forged = encode(&forged, &claims, stranger.encoding()).unwrap();
    assert_eq!(list_status(&first, &ada.user_id, &forged).await, 401);
    let unknown = encode(&stranger.header(), &claims, stranger.encoding()).unwrap();
    assert_eq!(list_status(&first, &ada.user_id, &unknown).await, 401);
}

#[tokio::test]
async fn rotating_the_shared_secret_signs_nobody_out() {
    let before = spawn_app().await;
    let ada = before.sign_up("Ada", "ada@example.com").await;
    let new_secret = "the-next-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH";

    let url = before.database_url.clone();
    let after = spawn_app_with(|s| {
        s.database_url = url;
        s.auth.secret = Some(new_secret.to_string().into());
        s.auth.previous_secrets = vec![TEST_SECRET.to_string().into()];
    })
    .await;
    // The token signed with the old secret still works...
    assert_eq!(list_status(&after, &ada.user_id, &ada.token).await, 200);
    // ...new ones are signed with the new secret (PyJWT with the old secret refuses them)...
    let fresh = after.sign_in_token("ada@example.com").await;
    assert!(pyjwt(&["verify", &fresh, TEST_SECRET, "HS256"]).is_err());
    assert!(pyjwt(&["verify", &fresh, new_secret, "HS256"]).is_ok());
    assert_eq!(list_status(&after, &ada.user_id, &fresh).await, 200);
    // ...and a secret that was never ours is still refused.
    let now = get_current_timestamp();
    let stranger = encode(
        &Header::default(),
        &json!({"sub": ada.user_id, "iat": now, "exp": now + 600}),
        &EncodingKey::from_secret(b"never-our-secret-0123456789-abcdefghijklmnopqrstuvwxyz"),
    )
    .unwrap();
    assert_eq!(list_status(&after, &ada.user_id, &stranger).await, 401);

    // Once the old secret is dropped from the list, its tokens stop working.
    let url = before.database_url.clone();
    let later = spawn_app_with(|s| {
        s.database_url = url;
        s.auth.secret = Some(new_secret.to_string().into());
    })
    .await;
    assert_eq!(list_status(&later, &ada.user_id, &ada.token).await, 401);
    assert_eq!(list_status(&later, &ada.user_id, &fresh).await, 200);
}

/// A free loopback port (for a server started by another process).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real Better Auth (tests/interop/better-auth: email/password + its JWT plugin, keys in
/// memory, so every start has a new key).
struct BetterAuth {
    _process: KillOnDrop,
    base: String,
}

impl BetterAuth {
    fn start(port: u16) -> Self {
        let dir = interop_script("better-auth");
        assert!(
            dir.join("node_modules/better-auth").exists(),
            "the interop test needs Better Auth: run `scripts/bootstrap test` \
             (it runs `npm ci` in tests/interop/better-auth)"
        );
        let mut process = KillOnDrop(
            Command::new("node")
                .arg("server.mjs")
                .current_dir(&dir)
                .env("PORT", port.to_string())
                .env_remove("NODE_ENV")
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("node runs"),
        );
        let stdout = process.0.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("Better Auth should say it is listening");
        let base = line
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("unexpected first line from Better Auth: {line}"))
            .to_string();
        Self {
            _process: process,
            base,
        }
    }

    /// Signs a user up there and fetches a JWT for them: (user id, token).
    async fn user_with_token(&self, name: &str, email: &str) -> (String, String) {
        let client = reqwest::Client::new();
        let response = client
            .post(format!("{}/api/auth/sign-up/email", self.base))
            .header(header::ORIGIN, &self.base)
            .json(&json!({"name": name, "email": email, "password": "correct horse battery"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "Better Auth sign-up");
        let cookie = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("better-auth.session_token="))
            .and_then(|v| v.split(';').next())
            .expect("Better Auth sets its session cookie")
            .to_string();
        let body: Value = response.json().await.unwrap();
        let user_id = body["user"]["id"].as_str().unwrap().to_string();
        let token: Value = client
            .get(format!("{}/api/auth/token", self.base))
            .header(header::COOKIE, cookie)
            .header(header::ORIGIN, &self.base)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (user_id, token["token"].as_str().unwrap().to_string())
    }
}

#[tokio::test]
async fn tokens_from_a_real_better_auth_work_against_the_task_api() {
    let port = free_port();
    let issuer = BetterAuth::start(port);
    let (alice, token) = issuer.user_with_token("Alice", "alice@example.com").await;
    let header = decode_header(&token).unwrap();
    assert_eq!(format!("{:?}", header.alg), "EdDSA");

    let base = issuer.base.clone();
    let app = spawn_app_with(|s| {
        s.auth.jwt_jwks_url = Some(format!("{base}/api/auth/jwks"));
        s.auth.jwt_issuer = Some(base.clone());
        s.auth.jwt_audience = Some(base.clone());
        s.auth.jwt_jwks_refetch_interval = Duration::from_secs(1);
    })
    .await;

    // The right user: 200, and they can write (their user row is recorded on first sight).
    assert_eq!(list_status(&app, &alice, &token).await, 200);
    let created = app
        .client
        .post(app.url(&format!("/api/{alice}/tasks")))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .json(&json!({"title": "Interop with Better Auth"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let tasks: Value = get_with_token(&app, &format!("/api/{alice}/tasks"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tasks[0]["title"], "Interop with Better Auth");
    let user: (String,) = leptodo::with_pool!(&app.db, pool => sqlx::query_as(
        "SELECT email FROM users WHERE id = $1").bind(&alice).fetch_one(pool).await)
    .unwrap();
    // Better Auth has not verified the address: a placeholder is stored, not the claim.
    assert!(user.0.ends_with("@external.invalid"), "{}", user.0);

    // Another user's URL: 403. A tampered token: 401.
    assert_eq!(list_status(&app, "someone-else", &token).await, 403);
    let mut parts: Vec<&str> = token.split('.').collect();
    let tampered_payload = base64_url(
        &json!({"sub": "someone-else", "exp": get_current_timestamp() + 600, "iss": base, "aud": base}),
    );
    parts[1] = &tampered_payload;
    assert_eq!(
        list_status(&app, "someone-else", &parts.join(".")).await,
        401
    );

    // The issuer goes down briefly: the cached keys keep serving.
    drop(issuer);
    assert_eq!(list_status(&app, &alice, &token).await, 200);

    // It comes back with a new key (its keys live in memory). A token with the new key is
    // taken at once (unknown kid → refetch); once the new key set is known, tokens of the
    // old key, which the issuer no longer publishes, are refused.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let issuer = BetterAuth::start(port);
    let (carol, carol_token) = issuer.user_with_token("Carol", "carol@example.com").await;
    assert_ne!(kid(&carol_token), kid(&token));
    assert_eq!(list_status(&app, &carol, &carol_token).await, 200);
    assert_eq!(list_status(&app, &alice, &token).await, 401);
}

#[tokio::test]
async fn an_issuer_that_never_answered_gives_503_not_401() {
    let port = free_port();
    let app = spawn_app_with(|s| {
        s.auth.jwt_jwks_url = Some(format!("http://127.0.0.1:{port}/api/auth/jwks"));
        s.auth.jwt_jwks_refetch_interval = Duration::from_secs(1);
    })
    .await;
    let (stranger, _) = SigningKey::generate(KeyAlgorithm::EdDSA).unwrap();
    let now = get_current_timestamp();
    let token = encode(
        &stranger.header(),
        &json!({"sub": "u-1", "iat": now, "exp": now + 600}),
        stranger.encoding(),
    )
    .unwrap();
    let response = get_with_token(&app, "/api/u-1/tasks", &token).await;
    assert_eq!(response.status(), 503);
    // Leptodo's own tokens do not depend on the issuer.
    let ada = app.sign_up("Ada", "ada@example.com").await;
    assert_eq!(list_status(&app, &ada.user_id, &ada.token).await, 200);
}

fn base64_url(value: &Value) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    URL_SAFE_NO_PAD.encode(value.to_string())
}
