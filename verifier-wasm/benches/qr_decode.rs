//! QR decode time: a DIVOC certificate in a camera frame, a frame with no
//! code (what most camera frames are), and the ZXing photo corpus.
//!
//! ```text
//! cargo bench -p verifier-wasm --bench qr_decode
//! ```
//! The per-image median and p95 over the corpus, and its decode rate, come
//! from `cargo run --release -p verifier-wasm --example qr_rate`.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "benchmark setup on fixed fixtures"
)]
#![allow(missing_docs)]

#[path = "../tests/qr_support/mod.rs"]
mod qr_support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use image::{GrayImage, Luma};
use verifier_wasm::qr;

fn frames(c: &mut Criterion) {
    let (png, zip) = qr_support::densest_divoc_qr();
    let zip = std::fs::read(zip).unwrap();
    let frame = qr_support::camera_frame(&png, 400);
    assert_eq!(
        qr::decode_luma(frame.as_raw(), 640, 480).unwrap()[0].payload(),
        zip
    );
    let rgba: Vec<u8> = frame
        .as_raw()
        .iter()
        .flat_map(|&v| [v, v, v, 255])
        .collect();

    let mut group = c.benchmark_group("qr_frame_640x480");
    group.bench_function("divoc_luma", |b| {
        b.iter(|| qr::decode_luma(black_box(frame.as_raw()), 640, 480).unwrap())
    });
    group.bench_function("divoc_rgba", |b| {
        b.iter(|| qr::decode_rgba(black_box(&rgba), 640, 480).unwrap())
    });
    let mut scanner = qr::FrameScanner::new();
    group.bench_function("divoc_rgba_scanner", |b| {
        b.iter(|| scanner.scan_rgba(black_box(&rgba), 640, 480).unwrap())
    });

    // No code: a lit gradient with sensor noise, and a busy scene (random
    // dark rectangles, like text and objects) that feeds the finder search.
    let mut seed = 0x1234_5678_u32;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    let plain = GrayImage::from_fn(640, 480, |x, y| {
        Luma([(60 + x / 5 + y / 8 + next() % 16) as u8])
    });
    let mut busy = GrayImage::from_pixel(640, 480, Luma([200]));
    for _ in 0..400 {
        let (x0, y0, w, h) = (next() % 620, next() % 460, 2 + next() % 20, 2 + next() % 20);
        let shade = (next() % 120) as u8;
        for y in y0..(y0 + h).min(480) {
            for x in x0..(x0 + w).min(640) {
                busy.put_pixel(x, y, Luma([shade]));
            }
        }
    }
    for (name, empty) in [("empty_plain", &plain), ("empty_busy", &busy)] {
        assert_eq!(
            qr::decode_luma(empty.as_raw(), 640, 480),
            Err(qr::QrError::NotFound)
        );
        group.bench_function(name, |b| {
            b.iter(|| qr::decode_luma(black_box(empty.as_raw()), 640, 480))
        });
        // One retry per frame, taken in turn: the mean over the round.
        let mut scanner = qr::FrameScanner::new();
        group.bench_function(format!("{name}_scanner"), |b| {
            b.iter(|| scanner.scan_luma(black_box(empty.as_raw()), 640, 480))
        });
    }
    let rgba_empty: Vec<u8> = plain
        .as_raw()
        .iter()
        .flat_map(|&v| [v, v, v, 255])
        .collect();
    group.bench_function("empty_plain_rgba", |b| {
        b.iter(|| qr::decode_rgba(black_box(&rgba_empty), 640, 480))
    });
    group.finish();

    let divoc = std::fs::read(&png).unwrap();
    c.bench_function("qr_image_file/divoc_qr_png", |b| {
        b.iter(|| qr::decode_image(black_box(&divoc)).unwrap())
    });
}

fn corpus(c: &mut Criterion) {
    let corpus = qr_support::corpus();
    let mut group = c.benchmark_group("qr_corpus");
    group.sample_size(10);
    group.bench_function("all_179_images", |b| {
        b.iter(|| {
            corpus
                .iter()
                .filter(|s| {
                    qr::decode_luma(s.image.as_raw(), s.image.width(), s.image.height()).is_ok()
                })
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, frames, corpus);
criterion_main!(benches);
