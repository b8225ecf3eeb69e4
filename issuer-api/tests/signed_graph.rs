//! The issuer never signs what can drop out of the graph: across the
//! programme's profiles (DIVOC context v1 and v2, `Ed25519Signature2018` and
//! `eddsa-rdfc-2022`) and odd recipient identities, every certificate it
//! issues verifies with the engine, shows the requested holder, and stops
//! verifying when any displayed field is changed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: helpers outside #[test] functions too; a failed unwrap is a failed test"
)]

mod common;

use axum::http::StatusCode;
use common::{Backend, DEMO, TestApp, request};
use issuer_api::ConfigFile;
use issuer_api::config::{ContextChoice, SuiteChoice};
use serde_json::{Value, json};
use verifier_wasm::{PinnedKey, ReasonCode, Status, Verifier};

/// Every field a verifier shows or decides on, as a JSON pointer.
const DISPLAYED: [&str; 17] = [
    "/credentialSubject/name",
    "/credentialSubject/dob",
    "/credentialSubject/age",
    "/credentialSubject/gender",
    "/credentialSubject/nationality",
    "/issuer",
    "/issuanceDate",
    "/evidence/0/certificateId",
    "/evidence/0/vaccine",
    "/evidence/0/manufacturer",
    "/evidence/0/batch",
    "/evidence/0/date",
    "/evidence/0/dose",
    "/evidence/0/totalDoses",
    "/evidence/0/verifier/name",
    "/evidence/0/facility/name",
    "/evidence/0/effectiveUntil",
];

fn changed(value: &Value) -> Value {
    match value {
        Value::Number(n) => json!(n.as_i64().unwrap_or(0) + 1),
        Value::String(s) if s.len() >= 4 && s[..4].chars().all(|c| c.is_ascii_digit()) => {
            let year: u32 = s[..4].parse().unwrap();
            json!(format!("{}{}", year + 1, &s[4..]))
        }
        Value::String(s) => json!(format!("{s}X")),
        other => other.clone(),
    }
}

async fn verifier_for(t: &TestApp) -> Verifier {
    let (status, did) = t.get("/.well-known/did.json", &t.admin).await;
    assert_eq!(status, StatusCode::OK);
    let keys = did["verificationMethod"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| PinnedKey {
            kid: m["id"].as_str().unwrap().to_owned(),
            key: credential::PublicKey::from_jwk(&m["publicKeyJwk"]).unwrap(),
        })
        .collect();
    Verifier::with_pinned_keys(keys, vec![])
}

fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

#[tokio::test]
async fn every_profile_signs_every_displayed_field() {
    for (context, suite) in [
        (ContextChoice::V1, SuiteChoice::Ed25519Signature2018),
        (ContextChoice::V2, SuiteChoice::Ed25519Signature2018),
        (ContextChoice::V1, SuiteChoice::EddsaRdfc2022),
        (ContextChoice::V2, SuiteChoice::EddsaRdfc2022),
    ] {
        let mut config = ConfigFile::parse(DEMO).unwrap();
        config.programme.profile.context = context;
        config.programme.profile.suite = suite;
        let t = TestApp::with_config(Backend::Sqlite, config).await;
        let verifier = verifier_for(&t).await;
        // Identities: absolute IRIs, missing, empty.
        let mut batch = Vec::new();
        for (i, identity) in [
            Some("did:passport:Z9876543"),
            Some("urn:uuid:0d8f2f6e-5a0b-4f0e-9d1a-6a8f0c7a1b2c"),
            None,
            Some(""),
        ]
        .into_iter()
        .enumerate()
        {
            let mut item = request(&format!("SG-{i}"), 1, "2026-10-01T09:00:00Z");
            match identity {
                Some(id) => item["recipient"]["identity"] = json!(id),
                None => {
                    item["recipient"]
                        .as_object_mut()
                        .unwrap()
                        .remove("identity");
                }
            }
            batch.push(item);
        }
        let (status, body) = t.certify(&t.admin, &Value::Array(batch)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for (i, result) in body["results"].as_array().unwrap().iter().enumerate() {
            let what = format!("{context:?}/{suite:?} item {i}");
            assert_eq!(result["result"], "issued", "{what}: {result}");
            let credential = &result["credential"];
            if i >= 2 {
                assert!(
                    credential["credentialSubject"].get("id").is_none(),
                    "{what}: a missing identity is left out"
                );
            }
            let verdict = verifier.verify_document(credential, now());
            assert_eq!(verdict.status, Status::Valid, "{what}: {verdict:?}");
            assert_eq!(verdict.fields.as_ref().unwrap().name, "Test Person");
            let mut tampered_fields = 0;
            for pointer in DISPLAYED {
                let mut copy = credential.clone();
                let Some(value) = copy.pointer_mut(pointer) else {
                    continue;
                };
                *value = changed(value);
                let verdict = verifier.verify_document(&copy, now());
                assert_eq!(
                    (verdict.status, verdict.reasons[0].code),
                    (Status::Invalid, ReasonCode::SignatureInvalid),
                    "{what}: {pointer} changed"
                );
                tampered_fields += 1;
            }
            assert!(tampered_fields >= 14, "{what}: {tampered_fields}");
        }
    }
}

#[tokio::test]
async fn identities_that_are_not_absolute_iris_are_refused_per_item() {
    let t = TestApp::new(Backend::Sqlite).await;
    let odd = ["x", "12345", "urn", "#me", "../a", "did:a b"];
    let batch: Vec<Value> = odd
        .iter()
        .enumerate()
        .map(|(i, identity)| {
            let mut item = request(&format!("ODD-{i}"), 1, "2026-10-01T09:00:00Z");
            item["recipient"]["identity"] = json!(identity);
            item
        })
        .chain([request("GOOD-1", 1, "2026-10-01T09:00:00Z")])
        .collect();
    let (status, body) = t.certify(&t.admin, &Value::Array(batch)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().unwrap();
    for (i, identity) in odd.iter().enumerate() {
        assert_eq!(results[i]["result"], "rejected", "{identity}");
        assert_eq!(
            results[i]["error"]["code"], "invalid_identity",
            "{identity}"
        );
    }
    assert_eq!(
        results[odd.len()]["result"],
        "issued",
        "one bad item does not sink the batch"
    );
}

#[tokio::test]
async fn a_programme_with_relative_issuer_urls_is_refused_at_start() {
    for (field, value) in [
        ("url", "moh.example.org"),
        ("certificate_base_url", "vaccine/"),
    ] {
        let mut config = ConfigFile::parse(DEMO).unwrap();
        match field {
            "url" => config.programme.issuer.url = value.into(),
            _ => config.programme.profile.certificate_base_url = Some(value.into()),
        }
        let error = config.programme.check().unwrap_err().to_string();
        assert!(error.contains("not an absolute IRI"), "{field}: {error}");
    }
}
