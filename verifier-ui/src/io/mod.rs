//! Everything that talks to the outside world: the engine's worker, the
//! camera, the network, the device's storage, the clock. Screens call these;
//! these know nothing of screens.

pub mod camera;
pub mod clock;
pub mod config;
pub mod engine;
pub mod http;
pub mod storage;
pub mod sync;

use wasm_bindgen::JsValue;

/// A JS error's message, for logs and error states (never shown raw to
/// the user: screens translate the error kinds).
pub fn js_message(e: &JsValue) -> String {
    if let Some(err) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Error>(e) {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}
