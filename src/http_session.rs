//! The HTTP side of a browser session, once for the REST routes, the extractors and the server
//! functions alike: who the client is, the session a request's cookie resumes (slid forward,
//! with the refreshed cookie to send), and the cookies that sign-in and sign-out send.
//!
//! Each transport only delivers the `Set-Cookie` values decided here: REST handlers put them
//! on their response, the server's extractors through a slot its middleware reads, and server
//! functions through Leptos's response options.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::{HeaderMap, HeaderValue, request::Parts};

use crate::{
    Auth, SignedIn,
    account::Owner,
    error::{Error, Result},
    session_cookie::Carried,
    sessions::{ActiveSession, ClientInfo},
    users,
};

/// The session a request's cookie resumes, and the cookie its response must carry.
#[derive(Debug, Default)]
pub struct Resumed {
    /// The live session and its user; `None` without a cookie or when it names no live session.
    pub session: Option<ActiveSession>,
    /// A refreshed cookie after the session slid forward (else the browser's cookie would
    /// expire while its session lives on), or a clearing one for a cookie that names no live
    /// session (so the browser stops sending it). `None`: leave the cookie as it is.
    pub set_cookie: Option<HeaderValue>,
}

impl Auth {
    /// Who sent a request: the connection's peer address (or, behind a trusted proxy, the
    /// `X-Forwarded-For` entry it added) and the user agent.
    pub fn client(&self, parts: &Parts) -> ClientInfo {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| *addr);
        self.client_info(&parts.headers, peer)
    }

    /// The session the request's cookie names, slid forward when due (see [`Resumed`]).
    pub async fn resume(&self, headers: &HeaderMap) -> Result<Resumed> {
        let cookie = self.session_cookie();
        let token = match cookie.read(headers) {
            Carried::One(token) => token,
            Carried::None => return Ok(Resumed::default()),
            // Planted beside the real one (cookie tossing): signed out, and the cookie
            // cleared (the server also sends `Clear-Site-Data` for the planted one).
            Carried::Several => {
                tracing::warn!(target: crate::auth::AUDIT, event = "several_session_cookies");
                return Ok(Resumed {
                    session: None,
                    set_cookie: Some(cookie.clear()),
                });
            }
        };
        Ok(match self.session(&token).await? {
            Some(active) => Resumed {
                set_cookie: active
                    .refreshed
                    .then(|| cookie.set(&token, self.session_policy().lifetime)),
                session: Some(active),
            },
            None => Resumed {
                session: None,
                set_cookie: Some(cookie.clear()),
            },
        })
    }

    /// The signed-in owner of the account a request manages: by a Bearer API token in
    /// `Authorization`, else by the session cookie (resumed as by [`Auth::resume`], whose
    /// cookie the response must carry). 401 without either.
    pub async fn owner(&self, headers: &HeaderMap) -> (Result<Owner>, Option<HeaderValue>) {
        if let Some(value) = headers.get(http::header::AUTHORIZATION) {
            let owner = async {
                let value = value.to_str().map_err(|_| {
                    Error::Unauthenticated("the Authorization header must be `Bearer <token>`")
                })?;
                let identity = self.authenticate_bearer(value).await?;
                let user = users::get(self.database(), &identity.user_id)
                    .await?
                    .ok_or(Error::Unauthenticated("the account no longer exists"))?;
                Ok(Owner {
                    user,
                    session_id: None,
                })
            };
            return (owner.await, None);
        }
        match self.resume(headers).await {
            Ok(Resumed {
                session: Some(active),
                set_cookie,
            }) => (
                Ok(Owner {
                    user: active.user,
                    session_id: Some(active.session.id),
                }),
                set_cookie,
            ),
            Ok(Resumed { set_cookie, .. }) => (
                Err(Error::Unauthenticated(
                    "sign in first: this needs a live session",
                )),
                set_cookie,
            ),
            Err(err) => (Err(err), None),
        }
    }

    /// The `Set-Cookie` that starts a browser session after sign-up or sign-in.
    pub fn signed_in_cookie(&self, signed: &SignedIn) -> HeaderValue {
        self.session_cookie()
            .set(&signed.session_token, self.session_policy().lifetime)
    }

    /// Ends the session the request's cookie names (if any) and returns the `Set-Cookie` that
    /// removes the cookie. Succeeds without a session too: signing out always ends signed out.
    pub async fn sign_out_request(
        &self,
        headers: &HeaderMap,
        client: &ClientInfo,
    ) -> Result<HeaderValue> {
        let cookie = self.session_cookie();
        // Every one the request carries: with a planted second cookie beside it, which is the
        // real one cannot be told, and signing out must leave no session behind.
        for token in cookie.tokens(headers) {
            self.sign_out(&token, client).await?;
        }
        Ok(cookie.clear())
    }
}
