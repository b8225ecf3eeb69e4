//! CPU time per verification, read from the kernel's per-thread run time
//! (`/proc/thread-self/schedstat`), so that a loaded machine (CI, fuzzers,
//! builds) does not inflate the figure the way wall-clock benchmarks are.
//! Criterion's `benches/proof.rs` gives wall time on a quiet machine.
//!
//!   cargo run --release -p credential --example verify_cpu [iterations] [--json]
//!
//! One case per suite: DIVOC's stack-signed Ed25519Signature2018 (v2) and
//! RsaSignature2018 (v1) certificates, and the issuer's own VC 2.0 profile
//! (`credential::vc2`, `eddsa-rdfc-2022`), signed here with a fixed key.
//! `--json` prints one JSON object per case instead of a sentence.

#![allow(clippy::print_stdout, reason = "an example prints what it measures")]

use credential::{
    CertificationRequest, ContextStore, IssuanceProfile, PrivateKey, ProofOptions, PublicKey,
    Suite, VaccineCoding, verify,
};

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

/// A stack-signed DIVOC certificate: its public key and ZIP payload.
fn divoc(dir: &str) -> Result<(PublicKey, Vec<u8>), Box<dyn std::error::Error>> {
    let key = PublicKey::from_pem(&std::fs::read_to_string(format!(
        "{FIXTURES}{dir}/key/public.pem"
    ))?)?;
    let zip = std::fs::read(format!("{FIXTURES}{dir}/cert-001/certificate.zip"))?;
    Ok((key, zip))
}

/// A VC 2.0 certificate of the issuer's own profile, signed
/// `eddsa-rdfc-2022` with a fixed development key, as a ZIP payload.
fn vc2(store: &ContextStore) -> Result<(PublicKey, Vec<u8>), Box<dyn std::error::Error>> {
    let request: CertificationRequest = serde_json::from_value(serde_json::json!({
        "preEnrollmentCode": "PE-1",
        "recipient": {"name": "Aïcha Ndiaye", "dob": "1990-02-03", "gender": "Female",
                      "nationality": "Senegalese", "identity": "did:passport:A123"},
        "vaccination": {"name": "COVISHIELD", "batch": "B1", "manufacturer": "Serum Institute of India",
                        "date": "2026-10-01T09:00:00Z", "effectiveStart": "2026-10-01",
                        "effectiveUntil": "2027-10-01", "dose": 1, "totalDoses": 2},
        "vaccinator": {"name": "Dr. Diallo"},
        "facility": {"name": "Hôpital Principal", "address": {"city": "Dakar", "country": "SN"}}
    }))?;
    let profile = IssuanceProfile {
        context_url: credential::vc2::HEALTHCERTS_CONTEXT.into(),
        issuer: "did:web:moh.example.org".into(),
        certificate_base_url: "https://moh.example.org/vaccine/".into(),
        feedback_base_url: String::new(),
        info_base_url: String::new(),
        issuer_name: "Ministry of Health".into(),
    };
    let coding = VaccineCoding {
        icd11_code: Some("XM9QW8".into()),
        prophylaxis: None,
    };
    let issued = "2026-10-01T10:00:00.000Z";
    let unsigned = credential::vc2::vaccination_certificate(
        &request,
        &profile,
        "3YD1-W548-JND0-NXXR",
        issued,
        &coding,
        None,
    )?;
    let key = PrivateKey::from_ed25519_seed(&[5; 32]);
    let options = ProofOptions::assertion(
        Suite::EddsaRdfc2022,
        "did:web:moh.example.org#key-1",
        issued,
    );
    let signed = credential::sign(&unsigned, &options, &key, store)?;
    let zip = credential::encode_payload(&serde_json::to_vec(&signed)?)?;
    Ok((key.public_key(), zip))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let json = std::env::args().any(|a| a == "--json");
    let iterations: u32 = std::env::args()
        .skip(1)
        .find(|a| a != "--json")
        .map_or(Ok(2000), |n| n.parse())?;
    let store = ContextStore::bundled();
    let cases = [
        ("Ed25519Signature2018 (DIVOC v2)", divoc("ed25519-v2")?),
        ("RsaSignature2018 (DIVOC v1)", divoc("rsa-v1")?),
        ("eddsa-rdfc-2022 (VC 2.0 profile)", vc2(&store)?),
    ];
    for (label, (key, zip)) in cases {
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
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "suite": label, "iterations": iterations,
                    "verify_cpu_us": cpu, "verify_wall_us": wall,
                    "zip_verify_cpu_us": cpu_zip, "zip_verify_wall_us": wall_zip,
                })
            );
        } else {
            println!(
                "{label}: verify + read {cpu:.1} us CPU ({wall:.1} us wall); ZIP payload -> decode -> verify {cpu_zip:.1} us CPU ({wall_zip:.1} us wall); {iterations} runs"
            );
        }
    }
    Ok(())
}
