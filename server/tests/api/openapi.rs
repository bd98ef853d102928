//! The served OpenAPI document: valid per an independent validator, and true to the routes.

use std::{collections::BTreeSet, io::Write, process::Stdio};

use reqwest::Method;
use serde_json::Value;

use crate::{
    helpers::spawn_app,
    process::{interop_script, python},
};

#[tokio::test]
async fn the_openapi_document_validates_and_matches_the_routes() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let spec: Value = serde_json::from_str(&text).unwrap();

    let mut validator = python()
        .arg(interop_script("validate_openapi.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    validator
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = validator.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openapi-spec-validator: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Exactly the routes the server has.
    let documented: BTreeSet<(String, String)> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("POST", "/api/auth/sign-up/email"),
        ("POST", "/api/auth/sign-in/email"),
        ("POST", "/api/auth/sign-out"),
        ("GET", "/api/auth/get-session"),
        ("GET", "/api/auth/token"),
        ("GET", "/api/auth/jwks"),
        ("POST", "/api/auth/update-user"),
        ("POST", "/api/auth/change-password"),
        ("GET", "/api/auth/list-sessions"),
        ("POST", "/api/auth/revoke-session"),
        ("POST", "/api/auth/revoke-sessions"),
        ("POST", "/api/auth/revoke-other-sessions"),
        ("POST", "/api/auth/delete-user"),
        ("POST", "/api/auth/request-password-reset"),
        ("POST", "/api/auth/reset-password"),
        ("POST", "/api/auth/send-verification-email"),
        ("GET", "/api/{user_id}/tasks"),
        ("POST", "/api/{user_id}/tasks"),
        ("GET", "/api/{user_id}/tasks/{id}"),
        ("PUT", "/api/{user_id}/tasks/{id}"),
        ("DELETE", "/api/{user_id}/tasks/{id}"),
        ("PATCH", "/api/{user_id}/tasks/{id}/complete"),
        ("GET", "/api/{user_id}/tags"),
        // The same routes for the token's own subject.
        ("GET", "/api/tasks"),
        ("POST", "/api/tasks"),
        ("GET", "/api/tasks/{id}"),
        ("PUT", "/api/tasks/{id}"),
        ("DELETE", "/api/tasks/{id}"),
        ("PATCH", "/api/tasks/{id}/complete"),
        ("GET", "/api/tags"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect();
    assert_eq!(documented, expected);

    // Each documented operation is served (anything but 404/405 for an anonymous call).
    for (method, path) in &documented {
        let url = app.url(&path.replace("{user_id}", "someone").replace("{id}", "1"));
        let status = app
            .client
            .request(Method::from_bytes(method.as_bytes()).unwrap(), url)
            .send()
            .await
            .unwrap()
            .status();
        assert!(status != 404 && status != 405, "{method} {path}: {status}");
    }

    // Bearer auth and the error shape are described.
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(spec["components"]["schemas"]["ErrorBody"]["properties"]["detail"].is_object());

    let docs = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger-ui"));
}
