//! Sign with our code, verify with our code, for every suite, on
//! DIVOC-shaped certificates with names in several scripts; and every way a
//! proof can be wrong short of a changed byte in the credential.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure, and clippy.toml's test allowances do not reach helper functions"
)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use credential::{
    ContextStore, Error, KeyAlgorithm, PrivateKey, Proof, ProofError, ProofOptions, PublicKey,
    Suite, sign, verify,
};
use serde_json::{Value, json};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{path}")).unwrap()
}

// A 2048-bit RSA key made with `openssl genpkey` for tests only (the same
// key keys_formats.rs reads as PKCS#1).
const RSA_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCyyIxz3sWkC3Vk
5D1ezlqC/g+kZe+8PFDYaJljLrfLIFG2XfnpcGrYeHBqwzNreSoD3ScSIVvXFnPm
DrFySvBRpadUHDB/dITV1pkeeNGqGOry5V8YrCHWrkpANIL3R3m05JwlfMl6GJg2
MtK1UidxI7+tFCOC3nHh3o//rpzMRPC9DezhV7uT/y35sFzmLNjD+k/Tbue4wISz
A4LsdPMgrzSYfPEpThRIb4tIRuGyh+4xwKD+pf3zummjwlKwPTgNvtmYD2zhclkr
Q4DKNNifnwB8TwUPloCH3JnpiIFRkxC9wYsfedzLeProRm5cNclhKRGGodO007J1
SgCXssUdAgMBAAECggEABmeyGnjwcTuvhsAOOnjfnBegiqtT6aqVMI+cxoV3CbSx
y2a2AZ4+AbKHlSztnmvT7MQDS+kR39SQLeg4WhJ5EMpubSW+ZLk8BLzgYEuuoplW
b4HMBKJZawDJrF+v586HJnXV6e+SI0jsHm2h3WOhAfK91vmkpQy1nUSKjvvb5mMs
PEPJ1pr6kEfzwSXYjCEp6E33on6teeGcOBP1ZJNBbpaJ2wKO+ZIcfuRVH7u3VYXY
PUgFD0w2j8YpAdkAprieIPdrLZ0TLsxT3AVVtFiV4YXiexKYJl13wR0Azt9Sg5tO
uRFgAZtM9+fczaR96JZ05CVq1cvoRxZmK+xcaG19mQKBgQDbbaavW5hT/oxCpTx8
jT/to9cG8e7Sf61NVr1i45LzsNE2szNNjokZIn5TSyPdXjEWznR2jFcXdjk9Cs0K
elFoWrLbycIvqfGntSaz0A3/9Eoh+S1vcIWJo7pIxPOETq5cN14IFeRYUD8MVe6f
uIkJ/OnkZaC9t2kQXsLbGyYahQKBgQDQlLM76q1w81C7zIFIxrd4XORQ1dYKUDCP
+Xra0op/iADC4FhZ4AzogNSteT4fVZ55fzMo/EJuck32MsZvNf3kCwNTYlA91uOv
2fvLL4ct6833yQWqfMWOIQcveXMntJTytJb8Rl0YCztO8nEBoXtJDXDxVmK+dI1N
+r06GT2fuQKBgC4Bzpoj3Ut3Kpdqp8UBpK7B1HrrTQSrqn11u125k30uzJ7ocdBI
G2y+s7fpIErwzeAXR4n3oOcVbajj09vni5wSsD+vDN0Lh9R/Ae9fpx/Ma6K16RXd
hNI4Fv3c9aX/DUXeggO1+1uc76s5dT/d5DXI5o1x1YMRqqC5Daf9CD81AoGANcYg
b1IRZQ1VwxT2P8z7gAxy0GRQylfiLTwkcEXXbwmhKJyuKn2Y1lhgfFjFq05njOs+
RVLDzbWqY86zWfiRfDlaoiS2izrbeHq6b6fRMgWZFEi/LTT9uabKM3McPSBRRkFI
q8F4Prqmj7PxbnozTqIofA/JZVCnHXOHVXMscAECgYAJ3Xh9O6QVtDcmXaKYotJE
w3p5hM4op3qX7gheA2TFT2xy0uQ7cPSQXaVEpsFGbtfYyxZYbKR3QjLGxjYrH650
3KBZ67/AMeAQs3fIF7ZH3loLhBrPwLFAB5JKOGWWgJaWqFRdCCyG37bC6vdEW7Vt
Cr8Xd4Nu4Lub9r1FmzpSzw==
-----END PRIVATE KEY-----
";

/// Names in Devanagari, Arabic, Chinese, Tamil and accented Latin.
const NAMES: [&str; 5] = [
    "विकास शर्मा",
    "فاطمة الزهراء",
    "王小明",
    "கார்த்திக் சுப்ரமணியம்",
    "Renée Müller-Łukasiewicz",
];

/// A certificate shaped like DIVOC's (vaccination context v2), unsigned.
/// `extra_context` is appended to `@context` (the Data Integrity suites
/// need their vocabulary in the document).
fn divoc_certificate(name: &str, extra_context: Option<&str>) -> Value {
    let mut context = vec![
        json!("https://www.w3.org/2018/credentials/v1"),
        json!("https://cowin.gov.in/credentials/vaccination/v2"),
    ];
    if let Some(extra) = extra_context {
        context.push(json!(extra));
    }
    json!({
        "@context": context,
        "type": ["VerifiableCredential", "ProofOfVaccinationCredential"],
        "credentialSubject": {
            "type": "Person",
            "id": "did:Passport:Z1234567",
            "refId": "12807831715278",
            "name": name,
            "gender": "Female",
            "age": "38",
            "nationality": "Indian",
            "address": {
                "streetAddress": "12, MG Road",
                "streetAddress2": "",
                "district": "Bengaluru Urban",
                "city": "Bengaluru",
                "addressRegion": "Karnataka",
                "addressCountry": "IND",
                "postalCode": "560001"
            }
        },
        "issuer": "https://cowin.gov.in/",
        "issuanceDate": "2021-07-04T20:47:15.993Z",
        "evidence": [{
            "id": "https://cowin.gov.in/vaccine/15295081141",
            "feedbackUrl": "https://cowin.gov.in/?15295081141",
            "infoUrl": "https://cowin.gov.in/?15295081141",
            "certificateId": "15295081141",
            "type": ["Vaccination"],
            "batch": "4121Z005",
            "vaccine": "COVISHIELD",
            "manufacturer": "Serum Institute of India",
            "date": "2021-07-04T19:24:29.183Z",
            "effectiveStart": "2021-07-04",
            "effectiveUntil": "2022-07-04",
            "dose": 2,
            "totalDoses": 2,
            "verifier": {"name": "Dr. Anjali Rao"},
            "facility": {
                "name": "PHC Indiranagar",
                "address": {
                    "streetAddress": "",
                    "streetAddress2": "",
                    "district": "Bengaluru Urban",
                    "city": "Bengaluru",
                    "addressRegion": "Karnataka",
                    "addressCountry": "IND",
                    "postalCode": "560038"
                }
            },
            "icd11Code": "XM9QW8",
            "prophylaxis": "COVID-19 vaccine, non-replicating viral vector"
        }],
        "nonTransferable": "true"
    })
}

/// The context each suite needs in the document beyond DIVOC's.
fn extra_context(suite: Suite) -> Option<&'static str> {
    match suite {
        Suite::EddsaRdfc2022 | Suite::EddsaJcs2022 => {
            Some("https://w3id.org/security/data-integrity/v2")
        }
        Suite::Ed25519Signature2020 => Some("https://w3id.org/security/suites/ed25519-2020/v1"),
        _ => None,
    }
}

fn options(suite: Suite) -> ProofOptions {
    ProofOptions::assertion(
        suite,
        "did:web:cowin.gov.in#key-2021",
        "2021-07-04T20:47:15Z",
    )
}

fn rsa_key() -> PrivateKey {
    PrivateKey::from_pem(RSA_PKCS8).unwrap()
}

const ALL_SUITES: [Suite; 5] = [
    Suite::Ed25519Signature2018,
    Suite::RsaSignature2018,
    Suite::EddsaRdfc2022,
    Suite::EddsaJcs2022,
    Suite::Ed25519Signature2020,
];

#[test]
fn every_suite_round_trips_on_names_in_every_script() {
    let store = ContextStore::bundled();
    let ed = PrivateKey::generate_ed25519().unwrap();
    let rsa = rsa_key();
    let stranger = PrivateKey::generate_ed25519().unwrap().public_key();
    for suite in ALL_SUITES {
        let key = match suite.key_algorithm() {
            KeyAlgorithm::Rsa => &rsa,
            _ => &ed,
        };
        for name in NAMES {
            let unsigned = divoc_certificate(name, extra_context(suite));
            let signed = sign(&unsigned, &options(suite), key, &store)
                .unwrap_or_else(|error| panic!("{suite} {name}: {error}"));
            let verified = verify(&signed, &key.public_key(), &store)
                .unwrap_or_else(|error| panic!("{suite} {name}: {error}"));
            assert_eq!(verified.proof().suite(), suite);
            assert_eq!(
                verified.proof().verification_method(),
                "did:web:cowin.gov.in#key-2021"
            );
            assert_eq!(verified.proof().proof_purpose(), "assertionMethod");
            assert_eq!(verified.document()["credentialSubject"]["name"], name);

            // Signed with one key, it does not verify with another.
            if suite.key_algorithm() == KeyAlgorithm::Ed25519 {
                assert!(matches!(
                    verify(&signed, &stranger, &store),
                    Err(Error::Proof(ProofError::BadSignature))
                ));
            }
            // The name is signed, to the last character.
            let mut tampered = signed.clone();
            let mut other = name.to_owned();
            other.pop();
            tampered["credentialSubject"]["name"] = json!(other);
            assert!(
                matches!(
                    verify(&tampered, &key.public_key(), &store),
                    Err(Error::Proof(ProofError::BadSignature))
                ),
                "{suite} {name}"
            );
        }
    }
}

#[test]
fn eddsa_suites_are_deterministic_and_pss_is_not() {
    let store = ContextStore::bundled();
    let ed = PrivateKey::generate_ed25519().unwrap();
    for suite in ALL_SUITES {
        let unsigned = divoc_certificate(NAMES[0], extra_context(suite));
        let (first, second) = if suite == Suite::RsaSignature2018 {
            let rsa = rsa_key();
            (
                sign(&unsigned, &options(suite), &rsa, &store).unwrap(),
                sign(&unsigned, &options(suite), &rsa, &store).unwrap(),
            )
        } else {
            (
                sign(&unsigned, &options(suite), &ed, &store).unwrap(),
                sign(&unsigned, &options(suite), &ed, &store).unwrap(),
            )
        };
        assert_eq!(first == second, suite != Suite::RsaSignature2018, "{suite}");
    }
}

#[test]
fn signed_2018_proofs_look_like_divocs() {
    let store = ContextStore::bundled();
    let ed = PrivateKey::generate_ed25519().unwrap();
    let signed = sign(
        &divoc_certificate(NAMES[0], None),
        &options(Suite::Ed25519Signature2018),
        &ed,
        &store,
    )
    .unwrap();
    let proof = signed["proof"].as_object().unwrap();
    let members: Vec<&str> = proof.keys().map(String::as_str).collect();
    assert_eq!(
        members,
        [
            "type",
            "created",
            "verificationMethod",
            "proofPurpose",
            "jws"
        ]
    );
    assert!(
        proof["jws"]
            .as_str()
            .unwrap()
            .starts_with("eyJhbGciOiJFZERTQSIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..")
    );
}

#[test]
fn signing_refuses_a_signed_document_a_non_object_and_the_wrong_key() {
    let store = ContextStore::bundled();
    let ed = PrivateKey::generate_ed25519().unwrap();
    let signed = json_fixture("divoc/vectors/ed25519-divoc-context-valid.json");
    assert!(matches!(
        sign(&signed, &options(Suite::Ed25519Signature2018), &ed, &store),
        Err(Error::Proof(ProofError::AlreadySigned))
    ));
    assert!(matches!(
        sign(
            &json!([]),
            &options(Suite::Ed25519Signature2018),
            &ed,
            &store
        ),
        Err(Error::Proof(ProofError::DocumentNotAnObject))
    ));
    assert!(matches!(
        sign(
            &divoc_certificate(NAMES[0], None),
            &options(Suite::RsaSignature2018),
            &ed,
            &store
        ),
        Err(Error::Proof(ProofError::WrongKeyAlgorithm {
            suite: Suite::RsaSignature2018,
            expected: KeyAlgorithm::Rsa,
            found: KeyAlgorithm::Ed25519,
        }))
    ));
}

// ------------------------------------------------------- malformed proofs

fn json_fixture(path: &str) -> Value {
    serde_json::from_str(&fixture(path)).unwrap()
}

fn divoc_ed25519() -> (Value, PublicKey) {
    (
        json_fixture("divoc/vectors/ed25519-divoc-context-valid.json"),
        PublicKey::from_base58(&fixture("divoc/vectors/ed25519-test-key.base58")).unwrap(),
    )
}

fn proof_error(document: &Value, key: &PublicKey) -> ProofError {
    match verify(document, key, &ContextStore::bundled()) {
        Err(Error::Proof(error)) => error,
        other => panic!("expected a proof error, got {other:?}"),
    }
}

/// The DIVOC vector with its JWS header replaced.
fn with_header(header: &str) -> Value {
    let (mut document, _) = divoc_ed25519();
    let jws = document["proof"]["jws"].as_str().unwrap().to_owned();
    let (_, rest) = jws.split_once('.').unwrap();
    document["proof"]["jws"] = json!(format!("{}.{rest}", URL_SAFE_NO_PAD.encode(header)));
    document
}

#[test]
fn jws_headers_other_than_the_suites_are_refused() {
    let (_, key) = divoc_ed25519();
    let reason = |header: &str| match proof_error(&with_header(header), &key) {
        ProofError::BadJwsHeader { reason } => reason,
        other => panic!("{header}: {other:?}"),
    };
    assert_eq!(
        reason(r#"{"alg":"none","b64":false,"crit":["b64"]}"#),
        "alg is not the suite's (EdDSA or PS256)"
    );
    assert_eq!(
        reason(r#"{"alg":"PS256","b64":false,"crit":["b64"]}"#),
        "alg is not the suite's (EdDSA or PS256)"
    );
    assert_eq!(
        reason(r#"{"alg":"EdDSA","b64":true,"crit":["b64"]}"#),
        "b64 must be false"
    );
    assert_eq!(
        reason(r#"{"alg":"EdDSA","crit":["b64"]}"#),
        "b64 is missing"
    );
    assert_eq!(reason(r#"{"alg":"EdDSA","b64":false}"#), "crit is missing");
    assert_eq!(
        reason(r#"{"alg":"EdDSA","b64":false,"crit":[]}"#),
        "crit must be exactly [\"b64\"]"
    );
    assert_eq!(
        reason(r#"{"alg":"EdDSA","b64":false,"crit":["b64","exp"]}"#),
        "crit must be exactly [\"b64\"]"
    );
    assert_eq!(reason(r#"{"b64":false,"crit":["b64"]}"#), "alg is missing");
    for surprise in [
        r#"{"alg":"EdDSA","b64":false,"crit":["b64"],"kid":"did:india"}"#,
        r#"{"alg":"EdDSA","alg":"EdDSA","b64":false,"crit":["b64"]}"#,
        r#"{"alg":"EdDSA","b64":"false","crit":["b64"]}"#,
        r#"["EdDSA"]"#,
        "not json",
    ] {
        assert_eq!(
            reason(surprise),
            "header is not a JSON object of alg, b64 and crit only",
            "{surprise}"
        );
    }
    // A header in padded or standard base64 is not base64url.
    let (mut document, _) = divoc_ed25519();
    let jws = document["proof"]["jws"].as_str().unwrap().to_owned();
    document["proof"]["jws"] = json!(jws.replacen("..", "=..", 1));
    assert_eq!(
        proof_error(&document, &key),
        ProofError::BadJwsHeader {
            reason: "header is not base64url"
        }
    );
}

#[test]
fn malformed_signatures_are_refused_before_canonicalization() {
    let (document, key) = divoc_ed25519();
    let jws = document["proof"]["jws"].as_str().unwrap().to_owned();
    let (header, signature) = jws.split_once("..").unwrap();
    let bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let with_jws = |jws: String| {
        let mut document = document.clone();
        document["proof"]["jws"] = json!(jws);
        document
    };
    let cases = [
        // Truncated by one byte.
        format!("{header}..{}", URL_SAFE_NO_PAD.encode(&bytes[..63])),
        // Not base64url, padded, an attached payload, too few parts.
        format!("{header}..{}", signature.replace('-', "+")),
        format!("{header}..{signature}=="),
        format!("{header}.e30.{signature}"),
        format!("{header}.{signature}"),
        format!("{header}..{signature}.extra"),
        String::new(),
        "A".repeat(5000),
    ];
    for jws in cases {
        assert!(
            matches!(
                proof_error(&with_jws(jws.clone()), &key),
                ProofError::MalformedSignature { .. }
            ),
            "{jws}"
        );
    }
    // A Data Integrity proofValue that is not multibase base58btc.
    let pair = json_fixture("w3c-vc-di-eddsa/TestVectors/keyPair.json");
    let w3c_key = PublicKey::from_multibase(pair["publicKeyMultibase"].as_str().unwrap()).unwrap();
    let signed = json_fixture("w3c-vc-di-eddsa/TestVectors/eddsa-jcs-2022/signedJCS.json");
    let value = signed["proof"]["proofValue"].as_str().unwrap().to_owned();
    for bad in [
        format!("u{}", &value[1..]),
        format!("z0{}", &value[2..]),
        value[..value.len() - 3].to_owned(),
        format!("{value}{value}"),
    ] {
        let mut document = signed.clone();
        document["proof"]["proofValue"] = json!(bad);
        assert!(
            matches!(
                proof_error(&document, &w3c_key),
                ProofError::MalformedSignature { .. }
            ),
            "{bad}"
        );
    }
}

#[test]
fn a_key_of_the_wrong_algorithm_is_its_own_error() {
    let (document, _) = divoc_ed25519();
    let rsa = rsa_key().public_key();
    assert_eq!(
        proof_error(&document, &rsa),
        ProofError::WrongKeyAlgorithm {
            suite: Suite::Ed25519Signature2018,
            expected: KeyAlgorithm::Ed25519,
            found: KeyAlgorithm::Rsa,
        }
    );
    let rsa_document = json_fixture("divoc/vectors/rsa-divoc-context-valid.json");
    let (_, ed) = divoc_ed25519();
    assert_eq!(
        proof_error(&rsa_document, &ed),
        ProofError::WrongKeyAlgorithm {
            suite: Suite::RsaSignature2018,
            expected: KeyAlgorithm::Rsa,
            found: KeyAlgorithm::Ed25519,
        }
    );
    // A truncated RSA signature is malformed for that key.
    let jws = rsa_document["proof"]["jws"].as_str().unwrap();
    let mut truncated = rsa_document.clone();
    truncated["proof"]["jws"] = json!(&jws[..jws.len() - 4]);
    let divoc_rsa = PublicKey::from_pem(&fixture("divoc/vectors/rsa-test-key.pem")).unwrap();
    assert!(matches!(
        proof_error(&truncated, &divoc_rsa),
        ProofError::MalformedSignature { .. }
    ));
}

#[test]
fn proofs_of_the_wrong_shape_are_refused_precisely() {
    let (document, key) = divoc_ed25519();
    let proof = document["proof"].clone();
    let with_proof = |proof: Value| {
        let mut document = document.clone();
        document["proof"] = proof;
        document
    };
    let with_member = |member: &str, value: Value| {
        let mut proof = proof.clone();
        proof[member] = value;
        with_proof(proof)
    };
    let without_member = |member: &str| {
        let mut proof = proof.clone();
        proof.as_object_mut().unwrap().remove(member);
        with_proof(proof)
    };

    let mut no_proof = document.clone();
    no_proof.as_object_mut().unwrap().remove("proof");
    assert_eq!(Proof::from_document(&no_proof), Err(ProofError::Missing));
    assert_eq!(proof_error(&no_proof, &key), ProofError::Missing);
    assert_eq!(
        proof_error(&with_proof(json!([])), &key),
        ProofError::Missing
    );
    assert_eq!(
        proof_error(&with_proof(json!([proof, proof])), &key),
        ProofError::MultipleProofs { count: 2 }
    );
    assert_eq!(
        proof_error(&with_member("previousProof", json!("urn:uuid:1")), &key),
        ProofError::ProofChain
    );
    assert_eq!(
        proof_error(&with_member("type", json!("JsonWebSignature2020")), &key),
        ProofError::UnsupportedSuite {
            found: "JsonWebSignature2020".into()
        }
    );
    assert_eq!(
        proof_error(&with_member("type", json!("x".repeat(1000))), &key),
        ProofError::UnsupportedSuite {
            found: "x".repeat(64)
        },
        "attacker-chosen strings are cut short in errors"
    );
    let mut data_integrity = with_member("type", json!("DataIntegrityProof"));
    data_integrity["proof"]["cryptosuite"] = json!("ecdsa-rdfc-2019");
    assert_eq!(
        proof_error(&data_integrity, &key),
        ProofError::UnsupportedCryptosuite {
            found: "ecdsa-rdfc-2019".into()
        }
    );
    assert_eq!(
        proof_error(&with_member("proofPurpose", json!("authentication")), &key),
        ProofError::UnexpectedProofPurpose {
            found: "authentication".into()
        }
    );
    for member in ["jws", "verificationMethod", "proofPurpose", "type"] {
        assert!(
            matches!(
                proof_error(&without_member(member), &key),
                ProofError::MissingField { .. }
            ),
            "{member}"
        );
        assert!(
            matches!(
                proof_error(&with_member(member, json!(7)), &key),
                ProofError::MalformedProof { .. }
            ),
            "{member}"
        );
    }
    assert!(matches!(
        proof_error(&with_proof(json!("eyJ...")), &key),
        ProofError::MalformedProof { .. }
    ));
    assert_eq!(
        proof_error(&json!([document]), &key),
        ProofError::DocumentNotAnObject
    );

    // Parsing alone gives the engine what it needs to find the key.
    let parsed = Proof::from_document(&document).unwrap();
    assert_eq!(parsed.suite(), Suite::Ed25519Signature2018);
    assert_eq!(parsed.verification_method(), "did:india");
    assert_eq!(parsed.created(), Some("2021-08-27T10:57:57Z"));
    assert_eq!(parsed.proof_purpose(), "assertionMethod");
    assert_eq!(parsed.cryptosuite(), None);
}

#[test]
fn an_undefined_property_is_refused_not_ignored() {
    // jsonld-signatures 6 rejects it (strict expansion); a lax processor
    // would drop it and the signature would still verify over the rest.
    let store = ContextStore::bundled();
    let ed = PrivateKey::generate_ed25519().unwrap();
    let signed = sign(
        &divoc_certificate(NAMES[1], None),
        &options(Suite::Ed25519Signature2018),
        &ed,
        &store,
    )
    .unwrap();
    let mut extended = signed.clone();
    extended["credentialSubject"]["passportNumber"] = json!("Z1234567");
    assert!(matches!(
        verify(&extended, &ed.public_key(), &store),
        Err(Error::JsonLd(_))
    ));
    let mut unsigned = divoc_certificate(NAMES[1], None);
    unsigned["vaccinationStatus"] = json!("complete");
    assert!(matches!(
        sign(
            &unsigned,
            &options(Suite::Ed25519Signature2018),
            &ed,
            &store
        ),
        Err(Error::JsonLd(_))
    ));
}
