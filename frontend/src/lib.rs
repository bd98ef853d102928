//! The browser entry point: `cargo leptos` compiles this crate to WASM. On a page with an
//! island, `public/navigate.js` imports the generated `/pkg/leptodo.js` when the browser is
//! idle and calls `hydrate()`, which sets up the reactive root, then each `#[island]`'s
//! exported function on its `<leptos-island>` element. The rest of the page is plain HTML and
//! needs no code here; a page without islands never loads this bundle.

// The islands live in `app`; linking it is what exports them to the loader.
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
