//! Canonical N-Quads against DIVOC's own stack (jsonld.js 2.0.2 +
//! rdf-canonize 1.2.0, strict as jsonld-signatures 6), byte for byte:
//! every certificate of the corpus, every JSON-LD probe, and the W3C
//! vc-di-eddsa canonical forms.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on bad fixtures"
)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use credential::{ContextStore, JsonLdError, canonicalize_rdf};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");

fn fixture(rel: &str) -> PathBuf {
    Path::new(FIXTURES).join(rel)
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn corpus_matches_divoc_byte_for_byte() {
    let store = ContextStore::bundled();
    let dir = fixture("jsonld-canon/corpus");
    let strict: BTreeMap<String, Value> =
        serde_json::from_value(read_json(&dir.join("strict.json"))).unwrap();
    let mut checked = 0;
    let mut rejected = 0;
    for (name, verdict) in &strict {
        let doc = read_json(&dir.join(format!("{name}.json")));
        let result = canonicalize_rdf(&doc, &store);
        match verdict {
            Value::Null => {
                let expected = fs::read_to_string(dir.join(format!("{name}.nq"))).unwrap();
                let got = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(got, expected, "{name}");
                checked += 1;
            }
            Value::String(message) => {
                let err = result.expect_err(name);
                assert!(
                    matches!(err, JsonLdError::UndefinedProperty { .. }),
                    "{name}: {err:?}"
                );
                // DIVOC's message, word for word.
                assert_eq!(&err.to_string(), message, "{name}");
                rejected += 1;
            }
            other => panic!("{name}: unexpected verdict {other}"),
        }
    }
    // Every document in the corpus has a verdict.
    let docs = fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            let n = e.as_ref().unwrap().file_name();
            let n = n.to_string_lossy();
            n.ends_with(".doc.json") || n.ends_with(".proof.json")
        })
        .count();
    assert_eq!(checked + rejected, docs);
    assert!(rejected >= 2, "the corpus has undefined-property cases");
    println!("corpus: {checked} canonical forms identical, {rejected} rejected as DIVOC does");
}

#[test]
fn probes_match_jsonld_js_strict() {
    let store = ContextStore::bundled();
    let dir = fixture("jsonld-canon/probes");
    let refs: BTreeMap<String, Value> =
        serde_json::from_value(read_json(&dir.join("js_refs.json"))).unwrap();
    let names: Vec<String> = serde_json::from_value(read_json(&dir.join("cases.json"))).unwrap();
    assert_eq!(names.len(), refs.len());
    let mut failures = Vec::new();
    for name in &names {
        let doc = read_json(&dir.join(format!("{name}.json")));
        let reference = &refs[name]["strict"];
        // jsonld.js's default mode (drop what does not reach the graph);
        // safe mode, which signatures use, must agree or refuse.
        let result = credential::internal::canonicalize_compat(&doc, &store);
        let safe = canonicalize_rdf(&doc, &store);
        let safe_ok = match (&safe, &result) {
            (
                Err(
                    JsonLdError::ContextUntrusted { .. }
                    | JsonLdError::RelativeIri { .. }
                    | JsonLdError::Dropped { .. }
                    | JsonLdError::UndefinedType { .. },
                ),
                _,
            ) => true,
            (Ok(a), Ok(b)) => a == b,
            (Err(a), Err(b)) => a == b,
            _ => false,
        };
        if !safe_ok {
            failures.push(format!(
                "{name}: safe mode gave {safe:?}, default mode {result:?}"
            ));
        }
        let ok = match (reference, &result) {
            (Value::String(expected), Ok(got)) => expected == got,
            (Value::Object(err), Err(e)) => {
                let message = err["error"].as_str().unwrap();
                match e {
                    JsonLdError::UndefinedProperty { .. } => e.to_string() == message,
                    JsonLdError::ProtectedTermRedefinition { .. } => {
                        message.contains("protected term redefinition")
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{name}: expected {reference}, got {result:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    println!(
        "probes: {} of {} match jsonld.js strict",
        names.len(),
        names.len()
    );
}

fn w3c_case(doc: &str, proof: &str, canon_doc: &str, canon_proof: &str) {
    let store = ContextStore::bundled();
    let dir = fixture("w3c-vc-di-eddsa/TestVectors");
    let doc = read_json(&dir.join(doc));
    let proof = read_json(&dir.join(proof));
    let expected_doc = fs::read_to_string(dir.join(canon_doc)).unwrap();
    let expected_proof = fs::read_to_string(dir.join(canon_proof)).unwrap();
    // The vectors' text files may end without the final newline.
    let got_doc = canonicalize_rdf(&doc, &store).unwrap();
    let got_proof = canonicalize_rdf(&proof, &store).unwrap();
    assert_eq!(got_doc.trim_end(), expected_doc.trim_end());
    assert_eq!(got_proof.trim_end(), expected_proof.trim_end());
    assert!(got_doc.ends_with(" .\n") && got_proof.ends_with(" .\n"));
}

#[test]
fn w3c_eddsa_rdfc_2022_vectors() {
    w3c_case(
        "unsigned.json",
        "eddsa-rdfc-2022/proofConfigDataInt.json",
        "eddsa-rdfc-2022/canonDocDataInt.txt",
        "eddsa-rdfc-2022/proofCanonDataInt.txt",
    );
}

#[test]
fn w3c_ed25519_signature_2020_vectors() {
    w3c_case(
        "unsigned.json",
        "Ed25519Signature2020/proofConfigEdSig.json",
        "Ed25519Signature2020/canonDocEdSig.txt",
        "Ed25519Signature2020/proofCanonEdSig.txt",
    );
}

#[test]
fn w3c_employ_vectors_need_an_unbundled_context() {
    // The `employ/` vectors use https://w3id.org/citizenship/v4rc1, which
    // is not bundled: the store must say so rather than guess.
    let dir = fixture("w3c-vc-di-eddsa/TestVectors");
    let doc = read_json(&dir.join("employmentAuth.json"));
    let contexts = doc["@context"].to_string();
    if contexts.contains("citizenship") {
        let err = canonicalize_rdf(&doc, &ContextStore::bundled()).unwrap_err();
        assert!(matches!(err, JsonLdError::UnknownContext { .. }), "{err:?}");
    }
}
