//! The Account page: the name, the password, the devices signed in (each can be signed out,
//! or all others at once), the email's verification, and deleting the account. Every form is
//! a plain HTML form (it works without JavaScript) calling a server function that goes through
//! the same account service as Better Auth's `/api/auth/*` routes.

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{
    account::{Gate, form_error_of},
    errors::UiError,
    forms::{Field, FormError},
};

/// One signed-in device as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    pub id: String,
    pub current: bool,
    /// "Firefox on Linux", or the user agent as sent.
    pub device: String,
    pub ip: Option<String>,
    pub last_seen: String,
    pub signed_in: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    /// Whether the server can send mail (verification, resets).
    pub mail: bool,
    pub devices: Vec<DeviceView>,
}

#[server(output = crate::wire::Json)]
pub async fn account_overview() -> Result<Option<AccountView>, UiError> {
    use crate::session::server::{auth, failed_read, owner};
    let result = async {
        let auth = auth()?;
        let owner = match owner().await {
            Ok(owner) => owner,
            Err(err) if err.is_signed_out() => return Ok(None),
            Err(err) => return Err(err),
        };
        let sessions = auth.list_sessions(&owner).await?;
        let devices = sessions
            .iter()
            .map(|session| DeviceView {
                id: session.id.clone(),
                current: owner.session_id.as_deref() == Some(session.id.as_str()),
                device: server::describe(session.user_agent.as_deref()),
                ip: session.ip_address.clone(),
                last_seen: server::when(session.last_seen_at),
                signed_in: server::when(session.created_at),
            })
            .collect();
        Ok(Some(AccountView {
            name: owner.user.name.clone(),
            email: owner.user.email.clone(),
            email_verified: owner.user.email_verified,
            mail: auth.mailer().enabled(),
            devices,
        }))
    }
    .await;
    result.or_else(failed_read)
}

#[server(output = crate::wire::Json)]
pub async fn update_name(name: String) -> Result<(), UiError> {
    server::as_owner("name", |auth, owner, client| async move {
        let input = leptodo::account::UpdateUserInput {
            name: Some(name),
            ..Default::default()
        };
        auth.update_user(&owner, input, &client).await?;
        Ok(())
    })
    .await
}

#[server(output = crate::wire::Json)]
pub async fn change_password(
    current_password: String,
    password: String,
    #[server(default)] sign_out_others: Option<String>,
) -> Result<(), UiError> {
    server::as_owner("password", |auth, owner, client| async move {
        let input = leptodo::account::ChangePasswordInput {
            current_password,
            new_password: password,
            revoke_other_sessions: sign_out_others.is_some(),
        };
        auth.change_password(&owner, input, &client).await?;
        Ok(())
    })
    .await
}

#[server(output = crate::wire::Json)]
pub async fn sign_out_device(id: String) -> Result<(), UiError> {
    server::as_owner("device", |auth, owner, client| async move {
        auth.revoke_session(&owner, &id, &client).await?;
        Ok(())
    })
    .await
}

#[server(output = crate::wire::Json)]
pub async fn sign_out_others() -> Result<(), UiError> {
    server::as_owner("others", |auth, owner, client| async move {
        auth.revoke_sessions(&owner, true, &client).await?;
        Ok(())
    })
    .await
}

#[server(output = crate::wire::Json)]
pub async fn resend_verification() -> Result<(), UiError> {
    server::as_owner("verification", |auth, owner, client| async move {
        let input = leptodo::recovery::VerificationInput {
            email: owner.user.email.clone(),
            callback_url: Some("/account?done=verified".into()),
        };
        auth.send_verification_email(input, Some(&owner.user), &client)
            .await?;
        Ok(())
    })
    .await
}

#[server(output = crate::wire::Json)]
pub async fn delete_account(confirm_password: String) -> Result<(), UiError> {
    use crate::session::server::{auth, client_info, fail, owner, set_cookie};
    let result = async {
        let auth = auth()?;
        let owner = owner().await?;
        let input = leptodo::account::DeleteUserInput {
            password: confirm_password,
        };
        auth.delete_user(&owner, input, &client_info()?).await?;
        set_cookie(auth.session_cookie().clear());
        leptos_axum::redirect("/sign-up?notice=deleted");
        Ok(())
    }
    .await;
    result.or_else(|err| fail(err, "/account?form=delete"))
}

#[cfg(feature = "ssr")]
mod server {
    use leptodo::{Auth, account::Owner, sessions::ClientInfo};
    use time::OffsetDateTime;

    use crate::{errors::UiError, session::server as session};

    /// Runs an account change for the signed-in owner; then back to the Account page saying
    /// what was done (`?done=…`), or, on failure, with the error's code.
    pub async fn as_owner<F, Fut>(done: &'static str, change: F) -> Result<(), UiError>
    where
        F: FnOnce(Auth, Owner, ClientInfo) -> Fut,
        Fut: std::future::Future<Output = Result<(), UiError>>,
    {
        let result = async {
            let auth = session::auth()?;
            let owner = session::owner().await?;
            let client = session::client_info()?;
            change(auth, owner, client).await
        }
        .await;
        match result {
            Ok(()) => {
                leptos_axum::redirect(&format!("/account?done={done}"));
                Ok(())
            }
            Err(err) => session::fail(err, &format!("/account?form={done}")),
        }
    }

    /// A date and time people read, in UTC.
    pub fn when(at: OffsetDateTime) -> String {
        let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
        at.format(&format).unwrap_or_default()
    }

    /// "Firefox on Linux" from a user agent, or the agent itself (cut short).
    pub fn describe(agent: Option<&str>) -> String {
        let Some(agent) = agent.filter(|a| !a.trim().is_empty()) else {
            return "Unknown device".into();
        };
        let browser = [
            ("Edg/", "Edge"),
            ("Firefox/", "Firefox"),
            ("Chromium/", "Chromium"),
            ("Chrome/", "Chrome"),
            ("Safari/", "Safari"),
            ("curl/", "curl"),
            ("node", "Node.js"),
        ]
        .into_iter()
        .find(|(needle, _)| agent.contains(needle))
        .map(|(_, name)| name);
        let system = [
            ("Android", "Android"),
            ("iPhone", "iPhone"),
            ("iPad", "iPad"),
            ("Mac OS X", "macOS"),
            ("Windows", "Windows"),
            ("CrOS", "ChromeOS"),
            ("Linux", "Linux"),
        ]
        .into_iter()
        .find(|(needle, _)| agent.contains(needle))
        .map(|(_, name)| name);
        match (browser, system) {
            (Some(browser), Some(system)) => format!("{browser} on {system}"),
            (Some(browser), None) => browser.to_string(),
            _ => agent.chars().take(60).collect(),
        }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn devices_get_names_people_recognise() {
            let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
            assert_eq!(super::describe(Some(firefox)), "Firefox on Linux");
            let phone = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36";
            assert_eq!(super::describe(Some(phone)), "Chrome on Android");
            assert_eq!(super::describe(None), "Unknown device");
            assert_eq!(super::describe(Some("my-script/1")), "my-script/1");
        }
    }
}

/// What the page says after a change (`?done=…`).
fn done_message(done: &str) -> Option<&'static str> {
    Some(match done {
        "name" => "Your name was saved.",
        "password" => "Your password was changed.",
        "device" => "That device was signed out.",
        "others" => "Every other device was signed out.",
        "verification" => "We sent you a new verification link.",
        "verified" => "Your email address is verified. Thank you!",
        _ => return None,
    })
}

#[derive(Clone, Copy)]
struct ProfileActions {
    name: ServerAction<UpdateName>,
    password: ServerAction<ChangePassword>,
    device: ServerAction<SignOutDevice>,
    others: ServerAction<SignOutOthers>,
    verify: ServerAction<ResendVerification>,
    delete: ServerAction<DeleteAccount>,
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let actions = ProfileActions {
        name: ServerAction::new(),
        password: ServerAction::new(),
        device: ServerAction::new(),
        others: ServerAction::new(),
        verify: ServerAction::new(),
        delete: expect_context::<crate::account::AccountActions>().delete_account,
    };
    let versions = move || {
        actions.name.version().get()
            + actions.password.version().get()
            + actions.device.version().get()
            + actions.others.version().get()
            + actions.verify.version().get()
    };
    let overview = Resource::new(versions, |_| account_overview());
    let query = use_query_map();
    let done = move || query.with(|q| q.get("done")).and_then(|d| done_message(&d));
    view! {
        <Gate signed_in=true otherwise="/sign-in">
            <leptos_meta::Title text="Your account · Leptodo" />
            <h1>"Your account"</h1>
            <p class="notice" role="status" data-testid="account-notice">
                {done}
            </p>
            <Transition fallback=|| {
                view! { <p class="loading">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(Some(account)) => {
                            Either::Left(view! { <AccountSections account actions /> })
                        }
                        Ok(None) => Either::Right(view! { <p>"You are signed out."</p> }.into_any()),
                        Err(err) => {
                            Either::Right(
                                view! {
                                    <p class="form-error" role="alert">
                                        {err.message}
                                    </p>
                                }
                                    .into_any(),
                            )
                        }
                    }
                })}
            </Transition>
        </Gate>
    }
}

#[component]
fn AccountSections(account: AccountView, actions: ProfileActions) -> impl IntoView {
    let name_error = form_error_of(actions.name.value(), Some("name"));
    let password_error = form_error_of(actions.password.value(), Some("password"));
    let delete_error = form_error_of(actions.delete.value(), Some("delete"));
    let unverified = (!account.email_verified).then(|| {
        let mail = account.mail;
        view! {
            <section
                class="card notice-card"
                aria-labelledby="verify-title"
                data-testid="unverified"
            >
                <h2 id="verify-title">"Confirm your email address"</h2>
                <p>
                    {format!("{} is not verified yet. ", account.email)}
                    {if mail {
                        "Open the link we mailed you, or ask for a new one."
                    } else {
                        "This server cannot send mail, so it cannot be verified here."
                    }}
                </p>
                {mail
                    .then(|| {
                        view! {
                            <ActionForm action=actions.verify>
                                <button type="submit" class="secondary">
                                    "Send again"
                                </button>
                            </ActionForm>
                        }
                    })}
            </section>
        }
    });
    let others = account.devices.iter().filter(|d| !d.current).count();
    view! {
        {unverified}
        <section class="card" aria-labelledby="profile-title">
            <h2 id="profile-title">"Profile"</h2>
            <p>"Email: " <strong data-testid="account-email">{account.email.clone()}</strong></p>
            <ActionForm action=actions.name>
                <Field
                    name="name"
                    label="Name"
                    autocomplete="name"
                    maxlength=100
                    value=account.name.clone()
                    error=name_error
                />
                <FormError error=name_error />
                <button type="submit">"Save name"</button>
            </ActionForm>
        </section>
        <section class="card" aria-labelledby="password-title">
            <h2 id="password-title">"Change password"</h2>
            <ActionForm action=actions.password>
                <Field
                    name="current_password"
                    label="Current password"
                    kind="password"
                    autocomplete="current-password"
                    error=password_error
                />
                <Field
                    name="password"
                    label="New password"
                    kind="password"
                    autocomplete="new-password"
                    hint="8 to 128 characters."
                    minlength=8
                    maxlength=128
                    error=password_error
                />
                <div class="checkbox-row">
                    <input
                        type="checkbox"
                        id="sign-out-others"
                        name="sign_out_others"
                        value="on"
                        checked=true
                    />
                    <label for="sign-out-others">"Sign out my other devices"</label>
                </div>
                <FormError error=password_error />
                <button type="submit">"Change password"</button>
            </ActionForm>
        </section>
        <section class="card" aria-labelledby="devices-title">
            <h2 id="devices-title">"Signed-in devices"</h2>
            <ul class="devices" data-testid="devices">
                {account
                    .devices
                    .into_iter()
                    .map(|device| view! { <DeviceItem device action=actions.device /> })
                    .collect_view()}
            </ul>
            {(others > 0)
                .then(|| {
                    view! {
                        <ActionForm action=actions.others>
                            <button type="submit" class="secondary" data-testid="sign-out-others">
                                "Sign out everywhere else"
                            </button>
                        </ActionForm>
                    }
                })}
        </section>
        <section class="card danger-zone" aria-labelledby="delete-title">
            <h2 id="delete-title">"Delete account"</h2>
            <p>
                "This deletes your account and every one of your tasks, at once and for good. It cannot be undone."
            </p>
            <ActionForm action=actions.delete>
                <Field
                    name="confirm_password"
                    label="Your password, to confirm"
                    kind="password"
                    autocomplete="current-password"
                    error=delete_error
                />
                <FormError error=delete_error />
                <button type="submit" class="danger" data-testid="delete-account">
                    "Delete my account"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn DeviceItem(device: DeviceView, action: ServerAction<SignOutDevice>) -> impl IntoView {
    let label = format!("Sign out {}", device.device);
    view! {
        <li class="device" data-testid="device" data-current=device.current.then_some("true")>
            <div>
                <strong>{device.device.clone()}</strong>
                {device.current.then(|| view! { <span class="badge">"This device"</span> })}
                <p class="meta">
                    {format!("Last active {} · signed in {}", device.last_seen, device.signed_in)}
                    {device.ip.map(|ip| format!(" · {ip}"))}
                </p>
            </div>
            {(!device.current)
                .then(|| {
                    view! {
                        <ActionForm action=action>
                            <input type="hidden" name="id" value=device.id.clone() />
                            <button type="submit" class="secondary" aria-label=label.clone()>
                                "Sign out"
                            </button>
                        </ActionForm>
                    }
                })}
        </li>
    }
}
