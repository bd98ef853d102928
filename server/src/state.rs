//! What every handler can reach.

use axum::extract::FromRef;
use leptodo::Database;
use leptos::config::LeptosOptions;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Database,
}
