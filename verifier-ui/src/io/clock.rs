//! The verification clock. Normally the device's clock; a deployment for
//! tests may fix its starting point (`config.json`'s `now`), from which it
//! then runs on, so browser tests never depend on today's date.

use std::cell::Cell;

thread_local! {
    /// Milliseconds added to `Date.now()`.
    static OFFSET_MS: Cell<f64> = const { Cell::new(0.0) };
}

/// Milliseconds since the epoch, as `Date.now()`, on the verification clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now() + OFFSET_MS.with(Cell::get)
}

/// Resolve after `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Start the clock at `at` (an RFC 3339 time): from now on it reads `at`
/// plus the time elapsed. A time that does not parse leaves it alone.
pub fn start_at(at: &str) -> bool {
    let ms = js_sys::Date::parse(at);
    if ms.is_nan() {
        return false;
    }
    OFFSET_MS.with(|o| o.set(ms - js_sys::Date::now()));
    true
}
