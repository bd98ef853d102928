//! Organizing tasks over real HTTP: priority, tags, due dates, recurrence, the list's filters,
//! search and sorts, and `/api/{user_id}/tags` — on SQLite, and on Postgres in that stage.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{SignedUp, TestApp, spawn_app};

/// `method path` as `user`, with a JSON body if given: the status and the JSON answer (`null`
/// when there is none).
pub(crate) async fn send(
    app: &TestApp,
    user: &SignedUp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app.as_user(user, method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn create(app: &TestApp, user: &SignedUp, body: Value) -> Value {
    let (status, task) = send(
        app,
        user,
        Method::POST,
        &format!("/api/{}/tasks", user.user_id),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{task}");
    task
}

/// The titles `GET /api/{user}/tasks?{query}` answers, in order.
async fn titles(app: &TestApp, user: &SignedUp, query: &str) -> Vec<String> {
    let (status, list) = send(
        app,
        user,
        Method::GET,
        &format!("/api/{}/tasks?{query}", user.user_id),
        None,
    )
    .await;
    assert_eq!(status, 200, "{query}: {list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn fields_round_trip_with_defaults_and_put_keeps_or_clears_them() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;

    // A seed-era body: the new fields come back with their defaults.
    let plain = create(&app, &ada, json!({"title": "Plain"})).await;
    assert_eq!(
        (
            &plain["priority"],
            &plain["tags"],
            &plain["due_date"],
            &plain["recurrence"]
        ),
        (&json!("medium"), &json!([]), &Value::Null, &Value::Null)
    );
    let full = create(
        &app,
        &ada,
        json!({"title": "Full", "priority": "high", "tags": [" Home ", "Errands"],
               "due_date": "2026-12-24", "recurrence": "weekly"}),
    )
    .await;
    assert_eq!(full["priority"], "high");
    assert_eq!(
        full["tags"],
        json!(["Home", "Errands"]),
        "trimmed, case and order kept"
    );
    assert_eq!(full["due_date"], "2026-12-24");
    assert_eq!(full["recurrence"], "weekly");
    let one = format!("/api/{}/tasks/{}", ada.user_id, full["id"]);
    let (_, read) = send(&app, &ada, Method::GET, &one, None).await;
    assert_eq!(read, full);

    // PUT keeps what it is not given.
    let (status, renamed) = send(
        &app,
        &ada,
        Method::PUT,
        &one,
        Some(json!({"title": "Renamed"})),
    )
    .await;
    assert_eq!(status, 200);
    for field in ["priority", "tags", "due_date", "recurrence"] {
        assert_eq!(renamed[field], full[field], "{field} kept");
    }
    // Clearing the due date of a repeating task is refused, and changes nothing.
    let (status, refused) = send(
        &app,
        &ada,
        Method::PUT,
        &one,
        Some(json!({"due_date": null})),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["detail"][0]["loc"], json!(["body", "recurrence"]));
    let (_, unchanged) = send(&app, &ada, Method::GET, &one, None).await;
    assert_eq!(unchanged["due_date"], "2026-12-24");
    // null (or []) clears.
    let (status, cleared) = send(
        &app,
        &ada,
        Method::PUT,
        &one,
        Some(json!({"priority": null, "tags": [], "recurrence": null, "due_date": null})),
    )
    .await;
    assert_eq!(status, 200, "{cleared}");
    assert_eq!(
        (
            &cleared["priority"],
            &cleared["tags"],
            &cleared["due_date"],
            &cleared["recurrence"]
        ),
        (&json!("medium"), &json!([]), &Value::Null, &Value::Null)
    );
    let (_, cleared_again) = send(&app, &ada, Method::PUT, &one, Some(json!({"tags": null}))).await;
    assert_eq!(cleared_again["tags"], json!([]));
    assert_eq!(
        titles(&app, &ada, "tag=home").await,
        Vec::<String>::new(),
        "cleared tags stop matching"
    );
}

#[tokio::test]
async fn every_bad_value_is_a_422_naming_its_field_and_writes_nothing() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let base = format!("/api/{}/tasks", ada.user_id);
    let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
    let cases = [
        (json!({"priority": "urgent"}), "priority"),
        (json!({"tags": eleven}), "tags"),
        (json!({"tags": ["x".repeat(33)]}), "tags"),
        (json!({"tags": ["a,b"]}), "tags"),
        (json!({"tags": ["dup", "DUP"]}), "tags"),
        (json!({"tags": ["  "]}), "tags"),
        (json!({"due_date": "2026-02-30"}), "due_date"),
        (json!({"due_date": "tomorrow"}), "due_date"),
        (json!({"recurrence": "daily"}), "recurrence"),
        (
            json!({"recurrence": "hourly", "due_date": "2026-01-01"}),
            "recurrence",
        ),
    ];
    let existing = create(&app, &ada, json!({"title": "Keep me", "tags": ["keep"]})).await;
    let one = format!("{base}/{}", existing["id"]);
    for (fields, name) in cases {
        let mut body = fields.clone();
        body["title"] = json!("Bad");
        let (status, error) = send(&app, &ada, Method::POST, &base, Some(body)).await;
        assert_eq!(status, 422, "{fields}: {error}");
        assert_eq!(error["detail"][0]["loc"], json!(["body", name]), "{fields}");
        let (status, error) = send(&app, &ada, Method::PUT, &one, Some(fields.clone())).await;
        assert_eq!(status, 422, "PUT {fields}: {error}");
        assert_eq!(error["detail"][0]["loc"][1], name, "PUT {fields}");
    }
    assert_eq!(app.count("tasks").await, 1, "no bad create wrote a task");
    let (_, after) = send(&app, &ada, Method::GET, &one, None).await;
    assert_eq!(after, existing, "no bad PUT changed the task");

    for (query, name) in [
        ("sort=random", "sort"),
        ("order=sideways", "order"),
        ("due=someday", "due"),
        ("priority=urgent", "priority"),
        ("today=2026-13-01", "today"),
        ("sort=title&sort=priority", "sort"),
        ("tag=a%00b", "tag"),
    ] {
        let (status, error) = send(&app, &ada, Method::GET, &format!("{base}?{query}"), None).await;
        assert_eq!(status, 422, "{query}: {error}");
        assert_eq!(error["detail"][0]["loc"], json!(["query", name]), "{query}");
    }
}

#[tokio::test]
async fn filters_search_and_sorts_return_exactly_the_right_tasks_in_order() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let bob = app.sign_up("Bob", "bob@example.com").await;
    // Created in this order: ids rise, so "newest first" is the reverse.
    for body in [
        json!({"title": "buy Éclairs", "priority": "low", "tags": ["Food"], "due_date": "2026-11-30"}),
        json!({"title": "Answer mail", "priority": "high", "tags": ["work", "Home"], "due_date": "2026-12-01"}),
        json!({"title": "water plants", "description": "the big fern", "tags": ["home"], "due_date": "2026-12-07"}),
        json!({"title": "Call Bank", "priority": "high", "due_date": "2026-12-08"}),
        json!({"title": "read book"}),
    ] {
        create(&app, &ada, body).await;
    }
    create(
        &app,
        &bob,
        json!({"title": "bob's home thing", "tags": ["home", "bobs"]}),
    )
    .await;
    let t = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let today = "today=2026-12-01";

    assert_eq!(
        titles(&app, &ada, "").await,
        t(&[
            "read book",
            "Call Bank",
            "water plants",
            "Answer mail",
            "buy Éclairs"
        ])
    );
    // Search: every word, prefixes, any case, non-ASCII too, tags and descriptions included.
    assert_eq!(
        titles(&app, &ada, "q=%C3%A9clair").await,
        t(&["buy Éclairs"])
    );
    assert_eq!(titles(&app, &ada, "q=FER").await, t(&["water plants"]));
    assert_eq!(
        titles(&app, &ada, "q=home").await,
        t(&["water plants", "Answer mail"])
    );
    assert_eq!(titles(&app, &ada, "q=home+mail").await, t(&["Answer mail"]));
    assert_eq!(
        titles(&app, &ada, "q=ail").await,
        t(&[]),
        "the start of a word, not its middle"
    );
    assert_eq!(
        titles(&app, &ada, "q=bob").await,
        t(&[]),
        "another user's tasks never match"
    );
    // Priority (repeatable: either), tags (repeatable: all), due.
    assert_eq!(
        titles(&app, &ada, "priority=high").await,
        t(&["Call Bank", "Answer mail"])
    );
    assert_eq!(
        titles(&app, &ada, "priority=high&priority=low").await,
        t(&["Call Bank", "Answer mail", "buy Éclairs"])
    );
    assert_eq!(
        titles(&app, &ada, "tag=HOME").await,
        t(&["water plants", "Answer mail"])
    );
    assert_eq!(
        titles(&app, &ada, "tag=home&tag=work").await,
        t(&["Answer mail"])
    );
    assert_eq!(
        titles(&app, &ada, &format!("due=overdue&{today}")).await,
        t(&["buy Éclairs"])
    );
    assert_eq!(
        titles(&app, &ada, &format!("due=today&{today}")).await,
        t(&["Answer mail"])
    );
    assert_eq!(
        titles(&app, &ada, &format!("due=week&{today}")).await,
        t(&["water plants", "Answer mail"])
    );
    assert_eq!(titles(&app, &ada, "due=none").await, t(&["read book"]));
    // Combined with completed, limit and offset.
    assert_eq!(
        titles(&app, &ada, "tag=home&completed=false&limit=1&offset=1").await,
        t(&["Answer mail"])
    );
    // Sorts; ties go newest first; no date last either way.
    assert_eq!(
        titles(&app, &ada, "sort=due_date").await,
        t(&[
            "buy Éclairs",
            "Answer mail",
            "water plants",
            "Call Bank",
            "read book"
        ])
    );
    assert_eq!(
        titles(&app, &ada, "sort=due_date&order=desc").await,
        t(&[
            "Call Bank",
            "water plants",
            "Answer mail",
            "buy Éclairs",
            "read book"
        ])
    );
    assert_eq!(
        titles(&app, &ada, "sort=priority").await,
        t(&[
            "Call Bank",
            "Answer mail",
            "read book",
            "water plants",
            "buy Éclairs"
        ])
    );
    assert_eq!(
        titles(&app, &ada, "sort=priority&order=desc").await,
        t(&[
            "buy Éclairs",
            "read book",
            "water plants",
            "Call Bank",
            "Answer mail"
        ])
    );
    assert_eq!(
        titles(&app, &ada, "sort=title").await,
        t(&[
            "Answer mail",
            "buy Éclairs",
            "Call Bank",
            "read book",
            "water plants"
        ])
    );
    assert_eq!(
        titles(&app, &ada, "sort=title&order=desc").await,
        t(&[
            "water plants",
            "read book",
            "Call Bank",
            "buy Éclairs",
            "Answer mail"
        ])
    );
    assert_eq!(
        titles(&app, &ada, "sort=created&order=asc").await,
        t(&[
            "buy Éclairs",
            "Answer mail",
            "water plants",
            "Call Bank",
            "read book"
        ])
    );
    // A completed overdue task is not overdue.
    let list = send(
        &app,
        &ada,
        Method::GET,
        &format!("/api/{}/tasks?q=eclairs+buy", ada.user_id),
        None,
    )
    .await;
    assert_eq!(list.1, json!([]), "é is not e");
    let first = send(
        &app,
        &ada,
        Method::GET,
        &format!("/api/{}/tasks?sort=created&order=asc&limit=1", ada.user_id),
        None,
    )
    .await
    .1;
    send(
        &app,
        &ada,
        Method::PATCH,
        &format!("/api/{}/tasks/{}/complete", ada.user_id, first[0]["id"]),
        None,
    )
    .await;
    assert_eq!(
        titles(&app, &ada, &format!("due=overdue&{today}")).await,
        t(&[])
    );

    // Tags in use: the caller's own, most used first, case folded together.
    let (status, tags) = send(
        &app,
        &ada,
        Method::GET,
        &format!("/api/{}/tags", ada.user_id),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        tags,
        json!([{"tag": "Home", "count": 2}, {"tag": "Food", "count": 1}, {"tag": "work", "count": 1}])
    );
    let (status, _) = send(
        &app,
        &bob,
        Method::GET,
        &format!("/api/{}/tags", ada.user_id),
        None,
    )
    .await;
    assert_eq!(status, 403, "another user's tags");
    let (_, bobs) = send(
        &app,
        &bob,
        Method::GET,
        &format!("/api/{}/tags", bob.user_id),
        None,
    )
    .await;
    assert_eq!(
        bobs,
        json!([{"tag": "bobs", "count": 1}, {"tag": "home", "count": 1}])
    );

    // Deleting a task takes its tags and words with it.
    let water = send(
        &app,
        &ada,
        Method::GET,
        &format!("/api/{}/tasks?q=water", ada.user_id),
        None,
    )
    .await
    .1;
    let (status, _) = send(
        &app,
        &ada,
        Method::DELETE,
        &format!("/api/{}/tasks/{}", ada.user_id, water[0]["id"]),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(titles(&app, &ada, "q=fern").await, t(&[]));
    let (_, tags) = send(
        &app,
        &ada,
        Method::GET,
        &format!("/api/{}/tags", ada.user_id),
        None,
    )
    .await;
    assert_eq!(tags[0], json!({"tag": "Food", "count": 1}));
}

#[tokio::test]
async fn completing_a_repeating_task_creates_the_next_one_once() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let base = format!("/api/{}/tasks", ada.user_id);
    let weekly = create(
        &app,
        &ada,
        json!({"title": "Bins", "description": "out by 7", "priority": "high", "tags": ["home"],
               "due_date": "2026-12-29", "recurrence": "weekly"}),
    )
    .await;
    let toggle = format!("{base}/{}/complete", weekly["id"]);
    let (status, toggled) = send(&app, &ada, Method::PATCH, &toggle, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (toggled["id"].clone(), toggled["completed"].clone()),
        (weekly["id"].clone(), json!(true)),
        "the answer is the toggled task"
    );
    let (_, open) = send(
        &app,
        &ada,
        Method::GET,
        &format!("{base}?completed=false"),
        None,
    )
    .await;
    assert_eq!(open.as_array().unwrap().len(), 1, "{open}");
    let next = &open[0];
    assert_eq!(next["due_date"], "2027-01-05");
    for field in ["title", "description", "priority", "tags", "recurrence"] {
        assert_eq!(next[field], weekly[field], "{field}");
    }
    assert_eq!(next["completed"], false);
    // Un-completing and completing again creates nothing more.
    send(&app, &ada, Method::PATCH, &toggle, None).await;
    send(&app, &ada, Method::PATCH, &toggle, None).await;
    assert_eq!(app.count("tasks").await, 2);

    // Monthly, completed by PUT: Jan 31 → Feb 28 (2027 is not a leap year).
    let monthly = create(
        &app,
        &ada,
        json!({"title": "Rent", "due_date": "2027-01-31", "recurrence": "monthly"}),
    )
    .await;
    let (status, done) = send(
        &app,
        &ada,
        Method::PUT,
        &format!("{base}/{}", monthly["id"]),
        Some(json!({"completed": true})),
    )
    .await;
    assert_eq!((status, done["completed"].clone()), (200, json!(true)));
    assert_eq!(titles(&app, &ada, "q=rent&completed=false").await, ["Rent"]);
    let (_, rent) = send(
        &app,
        &ada,
        Method::GET,
        &format!("{base}?q=rent&completed=false"),
        None,
    )
    .await;
    assert_eq!(rent[0]["due_date"], "2027-02-28");
    // A task that does not repeat creates nothing.
    let once = create(
        &app,
        &ada,
        json!({"title": "Once", "due_date": "2027-01-01"}),
    )
    .await;
    send(
        &app,
        &ada,
        Method::PATCH,
        &format!("{base}/{}/complete", once["id"]),
        None,
    )
    .await;
    assert_eq!(app.count("tasks").await, 5);
}

#[tokio::test]
async fn tasks_stored_before_the_index_are_found_after_reindexing() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    // As a row from before the organizing migration (or another tool) looks: not indexed.
    leptodo::with_pool!(&app.db, pool => sqlx::query(
        "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at, tags) \
         VALUES ($1, 'Old Ünïcode task', 'from the seed', FALSE, $2, $2, 'Legacy')",
    )
    .bind(&ada.user_id)
    .bind(leptodo::db::now())
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
    assert!(titles(&app, &ada, "q=old").await.is_empty());
    assert_eq!(leptodo::tasks::reindex(&app.db).await.unwrap(), 1);
    assert_eq!(leptodo::tasks::reindex(&app.db).await.unwrap(), 0, "once");
    assert_eq!(
        titles(&app, &ada, "q=%C3%BCn%C3%AFcode+seed").await,
        ["Old Ünïcode task"]
    );
    assert_eq!(titles(&app, &ada, "tag=legacy").await, ["Old Ünïcode task"]);
}
