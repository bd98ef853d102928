use crate::helpers::spawn_app;

#[tokio::test]
async fn pages_are_server_rendered_with_hydration_scripts() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/status")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = response.text().await.unwrap();
    assert!(html.contains("<h1>Server status</h1>"), "{html}");
    assert!(html.contains("Check the server"), "{html}");
    // The page loads the bundle and calls hydrate().
    assert!(html.contains("/pkg/leptodo.js"), "{html}");
    assert!(html.contains("/pkg/leptodo.css"), "{html}");
}

#[tokio::test]
async fn the_dashboard_sends_signed_out_visitors_to_sign_in_and_back() {
    let app = spawn_app().await;
    // As a browser navigates: the redirect is a real 302 for requests that accept HTML.
    let response = app
        .client
        .get(app.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "/sign-in");

    let ada = app.sign_up("Ada", "ada@example.com").await;
    let dashboard = app
        .client
        .get(app.url("/"))
        .header("cookie", &ada.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), 200);
    let html = dashboard.text().await.unwrap();
    assert!(
        html.contains("ada@example.com") && html.contains("Add a task"),
        "{html}"
    );
    // Signed in, the account pages send you home.
    for page in ["/sign-in", "/sign-up"] {
        let response = app
            .client
            .get(app.url(page))
            .header("accept", "text/html")
            .header("cookie", &ada.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 302, "{page}");
        assert_eq!(response.headers()["location"], "/");
    }
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

#[tokio::test]
async fn pages_carry_a_nonce_based_content_security_policy_and_hardening_headers() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/sign-in")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a script nonce in the policy");
    assert!(nonce.len() >= 16, "{csp}");
    for directive in [
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(directive), "{csp} lacks {directive}");
    }
    assert!(!csp.contains("'unsafe-inline'"), "{csp}");
    let html = response.text().await.unwrap();
    // Every inline or module script in the page carries this response's nonce.
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert!(
        html.matches(&format!("nonce=\"{nonce}\"")).count() >= scripts,
        "{html}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(
        headers["referrer-policy"],
        "strict-origin-when-cross-origin"
    );

    // A second page gets a different nonce.
    let again = app.client.get(app.url("/sign-in")).send().await.unwrap();
    let csp2 = again.headers()["content-security-policy"].to_str().unwrap();
    assert_ne!(csp2, csp);
    // API responses get the hardening headers too.
    let api = app
        .client
        .get(app.url("/api/auth/get-session"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
}
