//! How an island's form acts once its WASM has loaded: read what was typed, check it with the
//! domain's rules (nothing is sent if a rule is broken: the message shows under the field), then
//! one server function call, with the button pending meanwhile and the server's refusal shown
//! where the form shows errors. Before the WASM loads, and without JavaScript, the same form
//! posts as plain HTML.

use crate::data_attrs::testid;
use std::future::Future;

use leptodo::FieldError;
use leptodo::rules::TaskForm;
use leptos::{
    ev::SubmitEvent,
    prelude::*,
    task::spawn_local,
    wasm_bindgen::JsCast,
    web_sys::{FormData, HtmlFormElement},
};

use crate::errors::UiError;

/// A form's pending state, the error it shows, and the form (checked by the rules once
/// hydrated: [`checked_by_rules`]).
#[derive(Clone, Copy)]
pub struct FormState {
    pub pending: RwSignal<bool>,
    pub error: RwSignal<Option<UiError>>,
    pub form: NodeRef<leptos::html::Form>,
}

impl FormState {
    /// `error`: what a plain form post came back with, if anything.
    pub fn new(error: Option<UiError>) -> Self {
        let form = NodeRef::new();
        checked_by_rules(form);
        Self {
            pending: RwSignal::new(false),
            error: RwSignal::new(error),
            form,
        }
    }

    pub fn error(&self) -> Signal<Option<UiError>> {
        self.error.into()
    }
}

/// What a submitted form holds, read by name. Leptos's `FromFormData` reads a form into a
/// type through serde_qs, whose parser was the largest single piece of the islands' WASM after
/// serde_json; every field here is text, so the browser's own `FormData` does.
pub struct Typed(FormData);

impl Typed {
    /// The form `ev` submits, if the browser can read it.
    pub fn of(ev: &SubmitEvent) -> Option<Self> {
        let form = ev.target()?.dyn_into::<HtmlFormElement>().ok()?;
        FormData::new_with_form(&form).ok().map(Self)
    }

    /// The field `name`'s value; `None` when the form has no such field (as for serde_qs).
    pub fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).as_string()
    }

    /// The field `name`'s value, empty when it has none.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default()
    }

    /// An add form's or an editor's fields.
    pub fn task(&self) -> TaskForm {
        TaskForm {
            title: self.text("title"),
            description: self.get("description"),
            priority: self.get("priority"),
            tags: self.get("tags"),
            due_date: self.get("due_date"),
            recurrence: self.get("recurrence"),
        }
    }
}

/// Handles a submit: `read` the typed values `T`, `check` them with the domain's rules, then
/// `send` them and hand the answer to `done`. A form the browser cannot read is left to post
/// as HTML.
pub fn enhance<T, R, Fut>(
    ev: &SubmitEvent,
    state: FormState,
    read: impl FnOnce(&Typed) -> T,
    check: impl FnOnce(&T) -> Vec<FieldError>,
    send: impl FnOnce(T) -> Fut,
    done: impl FnOnce(R) + 'static,
) where
    R: 'static,
    Fut: Future<Output = Result<R, UiError>> + 'static,
{
    let Some(form) = Typed::of(ev) else {
        return;
    };
    let values = read(&form);
    ev.prevent_default();
    if state.pending.get_untracked() {
        return; // one send at a time
    }
    if let Some(err) = UiError::checked(check(&values)) {
        if let Some((field, _)) = err.fields.first() {
            crate::browser::focus(&format!("field-{field}"));
        }
        state.error.set(Some(err));
        return;
    }
    state.error.set(None);
    state.pending.set(true);
    let sent = send(values);
    spawn_local(async move {
        match sent.await {
            // The page usually changes now (the server function's redirect): the button stays
            // pending until it has.
            Ok(answer) => done(answer),
            Err(err) => {
                state.pending.set(false);
                if err.is_signed_out() {
                    crate::browser::visit("/sign-in?error=SIGNED_OUT");
                } else {
                    state.error.set(Some(err));
                }
            }
        }
    });
}

/// Once hydrated, `form` is checked by the domain's rules (messages under each field, the
/// same as the server's) instead of the browser's own bubbles: `novalidate`. Without the WASM,
/// the browser's checks (`required`, `maxlength`…) stay.
pub fn checked_by_rules(form: NodeRef<leptos::html::Form>) {
    Effect::new(move || {
        if let Some(form) = form.get() {
            let _ = form.set_attribute("novalidate", "");
        }
    });
}

/// A form's submit button: disabled and saying `busy` while the form is sent.
#[component]
pub fn SubmitButton(state: FormState, label: &'static str, busy: &'static str) -> impl IntoView {
    let pending = state.pending;
    view! {
        <button type="submit" data-pending=busy disabled=move || pending.get()>
            {move || if pending.get() { busy } else { label }}
        </button>
    }
}

/// What a [`field`] is: its input's name (the server function's argument), its label, and
/// the browser's own checks and hints.
#[derive(Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    /// The input's `type`.
    pub kind: &'static str,
    pub autocomplete: &'static str,
    pub hint: Option<&'static str>,
    pub minlength: Option<u32>,
    pub maxlength: Option<u32>,
}

/// A labelled input with its error text tied to it (`aria-describedby`), starting with
/// `value`.
pub fn field(
    spec: FieldSpec,
    value: Option<String>,
    error: Signal<Option<UiError>>,
) -> impl IntoView + use<> {
    let FieldSpec {
        name,
        label,
        kind,
        autocomplete,
        hint,
        minlength,
        maxlength,
    } = spec;
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let problem = move || error.get().and_then(|e| e.field(name));
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if problem().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required=true
                minlength=minlength
                maxlength=maxlength
                value=value
                aria-invalid=move || problem().is_some().then_some("true")
                aria-describedby=described_by
            />
            {hint
                .map(|hint| {
                    view! {
                        <p class="hint" id=hint_id.clone()>
                            {hint}
                        </p>
                    }
                })}
            <p class="field-error" id=error_id role="alert">
                {problem}
            </p>
        </div>
    }
}

/// [`field`] as a component, for the forms rendered on the server only (the Account page).
#[component]
pub fn Field(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] minlength: Option<u32>,
    #[prop(optional)] maxlength: Option<u32>,
    /// The value it starts with.
    #[prop(optional, into)]
    value: Option<String>,
    error: Signal<Option<UiError>>,
) -> impl IntoView {
    let spec = FieldSpec {
        name,
        label,
        kind,
        autocomplete,
        hint,
        minlength,
        maxlength,
    };
    field(spec, value, error)
}

/// An error that belongs to no one field, above the submit button.
#[component]
pub fn FormError(error: Signal<Option<UiError>>) -> impl IntoView {
    let general = move || {
        error
            .get()
            .filter(|e| e.fields.is_empty())
            .map(|e| e.message)
    };
    view! {
        <p class="form-error" role="alert" {..testid("form-error")}>
            {general}
        </p>
    }
}
