//! The JavaScript API in a real browser (headless Chromium through
//! chromedriver): `cargo xtask test` runs it with wasm-bindgen-test-runner.
//!
//! Each test goes through the exported `WasmVerifier` and reads the verdict
//! back from the JS object it returns, as the PWA does.

#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

use credential::{
    IssuerRevocations, KeyStatus, PrivateKey, PublicKey, RevocationList, TrustList, TrustedIssuer,
    TrustedKey,
};
use jiff::Timestamp;
use serde_json::{Value, json};
use verifier_wasm::WasmVerifier;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const QR_PNG: &[u8] =
    include_bytes!("../../tests/fixtures/divoc/stack-signed/ed25519-v2/cert-001/qr.png");
const ZIP: &[u8] =
    include_bytes!("../../tests/fixtures/divoc/stack-signed/ed25519-v2/cert-001/certificate.zip");
const TAMPERED_ZIP: &[u8] = include_bytes!(
    "../../tests/fixtures/divoc/stack-signed/ed25519-v2-tampered/cert-001/changed_name/certificate.zip"
);
const PUBLIC_PEM: &str =
    include_str!("../../tests/fixtures/divoc/stack-signed/ed25519-v2/key/public.pem");
const PUBLIC_JWK: &str =
    include_str!("../../tests/fixtures/divoc/stack-signed/ed25519-v2/key/public.jwk.json");
const KID: &str = "did:example:moh#key-1";
const ISSUER: &str = "https://moh.example.org/";
const CERTIFICATE_ID: &str = "15295081141";

/// 2021-08-01T00:00:00Z, a month after the fixture was issued.
const NOW_MS: f64 = 1_627_776_000_000.0;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn anchor() -> PrivateKey {
    PrivateKey::from_ed25519_seed(&[7; 32])
}

fn anchor_jwk() -> String {
    anchor().public_key().to_jwk().to_string()
}

fn trust_list(version: u64) -> Vec<u8> {
    TrustList::new(
        version,
        ts("2021-07-01T00:00:00Z"),
        ts("2021-09-01T00:00:00Z"),
        vec![TrustedIssuer {
            id: ISSUER.into(),
            name: "Ministry of Health".into(),
            country: "IN".into(),
            keys: vec![TrustedKey {
                kid: KID.into(),
                public_key: PublicKey::parse_any(PUBLIC_PEM.trim()).unwrap(),
                valid_from: ts("2021-01-01T00:00:00Z"),
                valid_until: None,
                status: KeyStatus::Active,
            }],
        }],
        vec![],
    )
    .unwrap()
    .sign(&anchor())
    .unwrap()
}

fn revocations(revoked: &[&str]) -> Vec<u8> {
    RevocationList {
        version: 1,
        issued_at: ts("2021-07-01T00:00:00Z"),
        next_update: ts("2021-09-01T00:00:00Z"),
        since: None,
        issuers: vec![IssuerRevocations::from_ids(
            ISSUER,
            revoked.iter().copied(),
            std::iter::empty(),
        )],
    }
    .sign(&anchor())
    .unwrap()
}

fn pinned() -> WasmVerifier {
    let keys = js(&json!([{ "kid": KID, "key": PUBLIC_PEM }]));
    WasmVerifier::with_pinned_keys(keys, vec![]).unwrap()
}

fn listed() -> WasmVerifier {
    WasmVerifier::from_trust_list(&trust_list(2), vec![anchor_jwk()]).unwrap()
}

/// A plain JS object or array, as a page would pass.
fn js(value: &Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap()
}

/// The verdict object as JSON, read through JS as a UI would.
fn json(value: JsValue) -> Value {
    assert!(value.is_object(), "expected a plain object, got {value:?}");
    let text = js_sys::JSON::stringify(&value).unwrap();
    serde_json::from_str(&String::from(text)).unwrap()
}

/// The fixture QR, centred in a grey 640x480 RGBA frame as a camera gives.
fn frame() -> Vec<u8> {
    let qr = image::load_from_memory(QR_PNG).unwrap().to_luma8();
    let qr = image::imageops::resize(&qr, 440, 440, image::imageops::FilterType::Triangle);
    let mut frame = vec![180u8; 640 * 480 * 4];
    for (x, y, pixel) in qr.enumerate_pixels() {
        let at = (((y + 20) * 640 + x + 100) * 4) as usize;
        frame[at..at + 3].fill(pixel.0[0]);
    }
    frame
}

fn scan_until_found(verifier: &mut WasmVerifier, pixels: &[u8]) -> Value {
    // A frame the first pass misses is read by one of the next few retries.
    for _ in 0..8 {
        let result = verifier.scan_frame(pixels, 640, 480, NOW_MS).unwrap();
        if !result.is_undefined() {
            return json(result);
        }
    }
    panic!("no QR found in eight frames");
}

#[wasm_bindgen_test]
fn pinned_key_verifies_the_stack_signed_payload() {
    let verdict = json(pinned().verify_payload(ZIP, NOW_MS).unwrap());
    assert_eq!(verdict["status"], "valid", "{verdict}");
    assert_eq!(verdict["revocation_unknown"], true);
    assert_eq!(verdict["format"], "zip");
    assert_eq!(verdict["suite"], "Ed25519Signature2018");
    assert_eq!(verdict["fields"]["name"], "विकास शर्मा");
    assert_eq!(verdict["fields"]["certificate_id"], CERTIFICATE_ID);
}

#[wasm_bindgen_test]
fn pinned_key_as_jwk_object_verifies() {
    let jwk: Value = serde_json::from_str(PUBLIC_JWK).unwrap();
    let keys = js(&json!([{ "kid": KID, "key": jwk }]));
    let verifier = WasmVerifier::with_pinned_keys(keys, vec![]).unwrap();
    let verdict = json(verifier.verify_payload(ZIP, NOW_MS).unwrap());
    assert_eq!(verdict["status"], "valid", "{verdict}");
}

#[wasm_bindgen_test]
fn tampered_payload_is_invalid_and_shows_nothing() {
    let verdict = json(pinned().verify_payload(TAMPERED_ZIP, NOW_MS).unwrap());
    assert_eq!(verdict["status"], "invalid", "{verdict}");
    assert_eq!(verdict["reasons"][0]["code"], "signature_invalid");
    assert!(
        verdict.get("fields").is_none_or(Value::is_null),
        "{verdict}"
    );
}

#[wasm_bindgen_test]
fn garbage_is_not_a_certificate() {
    let verdict = json(pinned().verify_payload(b"hello, world", NOW_MS).unwrap());
    assert_eq!(verdict["status"], "not_a_certificate");
    assert_eq!(verdict["reasons"][0]["code"], "payload_unrecognized");
}

#[wasm_bindgen_test]
fn barcode_detector_text_maps_back_to_the_zip() {
    // BarcodeDetector hands a byte-mode code over as ISO-8859-1 text.
    let text: String = ZIP.iter().map(|&b| char::from(b)).collect();
    let verdict = json(pinned().verify_text(&text, NOW_MS).unwrap());
    assert_eq!(verdict["status"], "valid", "{verdict}");
}

#[wasm_bindgen_test]
fn camera_frame_scans_to_a_valid_verdict() {
    let mut verifier = listed();
    let verdict = scan_until_found(&mut verifier, &frame());
    assert_eq!(verdict["status"], "valid", "{verdict}");
    assert_eq!(verdict["issuer"]["name"], "Ministry of Health");
    assert_eq!(verdict["trust_list_stale"], false);
}

#[wasm_bindgen_test]
fn still_image_scans_in_one_call() {
    let verdict = json(listed().scan_image(&frame(), 640, 480, NOW_MS).unwrap());
    assert_eq!(verdict["status"], "valid", "{verdict}");
}

#[wasm_bindgen_test]
fn frame_without_a_code_is_undefined() {
    let mut verifier = listed();
    let blank = vec![200u8; 640 * 480 * 4];
    for _ in 0..8 {
        assert!(
            verifier
                .scan_frame(&blank, 640, 480, NOW_MS)
                .unwrap()
                .is_undefined()
        );
    }
}

#[wasm_bindgen_test]
fn revoked_certificate_is_revoked() {
    let mut verifier = listed();
    verifier.load_revocations(&revocations(&[])).unwrap();
    let verdict = json(verifier.verify_payload(ZIP, NOW_MS).unwrap());
    assert_eq!(verdict["status"], "valid", "{verdict}");
    assert_eq!(verdict["revocation_unknown"], false);

    let mut verifier = listed();
    verifier
        .load_revocations(&revocations(&[CERTIFICATE_ID]))
        .unwrap();
    let verdict = json(verifier.verify_payload(ZIP, NOW_MS).unwrap());
    assert_eq!(verdict["status"], "revoked", "{verdict}");
    assert_eq!(verdict["reasons"][0]["code"], "revoked");
}

#[wasm_bindgen_test]
fn stale_trust_list_is_flagged_and_state_reported() {
    let verifier = listed();
    let later = 1_640_995_200_000.0; // 2022-01-01, past next-update
    let verdict = json(verifier.verify_payload(ZIP, later).unwrap());
    assert_eq!(verdict["trust_list_stale"], true, "{verdict}");
    let state = json(verifier.trust_state(later).unwrap());
    assert_eq!(state["trust_list_version"], 2);
    assert_eq!(state["trust_list_stale"], true);
    assert_eq!(state["issuers"][0]["id"], ISSUER);
    assert!(state["revocation_version"].is_null());
}

#[wasm_bindgen_test]
fn key_unknown_to_the_trust_list_is_unknown_issuer() {
    let other = TrustList::new(
        3,
        ts("2021-07-01T00:00:00Z"),
        ts("2021-09-01T00:00:00Z"),
        vec![],
        vec![],
    )
    .unwrap()
    .sign(&anchor())
    .unwrap();
    let verifier = WasmVerifier::from_trust_list(&other, vec![anchor_jwk()]).unwrap();
    let verdict = json(verifier.verify_payload(ZIP, NOW_MS).unwrap());
    assert_eq!(verdict["status"], "unknown_issuer", "{verdict}");
}

#[wasm_bindgen_test]
fn setup_errors_are_js_errors() {
    // Wrong anchor, garbage list, no anchor, a rollback, a bad key.
    let wrong = PrivateKey::from_ed25519_seed(&[8; 32])
        .public_key()
        .to_jwk()
        .to_string();
    assert!(WasmVerifier::from_trust_list(&trust_list(1), vec![wrong]).is_err());
    assert!(WasmVerifier::from_trust_list(b"{}", vec![anchor_jwk()]).is_err());
    assert!(WasmVerifier::from_trust_list(&trust_list(1), vec![]).is_err());
    assert!(WasmVerifier::from_trust_list(&trust_list(1), vec!["not a key".into()]).is_err());
    let mut verifier = listed();
    assert!(verifier.update_trust_list(&trust_list(1)).is_err());
    assert!(verifier.update_trust_list(&trust_list(3)).is_ok());
    assert!(verifier.load_revocations(b"garbage").is_err());
    let keys = js(&json!([{ "kid": KID }]));
    assert!(WasmVerifier::with_pinned_keys(keys, vec![]).is_err());
    // Pinned keys without an anchor cannot take revocations.
    assert!(pinned().load_revocations(&revocations(&[])).is_err());
}

#[wasm_bindgen_test]
fn bad_frames_and_clocks_are_js_errors() {
    let mut verifier = listed();
    assert!(verifier.scan_frame(&[0; 10], 640, 480, NOW_MS).is_err());
    assert!(verifier.scan_frame(&[], 0, 0, NOW_MS).is_err());
    assert!(verifier.verify_payload(ZIP, f64::NAN).is_err());
    assert!(verifier.verify_payload(ZIP, f64::INFINITY).is_err());
}

const CERTIFICATE_JSON: &str =
    include_str!("../../tests/fixtures/divoc/stack-signed/ed25519-v2/cert-001/certificate.json");

/// Rewrites of the JSON that keep the signed graph (and so the signature)
/// read exactly as the original in the wasm build too: a revoked
/// certificate stays revoked however its id is written, and what would drop
/// out of the graph is refused.
#[wasm_bindgen_test]
fn rewritten_json_reads_as_its_signed_graph() {
    let mut verifier = listed();
    verifier
        .load_revocations(&revocations(&[CERTIFICATE_ID]))
        .unwrap();
    let original: Value = serde_json::from_str(CERTIFICATE_JSON).unwrap();
    let verify = |document: &Value| {
        json(
            verifier
                .verify_payload(document.to_string().as_bytes(), NOW_MS)
                .unwrap(),
        )
    };
    assert_eq!(verify(&original)["status"], "revoked");
    let mut rewrites = Vec::new();
    let mut d = original.clone();
    d["evidence"] = d["evidence"][0].clone();
    rewrites.push(("evidence as an object", d));
    let mut d = original.clone();
    d["evidence"][0]["certificateId"] = json!([CERTIFICATE_ID]);
    rewrites.push(("certificateId as an array", d));
    let mut d = original.clone();
    d["evidence"][0]["certificateId"] = json!({"@value": CERTIFICATE_ID});
    rewrites.push(("certificateId as a value object", d));
    let mut d = original.clone();
    let batch = d["evidence"][0]["batch"].take();
    d["evidence"][0]["batch"] = json!(CERTIFICATE_ID);
    d["evidence"][0]["certificateId"] = batch;
    rewrites.push(("certificateId swapped with batch", d));
    for (what, document) in &rewrites {
        let verdict = verify(document);
        assert_eq!(verdict["status"], "revoked", "{what}: {verdict}");
    }

    let mut invented = original.clone();
    let mut entry = invented["evidence"][0].clone();
    entry["id"] = json!("x");
    entry["vaccine"] = json!("INVENTED");
    invented["evidence"]
        .as_array_mut()
        .unwrap()
        .insert(0, entry);
    let verdict = verify(&invented);
    assert_eq!(verdict["status"], "invalid", "{verdict}");
    assert_eq!(verdict["reasons"][0]["code"], "data_not_signed");
    assert!(verdict.get("fields").is_none());

    // Dose 2 of 2 stays 2 of 2; the roles DIVOC's context does not bind are
    // listed.
    let valid = json(listed().verify_payload(ZIP, NOW_MS).unwrap());
    assert_eq!(valid["fields"]["dose"], "2");
    assert_eq!(valid["fields"]["total_doses"], "2");
    assert_eq!(
        valid["fields"]["unbound"],
        json!([
            "vaccine",
            "manufacturer",
            "batch",
            "certificate_id",
            "icd11_code"
        ])
    );
}
