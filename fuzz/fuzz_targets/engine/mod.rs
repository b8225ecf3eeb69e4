//! Shared by the image targets: the engine with the stack-signed fixtures'
//! keys pinned, a clock at which those certificates are valid, and the
//! checks every decoded QR code gets.

use credential::PublicKey;
use jiff::Timestamp;
use verifier_wasm::qr::{PayloadKind, QrCode};
use verifier_wasm::{PinnedKey, Verifier};

pub fn pinned_verifier() -> Verifier {
    let key = |pem: &str| PublicKey::from_pem(pem).expect("the committed fixture key parses");
    Verifier::with_pinned_keys(
        vec![
            PinnedKey {
                kid: "did:example:moh#key-1".into(),
                key: key(include_str!(
                    "../../../tests/fixtures/divoc/stack-signed/ed25519-v2/key/public.pem"
                )),
            },
            PinnedKey {
                kid: "did:india".into(),
                key: key(include_str!(
                    "../../../tests/fixtures/divoc/stack-signed/rsa-v1/key/public.pem"
                )),
            },
        ],
        vec![],
    )
}

/// Inside the year of validity of ed25519-v2's cert-001 and cert-002.
pub fn now() -> Timestamp {
    "2021-09-01T00:00:00Z"
        .parse()
        .expect("a valid RFC 3339 literal")
}

/// What the QR module promises about a code, then the code's payload through
/// the payload decoder (what it promises) and the whole engine.
pub fn check_code(verifier: &Verifier, now: Timestamp, code: &QrCode) {
    if code.kind() == PayloadKind::Text {
        assert_eq!(
            code.payload(),
            code.text().as_bytes(),
            "a text payload is its text"
        );
    }
    if let Some(version) = code.version() {
        assert!((1..=40).contains(&version), "QR version {version}");
    }
    if let Ok(decoded) = credential::decode_payload(code.payload()) {
        assert!(decoded.json.len() <= credential::Limits::DEFAULT.max_json);
        assert!(decoded.document.is_object());
    }
    let _ = verifier.verify_payload(code.payload(), now);
}
