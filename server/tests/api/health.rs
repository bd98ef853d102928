use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_reports_a_reachable_database() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["backend"], app.db.backend().name());
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
async fn the_database_is_created_and_migrated_on_start() {
    let app = spawn_app().await;
    if app.db.backend() == leptodo::Backend::Sqlite {
        assert!(app.dir.path().join("leptodo.db").exists());
    }
    let (applied,): (i64,) = leptodo::with_pool!(&app.db, pool => sqlx::query_as(
        "SELECT COUNT(*) FROM _sqlx_migrations WHERE success",
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert!(applied >= 1, "no migration recorded");
}
