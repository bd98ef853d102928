//! A forgotten password: asking for a reset link by mail, and the page the link leads to.
//! Plain HTML forms (they work without JavaScript), through the same account service as
//! `/api/auth/request-password-reset` and `/api/auth/reset-password`.

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;

use crate::{
    account::{Field, FormError, Gate, form_error},
    errors::UiError,
};

/// Whether this server can send mail (else "Forgot password?" is not offered).
#[server]
pub async fn mail_enabled() -> Result<bool, UiError> {
    Ok(crate::session::server::auth()?.mailer().enabled())
}

#[server]
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
        leptos_axum::redirect("/forgot-password?sent=1");
        Ok(())
    }
    .await;
    result.or_else(|err| fail(err, "/forgot-password"))
}

#[server]
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
    let action = ServerAction::<RequestReset>::new();
    let error = form_error(action.value());
    let query = use_query_map();
    let sent = move || query.with(|q| q.get("sent").is_some());
    view! {
        <Gate signed_in=false otherwise="/account">
            <leptos_meta::Title text="Forgot your password? · Leptodo" />
            <section class="card auth-card" aria-labelledby="forgot-title">
                <h1 id="forgot-title">"Forgot your password?"</h1>
                <Show
                    when=sent
                    fallback=move || {
                        view! {
                            <p>
                                "Enter the email address of your account: we will mail you a link to choose a new password."
                            </p>
                            <ActionForm action=action>
                                <Field
                                    name="email"
                                    label="Email"
                                    kind="email"
                                    autocomplete="email"
                                    error=error
                                />
                                <FormError error=error />
                                <button type="submit" data-pending="Sending…">
                                    "Send me a link"
                                </button>
                            </ActionForm>
                        }
                    }
                >
                    <p class="notice" role="status" data-testid="reset-sent">
                        "If an account uses that address, a link to reset its password is on its way. It works for one hour."
                    </p>
                </Show>
                <p class="switch">
                    <a href="/sign-in">"Back to sign in"</a>
                </p>
            </section>
        </Gate>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let error = form_error(action.value());
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    view! {
        <leptos_meta::Title text="Choose a new password · Leptodo" />
        <section class="card auth-card" aria-labelledby="reset-title">
            <h1 id="reset-title">"Choose a new password"</h1>
            {move || {
                if token().is_empty() {
                    Either::Left(
                        view! {
                            <p class="form-error" role="alert">
                                "This reset link is invalid, used or expired."
                            </p>
                            <p>
                                <a href="/forgot-password">"Ask for a new link"</a>
                            </p>
                        },
                    )
                } else {
                    Either::Right(
                        view! {
                            <ActionForm action=action>
                                <input type="hidden" name="token" value=token() />
                                <Field
                                    name="password"
                                    label="New password"
                                    kind="password"
                                    autocomplete="new-password"
                                    hint="8 to 128 characters. Every device signed in to your account will be signed out."
                                    minlength=8
                                    maxlength=128
                                    error=error
                                />
                                <FormError error=error />
                                <button type="submit" data-pending="Saving…">
                                    "Set new password"
                                </button>
                            </ActionForm>
                            <p class="switch">
                                <a href="/forgot-password">"Ask for a new link"</a>
                            </p>
                        },
                    )
                }
            }}
        </section>
    }
}
