//! Raw greyscale camera frames. A two-byte header (u16, little-endian): the
//! low 15 bits are the width, the top bit picks the decoder; the rest are
//! pixels, row-major, as many whole rows as the input holds.
//!
//! - Top bit clear: `qr::decode_luma`, the whole cascade at once.
//! - Top bit set: a `qr::FrameScanner` fed the same frame until it reads a
//!   code or has had one frame per retry (a camera held still). Its first
//!   code list must be exactly what `decode_luma` returns, and if it reads
//!   nothing, `decode_luma` must read nothing either: the scanner only
//!   spreads the cascade over frames.
//!
//! Every code found goes through `credential::decode_payload` and the
//! engine. Errors and any verdict are fine; panics, hangs and runaway memory
//! are not. Frames are kept small by `-max_len` (the cascade costs per pixel).

#![no_main]

use std::sync::LazyLock;

use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;
use verifier_wasm::Verifier;
use verifier_wasm::qr::{self, FrameScanner, QrError};

mod engine;

static VERIFIER: LazyLock<Verifier> = LazyLock::new(engine::pinned_verifier);
static NOW: LazyLock<Timestamp> = LazyLock::new(engine::now);

/// Frames a scanner gets: one per retry of the cascade (six), so every
/// retry has had its turn.
const SCANNER_FRAMES: usize = 6;

fuzz_target!(|data: &[u8]| {
    let Some((&header, pixels)) = data.split_first_chunk::<2>() else {
        return;
    };
    let header = u16::from_le_bytes(header);
    let use_scanner = header & 0x8000 != 0;
    let width = usize::from(header & 0x7FFF);
    // Width 0: no whole row; the decoder must refuse, not divide by zero.
    let height = pixels.len().checked_div(width).unwrap_or(0);
    let frame = pixels.get(..width * height).unwrap_or_default();
    // Both fit in u32: width has 15 bits, height is at most max_len.
    let (w, h) = (width as u32, height as u32);

    let codes = if use_scanner {
        let mut scanner = FrameScanner::new();
        let mut first = Err(QrError::NotFound);
        for _ in 0..SCANNER_FRAMES {
            first = scanner.scan_luma(frame, w, h);
            if !matches!(first, Err(QrError::NotFound)) {
                break;
            }
        }
        let whole = qr::decode_luma(frame, w, h);
        assert_eq!(first, whole, "the scanner reads what the cascade reads");
        first
    } else {
        qr::decode_luma(frame, w, h)
    };
    match codes {
        Ok(codes) => {
            assert!(!codes.is_empty(), "Ok means at least one code");
            for code in &codes {
                engine::check_code(&VERIFIER, *NOW, code);
            }
        }
        Err(QrError::BadDimensions { .. }) => assert!(w == 0 || h == 0),
        Err(_) => {}
    }
});
