//! Safe mode: what a signature is checked in. Anything that would drop out
//! of the RDF graph on the way there (and so not be covered by the
//! signature, while the JSON still shows it) is refused, as jsonld.js's
//! `safe` mode does; and the document may only name contexts by URL.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure, and clippy.toml's test allowances do not reach helper functions"
)]

use credential::internal::canonicalize_compat;
use credential::{ContextStore, JsonLdError, canonicalize_rdf};
use serde_json::{Value, json};

fn certificate() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/divoc/stack-signed/ed25519-v2/cert-001/certificate.json"
    );
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc.as_object_mut().unwrap().remove("proof");
    doc
}

fn safe(doc: &Value) -> Result<String, JsonLdError> {
    canonicalize_rdf(doc, &ContextStore::bundled())
}

/// Refused in safe mode, while jsonld.js's default mode drops the data and
/// goes on (so a signature over the rest would still check).
fn refused_but_dropped_by_jsonld_js(doc: &Value) -> JsonLdError {
    canonicalize_compat(doc, &ContextStore::bundled()).unwrap();
    safe(doc).unwrap_err()
}

#[test]
fn the_plain_certificate_is_accepted_and_canonicalizes_as_before() {
    let doc = certificate();
    assert_eq!(
        safe(&doc).unwrap(),
        canonicalize_compat(&doc, &ContextStore::bundled()).unwrap()
    );
}

#[test]
fn relative_node_ids_are_refused() {
    for (path, value) in [
        ("/evidence/0/id", "x"),
        ("/credentialSubject/id", "12345"),
        ("/credentialSubject/id", "urn"),
        ("/credentialSubject/id", "#me"),
        ("/credentialSubject/id", "../a"),
    ] {
        let mut doc = certificate();
        *doc.pointer_mut(path).unwrap() = json!(value);
        assert_eq!(
            refused_but_dropped_by_jsonld_js(&doc),
            JsonLdError::RelativeIri { key: "@id".into() },
            "{path} = {value}"
        );
    }
    // An `@type: @id` term's value (the issuer) is a node identifier too.
    let mut doc = certificate();
    doc["issuer"] = json!("moh");
    assert_eq!(
        refused_but_dropped_by_jsonld_js(&doc),
        JsonLdError::RelativeIri {
            key: "issuer".into()
        }
    );
}

#[test]
fn null_values_are_refused() {
    for path in [
        "/evidence/0/batch",
        "/credentialSubject/name",
        "/issuanceDate",
    ] {
        let mut doc = certificate();
        *doc.pointer_mut(path).unwrap() = Value::Null;
        assert!(
            matches!(
                refused_but_dropped_by_jsonld_js(&doc),
                JsonLdError::Dropped {
                    what: "a null value",
                    ..
                }
            ),
            "{path}"
        );
    }
    let mut doc = certificate();
    doc["credentialSubject"]["name"] = json!({"@value": null});
    assert!(matches!(
        refused_but_dropped_by_jsonld_js(&doc),
        JsonLdError::Dropped {
            what: "a null @value",
            ..
        }
    ));
    let mut doc = certificate();
    doc["credentialSubject"]["name"] = json!(["A", null]);
    assert!(safe(&doc).is_err());
}

#[test]
fn undefined_types_are_refused() {
    let mut doc = certificate();
    doc["evidence"][0]["type"] = json!(["Vaccination", "Booster"]);
    assert_eq!(
        refused_but_dropped_by_jsonld_js(&doc),
        JsonLdError::UndefinedType {
            value: "Booster".into()
        }
    );
}

#[test]
fn objects_with_only_a_language_are_refused() {
    let mut doc = certificate();
    doc["credentialSubject"]["name"] = json!({"@language": "hi"});
    assert!(matches!(
        refused_but_dropped_by_jsonld_js(&doc),
        JsonLdError::Dropped { .. }
    ));
}

#[test]
fn inline_contexts_and_null_contexts_are_refused() {
    for context in [
        json!({"fullName": "https://schema.org/name"}),
        json!([{"@vocab": "https://schema.org/"}]),
        json!(["https://www.w3.org/2018/credentials/v1", {"x": "https://schema.org/x"}]),
    ] {
        let mut doc = certificate();
        doc["credentialSubject"]["@context"] = context.clone();
        assert!(
            matches!(
                safe(&doc).unwrap_err(),
                JsonLdError::ContextUntrusted { .. }
            ),
            "{context}"
        );
    }
    let mut doc = certificate();
    doc["@context"] = json!([
        "https://www.w3.org/2018/credentials/v1",
        "https://divoc.dev/credentials/vaccination/v2",
        {"certId": "https://schema.org/id"}
    ]);
    assert!(matches!(
        safe(&doc).unwrap_err(),
        JsonLdError::ContextUntrusted { .. }
    ));
    let mut doc = certificate();
    doc["evidence"][0]["@context"] = Value::Null;
    assert!(matches!(
        safe(&doc).unwrap_err(),
        JsonLdError::ContextUntrusted { .. }
    ));
}

#[test]
fn context_urls_the_verifier_holds_are_accepted_anywhere() {
    let mut doc = certificate();
    doc["credentialSubject"]["@context"] = json!("https://divoc.dev/credentials/vaccination/v2");
    safe(&doc).unwrap();
}

#[test]
fn graph_preserving_forms_canonicalize_alike() {
    let plain = safe(&certificate()).unwrap();
    let mut doc = certificate();
    doc["evidence"] = doc["evidence"][0].clone();
    doc["evidence"]["certificateId"] = json!({"@value": "15295081141"});
    doc["credentialSubject"]["name"] = json!([doc["credentialSubject"]["name"].take()]);
    doc["issuer"] = json!({"@id": "https://moh.example.org/"});
    assert_eq!(safe(&doc).unwrap(), plain);
}
