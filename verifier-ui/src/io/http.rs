//! GET with a size bound, over `fetch`. Responses are revalidated with the
//! server (`cache: no-cache`), so the browser's HTTP cache sends
//! `If-None-Match` with the ETag it holds and a 304 costs no body.

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCache, RequestInit, Response};

/// Why a GET failed.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpError {
    /// No answer (offline, refused, CORS).
    Network(String),
    /// An answer other than 200 or 404.
    Status(u16),
    /// More than the caller's limit.
    TooLarge(usize),
}

/// The page's own URL, the base for relative URLs.
pub fn document_url() -> Result<String, JsValue> {
    web_sys::window()
        .ok_or_else(|| JsValue::from_str("no window"))?
        .location()
        .href()
}

/// GET `url`: the body, `None` on 404, an error otherwise. Bodies over
/// `limit` bytes are refused (by `Content-Length` before reading when the
/// server gives it).
pub async fn get(url: &str, limit: usize) -> Result<Option<Vec<u8>>, HttpError> {
    let window = web_sys::window().ok_or_else(|| HttpError::Network("no window".into()))?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_cache(RequestCache::NoCache);
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| HttpError::Network(super::js_message(&e)))?
        .dyn_into()
        .map_err(|_| HttpError::Network("not a Response".into()))?;
    match response.status() {
        200 => {}
        404 => return Ok(None),
        status => return Err(HttpError::Status(status)),
    }
    let declared = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(len) = declared.filter(|&len| len > limit) {
        return Err(HttpError::TooLarge(len));
    }
    let buffer = response
        .array_buffer()
        .map_err(|e| HttpError::Network(super::js_message(&e)))?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|e| HttpError::Network(super::js_message(&e)))?;
    let bytes = Uint8Array::new(&buffer);
    let len = bytes.length() as usize;
    if len > limit {
        return Err(HttpError::TooLarge(len));
    }
    Ok(Some(bytes.to_vec()))
}
