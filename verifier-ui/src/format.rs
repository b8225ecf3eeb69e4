//! Dates, numbers and ages in the reader's language, through the browser's
//! `Intl` (its CLDR data costs the app nothing): Arabic gets Arabic-Indic
//! digits, Hindi its date order, and "3 hours ago" is in every language.

use js_sys::{Array, Date, Intl, Object, Reflect};
use wasm_bindgen::JsValue;

fn locales(locale: &str) -> Array {
    Array::of1(&JsValue::from_str(locale))
}

fn options(pairs: &[(&str, &str)]) -> Object {
    let options = Object::new();
    for (k, v) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&options, &(*k).into(), &(*v).into());
    }
    options
}

/// A date from the credential (`2021-07-04`, or a full RFC 3339 time) as
/// the locale writes dates; text that is not a date is shown as it is.
pub fn date(locale: &str, text: &str) -> String {
    let parsed = Date::new(&JsValue::from_str(text));
    if parsed.get_time().is_nan() {
        return text.to_owned();
    }
    // A bare date is a calendar date, not an instant: format it in UTC so
    // no time zone moves it to the day before.
    let date_only = text.len() == 10;
    let mut pairs = vec![("dateStyle", "medium")];
    if date_only {
        pairs.push(("timeZone", "UTC"));
    }
    let format = Intl::DateTimeFormat::new(&locales(locale), &options(&pairs));
    format
        .format()
        .call1(&format, &parsed)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| text.to_owned())
}

/// A whole number from the credential (`"2"`) in the locale's digits;
/// text that is not a number is shown as it is.
pub fn number(locale: &str, text: &str) -> String {
    match text.trim().parse::<f64>() {
        Ok(n) if n.is_finite() => {
            let format = Intl::NumberFormat::new(&locales(locale), &Object::new());
            format
                .format()
                .call1(&format, &JsValue::from_f64(n))
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_else(|| text.to_owned())
        }
        _ => text.to_owned(),
    }
}

/// How long ago `then_ms` was at `now_ms`, e.g. "3 hours ago", "yesterday".
pub fn ago(locale: &str, then_ms: f64, now_ms: f64) -> String {
    let seconds = ((now_ms - then_ms) / 1000.0).max(0.0);
    let (value, unit) = if seconds < 60.0 {
        (0.0, "minute")
    } else if seconds < 3600.0 {
        ((seconds / 60.0).floor(), "minute")
    } else if seconds < 86_400.0 {
        ((seconds / 3600.0).floor(), "hour")
    } else {
        ((seconds / 86_400.0).floor(), "day")
    };
    let format = Intl::RelativeTimeFormat::new(&locales(locale), &options(&[("numeric", "auto")]));
    String::from(format.format(-value, unit))
}
