//! The engine end to end, QR payload bytes to verdict: one DIVOC Ed25519
//! (Ed25519Signature2018, vaccination context v2) and one CoWIN RSA
//! (RsaSignature2018, PS256) certificate, as the ZIP a QR code carries.
//!
//! Trust-list mode with a loaded revocation store of 1 million revoked
//! numeric certificate ids per issuer, as a phone at the budget's scale
//! holds it; pinned-key mode for comparison. The budget: < 200 µs natively
//! for Ed25519Signature2018.
//!
//! `cargo bench -p verifier-wasm --bench engine`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "benchmark setup: a broken fixture should fail loudly"
)]

use std::hint::black_box;

use credential::{
    IssuerRevocations, KeyStatus, PrivateKey, PublicKey, RevocationList, RiceSet, TrustList,
    TrustedIssuer, TrustedKey,
};
use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use verifier_wasm::{PinnedKey, Status, Verifier};

const STACK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/divoc/stack-signed"
);
const REVOKED_PER_ISSUER: u64 = 1_000_000;

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{STACK}/{path}")).unwrap()
}

fn key(dir: &str) -> PublicKey {
    PublicKey::from_pem(&String::from_utf8(read(&format!("{dir}/key/public.pem"))).unwrap())
        .unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn issuer(id: &str, kid: &str, dir: &str) -> TrustedIssuer {
    TrustedIssuer {
        id: id.to_owned(),
        name: id.to_owned(),
        country: "IN".to_owned(),
        keys: vec![TrustedKey {
            kid: kid.to_owned(),
            public_key: key(dir),
            valid_from: ts("2021-01-01T00:00:00Z"),
            valid_until: None,
            status: KeyStatus::Active,
        }],
    }
}

/// About a million 11-digit certificate ids (SplitMix64, uniform over
/// 10^10..10^11, duplicates dropped), as CoWIN's are spread. The assertions
/// in `engine` check the benchmarked certificates are not among them.
fn revoked_ids(seed: u64) -> RiceSet {
    let mut state = seed;
    RiceSet::from_keys(
        (0..REVOKED_PER_ISSUER)
            .map(|_| {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                10_000_000_000 + (z ^ (z >> 31)) % 90_000_000_000
            })
            .collect(),
    )
}

fn trust_list_verifier() -> Verifier {
    let anchor = PrivateKey::from_ed25519_seed(&[0xA7; 32]);
    let moh = "https://moh.example.org/";
    let cowin = "https://cowin.gov.in/";
    let list = TrustList::new(
        1,
        ts("2021-01-01T00:00:00Z"),
        ts("2030-01-01T00:00:00Z"),
        vec![
            issuer(moh, "did:example:moh#key-1", "ed25519-v2"),
            issuer(cowin, "did:india", "rsa-v1"),
        ],
        vec![],
    )
    .unwrap();
    let revocations = RevocationList {
        version: 1,
        issued_at: ts("2021-01-01T00:00:00Z"),
        next_update: ts("2030-01-01T00:00:00Z"),
        since: None,
        issuers: [moh, cowin]
            .into_iter()
            .map(|id| IssuerRevocations {
                issuer: id.to_owned(),
                revoked_ids: revoked_ids(id.len() as u64),
                ..IssuerRevocations::default()
            })
            .collect(),
    };
    let mut verifier =
        Verifier::with_trust_list(&list.sign(&anchor).unwrap(), vec![anchor.public_key()]).unwrap();
    verifier
        .load_revocations(&revocations.sign(&anchor).unwrap())
        .unwrap();
    verifier
}

fn engine(c: &mut Criterion) {
    let verifier = trust_list_verifier();
    let pinned = Verifier::with_pinned_keys(
        vec![
            PinnedKey {
                kid: "did:example:moh#key-1".into(),
                key: key("ed25519-v2"),
            },
            PinnedKey {
                kid: "did:india".into(),
                key: key("rsa-v1"),
            },
        ],
        vec![],
    );
    let cases = [
        (
            "ed25519_divoc_zip",
            read("ed25519-v2/cert-001/certificate.zip"),
            ts("2021-07-05T00:00:00Z"),
        ),
        (
            "rsa_cowin_zip",
            read("rsa-v1/cert-001/certificate.zip"),
            ts("2022-01-19T00:00:00Z"),
        ),
    ];
    let mut group = c.benchmark_group("engine/verify_payload");
    for (name, zip, now) in &cases {
        // What is timed is a full, successful verification.
        let verdict = verifier.verify_payload(zip, *now);
        assert_eq!(verdict.status, Status::Valid, "{verdict:?}");
        assert!(
            verdict.reasons.is_empty(),
            "revocation checked: {verdict:?}"
        );
        assert_eq!(pinned.verify_payload(zip, *now).status, Status::Valid);

        group.bench_function(format!("{name}/trust_list_1m_revoked"), |b| {
            b.iter(|| verifier.verify_payload(black_box(zip), *now))
        });
        group.bench_function(format!("{name}/pinned_key"), |b| {
            b.iter(|| pinned.verify_payload(black_box(zip), *now))
        });
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
