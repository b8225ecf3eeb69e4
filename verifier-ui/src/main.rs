//! The verifier PWA's entry point: mount the app. Everything else is in
//! the library.

#[cfg(target_arch = "wasm32")]
fn main() {
    leptos::mount::mount_to_body(verifier_ui::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
