use crate::helpers::spawn_app;

#[tokio::test]
async fn home_page_is_server_rendered_with_hydration_scripts() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = response.text().await.unwrap();
    assert!(html.contains("<h1>Leptodo</h1>"), "{html}");
    assert!(html.contains("Check the server"), "{html}");
    // The page loads the bundle and calls hydrate().
    assert!(html.contains("/pkg/leptodo.js"), "{html}");
    assert!(html.contains("/pkg/leptodo.css"), "{html}");
}

#[tokio::test]
async fn unknown_pages_are_404_with_a_way_back() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"), "{html}");
}
