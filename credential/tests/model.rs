//! The typed credential model against DIVOC's real certificates.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure, and clippy.toml's test allowances do not reach helper functions"
)]

use credential::{
    CertificationRequest, ContextVersion, IssuanceProfile, VaccinationCredential, VaccineCoding,
};
use serde_json::{Value, json};

fn fixture(path: &str) -> Value {
    let full = format!(
        "{}/../tests/fixtures/divoc/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(&full).unwrap()).unwrap()
}

fn without_proof(mut doc: Value) -> Value {
    doc.as_object_mut().unwrap().remove("proof");
    doc
}

/// The request a ministry would have sent for stack-signed ed25519-v2/cert-001.
fn request_for_v2_cert_001() -> CertificationRequest {
    serde_json::from_value(json!({
        "preEnrollmentCode": "12807831715278",
        "recipient": {
            "name": "विकास शर्मा", "dob": "1970-12-18", "gender": "Other", "nationality": "Sri Lankan",
            "identity": "did:PAN:8J5BF1537U", "contact": ["tel:9876543210"],
            "address": {"addressLine1": "175, Sector 21", "addressLine2": "", "district": "Mumbai Suburban",
                        "city": "Mumbai", "state": "Maharashtra", "pincode": "400050", "country": "IND"}
        },
        "vaccination": {"name": "COVISHIELD", "batch": "ZFYCWEH8", "manufacturer": "Serum Institute of India",
                        "date": "2021-07-04T19:24:29.183Z", "effectiveStart": "2021-07-04",
                        "effectiveUntil": "2022-07-04", "dose": 2, "totalDoses": 2},
        "vaccinator": {"name": "Renée Müller"},
        "facility": {"name": "Civil Hospital Mumbai Suburban",
                     "address": {"addressLine1": "", "addressLine2": "", "district": "Mumbai Suburban",
                                 "city": "Mumbai", "state": "Maharashtra", "pincode": "400050", "country": "IND"}},
        "someExtraField": "ignored"
    }))
    .unwrap()
}

fn moh_profile(context_url: &str) -> IssuanceProfile {
    IssuanceProfile {
        context_url: context_url.to_owned(),
        issuer: "https://moh.example.org/".to_owned(),
        certificate_base_url: "https://moh.example.org/vaccine/".to_owned(),
        feedback_base_url: "https://moh.example.org/?".to_owned(),
        info_base_url: "https://moh.example.org/?".to_owned(),
        issuer_name: "Ministry of Health".into(),
    }
}

#[test]
fn built_credential_is_exactly_divocs_document() {
    let expected = without_proof(fixture("stack-signed/ed25519-v2/cert-001/certificate.json"));
    let built = VaccinationCredential::from_request(
        &request_for_v2_cert_001(),
        &moh_profile("https://divoc.dev/credentials/vaccination/v2"),
        "15295081141",
        "2021-07-04T20:47:15.993Z",
        &VaccineCoding {
            icd11_code: Some("XM9QW8".into()),
            prophylaxis: Some("COVID-19 vaccine, non-replicating viral vector".into()),
        },
    )
    .unwrap();
    let doc = built.to_document();
    assert_eq!(doc, expected);
    // Same key order too: the serialized text is byte-identical to DIVOC's.
    assert_eq!(
        serde_json::to_string(&doc).unwrap(),
        serde_json::to_string(&expected).unwrap()
    );
}

#[test]
fn v1_profile_drops_v2_only_fields() {
    let built = VaccinationCredential::from_request(
        &request_for_v2_cert_001(),
        &moh_profile("https://cowin.gov.in/credentials/vaccination/v1"),
        "1",
        "2021-07-04T20:47:15.993Z",
        &VaccineCoding {
            icd11_code: Some("XM9QW8".into()),
            prophylaxis: None,
        },
    )
    .unwrap();
    let doc = built.to_document();
    assert!(doc["credentialSubject"].get("dob").is_none());
    assert!(doc["evidence"][0].get("icd11Code").is_none());
    assert_eq!(doc["credentialSubject"]["age"], "50");
    assert_eq!(built.context_version(), Some(ContextVersion::V1));
}

#[test]
fn request_errors_name_the_missing_field() {
    let mut req = request_for_v2_cert_001();
    req.recipient.name = "  ".into();
    let err = VaccinationCredential::from_request(
        &req,
        &moh_profile("https://divoc.dev/credentials/vaccination/v2"),
        "1",
        "2021-07-04T00:00:00Z",
        &VaccineCoding::default(),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "missing field recipient.name");

    let err = VaccinationCredential::from_request(
        &request_for_v2_cert_001(),
        &moh_profile("https://example.org/unknown/context"),
        "1",
        "2021-07-04T00:00:00Z",
        &VaccineCoding::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("not a known vaccination context"),
        "{err}"
    );
}

#[test]
fn reads_every_divoc_certificate_with_its_quirks() {
    let mut read = 0;
    for dir in ["stack-signed/ed25519-v2", "stack-signed/rsa-v1"] {
        for n in 1..=4 {
            let doc = fixture(&format!("{dir}/cert-00{n}/certificate.json"));
            let cred = VaccinationCredential::from_document(&doc).unwrap();
            assert!(!cred.credential_subject.name.is_empty());
            assert!(cred.vaccination().unwrap().dose.as_u64().is_some());
            // Round trip: the typed view serializes back to the same document.
            assert_eq!(cred.to_document(), doc, "{dir}/cert-00{n}");
            read += 1;
        }
    }
    for v in [
        "rsa-cowin-context-valid",
        "rsa-divoc-context-valid",
        "ed25519-divoc-context-valid",
    ] {
        let doc = fixture(&format!("vectors/{v}.json"));
        let cred = VaccinationCredential::from_document(&doc).unwrap();
        // DIVOC's own vectors carry `""` for the dose numbers.
        assert!(cred.vaccination().unwrap().dose.is_empty());
        assert_eq!(cred.to_document(), doc, "{v}");
        read += 1;
    }
    assert_eq!(read, 11);
}

#[test]
fn postal_code_as_number_is_kept_as_number() {
    let doc = fixture("stack-signed/ed25519-v2/cert-004/certificate.json");
    let cred = VaccinationCredential::from_document(&doc).unwrap();
    assert!(matches!(
        cred.credential_subject.address.postal_code,
        credential::Lenient::Number(_)
    ));
    assert_eq!(cred.to_document(), doc);
}

#[test]
fn other_credentials_are_not_vaccination_credentials() {
    let err = VaccinationCredential::from_document(&json!({"type": ["VerifiableCredential"]}))
        .unwrap_err();
    assert!(err.to_string().contains("ProofOfVaccinationCredential"));
    let err = VaccinationCredential::from_document(
        &json!({"type": ["ProofOfVaccinationCredential"], "credentialSubject": 5}),
    )
    .unwrap_err();
    assert!(err.to_string().contains("malformed"), "{err}");
    let mut doc = fixture("stack-signed/rsa-v1/cert-001/certificate.json");
    doc["evidence"] = json!([]);
    assert_eq!(
        VaccinationCredential::from_document(&doc)
            .unwrap_err()
            .to_string(),
        "missing field evidence"
    );
}
