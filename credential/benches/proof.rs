//! Sign and verify one DIVOC-shaped certificate per proof suite, plus the
//! parts of a verification (canonicalization, the signature check alone).
//!
//! Run: `cargo bench -p credential --bench proof`.

#![allow(
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "benchmark setup on fixed fixtures: a panic is a broken benchmark"
)]

use std::hint::black_box;

use credential::{
    ContextStore, PrivateKey, ProofOptions, PublicKey, Suite, canonicalize_rdf, jcs_canonicalize,
    sign, verify,
};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{path}")).expect("fixture is readable")
}

fn json_fixture(path: &str) -> Value {
    serde_json::from_str(&fixture(path)).expect("fixture is JSON")
}

// The 2048-bit test-only RSA key of tests/proof_roundtrip.rs.
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

fn unsigned(mut document: Value, extra_context: Option<&str>) -> Value {
    let object = document
        .as_object_mut()
        .expect("a certificate is an object");
    object.remove("proof");
    if let Some(extra) = extra_context {
        object["@context"]
            .as_array_mut()
            .expect("DIVOC's @context is an array")
            .push(json!(extra));
    }
    document
}

fn bench_suites(c: &mut Criterion) {
    let store = ContextStore::bundled();
    let ed = PrivateKey::generate_ed25519().expect("the OS has an RNG");
    let rsa = PrivateKey::from_pem(RSA_PKCS8).expect("the test key parses");
    let v2 = json_fixture("divoc/stack-signed/ed25519-v2/cert-001/certificate.json");
    let v1 = json_fixture("divoc/stack-signed/rsa-v1/cert-001/certificate.json");
    let data_integrity = Some("https://w3id.org/security/data-integrity/v2");

    // DIVOC's own signatures, with DIVOC's keys.
    let v2_key = PublicKey::from_pem(&fixture("divoc/stack-signed/ed25519-v2/key/public.pem"))
        .expect("fixture key");
    let v1_key = PublicKey::from_pem(&fixture("divoc/stack-signed/rsa-v1/key/public.pem"))
        .expect("fixture key");
    let mut group = c.benchmark_group("verify");
    group.bench_function("Ed25519Signature2018/divoc-v2", |b| {
        b.iter(|| verify(black_box(&v2), &v2_key, &store).expect("verifies"))
    });
    group.bench_function("RsaSignature2018/divoc-v1", |b| {
        b.iter(|| verify(black_box(&v1), &v1_key, &store).expect("verifies"))
    });
    let cases = [
        (
            Suite::EddsaRdfc2022,
            &ed,
            unsigned(v2.clone(), data_integrity),
        ),
        (
            Suite::EddsaJcs2022,
            &ed,
            unsigned(v2.clone(), data_integrity),
        ),
    ];
    let options =
        |suite| ProofOptions::assertion(suite, "did:example:moh#key-1", "2021-07-04T20:47:15Z");
    for (suite, key, document) in &cases {
        let signed = sign(document, &options(*suite), key, &store).expect("signs");
        let public = key.public_key();
        group.bench_function(format!("{suite}/divoc-v2"), |b| {
            b.iter(|| verify(black_box(&signed), &public, &store).expect("verifies"))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("sign");
    let all = [
        (Suite::Ed25519Signature2018, &ed, unsigned(v2.clone(), None)),
        (Suite::RsaSignature2018, &rsa, unsigned(v1.clone(), None)),
        (
            Suite::EddsaRdfc2022,
            &ed,
            unsigned(v2.clone(), data_integrity),
        ),
        (
            Suite::EddsaJcs2022,
            &ed,
            unsigned(v2.clone(), data_integrity),
        ),
    ];
    for (suite, key, document) in &all {
        group.bench_function(format!("{suite}/divoc"), |b| {
            b.iter(|| sign(black_box(document), &options(*suite), key, &store).expect("signs"))
        });
    }
    group.finish();

    // The parts of one Ed25519Signature2018 verification.
    let mut group = c.benchmark_group("parts");
    let document = unsigned(v2.clone(), None);
    group.bench_function("urdna2015/divoc-v2-document", |b| {
        b.iter(|| canonicalize_rdf(black_box(&document), &store).expect("canonicalizes"))
    });
    let mut options = v2["proof"].clone();
    let options_object = options.as_object_mut().expect("the proof is an object");
    options_object.remove("jws");
    options_object.insert("@context".into(), json!("https://w3id.org/security/v2"));
    group.bench_function("urdna2015/divoc-proof-options", |b| {
        b.iter(|| canonicalize_rdf(black_box(&options), &store).expect("canonicalizes"))
    });
    group.bench_function("jcs/divoc-v2-document", |b| {
        b.iter(|| jcs_canonicalize(black_box(&document)).expect("canonicalizes"))
    });
    let hashes = [7u8; 64];
    let ed_jws = ed.sign_detached_jws(&hashes).expect("signs");
    let ed_public = ed.public_key();
    group.bench_function("ed25519-jws-check", |b| {
        b.iter(|| {
            ed_public
                .verify_detached_jws(black_box(&ed_jws), &hashes)
                .expect("verifies")
        })
    });
    let rsa_jws = rsa.sign_detached_jws(&hashes).expect("signs");
    let rsa_public = rsa.public_key();
    group.bench_function("ps256-jws-check", |b| {
        b.iter(|| {
            rsa_public
                .verify_detached_jws(black_box(&rsa_jws), &hashes)
                .expect("verifies")
        })
    });
    group.finish();
}

criterion_group!(benches, bench_suites);
criterion_main!(benches);
