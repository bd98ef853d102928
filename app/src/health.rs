//! The server-status panel: a server function and the control that calls it. The control only
//! works once the page is hydrated, so it doubles as the proof that the WASM bundle loaded.

use leptos::prelude::*;
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
pub async fn check_health() -> Result<HealthReport, ServerFnError> {
    let db = use_context::<leptodo::Database>()
        .ok_or_else(|| ServerFnError::new("the database is not configured"))?;
    let database_ok = db.ping().await.is_ok();
    Ok(HealthReport {
        backend: db.backend().name().to_string(),
        database_ok,
    })
}

/// An island: the button asks the server from the browser (the page around it is plain HTML).
#[island]
pub fn HealthPanel() -> impl IntoView {
    let check = ServerAction::<CheckHealth>::new();
    let pending = check.pending();

    let status = move || match check.value().get() {
        None => "Not checked yet.".to_string(),
        Some(Ok(HealthReport {
            backend,
            database_ok: true,
        })) => {
            format!("Server is up; {backend} database answered.")
        }
        Some(Ok(HealthReport {
            backend,
            database_ok: false,
        })) => {
            format!("Server is up, but the {backend} database did not answer.")
        }
        Some(Err(err)) => format!("Could not reach the server: {err}"),
    };

    view! {
        <section class="card" aria-labelledby="health-title">
            <h2 id="health-title">"Server status"</h2>
            <button
                type="button"
                data-testid="check-health"
                disabled=move || pending.get()
                on:click=move |_| {
                    check.dispatch(CheckHealth {});
                }
            >
                {move || if pending.get() { "Checking…" } else { "Check the server" }}
            </button>
            <p role="status" aria-live="polite" data-testid="health-status">
                {status}
            </p>
        </section>
    }
}
