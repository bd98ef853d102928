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
#[server(output = crate::wire::Json)]
pub async fn current_user() -> Result<Option<UserView>, UiError> {
    match server::session().await {
        Ok(active) => Ok(active.map(|active| server::user_view(&active.user))),
        Err(err) => server::failed_read(err),
    }
}

#[cfg(feature = "ssr")]
pub mod server {
    use http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
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
        use_context::<Auth>().ok_or_else(|| {
            UiError::new("SERVER_ERROR", "accounts are not configured").with_status(500)
        })
    }

    fn parts() -> Option<Parts> {
        use_context::<Parts>()
    }

    /// The request's headers (empty outside a request).
    pub fn headers() -> HeaderMap {
        parts().map(|parts| parts.headers).unwrap_or_default()
    }

    pub fn client_info() -> Result<ClientInfo, UiError> {
        let auth = auth()?;
        Ok(parts().map_or_else(ClientInfo::default, |parts| auth.client(&parts)))
    }

    /// The live session, resumed by the one rule REST uses too ([`Auth::resume`]): slid
    /// forward when due, with the refreshed (or, for a dead session, clearing) cookie sent.
    pub async fn session() -> Result<Option<ActiveSession>, UiError> {
        let auth = auth()?;
        let resumed = auth.resume(&headers()).await?;
        if let Some(cookie) = resumed.set_cookie {
            set_cookie(cookie);
        }
        Ok(resumed.session)
    }

    /// The signed-in owner of the account (user and session), by the rule the REST account
    /// routes use ([`Auth::owner`]), or [`UiError::signed_out`].
    pub async fn owner() -> Result<leptodo::account::Owner, UiError> {
        let (owner, cookie) = auth()?.owner(&headers()).await;
        if let Some(cookie) = cookie {
            set_cookie(cookie);
        }
        owner.map_err(|err| match err {
            leptodo::Error::Unauthenticated(_) => UiError::signed_out(),
            other => other.into(),
        })
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
        F: FnOnce(leptodo::tasks::Tasks, User) -> Fut,
        Fut: std::future::Future<Output = Result<T, UiError>>,
    {
        let page = referring_page(default_page, &[]);
        let result = async {
            let tasks = use_context::<leptodo::tasks::Tasks>().ok_or_else(|| {
                UiError::new("SERVER_ERROR", "tasks are not configured").with_status(500)
            })?;
            let user = require_user().await?;
            action(tasks, user).await
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

    /// Gives a failed server function the status it carries — the one the REST API answers
    /// the same error with — so the browser's network log and the page's status read right.
    pub fn set_error_status(err: &UiError) {
        let status = err
            .status
            .and_then(|status| StatusCode::from_u16(status).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(status);
        }
    }

    /// For server functions that read (resources while a page renders): a failure keeps its
    /// status on the response.
    pub fn failed_read<T>(err: UiError) -> Result<T, UiError> {
        set_error_status(&err);
        Err(err)
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
}
