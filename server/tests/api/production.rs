//! Holding up in production: connection timeouts and caps, the request deadline, per-user
//! quotas, private caching, cookie tossing, metrics. On whichever backend the suite runs.

use std::time::{Duration, Instant};

use reqwest::{Method, header};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::{SignedUp, TestApp, spawn_app_with};

fn host(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection (`true`) or `limit` passes (`false`).
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn slow_request_heads_are_closed_while_others_are_served() {
    let app = spawn_app_with(|s| s.serving.header_timeout = Duration::from_secs(1)).await;
    let mut slow = Vec::new();
    for _ in 0..100 {
        let mut stream = TcpStream::connect(host(&app)).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(stream);
    }
    // Meanwhile a normal request is answered.
    let ok = app.get("/healthz", None).await;
    assert_eq!(ok.status(), 200);
    let started = Instant::now();
    for stream in &mut slow {
        assert!(
            closed_within(stream, Duration::from_secs(5)).await,
            "a half-sent head was still open {:?} later",
            started.elapsed()
        );
    }
    // A connection that sends nothing at all is closed as well.
    let mut silent = TcpStream::connect(host(&app)).await.unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(5)).await);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = spawn_app_with(|s| s.serving.header_timeout = Duration::from_secs(1)).await;
    let mut stream = TcpStream::connect(host(&app)).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // Kept alive after the answer, then closed once idle past the timeout.
    let started = Instant::now();
    assert!(closed_within(&mut stream, Duration::from_secs(5)).await);
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn connections_past_the_cap_wait_for_a_free_slot() {
    let app = spawn_app_with(|s| {
        s.serving.max_connections = Some(2);
        s.serving.header_timeout = Duration::from_secs(2);
    })
    .await;
    let _a = TcpStream::connect(host(&app)).await.unwrap();
    let _b = TcpStream::connect(host(&app)).await.unwrap();
    // Give the server the moment it needs to take both.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let client = reqwest::Client::new();
    let answer = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    // Served only once the silent two were closed by the header timeout.
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "answered after {:?}: the cap did not hold",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_body_that_never_arrives_is_a_json_408() {
    let app = spawn_app_with(|s| s.serving.body_timeout = Duration::from_secs(1)).await;
    let user = app.sign_up("Ada", "ada@example.com").await;
    let mut stream = TcpStream::connect(host(&app)).await.unwrap();
    let head = format!(
        "POST /api/{}/tasks HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\":",
        user.user_id,
        host(&app),
        user.token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"REQUEST_TIMEOUT\""), "{answer}");
    assert!(app.stored_tasks(&user).await.is_empty());
}

/// Holds the lock a task create needs, from outside the server, until dropped.
pub(crate) async fn block_writes(app: &TestApp, user: &SignedUp) -> Box<dyn std::any::Any> {
    use sqlx::Connection;
    if app.database_url.starts_with("sqlite") {
        let mut conn = sqlx::SqliteConnection::connect(&app.database_url)
            .await
            .unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut conn)
            .await
            .unwrap();
        Box::new(conn)
    } else {
        let mut conn = sqlx::PgConnection::connect(&app.database_url)
            .await
            .unwrap();
        sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(&user.user_id)
            .execute(&mut conn)
            .await
            .unwrap();
        Box::new(conn)
    }
}

#[tokio::test]
async fn a_request_past_its_deadline_is_a_json_503() {
    let app = spawn_app_with(|s| s.serving.request_timeout = Duration::from_secs(1)).await;
    let user = app.sign_up("Ada", "ada@example.com").await;
    let lock = block_writes(&app, &user).await;
    let started = Instant::now();
    let response = app
        .as_user(&user, Method::POST, &format!("/api/{}/tasks", user.user_id))
        .json(&json!({"title": "stuck"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "TIMEOUT");
    drop(lock);
    // Reads never waited on the lock, and the server carries on.
    let list = app
        .as_user(&user, Method::GET, &format!("/api/{}/tasks", user.user_id))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
}

#[tokio::test]
async fn an_account_keeps_at_most_max_tasks_per_user() {
    let app = spawn_app_with(|s| s.limits.max_tasks_per_user = 5).await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let bob = app.sign_up("Bob", "bob@example.com").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(app.create_task(&ada, &format!("task {n}")).await["id"].clone());
    }
    let path = format!("/api/{}/tasks", ada.user_id);
    let refused = app
        .as_user(&ada, Method::POST, &path)
        .json(&json!({"title": "one too many"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "TASK_LIMIT_REACHED");
    assert!(
        body["message"].as_str().unwrap().contains("5 tasks"),
        "{body}"
    );
    assert_eq!(app.stored_tasks(&ada).await.len(), 5, "nothing was written");
    // Another account has its own quota; deleting makes room again.
    app.create_task(&bob, "bob's").await;
    let deleted = app
        .as_user(&ada, Method::DELETE, &format!("{path}/{}", ids[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    app.create_task(&ada, "fits again").await;
    // The page's form (its server function, without JavaScript) is held to the same limit.
    let html = app
        .client
        .get(app.url("/"))
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, &ada.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = app
        .client
        .post(app.url(&crate::pages::form_action(&html, "add_task")))
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, &ada.cookie)
        .form(&[("title", "from the page"), ("description", "")])
        .send()
        .await
        .unwrap();
    assert!(form.status().is_redirection(), "{}", form.status());
    let back = form.headers()[header::LOCATION].to_str().unwrap();
    assert!(back.contains("error=TASK_LIMIT_REACHED"), "{back}");
    assert_eq!(app.stored_tasks(&ada).await.len(), 5);
}

#[tokio::test]
async fn repeating_tasks_go_at_most_a_headroom_past_the_limit() {
    let app = spawn_app_with(|s| s.limits.max_tasks_per_user = 1).await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let path = format!("/api/{}/tasks", ada.user_id);
    let created = app
        .as_user(&ada, Method::POST, &path)
        .json(&json!({"title": "water", "due_date": "2026-12-01", "recurrence": "daily"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let mut id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    // Completing near the limit still repeats (and never fails) ...
    for _ in 0..105 {
        let done = app
            .as_user(&ada, Method::PATCH, &format!("{path}/{id}/complete"))
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 200);
        let newest = app
            .as_user(&ada, Method::GET, &format!("{path}?completed=false"))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        match newest.as_array().and_then(|open| open.first()) {
            Some(next) => id = next["id"].as_i64().unwrap(),
            None => break,
        }
    }
    // ... but completing does not grow the account past the limit plus the headroom of 100.
    assert_eq!(app.stored_tasks(&ada).await.len(), 101);
}

#[tokio::test]
async fn task_writes_past_the_rate_limit_are_429s_with_retry_after() {
    let app = spawn_app_with(|s| {
        s.limits.task_write_rate_limit = "5/10s".parse().unwrap();
    })
    .await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let bob = app.sign_up("Bob", "bob@example.com").await;
    let path = format!("/api/{}/tasks", ada.user_id);
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for n in 0..10 {
        let response = app
            .as_user(&ada, Method::POST, &path)
            .json(&json!({"title": format!("burst {n}")}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            retry_after = response.headers().get(header::RETRY_AFTER).cloned();
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["code"], "TOO_MANY_REQUESTS");
        }
    }
    assert_eq!(statuses, [201, 201, 201, 201, 201, 429, 429, 429, 429, 429]);
    let wait: u64 = retry_after.unwrap().to_str().unwrap().parse().unwrap();
    assert!(
        (1..=2).contains(&wait),
        "one write comes back every 2 s: {wait}"
    );
    assert_eq!(app.stored_tasks(&ada).await.len(), 5);
    // Reads are not writes, and other accounts have their own allowance.
    let list = app.as_user(&ada, Method::GET, &path).send().await.unwrap();
    assert_eq!(list.status(), 200);
    app.create_task(&bob, "unaffected").await;
}

#[tokio::test]
async fn data_is_never_cacheable_and_assets_keep_their_caching() {
    let app = spawn_app_with(|_| {}).await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    app.create_task(&ada, "private").await;
    let no_store = |response: &reqwest::Response| {
        response
            .headers()
            .get(header::CACHE_CONTROL)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let tasks = app
        .as_user(&ada, Method::GET, &format!("/api/{}/tasks", ada.user_id))
        .send()
        .await
        .unwrap();
    assert_eq!(no_store(&tasks).as_deref(), Some("no-store"));
    let dashboard = app.get("/", Some(&ada.cookie)).await;
    assert_eq!(dashboard.status(), 200);
    assert_eq!(no_store(&dashboard).as_deref(), Some("no-store"));
    let session = app.get("/api/auth/get-session", Some(&ada.cookie)).await;
    assert_eq!(no_store(&session).as_deref(), Some("no-store"));
    let signed_out = app.get("/sign-in", None).await;
    assert_eq!(no_store(&signed_out).as_deref(), Some("no-store"));
    // An unknown API path is JSON (and private too).
    let unknown = app.get("/api/nowhere", None).await;
    assert_eq!(unknown.status(), 404);
    assert!(
        unknown.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

#[tokio::test]
async fn a_planted_second_session_cookie_signs_the_request_out() {
    let app = spawn_app_with(|_| {}).await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let mallory = app.sign_up("Mallory", "mallory@example.com").await;
    let value = |cookie: &str| cookie.split_once('=').unwrap().1.to_string();
    // The planted (Mallory's) cookie first, as a parent-domain cookie would come.
    let both = format!(
        "better-auth.session_token={}; better-auth.session_token={}",
        value(&mallory.cookie),
        value(&ada.cookie)
    );
    let session = app.get("/api/auth/get-session", Some(&both)).await;
    assert_eq!(session.status(), 200);
    assert_eq!(
        session.headers()["clear-site-data"].to_str().unwrap(),
        "\"cookies\""
    );
    let cleared = crate::helpers::set_cookie_header(&session).expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let body: Value = session.json().await.unwrap();
    assert_eq!(body, Value::Null, "taken for neither account");
    // Neither the dashboard nor the task API take it.
    let page = app
        .client
        .get(app.url("/"))
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, &both)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 302, "sent to sign in");
    assert_eq!(page.headers()[header::LOCATION], "/sign-in");
    let tasks = app
        .get(&format!("/api/{}/tasks", mallory.user_id), Some(&both))
        .await;
    assert_eq!(tasks.status(), 401);
    // One cookie alone still works.
    let alone = app.get("/api/auth/get-session", Some(&ada.cookie)).await;
    let body: Value = alone.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com");
    // Signing out with both ends both sessions: none is left behind.
    let out = app
        .client
        .post(app.url("/api/auth/sign-out"))
        .header(header::COOKIE, &both)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    for cookie in [&ada.cookie, &mallory.cookie] {
        let after = app.get("/api/auth/get-session", Some(cookie)).await;
        assert_eq!(after.json::<Value>().await.unwrap(), Value::Null);
    }
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings =
        crate::helpers::test_settings(&dir, crate::helpers::fresh_database_url(&dir).await);
    settings.serving.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    let app = leptodo_server::Application::build(&settings).await.unwrap();
    let metrics = app.metrics_addr().expect("metrics are on");
    let address = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::new();
    let signed = client
        .post(format!("{address}/api/auth/sign-up/email"))
        .json(&json!({"name": "Ada", "email": "ada@example.com", "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    let body: Value = signed.json().await.unwrap();
    let (id, token) = (
        body["user"]["id"].as_str().unwrap(),
        body["token"].as_str().unwrap(),
    );
    for _ in 0..3 {
        let listed = client
            .get(format!("{address}/api/{id}/tasks"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.status(), 200);
    }
    // An invented method is one `other` label, not a series of its own.
    let odd = reqwest::Method::from_bytes(b"FROBNICATE").unwrap();
    let odd = client
        .request(odd, format!("{address}/api/nowhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(odd.status(), 404);
    let public = client
        .get(format!("{address}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404, "never on the public port");
    let scraped = client
        .get(format!("http://{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(
        scraped.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = scraped.text().await.unwrap();
    let bucket = text
        .lines()
        .find(|line| {
            line.starts_with("leptodo_http_request_duration_seconds_bucket")
                && line.contains("route=\"/api/{user_id}/tasks\"")
                && line.contains("method=\"GET\"")
                && line.contains("status=\"200\"")
                && line.contains("le=\"+Inf\"")
        })
        .unwrap_or_else(|| panic!("no per-route histogram in:\n{text}"));
    assert!(bucket.ends_with(" 3"), "{bucket}");
    assert!(!text.contains("FROBNICATE"), "{text}");
    assert!(text.contains("method=\"other\""), "{text}");
    for series in [
        "leptodo_http_requests_total",
        "leptodo_db_pool_connections",
        "leptodo_db_pool_max_connections",
        "leptodo_http_connections_open",
    ] {
        assert!(text.contains(series), "{series} missing in:\n{text}");
    }
    if settings.database_url.starts_with("sqlite") {
        assert!(
            text.contains("leptodo_sqlite_write_batch_size_bucket"),
            "{text}"
        );
        assert!(text.contains("leptodo_sqlite_writes_queued"), "{text}");
    }
}

/// A small filesystem of the test's own (tmpfs with a size limit), unmounted on drop.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(dir: &std::path::Path) -> Option<Self> {
        let point = dir.join("disk");
        std::fs::create_dir_all(&point).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
            .arg(&point)
            .output()
            .ok()?;
        mounted.status.success().then_some(Self(point))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test]
async fn a_full_disk_refuses_writes_clearly_keeps_reads_and_loses_nothing() {
    let outer = tempfile::tempdir().unwrap();
    let Some(disk) = SmallDisk::mount(outer.path()) else {
        eprintln!("SKIPPED: this machine does not let the test mount a tmpfs (needs root)");
        return;
    };
    let url = format!("sqlite://{}", disk.0.join("leptodo.db").display());
    let app = spawn_app_with(|s| s.database_url = url.clone()).await;
    let user = app.sign_up("Ada", "ada@example.com").await;
    let path = format!("/api/{}/tasks", user.user_id);
    // Fill the disk.
    let filler = disk.0.join("filler");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.sync_all();
    }
    let mut acknowledged = Vec::new();
    let mut refusal = None;
    for n in 0..2000 {
        let response = app
            .as_user(&user, Method::POST, &path)
            .json(&json!({"title": format!("task {n} {}", "x".repeat(150)), "description": "d".repeat(900)}))
            .send()
            .await
            .unwrap();
        match response.status().as_u16() {
            201 => acknowledged.push(response.json::<Value>().await.unwrap()["id"].clone()),
            status => {
                refusal = Some((status, response.json::<Value>().await.unwrap()));
                break;
            }
        }
    }
    let (status, body) = refusal.expect("the full disk refused a write");
    assert_eq!(
        (status, body["code"].as_str()),
        (507, Some("STORAGE_FULL")),
        "{body}"
    );
    // Refused again, not taken for an outage; reads keep working.
    let again = app
        .as_user(&user, Method::POST, &path)
        .json(&json!({"title": "still full"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 507);
    let listed = app
        .as_user(&user, Method::GET, &format!("{path}?limit=100"))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    // Room again: writes work without a restart, and every acknowledged task is there.
    std::fs::remove_file(&filler).unwrap();
    app.create_task(&user, "after the disk had room").await;
    let stored: Vec<i64> = app.stored_tasks(&user).await.iter().map(|t| t.0).collect();
    for id in &acknowledged {
        assert!(stored.contains(&id.as_i64().unwrap()), "task {id} was lost");
    }
    assert_eq!(stored.len(), acknowledged.len() + 1);
}
