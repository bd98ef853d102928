//! The browser entry point: `cargo leptos` compiles this crate to WASM. On a page with an
//! island, `public/navigate.js` imports the generated `/pkg/leptodo.js` (on the first sign of
//! a person using the page) and calls `hydrate()`, which sets
//! up the reactive root and the server functions' redirect, then each `#[island]`'s exported
//! function on its `<leptos-island>` element. The rest of the page is plain HTML and needs no
//! code here; a page without islands never loads this bundle.

// The islands live in `app`; `hydrate` calls into it, which links it and so exports them to
// the loader.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panic messages in the console while developing; the release bundle goes without them.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // A server function that redirects (signed in: to `/`) goes there through navigate.js, in
    // place, rather than with a full page load.
    let _ = leptos::server_fn::redirect::set_redirect_hook(app::browser::visit);
    leptos::mount::hydrate_islands();
}
