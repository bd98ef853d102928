//! The browser entry point: `cargo leptos` compiles this crate to WASM. On a page with an
//! island, `public/navigate.js` imports the generated `/pkg/leptodo.js` (on the first sign of
//! a person using the page) and calls `hydrate()`, which sets
//! up the reactive root and the server functions' redirect, then each `#[island]`'s exported
//! function on its `<leptos-island>` element. The rest of the page is plain HTML and needs no
//! code here; a page without islands never loads this bundle.

// The islands live in `app`; linking it is what exports them to the loader.
use app as _;
use leptos::web_sys::{
    self,
    js_sys::{Function, Reflect},
    wasm_bindgen::{JsCast, JsValue},
};

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panic messages in the console while developing; the release bundle goes without them.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // A server function that redirects (signed in: to `/`) goes there through navigate.js, in
    // place, rather than with a full page load.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|url: &str| visit(url));
    leptos::mount::hydrate_islands();
}

/// `window.leptodo.visit(url)` (navigate.js), else a normal page load.
fn visit(url: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let visited = Reflect::get(&window, &JsValue::from_str("leptodo"))
        .ok()
        .filter(|api| api.is_object())
        .and_then(|api| {
            let f = Reflect::get(&api, &JsValue::from_str("visit")).ok()?;
            f.dyn_into::<Function>()
                .ok()?
                .call1(&api, &JsValue::from_str(url))
                .ok()
        })
        .is_some();
    if !visited {
        let _ = window.location().assign(url);
    }
}
