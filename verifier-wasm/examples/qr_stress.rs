//! Soak test for panics in the QR decoder: a panic aborts the whole wasm
//! module, so every input must come back as codes or an error.
//!
//! ```text
//! cargo run --release -p verifier-wasm --example qr_stress -- [seconds] [seed]
//! ```
//!
//! Feeds warped variants of every corpus image and DIVOC QR (any rotation
//! angle, scale, shear, crop, blur, noise, contrast, inversion) and synthetic
//! module grids with finder patterns, and reports each panic with the frame
//! saved under /tmp for reproduction.
#![allow(clippy::print_stdout, reason = "a command-line report")]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use image::{GrayImage, Luma};
use verifier_wasm::qr;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(60);
    let seed: u64 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(0x5eed);
    let sources = load_sources()?;
    println!("{} source images, {seconds} s, seed {seed}", sources.len());

    // Silence the default hook's backtraces; panics are reported below.
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| l.to_string()).unwrap_or_default();
        println!("  panic at {location}: {}", payload_text(info.payload()));
    }));

    let mut rng = Rng(seed | 1);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut frames, mut found, mut panics) = (0u64, 0u64, 0u64);
    while Instant::now() < deadline {
        let frame = if rng.below(4) == 0 {
            synthetic_grid(&mut rng)
        } else {
            let source = sources
                .get(rng.below(sources.len() as u64) as usize)
                .ok_or("no sources")?;
            warp(source, &mut rng)
        };
        frames += 1;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            qr::decode_luma(frame.as_raw(), frame.width(), frame.height())
        }));
        match outcome {
            Ok(Ok(_)) => found += 1,
            Ok(Err(_)) => {}
            Err(_) => {
                panics += 1;
                let path = format!("/tmp/qr-stress-panic-{seed}-{frames}.png");
                frame.save(&path)?;
                println!(
                    "  frame {frames} ({}x{}) saved to {path}",
                    frame.width(),
                    frame.height()
                );
            }
        }
    }
    println!("{frames} frames, {found} with a code, {panics} panics");
    if panics > 0 {
        std::process::exit(1);
    }
    Ok(())
}

fn payload_text(payload: &dyn std::any::Any) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

fn load_sources() -> Result<Vec<GrayImage>, Box<dyn std::error::Error>> {
    let fixtures = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures"));
    let mut paths = Vec::new();
    for set in 1..=6 {
        for entry in std::fs::read_dir(fixtures.join(format!("qr-corpus/qrcode-{set}")))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "png") {
                paths.push(path);
            }
        }
    }
    for cert in ["rsa-v1/cert-003", "ed25519-v2/cert-001"] {
        paths.push(fixtures.join(format!("divoc/stack-signed/{cert}/qr.png")));
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| Ok(image::open(p)?.to_luma8()))
        .collect()
}

/// An affine warp (rotation by any angle, scale, shear) with a random crop
/// and photometric damage.
fn warp(src: &GrayImage, rng: &mut Rng) -> GrayImage {
    let angle = rng.range(0.0, std::f64::consts::TAU);
    let scale = rng.range(0.25, 2.5);
    let shear = rng.range(-0.4, 0.4);
    let (sw, sh) = (f64::from(src.width()), f64::from(src.height()));
    let out_w = ((sw * scale * rng.range(0.5, 1.5)) as u32).clamp(1, 1600);
    let out_h = ((sh * scale * rng.range(0.5, 1.5)) as u32).clamp(1, 1600);
    let (cos, sin) = (angle.cos(), angle.sin());
    let (cx, cy) = (
        f64::from(out_w) / 2.0 + rng.range(-40.0, 40.0),
        f64::from(out_h) / 2.0,
    );
    let background = rng.below(256) as u8;
    let mut frame = GrayImage::from_fn(out_w, out_h, |x, y| {
        // Inverse map: output -> source.
        let (dx, dy) = ((f64::from(x) - cx) / scale, (f64::from(y) - cy) / scale);
        let (dx, dy) = (dx - shear * dy, dy);
        let (u, v) = (
            cos * dx + sin * dy + sw / 2.0,
            -sin * dx + cos * dy + sh / 2.0,
        );
        if u >= 0.0 && v >= 0.0 && u < sw && v < sh {
            *src.get_pixel(u as u32, v as u32)
        } else {
            Luma([background])
        }
    });
    if rng.below(3) == 0 {
        frame = image::imageops::blur(&frame, rng.range(0.5, 3.0) as f32);
    }
    let (lo, hi) = (rng.below(128) as i32, 128 + rng.below(128) as i32);
    let noise = rng.below(60) as i32;
    let invert = rng.below(8) == 0;
    for Luma([v]) in frame.pixels_mut() {
        let n = if noise > 0 {
            rng.below(2 * noise as u64 + 1) as i32 - noise
        } else {
            0
        };
        let mut p = lo + i32::from(*v) * (hi - lo) / 255 + n;
        if invert {
            p = 255 - p;
        }
        *v = p.clamp(0, 255) as u8;
    }
    frame
}

/// Random modules with three finder patterns (and sometimes an alignment
/// pattern), so the detectors reach sampling and decoding.
fn synthetic_grid(rng: &mut Rng) -> GrayImage {
    let version = 1 + rng.below(40) as u32;
    let n = 17 + 4 * version;
    let module = 1 + rng.below(5) as u32;
    let quiet = rng.below(6) as u32;
    let side = (n + 2 * quiet) * module;
    let bits: Vec<bool> = (0..n * n).map(|_| rng.below(2) == 0).collect();
    let finder = |x: u32, y: u32| -> Option<bool> {
        let local = match (x < 7, y < 7, x >= n - 7, y >= n - 7) {
            (true, true, _, _) => (x, y),
            (_, true, true, _) => (x - (n - 7), y),
            (true, _, _, true) => (x, y - (n - 7)),
            _ => return None,
        };
        let ring = local.0.min(local.1).min(6 - local.0).min(6 - local.1);
        Some(ring != 1)
    };
    GrayImage::from_fn(side, side, |px, py| {
        let (x, y) = (
            (px / module).wrapping_sub(quiet),
            (py / module).wrapping_sub(quiet),
        );
        if x >= n || y >= n {
            return Luma([255]);
        }
        let black = finder(x, y)
            .unwrap_or_else(|| bits.get((y * n + x) as usize).copied().unwrap_or(false));
        Luma([if black { 0 } else { 255 }])
    })
}
