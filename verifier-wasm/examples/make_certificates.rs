//! Writes a directory of distinct signed certificates for `verify DIR`
//! benchmarks (`cargo xtask bench`):
//!
//! ```text
//! cargo run --release -p verifier-wasm --example make_certificates -- OUT [COUNT]
//! ```
//!
//! - `OUT/certificates/NNNNN.zip`: COUNT (default 10,000) DIVOC v2
//!   certificates, each for another person, signed Ed25519Signature2018
//!   with a fixed development key, as QR payloads (ZIP of
//!   `certificate.json`, what a DIVOC QR code holds);
//! - `OUT/key.pem`: that key's public half (kid `did:web:moh.example.org#key-1`);
//! - `OUT/vc2/certificate.zip`, `OUT/vc2/public.pem`: one certificate of the
//!   issuer's VC 2.0 profile (`eddsa-rdfc-2022`), for per-suite timings.
//!
//! Every certificate is valid at `2026-12-01T00:00:00Z` (pass it as
//! `verify --now`): nothing depends on today's date.

#![allow(clippy::print_stdout, reason = "an example prints what it wrote")]

use std::path::PathBuf;

use credential::{
    CertificationRequest, ContextStore, IssuanceProfile, PrivateKey, ProofOptions, Suite,
    VaccinationCredential, VaccineCoding,
};
use serde_json::json;

const ISSUED: &str = "2026-11-20T10:20:00.000Z";

fn request(i: usize) -> Result<CertificationRequest, serde_json::Error> {
    serde_json::from_value(json!({
        "preEnrollmentCode": format!("PE{i:08}"),
        "recipient": {"name": format!("Person {i}"), "dob": "1980-05-17", "gender": "Female",
                      "nationality": "Indian", "identity": format!("did:in.gov.uidai.aadhaar:{i:012}"),
                      "contact": ["tel:+919999999999"],
                      "address": {"addressLine1": "12, MG Road", "district": "Bengaluru Urban",
                                  "city": "Bengaluru", "state": "Karnataka", "pincode": "560001"}},
        "vaccination": {"name": "COVISHIELD", "batch": "4121Z005", "manufacturer": "Serum Institute of India",
                        "date": "2026-11-20T10:15:00.000Z", "effectiveStart": "2026-11-20",
                        "effectiveUntil": "2027-11-20", "dose": 1, "totalDoses": 2},
        "vaccinator": {"name": "Dr. Anita Rao"},
        "facility": {"name": "PHC Koramangala", "address": {"addressLine1": "80 Feet Road",
                     "district": "Bengaluru Urban", "city": "Bengaluru", "state": "Karnataka", "pincode": 560034}}
    }))
}

fn profile(context_url: &str, issuer: &str) -> IssuanceProfile {
    IssuanceProfile {
        context_url: context_url.into(),
        issuer: issuer.into(),
        certificate_base_url: "https://moh.example.org/vaccine/".into(),
        feedback_base_url: String::new(),
        info_base_url: String::new(),
        issuer_name: "Ministry of Health".into(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: make_certificates OUT [COUNT]")?);
    let count: usize = args.next().map_or(Ok(10_000), |n| n.parse())?;
    let contexts = ContextStore::bundled();
    let key = PrivateKey::from_ed25519_seed(&[7; 32]);
    let coding = VaccineCoding {
        icd11_code: Some("XM9QW8".into()),
        prophylaxis: Some("COVID-19 vaccine, non-replicating viral vector".into()),
    };
    let kid = "did:web:moh.example.org#key-1";

    let dir = out.join("certificates");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    std::fs::write(out.join("key.pem"), key.public_key().to_pem()?)?;
    let divoc = profile(
        "https://divoc.dev/credentials/vaccination/v2",
        "https://moh.example.org/",
    );
    let options = ProofOptions::assertion(Suite::Ed25519Signature2018, kid, ISSUED);
    for i in 0..count {
        let id = format!("8{i:010}");
        let unsigned =
            VaccinationCredential::from_request(&request(i)?, &divoc, &id, ISSUED, &coding)?
                .to_document();
        let signed = credential::sign(&unsigned, &options, &key, &contexts)?;
        let zip = credential::encode_payload(&serde_json::to_vec(&signed)?)?;
        std::fs::write(dir.join(format!("{i:05}.zip")), zip)?;
    }

    let vc2 = out.join("vc2");
    std::fs::create_dir_all(&vc2)?;
    let unsigned = credential::vc2::vaccination_certificate(
        &request(0)?,
        &profile(
            credential::vc2::HEALTHCERTS_CONTEXT,
            "did:web:moh.example.org",
        ),
        "3YD1-W548-JND0-NXXR",
        ISSUED,
        &coding,
        None,
    )?;
    let options = ProofOptions::assertion(Suite::EddsaRdfc2022, kid, ISSUED);
    let signed = credential::sign(&unsigned, &options, &key, &contexts)?;
    std::fs::write(
        vc2.join("certificate.zip"),
        credential::encode_payload(&serde_json::to_vec(&signed)?)?,
    )?;
    std::fs::write(vc2.join("public.pem"), key.public_key().to_pem()?)?;
    println!(
        "{count} certificates in {}, key {} ({kid}), a VC 2.0 one in {}",
        dir.display(),
        out.join("key.pem").display(),
        vc2.display()
    );
    Ok(())
}
