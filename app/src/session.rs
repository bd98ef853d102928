//! Who is signed in: the user shown in the header, and (on the server) the helpers every server
//! function uses to read the session cookie and answer plain form posts.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::errors::UiError;

/// The signed-in user, as the UI shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// The user behind the session cookie, or `None` when signed out.
#[server]
pub async fn current_user() -> Result<Option<UserView>, UiError> {
    Ok(server::session()
        .await?
        .map(|active| server::user_view(&active.user)))
}

#[cfg(feature = "ssr")]
pub mod server {
    use http::{HeaderValue, StatusCode, header, request::Parts};
    use leptodo::{
        Auth,
        sessions::{ActiveSession, ClientInfo},
        users::User,
    };
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    use super::UserView;
    use crate::errors::UiError;

    pub fn user_view(user: &User) -> UserView {
        UserView {
            id: user.id.clone(),
            name: user.name.clone(),
            email: user.email.clone(),
        }
    }

    pub fn auth() -> Result<Auth, UiError> {
        use_context::<Auth>()
            .ok_or_else(|| UiError::new("SERVER_ERROR", "accounts are not configured"))
    }

    fn parts() -> Option<Parts> {
        use_context::<Parts>()
    }

    pub fn client_info() -> Result<ClientInfo, UiError> {
        let auth = auth()?;
        Ok(parts().map_or_else(ClientInfo::default, |parts| {
            let peer = parts
                .extensions
                .get::<axum_connect_info::ConnectInfo>()
                .map(|info| info.0);
            auth.client_info(&parts.headers, peer)
        }))
    }

    /// The session token in the request's cookie.
    pub fn session_token() -> Option<String> {
        let auth = use_context::<Auth>()?;
        auth.session_cookie().read(&parts()?.headers)
    }

    /// The live session, slid forward when due (then the cookie is re-sent).
    pub async fn session() -> Result<Option<ActiveSession>, UiError> {
        let auth = auth()?;
        let Some(token) = session_token() else {
            return Ok(None);
        };
        let active = auth.session(&token).await?;
        if let Some(active) = &active
            && active.refreshed
        {
            set_cookie(
                auth.session_cookie()
                    .set(&token, auth.session_policy().lifetime),
            );
        }
        Ok(active)
    }

    /// The signed-in user, or [`UiError::signed_out`].
    pub async fn require_user() -> Result<User, UiError> {
        session()
            .await?
            .map(|active| active.user)
            .ok_or_else(UiError::signed_out)
    }

    pub fn set_cookie(value: HeaderValue) {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.append_header(header::SET_COOKIE, value);
        }
    }

    /// Whether the request is a plain HTML form post (no JavaScript): then errors travel back
    /// as a code in the URL of the page the form was on.
    pub fn is_plain_form_post() -> bool {
        parts().is_some_and(|parts| {
            parts
                .headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
        })
    }

    /// Runs `action` for the signed-in user. On failure, a plain form post goes back to the page
    /// it came from (else `default_page`) with the error's code; an enhanced call gets the error.
    pub async fn as_user<T, F, Fut>(default_page: &str, action: F) -> Result<T, UiError>
    where
        F: FnOnce(leptodo::Database, User) -> Fut,
        Fut: std::future::Future<Output = Result<T, UiError>>,
    {
        let page = referring_page(default_page, &[]);
        let result = async {
            let db = auth()?.database().clone();
            let user = require_user().await?;
            action(db, user).await
        }
        .await;
        result.or_else(|err| fail(err, &page))
    }

    /// Sends a plain form post back to `page` with the error's code; returns the error for
    /// enhanced (JavaScript) callers.
    pub fn fail<T>(err: UiError, page: &str) -> Result<T, UiError> {
        if is_plain_form_post() {
            let target = if err.is_signed_out() {
                "/sign-in?error=SIGNED_OUT".to_string()
            } else {
                let separator = if page.contains('?') { '&' } else { '?' };
                format!("{page}{separator}error={}", err.code)
            };
            leptos_axum::redirect(&target);
            if let Some(response) = use_context::<ResponseOptions>() {
                response.set_status(StatusCode::SEE_OTHER);
            }
        } else {
            set_error_status(&err);
        }
        Err(err)
    }

    /// Gives a failed server function the status the REST API would give, so the browser's
    /// network log reads right (401 for a lost session, 422 for invalid input, …).
    pub fn set_error_status(err: &UiError) {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(match err.code.as_str() {
                crate::errors::SIGNED_OUT | "INVALID_EMAIL_OR_PASSWORD" => StatusCode::UNAUTHORIZED,
                "TOO_MANY_REQUESTS" => StatusCode::TOO_MANY_REQUESTS,
                "NOT_FOUND" => StatusCode::NOT_FOUND,
                "SERVICE_UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
                "SERVER_ERROR" | "INTERNAL_SERVER_ERROR" => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            });
        }
    }

    /// The page a form post came from (path and query, without the query keys in `drop`, nor
    /// an earlier `error`), for sending it back there.
    pub fn referring_page(default: &str, drop: &[&str]) -> String {
        parts()
            .and_then(|parts| {
                let referer = parts
                    .headers
                    .get(header::REFERER)?
                    .to_str()
                    .ok()?
                    .to_string();
                let rest = referer.splitn(4, '/').nth(3)?;
                // Only a path on this site: `//host` or `/\host` would send the browser away.
                if rest.starts_with(['/', '\\']) {
                    return None;
                }
                let path = format!("/{rest}");
                let (base, query) = path.split_once('?').unwrap_or((&path, ""));
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|pair| {
                        let key = pair.split('=').next().unwrap_or_default();
                        !pair.is_empty() && key != "error" && !drop.contains(&key)
                    })
                    .collect();
                Some(if kept.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}?{}", kept.join("&"))
                })
            })
            .unwrap_or_else(|| default.to_string())
    }

    mod axum_connect_info {
        pub type ConnectInfo = axum::extract::ConnectInfo<std::net::SocketAddr>;
    }
}
