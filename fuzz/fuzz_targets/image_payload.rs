//! Image files (PNG, JPEG) as a user uploads them or the CLI reads them:
//! decode every QR code in the image (`qr::decode_image`), then each payload
//! with `credential::decode_payload` and the engine's `verify_payload` (keys
//! pinned as DIVOC's verifier does). Errors and any verdict are fine;
//! panics, hangs and runaway memory are not. Image decoding and the QR
//! cascade are slow, so the seeds are small and `-max_len` bounds input.

#![no_main]

use std::sync::LazyLock;

use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;
use verifier_wasm::{Verifier, qr};

mod engine;

static VERIFIER: LazyLock<Verifier> = LazyLock::new(engine::pinned_verifier);
static NOW: LazyLock<Timestamp> = LazyLock::new(engine::now);

fuzz_target!(|data: &[u8]| {
    if let Ok(codes) = qr::decode_image(data) {
        assert!(!codes.is_empty(), "Ok means at least one code");
        for code in &codes {
            engine::check_code(&VERIFIER, *NOW, code);
        }
    }
});
