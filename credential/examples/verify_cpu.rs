//! CPU time per verification, read from the kernel's per-thread run time
//! (`/proc/thread-self/schedstat`), so that a loaded machine (CI, fuzzers,
//! builds) does not inflate the figure the way wall-clock benchmarks are.
//! Criterion's `benches/proof.rs` gives wall time on a quiet machine.
//!
//!   cargo run --release -p credential --example verify_cpu [iterations]

#![allow(clippy::print_stdout, reason = "an example prints what it measures")]

use credential::{ContextStore, PublicKey, verify};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/divoc/stack-signed/"
);

/// Nanoseconds this thread has run on a CPU (Linux).
fn cpu_ns() -> Result<u64, Box<dyn std::error::Error>> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat")?;
    Ok(stat
        .split_whitespace()
        .next()
        .ok_or("empty schedstat")?
        .parse()?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let iterations: u32 = std::env::args().nth(1).map_or(Ok(2000), |n| n.parse())?;
    let store = ContextStore::bundled();
    for (label, dir) in [
        ("Ed25519Signature2018 (DIVOC v2)", "ed25519-v2"),
        ("RsaSignature2018 (DIVOC v1)", "rsa-v1"),
    ] {
        let key = PublicKey::from_pem(&std::fs::read_to_string(format!(
            "{FIXTURES}{dir}/key/public.pem"
        ))?)?;
        let zip = std::fs::read(format!("{FIXTURES}{dir}/cert-001/certificate.zip"))?;
        let document = credential::decode_payload(&zip)?.document;
        verify(&document, &key, &store)?;
        let (cpu0, wall0) = (cpu_ns()?, std::time::Instant::now());
        for _ in 0..iterations {
            // The signature check and what a verifier then reads: the
            // credential from its signed graph.
            verify(std::hint::black_box(&document), &key, &store)?.credential()?;
        }
        let cpu = (cpu_ns()? - cpu0) as f64 / f64::from(iterations) / 1000.0;
        let wall = wall0.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
        let (cpu1, wall1) = (cpu_ns()?, std::time::Instant::now());
        for _ in 0..iterations {
            let decoded = credential::decode_payload(std::hint::black_box(&zip))?;
            verify(&decoded.document, &key, &store)?.credential()?;
        }
        let cpu_zip = (cpu_ns()? - cpu1) as f64 / f64::from(iterations) / 1000.0;
        let wall_zip = wall1.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
        println!(
            "{label}: verify + read {cpu:.1} us CPU ({wall:.1} us wall); ZIP payload -> decode -> verify {cpu_zip:.1} us CPU ({wall_zip:.1} us wall); {iterations} runs"
        );
    }
    Ok(())
}
