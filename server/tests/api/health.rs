use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_reports_a_reachable_database() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["backend"], "sqlite");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn healthz_is_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.close().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["database"], "unreachable");
}

#[tokio::test]
async fn the_database_file_is_created_and_migrated_on_start() {
    let app = spawn_app().await;
    assert!(app.dir.path().join("leptodo.db").exists());
    let leptodo::Database::Sqlite(pool) = &app.db else {
        panic!("tests run on SQLite")
    };
    let applied: (i64,) = sqlx_count(pool).await;
    assert!(applied.0 >= 1, "no migration recorded");
}

async fn sqlx_count(pool: &sqlx::SqlitePool) -> (i64,) {
    sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
        .unwrap()
}
