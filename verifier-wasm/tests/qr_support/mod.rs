//! Fixtures shared by the QR tests and the `qr_decode` benchmark.
#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "fixture loading: a missing or broken fixture is a broken checkout"
)]

use std::path::{Path, PathBuf};

use image::{GrayImage, Luma};

/// `tests/fixtures/` at the workspace root.
pub fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures"))
}

/// Every `qr.png` of a signed DIVOC certificate, with its sibling
/// `certificate.zip`, sorted.
pub fn divoc_qr_pngs() -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    walk(&fixtures().join("divoc/stack-signed"), &mut |p| {
        if p.file_name().is_some_and(|n| n == "qr.png") {
            out.push((p.to_owned(), p.with_file_name("certificate.zip")));
        }
    });
    out.sort();
    out
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, f);
        } else {
            f(&p);
        }
    }
}

/// The densest DIVOC QR in the fixtures (version 28, a 1188-byte RSA
/// certificate ZIP) and its `certificate.zip`: the frame benchmarks use it.
pub fn densest_divoc_qr() -> (PathBuf, PathBuf) {
    let dir = fixtures().join("divoc/stack-signed/rsa-v1/cert-003");
    (dir.join("qr.png"), dir.join("certificate.zip"))
}

/// One corpus image: its name (`qrcode-N/M.png`), pixels, and exact text.
pub struct CorpusImage {
    pub name: String,
    pub image: GrayImage,
    pub expected: String,
}

/// The 179 images of the ZXing QR corpus, as greyscale.
pub fn corpus() -> Vec<CorpusImage> {
    let mut out = Vec::new();
    for set in 1..=6 {
        let dir = fixtures().join(format!("qr-corpus/qrcode-{set}"));
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.retain(|p| p.extension().is_some_and(|e| e != "txt"));
        paths.sort();
        for path in paths {
            out.push(CorpusImage {
                name: format!(
                    "qrcode-{set}/{}",
                    path.file_name().unwrap().to_string_lossy()
                ),
                image: image::open(&path).unwrap().to_luma8(),
                expected: std::fs::read_to_string(path.with_extension("txt")).unwrap(),
            });
        }
    }
    out
}

/// The image turned by `quarter_turns` times 90 degrees clockwise.
pub fn rotate(image: &GrayImage, quarter_turns: usize) -> GrayImage {
    match quarter_turns % 4 {
        1 => image::imageops::rotate90(image),
        2 => image::imageops::rotate180(image),
        3 => image::imageops::rotate270(image),
        _ => image.clone(),
    }
}

/// A 640x480 camera-like frame: the QR image scaled (bilinear) to `side`
/// pixels, placed off-centre on a grey background, contrast reduced to
/// 40..210, with deterministic noise of +-12 grey levels.
pub fn camera_frame(qr_png: &Path, side: u32) -> GrayImage {
    let qr = image::open(qr_png).unwrap().to_luma8();
    let qr = image::imageops::resize(&qr, side, side, image::imageops::FilterType::Triangle);
    let mut frame = GrayImage::from_pixel(640, 480, Luma([150]));
    image::imageops::overlay(
        &mut frame,
        &qr,
        i64::from((640 - side) / 2 + 20),
        i64::from((480 - side) / 2),
    );
    let mut seed = 0x2545_f491_u32;
    for Luma([v]) in frame.pixels_mut() {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let noise = (seed % 25) as i32 - 12;
        let scaled = 40 + i32::from(*v) * 170 / 255;
        *v = (scaled + noise).clamp(0, 255) as u8;
    }
    frame
}
