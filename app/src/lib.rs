//! Leptodo's user interface: the HTML shell, the routes, and the server functions they call.
//!
//! Compiled twice: with `ssr` into the server (rendering HTML and running server functions
//! against the `leptodo` domain crate) and with `hydrate` into the WASM bundle. Leptos runs in
//! islands mode: every page is HTML from the server, and only the `#[island]` components
//! (a few controls that need code in the browser) are compiled to WASM and hydrated. Links and
//! forms stay plain HTML; `public/navigate.js` makes them swap the page in place, without a
//! reload, once it has loaded (see the README's "First load" section for why and what it saves).

use leptos::{either::Either, prelude::*};
use leptos_meta::{Link, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

pub mod account;
mod auth_forms;
pub mod browser;
mod data_attrs;
pub mod errors;
pub(crate) mod forms;
mod health;
pub mod profile;
pub mod recovery;
pub mod session;
pub mod tasks;
pub mod wire;

pub use health::{CheckHealth, HealthReport};

use account::{AccountActions, SignInPage, SignOutButton, SignUpPage};
use session::UserView;

/// Who is signed in, refetched whenever a sign-up, sign-in or sign-out completes.
pub type CurrentUser = Resource<Result<Option<UserView>, errors::UiError>>;

/// The HTML document around the app. The server renders it; the browser hydrates `<body>`.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The server may fingerprint the bundle's names (`output_name` then carries the version).
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <link rel="stylesheet" id="leptos" href=stylesheet />
                <Navigation options=options.clone() />
                <MetaTags />
            </head>
            <body data-app="leptodo">
                <App />
            </body>
        </html>
    }
}

/// The in-place navigation for links and forms and the island loader (`public/navigate.js`, on
/// top of the vendored `idiomorph` that patches the page). `async`: they never delay the
/// first paint nor DOMContentLoaded (with `defer` the browser's DOMContentLoaded work waited
/// for them and became a long task after the first paint), navigate.js waits for the parsed
/// page and for idiomorph itself, and until it runs every link and form works as plain HTML
/// (as it does without JavaScript). Loading them only when the browser is idle after `load`
/// was tried and measured worse (Lighthouse's total blocking time rose: their work and the
/// page's late requests then fall inside its window; see the README's "First load").
///
/// This stands in for Leptos's `<HydrationScripts islands=true>`, which preloads and runs the
/// WASM bundle on every page: here a page loads it only if it has an island (navigate.js
/// follows Leptos's loader protocol; the bundle's names are computed as Leptos computes them).
#[component]
fn Navigation(options: LeptosOptions) -> impl IntoView {
    // As `HydrationScripts` does in islands mode: the page outside islands is rendered as
    // plain HTML, with no hydration markers.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let nonce = leptos::nonce::use_nonce();
    let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    // cargo-leptos names the WASM after the bundle; plain wasm-bindgen output ends in `_bg`.
    let wasm_suffix = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
        ""
    } else {
        "_bg"
    };
    view! {
        <script async src="/idiomorph.min.js" nonce=nonce.clone()></script>
        <script
            async
            src="/navigate.js"
            nonce=nonce
            data-islands-js=format!("{pkg}.js")
            data-islands-wasm=format!("{pkg}{wasm_suffix}.wasm")
        ></script>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    #[cfg(feature = "ssr")]
    content_security_policy();
    let actions = AccountActions::new();
    provide_context(actions);
    let user: CurrentUser = Resource::new(move || actions.version(), |_| session::current_user());
    provide_context(user);

    view! {
        <Link rel="icon" href="/favicon.ico" />
        <Meta name="color-scheme" content="light dark" />
        <Meta
            name="description"
            content="Leptodo: your tasks, with accounts, in one small server. Add, organise and finish them on any device, with or without JavaScript."
        />
        <Title text="Leptodo" />

        <Router>
            <header class="topbar">
                <a href="/" class="brand">
                    "Leptodo"
                </a>
                <Transition>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(user)) => {
                                Either::Left(
                                    view! {
                                        <div class="who">
                                            <a
                                                href="/account"
                                                class="user"
                                                data-testid="current-user"
                                                title="Your account"
                                            >
                                                <span class="name">{user.name}</span>
                                                <span class="email">{user.email}</span>
                                            </a>
                                            <SignOutButton />
                                        </div>
                                    },
                                )
                            }
                            _ => {
                                Either::Right(
                                    view! {
                                        <nav class="who" aria-label="Account">
                                            <a href="/sign-in">"Sign in"</a>
                                            <a href="/sign-up" class="button">
                                                "Sign up"
                                            </a>
                                        </nav>
                                    },
                                )
                            }
                        }
                    })}
                </Transition>
            </header>
            <main class="page">
                // Async: a page's data (and any redirect) is settled before the first byte is
                // sent, so redirects are real 302s and no-JavaScript visitors get whole pages.
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=tasks::Dashboard ssr=SsrMode::Async />
                    <Route path=StaticSegment("sign-in") view=SignInPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("sign-up") view=SignUpPage ssr=SsrMode::Async />
                    <Route
                        path=StaticSegment("account")
                        view=profile::AccountPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment("forgot-password")
                        view=recovery::ForgotPasswordPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment("reset-password")
                        view=recovery::ResetPasswordPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("status") view=StatusPage />
                </Routes>
            </main>
            <footer class="footer">
                <a href="/status">"Server status"</a>
                " · "
                <a href="/docs/">"API docs"</a>
            </footer>
        </Router>
    }
}

/// Sends a Content-Security-Policy with every page: scripts only with this response's nonce
/// (Leptos puts it on its hydration scripts) and what they load, WebAssembly allowed, and
/// nothing framed, embedded or posted elsewhere.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    use leptos::config::LeptosOptions;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    // cargo-leptos's live reload talks over a websocket in development only.
    let dev = use_context::<LeptosOptions>().is_some_and(|o| o.env == leptos::config::Env::DEV);
    let connect = if dev { "'self' ws: wss:" } else { "'self'" };
    let policy = format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src {connect}; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
fn StatusPage() -> impl IntoView {
    view! {
        <header class="hero">
            <h1>"Server status"</h1>
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
