//! The server-status panel: a server function and the control that calls it. The control only
//! works once the page is hydrated, so it doubles as the proof that the WASM bundle loaded.

use crate::data_attrs::testid;
use leptos::prelude::*;

use crate::errors::UiError;
use serde::{Deserialize, Serialize};

/// What the server says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReport {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// Whether a round trip to the database just succeeded.
    pub database_ok: bool,
}

/// Asks the database for a round trip and reports the backend in use.
#[server(output = crate::wire::Json)]
pub async fn check_health() -> Result<HealthReport, UiError> {
    let db = use_context::<leptodo::Database>().ok_or_else(|| {
        UiError::new("INTERNAL_SERVER_ERROR", "the database is not configured").with_status(500)
    })?;
    let database_ok = db.ping().await.is_ok();
    Ok(HealthReport {
        backend: db.backend().name().to_string(),
        database_ok,
    })
}

/// An island: the button asks the server from the browser (the page around it is plain HTML).
/// One signal and one call, rather than a `ServerAction`: this island shares the WASM with
/// the forms and the board, and an action's machinery cost 9 KB of it.
#[island]
pub fn HealthPanel() -> impl IntoView {
    let pending = RwSignal::new(false);
    let status = RwSignal::new(String::from("Not checked yet."));
    let check = move |_| {
        pending.set(true);
        leptos::task::spawn_local(async move {
            status.set(match check_health().await {
                Ok(HealthReport {
                    backend,
                    database_ok: true,
                }) => format!("Server is up; {backend} database answered."),
                Ok(HealthReport { backend, .. }) => {
                    format!("Server is up, but the {backend} database did not answer.")
                }
                Err(err) => format!("Could not reach the server: {}", err.message),
            });
            pending.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="health-title">
            <h2 id="health-title">"Server status"</h2>
            <button
                type="button"
                {..testid("check-health")}
                disabled=move || pending.get()
                on:click=check
            >
                {move || if pending.get() { "Checking…" } else { "Check the server" }}
            </button>
            <p role="status" aria-live="polite" {..testid("health-status")}>
                {move || status.get()}
            </p>
        </section>
    }
}
