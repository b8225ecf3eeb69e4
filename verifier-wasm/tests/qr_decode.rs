//! What comes out of real QR images: DIVOC certificates byte for byte, and
//! the ZXing photo corpus at the rate the design budgets.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failure here is a test failure"
)]

mod qr_support;

use std::sync::OnceLock;

use qr_support::{camera_frame, corpus, densest_divoc_qr, divoc_qr_pngs, fixtures, rotate};
use verifier_wasm::qr::{self, EcLevel, PayloadKind, QrError};

/// Design budget: zxing-cpp's score on the corpus.
const CORPUS_BUDGET: usize = 165;
/// How far a rotation may fall below the unrotated count.
const ROTATION_SLACK: usize = 2;

#[test]
fn every_divoc_qr_png_gives_the_exact_zip_bytes() {
    let pngs = divoc_qr_pngs();
    assert!(pngs.len() >= 60, "fixtures missing: {} qr.png", pngs.len());
    for (png, zip) in pngs {
        let codes = qr::decode_image(&std::fs::read(&png).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", png.display()));
        let code = &codes[0];
        assert_eq!(code.kind(), PayloadKind::Bytes, "{}", png.display());
        assert!(code.payload().starts_with(b"PK\x03\x04"));
        assert_eq!(
            code.payload(),
            std::fs::read(&zip).unwrap(),
            "{}",
            png.display()
        );
        assert_eq!(code.ec_level(), Some(EcLevel::M), "{}", png.display());
        let version = code.version().unwrap();
        assert!(
            (20..=30).contains(&version),
            "{}: version {version}",
            png.display()
        );
    }
}

#[test]
fn divoc_random_text_qr_is_text() {
    for set in ["ed25519-v2-tampered", "rsa-v1-tampered"] {
        let path = fixtures().join(format!(
            "divoc/stack-signed/{set}/payload/qr_random_text.png"
        ));
        let codes = qr::decode_image(&std::fs::read(path).unwrap()).unwrap();
        // The manifest's note quotes the start of the text.
        assert!(
            codes[0].text().starts_with("HC1:/DVRC10Z6LSU7RQK: GA"),
            "{}",
            codes[0].text()
        );
        assert_eq!(codes[0].payload(), codes[0].text().as_bytes());
    }
}

#[test]
fn divoc_qr_in_a_noisy_camera_frame_in_every_rotation() {
    let (png, zip) = densest_divoc_qr();
    let zip = std::fs::read(zip).unwrap();
    let frame = camera_frame(&png, 400);
    for turns in 0..4 {
        let frame = rotate(&frame, turns);
        let codes = qr::decode_luma(frame.as_raw(), frame.width(), frame.height())
            .unwrap_or_else(|e| panic!("{} quarter turns: {e}", turns));
        assert_eq!(codes[0].payload(), zip);
    }
    // The same frame as canvas RGBA, with the alpha a canvas gives.
    let rgba: Vec<u8> = frame
        .as_raw()
        .iter()
        .flat_map(|&v| [v, v, v, 255])
        .collect();
    let codes = qr::decode_rgba(&rgba, 640, 480).unwrap();
    assert_eq!(codes[0].payload(), zip);
}

#[test]
fn kanji_and_shift_jis_come_out_as_unicode() {
    let corpus = corpus();
    for name in [
        "qrcode-2/10.png",
        "qrcode-2/31.png",
        "qrcode-2/26.png",
        "qrcode-2/17.png",
    ] {
        let sample = corpus.iter().find(|s| s.name == name).unwrap();
        let codes = qr::decode_luma(
            sample.image.as_raw(),
            sample.image.width(),
            sample.image.height(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(codes[0].text(), sample.expected, "{name}");
        match codes[0].kind() {
            PayloadKind::Text => assert_eq!(codes[0].payload(), sample.expected.as_bytes()),
            // Byte mode holding Shift-JIS: the payload keeps the encoded
            // bytes, which are not the UTF-8 text.
            PayloadKind::Bytes => assert_ne!(codes[0].payload(), sample.expected.as_bytes()),
            other => panic!("{name}: {other:?}"),
        }
    }
}

/// qrcode-2/33.png names GB2312 by ECI for its one hanzi ("阿"). The
/// verifier links only the encodings a certificate can need (see
/// third_party/encoding_rs/README.md), so that segment is not decoded and
/// the code does not read as its exact text: one of the corpus misses.
#[test]
fn gb2312_by_eci_is_not_decoded() {
    let corpus = corpus();
    let sample = corpus.iter().find(|s| s.name == "qrcode-2/33.png").unwrap();
    let (w, h) = (sample.image.width(), sample.image.height());
    let text = qr::decode_luma(sample.image.as_raw(), w, h)
        .map(|codes| codes[0].text().to_owned())
        .unwrap_or_default();
    assert_ne!(text, sample.expected);
    assert!(!text.contains('阿'), "{text:?}");
}

#[test]
fn frame_scanner_reaches_every_retry_within_a_few_frames() {
    let corpus = corpus();
    // Each needs a retry of the cascade: the global threshold or half size
    // (2/12), closing or the global threshold (4/14), double size (4/41, the
    // fifth retry in the round).
    for name in ["qrcode-2/12.png", "qrcode-4/14.png", "qrcode-4/41.png"] {
        let sample = corpus.iter().find(|s| s.name == name).unwrap();
        let (w, h) = (sample.image.width(), sample.image.height());
        let one_shot = qr::decode_luma(sample.image.as_raw(), w, h).unwrap();
        assert_eq!(one_shot[0].text(), sample.expected, "{name}");
        let mut scanner = qr::FrameScanner::new();
        let frames = (1..=7)
            .find(|_| scanner.scan_luma(sample.image.as_raw(), w, h).is_ok())
            .unwrap_or_else(|| panic!("{name}: not read in 7 frames"));
        assert!(frames > 1, "{name} was meant to need a retry");
    }
    // The DIVOC frame is read by the first pass, on the first frame.
    let (png, zip) = densest_divoc_qr();
    let frame = camera_frame(&png, 400);
    let mut scanner = qr::FrameScanner::new();
    let codes = scanner.scan_luma(frame.as_raw(), 640, 480).unwrap();
    assert_eq!(codes[0].payload(), std::fs::read(zip).unwrap());
    let rgba: Vec<u8> = frame
        .as_raw()
        .iter()
        .flat_map(|&v| [v, v, v, 255])
        .collect();
    assert!(scanner.scan_rgba(&rgba, 640, 480).is_ok());
    assert_eq!(
        scanner.scan_rgba(&rgba, 640, 479),
        Err(QrError::BadDimensions {
            width: 640,
            height: 479,
            len: rgba.len()
        })
    );
    // Empty frames stay empty through a whole round of retries.
    let grey = vec![90u8; 640 * 480];
    for _ in 0..8 {
        assert_eq!(scanner.scan_luma(&grey, 640, 480), Err(QrError::NotFound));
    }
}

#[test]
fn a_png_of_another_format_is_refused() {
    let err = qr::decode_image(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap_err();
    assert!(matches!(err, QrError::UnsupportedImage { .. }), "{err:?}");
    let err = qr::decode_image(b"").unwrap_err();
    assert!(matches!(err, QrError::UnsupportedImage { .. }), "{err:?}");
}

/// Codes read in the corpus per rotation (0, 90, 180, 270 degrees), counting
/// the first code returned, with the misses for the failure message.
fn corpus_counts() -> &'static ([usize; 4], Vec<String>) {
    static COUNTS: OnceLock<([usize; 4], Vec<String>)> = OnceLock::new();
    COUNTS.get_or_init(|| {
        let mut counts = [0; 4];
        let mut misses = Vec::new();
        for sample in corpus() {
            for (turns, count) in counts.iter_mut().enumerate() {
                let image = rotate(&sample.image, turns);
                let result = qr::decode_luma(image.as_raw(), image.width(), image.height());
                match result.as_deref() {
                    Ok([first, ..]) if first.text() == sample.expected => *count += 1,
                    _ => misses.push(format!("{} at {}", sample.name, turns * 90)),
                }
            }
        }
        (counts, misses)
    })
}

#[test]
fn corpus_rate_meets_the_budget() {
    let ([upright, ..], misses) = corpus_counts();
    assert!(
        *upright >= CORPUS_BUDGET,
        "{upright}/179; misses: {misses:?}"
    );
}

#[test]
fn corpus_rate_holds_in_every_rotation() {
    let (counts, misses) = corpus_counts();
    for (turns, &count) in counts.iter().enumerate() {
        assert!(
            count + ROTATION_SLACK >= counts[0] && count >= CORPUS_BUDGET,
            "{count}/179 at {} degrees vs {} upright; misses: {misses:?}",
            turns * 90,
            counts[0]
        );
    }
}
