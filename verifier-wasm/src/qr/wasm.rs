//! Minimal JavaScript entry points for decoding alone, used to measure the
//! decoder in wasm (`scripts/qr-rate-wasm.mjs`). The verifier's real API
//! (scan to verdict) is built on the Rust functions, not on these.

use wasm_bindgen::prelude::wasm_bindgen;

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

/// A camera-stream decoder: [`FrameScanner`](super::FrameScanner) for JS.
#[wasm_bindgen]
#[derive(Debug, Default)]
pub struct QrScanner(super::FrameScanner);

#[wasm_bindgen]
impl QrScanner {
    /// A scanner at the start of its round of retries.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Self {
        Self::default()
    }

    /// Payload bytes of the first QR code in an RGBA frame, or `undefined`.
    pub fn scan_rgba(&mut self, pixels: &[u8], width: u32, height: u32) -> Option<Vec<u8>> {
        self.0
            .scan_rgba(pixels, width, height)
            .ok()
            .and_then(|codes| codes.into_iter().next())
            .map(super::QrCode::into_payload)
    }

    /// Text of the first QR code in an RGBA frame, or `undefined`.
    pub fn scan_rgba_text(&mut self, pixels: &[u8], width: u32, height: u32) -> Option<String> {
        first_text(self.0.scan_rgba(pixels, width, height))
    }
}
