//! A forgotten password: asking for a reset link by mail, and the page the link leads to.
//! Both forms are islands over plain HTML forms (they work without JavaScript), through the
//! same account service as `/api/auth/request-password-reset` and `/api/auth/reset-password`.

use leptos::{either::Either, prelude::*};
use leptos_router::hooks::use_query_map;

use crate::{
    account::{Gate, posted_error},
    auth_forms::{AccountForm, AccountFormKind, ResetLinkSent},
    errors::UiError,
};

/// Whether this server can send mail (else "Forgot password?" is not offered).
#[server(output = crate::wire::Json)]
pub async fn mail_enabled() -> Result<bool, UiError> {
    Ok(crate::session::server::auth()?.mailer().enabled())
}

#[server(output = crate::wire::Json)]
pub async fn request_reset(email: String) -> Result<(), UiError> {
    use crate::session::server::{auth, client_info, fail};
    let result = async {
        let input = leptodo::recovery::ResetRequestInput {
            email,
            redirect_to: None,
        };
        auth()?
            .request_password_reset(input, &client_info()?)
            .await?;
        // The island says "sent" itself; a plain form post goes to the page that says it.
        if crate::session::server::is_plain_form_post() {
            leptos_axum::redirect("/forgot-password?sent=1");
        }
        Ok(())
    }
    .await;
    result.or_else(|err| fail(err, "/forgot-password"))
}

#[server(output = crate::wire::Json)]
pub async fn reset_password(token: String, password: String) -> Result<(), UiError> {
    use crate::session::server::{auth, client_info, fail, referring_page};
    let page = referring_page("/reset-password", &[]);
    let result = async {
        let input = leptodo::recovery::ResetPasswordInput {
            new_password: password,
            token: Some(token),
        };
        auth()?.reset_password(input, &client_info()?).await?;
        leptos_axum::redirect("/sign-in?notice=reset");
        Ok(())
    }
    .await;
    result.or_else(|err| fail(err, &page))
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let sent = use_query_map().with_untracked(|q| q.get("sent").is_some());
    view! {
        <Gate signed_in=false otherwise="/account">
            <leptos_meta::Title text="Forgot your password? · Leptodo" />
            <section class="card auth-card" aria-labelledby="forgot-title">
                <h1 id="forgot-title">"Forgot your password?"</h1>
                {if sent {
                    Either::Left(view! { <ResetLinkSent /> })
                } else {
                    Either::Right(
                        view! {
                            <AccountForm
                                kind=AccountFormKind::Forgot
                                token=String::new()
                                error=posted_error()
                            />
                        },
                    )
                }}
                <p class="switch">
                    <a href="/sign-in">"Back to sign in"</a>
                </p>
            </section>
        </Gate>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_query_map()
        .with_untracked(|q| q.get("token"))
        .unwrap_or_default();
    view! {
        <leptos_meta::Title text="Choose a new password · Leptodo" />
        <section class="card auth-card" aria-labelledby="reset-title">
            <h1 id="reset-title">"Choose a new password"</h1>
            {if token.is_empty() {
                Either::Left(
                    view! {
                        <p class="form-error" role="alert">
                            "This reset link is invalid, used or expired."
                        </p>
                    },
                )
            } else {
                Either::Right(
                    view! { <AccountForm kind=AccountFormKind::Reset token error=posted_error() /> },
                )
            }}
            <p class="switch">
                <a href="/forgot-password">"Ask for a new link"</a>
            </p>
        </section>
    }
}
