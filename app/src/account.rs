//! Sign-up, sign-in and sign-out: server functions that call the same account service as
//! `/api/auth`, and the forms that call them. The sign-in and sign-up forms are islands: plain
//! HTML forms that work without JavaScript, which once their WASM has loaded check the
//! domain's own rules (`leptodo::rules`) before sending and call the server function directly.

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;

use crate::{
    auth_forms::{AccountForm, AccountFormKind},
    errors::UiError,
};

#[server(output = crate::wire::Json)]
pub async fn sign_up(name: String, email: String, password: String) -> Result<(), UiError> {
    use crate::session::server::{auth, client_info, fail, set_cookie};
    let auth = auth()?;
    let input = leptodo::users::SignUpInput {
        name,
        email,
        password,
    };
    match auth.sign_up(input, &client_info()?).await {
        Ok(signed) => {
            set_cookie(auth.signed_in_cookie(&signed));
            leptos_axum::redirect("/");
            Ok(())
        }
        Err(err) => fail(err.into(), "/sign-up"),
    }
}

#[server(output = crate::wire::Json)]
pub async fn sign_in(email: String, password: String) -> Result<(), UiError> {
    use crate::session::server::{auth, client_info, fail, set_cookie};
    let auth = auth()?;
    let input = leptodo::users::SignInInput { email, password };
    match auth.sign_in(input, &client_info()?).await {
        Ok(signed) => {
            set_cookie(auth.signed_in_cookie(&signed));
            leptos_axum::redirect("/");
            Ok(())
        }
        Err(err) => fail(err.into(), "/sign-in"),
    }
}

#[server(output = crate::wire::Json)]
pub async fn sign_out() -> Result<(), UiError> {
    use crate::session::server::{auth, client_info, fail, headers, set_cookie};
    let auth = auth()?;
    match auth.sign_out_request(&headers(), &client_info()?).await {
        Ok(clear) => {
            set_cookie(clear);
            leptos_axum::redirect("/sign-in");
            Ok(())
        }
        Err(err) => fail(err.into(), "/"),
    }
}

/// The account actions, shared through context so the header can refresh who is signed in.
#[derive(Clone, Copy)]
pub struct AccountActions {
    pub sign_out: ServerAction<SignOut>,
    /// On the Account page; here because it ends the session too.
    pub delete_account: ServerAction<crate::profile::DeleteAccount>,
}

impl AccountActions {
    pub fn new() -> Self {
        Self {
            sign_out: ServerAction::new(),
            delete_account: ServerAction::new(),
        }
    }

    /// Changes whenever one of them completes.
    pub fn version(&self) -> usize {
        self.sign_out.version().get() + self.delete_account.version().get()
    }
}

impl Default for AccountActions {
    fn default() -> Self {
        Self::new()
    }
}

/// The error to show: the enhanced action's, else the one a plain form post sent back in the URL.
pub fn form_error<T, S>(value: S) -> Signal<Option<UiError>>
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, UiError>>> + Send + Sync + 'static,
{
    form_error_of(value, None)
}

/// [`form_error`] for one of several forms on a page: a plain form post's error counts only
/// when the URL names this form (`?form=…`).
pub fn form_error_of<T, S>(value: S, form: Option<&'static str>) -> Signal<Option<UiError>>
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, UiError>>> + Send + Sync + 'static,
{
    let query = use_query_map();
    Signal::derive(move || match value.get() {
        Some(Err(err)) => Some(err),
        Some(Ok(_)) => None,
        None => query.with(|q| {
            let ours = form.is_none_or(|form| q.get("form").as_deref() == Some(form));
            q.get("error")
                .filter(|_| ours)
                .and_then(|code| UiError::from_code(&code))
        }),
    })
}

/// What a page says after a step that ended elsewhere (`?notice=…`).
#[component]
fn Notice() -> impl IntoView {
    let query = use_query_map();
    let text = move || {
        query.with(|q| q.get("notice")).and_then(|notice| match notice.as_str() {
            "reset" => Some("Your password was changed, and every device signed out. Sign in with the new one."),
            "deleted" => Some("Your account and all of its tasks were deleted."),
            _ => None,
        })
    };
    view! {
        <p class="notice" role="status" data-testid="notice">
            {text}
        </p>
    }
}

/// The error a plain form post came back with (`?error=CODE`), for an island's props.
pub(crate) fn posted_error() -> Option<UiError> {
    use_query_map()
        .with_untracked(|q| q.get("error"))
        .and_then(|code| UiError::from_code(&code))
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let mail = Resource::new(|| (), |_| crate::recovery::mail_enabled());
    let forgot = move || {
        Suspend::new(async move {
            matches!(mail.await, Ok(true)).then(|| {
                view! {
                    <p class="switch">
                        <a href="/forgot-password">"Forgot password?"</a>
                    </p>
                }
            })
        })
    };
    view! {
        <Gate signed_in=false otherwise="/">
            <section class="card auth-card" aria-labelledby="sign-in-title">
                <h1 id="sign-in-title">"Sign in"</h1>
                <Notice />
                <AccountForm
                    kind=AccountFormKind::SignIn
                    token=String::new()
                    error=posted_error()
                />
                <Suspense>{forgot}</Suspense>
                <p class="switch">"New here? " <a href="/sign-up">"Create an account"</a></p>
            </section>
        </Gate>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    view! {
        <Gate signed_in=false otherwise="/">
            <section class="card auth-card" aria-labelledby="sign-up-title">
                <h1 id="sign-up-title">"Create your account"</h1>
                <Notice />
                <AccountForm
                    kind=AccountFormKind::SignUp
                    token=String::new()
                    error=posted_error()
                />
                <p class="switch">"Already have an account? " <a href="/sign-in">"Sign in"</a></p>
            </section>
        </Gate>
    }
}

/// Shows its children only to signed-in (`signed_in=true`) or signed-out visitors, and sends
/// everyone else to `otherwise` (a real redirect when the page is server-rendered).
#[component]
pub fn Gate(signed_in: bool, otherwise: &'static str, children: ChildrenFn) -> impl IntoView {
    let user = expect_context::<crate::CurrentUser>();
    view! {
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    let is_signed_in = matches!(user.await, Ok(Some(_)));
                    if is_signed_in == signed_in {
                        Either::Left(children())
                    } else {
                        Either::Right(
                            view! { <leptos_router::components::Redirect path=otherwise /> },
                        )
                    }
                })
            }}
        </Transition>
    }
}

/// The sign-out control in the header: a one-button form, so it works without JavaScript.
#[component]
pub fn SignOutButton() -> impl IntoView {
    let action = expect_context::<AccountActions>().sign_out;
    view! {
        <ActionForm action=action attr:class="sign-out">
            <button type="submit" class="secondary" data-testid="sign-out">
                "Sign out"
            </button>
        </ActionForm>
    }
}
