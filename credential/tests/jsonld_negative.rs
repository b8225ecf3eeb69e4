//! What the JSON-LD processor must refuse, and how it says so: undefined
//! properties at every level, unknown contexts, protected-term
//! redefinitions, unsupported features, and hostile documents that must
//! fail in bounded time.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on bad fixtures"
)]

use credential::{ContextStore, JsonLdError, canonicalize_rdf};
use serde_json::{Value, json};

/// A DIVOC v2 certificate without its proof (valid in strict mode).
fn certificate() -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://cowin.gov.in/credentials/vaccination/v2"],
        "type": ["VerifiableCredential", "ProofOfVaccinationCredential"],
        "credentialSubject": {
            "type": "Person", "id": "did:Passport:S5612436", "refId": "31411419840365",
            "name": "Meera Gupta", "gender": "Male", "age": "81", "nationality": "Indian",
            "address": {"streetAddress": "23, Station Road", "district": "Kolkata", "city": "Kolkata",
                        "addressRegion": "West Bengal", "addressCountry": "IN", "postalCode": "700001"}
        },
        "issuer": "https://cowin.gov.in/",
        "issuanceDate": "2022-01-18T13:36:24.716Z",
        "evidence": [{
            "id": "https://cowin.gov.in/vaccine/20012887902", "certificateId": "20012887902",
            "type": ["Vaccination"], "batch": "ZZ2H1BDD", "vaccine": "COVISHIELD",
            "manufacturer": "Serum Institute of India", "date": "2022-01-18T12:44:29.577Z",
            "effectiveStart": "2022-01-18", "effectiveUntil": "2023-01-18", "dose": 2, "totalDoses": 2,
            "verifier": {"name": "Rajesh Gupta"},
            "facility": {"name": "District Hospital", "address": {"district": "Kolkata", "addressCountry": "IN"}}
        }],
        "nonTransferable": "true"
    })
}

/// The processor's own behaviour (strict about undefined terms, as DIVOC's
/// verifier), in jsonld.js's default mode. Safe mode, which signatures use,
/// refuses more: `jsonld_safe_mode.rs`.
fn canon(doc: &Value) -> Result<String, JsonLdError> {
    credential::internal::canonicalize_compat(doc, &ContextStore::bundled())
}

/// A way to break the certificate.
type Mutation = fn(&mut Value);

fn undefined(property: &str) -> JsonLdError {
    JsonLdError::UndefinedProperty {
        property: property.into(),
    }
}

#[test]
fn the_certificate_itself_is_accepted() {
    let nq = canon(&certificate()).unwrap();
    assert!(nq.contains("<https://schema.org/name> \"Meera Gupta\" ."));
    assert!(nq.ends_with(" .\n"));
}

#[test]
fn undefined_property_at_every_level() {
    let cases: [(&str, Mutation); 7] = [
        ("top", |d| d["vaccinationStatus"] = json!("full")),
        ("credentialSubject", |d| {
            d["credentialSubject"]["passportNumber"] = json!("X")
        }),
        ("address", |d| {
            d["credentialSubject"]["address"]["landmark"] = json!("X")
        }),
        ("evidence", |d| d["evidence"][0]["lotSize"] = json!(5)),
        ("verifier", |d| {
            d["evidence"][0]["verifier"]["batch"] = json!("X")
        }),
        ("facility", |d| {
            d["evidence"][0]["facility"]["phone"] = json!("X")
        }),
        ("facility address", |d| {
            d["evidence"][0]["facility"]["address"]["geo"] = json!({"lat": 1})
        }),
    ];
    let expected = [
        "vaccinationStatus",
        "passportNumber",
        "landmark",
        "lotSize",
        "batch",
        "phone",
        "geo",
    ];
    for ((level, mutate), property) in cases.into_iter().zip(expected) {
        let mut doc = certificate();
        mutate(&mut doc);
        let err = canon(&doc).unwrap_err();
        assert_eq!(err, undefined(property), "{level}");
        assert_eq!(
            err.to_string(),
            format!("The property \"{property}\" in the input was not defined in the context."),
        );
    }
}

#[test]
fn null_or_empty_values_of_undefined_properties_are_still_undefined() {
    for value in [json!(null), json!([]), json!({})] {
        let mut doc = certificate();
        doc["credentialSubject"]["extra"] = value;
        assert_eq!(canon(&doc).unwrap_err(), undefined("extra"));
    }
}

#[test]
fn keyword_like_keys_are_undefined() {
    let mut doc = certificate();
    doc["@foo"] = json!("x");
    assert_eq!(canon(&doc).unwrap_err(), undefined("@foo"));
}

#[test]
fn first_undefined_property_in_javascript_key_order() {
    let mut doc = certificate();
    doc["zzz"] = json!(1);
    doc["aaa"] = json!(1);
    assert_eq!(canon(&doc).unwrap_err(), undefined("aaa"));
}

#[test]
fn an_undefined_type_is_dropped_by_jsonld_js_and_refused_in_safe_mode() {
    let mut doc = certificate();
    let before = canon(&doc).unwrap();
    doc["type"]
        .as_array_mut()
        .unwrap()
        .push(json!("FooCredential"));
    assert_eq!(canon(&doc).unwrap(), before);
    assert_eq!(
        canonicalize_rdf(&doc, &ContextStore::bundled()).unwrap_err(),
        JsonLdError::UndefinedType {
            value: "FooCredential".into()
        }
    );
}

#[test]
fn unknown_context_url() {
    let mut doc = certificate();
    doc["@context"][1] = json!("https://example.org/vaccination/v9");
    assert_eq!(
        canon(&doc).unwrap_err(),
        JsonLdError::UnknownContext {
            url: "https://example.org/vaccination/v9".into()
        }
    );
}

#[test]
fn a_trust_list_context_makes_a_new_credential_verifiable() {
    let country = json!({"@context": {
        "@version": 1.1, "@protected": true,
        "ImmunityPass": {"@id": "https://health.example/ImmunityPass", "@context": {
            "@version": 1.1, "@protected": true,
            "holderName": "https://schema.org/name",
            "doses": {"@id": "https://health.example/doses", "@type": "http://www.w3.org/2001/XMLSchema#integer"}
        }}
    }});
    let doc = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://health.example/ctx/v1"],
        "type": ["VerifiableCredential", "ImmunityPass"],
        "issuer": "did:web:health.example",
        "issuanceDate": "2024-01-01T00:00:00Z",
        "holderName": "Ana", "doses": "3"
    });
    assert!(matches!(
        canon(&doc),
        Err(JsonLdError::UnknownContext { .. })
    ));
    let mut store = ContextStore::bundled();
    store
        .add_context("https://health.example/ctx/v1", &country)
        .unwrap();
    let nq = canonicalize_rdf(&doc, &store).unwrap();
    assert!(nq.contains("<https://schema.org/name> \"Ana\" ."), "{nq}");
    assert!(nq.contains(
        "<https://health.example/doses> \"3\"^^<http://www.w3.org/2001/XMLSchema#integer> ."
    ));
    // The bundled store is unchanged.
    assert!(!ContextStore::bundled().contains("https://health.example/ctx/v1"));
}

#[test]
fn protected_term_redefinitions() {
    for redefinition in [
        json!({"VerifiableCredential": "http://evil.example/VC"}),
        json!({"proof": "http://evil.example/proof"}),
        json!({"id": "http://evil.example/id"}),
        json!({"Vaccination": {"@id": "vac:Vaccination", "@context": {"batch": "http://evil.example/"}}}),
    ] {
        let mut doc = certificate();
        doc["@context"]
            .as_array_mut()
            .unwrap()
            .push(redefinition.clone());
        let err = canon(&doc).unwrap_err();
        assert!(
            matches!(err, JsonLdError::ProtectedTermRedefinition { .. }),
            "{redefinition}: {err:?}"
        );
    }
    // An identical redefinition is allowed.
    let mut doc = certificate();
    doc["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "@id", "type": "@type"}));
    assert_eq!(canon(&doc).unwrap(), canon(&certificate()).unwrap());
    // So is a term that only type-scoped contexts define.
    let mut doc = certificate();
    doc["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "http://evil.example/name"}));
    assert_eq!(canon(&doc).unwrap(), canon(&certificate()).unwrap());
}

#[test]
fn nullifying_protected_terms_is_refused() {
    let mut doc = certificate();
    doc["@context"].as_array_mut().unwrap().push(Value::Null);
    assert_eq!(
        canon(&doc).unwrap_err(),
        JsonLdError::InvalidContextNullification
    );
}

#[test]
fn unsupported_features_are_rejected_not_ignored() {
    let mut docs = Vec::new();
    for (key, value) in [
        (
            "@reverse",
            json!({"https://schema.org/knows": {"id": "did:x"}}),
        ),
        ("@index", json!("x")),
        ("@included", json!([{"id": "did:x"}])),
        ("@nest", json!({})),
    ] {
        let mut doc = certificate();
        doc["credentialSubject"][key] = value;
        docs.push((key.to_owned(), doc));
    }
    for ctx in [
        json!({"@base": "https://example.org/"}),
        json!({"@language": "en"}),
        json!({"@import": "https://w3id.org/security/v1"}),
        json!({"tags": {"@id": "https://schema.org/tag", "@container": "@language"}}),
        json!({"rev": {"@reverse": "https://schema.org/knows"}}),
    ] {
        let mut doc = certificate();
        doc["@context"].as_array_mut().unwrap().push(ctx.clone());
        docs.push((ctx.to_string(), doc));
    }
    // A JSON literal (`@type: @json`, credentials v2's `jsonSchema`).
    docs.push((
        "@json".into(),
        json!({
            "@context": "https://www.w3.org/ns/credentials/v2",
            "type": "JsonSchema", "jsonSchema": {"type": "object"}
        }),
    ));
    for (what, doc) in docs {
        let err = canon(&doc).unwrap_err();
        assert!(
            matches!(err, JsonLdError::UnsupportedFeature { .. }),
            "{what}: {err:?}"
        );
    }
}

#[test]
fn malformed_keyword_values() {
    let mut doc = certificate();
    doc["credentialSubject"]["id"] = json!(5);
    assert!(matches!(
        canon(&doc).unwrap_err(),
        JsonLdError::InvalidKeywordValue { keyword: "@id", .. }
    ));
    let mut doc = certificate();
    doc["credentialSubject"]["type"] = json!({"a": 1});
    assert!(matches!(
        canon(&doc).unwrap_err(),
        JsonLdError::InvalidKeywordValue {
            keyword: "@type",
            ..
        }
    ));
    let mut doc = certificate();
    doc["credentialSubject"]["name"] = json!({"@value": "x", "@type": "notAnIri"});
    assert!(matches!(
        canon(&doc).unwrap_err(),
        JsonLdError::InvalidKeywordValue { .. }
    ));
    let mut doc = certificate();
    doc["credentialSubject"]["name"] = json!({"@value": "x", "gender": "y"});
    assert!(canon(&doc).is_err());
    let mut doc = certificate();
    doc["credentialSubject"]["@id"] = json!("did:other");
    assert_eq!(
        canon(&doc).unwrap_err(),
        JsonLdError::CollidingKeywords { keyword: "@id" }
    );
}

#[test]
fn invalid_inline_contexts() {
    for ctx in [
        json!(5),
        json!({"@version": 1.0}),
        json!({"x": {"@id": "y:z", "@bogus": 1}}),
        json!({"a": "b:x", "b": "a:y"}),
        json!({"t": {"@type": "notAnIri"}}),
        json!({"@id": "http://evil.example/"}),
        json!({"t": {"@id": "@context"}}),
        json!({"t": "relative"}),
    ] {
        let mut doc = certificate();
        doc["@context"].as_array_mut().unwrap().push(ctx.clone());
        assert!(canon(&doc).is_err(), "{ctx}");
    }
}

#[test]
fn deep_nesting_is_bounded() {
    // Absolute IRIs are defined everywhere, so only the depth can stop it.
    let mut inner = json!({"https://example.org/p": "x"});
    for _ in 0..200 {
        inner = json!({"https://example.org/p": inner});
    }
    let mut doc = certificate();
    doc["evidence"][0]["facility"] = inner;
    assert!(matches!(
        canon(&doc).unwrap_err(),
        JsonLdError::TooDeep { .. }
    ));
    // Arrays nest too.
    let mut array = json!("x");
    for _ in 0..200 {
        array = json!([array]);
    }
    let mut doc = certificate();
    doc["credentialSubject"]["name"] = array;
    assert!(matches!(
        canon(&doc).unwrap_err(),
        JsonLdError::TooDeep { .. }
    ));
}

#[test]
fn a_context_that_imports_itself_is_bounded() {
    let mut store = ContextStore::bundled();
    store
        .add_context(
            "https://loop.example/a",
            &json!({"@context": ["https://loop.example/b"]}),
        )
        .unwrap();
    store
        .add_context(
            "https://loop.example/b",
            &json!({"@context": ["https://loop.example/a"]}),
        )
        .unwrap();
    let doc = json!({"@context": "https://loop.example/a", "@id": "did:x"});
    assert!(matches!(
        canonicalize_rdf(&doc, &store).unwrap_err(),
        JsonLdError::TooDeep { .. }
    ));
}

#[test]
fn too_many_quads() {
    let mut doc = certificate();
    doc["evidence"][0]["batch"] =
        Value::Array((0..20_000).map(|i| json!(format!("B{i}"))).collect());
    assert!(matches!(
        canon(&doc).unwrap_err(),
        JsonLdError::TooLarge { what: "quads", .. }
    ));
}

#[test]
fn interchangeable_blank_nodes_fail_in_bounded_time() {
    // Sixteen identical, mutually referencing blank nodes: the N-degree
    // step would try 15! orderings at every level.
    let n = 16;
    let nodes: Vec<Value> = (0..n)
        .map(|i| {
            let others: Vec<Value> = (0..n)
                .filter(|&j| j != i)
                .map(|j| json!({"@id": format!("_:n{j}")}))
                .collect();
            json!({"@id": format!("_:n{i}"), "https://schema.org/knows": others})
        })
        .collect();
    let doc = json!({"@context": "https://w3id.org/security/v2", "@graph": nodes});
    assert!(matches!(
        canon(&doc).unwrap_err(),
        JsonLdError::TooComplex { .. }
    ));
}

#[test]
fn identical_blank_nodes_that_are_legitimate_canonicalize() {
    // Three identical evidence entries without ids: the N-degree step has
    // to tell their subtrees apart, and the result does not depend on the
    // order they come in.
    let mut doc = certificate();
    let mut evidence = doc["evidence"][0].clone();
    evidence.as_object_mut().unwrap().remove("id");
    let mut other = evidence.clone();
    other["dose"] = json!(1);
    doc["evidence"] = json!([evidence.clone(), other.clone(), evidence.clone()]);
    let a = canon(&doc).unwrap();
    doc["evidence"] = json!([evidence.clone(), evidence, other]);
    let b = canon(&doc).unwrap();
    assert_eq!(a, b);
    // 14 blank nodes: the credential, the subject's address, and for each
    // evidence entry itself, its verifier, facility and facility address.
    assert!(a.contains("_:c14n13 "));
    assert!(!a.contains("_:c14n14 "));
}
