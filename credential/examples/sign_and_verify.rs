//! Issue a DIVOC-format vaccination certificate with a development key,
//! encode it as a QR payload, and verify it back: the credential core end to
//! end, with no service running.
//!
//! `cargo run -p credential --example sign_and_verify [-- DATA_DIR]`
//!
//! The dev key is generated on first run and kept in `DATA_DIR`
//! (default `./data/dev`) as PKCS#8 PEM, so later runs sign with the same key.

#![allow(clippy::print_stdout, reason = "an example prints what it does")]

use std::path::PathBuf;
use std::time::Instant;

use credential::{
    CertificationRequest, ContextStore, IssuanceProfile, PrivateKey, ProofOptions, Suite,
    VaccinationCredential, VaccineCoding,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "data/dev".into()));
    std::fs::create_dir_all(&dir)?;
    let key_path = dir.join("issuer-key.pem");
    let key = if key_path.exists() {
        PrivateKey::from_pem(&std::fs::read_to_string(&key_path)?)?
    } else {
        let key = PrivateKey::generate_ed25519()?;
        std::fs::write(&key_path, key.to_pkcs8_pem()?.as_bytes())?;
        println!(
            "generated a development signing key: {}",
            key_path.display()
        );
        key
    };
    let public = key.public_key();

    let request: CertificationRequest = serde_json::from_str(
        r#"{
          "preEnrollmentCode": "1234567890",
          "recipient": {"name": "विकास शर्मा", "dob": "1980-05-17", "gender": "Male", "nationality": "Indian",
                        "identity": "did:in.gov.uidai.aadhaar:999999990019", "contact": ["tel:+919999999999"],
                        "address": {"addressLine1": "12, MG Road", "district": "Bengaluru Urban",
                                    "city": "Bengaluru", "state": "Karnataka", "pincode": "560001"}},
          "vaccination": {"name": "COVISHIELD", "batch": "4121Z005", "manufacturer": "Serum Institute of India",
                          "date": "2026-11-20T10:15:00.000Z", "effectiveStart": "2026-11-20",
                          "effectiveUntil": "2027-11-20", "dose": 1, "totalDoses": 2},
          "vaccinator": {"name": "Dr. Anita Rao"},
          "facility": {"name": "PHC Koramangala", "address": {"addressLine1": "80 Feet Road",
                       "district": "Bengaluru Urban", "city": "Bengaluru", "state": "Karnataka", "pincode": 560034}}
        }"#,
    )?;
    let profile = IssuanceProfile {
        context_url: "https://divoc.dev/credentials/vaccination/v2".into(),
        issuer: "https://moh.example.org/".into(),
        certificate_base_url: "https://moh.example.org/vaccine/".into(),
        feedback_base_url: "https://moh.example.org/feedback?".into(),
        info_base_url: "https://moh.example.org/info?".into(),
        issuer_name: "Ministry of Health".into(),
    };
    let coding = VaccineCoding {
        icd11_code: Some("XM9QW8".into()),
        prophylaxis: Some("COVID-19 vaccine, non-replicating viral vector".into()),
    };
    let issued = "2026-11-20T10:20:00.000Z";
    let unsigned =
        VaccinationCredential::from_request(&request, &profile, "81234567890", issued, &coding)?
            .to_document();

    let contexts = ContextStore::bundled();
    let options = ProofOptions::assertion(
        Suite::Ed25519Signature2018,
        "did:web:moh.example.org#key-1",
        issued,
    );
    let started = Instant::now();
    let signed = credential::sign(&unsigned, &options, &key, &contexts)?;
    let signing = started.elapsed();
    let payload = credential::encode_payload(&serde_json::to_vec(&signed)?)?;

    let started = Instant::now();
    let decoded = credential::decode_payload(&payload)?;
    let verified = credential::verify(&decoded.document, &public, &contexts)?;
    let verifying = started.elapsed();

    println!("issuer key (base58): {}", public.to_base58()?);
    println!(
        "signed certificate 81234567890 for {}",
        request.recipient.name
    );
    println!(
        "QR payload: {} bytes (ZIP of {} bytes of JSON)",
        payload.len(),
        decoded.json.len()
    );
    println!(
        "signed in {signing:?}; decoded and verified in {verifying:?} ({})",
        verified.proof().suite()
    );

    let mut tampered = decoded.document.clone();
    if let Some(name) = tampered.pointer_mut("/credentialSubject/name") {
        *name = "Someone Else".into();
    }
    match credential::verify(&tampered, &public, &contexts) {
        Ok(_) => return Err("a tampered certificate verified".into()),
        Err(e) => println!("tampered copy refused: {e}"),
    }
    Ok(())
}
