//! `verify` over a directory, as a border post batch-checks scans: 200 QR
//! images (PNG, 516x516, as DIVOC renders them) and 200 QR payload ZIPs,
//! each run one process with `--json`. Criterion's throughput is files/s,
//! process start and key loading included (amortised over 200 files).
//!
//! The files are copies of three stack-signed Ed25519 certificates that
//! share a validity window, so every one is verified in full and valid.
//!
//! `cargo bench -p verifier-wasm --bench cli`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "benchmark setup: a broken fixture should fail loudly"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const VERIFY: &str = env!("CARGO_BIN_EXE_verify");
const STACK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/divoc/stack-signed/ed25519-v2"
);
const FILES: usize = 200;
/// cert-001, -002 and -004 are all valid on this day.
const NOW: &str = "2021-09-26T00:00:00Z";
const CERTS: [&str; 3] = ["cert-001", "cert-002", "cert-004"];

/// A directory of `FILES` copies of the three certificates' `file`.
fn corpus(file: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-bench")
        .join(file);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ext = Path::new(file).extension().unwrap().to_str().unwrap();
    for i in 0..FILES {
        let source = Path::new(STACK).join(CERTS[i % CERTS.len()]).join(file);
        std::fs::copy(source, dir.join(format!("{i:04}.{ext}"))).unwrap();
    }
    dir
}

/// One `verify --json DIR` run; every file must come out valid.
fn verify_dir(dir: &Path) {
    let out = Command::new(VERIFY)
        .args([
            "--key",
            &format!("{STACK}/key/public.pem"),
            "--kid",
            "did:example:moh#key-1",
            "--now",
            NOW,
            "--json",
        ])
        .arg(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "every file valid");
    assert_eq!(out.stdout.iter().filter(|&&b| b == b'\n').count(), FILES);
}

fn cli(c: &mut Criterion) {
    let mut group = c.benchmark_group("cli/verify_dir");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(FILES as u64));
    for (name, file) in [("png_200", "qr.png"), ("zip_200", "certificate.zip")] {
        let dir = corpus(file);
        group.bench_function(name, |b| b.iter(|| verify_dir(&dir)));
    }
    group.finish();
}

criterion_group!(benches, cli);
criterion_main!(benches);
