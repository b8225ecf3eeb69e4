//! Trust lists and revocation lists: signatures, rollback, staleness, key
//! policy, revocation and suspension lookups.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure, and clippy.toml's test allowances do not reach helper functions"
)]

use credential::{
    CertificateRef, IssuerRevocations, KeyStatus, KeyUseViolation, PrivateKey, PublicKey,
    RevocationError, RevocationList, RevocationStatus, RevocationStore, RiceSet, StatusEntry,
    TrustList, TrustListError, TrustedContext, TrustedIssuer, TrustedKey,
};
use jiff::Timestamp;
use serde_json::{Value, json};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn anchor() -> PrivateKey {
    PrivateKey::from_ed25519_seed(&[7; 32])
}

fn issuer_key() -> PublicKey {
    PrivateKey::from_ed25519_seed(&[9; 32]).public_key()
}

fn sample_list(version: u64) -> TrustList {
    TrustList::new(
        version,
        ts("2026-11-01T00:00:00Z"),
        ts("2026-11-02T00:00:00Z"),
        vec![TrustedIssuer {
            id: "https://moh.example.org/".into(),
            name: "Ministry of Health".into(),
            country: "IN".into(),
            keys: vec![
                TrustedKey {
                    kid: "did:example:moh#key-1".into(),
                    public_key: issuer_key(),
                    valid_from: ts("2021-01-01T00:00:00Z"),
                    valid_until: Some(ts("2024-01-01T00:00:00Z")),
                    status: KeyStatus::Retired,
                },
                TrustedKey {
                    kid: "did:example:moh#key-2".into(),
                    public_key: PrivateKey::from_ed25519_seed(&[10; 32]).public_key(),
                    valid_from: ts("2024-01-01T00:00:00Z"),
                    valid_until: None,
                    status: KeyStatus::Compromised {
                        since: ts("2025-06-01T00:00:00Z"),
                    },
                },
            ],
        }],
        vec![],
    )
    .unwrap()
}

#[test]
fn signed_trust_list_round_trips() {
    let bytes = sample_list(3).sign(&anchor()).unwrap();
    let list = TrustList::verify(&bytes, &[anchor().public_key()], Some(2)).unwrap();
    assert_eq!(list.version, 3);
    let (issuer, key) = list.find_key("did:example:moh#key-1").unwrap();
    assert_eq!(issuer.name, "Ministry of Health");
    assert_eq!(key.public_key.to_jwk(), issuer_key().to_jwk());
    assert!(list.find_key("did:india").is_none());
    // Same version again is fine (a re-fetch).
    TrustList::verify(&bytes, &[anchor().public_key()], Some(3)).unwrap();
}

#[test]
fn trust_list_refusals() {
    let bytes = sample_list(3).sign(&anchor()).unwrap();
    let other = PrivateKey::from_ed25519_seed(&[8; 32]);
    assert!(matches!(
        TrustList::verify(&bytes, &[other.public_key()], None),
        Err(TrustListError::UnknownAnchor { .. })
    ));
    assert!(matches!(
        TrustList::verify(&bytes, &[anchor().public_key()], Some(4)),
        Err(TrustListError::Rollback {
            offered: 3,
            held: 4
        })
    ));
    // Tamper with the payload: the signature no longer matches.
    let mut doc: Value = serde_json::from_slice(&bytes).unwrap();
    doc["payload"]["issuers"][0]["name"] = json!("Ministry of Mischief");
    let tampered = serde_json::to_vec(&doc).unwrap();
    assert!(matches!(
        TrustList::verify(&tampered, &[anchor().public_key()], None),
        Err(TrustListError::BadSignature)
    ));
    // A signature made by another key but claiming the anchor's thumbprint.
    let mut forged: Value = serde_json::from_slice(&sample_list(3).sign(&other).unwrap()).unwrap();
    forged["anchor"] = json!(anchor().public_key().thumbprint());
    let forged = serde_json::to_vec(&forged).unwrap();
    assert!(matches!(
        TrustList::verify(&forged, &[anchor().public_key()], None),
        Err(TrustListError::BadSignature)
    ));
    // Garbage and oversize.
    assert!(matches!(
        TrustList::verify(b"{", &[anchor().public_key()], None),
        Err(TrustListError::Malformed { .. })
    ));
    let huge = vec![b' '; credential::MAX_TRUST_LIST_BYTES + 1];
    assert!(matches!(
        TrustList::verify(&huge, &[anchor().public_key()], None),
        Err(TrustListError::TooLarge { .. })
    ));
}

#[test]
fn a_revocation_list_is_not_a_trust_list() {
    let revocations = RevocationList {
        version: 1,
        issued_at: ts("2026-11-01T00:00:00Z"),
        next_update: ts("2026-11-02T00:00:00Z"),
        since: None,
        issuers: vec![],
    };
    let bytes = revocations.sign(&anchor()).unwrap();
    let err = TrustList::verify(&bytes, &[anchor().public_key()], None).unwrap_err();
    assert!(err.to_string().contains("expected TrustList"), "{err}");
}

#[test]
fn duplicate_key_ids_are_refused() {
    let mut list = sample_list(1);
    let dup = list.issuers[0].keys[0].clone();
    list.issuers[0].keys.push(dup);
    let err =
        TrustList::new(1, list.issued_at, list.next_update, list.issuers, vec![]).unwrap_err();
    assert!(matches!(err, TrustListError::DuplicateKeyId { .. }));
}

#[test]
fn key_policy_by_issuance_date() {
    let list = sample_list(1);
    let (_, retired) = list.find_key("did:example:moh#key-1").unwrap();
    assert_eq!(
        retired.check_signing_time(ts("2022-05-01T00:00:00Z")),
        Ok(())
    );
    assert!(matches!(
        retired.check_signing_time(ts("2020-05-01T00:00:00Z")),
        Err(KeyUseViolation::BeforeValidity { .. })
    ));
    assert!(matches!(
        retired.check_signing_time(ts("2024-05-01T00:00:00Z")),
        Err(KeyUseViolation::AfterValidity { .. })
    ));
    let (_, compromised) = list.find_key("did:example:moh#key-2").unwrap();
    assert_eq!(
        compromised.check_signing_time(ts("2025-05-31T23:59:59Z")),
        Ok(())
    );
    assert!(matches!(
        compromised.check_signing_time(ts("2025-06-01T00:00:00Z")),
        Err(KeyUseViolation::AfterCompromise { .. })
    ));
}

#[test]
fn stale_after_next_update() {
    let list = sample_list(1);
    assert!(!list.is_stale(ts("2026-11-01T12:00:00Z")));
    assert!(list.is_stale(ts("2026-11-02T00:00:01Z")));
}

#[test]
fn extra_contexts_are_loaded_and_bad_ones_refused() {
    let mut list = sample_list(1);
    list.contexts.push(TrustedContext {
        url: "https://health.example.org/ctx/v1".into(),
        document: json!({"@context": {"@version": 1.1, "extra": "https://schema.org/extra"}}),
    });
    let bytes = list.sign(&anchor()).unwrap();
    let verified = TrustList::verify(&bytes, &[anchor().public_key()], None).unwrap();
    assert_eq!(verified.contexts.len(), 1);
}

fn cert(issuer: &str, id: &str) -> CertificateRef {
    CertificateRef {
        issuer: issuer.into(),
        certificate_id: Some(id.into()),
        status_entry: None,
    }
}

const MOH: &str = "https://moh.example.org/";

fn snapshot(version: u64) -> RevocationList {
    RevocationList {
        version,
        issued_at: ts("2026-11-01T00:00:00Z"),
        next_update: ts("2026-11-02T00:00:00Z"),
        since: None,
        issuers: vec![IssuerRevocations::from_ids(
            MOH,
            ["15295081141", "ABC-123", "0042"],
            [("20012887902", ts("2026-12-01T00:00:00Z"))],
        )],
    }
}

#[test]
fn revocation_lookups() {
    let mut store = RevocationStore::new();
    let now = ts("2026-11-01T12:00:00Z");
    assert_eq!(
        store.check(&cert(MOH, "15295081141"), now),
        RevocationStatus::Unknown
    );
    store
        .apply_signed(
            &snapshot(5).sign(&anchor()).unwrap(),
            &[anchor().public_key()],
        )
        .unwrap();
    assert_eq!(
        store.check(&cert(MOH, "15295081141"), now),
        RevocationStatus::Revoked
    );
    assert_eq!(
        store.check(&cert(MOH, "ABC-123"), now),
        RevocationStatus::Revoked
    );
    // "0042" is hashed, not the number 42.
    assert_eq!(
        store.check(&cert(MOH, "0042"), now),
        RevocationStatus::Revoked
    );
    assert_eq!(store.check(&cert(MOH, "42"), now), RevocationStatus::Good);
    assert_eq!(
        store.check(&cert(MOH, "15295081142"), now),
        RevocationStatus::Good
    );
    assert_eq!(
        store.check(&cert(MOH, "20012887902"), now),
        RevocationStatus::Suspended {
            until: ts("2026-12-01T00:00:00Z")
        }
    );
    // The suspension lapses on its own.
    assert_eq!(
        store.check(&cert(MOH, "20012887902"), ts("2026-12-01T00:00:00Z")),
        RevocationStatus::Good
    );
    // Another issuer with the same id: no data for that issuer.
    assert_eq!(
        store.check(&cert("https://other.example/", "15295081141"), now),
        RevocationStatus::Unknown
    );
    assert!(!store.is_stale(now));
    assert!(store.is_stale(ts("2026-11-03T00:00:00Z")));
}

#[test]
fn deltas_apply_in_order_and_cannot_roll_back() {
    let mut store = RevocationStore::new();
    let now = ts("2026-11-01T12:00:00Z");
    store.apply(snapshot(5)).unwrap();
    let mut delta = RevocationList {
        version: 6,
        issued_at: ts("2026-11-01T06:00:00Z"),
        next_update: ts("2026-11-02T06:00:00Z"),
        since: Some(5),
        issuers: vec![IssuerRevocations::from_ids(MOH, ["777"], [])],
    };
    delta.issuers[0]
        .unsuspended
        .push(credential::revocation_hash_key(MOH, "20012887902"));
    // A delta from a version not held is a gap.
    let mut gap = delta.clone();
    gap.since = Some(4);
    assert!(matches!(
        store.apply(gap),
        Err(RevocationError::DeltaGap {
            since: 4,
            held: Some(5)
        })
    ));
    store.apply(delta.clone()).unwrap();
    assert_eq!(store.version(), Some(6));
    assert_eq!(
        store.check(&cert(MOH, "777"), now),
        RevocationStatus::Revoked
    );
    assert_eq!(
        store.check(&cert(MOH, "15295081141"), now),
        RevocationStatus::Revoked
    );
    assert_eq!(
        store.check(&cert(MOH, "20012887902"), now),
        RevocationStatus::Good
    );
    // Replaying the same delta is a gap now, and an old snapshot a rollback.
    assert!(matches!(
        store.apply(delta),
        Err(RevocationError::DeltaGap { .. })
    ));
    assert!(matches!(
        store.apply(snapshot(4)),
        Err(RevocationError::Rollback {
            offered: 4,
            held: 6
        })
    ));
}

#[test]
fn status_list_indices() {
    let mut list = snapshot(1);
    list.issuers[0].status_lists.push((
        "https://moh.example.org/status/1".into(),
        RiceSet::from_keys(vec![3, 99]),
    ));
    let mut store = RevocationStore::new();
    store
        .apply_signed(&list.sign(&anchor()).unwrap(), &[anchor().public_key()])
        .unwrap();
    let entry = |index| CertificateRef {
        issuer: MOH.into(),
        certificate_id: None,
        status_entry: Some(StatusEntry {
            list: "https://moh.example.org/status/1".into(),
            index,
        }),
    };
    let now = ts("2026-11-01T12:00:00Z");
    assert_eq!(store.check(&entry(99), now), RevocationStatus::Revoked);
    assert_eq!(store.check(&entry(98), now), RevocationStatus::Good);
}

#[test]
fn revocation_list_refusals() {
    let bytes = snapshot(1).sign(&anchor()).unwrap();
    let mut store = RevocationStore::new();
    assert!(matches!(
        store.apply_signed(&bytes, &[issuer_key()]),
        Err(RevocationError::UnknownAnchor { .. })
    ));
    let mut doc: Value = serde_json::from_slice(&bytes).unwrap();
    doc["payload"]["version"] = json!(2);
    assert!(matches!(
        store.apply_signed(&serde_json::to_vec(&doc).unwrap(), &[anchor().public_key()]),
        Err(RevocationError::BadSignature)
    ));
    assert_eq!(store.version(), None);
}
