//! Differential test of the hand-written JSON-LD processor against an
//! oracle: the `json-ld` 0.21 + `rdf-canon` 0.15 crates (native-only
//! dev-dependencies), fed the same bundled contexts through a map loader.
//!
//! Inputs: every corpus document DIVOC's strict check accepts, and
//! proptest-generated credential-shaped documents (names in several
//! scripts, random field subsets, random doses, nested addresses, repeated
//! identical evidence entries that need URDNA2015's N-degree step).
//!
//! Expected differences, kept out of the generated inputs on purpose and
//! covered by the byte-for-byte DIVOC references instead:
//! - escaping: rdf-canon follows RDFC-1.0 (`\t`, `\b`, `\f`, `\u0001` ...),
//!   DIVOC's rdf-canonize 1.2.0 escapes only `"`, `\`, LF and CR;
//! - order: rdf-canon sorts lines by bytes, DIVOC by UTF-16 code units
//!   (they differ only for characters above U+FFFF against U+E000..U+FFFF);
//! - jsonld.js 2 quirks (numbers such as `1e21`, relative IRIs, language
//!   tag case) and strict mode, which the oracle does not have.

#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail loudly on bad fixtures"
)]

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use credential::ContextStore;
use credential::internal::canonicalize_compat as canonicalize_rdf;
use json_ld::rdf_types::{Id, LiteralType, Term};
use json_ld::syntax::{Parse, Value as JsonValue};
use json_ld::{IriBuf, JsonLdProcessor, RemoteDocument};
use proptest::prelude::*;
use serde_json::{Value, json};

const CONTEXTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/contexts");
const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/jsonld-canon/corpus"
);

/// The bundled contexts and their URLs, as `contexts/README.md` lists them.
const BUNDLED: &[(&str, &str)] = &[
    (
        "https://www.w3.org/2018/credentials/v1",
        "credentials-v1.jsonld",
    ),
    (
        "https://www.w3.org/ns/credentials/v2",
        "credentials-v2.jsonld",
    ),
    (
        "https://www.w3.org/ns/credentials/examples/v2",
        "credentials-examples-v2.jsonld",
    ),
    ("https://w3id.org/security/v1", "security-v1.jsonld"),
    ("https://w3id.org/security/v2", "security-v2.jsonld"),
    (
        "https://w3id.org/security/data-integrity/v2",
        "data-integrity-v2.jsonld",
    ),
    (
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "ed25519-signature-2020-v1.jsonld",
    ),
    (
        "https://cowin.gov.in/credentials/vaccination/v1",
        "vaccination-v1.jsonld",
    ),
    (
        "https://divoc.dev/credentials/vaccination/v1",
        "vaccination-v1.jsonld",
    ),
    (
        "https://cowin.gov.in/credentials/vaccination/v2",
        "vaccination-v2.jsonld",
    ),
    (
        "https://divoc.dev/credentials/vaccination/v2",
        "vaccination-v2.jsonld",
    ),
    (
        "https://www.w3.org/ns/credentials/status/v1",
        "vc-bitstring-status-list-v1.jsonld",
    ),
    (
        "https://open-health-certs.github.io/healthcerts/contexts/vaccination/v1",
        "healthcerts-vaccination-v1.jsonld",
    ),
];

fn oracle_loader() -> HashMap<IriBuf, RemoteDocument> {
    BUNDLED
        .iter()
        .map(|(url, file)| {
            let text = std::fs::read_to_string(Path::new(CONTEXTS).join(file)).unwrap();
            let (doc, _) = <JsonValue as Parse>::parse_str(&text).unwrap();
            let iri = IriBuf::new(url.to_string()).unwrap();
            (iri.clone(), RemoteDocument::new(Some(iri), None, doc))
        })
        .collect()
}

/// Canonical N-Quads by the oracle crates.
fn oracle(doc: &Value, loader: &HashMap<IriBuf, RemoteDocument>) -> String {
    let text = serde_json::to_string(doc).unwrap();
    let (json, _) = <JsonValue as Parse>::parse_str(&text).unwrap();
    let input = RemoteDocument::new(None, None, json);
    let mut generator = json_ld::rdf_types::generator::Blank::new();
    let mut rdf = futures::executor::block_on(input.to_rdf(&mut generator, loader))
        .expect("the oracle expands the document");
    let quads: Vec<oxrdf::Quad> = rdf
        .cloned_quads()
        .map(|json_ld::rdf_types::Quad(s, p, o, g)| {
            let subject: oxrdf::Subject = match id_term(s) {
                oxrdf::Term::NamedNode(n) => n.into(),
                oxrdf::Term::BlankNode(b) => b.into(),
                other => panic!("literal subject {other}"),
            };
            let predicate = oxrdf::NamedNode::new_unchecked(p.as_str());
            let object = match o {
                Term::Id(id) => id_term(id),
                Term::Literal(lit) => match lit.type_ {
                    LiteralType::Any(ty) => oxrdf::Literal::new_typed_literal(
                        lit.value,
                        oxrdf::NamedNode::new_unchecked(ty.as_str()),
                    )
                    .into(),
                    LiteralType::LangString(tag) => {
                        oxrdf::Literal::new_language_tagged_literal_unchecked(
                            lit.value,
                            tag.as_str(),
                        )
                        .into()
                    }
                },
            };
            let graph = match g.map(id_term) {
                None => oxrdf::GraphName::DefaultGraph,
                Some(oxrdf::Term::NamedNode(n)) => n.into(),
                Some(oxrdf::Term::BlankNode(b)) => b.into(),
                Some(other) => panic!("literal graph name {other}"),
            };
            oxrdf::Quad::new(subject, predicate, object, graph)
        })
        .collect();
    rdf_canon::canonicalize_quads(&quads).unwrap()
}

fn id_term(id: Id) -> oxrdf::Term {
    match id {
        Id::Iri(iri) => oxrdf::NamedNode::new_unchecked(iri.as_str()).into(),
        Id::Blank(b) => oxrdf::BlankNode::new_unchecked(b.as_str().trim_start_matches("_:")).into(),
    }
}

/// The issuer's own VC 2.0 profile canonicalizes as the oracle crates do
/// (its context is this project's own: another processor must read it the
/// same way).
#[test]
fn the_vc2_profile_agrees_with_the_oracle() {
    let loader = oracle_loader();
    let store = ContextStore::bundled();
    let request: credential::CertificationRequest = serde_json::from_value(json!({
        "preEnrollmentCode": "PE-1",
        "recipient": {"name": "Aïcha Ndiaye", "dob": "1990-02-03", "gender": "Female",
                      "nationality": "Senegalese", "identity": "did:passport:A123"},
        "vaccination": {"name": "COVISHIELD", "batch": "B1", "manufacturer": "Serum Institute of India",
                        "date": "2026-10-01T09:00:00Z", "effectiveStart": "2026-10-01",
                        "effectiveUntil": "2027-10-01", "dose": 1, "totalDoses": 2},
        "vaccinator": {"name": "Dr. Diallo"},
        "facility": {"name": "Hôpital Principal", "address": {"city": "Dakar", "country": "SN"}}
    }))
    .unwrap();
    let profile = credential::IssuanceProfile {
        context_url: credential::vc2::HEALTHCERTS_CONTEXT.into(),
        issuer: "did:web:moh.example.org".into(),
        certificate_base_url: "https://moh.example.org/vaccine/".into(),
        feedback_base_url: String::new(),
        info_base_url: String::new(),
        issuer_name: "Ministry of Health".into(),
    };
    let entry = credential::StatusEntry {
        list: "https://registry.example.org/v1/status-lists/moh/1".into(),
        index: 4711,
    };
    let doc = credential::vc2::vaccination_certificate(
        &request,
        &profile,
        "3YD1-W548-JND0-NXXR",
        "2026-10-01T10:00:00.000Z",
        &credential::VaccineCoding::default(),
        Some(&entry),
    )
    .unwrap();
    let ours = canonicalize_rdf(&doc, &store).unwrap();
    assert_eq!(ours, oracle(&doc, &loader));
    assert!(ours.contains("<https://open-health-certs.github.io/healthcerts/vocab#doseNumber> \"1\"^^<http://www.w3.org/2001/XMLSchema#integer>"), "{ours}");
    assert!(ours.contains("<https://open-health-certs.github.io/healthcerts/vocab#certificateNumber> \"3YD1-W548-JND0-NXXR\""), "{ours}");
}

#[test]
fn corpus_agrees_with_the_oracle() {
    let loader = oracle_loader();
    let store = ContextStore::bundled();
    let strict: BTreeMap<String, Value> = serde_json::from_str(
        &std::fs::read_to_string(Path::new(CORPUS).join("strict.json")).unwrap(),
    )
    .unwrap();
    let mut compared = 0;
    for (name, verdict) in strict {
        if !verdict.is_null() {
            continue;
        }
        let text = std::fs::read_to_string(Path::new(CORPUS).join(format!("{name}.json"))).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            canonicalize_rdf(&doc, &store).unwrap(),
            oracle(&doc, &loader),
            "{name}"
        );
        compared += 1;
    }
    assert!(compared > 100);
    println!("oracle agrees on {compared} corpus documents");
}

/// Names and places in several scripts, with the characters both escape
/// the same way (`"`, `\`, LF, CR) mixed in.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::char::range('a', 'z'),
            prop::char::range('A', 'Z'),
            prop::char::range('\u{0905}', '\u{0939}'), // Devanagari
            prop::char::range('\u{0B85}', '\u{0BB9}'), // Tamil
            prop::char::range('\u{0627}', '\u{064A}'), // Arabic
            prop::char::range('\u{0410}', '\u{044F}'), // Cyrillic
            prop::char::range('\u{4E00}', '\u{4E80}'), // CJK
            Just(' '),
            Just('é'),
            Just('"'),
            Just('\\'),
            Just('\n'),
            Just('\r'),
        ],
        0..24,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// A random subset of `fields` (each `Some` value kept).
fn subset(fields: Vec<(&'static str, Option<Value>)>) -> serde_json::Map<String, Value> {
    fields
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
        .collect()
}

fn address() -> impl Strategy<Value = Value> {
    (
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of("[A-Z]{2,3}"),
        prop::option::of("[0-9]{6}"),
    )
        .prop_map(|(street, street2, district, city, country, postal)| {
            Value::Object(subset(vec![
                ("streetAddress", street.map(Value::from)),
                ("streetAddress2", street2.map(Value::from)),
                ("district", district.map(Value::from)),
                ("addressRegion", city.clone().map(Value::from)),
                ("city", city.map(Value::from)),
                ("addressCountry", country.map(Value::from)),
                ("postalCode", postal.map(Value::from)),
            ]))
        })
}

fn evidence(v2: bool) -> impl Strategy<Value = Value> {
    (
        prop::option::of("[0-9]{8,11}"),
        text(),
        "[A-Z0-9]{6,8}",
        1u32..=4,
        1u32..=4,
        prop::option::of(text()),
        prop::option::of(address()),
        any::<bool>(),
    )
        .prop_map(
            move |(id, vaccine, batch, dose, total, verifier, facility_address, urls)| {
                let mut e = subset(vec![
                    (
                        "id",
                        id.as_ref()
                            .map(|id| json!(format!("https://cowin.gov.in/vaccine/{id}"))),
                    ),
                    ("certificateId", id.map(Value::from)),
                    ("type", Some(json!(["Vaccination"]))),
                    ("batch", Some(batch.into())),
                    ("vaccine", Some(vaccine.into())),
                    ("manufacturer", Some("Bharat Biotech".into())),
                    ("date", Some("2021-05-19T10:45:21.574Z".into())),
                    ("effectiveStart", Some("2021-05-19".into())),
                    ("effectiveUntil", Some("2022-05-19".into())),
                    ("dose", Some(dose.into())),
                    ("totalDoses", Some(total.into())),
                    ("verifier", verifier.map(|name| json!({"name": name}))),
                    (
                        "facility",
                        Some(match facility_address {
                            Some(a) => json!({"name": "District Hospital", "address": a}),
                            None => json!({"name": "District Hospital"}),
                        }),
                    ),
                ]);
                if urls {
                    // Two properties mapping to one predicate: merged quads.
                    e.insert(
                        "feedbackUrl".into(),
                        json!("https://cowin.gov.in/?feedback"),
                    );
                    e.insert("infoUrl".into(), json!("https://cowin.gov.in/?feedback"));
                }
                if v2 {
                    e.insert("icd11Code".into(), json!("XM9QW8"));
                    e.insert("prophylaxis".into(), json!("COVID-19 vaccine"));
                }
                Value::Object(e)
            },
        )
}

fn certificate() -> impl Strategy<Value = Value> {
    any::<(bool, bool)>().prop_flat_map(|(v2, cowin)| {
        let vaccination = format!(
            "https://{}/credentials/vaccination/{}",
            if cowin { "cowin.gov.in" } else { "divoc.dev" },
            if v2 { "v2" } else { "v1" }
        );
        (
            text(),
            prop::option::of(prop_oneof![Just("Male"), Just("Female"), Just("Other")]),
            prop::option::of(0u32..110),
            prop::option::of(text()),
            prop::option::of(address()),
            evidence(v2),
            1usize..=3,
            prop::option::of(evidence(v2)),
        )
            .prop_map(
                move |(name, gender, age, nationality, address, first, repeat, other)| {
                    let subject = subset(vec![
                        ("type", Some("Person".into())),
                        ("id", Some("did:Passport:S5612436".into())),
                        ("refId", Some("31411419840365".into())),
                        ("name", Some(name.into())),
                        ("gender", gender.map(Value::from)),
                        ("age", age.map(|a| a.to_string().into())),
                        ("nationality", nationality.map(Value::from)),
                        ("address", address),
                    ]);
                    // Identical evidence entries (without ids they are
                    // interchangeable blank node trees).
                    let mut evidence = vec![first; repeat];
                    evidence.extend(other);
                    json!({
                        "@context": ["https://www.w3.org/2018/credentials/v1", vaccination.clone()],
                        "type": ["VerifiableCredential", "ProofOfVaccinationCredential"],
                        "credentialSubject": subject,
                        "issuer": "https://cowin.gov.in/",
                        "issuanceDate": "2021-05-19T10:45:21.574Z",
                        "evidence": evidence,
                        "nonTransferable": "true"
                    })
                },
            )
    })
}

fn proof_options() -> impl Strategy<Value = Value> {
    (
        prop_oneof![Just("RsaSignature2018"), Just("Ed25519Signature2018")],
        "20[0-9]{2}-0[1-9]-1[0-9]T1[0-9]:[0-5][0-9]:[0-5][0-9]Z",
        "did:[a-z]{2,6}(:[a-z0-9]{1,8})?(#key-[0-9])?",
    )
        .prop_map(|(ty, created, vm)| {
            json!({
                "@context": "https://w3id.org/security/v2",
                "type": ty, "created": created,
                "verificationMethod": vm, "proofPurpose": "assertionMethod"
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn generated_certificates_agree_with_the_oracle(doc in certificate(), proof in proof_options()) {
        let loader = oracle_loader();
        let store = ContextStore::bundled();
        prop_assert_eq!(canonicalize_rdf(&doc, &store).unwrap(), oracle(&doc, &loader));
        prop_assert_eq!(canonicalize_rdf(&proof, &store).unwrap(), oracle(&proof, &loader));
        // With the proof embedded: the `@graph` container.
        let mut signed = doc.clone();
        let mut embedded = proof.clone();
        embedded.as_object_mut().unwrap().remove("@context");
        embedded["jws"] = json!("eyJhbGciOiJQUzI1NiJ9..c2ln");
        signed["proof"] = embedded;
        prop_assert_eq!(canonicalize_rdf(&signed, &store).unwrap(), oracle(&signed, &loader));
    }
}
