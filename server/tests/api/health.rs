use serde_json::Value;

use crate::helpers::{spawn_app, spawn_app_with};

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

#[tokio::test]
async fn a_busy_pool_is_not_an_outage() {
    // One pooled connection, held elsewhere: a request waits out the pool's timeout (503).
    let app = spawn_app_with(|s| s.database_max_connections = Some(1)).await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let (held_tx, held) = tokio::sync::oneshot::channel::<()>();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let db = app.db.clone();
    let holder = tokio::spawn(async move {
        leptodo::with_pool!(&db, pool => {
            let connection = pool.acquire().await.unwrap();
            held_tx.send(()).unwrap();
            let _ = released.await;
            drop(connection);
        })
    });
    held.await.unwrap();
    let tasks = app.url(&format!("/api/{}/tasks", ada.user_id));
    let list = || app.client.get(&tasks).bearer_auth(&ada.token).send();
    // A session lookup needs a pooled connection on both backends.
    let starved = app.get("/api/auth/get-session", Some(&ada.cookie)).await;
    assert_eq!(starved.status(), 503);
    // Task reads on a SQLite file do not use the pool (the direct readers, on the calling
    // thread), so they go on; on Postgres they wait for it like everything else.
    let listed = list().await.unwrap();
    match app.db.backend() {
        leptodo::db::Backend::Sqlite => assert_eq!(listed.status(), 200),
        leptodo::db::Backend::Postgres => assert_eq!(listed.status(), 503),
    }
    // The database itself is fine, so the instance does not declare an outage: what needs no
    // connection is still served (a flood from one client must not become 503s for everyone).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let spec = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(spec.status(), 200, "a busy pool was taken for an outage");
    release.send(()).unwrap();
    holder.await.unwrap();
    for _ in 0..3 {
        assert_eq!(list().await.unwrap().status(), 200);
        let session = app.get("/api/auth/get-session", Some(&ada.cookie)).await;
        assert_eq!(session.status(), 200);
    }
}
