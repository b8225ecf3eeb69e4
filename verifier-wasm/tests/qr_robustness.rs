//! Inputs that must never panic (a panic aborts the whole wasm module) and
//! must never allocate without a bound.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failure here is a test failure"
)]

mod qr_support;

use image::{GrayImage, ImageEncoder, Luma};
use proptest::prelude::*;
use qr_support::{divoc_qr_pngs, fixtures, rotate};
use verifier_wasm::qr::{self, MAX_PIXELS, MAX_SIDE, QrError};

fn luma(frame: &GrayImage) -> Result<Vec<qr::QrCode>, QrError> {
    qr::decode_luma(frame.as_raw(), frame.width(), frame.height())
}

#[test]
fn degenerate_frames_are_not_found() {
    let frames = [
        GrayImage::new(1, 1),
        GrayImage::from_pixel(21, 21, Luma([0])),
        GrayImage::from_pixel(640, 480, Luma([0])),
        GrayImage::from_pixel(640, 480, Luma([255])),
        GrayImage::from_pixel(640, 480, Luma([128])),
        GrayImage::from_fn(640, 480, |x, _| {
            Luma([if (x / 3) % 2 == 0 { 0 } else { 255 }])
        }),
        GrayImage::from_fn(640, 480, |_, y| {
            Luma([if (y / 7) % 2 == 0 { 0 } else { 255 }])
        }),
        GrayImage::from_fn(640, 480, |x, y| {
            Luma([if (x / 5 + y / 5) % 2 == 0 { 0 } else { 255 }])
        }),
        GrayImage::from_fn(640, 480, |x, y| Luma([((x * 7 + y * 13) % 256) as u8])),
        GrayImage::from_fn(1, 4000, |_, y| Luma([(y % 2 * 255) as u8])),
        GrayImage::from_fn(4000, 2, |x, _| Luma([(x % 2 * 255) as u8])),
    ];
    for frame in &frames {
        assert_eq!(
            luma(frame),
            Err(QrError::NotFound),
            "{}x{}",
            frame.width(),
            frame.height()
        );
    }
}

#[test]
fn noise_frames_are_not_found() {
    let mut seed = 0x9e37_79b9_u32;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for (w, h) in [(640, 480), (480, 640), (100, 100), (1280, 720)] {
        // White noise, and blocky noise whose blocks look like modules.
        let noise = GrayImage::from_fn(w, h, |_, _| Luma([next() as u8]));
        assert_eq!(luma(&noise), Err(QrError::NotFound));
        let blocks: Vec<u8> = (0..(w / 4) * (h / 4))
            .map(|_| if next() % 2 == 0 { 0 } else { 255 })
            .collect();
        let blocky = GrayImage::from_fn(w, h, |x, y| {
            Luma([blocks
                .get(((y / 4) * (w / 4) + x / 4) as usize)
                .copied()
                .unwrap_or(255)])
        });
        assert_eq!(luma(&blocky), Err(QrError::NotFound));
    }
}

#[test]
fn huge_frames_are_bounded() {
    // At the limit: decoded (nothing there), not refused.
    let side = 4096;
    assert_eq!(u64::from(side) * u64::from(side), MAX_PIXELS);
    let white = vec![255u8; (side * side) as usize];
    assert_eq!(qr::decode_luma(&white, side, side), Err(QrError::NotFound));
    drop(white);
    // One row more: refused before any work.
    let over = vec![255u8; (side * (side + 1)) as usize];
    assert_eq!(
        qr::decode_luma(&over, side, side + 1),
        Err(QrError::ImageTooLarge {
            width: side,
            height: side + 1,
            limit: MAX_PIXELS
        })
    );
    // A thin strip under the pixel cap but over the side cap.
    let strip = vec![255u8; (MAX_SIDE + 1) as usize];
    assert!(matches!(
        qr::decode_luma(&strip, MAX_SIDE + 1, 1),
        Err(QrError::ImageTooLarge { .. })
    ));
}

#[test]
fn mismatched_buffers_are_bad_dimensions() {
    let cases: [(&[u8], u32, u32); 5] = [
        (&[0; 10], 3, 3),
        (&[], 0, 0),
        (&[], 0, 5),
        (&[0; 4], 4, 0),
        (&[0; 4], u32::MAX, u32::MAX),
    ];
    for (buf, w, h) in cases {
        assert_eq!(
            qr::decode_luma(buf, w, h),
            Err(QrError::BadDimensions {
                width: w,
                height: h,
                len: buf.len()
            })
        );
    }
    // RGBA needs four bytes per pixel.
    assert_eq!(
        qr::decode_rgba(&[0; 9], 3, 3),
        Err(QrError::BadDimensions {
            width: 3,
            height: 3,
            len: 9
        })
    );
    assert!(qr::decode_rgba(&[0; 36], 3, 3).is_err_and(|e| e == QrError::NotFound));
}

/// A PNG whose IHDR claims `width` x `height` (with a valid CRC), and no data.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut small = Vec::new();
    image::codecs::png::PngEncoder::new(&mut small)
        .write_image(&[0; 4], 2, 2, image::ExtendedColorType::L8)
        .unwrap();
    // Signature (8), IHDR length (4), type (4), then width and height.
    let mut png = small[..33].to_vec();
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32fast::hash(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A JPEG whose frame header claims `width` x `height`.
fn jpeg_header(width: u16, height: u16) -> Vec<u8> {
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .write_image(&[128; 64], 8, 8, image::ExtendedColorType::L8)
        .unwrap();
    // SOF0: FF C0, length (2), precision (1), height (2), width (2).
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    jpeg
}

#[test]
fn oversized_image_headers_are_refused_before_decoding() {
    assert_eq!(
        qr::decode_image(&png_header(100_000, 100_000)),
        Err(QrError::ImageTooLarge {
            width: 100_000,
            height: 100_000,
            limit: MAX_PIXELS
        })
    );
    assert_eq!(
        qr::decode_image(&png_header(4097, 4096)),
        Err(QrError::ImageTooLarge {
            width: 4097,
            height: 4096,
            limit: MAX_PIXELS
        })
    );
    assert_eq!(
        qr::decode_image(&png_header(MAX_SIDE + 1, 1)),
        Err(QrError::ImageTooLarge {
            width: MAX_SIDE + 1,
            height: 1,
            limit: MAX_PIXELS
        })
    );
    assert_eq!(
        qr::decode_image(&jpeg_header(65_535, 65_535)),
        Err(QrError::ImageTooLarge {
            width: 65_535,
            height: 65_535,
            limit: MAX_PIXELS
        })
    );
    // Within the limits, the header alone is a truncated file, not a panic.
    assert!(matches!(
        qr::decode_image(&png_header(64, 64)),
        Err(QrError::UnsupportedImage { .. })
    ));
    // A real small JPEG decodes (nothing in it).
    assert_eq!(qr::decode_image(&jpeg_header(8, 8)), Err(QrError::NotFound));
}

#[test]
fn truncated_and_corrupted_files_do_not_panic() {
    let mut files: Vec<Vec<u8>> = divoc_qr_pngs()
        .into_iter()
        .take(2)
        .map(|(png, _)| std::fs::read(png).unwrap())
        .collect();
    for name in ["qrcode-1/1.png", "qrcode-2/1.png", "qrcode-6/7.png"] {
        files.push(std::fs::read(fixtures().join("qr-corpus").join(name)).unwrap());
    }
    files.push(jpeg_header(8, 8));
    for file in &files {
        for cut in [1, 8, 16, 33, 40, 100, file.len() / 2, file.len() - 1] {
            let _ = qr::decode_image(file.get(..cut).unwrap_or(file));
        }
        for at in (0..file.len()).step_by(file.len() / 17 + 1) {
            let mut corrupt = file.clone();
            corrupt[at] ^= 0x5A;
            let _ = qr::decode_image(&corrupt);
        }
    }
}

#[test]
fn divoc_codes_read_in_every_rotation() {
    for (png, zip) in divoc_qr_pngs().into_iter().step_by(7) {
        let image = image::open(&png).unwrap().to_luma8();
        let zip = std::fs::read(zip).unwrap();
        for turns in 1..4 {
            let codes =
                luma(&rotate(&image, turns)).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
            assert_eq!(
                codes[0].payload(),
                zip,
                "{} at {} quarter turns",
                png.display(),
                turns
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_small_frames_never_panic(
        (w, h, pixels) in (1u32..96, 1u32..96).prop_flat_map(|(w, h)| {
            (Just(w), Just(h), proptest::collection::vec(any::<u8>(), (w * h) as usize))
        })
    ) {
        let result = qr::decode_luma(&pixels, w, h);
        prop_assert!(matches!(result, Ok(_) | Err(QrError::NotFound)));
    }

    #[test]
    fn arbitrary_module_grids_never_panic(
        (w, h, scale, modules) in (21u32..60, 21u32..60, 1u32..5).prop_flat_map(|(w, h, s)| {
            (Just(w), Just(h), Just(s), proptest::collection::vec(any::<bool>(), (w * h) as usize))
        })
    ) {
        // Black and white modules at a few pixels each, with three finder
        // patterns drawn in, so the detectors get past the pattern search and
        // sample and decode garbage.
        // Local coordinates inside one of the three finder patterns, if any.
        let finder_at = |x: u32, y: u32| -> Option<(u32, u32)> {
            match (x < 7, y < 7, x >= w - 7, y >= h - 7) {
                (true, true, _, _) => Some((x, y)),
                (_, true, true, _) => Some((x - (w - 7), y)),
                (true, _, _, true) => Some((x, y - (h - 7))),
                _ => None,
            }
        };
        let frame = GrayImage::from_fn((w + 8) * scale, (h + 8) * scale, |px, py| {
            let (x, y) = ((px / scale).wrapping_sub(4), (py / scale).wrapping_sub(4));
            if x >= w || y >= h {
                return Luma([255]);
            }
            // Ring 0 of a finder is black, ring 1 white, the 3x3 centre black.
            let black = match finder_at(x, y) {
                Some((dx, dy)) => dx.min(dy).min(6 - dx).min(6 - dy) != 1,
                None => modules[(y * w + x) as usize],
            };
            Luma([if black { 0 } else { 255 }])
        });
        let result = luma(&frame);
        prop_assert!(matches!(result, Ok(_) | Err(QrError::NotFound)));
    }

    #[test]
    fn arbitrary_image_bytes_never_panic(
        prefix in prop_oneof![
            Just(b"\x89PNG\r\n\x1a\n".to_vec()),
            Just(b"\xFF\xD8\xFF".to_vec()),
            Just(Vec::new()),
        ],
        body in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut bytes = prefix;
        bytes.extend(body);
        let _ = qr::decode_image(&bytes);
    }
}
