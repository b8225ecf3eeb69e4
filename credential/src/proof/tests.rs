//! The hash-and-check core against canonical forms from the fixtures: the
//! canonical N-Quads DIVOC's stack computed for each certificate
//! (`jsonld-canon/corpus`), and every intermediate of the W3C vc-di-eddsa
//! vectors. Independent of the JSON-LD processor, so these pin the crypto
//! even while canonicalization changes.

use serde_json::Value;

use super::suites::for_suite;
use super::{Proof, ProofError, Suite, hash_data, verify_canonical};
use crate::{PrivateKey, PublicKey};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");

fn text(path: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{path}"))
        .unwrap_or_else(|error| panic!("fixture {path}: {error}"))
}

fn json(path: &str) -> Value {
    serde_json::from_str(&text(path)).unwrap_or_else(|error| panic!("fixture {path}: {error}"))
}

fn hex(text: &str) -> Vec<u8> {
    let text = text.trim();
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// What DIVOC's verifier decided for a corpus case, and why it rejected.
#[derive(Debug, PartialEq)]
enum Verdict {
    Valid,
    NoProof,
    UnknownKey,
    Canonicalization,
    BadSignature,
}

/// A corpus case: the certificate, the key the verifier holds, the key id
/// it trusts, and DIVOC's verdict.
struct Case {
    name: String,
    /// The manifest the case comes from (for the per-manifest counts).
    group: String,
    certificate: Value,
    key: PublicKey,
    kid: String,
    divoc_verifies: bool,
}

fn cases() -> Vec<Case> {
    let names: Vec<String> =
        serde_json::from_value(json("jsonld-canon/corpus/cases.json")).unwrap();
    let mut cases = Vec::new();
    for name in names {
        let parts: Vec<&str> = name.split("__").collect();
        match parts.as_slice() {
            ["vectors", vector] => {
                let key = if vector.starts_with("ed25519") {
                    PublicKey::from_base58(&text("divoc/vectors/ed25519-test-key.base58")).unwrap()
                } else {
                    PublicKey::from_pem(&text("divoc/vectors/rsa-test-key.pem")).unwrap()
                };
                cases.push(Case {
                    name: name.clone(),
                    group: "divoc/vectors".into(),
                    certificate: json(&format!("divoc/vectors/{vector}.json")),
                    key,
                    kid: "did:india".into(),
                    divoc_verifies: !vector.contains("bad-signature"),
                });
            }
            ["stack-signed", dir, cert, rest @ ..] => {
                let manifest = json(&format!("divoc/stack-signed/{dir}/manifest.json"));
                let (path, entry) = match rest {
                    [] => {
                        let entry = manifest["certificates"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .find(|c| c["id"] == *cert)
                            .unwrap()
                            .clone();
                        (format!("{cert}/certificate.json"), entry)
                    }
                    [case] => {
                        let id = format!("{cert}/{case}");
                        let entry = manifest["cases"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .find(|c| c["id"] == id.as_str())
                            .unwrap()
                            .clone();
                        (format!("{cert}/{case}/certificate.json"), entry)
                    }
                    _ => panic!("unexpected case name {name}"),
                };
                cases.push(Case {
                    name: name.clone(),
                    group: format!("divoc/stack-signed/{dir}"),
                    certificate: json(&format!("divoc/stack-signed/{dir}/{path}")),
                    key: PublicKey::from_pem(&text(&format!(
                        "divoc/stack-signed/{dir}/key/public.pem"
                    )))
                    .unwrap(),
                    kid: manifest["kid"].as_str().unwrap().into(),
                    divoc_verifies: entry["divoc_verifies"].as_bool().unwrap(),
                });
            }
            ["w3c", _] => {}
            _ => panic!("unexpected case name {name}"),
        }
    }
    cases
}

/// The verifier's decision given the canonical forms DIVOC's stack made:
/// what the engine does around `verify`, with canonicalization taken from
/// the corpus (and its strict-mode verdicts) instead of our processor.
fn verdict(case: &Case, strict: &Value) -> Verdict {
    let proof = match Proof::from_document(&case.certificate) {
        Ok(proof) => proof,
        Err(ProofError::Missing) => return Verdict::NoProof,
        Err(error) => panic!("{}: {error}", case.name),
    };
    if proof.verification_method() != case.kid {
        return Verdict::UnknownKey;
    }
    if !strict[format!("{}.doc", case.name)].is_null()
        || !strict[format!("{}.proof", case.name)].is_null()
    {
        return Verdict::Canonicalization;
    }
    let corpus = format!("jsonld-canon/corpus/{}", case.name);
    let proof_nq = text(&format!("{corpus}.proof.nq"));
    let doc_nq = text(&format!("{corpus}.doc.nq"));
    match verify_canonical(&proof, &case.key, &proof_nq, &doc_nq) {
        Ok(()) => Verdict::Valid,
        Err(ProofError::BadSignature) => Verdict::BadSignature,
        Err(error) => panic!("{}: unexpected {error}", case.name),
    }
}

#[test]
fn every_divoc_certificate_gets_divocs_verdict_from_its_canonical_forms() {
    let strict = json("jsonld-canon/corpus/strict.json");
    let cases = cases();
    // 4 DIVOC vectors, 2 x 4 stack-signed, 2 x 26 tampered json cases.
    assert_eq!(cases.len(), 64, "every DIVOC certificate in the corpus");
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for case in &cases {
        let verdict = verdict(case, &strict);
        assert_eq!(
            verdict == Verdict::Valid,
            case.divoc_verifies,
            "{}: {verdict:?}",
            case.name
        );
        // The reason matches DIVOC's error too.
        let expected_reason = if case.name.ends_with("removed_proof") {
            Verdict::NoProof
        } else if case.name.ends_with("unknown_verification_method") {
            Verdict::UnknownKey
        } else if case.name.contains("added_undefined_property") {
            Verdict::Canonicalization
        } else if case.divoc_verifies {
            Verdict::Valid
        } else {
            Verdict::BadSignature
        };
        assert_eq!(verdict, expected_reason, "{}", case.name);
        *counts.entry(case.group.clone()).or_default() += 1;
    }
    for (group, count) in counts {
        println!("{group}: {count} of {count} cases get DIVOC's verdict");
    }
}

#[test]
fn a_valid_divoc_signature_fails_over_any_other_canonical_form() {
    let strict = json("jsonld-canon/corpus/strict.json");
    let case = cases()
        .into_iter()
        .find(|case| case.name == "stack-signed__ed25519-v2__cert-001")
        .unwrap();
    assert_eq!(verdict(&case, &strict), Verdict::Valid);
    let proof = Proof::from_document(&case.certificate).unwrap();
    let corpus = format!("jsonld-canon/corpus/{}", case.name);
    let proof_nq = text(&format!("{corpus}.proof.nq"));
    let doc_nq = text(&format!("{corpus}.doc.nq"));
    // One character more in either canonical form, or the two swapped.
    for (p, d) in [
        (format!("{proof_nq} "), doc_nq.clone()),
        (proof_nq.clone(), format!("{doc_nq} ")),
        (doc_nq.clone(), proof_nq.clone()),
    ] {
        assert_eq!(
            verify_canonical(&proof, &case.key, &p, &d),
            Err(ProofError::BadSignature)
        );
    }
}

/// The W3C vectors' key pair.
fn w3c_keys() -> (PublicKey, PrivateKey) {
    let pair = json("w3c-vc-di-eddsa/TestVectors/keyPair.json");
    let public = PublicKey::from_multibase(pair["publicKeyMultibase"].as_str().unwrap()).unwrap();
    let private =
        PrivateKey::from_multibase(pair["privateKeyMultibase"].as_str().unwrap()).unwrap();
    assert_eq!(private.public_key(), public);
    (public, private)
}

/// One W3C suite's intermediates: file stem suffix, suite.
fn check_w3c_vector(dir: &str, suffix: &str, suite: Suite) {
    let (public, private) = w3c_keys();
    let base = format!("w3c-vc-di-eddsa/TestVectors/{dir}");
    let proof_canonical = text(&format!("{base}/proofCanon{suffix}.txt"));
    let document_canonical = text(&format!("{base}/canonDoc{suffix}.txt"));
    let signed_name = match suffix {
        "DataInt" => "signedDataInt",
        "JCS" => "signedJCS",
        _ => "signedEdSig",
    };
    let signed = json(&format!("{base}/{signed_name}.json"));

    // The hashes, byte for byte.
    let data = hash_data(&proof_canonical, &document_canonical);
    assert_eq!(
        data[..32],
        hex(&text(&format!("{base}/proofHash{suffix}.txt")))[..],
        "{dir}: proof hash"
    );
    assert_eq!(
        data[32..],
        hex(&text(&format!("{base}/docHash{suffix}.txt")))[..],
        "{dir}: document hash"
    );
    assert_eq!(
        data[..],
        hex(&text(&format!("{base}/combinedHash{suffix}.txt")))[..],
        "{dir}: combined"
    );

    // Their signature verifies over those forms...
    let proof = Proof::from_document(&signed).unwrap();
    assert_eq!(proof.suite(), suite);
    verify_canonical(&proof, &public, &proof_canonical, &document_canonical).unwrap();

    // ...and ours over the same input is the same signature (EdDSA is
    // deterministic), in hex and in multibase.
    let ours = for_suite(suite).encode_signature(&data, &private).unwrap();
    assert_eq!(ours, signed["proof"]["proofValue"], "{dir}: proofValue");
    assert_eq!(
        ours.as_str().unwrap(),
        text(&format!("{base}/sigBTC58{suffix}.txt")).trim()
    );
    let signature = bs58::decode(&ours.as_str().unwrap()[1..])
        .into_vec()
        .unwrap();
    assert_eq!(signature, hex(&text(&format!("{base}/sigHex{suffix}.txt"))));
}

#[test]
fn w3c_eddsa_rdfc_2022_intermediates_match_byte_for_byte() {
    check_w3c_vector("eddsa-rdfc-2022", "DataInt", Suite::EddsaRdfc2022);
    check_w3c_vector("eddsa-rdfc-2022/employ", "DataInt", Suite::EddsaRdfc2022);
}

#[test]
fn w3c_eddsa_jcs_2022_intermediates_match_byte_for_byte() {
    check_w3c_vector("eddsa-jcs-2022", "JCS", Suite::EddsaJcs2022);
}

#[test]
fn w3c_ed25519_signature_2020_intermediates_match_byte_for_byte() {
    check_w3c_vector("Ed25519Signature2020", "EdSig", Suite::Ed25519Signature2020);
}

#[test]
fn divoc_canonicalization_of_the_w3c_proof_config_matches_the_w3c_vector() {
    // The corpus ran the W3C proof configuration through DIVOC's stack:
    // the same canonical form as the W3C intermediate.
    assert_eq!(
        text("jsonld-canon/corpus/w3c__unsigned.proof.nq"),
        text("w3c-vc-di-eddsa/TestVectors/eddsa-rdfc-2022/proofCanonDataInt.txt")
    );
    assert_eq!(
        text("jsonld-canon/corpus/w3c__unsigned.doc.nq"),
        text("w3c-vc-di-eddsa/TestVectors/eddsa-rdfc-2022/canonDocDataInt.txt")
    );
}

#[test]
fn our_jws_over_divoc_canonical_forms_verifies_and_is_deterministic() {
    let strict = json("jsonld-canon/corpus/strict.json");
    let case = cases()
        .into_iter()
        .find(|case| case.name == "stack-signed__ed25519-v2__cert-001")
        .unwrap();
    assert_eq!(verdict(&case, &strict), Verdict::Valid);
    let corpus = format!("jsonld-canon/corpus/{}", case.name);
    let proof_nq = text(&format!("{corpus}.proof.nq"));
    let doc_nq = text(&format!("{corpus}.doc.nq"));
    let key = PrivateKey::generate_ed25519().unwrap();
    let data = hash_data(&proof_nq, &doc_nq);
    let suite = for_suite(Suite::Ed25519Signature2018);
    let jws = suite.encode_signature(&data, &key).unwrap();
    assert_eq!(jws, suite.encode_signature(&data, &key).unwrap());
    assert!(
        jws.as_str()
            .unwrap()
            .starts_with("eyJhbGciOiJFZERTQSIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19.."),
        "the header DIVOC writes, byte for byte"
    );
    let mut certificate = case.certificate.clone();
    certificate["proof"]["jws"] = jws;
    let proof = Proof::from_document(&certificate).unwrap();
    verify_canonical(&proof, &key.public_key(), &proof_nq, &doc_nq).unwrap();
    // The issuer's key does not verify our signature, nor ours theirs.
    assert_eq!(
        verify_canonical(&proof, &case.key, &proof_nq, &doc_nq),
        Err(ProofError::BadSignature)
    );
}

#[test]
fn rsa_pss_divoc_vectors_verify_and_reject_a_flipped_bit() {
    let strict = json("jsonld-canon/corpus/strict.json");
    let case = cases()
        .into_iter()
        .find(|case| case.name == "vectors__rsa-cowin-context-valid")
        .unwrap();
    assert_eq!(verdict(&case, &strict), Verdict::Valid);
    let corpus = format!("jsonld-canon/corpus/{}", case.name);
    let proof_nq = text(&format!("{corpus}.proof.nq"));
    let doc_nq = text(&format!("{corpus}.doc.nq"));
    let jws = case.certificate["proof"]["jws"].as_str().unwrap();
    let (head, signature) = jws.rsplit_once('.').unwrap();
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut bytes = engine.decode(signature).unwrap();
    for index in [0, bytes.len() / 2, bytes.len() - 1] {
        bytes[index] ^= 0x01;
        let mut certificate = case.certificate.clone();
        certificate["proof"]["jws"] = format!("{head}.{}", engine.encode(&bytes)).into();
        let proof = Proof::from_document(&certificate).unwrap();
        assert_eq!(
            verify_canonical(&proof, &case.key, &proof_nq, &doc_nq),
            Err(ProofError::BadSignature),
            "bit flipped at byte {index}"
        );
        bytes[index] ^= 0x01;
    }
}
