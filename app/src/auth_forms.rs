//! The sign-in, sign-up, forgot-password and reset-password forms: one island,
//! [`AccountForm`], told which form it is by its `kind`. They differ only in their fields (data
//! here), the rule that checks them and the server function that takes them, so one island
//! compiles once into the WASM instead of four times (measured with twiggy: see the README's
//! "Islands" section). Before the WASM loads, and without JavaScript, each is a plain HTML form
//! posting to its server function.

use crate::data_attrs::testid;
use std::{future::Future, pin::Pin};

use leptodo::FieldError;
use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use crate::{
    account::{SignIn, SignUp, sign_in, sign_up},
    errors::UiError,
    forms::{FieldSpec, FormError, FormState, SubmitButton, Typed, enhance, field},
    recovery::{RequestReset, ResetPassword, request_reset, reset_password},
};

/// Which account form an [`AccountForm`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountFormKind {
    SignIn,
    SignUp,
    Forgot,
    Reset,
}

const NAME: FieldSpec = FieldSpec {
    name: "name",
    label: "Name",
    kind: "text",
    autocomplete: "name",
    hint: None,
    minlength: None,
    maxlength: Some(100),
};
const EMAIL: FieldSpec = FieldSpec {
    name: "email",
    label: "Email",
    kind: "email",
    autocomplete: "email",
    hint: None,
    minlength: None,
    maxlength: None,
};
const PASSWORD: FieldSpec = FieldSpec {
    name: "password",
    label: "Password",
    kind: "password",
    autocomplete: "current-password",
    hint: None,
    minlength: None,
    maxlength: None,
};
const NEW_PASSWORD: FieldSpec = FieldSpec {
    autocomplete: "new-password",
    hint: Some("8 to 128 characters."),
    minlength: Some(8),
    maxlength: Some(128),
    ..PASSWORD
};
const RESET_PASSWORD: FieldSpec = FieldSpec {
    label: "New password",
    hint: Some("8 to 128 characters. Every device signed in to your account will be signed out."),
    ..NEW_PASSWORD
};

/// What an account form holds (a field it does not have is empty).
struct Credentials {
    name: String,
    email: String,
    password: String,
    token: String,
}

type Sent = Pin<Box<dyn Future<Output = Result<(), UiError>>>>;

impl AccountFormKind {
    fn fields(self) -> &'static [FieldSpec] {
        match self {
            Self::SignIn => &[EMAIL, PASSWORD],
            Self::SignUp => &[NAME, EMAIL, NEW_PASSWORD],
            Self::Forgot => &[EMAIL],
            Self::Reset => &[RESET_PASSWORD],
        }
    }

    /// The server function the form posts to.
    fn action(self) -> &'static str {
        match self {
            Self::SignIn => SignIn::url(),
            Self::SignUp => SignUp::url(),
            Self::Forgot => RequestReset::url(),
            Self::Reset => ResetPassword::url(),
        }
    }

    /// The submit button's label, and what it says while the form is sent.
    fn button(self) -> (&'static str, &'static str) {
        match self {
            Self::SignIn => ("Sign in", "Signing in…"),
            Self::SignUp => ("Create account", "Creating your account…"),
            Self::Forgot => ("Send me a link", "Sending…"),
            Self::Reset => ("Set new password", "Saving…"),
        }
    }

    /// The domain's rule for this form (the server checks the same).
    fn check(self, form: &Credentials) -> Vec<FieldError> {
        use leptodo::rules::{check_new_password, check_sign_in, check_sign_up};
        match self {
            Self::SignIn | Self::Forgot => check_sign_in(&form.email),
            Self::SignUp => check_sign_up(&form.name, &form.email, &form.password),
            Self::Reset => check_new_password(&form.password),
        }
    }

    fn send(self, form: Credentials) -> Sent {
        match self {
            Self::SignIn => Box::pin(sign_in(form.email, form.password)),
            Self::SignUp => Box::pin(sign_up(form.name, form.email, form.password)),
            Self::Forgot => Box::pin(request_reset(form.email)),
            Self::Reset => Box::pin(reset_password(form.token, form.password)),
        }
    }
}

/// An account form. Signed in, signed up or with a new password, the server function's
/// redirect takes the browser on; a reset link asked for is said to be on its way in place.
/// `token`: the reset link's (the reset form only; empty otherwise).
#[island]
pub fn AccountForm(kind: AccountFormKind, token: String, error: Option<UiError>) -> impl IntoView {
    let state = FormState::new(error);
    let sent = RwSignal::new(false);
    let hidden_token = (kind == AccountFormKind::Reset).then(|| token.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        let token = token.clone();
        enhance(
            &ev,
            state,
            move |form: &Typed| Credentials {
                name: form.text("name"),
                email: form.text("email"),
                password: form.text("password"),
                token,
            },
            move |form| kind.check(form),
            move |form| kind.send(form),
            move |()| sent.set(kind == AccountFormKind::Forgot),
        )
    };
    let error = state.error();
    let (label, busy) = kind.button();
    let sending = move || sent.get().then_some("");
    view! {
        {(kind == AccountFormKind::Forgot)
            .then(|| {
                view! {
                    <p hidden=sending>
                        "Enter the email address of your account: we will mail you a link to choose a new password."
                    </p>
                    // Empty until the link is asked for: a live region that gets its text.
                    <p
                        class="notice"
                        role="status"
                        {..testid("reset-sent")}
                        hidden=move || !sent.get()
                    >
                        {move || sent.get().then_some(RESET_LINK_SENT)}
                    </p>
                }
            })}
        <form
            method="post"
            action=kind.action()
            on:submit=submit
            node_ref=state.form
            hidden=sending
        >
            {hidden_token.map(|token| view! { <input type="hidden" name="token" value=token /> })}
            {kind.fields().iter().map(|spec| field(*spec, None, error)).collect_view()}
            <FormError error=error />
            <SubmitButton state label busy />
        </form>
    }
}

const RESET_LINK_SENT: &str = "If an account uses that address, a link to reset its password is on its way. It works for one hour.";

/// Said once a reset link is asked for.
#[component]
pub fn ResetLinkSent() -> impl IntoView {
    view! {
        <p class="notice" role="status" {..testid("reset-sent")}>
            {RESET_LINK_SENT}
        </p>
    }
}
