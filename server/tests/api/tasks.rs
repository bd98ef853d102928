//! `/api/{user_id}/tasks` over real HTTP: every route and status, validation, paging, and the
//! isolation matrix between two users.

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{TEST_SECRET, spawn_app};

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(actual.as_u16(), status, "{body}");
    if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body).unwrap()
    }
}

fn is_rfc3339_utc(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.ends_with('Z')
            && time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .is_ok()
    })
}

#[tokio::test]
async fn tasks_can_be_created_read_changed_toggled_and_deleted() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let base = format!("/api/{}/tasks", ada.user_id);

    let created = json_of(
        app.as_user(&ada, Method::POST, &base)
            .json(&json!({"title": "  Buy milk  ", "description": "two litres"}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_eq!(created["title"], "Buy milk", "titles are trimmed");
    assert_eq!(created["description"], "two litres");
    assert_eq!(created["completed"], false);
    assert_eq!(created["user_id"], ada.user_id.as_str());
    assert!(created["id"].is_i64());
    assert!(is_rfc3339_utc(&created["created_at"]) && is_rfc3339_utc(&created["updated_at"]));
    let keys: Vec<_> = created.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "completed",
            "created_at",
            "description",
            "due_date",
            "id",
            "priority",
            "recurrence",
            "tags",
            "title",
            "updated_at",
            "user_id"
        ]
    );
    let id = created["id"].as_i64().unwrap();
    let one = format!("{base}/{id}");

    let no_description = app.create_task(&ada, "Walk the dog").await;
    assert_eq!(no_description["description"], Value::Null);

    let read = json_of(
        app.as_user(&ada, Method::GET, &one).send().await.unwrap(),
        200,
    )
    .await;
    assert_eq!(read, created);

    // PUT with one field keeps the others.
    let renamed = json_of(
        app.as_user(&ada, Method::PUT, &one)
            .json(&json!({"title": "Buy oat milk"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(renamed["title"], "Buy oat milk");
    assert_eq!(renamed["description"], "two litres");
    assert_eq!(renamed["completed"], false);
    assert_eq!(renamed["created_at"], created["created_at"]);
    let done = json_of(
        app.as_user(&ada, Method::PUT, &one)
            .json(&json!({"completed": true, "description": null}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(done["completed"], true);
    assert_eq!(
        done["description"],
        Value::Null,
        "null clears the description"
    );
    assert_eq!(done["title"], "Buy oat milk");

    // PATCH .../complete flips it each time.
    let complete = format!("{one}/complete");
    let flipped = json_of(
        app.as_user(&ada, Method::PATCH, &complete)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(flipped["completed"], false);
    let flipped = json_of(
        app.as_user(&ada, Method::PATCH, &complete)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(flipped["completed"], true);

    let deleted = app
        .as_user(&ada, Method::DELETE, &one)
        .send()
        .await
        .unwrap();
    // 200 with the task as it was (the FastAPI documents' client reads a body from every success).
    assert_eq!(deleted.status(), StatusCode::OK);
    let gone: Value = deleted.json().await.unwrap();
    assert_eq!(gone["id"].as_i64(), Some(id));
    for method in [Method::GET, Method::DELETE] {
        let gone = json_of(app.as_user(&ada, method, &one).send().await.unwrap(), 404).await;
        assert_eq!(gone["code"], "NOT_FOUND");
    }
    assert_eq!(app.stored_tasks(&ada).await.len(), 1);
}

#[tokio::test]
async fn lists_are_newest_first_filtered_and_paged() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let base = format!("/api/{}/tasks", ada.user_id);
    let mut ids = Vec::new();
    for n in 0..120 {
        ids.push(
            app.create_task(&ada, &format!("task {n}")).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    for id in ids.iter().step_by(3) {
        app.as_user(&ada, Method::PATCH, &format!("{base}/{id}/complete"))
            .send()
            .await
            .unwrap();
    }
    let ids_of = |v: &Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect()
    };
    let newest_first: Vec<i64> = ids.iter().rev().copied().collect();

    let page = json_of(
        app.as_user(&ada, Method::GET, &base).send().await.unwrap(),
        200,
    )
    .await;
    assert_eq!(
        ids_of(&page),
        newest_first[..50],
        "default page: 50, newest first"
    );
    let page = json_of(
        app.as_user(&ada, Method::GET, &format!("{base}?limit=100&offset=50"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(ids_of(&page), newest_first[50..120]);
    let past_end = json_of(
        app.as_user(&ada, Method::GET, &format!("{base}?offset=500"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(past_end, json!([]));

    let done = json_of(
        app.as_user(
            &ada,
            Method::GET,
            &format!("{base}?completed=true&limit=100"),
        )
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    let expected_done: Vec<i64> = newest_first
        .iter()
        .copied()
        .filter(|id| ids.iter().step_by(3).any(|d| d == id))
        .collect();
    assert_eq!(ids_of(&done), expected_done);
    let open = json_of(
        app.as_user(
            &ada,
            Method::GET,
            &format!("{base}?completed=false&limit=100"),
        )
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    assert_eq!(ids_of(&open).len(), 80);
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .all(|t| t["completed"] == false)
    );

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("completed=maybe", "completed"),
    ] {
        let error = json_of(
            app.as_user(&ada, Method::GET, &format!("{base}?{query}"))
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        assert_eq!(
            error["detail"][0]["loc"],
            json!(["query", field]),
            "{query}: {error}"
        );
        assert!(error["detail"][0]["msg"].is_string());
    }
}

#[tokio::test]
async fn bad_task_input_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let base = format!("/api/{}/tasks", ada.user_id);
    let existing = app.create_task(&ada, "keep me").await;
    let one = format!("{base}/{}", existing["id"]);
    let before = app.stored_tasks(&ada).await;

    let bad_bodies = [
        (json!({}), "title", "missing"),
        (json!({"title": "   "}), "title", "string_too_short"),
        (
            json!({"title": "x".repeat(201)}),
            "title",
            "string_too_long",
        ),
        (json!({"title": 42}), "title", "type_error"),
        (
            json!({"title": "ok", "description": "d".repeat(1001)}),
            "description",
            "string_too_long",
        ),
        (
            json!({"title": "ok", "description": ["not", "text"]}),
            "description",
            "type_error",
        ),
        (json!(["not", "an", "object"]), "", "type_error"),
    ];
    for (body, field, kind) in &bad_bodies {
        let error = json_of(
            app.as_user(&ada, Method::POST, &base)
                .json(body)
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        let problem = &error["detail"][0];
        assert_eq!(problem["type"], *kind, "{body}: {error}");
        assert_eq!(problem["loc"][0], "body");
        if !field.is_empty() {
            assert_eq!(problem["loc"][1], *field, "{body}: {error}");
        }
    }
    for (body, kind) in [
        (json!({"title": ""}), "string_too_short"),
        (json!({"title": null}), "null_not_allowed"),
        (json!({"completed": "yes"}), "type_error"),
        (json!({"completed": null}), "null_not_allowed"),
        (json!({"description": "d".repeat(1001)}), "string_too_long"),
    ] {
        let error = json_of(
            app.as_user(&ada, Method::PUT, &one)
                .json(&body)
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        assert_eq!(error["detail"][0]["type"], kind, "{body}: {error}");
    }

    let raw = |method: Method, path: &str, body: &'static str, content_type: &'static str| {
        app.as_user(&ada, method, path)
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
    };
    let broken = json_of(
        raw(Method::POST, &base, "{\"title\": ", "application/json")
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    assert_eq!(broken["code"], "INVALID_JSON");
    json_of(
        raw(Method::PUT, &one, "{oops}", "application/json")
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    json_of(
        raw(Method::POST, &base, "title=x", "text/plain")
            .send()
            .await
            .unwrap(),
        415,
    )
    .await;
    let huge = json!({"title": "ok", "description": "d".repeat(1024 * 1024)});
    json_of(
        app.as_user(&ada, Method::POST, &base)
            .json(&huge)
            .send()
            .await
            .unwrap(),
        413,
    )
    .await;
    for bad_id in ["abc", "0", "-4", "1.5"] {
        let error = json_of(
            app.as_user(&ada, Method::GET, &format!("{base}/{bad_id}"))
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        assert_eq!(error["detail"][0]["loc"], json!(["path", "id"]));
    }

    assert_eq!(app.stored_tasks(&ada).await, before, "nothing was written");
}

#[tokio::test]
async fn task_routes_need_credentials() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let base = format!("/api/{}/tasks", ada.user_id);

    let none = app.client.get(app.url(&base)).send().await.unwrap();
    assert_eq!(none.headers()[header::WWW_AUTHENTICATE], "Bearer");
    assert_eq!(json_of(none, 401).await["code"], "UNAUTHORIZED");
    for authorization in [
        "Bearer",
        "Bearer not.a.jwt",
        "Basic YWRhOnB3",
        "Token abc",
        &ada.token,
    ] {
        let response = app
            .client
            .post(app.url(&base))
            .header(header::AUTHORIZATION, authorization)
            .json(&json!({"title": "sneaky"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{authorization}");
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    }
    // The scheme is case-insensitive.
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let response = app
            .client
            .get(app.url(&base))
            .header(header::AUTHORIZATION, format!("{scheme} {}", ada.token))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{scheme}");
    }
    // The session cookie works for same-origin browser calls.
    let by_cookie = app
        .client
        .post(app.url(&base))
        .header(header::COOKIE, &ada.cookie)
        .header(header::ORIGIN, &app.address)
        .json(&json!({"title": "from the browser"}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 201);
    // ...but not from another site's page.
    let forged = app
        .client
        .post(app.url(&base))
        .header(header::COOKIE, &ada.cookie)
        .header(header::ORIGIN, "https://evil.example")
        .json(&json!({"title": "forged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let titles: Vec<_> = app
        .stored_tasks(&ada)
        .await
        .into_iter()
        .map(|t| t.1)
        .collect();
    assert_eq!(titles, ["from the browser"]);
}

/// Every task route: how to call it for `owner`'s URL and task `id`.
fn routes(owner: &str, id: i64) -> Vec<(Method, String, Option<Value>)> {
    let base = format!("/api/{owner}/tasks");
    vec![
        (Method::GET, base.clone(), None),
        (
            Method::POST,
            base.clone(),
            Some(json!({"title": "intruder"})),
        ),
        (Method::GET, format!("{base}/{id}"), None),
        (
            Method::PUT,
            format!("{base}/{id}"),
            Some(json!({"title": "defaced", "completed": true})),
        ),
        (Method::DELETE, format!("{base}/{id}"), None),
        (Method::PATCH, format!("{base}/{id}/complete"), None),
    ]
}

#[tokio::test]
async fn users_are_isolated_on_every_route() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let bob = app.sign_up("Bob", "bob@example.com").await;
    let ada_task = app.create_task(&ada, "ada's secret").await["id"]
        .as_i64()
        .unwrap();
    let bob_task = app.create_task(&bob, "bob's secret").await["id"]
        .as_i64()
        .unwrap();
    let (ada_before, bob_before) = (app.stored_tasks(&ada).await, app.stored_tasks(&bob).await);

    // Bob's token on Ada's URLs: 403 on every route, before anything is read or written.
    for (method, path, body) in routes(&ada.user_id, ada_task) {
        let mut request = app.as_user(&bob, method.clone(), &path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let error = json_of(request.send().await.unwrap(), 403).await;
        assert_eq!(error["code"], "FORBIDDEN", "{method} {path}");
        assert_eq!(
            app.stored_tasks(&ada).await,
            ada_before,
            "{method} {path} changed Ada's tasks"
        );
        assert_eq!(
            app.stored_tasks(&bob).await,
            bob_before,
            "{method} {path} changed Bob's tasks"
        );
    }

    // Ada's own URL with Bob's task id: 404, exactly like a task that does not exist.
    let missing_id = bob_task + 1000;
    for ((method, path, body), (_, missing_path, _)) in routes(&ada.user_id, bob_task)
        .into_iter()
        .zip(routes(&ada.user_id, missing_id))
        .filter(|((_, path, _), _)| path.contains(&format!("/tasks/{bob_task}")))
    {
        let send = |path: String, body: Option<Value>| {
            let mut request = app.as_user(&ada, method.clone(), &path);
            if let Some(body) = body {
                request = request.json(&body);
            }
            request.send()
        };
        let foreign = json_of(send(path.clone(), body.clone()).await.unwrap(), 404).await;
        let missing = json_of(send(missing_path, body).await.unwrap(), 404).await;
        assert_eq!(
            foreign, missing,
            "{method} {path}: indistinguishable from a missing task"
        );
        assert_eq!(
            app.stored_tasks(&bob).await,
            bob_before,
            "{method} {path} changed Bob's task"
        );
        assert_eq!(
            app.stored_tasks(&ada).await,
            ada_before,
            "{method} {path} changed Ada's tasks"
        );
    }

    // Each still sees only their own.
    let listed = json_of(
        app.as_user(&bob, Method::GET, &format!("/api/{}/tasks", bob.user_id))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let titles: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].clone())
        .collect();
    assert_eq!(titles, [json!("bob's secret")]);
}

#[tokio::test]
async fn internal_errors_say_nothing_about_internals() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    // A database that no longer matches the code: every task query fails inside the server.
    app.drop_task_tables().await;
    let tasks = app.url(&format!("/api/{}/tasks", ada.user_id));
    let answers = [
        app.client
            .get(&tasks)
            .bearer_auth(&ada.token)
            .send()
            .await
            .unwrap(),
        app.client
            .post(&tasks)
            .bearer_auth(&ada.token)
            .json(&json!({"title": "x"}))
            .send()
            .await
            .unwrap(),
    ];
    for response in answers {
        assert_eq!(response.status(), 500);
        let body = response.text().await.unwrap();
        let parsed: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["code"], "INTERNAL_SERVER_ERROR");
        for leak in [
            "tasks",
            "SELECT",
            "INSERT",
            "sqlx",
            "table",
            "relation",
            "panicked",
            ".rs:",
            TEST_SECRET,
        ] {
            assert!(
                !body.contains(leak),
                "the 500 body reveals {leak:?}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn nul_characters_are_refused_alike_on_both_backends() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let tasks = format!("/api/{}/tasks", ada.user_id);
    let made = app.create_task(&ada, "kept").await;
    for (method, path, body) in [
        (Method::POST, tasks.clone(), json!({"title": "a\0b"})),
        (
            Method::POST,
            tasks.clone(),
            json!({"title": "ok", "description": "\0"}),
        ),
        (
            Method::PUT,
            format!("{tasks}/{}", made["id"]),
            json!({"title": "\0"}),
        ),
    ] {
        let response = app
            .as_user(&ada, method.clone(), &path)
            .json(&body)
            .send()
            .await
            .unwrap();
        let error = json_of(response, 422).await;
        assert_eq!(
            error["detail"][0]["type"], "string_pattern_mismatch",
            "{method} {body}"
        );
    }
    // A NUL in a sign-in email: not an address (Better Auth's 400), refused before a lookup.
    let sign_in = app
        .post_json(
            "/api/auth/sign-in/email",
            &json!({"email": "ada@example.com\0", "password": "whatever-password"}),
        )
        .await;
    assert_eq!(json_of(sign_in, 400).await["code"], "INVALID_EMAIL");
    // Nothing was written, and the instance still serves.
    assert_eq!(app.count("tasks").await, 1);
    let listed = app.as_user(&ada, Method::GET, &tasks).send().await.unwrap();
    assert_eq!(listed.status(), 200);
}
