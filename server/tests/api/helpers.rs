use std::path::PathBuf;

use leptodo::Database;
use leptodo_server::{Application, Settings};
use reqwest::Method;
use serde_json::{Value, json};
use tempfile::TempDir;

/// The shared secret test servers sign with (64 bytes: enough for HS512 too).
pub const TEST_SECRET: &str = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMN";
pub const PASSWORD: &str = "correct horse battery staple";

/// A running server, its database and the folder both live in (removed on drop).
pub struct TestApp {
    pub address: String,
    pub db: Database,
    /// The `DATABASE_URL` it runs on (another instance may share it).
    pub database_url: String,
    pub client: reqwest::Client,
    pub dir: TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// `GET path`, with `cookie` (a `name=value` pair) when given.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        if let Some(cookie) = cookie {
            request = request.header(reqwest::header::COOKIE, cookie);
        }
        request.send().await.unwrap()
    }

    /// The body of `GET path`, signed out.
    pub async fn text(&self, path: &str) -> String {
        self.get(path, None).await.text().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Signs up a user; returns the response (expected 200).
    pub async fn sign_up(&self, name: &str, email: &str) -> SignedUp {
        let response = self
            .post_json(
                "/api/auth/sign-up/email",
                &json!({"name": name, "email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), 200, "sign-up of {email} failed");
        let cookie = session_cookie(&response).expect("sign-up sets the session cookie");
        let body: Value = response.json().await.unwrap();
        SignedUp {
            token: body["token"].as_str().unwrap().to_string(),
            user_id: body["user"]["id"].as_str().unwrap().to_string(),
            cookie,
            body,
        }
    }

    /// Signs a user in with the test password; returns the API token.
    pub async fn sign_in_token(&self, email: &str) -> String {
        let response = self
            .post_json(
                "/api/auth/sign-in/email",
                &json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), 200, "sign-in of {email} failed");
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    /// Rows in `table`, read straight from the database.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let (n,): (i64,) =
            leptodo::with_pool!(&self.db, pool => sqlx::query_as(&sql).fetch_one(pool).await)
                .unwrap();
        n
    }

    /// Drops the task tables (their index tables first), so that every task query fails
    /// inside the server: a database that no longer matches the code.
    pub async fn drop_task_tables(&self) {
        for table in ["task_words", "task_tags", "tasks"] {
            let sql = format!("DROP TABLE {table}");
            leptodo::with_pool!(&self.db, pool => sqlx::query(&sql).execute(pool).await.map(drop))
                .unwrap();
        }
    }

    /// A request with `user`'s Bearer token.
    pub fn as_user(&self, user: &SignedUp, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(&user.token)
    }

    pub async fn create_task(&self, user: &SignedUp, title: &str) -> Value {
        let response = self
            .as_user(user, Method::POST, &format!("/api/{}/tasks", user.user_id))
            .json(&json!({"title": title}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    /// `user`'s tasks as stored, oldest first, read straight from the database.
    pub async fn stored_tasks(&self, user: &SignedUp) -> Vec<(i64, String, Option<String>, bool)> {
        leptodo::with_pool!(&self.db, pool => sqlx::query_as(
            "SELECT id, title, description, completed FROM tasks WHERE user_id = $1 ORDER BY id",
        )
        .bind(&user.user_id)
        .fetch_all(pool)
        .await)
        .unwrap()
    }
}

/// A user created by [`TestApp::sign_up`].
pub struct SignedUp {
    pub token: String,
    pub user_id: String,
    /// `name=value` of the session cookie, ready for a `Cookie` header.
    pub cookie: String,
    pub body: Value,
}

/// The `Set-Cookie` header for the session cookie, whole.
pub fn set_cookie_header(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("better-auth.session_token="))
        .map(str::to_string)
}

/// `name=value` of the session cookie a response sets (None when it clears it).
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    let header = set_cookie_header(response)?;
    let pair = header.split(';').next()?.trim().to_string();
    (!pair.ends_with('=')).then_some(pair)
}

/// The environment variable that switches the suite to Postgres: the URL of a server the tests
/// may create databases on (scripts/test sets it for its Postgres stage).
pub const POSTGRES_ENV: &str = "LEPTODO_TEST_DATABASE_URL";

/// A fresh, empty database for one test: a SQLite file in `dir`, or a new database on the
/// Postgres server named by [`POSTGRES_ENV`].
pub async fn fresh_database_url(dir: &TempDir) -> String {
    match std::env::var(POSTGRES_ENV) {
        Ok(admin) if !admin.trim().is_empty() => create_postgres_database(admin.trim()).await,
        _ => format!("sqlite://{}", dir.path().join("leptodo.db").display()),
    }
}

/// Creates a database with a unique name on the server `admin` points to; returns its URL.
pub async fn create_postgres_database(admin: &str) -> String {
    let name = format!(
        "leptodo_test_{}",
        leptodo::random::random_id()
            .to_lowercase()
            .replace('-', "_")
    );
    let pool = sqlx::PgPool::connect(admin)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={admin} is not reachable: {e}"));
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (base, query) = admin
        .split_once('?')
        .map_or((admin, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

pub fn test_settings(dir: &TempDir, database_url: String) -> Settings {
    Settings::for_tests(dir.path(), &database_url, TEST_SECRET)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A server whose settings `customise` has adjusted first.
pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(&dir, fresh_database_url(&dir).await);
    customise(&mut settings);
    let app = Application::build(&settings).await.expect("the app builds");
    let address = format!("http://{}", app.local_addr());
    let db = app.database().clone();
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        address,
        db,
        database_url: settings.database_url,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        dir,
    }
}

/// The server binary cargo built for these tests.
pub fn server_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_leptodo-server"))
}
