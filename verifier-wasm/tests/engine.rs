//! The engine's verdicts: every status and reason, against credentials we
//! sign here and DIVOC's own.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure, and clippy.toml's test allowances do not reach helper functions"
)]

use credential::{
    CertificationRequest, ContextStore, IssuanceProfile, IssuerRevocations, KeyStatus, PrivateKey,
    ProofOptions, PublicKey, RevocationList, Suite, TrustList, TrustedIssuer, TrustedKey,
    VaccinationCredential, VaccineCoding,
};
use jiff::Timestamp;
use serde_json::{Value, json};
use verifier_wasm::{Error, PinnedKey, ReasonCode, Status, Verdict, Verifier};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/divoc/");
const MOH: &str = "https://moh.example.org/";
const KID: &str = "did:web:moh.example.org#key-1";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn anchor() -> PrivateKey {
    PrivateKey::from_ed25519_seed(&[1; 32])
}

fn issuer_key() -> PrivateKey {
    PrivateKey::from_ed25519_seed(&[2; 32])
}

fn key_entry(kid: &str, key: PublicKey, status: KeyStatus) -> TrustedKey {
    TrustedKey {
        kid: kid.into(),
        public_key: key,
        valid_from: ts("2021-01-01T00:00:00Z"),
        valid_until: None,
        status,
    }
}

fn fixture_key(path: &str) -> PublicKey {
    PublicKey::parse_any(
        std::fs::read_to_string(format!("{FIXTURES}{path}"))
            .unwrap()
            .trim(),
    )
    .unwrap()
}

/// A trust list with our test issuer, DIVOC's stack-signed test issuer and
/// CoWIN/DIVOC's legacy `did:india` keys (two issuers, one key id).
fn trust_list(version: u64, key_status: KeyStatus) -> TrustList {
    TrustList::new(
        version,
        ts("2026-11-01T00:00:00Z"),
        ts("2026-11-02T00:00:00Z"),
        vec![
            TrustedIssuer {
                id: MOH.into(),
                name: "Ministry of Health".into(),
                country: "IN".into(),
                keys: vec![
                    key_entry(KID, issuer_key().public_key(), key_status),
                    key_entry(
                        "did:example:moh#key-1",
                        fixture_key("stack-signed/ed25519-v2/key/public.pem"),
                        KeyStatus::Active,
                    ),
                ],
            },
            TrustedIssuer {
                id: "https://cowin.gov.in/".into(),
                name: "CoWIN".into(),
                country: "IN".into(),
                keys: vec![key_entry(
                    "did:india",
                    fixture_key("vectors/rsa-test-key.pem"),
                    KeyStatus::Active,
                )],
            },
            TrustedIssuer {
                id: "https://divoc.dev/".into(),
                name: "DIVOC demo".into(),
                country: "IN".into(),
                keys: vec![key_entry(
                    "did:india",
                    fixture_key("vectors/ed25519-test-key.base58"),
                    KeyStatus::Active,
                )],
            },
        ],
        vec![],
    )
    .unwrap()
}

fn verifier() -> Verifier {
    let bytes = trust_list(1, KeyStatus::Active).sign(&anchor()).unwrap();
    Verifier::with_trust_list(&bytes, vec![anchor().public_key()]).unwrap()
}

fn revocations(version: u64, revoked: &[&str], suspended: &[(&str, &str)]) -> Vec<u8> {
    RevocationList {
        version,
        issued_at: ts("2026-11-01T00:00:00Z"),
        next_update: ts("2026-11-02T00:00:00Z"),
        since: None,
        issuers: vec![IssuerRevocations::from_ids(
            MOH,
            revoked.iter().copied(),
            suspended.iter().map(|(id, until)| (*id, ts(until))),
        )],
    }
    .sign(&anchor())
    .unwrap()
}

/// A credential we issue and sign: dose given 2026-10-01, valid a year.
fn signed(certificate_id: &str, issued: &str, key: &PrivateKey) -> Value {
    let request: CertificationRequest = serde_json::from_value(json!({
        "preEnrollmentCode": "PE-1",
        "recipient": {"name": "Aïcha Ndiaye", "dob": "1990-02-03", "gender": "Female", "nationality": "Senegalese",
                      "identity": "did:passport:A123", "contact": ["tel:+221700000000"], "address": {"city": "Dakar"}},
        "vaccination": {"name": "COVISHIELD", "batch": "B1", "manufacturer": "Serum Institute of India",
                        "date": "2026-10-01T09:00:00Z", "effectiveStart": "2026-10-01", "effectiveUntil": "2027-10-01",
                        "dose": 1, "totalDoses": 2},
        "vaccinator": {"name": "Dr. Diallo"},
        "facility": {"name": "Hôpital Principal", "address": {"city": "Dakar", "country": "SN"}}
    }))
    .unwrap();
    let profile = IssuanceProfile {
        context_url: "https://divoc.dev/credentials/vaccination/v2".into(),
        issuer: MOH.into(),
        certificate_base_url: "https://moh.example.org/vaccine/".into(),
        feedback_base_url: "https://moh.example.org/?".into(),
        info_base_url: "https://moh.example.org/?".into(),
        issuer_name: "Ministry of Health".into(),
    };
    let doc = VaccinationCredential::from_request(
        &request,
        &profile,
        certificate_id,
        issued,
        &VaccineCoding::default(),
    )
    .unwrap()
    .to_document();
    let options = ProofOptions::assertion(Suite::Ed25519Signature2018, KID, issued);
    credential::sign(&doc, &options, key, &ContextStore::bundled()).unwrap()
}

const NOW: &str = "2026-11-01T12:00:00Z";

fn codes(v: &Verdict) -> Vec<ReasonCode> {
    v.reasons.iter().map(|r| r.code).collect()
}

#[test]
fn valid_when_every_check_passes() {
    let mut v = verifier();
    v.load_revocations(&revocations(1, &[], &[])).unwrap();
    let verdict = v.verify_document(
        &signed("100000001", "2026-10-01T10:00:00Z", &issuer_key()),
        ts(NOW),
    );
    assert_eq!(verdict.status, Status::Valid, "{verdict:?}");
    assert!(verdict.reasons.is_empty(), "{verdict:?}");
    assert!(!verdict.revocation_unknown && !verdict.trust_list_stale);
    assert_eq!(verdict.issuer.as_ref().unwrap().name, "Ministry of Health");
    assert_eq!(verdict.suite.as_deref(), Some("Ed25519Signature2018"));
    let fields = verdict.fields.unwrap();
    assert_eq!(fields.name, "Aïcha Ndiaye");
    assert_eq!(
        (fields.dose.as_str(), fields.total_doses.as_str()),
        ("1", "2")
    );
    assert_eq!(fields.certificate_id, "100000001");
}

#[test]
fn revocation_unknown_is_flagged_not_hidden() {
    let verdict = verifier().verify_document(
        &signed("100000001", "2026-10-01T10:00:00Z", &issuer_key()),
        ts(NOW),
    );
    assert_eq!(verdict.status, Status::Valid);
    assert!(verdict.revocation_unknown);
    assert_eq!(codes(&verdict), [ReasonCode::RevocationUnknown]);
}

#[test]
fn stale_revocation_list_is_flagged() {
    let mut v = verifier();
    v.load_revocations(&revocations(1, &[], &[])).unwrap();
    let verdict = v.verify_document(
        &signed("100000001", "2026-10-01T10:00:00Z", &issuer_key()),
        ts("2026-11-05T00:00:00Z"),
    );
    assert!(verdict.revocation_unknown);
    assert!(codes(&verdict).contains(&ReasonCode::RevocationListStale));
    // The trust list is stale by then too.
    assert!(verdict.trust_list_stale);
    assert!(codes(&verdict).contains(&ReasonCode::TrustListStale));
}

#[test]
fn revoked_and_suspended() {
    let mut v = verifier();
    v.load_revocations(&revocations(
        1,
        &["100000002"],
        &[("100000003", "2026-12-01T00:00:00Z")],
    ))
    .unwrap();
    let revoked = v.verify_document(
        &signed("100000002", "2026-10-01T10:00:00Z", &issuer_key()),
        ts(NOW),
    );
    assert_eq!(revoked.status, Status::Revoked);
    assert_eq!(codes(&revoked)[0], ReasonCode::Revoked);
    let suspended = v.verify_document(
        &signed("100000003", "2026-10-01T10:00:00Z", &issuer_key()),
        ts(NOW),
    );
    assert_eq!(suspended.status, Status::Suspended);
    assert_eq!(codes(&suspended)[0], ReasonCode::Suspended);
    // The suspension ends by itself.
    let later = v.verify_document(
        &signed("100000003", "2026-10-01T10:00:00Z", &issuer_key()),
        ts("2026-12-01T00:00:01Z"),
    );
    assert_ne!(later.status, Status::Suspended);
    assert!(!codes(&later).contains(&ReasonCode::Suspended));
}

/// `doc` with `edit` applied, signed again with our issuer's key.
fn resigned(mut doc: Value, edit: impl FnOnce(&mut Value)) -> Value {
    doc.as_object_mut().unwrap().remove("proof");
    edit(&mut doc);
    let options = ProofOptions::assertion(Suite::Ed25519Signature2018, KID, "2026-10-01T10:00:00Z");
    credential::sign(&doc, &options, &issuer_key(), &ContextStore::bundled()).unwrap()
}

#[test]
fn expired_and_not_yet_valid() {
    let v = verifier();
    let doc = resigned(
        signed("100000001", "2026-10-01T10:00:00Z", &issuer_key()),
        |d| d["expirationDate"] = json!("2027-10-01T00:00:00Z"),
    );
    let expired = v.verify_document(&doc, ts("2027-10-03T00:00:00Z"));
    assert_eq!(expired.status, Status::Expired);
    assert_eq!(codes(&expired)[0], ReasonCode::Expired);
    let early = v.verify_document(&doc, ts("2026-10-01T09:00:00Z"));
    assert_eq!(early.status, Status::NotYetValid);
    assert_eq!(codes(&early)[0], ReasonCode::NotYetValid);
    // Within the clock skew allowance: fine.
    let skewed = v.verify_document(&doc, ts("2026-10-01T09:57:00Z"));
    assert_ne!(skewed.status, Status::NotYetValid, "{skewed:?}");
}

/// DIVOC's `effectiveStart`/`effectiveUntil` state the protection period
/// (CoWIN sets `effectiveUntil` to the vaccination day, or a year after):
/// shown, never turned into `expired` or `not_yet_valid`.
#[test]
fn the_protection_period_is_information_not_validity() {
    let v = verifier();
    let doc = signed("100000001", "2026-10-01T10:00:00Z", &issuer_key());
    let later = v.verify_document(&doc, ts("2030-01-01T00:00:00Z"));
    assert_eq!(later.status, Status::Valid, "{later:?}");
    let fields = later.fields.unwrap();
    assert_eq!(fields.effective_start.as_deref(), Some("2026-10-01"));
    assert_eq!(fields.effective_until.as_deref(), Some("2027-10-01"));
    assert_eq!(fields.valid_until, None);
    let future_start = resigned(doc, |d| {
        d["evidence"][0]["effectiveStart"] = json!("2026-12-01");
    });
    let verdict = v.verify_document(&future_start, ts("2026-11-01T00:00:00Z"));
    assert_eq!(verdict.status, Status::Valid, "{verdict:?}");
}

#[test]
fn tampered_and_wrongly_signed_are_invalid() {
    let v = verifier();
    let mut doc = signed("100000001", "2026-10-01T10:00:00Z", &issuer_key());
    doc["credentialSubject"]["name"] = json!("Someone Else");
    let verdict = v.verify_document(&doc, ts(NOW));
    assert_eq!(verdict.status, Status::Invalid);
    assert_eq!(codes(&verdict)[0], ReasonCode::SignatureInvalid);
    assert!(verdict.fields.is_none(), "no unsigned data is shown");

    let forged = signed(
        "100000001",
        "2026-10-01T10:00:00Z",
        &PrivateKey::from_ed25519_seed(&[3; 32]),
    );
    assert_eq!(v.verify_document(&forged, ts(NOW)).status, Status::Invalid);

    let mut extra = signed("100000001", "2026-10-01T10:00:00Z", &issuer_key());
    extra["credentialSubject"]["passportNumber"] = json!("X1");
    let verdict = v.verify_document(&extra, ts(NOW));
    assert_eq!(
        (verdict.status, codes(&verdict)[0]),
        (Status::Invalid, ReasonCode::UndefinedTerm)
    );

    let mut no_proof = signed("100000001", "2026-10-01T10:00:00Z", &issuer_key());
    no_proof.as_object_mut().unwrap().remove("proof");
    let verdict = v.verify_document(&no_proof, ts(NOW));
    assert_eq!(
        (verdict.status, codes(&verdict)[0]),
        (Status::Invalid, ReasonCode::ProofMissing)
    );
}

#[test]
fn malformed_proofs_unsupported_suites_bad_json_ld_and_bad_dates() {
    let v = verifier();
    let first = |doc: &Value| {
        let verdict = v.verify_document(doc, ts(NOW));
        assert!(verdict.fields.is_none(), "{verdict:?}");
        (verdict.status, codes(&verdict)[0])
    };

    let mut suite = signed("100000001", "2026-10-01T10:00:00Z", &issuer_key());
    suite["proof"]["type"] = json!("BbsBlsSignature2020");
    assert_eq!(
        first(&suite),
        (Status::Invalid, ReasonCode::ProofSuiteUnsupported)
    );

    let mut no_jws = signed("100000001", "2026-10-01T10:00:00Z", &issuer_key());
    no_jws["proof"].as_object_mut().unwrap().remove("jws");
    assert_eq!(
        first(&no_jws),
        (Status::Invalid, ReasonCode::ProofMalformed)
    );

    let mut bad_jws = signed("100000001", "2026-10-01T10:00:00Z", &issuer_key());
    bad_jws["proof"]["jws"] = json!("not-a-jws");
    assert_eq!(
        first(&bad_jws),
        (Status::Invalid, ReasonCode::ProofMalformed)
    );

    // A context no one bundled or listed: refused, never fetched.
    let mut context = signed("100000001", "2026-10-01T10:00:00Z", &issuer_key());
    context["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!("https://example.org/unknown-context/v1"));
    assert_eq!(
        first(&context),
        (Status::Invalid, ReasonCode::ContextUntrusted)
    );

    // Signed with a date that is not one: the signature holds, the date
    // cannot be checked, so it is not valid (and its fields are shown).
    let doc = resigned(
        signed("100000001", "2026-10-01T10:00:00Z", &issuer_key()),
        |d| d["expirationDate"] = json!("someday"),
    );
    let verdict = v.verify_document(&doc, ts(NOW));
    assert_eq!(
        (verdict.status, codes(&verdict)[0]),
        (Status::Invalid, ReasonCode::DateInvalid),
        "{verdict:?}"
    );
}

#[test]
fn unknown_key_and_issuer_mismatch() {
    let v = verifier();
    let mut doc = signed("100000001", "2026-10-01T10:00:00Z", &issuer_key());
    doc["proof"]["verificationMethod"] = json!("did:web:elsewhere#key-9");
    let verdict = v.verify_document(&doc, ts(NOW));
    assert_eq!(
        (verdict.status, codes(&verdict)[0]),
        (Status::UnknownIssuer, ReasonCode::KeyUnknown)
    );
    assert!(verdict.fields.is_none());

    // Our key signing a credential that claims to come from CoWIN.
    let claims_cowin = resigned(
        signed("100000001", "2026-10-01T10:00:00Z", &issuer_key()),
        |d| d["issuer"] = json!("https://cowin.gov.in/"),
    );
    let verdict = v.verify_document(&claims_cowin, ts(NOW));
    assert_eq!(
        (verdict.status, codes(&verdict)[0]),
        (Status::Invalid, ReasonCode::IssuerMismatch)
    );
}

#[test]
fn key_validity_at_issuance() {
    let compromised = KeyStatus::Compromised {
        since: ts("2026-10-15T00:00:00Z"),
    };
    let bytes = trust_list(1, compromised).sign(&anchor()).unwrap();
    let v = Verifier::with_trust_list(&bytes, vec![anchor().public_key()]).unwrap();
    // Signed before the compromise: still good.
    let before = v.verify_document(
        &signed("100000001", "2026-10-01T10:00:00Z", &issuer_key()),
        ts(NOW),
    );
    assert_eq!(before.status, Status::Valid, "{before:?}");
    // After: void.
    let after = v.verify_document(
        &signed("100000001", "2026-10-20T10:00:00Z", &issuer_key()),
        ts(NOW),
    );
    assert_eq!(
        (after.status, codes(&after)[0]),
        (Status::Invalid, ReasonCode::KeyCompromised)
    );
    // Before the key's validity.
    let early = v.verify_document(
        &signed("100000001", "2020-10-20T10:00:00Z", &issuer_key()),
        ts(NOW),
    );
    assert_eq!(
        (early.status, codes(&early)[0]),
        (Status::Invalid, ReasonCode::KeyNotYetValid)
    );

    // A retired key with an end date: valid for what it signed in time.
    let mut list = trust_list(2, KeyStatus::Retired);
    list.issuers[0].keys[0].valid_until = Some(ts("2026-10-10T00:00:00Z"));
    let list = TrustList::new(2, list.issued_at, list.next_update, list.issuers, vec![]).unwrap();
    let v = Verifier::with_trust_list(&list.sign(&anchor()).unwrap(), vec![anchor().public_key()])
        .unwrap();
    assert_eq!(
        v.verify_document(&signed("1", "2026-10-01T10:00:00Z", &issuer_key()), ts(NOW))
            .status,
        Status::Valid
    );
    let late = v.verify_document(&signed("1", "2026-10-11T10:00:00Z", &issuer_key()), ts(NOW));
    assert_eq!(
        (late.status, codes(&late)[0]),
        (Status::Invalid, ReasonCode::KeyExpired)
    );
}

#[test]
fn not_a_certificate() {
    let v = verifier();
    for (bytes, code) in [
        (&b""[..], ReasonCode::PayloadUnrecognized),
        (&b"hello world"[..], ReasonCode::PayloadUnrecognized),
        (&b"{\"a\": 1}"[..], ReasonCode::NotACredential),
        (&b"{\"a\": "[..], ReasonCode::PayloadNotJson),
        (
            &b"HC1:6BFOXN%TS3DH0YOJ58S"[..],
            ReasonCode::PayloadUnsupportedFormat,
        ),
    ] {
        let verdict = v.verify_payload(bytes, ts(NOW));
        assert_eq!(verdict.status, Status::NotACertificate, "{bytes:?}");
        assert_eq!(codes(&verdict)[0], code, "{bytes:?}");
    }
    let bomb = std::fs::read(format!(
        "{FIXTURES}stack-signed/ed25519-v2-tampered/payload/zip_bomb_lying_header.zip"
    ))
    .unwrap();
    let verdict = v.verify_payload(&bomb, ts(NOW));
    assert_eq!(
        (verdict.status, codes(&verdict)[0]),
        (Status::NotACertificate, ReasonCode::PayloadTooLarge)
    );
}

#[test]
fn divoc_certificates_through_a_trust_list() {
    let v = verifier();
    // DIVOC's stack-signed certificates, as QR payloads.
    for n in 1..=4 {
        let dir = format!("{FIXTURES}stack-signed/ed25519-v2/cert-00{n}");
        let zip = std::fs::read(format!("{dir}/certificate.zip")).unwrap();
        // Each certificate is valid for a year from its own issuance.
        let doc: Value =
            serde_json::from_slice(&std::fs::read(format!("{dir}/certificate.json")).unwrap())
                .unwrap();
        let issued: Timestamp = ts(doc["issuanceDate"].as_str().unwrap());
        let verdict = v.verify_payload(
            &zip,
            issued
                .checked_add(jiff::SignedDuration::from_hours(24))
                .unwrap(),
        );
        assert_eq!(verdict.status, Status::Valid, "cert-00{n}: {verdict:?}");
        assert_eq!(verdict.format, Some("zip"));
    }
    // DIVOC's own vectors: `did:india` names an RSA key at CoWIN and an
    // Ed25519 key at divoc.dev; the credential's issuer picks the right one.
    for (name, status) in [
        ("rsa-cowin-context-valid", Status::Valid),
        ("ed25519-divoc-context-valid", Status::Valid),
        ("rsa-divoc-context-bad-signature", Status::Invalid),
    ] {
        let doc: Value = serde_json::from_slice(
            &std::fs::read(format!("{FIXTURES}vectors/{name}.json")).unwrap(),
        )
        .unwrap();
        let verdict = v.verify_document(&doc, ts("2021-09-01T00:00:00Z"));
        assert_eq!(verdict.status, status, "{name}: {verdict:?}");
    }
    // rsa-divoc-context-valid is signed by CoWIN's RSA key but names divoc.dev
    // as issuer, whose did:india key is Ed25519.
    let doc: Value = serde_json::from_slice(
        &std::fs::read(format!("{FIXTURES}vectors/rsa-divoc-context-valid.json")).unwrap(),
    )
    .unwrap();
    let verdict = v.verify_document(&doc, ts("2021-09-01T00:00:00Z"));
    assert_eq!(verdict.status, Status::Invalid, "{verdict:?}");
    // With the key pinned, as DIVOC's verifier does, it verifies.
    let pinned = Verifier::with_pinned_keys(
        vec![PinnedKey {
            kid: "did:india".into(),
            key: fixture_key("vectors/rsa-test-key.pem"),
        }],
        vec![],
    );
    assert_eq!(
        pinned
            .verify_document(&doc, ts("2021-09-01T00:00:00Z"))
            .status,
        Status::Valid
    );
}

#[test]
fn trust_list_updates_refuse_rollback_and_bad_signatures() {
    let mut v = Verifier::with_trust_list(
        &trust_list(5, KeyStatus::Active).sign(&anchor()).unwrap(),
        vec![anchor().public_key()],
    )
    .unwrap();
    assert!(matches!(
        v.update_trust_list(&trust_list(4, KeyStatus::Active).sign(&anchor()).unwrap()),
        Err(Error::TrustList(credential::TrustListError::Rollback {
            offered: 4,
            held: 5
        }))
    ));
    let rogue = PrivateKey::from_ed25519_seed(&[66; 32]);
    assert!(matches!(
        v.update_trust_list(&trust_list(6, KeyStatus::Active).sign(&rogue).unwrap()),
        Err(Error::TrustList(
            credential::TrustListError::UnknownAnchor { .. }
        ))
    ));
    v.update_trust_list(&trust_list(6, KeyStatus::Active).sign(&anchor()).unwrap())
        .unwrap();
    assert_eq!(v.trust_list().unwrap().version, 6);
    // A revocation list signed by someone else is refused, and changes nothing.
    let forged = RevocationList {
        version: 9,
        issued_at: ts(NOW),
        next_update: ts(NOW),
        since: None,
        issuers: vec![],
    };
    assert!(v.load_revocations(&forged.sign(&rogue).unwrap()).is_err());
    assert_eq!(v.revocations().version(), None);
    // Pinned keys without an anchor cannot take revocation lists.
    let mut pinned = Verifier::with_pinned_keys(vec![], vec![]);
    assert!(matches!(
        pinned.load_revocations(&revocations(1, &[], &[])),
        Err(Error::NoAnchor)
    ));
}

/// The public CoWIN sample (WHO DDCC validator's test resources), signed by
/// CoWIN's production key: valid years later, since `effectiveUntil` (the
/// vaccination day here) is the protection period, not an expiry; with no
/// revocation list loaded, flagged `revocation_unknown`.
#[test]
fn the_public_cowin_sample_is_valid_under_cowins_key() {
    let cowin = PinnedKey {
        kid: "did:india".into(),
        key: PublicKey::parse_any(
            std::fs::read_to_string(format!("{FIXTURES}../cowin/cowin-did-india.pem"))
                .unwrap()
                .trim(),
        )
        .unwrap(),
    };
    let v = Verifier::with_pinned_keys(vec![cowin], vec![]);
    let qr = std::fs::read(format!("{FIXTURES}../cowin/ddcc-divoc-qr1.txt")).unwrap();
    for now in ["2026-12-06T12:00:00Z", "2035-01-01T00:00:00Z"] {
        let verdict = v.verify_payload(&qr, ts(now));
        assert_eq!(verdict.status, Status::Valid, "{now}: {verdict:?}");
        assert!(verdict.revocation_unknown);
        assert_eq!(verdict.format, Some("base64-zip"));
        let fields = verdict.fields.unwrap();
        assert_eq!(fields.name, "Third March User One");
        assert_eq!(
            (fields.dose.as_str(), fields.total_doses.as_str()),
            ("1", "2")
        );
        assert_eq!(fields.date, "2021-03-03T04:28:43.134Z");
        assert_eq!(fields.effective_until.as_deref(), Some("2021-03-03"));
        assert_eq!(fields.vaccine, "COVISHIELD");
        assert_eq!(fields.certificate_id, "92047670169");
        assert_eq!(verdict.issuer.unwrap().id, "https://cowin.gov.in/");
    }
    // The same JSON through the document API, and tampered.
    let mut document: Value = serde_json::from_slice(
        &std::fs::read(format!("{FIXTURES}../cowin/ddcc-divoc-qr1.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        v.verify_document(&document, ts("2026-12-06T12:00:00Z"))
            .status,
        Status::Valid
    );
    document["evidence"][0]["dose"] = json!(2);
    let verdict = v.verify_document(&document, ts("2026-12-06T12:00:00Z"));
    assert_eq!(
        (verdict.status, codes(&verdict)[0]),
        (Status::Invalid, ReasonCode::SignatureInvalid)
    );
}
