use crate::helpers::spawn_app;

#[tokio::test]
async fn pages_are_server_rendered_and_no_page_preloads_the_wasm() {
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
    // The status page's health check is an island: navigate.js loads the bundle it names.
    assert!(html.contains("<leptos-island"), "{html}");
    assert!(
        html.contains(r#"data-islands-js="/pkg/leptodo.js""#),
        "{html}"
    );
    assert!(html.contains("/pkg/leptodo.css"), "{html}");
    assert!(html.contains(r#"src="/navigate.js""#), "{html}");

    // The sign-in form is an island, but the page preloads no WASM: navigate.js loads the
    // bundle only on a person's first intent. The form itself is
    // plain HTML that posts to its server function without any script.
    let html = app.text("/sign-in").await;
    assert!(html.contains("<leptos-island"), "{html}");
    assert!(
        html.contains(r#"<form method="post" action="/api/sign_in"#),
        "{html}"
    );
    assert!(!html.contains("modulepreload"), "{html}");
    assert!(!html.contains(r#"rel="preload""#), "{html}");

    // A page without an island is plain HTML: no island, no preloaded WASM, no hydration script.
    let html = app.text("/not-a-page").await;
    assert!(!html.contains("<leptos-island"), "{html}");
    assert!(!html.contains("modulepreload"), "{html}");
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

/// The `action` of the page's form that calls server function `name`.
pub(crate) fn form_action(html: &str, name: &str) -> String {
    let start = html
        .find(&format!("action=\"/api/{name}"))
        .unwrap_or_else(|| panic!("no form for {name} in {html}"));
    let rest = &html[start + "action=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

#[tokio::test]
async fn plain_form_posts_redirect_back_within_the_site_only() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    let html = app
        .client
        .get(app.url("/"))
        .header("accept", "text/html")
        .header("cookie", &ada.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let add = form_action(&html, "add_task");
    let post = |title: &'static str, referer: String| {
        app.client
            .post(app.url(&add))
            .header("accept", "text/html")
            .header("cookie", &ada.cookie)
            .header("referer", referer)
            .form(&[("title", title), ("description", "")])
            .send()
    };

    // Back to the page the form was on, keeping its filter.
    let ok = post("From a form", app.url("/?filter=active"))
        .await
        .unwrap();
    assert!(ok.status().is_redirection(), "{}", ok.status());
    assert_eq!(
        ok.headers()["location"],
        app.url("/?filter=active").as_str()
    );
    // A failure goes back with a code the page knows, and writes nothing.
    let bad = post("   ", app.url("/?filter=active&error=OLD"))
        .await
        .unwrap();
    assert!(bad.status().is_redirection(), "{}", bad.status());
    assert_eq!(
        bad.headers()["location"],
        "/?filter=active&error=TITLE_REQUIRED"
    );
    // A Referer whose path would send the browser to another site is not followed.
    for hostile in ["//evil.example/x", "/\\evil.example/x"] {
        let response = post("  ", format!("{}/{hostile}", app.address))
            .await
            .unwrap();
        let location = response.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(
            location, "/?error=TITLE_REQUIRED",
            "{hostile} led to {location}"
        );
    }
    // A form on another site posting to a server function with the victim's cookie (CSRF).
    let forged = app
        .client
        .post(app.url(&add))
        .header("cookie", &ada.cookie)
        .header("origin", "https://evil.example")
        .form(&[("title", "forged"), ("description", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(app.count("tasks").await, 1);
}

#[tokio::test]
async fn pages_are_compressed_for_clients_that_accept_it_and_api_bodies_are_not() {
    use std::io::Read;

    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    for n in 0..30 {
        app.create_task(&ada, &format!("Task number {n} with a title long enough"))
            .await;
    }
    let page = |encoding: Option<&'static str>| {
        let mut request = app
            .client
            .get(app.url("/"))
            .header("cookie", &ada.cookie)
            .header("accept", "text/html");
        if let Some(encoding) = encoding {
            request = request.header("accept-encoding", encoding);
        }
        request.send()
    };

    let plain = page(None).await.unwrap();
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.text().await.unwrap();
    assert!(plain.contains("Task number 29 with a title long enough"));

    let gzipped = page(Some("gzip")).await.unwrap();
    assert_eq!(gzipped.status(), 200);
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    assert!(
        gzipped.headers()["vary"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("accept-encoding")
    );
    let compressed = gzipped.bytes().await.unwrap();
    let mut html = String::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_string(&mut html)
        .unwrap();
    assert!(
        html.contains("Task number 29 with a title long enough"),
        "{html}"
    );
    assert!(
        compressed.len() * 3 < html.len(),
        "{} B compressed from {} B",
        compressed.len(),
        html.len()
    );

    let brotli = page(Some("br")).await.unwrap();
    assert_eq!(brotli.headers()["content-encoding"], "br");

    // JSON is sent as it is, whatever the client accepts.
    let api = app
        .client
        .get(app.url(&format!("/api/{}/tasks", ada.user_id)))
        .bearer_auth(&ada.token)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    assert!(api.headers().get("content-encoding").is_none());
    assert_eq!(
        api.json::<Vec<serde_json::Value>>().await.unwrap().len(),
        30
    );
}

/// Regression: pages rendered while another server in the same process was starting could
/// wait forever. Building the route list (each startup did) switches off resource loading for
/// the whole process while it runs (leptos-rs/leptos#4773), and a page whose resource first
/// polled meanwhile never finished — the hang of the test suite, where many servers start side
/// by side. Servers now build the list once per process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_while_other_servers_start_in_the_same_process() {
    use std::sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    };
    let app = spawn_app().await;
    let stop = Arc::new(AtomicBool::new(false));
    // Servers starting again and again beside the one under test, on threads of their own.
    let starters: Vec<_> = (0..2)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("other.db").display());
                let settings = crate::helpers::test_settings(&dir, url);
                let mut started = 0;
                while !stop.load(Ordering::Relaxed) {
                    runtime.block_on(async {
                        leptodo_server::Application::build(&settings)
                            .await
                            .expect("another server builds")
                    });
                    started += 1;
                }
                started
            })
        })
        .collect();

    let mut stalled = 0;
    for _ in 0..60 {
        let page =
            tokio::time::timeout(std::time::Duration::from_secs(5), app.text("/sign-in")).await;
        match page {
            Ok(html) => assert!(html.contains("Sign in"), "{html}"),
            Err(_) => stalled += 1,
        }
        if stalled > 0 {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let started: usize = starters.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(started > 0, "no other server started meanwhile");
    assert_eq!(
        stalled, 0,
        "a page never finished while {started} other servers started"
    );
}

/// Regression: only a signed-out dashboard got its status; a listing that failed rendered as
/// `200`. The page now answers with the status the REST API gives the same error.
#[tokio::test]
async fn a_dashboard_whose_listing_fails_answers_with_the_apis_status() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    app.drop_task_tables().await;
    let api = app
        .client
        .get(app.url(&format!("/api/{}/tasks", ada.user_id)))
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 500);
    let page = app
        .client
        .get(app.url("/"))
        .header("accept", "text/html")
        .header("cookie", &ada.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), api.status());
    let html = page.text().await.unwrap();
    assert!(!html.contains("no such table"), "{html}");
}

/// Regression: some codes had no message, so after a plain (no-JavaScript) form post failing
/// with one of them the page showed nothing at all.
#[tokio::test]
async fn a_plain_form_post_failing_with_any_code_shows_its_message() {
    let app = spawn_app().await;
    let html = app.text("/sign-up").await;
    let action = form_action(&html, "sign_up");
    let response = app
        .client
        .post(app.url(&action))
        .header("accept", "text/html")
        .header("referer", app.url("/sign-up"))
        .form(&[
            ("name", "Ada\u{7}"),
            ("email", "ada@example.com"),
            ("password", crate::helpers::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, "/sign-up?error=INVALID_NAME");
    let page = app.text(&location).await;
    assert!(
        page.contains("The name cannot contain control characters."),
        "{page}"
    );
    assert_eq!(app.count("users").await, 0);
}

/// The board island's per-row request queues live in the browser only. Rendered on the server,
/// a board is dropped on whichever worker thread finishes its response: a queue tied to the
/// thread that made it (Leptos's local storage) panicked there, and the browser got an empty
/// response now and then (seen as `net::ERR_EMPTY_RESPONSE` in the end-to-end suite).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_dashboard_renders_whichever_thread_finishes_it() {
    let app = spawn_app().await;
    let ada = app.sign_up("Ada", "ada@example.com").await;
    for i in 0..5 {
        app.create_task(&ada, &format!("Task {i}")).await;
    }
    let mut pages = tokio::task::JoinSet::new();
    for _ in 0..60 {
        let request = app
            .client
            .get(app.url("/"))
            .header("cookie", &ada.cookie)
            .send();
        pages.spawn(async move {
            let response = request.await.map_err(|e| e.to_string())?;
            let status = response.status();
            let html = response.text().await.map_err(|e| e.to_string())?;
            Ok::<_, String>((status, html))
        });
    }
    while let Some(page) = pages.join_next().await {
        let (status, html) = page.unwrap().expect("a whole response");
        assert_eq!(status, 200);
        assert!(
            html.contains("Task 4") && html.contains("</html>"),
            "{html}"
        );
    }
}
