//! Decode rate and time of `qr::decode_luma` on the ZXing QR photo corpus, in
//! each of the four rotations.
//!
//! ```text
//! cargo run --release -p verifier-wasm --example qr_rate -- [corpus dir] [-v]
//! ```
//!
//! A code counts as read when a returned code's text equals `N.txt` exactly
//! ("first" counts only the first code returned, "any" any of them). Times are
//! per call on the luma frame (image file decoding and rotation excluded).
#![allow(clippy::print_stdout, reason = "a command-line report")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use image::GrayImage;
use verifier_wasm::qr;

const SETS: [&str; 6] = [
    "qrcode-1", "qrcode-2", "qrcode-3", "qrcode-4", "qrcode-5", "qrcode-6",
];

struct Sample {
    name: String,
    image: GrayImage,
    expected: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/qr-corpus"
    ));
    let mut verbose = false;
    for arg in args.by_ref() {
        if arg == "-v" {
            verbose = true;
        } else {
            dir = PathBuf::from(arg);
        }
    }

    let mut sets = Vec::new();
    for set in SETS {
        sets.push((set, load_set(&dir.join(set))?));
    }
    let total: usize = sets.iter().map(|(_, s)| s.len()).sum();

    let mut all_times = Vec::new();
    println!(
        "{:<10} {:>5} {:>5} {:>5} {:>5}   (read, first code / any code)",
        "set", "0", "90", "180", "270"
    );
    let mut per_rotation = [(0usize, 0usize); 4];
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let mut slowest = Vec::new();
    for (set, samples) in &sets {
        let mut row = format!("{set:<10}");
        for (rotation, totals) in per_rotation.iter_mut().enumerate() {
            let (mut first, mut any) = (0, 0);
            for sample in samples {
                let image = rotate(&sample.image, rotation);
                let start = Instant::now();
                let result = qr::decode_luma(image.as_raw(), image.width(), image.height());
                let elapsed = start.elapsed();
                all_times.push(elapsed);
                slowest.push((
                    elapsed,
                    format!("{set}/{} at {}", sample.name, rotation * 90),
                ));
                let texts: Vec<&str> = result
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .map(qr::QrCode::text)
                    .collect();
                let hit = texts.iter().position(|t| *t == sample.expected);
                if hit == Some(0) {
                    first += 1;
                }
                if hit.is_some() {
                    any += 1;
                } else {
                    let got = match &result {
                        Ok(_) => format!(
                            "wrong text {:?}",
                            texts
                                .first()
                                .map(|t| t.chars().take(40).collect::<String>())
                        ),
                        Err(e) => e.to_string(),
                    };
                    failures.push(format!("{set}/{} at {}: {got}", sample.name, rotation * 90));
                }
            }
            totals.0 += first;
            totals.1 += any;
            row.push_str(&format!(" {first:>3}/{any:<3}"));
        }
        rows.push(format!("{row}   of {}", samples.len()));
    }
    for row in rows {
        println!("{row}");
    }
    let mut total_row = format!("{:<10}", "all");
    for (first, any) in per_rotation {
        total_row.push_str(&format!(" {first:>3}/{any:<3}"));
    }
    println!("{total_row}   of {total}");

    all_times.sort();
    println!(
        "time per image (all rotations, {} calls): median {:.3} ms, p95 {:.3} ms, max {:.3} ms",
        all_times.len(),
        ms(percentile(&all_times, 50)),
        ms(percentile(&all_times, 95)),
        ms(all_times.last().copied().unwrap_or_default()),
    );

    // Camera mode: the same frame fed to a fresh FrameScanner until it reads
    // the code, as a camera held on a code does.
    let frames_allowed = 7;
    let mut camera_times = Vec::new();
    let mut camera_row = format!("{:<10}", "camera");
    let mut frames_needed = vec![0usize; frames_allowed];
    for turns in 0..4 {
        let mut read = 0;
        for (_, samples) in &sets {
            for sample in samples {
                let image = rotate(&sample.image, turns);
                let mut scanner = qr::FrameScanner::new();
                for frame in 0..frames_allowed {
                    let start = Instant::now();
                    let result = scanner.scan_luma(image.as_raw(), image.width(), image.height());
                    camera_times.push(start.elapsed());
                    if let Ok(codes) = result {
                        if codes.first().is_some_and(|c| c.text() == sample.expected) {
                            read += 1;
                            if let Some(n) = frames_needed.get_mut(frame) {
                                *n += 1;
                            }
                        }
                        break;
                    }
                }
            }
        }
        camera_row.push_str(&format!(" {read:>7}"));
    }
    println!("{camera_row}   of {total}, read within {frames_allowed} frames (FrameScanner)");
    println!("  frames needed (1..{frames_allowed}, all rotations): {frames_needed:?}");
    camera_times.sort();
    println!(
        "  time per frame ({} calls): median {:.3} ms, p95 {:.3} ms",
        camera_times.len(),
        ms(percentile(&camera_times, 50)),
        ms(percentile(&camera_times, 95)),
    );

    if verbose {
        slowest.sort();
        for (t, name) in slowest.iter().rev().take(12) {
            println!("  slow {name}: {:.3} ms", ms(*t));
        }
        for f in failures {
            println!("  miss {f}");
        }
    }
    Ok(())
}

fn load_set(dir: &Path) -> Result<Vec<Sample>, Box<dyn std::error::Error>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.retain(|p| p.extension().is_some_and(|e| e != "txt"));
    paths.sort();
    let mut samples = Vec::new();
    for path in paths {
        let expected = std::fs::read_to_string(path.with_extension("txt"))?;
        let image = image::open(&path)?.to_luma8();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        samples.push(Sample {
            name,
            image,
            expected,
        });
    }
    Ok(samples)
}

fn rotate(image: &GrayImage, quarter_turns: usize) -> GrayImage {
    match quarter_turns {
        1 => image::imageops::rotate90(image),
        2 => image::imageops::rotate180(image),
        3 => image::imageops::rotate270(image),
        _ => image.clone(),
    }
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted
        .get(sorted.len() * p / 100)
        .or(sorted.last())
        .copied()
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
