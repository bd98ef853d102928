//! Postgres-only behaviour: several instances on one database, and outages. These need a
//! Postgres server (`LEPTODO_TEST_DATABASE_URL`) and Debian's PostgreSQL binaries, so they are
//! ignored in the SQLite run; scripts/test runs them in its Postgres stage (`--include-ignored`).

use std::time::{Duration, Instant};

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::{
    helpers::{PASSWORD, POSTGRES_ENV, create_postgres_database, spawn_app_with},
    process::{Cluster, serve},
};

fn postgres_admin_url() -> String {
    std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| {
            panic!("{POSTGRES_ENV} must name a Postgres server (scripts/test sets it)")
        })
}

async fn wait_for_status(client: &reqwest::Client, url: &str, want: u16, limit: Duration) {
    let start = Instant::now();
    loop {
        let status = client.get(url).send().await.map(|r| r.status().as_u16());
        if status.as_ref().is_ok_and(|s| *s == want) {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "{url} did not answer {want} within {limit:?}: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "needs Postgres: scripts/test runs it in its Postgres stage"]
async fn two_instances_share_tokens_sessions_and_tasks() {
    let url = create_postgres_database(&postgres_admin_url()).await;
    let dir = tempfile::tempdir().unwrap();
    let (_a, a) = serve(dir.path(), &url);
    let (_b, b) = serve(dir.path(), &url);
    let client = reqwest::Client::new();

    let signed = client
        .post(format!("{a}/api/auth/sign-up/email"))
        .json(&json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);
    let cookie = signed.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let signed: Value = signed.json().await.unwrap();
    let (token, user_id) = (
        signed["token"].as_str().unwrap(),
        signed["user"]["id"].as_str().unwrap(),
    );

    // A token issued by A works on B; a task created through A is listed by B.
    let created = client
        .post(format!("{a}/api/{user_id}/tasks"))
        .bearer_auth(token)
        .json(&json!({"title": "made on A"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let listed: Value = client
        .get(format!("{b}/api/{user_id}/tasks"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["title"], "made on A");

    // The session cookie from A is good on B, until a sign-out on A ends it everywhere.
    let session_on_b = |cookie: String| {
        let client = client.clone();
        let b = b.clone();
        async move {
            client
                .get(format!("{b}/api/auth/get-session"))
                .header(header::COOKIE, cookie)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(session_on_b(cookie.clone()).await["user"]["id"], user_id);
    let out = client
        .post(format!("{a}/api/auth/sign-out"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    assert_eq!(session_on_b(cookie).await, Value::Null);
    // Sign-in on B with the account made on A.
    let again = client
        .post(format!("{b}/api/auth/sign-in/email"))
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
}

#[tokio::test]
#[ignore = "needs Postgres: scripts/test runs it in its Postgres stage"]
async fn a_postgres_restart_gives_503s_then_recovers_by_itself() {
    let cluster = Cluster::start();
    let url = create_postgres_database(&cluster.url).await;
    let app = spawn_app_with(|s| s.database_url = url.clone()).await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let tasks = app.url(&format!("/api/{}/tasks", ada.user_id));
    let made = app
        .client
        .post(&tasks)
        .bearer_auth(&ada.token)
        .json(&json!({"title": "before"}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);

    cluster.control("pause");
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    for _ in 0..2 {
        let during = app
            .client
            .get(&tasks)
            .bearer_auth(&ada.token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            during.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "503, not 500, while the database is down"
        );
        assert!(during.headers().contains_key(header::RETRY_AFTER));
        let body: Value = during.json().await.unwrap();
        assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
        let write = app
            .client
            .post(&tasks)
            .bearer_auth(&ada.token)
            .json(&json!({"title": "lost?"}))
            .send()
            .await
            .unwrap();
        assert_eq!(write.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    cluster.control("resume");
    wait_for_status(
        &app.client,
        &app.url("/healthz"),
        200,
        Duration::from_secs(30),
    )
    .await;
    let after = app
        .client
        .get(&tasks)
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200);
    let titles: Vec<Value> = after
        .json::<Vec<Value>>()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t["title"].clone())
        .collect();
    assert_eq!(
        titles,
        [json!("before")],
        "the acknowledged write survived; the refused one was not made"
    );
    let made = app
        .client
        .post(&tasks)
        .bearer_auth(&ada.token)
        .json(&json!({"title": "after"}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
}

#[tokio::test]
#[ignore = "needs Postgres: scripts/test runs it in its Postgres stage"]
async fn the_server_starts_while_postgres_is_down_and_migrates_when_it_comes() {
    let cluster = Cluster::start();
    let url = create_postgres_database(&cluster.url).await;
    cluster.control("pause");
    let dir = tempfile::tempdir().unwrap();
    let (_server, base) = serve(dir.path(), &url);
    let client = reqwest::Client::new();
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 503);
    let sign_up = client
        .post(format!("{base}/api/auth/sign-up/email"))
        .json(&json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(sign_up.status(), 503);

    cluster.control("resume");
    wait_for_status(
        &client,
        &format!("{base}/healthz"),
        200,
        Duration::from_secs(45),
    )
    .await;
    let sign_up = client
        .post(format!("{base}/api/auth/sign-up/email"))
        .json(&json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(sign_up.status(), 200, "migrated and serving");
}

#[tokio::test]
async fn the_suite_runs_on_the_backend_it_was_asked_for() {
    let app = spawn_app_with(|_| {}).await;
    let expected = if std::env::var(POSTGRES_ENV).is_ok_and(|u| !u.trim().is_empty()) {
        leptodo::Backend::Postgres
    } else {
        leptodo::Backend::Sqlite
    };
    assert_eq!(app.db.backend(), expected);
    eprintln!("integration tests running on {}", expected.name());
}

#[tokio::test]
#[ignore = "needs Postgres: scripts/test runs it in its Postgres stage"]
async fn a_bad_value_is_not_mistaken_for_an_outage() {
    // Postgres refuses a NUL byte in text with SQLSTATE 22021, all digits like SQLite's busy
    // codes: it once tripped the outage gate, so any client could make an instance answer 503.
    let url = create_postgres_database(&postgres_admin_url()).await;
    let db = leptodo::Database::connect(&url, 1).await.unwrap();
    let err = leptodo::with_pool!(&db, pool => sqlx::query("SELECT $1::text")
        .bind("a\0b")
        .execute(pool)
        .await
        .map(|_| ()))
    .unwrap_err();
    let code = err
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned());
    assert_eq!(code.as_deref(), Some("22021"), "{err}");
    let err = leptodo::DatabaseError::from(err);
    assert!(!err.is_unavailable(), "{err} taken for an outage");
    db.close().await;
}

/// Two instances on one database, with the limits given as environment variables.
fn two_instances_with(
    dir: &std::path::Path,
    url: &str,
    limits: &[(&str, &str)],
) -> Vec<(crate::process::KillOnDrop, String)> {
    (0..2)
        .map(|_| {
            let mut cmd = crate::process::leptodo(dir);
            cmd.args(["serve", "--addr", "127.0.0.1:0"])
                .env("DATABASE_URL", url)
                .env("BETTER_AUTH_SECRET", crate::helpers::TEST_SECRET);
            for (key, value) in limits {
                cmd.env(key, value);
            }
            let (child, address) = crate::process::start(cmd);
            (child, format!("http://{address}"))
        })
        .collect()
}

#[tokio::test]
#[ignore = "needs Postgres: scripts/test runs it in its Postgres stage"]
async fn guesses_spread_over_two_instances_count_together() {
    let url = create_postgres_database(&postgres_admin_url()).await;
    let dir = tempfile::tempdir().unwrap();
    let servers = two_instances_with(
        dir.path(),
        &url,
        &[
            ("AUTH_RATE_LIMIT_IP", "6/60s"),
            ("AUTH_RATE_LIMIT_ACCOUNT", "off"),
        ],
    );
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for n in 0..8 {
        let base = &servers[n % 2].1;
        let response = client
            .post(format!("{base}/api/auth/sign-in/email"))
            .json(&json!({"email": "ada@example.com", "password": "a wrong guess"}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    // Six guesses in all, whichever instance got them; alone each would have allowed six.
    assert_eq!(statuses, [401, 401, 401, 401, 401, 401, 429, 429]);
}

#[tokio::test]
#[ignore = "needs Postgres: scripts/test runs it in its Postgres stage"]
async fn account_guards_and_task_quotas_are_shared_by_every_instance() {
    let url = create_postgres_database(&postgres_admin_url()).await;
    let dir = tempfile::tempdir().unwrap();
    let servers = two_instances_with(
        dir.path(),
        &url,
        &[
            ("AUTH_RATE_LIMIT_IP", "off"),
            ("AUTH_RATE_LIMIT_ACCOUNT", "3/5m"),
            ("TASK_WRITE_RATE_LIMIT", "4/60s"),
        ],
    );
    let (a, b) = (&servers[0].1, &servers[1].1);
    let client = reqwest::Client::new();
    let signed: Value = client
        .post(format!("{a}/api/auth/sign-up/email"))
        .json(&json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Wrong passwords from one client, alternating instances: after three, that client is
    // refused unchecked everywhere — even with the right password.
    for n in 0..3 {
        let base = if n % 2 == 0 { a } else { b };
        let wrong = client
            .post(format!("{base}/api/auth/sign-in/email"))
            .json(&json!({"email": "ada@example.com", "password": "a wrong guess"}))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);
    }
    let refused = client
        .post(format!("{b}/api/auth/sign-in/email"))
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    // Task writes: four in all, over both instances.
    let (id, token) = (
        signed["user"]["id"].as_str().unwrap(),
        signed["token"].as_str().unwrap(),
    );
    let mut statuses = Vec::new();
    for n in 0..6 {
        let base = if n % 2 == 0 { a } else { b };
        let response = client
            .post(format!("{base}/api/{id}/tasks"))
            .bearer_auth(token)
            .json(&json!({"title": format!("task {n}")}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [201, 201, 201, 201, 429, 429]);
}

#[tokio::test]
#[ignore = "needs Postgres: scripts/test runs it in its Postgres stage"]
async fn sign_in_finds_the_user_by_an_index() {
    let url = create_postgres_database(&postgres_admin_url()).await;
    let db = leptodo::Database::connect(&url, 1).await.unwrap();
    db.migrate().await.unwrap();
    let leptodo::Database::Postgres(pool) = &db else {
        unreachable!()
    };
    let mut conn = pool.acquire().await.unwrap();
    // With sequential scans priced out, a plan still scanning the table has no index to use.
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    let plan: Vec<(String,)> = sqlx::query_as(&format!(
        "EXPLAIN {}",
        leptodo::users::FIND_WITH_PASSWORD_HASH
    ))
    .bind("ada@example.com")
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let plan: Vec<String> = plan.into_iter().map(|(line,)| line).collect();
    // The email must be the index's condition: walking another index (the primary key) and
    // filtering every row by email is the same full scan in disguise (the old schema's plan).
    assert!(
        plan.iter()
            .any(|line| line.contains("Index Cond: (email = ")),
        "users are not looked up by an email index: {plan:#?}"
    );
}
