//! A forgotten password: asking for a reset link by mail, and the page the link leads to.
//! Both forms are islands over plain HTML forms (they work without JavaScript), through the
//! same account service as `/api/auth/request-password-reset` and `/api/auth/reset-password`.

use leptos::{either::Either, prelude::*, server_fn::ServerFn};
use leptos_router::hooks::use_query_map;

use crate::{
    account::{Field, FormError, Gate, posted_error},
    errors::UiError,
    forms::{FormState, SubmitButton, enhance},
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
                    Either::Left(view! { <Sent /> })
                } else {
                    Either::Right(view! { <ForgotForm error=posted_error() /> })
                }}
                <p class="switch">
                    <a href="/sign-in">"Back to sign in"</a>
                </p>
            </section>
        </Gate>
    }
}

#[component]
fn Sent() -> impl IntoView {
    view! {
        <p class="notice" role="status" data-testid="reset-sent">
            "If an account uses that address, a link to reset its password is on its way. It works for one hour."
        </p>
    }
}

/// Asks for a reset link; says it is on its way without leaving the page.
#[island]
fn ForgotForm(error: Option<UiError>) -> impl IntoView {
    let state = FormState::new(error);
    let sent = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        enhance(
            &ev,
            state,
            |form| RequestReset {
                email: form.text("email"),
            },
            |form| leptodo::rules::check_sign_in(&form.email),
            |form| request_reset(form.email),
            move |_| sent.set(true),
        )
    };
    let error = state.error();
    view! {
        <Show
            when=move || sent.get()
            fallback=move || {
                view! {
                    <p>
                        "Enter the email address of your account: we will mail you a link to choose a new password."
                    </p>
                    <form
                        method="post"
                        action=RequestReset::url()
                        on:submit=submit
                        node_ref=state.form
                    >
                        <Field
                            name="email"
                            label="Email"
                            kind="email"
                            autocomplete="email"
                            error=error
                        />
                        <FormError error=error />
                        <SubmitButton state label="Send me a link" busy="Sending…" />
                    </form>
                }
            }
        >
            <Sent />
        </Show>
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
                Either::Right(view! { <ResetForm token error=posted_error() /> })
            }}
            <p class="switch">
                <a href="/forgot-password">"Ask for a new link"</a>
            </p>
        </section>
    }
}

/// Sets the new password (checked by the password rule first); the server function's redirect
/// then goes to the sign-in page.
#[island]
fn ResetForm(token: String, error: Option<UiError>) -> impl IntoView {
    let state = FormState::new(error);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        enhance(
            &ev,
            state,
            |form| ResetPassword {
                token: form.text("token"),
                password: form.text("password"),
            },
            |form| leptodo::rules::check_new_password(&form.password),
            |form| reset_password(form.token, form.password),
            |_| (),
        )
    };
    let error = state.error();
    view! {
        <form method="post" action=ResetPassword::url() on:submit=submit node_ref=state.form>
            <input type="hidden" name="token" value=token />
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
            <SubmitButton state label="Set new password" busy="Saving…" />
        </form>
    }
}
