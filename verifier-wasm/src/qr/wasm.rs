//! Minimal JavaScript entry points for decoding alone, used to measure the
//! decoder in wasm (`scripts/qr-rate-wasm.mjs`). The verifier's real API
//! (scan to verdict) is built on the Rust functions, not on these.

use wasm_bindgen::prelude::wasm_bindgen;

/// Text of the first QR code in a PNG or JPEG file, or `undefined`.
#[wasm_bindgen]
pub fn qr_decode_image(bytes: &[u8]) -> Option<String> {
    first_text(super::decode_image(bytes))
}

/// Text of the first QR code in an RGBA frame (`ImageData.data`), or
/// `undefined`.
#[wasm_bindgen]
pub fn qr_decode_rgba(pixels: &[u8], width: u32, height: u32) -> Option<String> {
    first_text(super::decode_rgba(pixels, width, height))
}

/// Payload bytes of the first QR code in an RGBA frame, or `undefined`.
#[wasm_bindgen]
pub fn qr_decode_rgba_payload(pixels: &[u8], width: u32, height: u32) -> Option<Vec<u8>> {
    super::decode_rgba(pixels, width, height)
        .ok()
        .and_then(|codes| codes.into_iter().next())
        .map(super::QrCode::into_payload)
}

fn first_text(result: Result<Vec<super::QrCode>, super::QrError>) -> Option<String> {
    result.ok()?.into_iter().next().map(|c| c.text)
}
