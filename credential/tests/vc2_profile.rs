//! The issuer's own VC 2.0 vaccination profile: built from a DIVOC request,
//! signed, verified, and read back from its graph with every field bound.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure, and clippy.toml's test allowances do not reach helper functions"
)]

use credential::{
    CertificationRequest, ContextStore, IssuanceProfile, PrivateKey, Profile, ProofOptions,
    StatusEntry, Suite, VaccineCoding,
};
use serde_json::{Value, json};

fn request(identity: Option<&str>) -> CertificationRequest {
    let mut r = json!({
        "preEnrollmentCode": "PE-1",
        "recipient": {"name": "Aïcha Ndiaye", "dob": "1990-02-03", "gender": "Female",
                      "nationality": "Senegalese"},
        "vaccination": {"name": "COVISHIELD", "batch": "B1", "manufacturer": "Serum Institute of India",
                        "date": "2026-10-01T09:00:00Z", "effectiveStart": "2026-10-01",
                        "effectiveUntil": "2027-10-01", "dose": 1, "totalDoses": 2},
        "vaccinator": {"name": "Dr. Diallo"},
        "facility": {"name": "Hôpital Principal", "address": {"city": "Dakar", "country": "SN"}}
    });
    if let Some(identity) = identity {
        r["recipient"]["identity"] = json!(identity);
    }
    serde_json::from_value(r).unwrap()
}

fn profile() -> IssuanceProfile {
    IssuanceProfile {
        context_url: credential::vc2::HEALTHCERTS_CONTEXT.into(),
        issuer: "did:web:moh.example.org".into(),
        certificate_base_url: "https://moh.example.org/vaccine/".into(),
        feedback_base_url: String::new(),
        info_base_url: String::new(),
        issuer_name: "Ministry of Health".into(),
    }
}

fn entry() -> StatusEntry {
    StatusEntry {
        list: "https://registry.example.org/v1/status-lists/moh/1".into(),
        index: 4711,
    }
}

fn signed(suite: Suite, identity: Option<&str>) -> (Value, PrivateKey) {
    let key = PrivateKey::from_ed25519_seed(&[5; 32]);
    let unsigned = credential::vc2::vaccination_certificate(
        &request(identity),
        &profile(),
        "3YD1-W548-JND0-NXXR",
        "2026-10-01T10:00:00.000Z",
        &VaccineCoding {
            icd11_code: Some("XM9QW8".into()),
            prophylaxis: None,
        },
        Some(&entry()),
    )
    .unwrap();
    let options = ProofOptions::assertion(
        suite,
        "did:web:moh.example.org#key-1",
        "2026-10-01T10:00:00Z",
    );
    (
        credential::sign(&unsigned, &options, &key, &ContextStore::bundled()).unwrap(),
        key,
    )
}

#[test]
fn every_field_is_read_bound_from_the_graph() {
    for suite in [Suite::EddsaRdfc2022, Suite::Ed25519Signature2018] {
        let (document, key) = signed(suite, Some("did:passport:A123"));
        let verified =
            credential::verify(&document, &key.public_key(), &ContextStore::bundled()).unwrap();
        let view = verified.credential().unwrap();
        assert_eq!(view.profile, Profile::Healthcerts);
        assert_eq!(view.issuer, "did:web:moh.example.org");
        assert_eq!(
            view.id.as_deref(),
            Some("https://moh.example.org/vaccine/3YD1-W548-JND0-NXXR")
        );
        assert_eq!(view.valid_from.as_deref(), Some("2026-10-01T10:00:00.000Z"));
        assert_eq!(view.status, [entry()]);
        let s = view.subject.unwrap();
        assert_eq!(s.id.as_deref(), Some("did:passport:A123"));
        assert_eq!(s.name.as_deref(), Some("Aïcha Ndiaye"));
        assert_eq!(s.birth_date.as_deref(), Some("1990-02-03"));
        assert_eq!(s.age.as_deref(), Some("36"));
        let v = view.vaccination.unwrap();
        assert_eq!(v.certificate_id.as_deref(), Some("3YD1-W548-JND0-NXXR"));
        assert_eq!(v.identifiers, ["3YD1-W548-JND0-NXXR"]);
        assert_eq!(v.vaccine.as_deref(), Some("COVISHIELD"));
        assert_eq!(v.manufacturer.as_deref(), Some("Serum Institute of India"));
        assert_eq!(v.batch.as_deref(), Some("B1"));
        assert_eq!(v.icd11_code.as_deref(), Some("XM9QW8"));
        assert_eq!(
            (v.dose.as_deref(), v.total_doses.as_deref()),
            (Some("1"), Some("2"))
        );
        assert_eq!(v.date.as_deref(), Some("2026-10-01T09:00:00Z"));
        assert_eq!(v.effective_until.as_deref(), Some("2027-10-01"));
        assert_eq!(v.facility.as_deref(), Some("Hôpital Principal"));
        assert!(v.unbound.is_empty(), "every field has its own IRI");
    }
}

/// The fields DIVOC's contexts cannot tell apart are separate here: swapping
/// two of them changes the graph, and the signature fails.
#[test]
fn swapping_fields_breaks_the_signature() {
    let (document, key) = signed(Suite::EddsaRdfc2022, None);
    assert!(document["credentialSubject"].get("id").is_none());
    let verified =
        credential::verify(&document, &key.public_key(), &ContextStore::bundled()).unwrap();
    assert_eq!(verified.credential().unwrap().subject.unwrap().id, None);
    for (a, b) in [
        ("vaccine", "manufacturer"),
        ("batch", "certificateNumber"),
        ("dose", "totalDoses"),
    ] {
        let mut swapped = document.clone();
        let event = &mut swapped["credentialSubject"]["vaccination"];
        let x = event[a].take();
        let y = std::mem::replace(&mut event[b], x);
        event[a] = y;
        assert!(
            credential::verify(&swapped, &key.public_key(), &ContextStore::bundled()).is_err(),
            "{a} <-> {b}"
        );
    }
}

#[test]
fn relative_identities_and_bad_status_lists_are_refused() {
    let build = |identity: &str, status: Option<&StatusEntry>| {
        credential::vc2::vaccination_certificate(
            &request(Some(identity)),
            &profile(),
            "X",
            "2026-10-01T10:00:00.000Z",
            &VaccineCoding::default(),
            status,
        )
    };
    assert!(build("#me", None).is_err());
    let relative = StatusEntry {
        list: "status/1".into(),
        index: 1,
    };
    assert!(build("did:x:1", Some(&relative)).is_err());
    assert!(build("did:x:1", None).is_ok());
}
