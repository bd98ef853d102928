//! What the islands ask of the page around them: `public/navigate.js`'s visit (fetch a page and
//! patch it in) and its history (an island that changes the view, such as opening a task's
//! editor, puts the view in the address bar so Back undoes it). Each falls back to the browser's
//! own behaviour when navigate.js is not there. Called from event handlers only, so never on the
//! server.

use leptos::web_sys::{
    self,
    js_sys::{Function, Reflect},
    wasm_bindgen::{JsCast, JsValue},
};

/// `window.leptodo[name](arg)`, if navigate.js set it up; false when it did not.
fn call(name: &str, arg: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let api = Reflect::get(&window, &JsValue::from_str("leptodo")).ok();
    let method = api
        .as_ref()
        .and_then(|api| Reflect::get(api, &JsValue::from_str(name)).ok())
        .and_then(|f| f.dyn_into::<Function>().ok());
    match (api, method) {
        (Some(api), Some(method)) => method.call1(&api, &JsValue::from_str(arg)).is_ok(),
        _ => false,
    }
}

/// Goes to `url`: in place through navigate.js, else as a normal page load.
pub fn visit(url: &str) {
    if !call("visit", url)
        && let Some(window) = web_sys::window()
    {
        let _ = window.location().assign(url);
    }
}

/// Puts `url` (this page in another view) in the address bar as a new history entry, without
/// fetching it: the island already shows it.
pub fn show(url: &str) {
    if !call("show", url)
        && let Some(window) = web_sys::window()
        && let Ok(history) = window.history()
    {
        let _ = history.push_state_with_url(&JsValue::NULL, "", Some(url));
    }
}

/// Moves keyboard focus to the element with `id`, if there is one.
pub fn focus(id: &str) {
    if let Some(element) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

/// Sets the value of `form`'s field called `name` (an input, a select or a textarea).
pub fn set_field(form: &web_sys::HtmlFormElement, name: &str, value: &str) {
    if let Ok(Some(field)) = form.query_selector(&format!("[name=\"{name}\"]")) {
        let _ = Reflect::set(
            &field,
            &JsValue::from_str("value"),
            &JsValue::from_str(value),
        );
    }
}
