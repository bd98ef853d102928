//! A small client for driving the task API hard, and the database checks the tests end with.

use std::{collections::HashSet, time::Duration};

use serde_json::{Value, json};

use crate::helpers::PASSWORD;

#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
}

#[derive(Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub token: String,
}

impl Api {
    pub fn new(base: String) -> Self {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        Self { base, client }
    }

    pub async fn sign_up(&self, email: &str) -> User {
        let response = self
            .client
            .post(format!("{}/api/auth/sign-up/email", self.base))
            .json(&json!({"name": "Load", "email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "sign-up of {email}");
        let body: Value = response.json().await.unwrap();
        User {
            id: body["user"]["id"].as_str().unwrap().to_string(),
            email: email.to_string(),
            token: body["token"].as_str().unwrap().to_string(),
        }
    }

    pub fn sign_in(&self, user: &User) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}/api/auth/sign-in/email", self.base))
            .json(&json!({"email": user.email, "password": PASSWORD}))
    }

    /// `/api/{user_id}/tasks`
    pub fn tasks(&self, user: &User) -> String {
        format!("{}/api/{}/tasks", self.base, user.id)
    }

    pub fn create(&self, user: &User, title: &str) -> reqwest::RequestBuilder {
        self.client
            .post(self.tasks(user))
            .bearer_auth(&user.token)
            .json(&json!({"title": title}))
    }

    /// Every task id the user has, read page by page through the API.
    pub async fn task_ids(&self, user: &User) -> HashSet<i64> {
        let mut ids = HashSet::new();
        loop {
            let page: Vec<Value> = self
                .client
                .get(format!(
                    "{}?limit=100&offset={}",
                    self.tasks(user),
                    ids.len()
                ))
                .bearer_auth(&user.token)
                .send()
                .await
                .unwrap()
                .error_for_status()
                .unwrap()
                .json()
                .await
                .unwrap();
            let n = page.len();
            ids.extend(page.iter().map(|task| task["id"].as_i64().unwrap()));
            if n < 100 {
                return ids;
            }
        }
    }
}

/// The id of a task a 201 response returned.
pub async fn created_id(response: reqwest::Response) -> i64 {
    let task: Value = response.json().await.unwrap();
    task["id"].as_i64().expect("a created task has an id")
}

/// Checks the stored tasks against the acknowledged ones: every acknowledged id is there, and
/// at most `in_flight` more (writes committed whose answer never arrived). Returns the extras.
pub fn assert_acknowledged_writes_kept(
    acknowledged: &HashSet<i64>,
    stored: &HashSet<i64>,
    in_flight: usize,
) -> usize {
    let missing: Vec<_> = acknowledged.difference(stored).collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged creates are gone: {missing:?}",
        missing.len(),
        acknowledged.len()
    );
    let extra = stored.len() - acknowledged.len();
    assert!(
        extra <= in_flight,
        "{extra} tasks nobody was told about (at most {in_flight} requests were in flight)"
    );
    extra
}

/// The database's own consistency check: SQLite's `integrity_check` and `foreign_key_check`;
/// on Postgres, amcheck's `bt_index_check` (with every heap tuple looked up) on every index.
pub async fn assert_database_intact(url: &str) {
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let verdict: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(verdict, [("ok".to_string(),)], "SQLite integrity_check");
        let dangling = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert!(dangling.is_empty(), "rows with dangling foreign keys");
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query("CREATE EXTENSION IF NOT EXISTS amcheck")
            .execute(&pool)
            .await
            .expect("amcheck (PostgreSQL contrib) must be available to check the indexes");
        let indexes: Vec<(String,)> = sqlx::query_as(
            "SELECT c.relname::text FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_am a ON a.oid = c.relam \
             WHERE n.nspname = current_schema() AND a.amname = 'btree'",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(
            indexes.len() >= 3,
            "expected the app's indexes: {indexes:?}"
        );
        for (index,) in &indexes {
            sqlx::query("SELECT bt_index_check($1::regclass, true)")
                .bind(index)
                .execute(&pool)
                .await
                .unwrap_or_else(|e| panic!("index {index} is corrupt: {e}"));
        }
        pool.close().await;
    }
}
