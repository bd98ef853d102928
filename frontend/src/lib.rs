//! The browser entry point: `cargo leptos` compiles this crate to WASM, and the generated
//! `/pkg/leptodo.js` calls `hydrate()` to take over the server-rendered page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
