//! Leptodo's user interface: the HTML shell, the routes, and the server functions they call.
//!
//! Compiled twice: with `ssr` into the server (rendering HTML and running server functions
//! against the `leptodo` domain crate) and with `hydrate` into the WASM bundle (making the
//! server-rendered page interactive).

use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{Route, Router, Routes},
};

mod health;

pub use health::{CheckHealth, HealthReport};

/// The HTML document around the app. The server renders it; the browser hydrates `<body>`.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();

    view! {
        <Stylesheet id="leptos" href="/pkg/leptodo.css" />
        <Link rel="icon" href="/favicon.ico" />
        <Meta name="color-scheme" content="light dark" />
        <Title text="Leptodo" />

        <Router>
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage />
                </Routes>
            </main>
        </Router>
    }
}

/// Sets `data-hydrated` on `<body>` once the WASM bundle has taken over the page. Effects never
/// run during server rendering, so the attribute is a reliable "interactive now" signal for
/// people and for the end-to-end tests.
fn mark_hydrated() {
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

#[component]
fn HomePage() -> impl IntoView {
    view! {
        <header class="hero">
            <h1>"Leptodo"</h1>
            <p class="tagline">"Your tasks, rendered on the server and alive in the browser."</p>
        </header>
        <health::HealthPanel />
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <h1>"Page not found"</h1>
        <p>
            <a href="/">"Back to Leptodo"</a>
        </p>
    }
}
