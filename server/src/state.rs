//! What every handler can reach.

use axum::extract::FromRef;
use leptodo::{Auth, Database};
use leptos::config::LeptosOptions;

use crate::security::TrustedOrigins;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Database,
    pub auth: Auth,
    pub origins: TrustedOrigins,
}
