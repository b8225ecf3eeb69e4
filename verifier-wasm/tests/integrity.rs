//! Verdicts that cannot be forged: rewrites of a signed certificate's JSON.
//!
//! The RDF suites sign the credential's graph, not its JSON, so a rewrite
//! that keeps the graph keeps the signature. These tests take signed
//! certificates (DIVOC's vectors, certificates DIVOC's own npm stack signed,
//! and certificates signed here as the issuer API signs them) and apply
//! rewrites that keep the graph and rewrites that change it
//! (`rewrites/mod.rs`). Every result must either be refused, or say exactly
//! what the original says: the same status, issuer, revocation outcome,
//! dates and displayed fields (for values that share an IRI in DIVOC's
//! contexts: a value the signature covers).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure, and clippy.toml's test allowances do not reach helper functions"
)]

mod rewrites;

use credential::{ContextStore, ProofOptions, Suite};
use proptest::prelude::*;
use rewrites::{
    OUR_KID, Rewrite, apply, check_same_or_refused, corpus, is_refusal, now, our_key, ours,
    read_json, verifier,
};
use serde_json::{Value, json};
use verifier_wasm::{ReasonCode, Status};

fn rewrite() -> impl Strategy<Value = Rewrite> {
    prop_oneof![
        any::<u32>().prop_map(Rewrite::WrapInArray),
        any::<u32>().prop_map(Rewrite::UnwrapArray),
        any::<u32>().prop_map(Rewrite::StringToValueObject),
        any::<u32>().prop_map(Rewrite::KeywordAlias),
        any::<u32>().prop_map(Rewrite::ReverseKeys),
        Just(Rewrite::IssuerAsNode),
        Just(Rewrite::EvidenceAsObject),
        any::<u32>().prop_map(Rewrite::SwapSharedIri),
        any::<u32>().prop_map(Rewrite::FullIriKey),
        any::<u32>().prop_map(Rewrite::ChangeString),
        any::<u32>().prop_map(Rewrite::DropKey),
        any::<u32>().prop_map(Rewrite::AddUndefined),
        any::<u32>().prop_map(Rewrite::RelativeId),
        any::<u32>().prop_map(Rewrite::NullValue),
        any::<u32>().prop_map(Rewrite::InlineContext),
        Just(Rewrite::InventedEvidenceFirst),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    /// Any sequence of up to three rewrites of any signed certificate is
    /// refused or reads exactly as the original.
    #[test]
    fn rewrites_are_refused_or_change_nothing(
        which in any::<prop::sample::Index>(),
        rewrites in prop::collection::vec(rewrite(), 1..=3),
    ) {
        let verifier = verifier();
        let corpus = corpus();
        let (name, original) = &corpus[which.index(corpus.len())];
        let expected = verifier.verify_document(original, now());
        let mut mutant = original.clone();
        for r in &rewrites {
            apply(&mut mutant, *r);
        }
        let verdict = verifier.verify_document(&mutant, now());
        if let Err(e) = check_same_or_refused(&expected, &verdict) {
            prop_assert!(false, "{name} after {rewrites:?}: {e}\n{mutant}");
        }
    }
}

/// The rewrites that keep the graph, one at a time on every certificate:
/// none may be refused for it (the verifier reads graphs, not JSON forms),
/// and each reads as the original.
#[test]
fn graph_preserving_rewrites_are_accepted_and_read_the_same() {
    let verifier = verifier();
    for (name, original) in corpus() {
        let expected = verifier.verify_document(&original, now());
        assert!(!is_refusal(expected.status), "{name}: {expected:?}");
        for rewrite in [
            Rewrite::IssuerAsNode,
            Rewrite::EvidenceAsObject,
            Rewrite::KeywordAlias(0),
            Rewrite::ReverseKeys(0),
            Rewrite::FullIriKey(0),
            Rewrite::FullIriKey(1),
            Rewrite::FullIriKey(2),
            Rewrite::SwapSharedIri(0),
            Rewrite::SwapSharedIri(1),
            Rewrite::SwapSharedIri(3),
            Rewrite::SwapSharedIri(4),
        ]
        .into_iter()
        .chain((0..40).map(Rewrite::WrapInArray))
        .chain((0..40).map(Rewrite::StringToValueObject))
        {
            let mut mutant = original.clone();
            apply(&mut mutant, rewrite);
            let verdict = verifier.verify_document(&mutant, now());
            // A value object in place of an id-typed string (an IRI) makes a
            // literal: the graph changes, and the signature fails.
            if matches!(rewrite, Rewrite::StringToValueObject(_))
                && verdict.reasons.first().map(|r| r.code) == Some(ReasonCode::SignatureInvalid)
            {
                continue;
            }
            assert_eq!(
                verdict.status, expected.status,
                "{name} after {rewrite:?}: {verdict:?}"
            );
            check_same_or_refused(&expected, &verdict)
                .unwrap_or_else(|e| panic!("{name} after {rewrite:?}: {e}"));
        }
    }
}

// The three examples from the issue, and their kin.

fn revoked_cowin() -> Value {
    read_json("stack-signed/rsa-v1/cert-002/certificate.json")
}

#[test]
fn certificate_id_as_array_or_value_object_is_still_revoked() {
    let verifier = verifier();
    let original = revoked_cowin();
    assert_eq!(
        verifier.verify_document(&original, now()).status,
        Status::Revoked
    );
    for form in [json!(["13094780379"]), json!({"@value": "13094780379"})] {
        let mut document = original.clone();
        document["evidence"][0]["certificateId"] = form.clone();
        let verdict = verifier.verify_document(&document, now());
        assert_eq!(verdict.status, Status::Revoked, "{form}: {verdict:?}");
    }
}

#[test]
fn evidence_as_a_single_object_is_still_revoked() {
    let verifier = verifier();
    let mut document = revoked_cowin();
    document["evidence"] = document["evidence"][0].clone();
    let verdict = verifier.verify_document(&document, now());
    assert_eq!(verdict.status, Status::Revoked, "{verdict:?}");
}

#[test]
fn an_invented_evidence_entry_with_a_relative_id_is_refused() {
    let verifier = verifier();
    let mut document = read_json("stack-signed/ed25519-v2/cert-001/certificate.json");
    apply(&mut document, Rewrite::InventedEvidenceFirst);
    let verdict = verifier.verify_document(&document, now());
    assert_eq!(verdict.status, Status::Invalid, "{verdict:?}");
    assert_eq!(verdict.reasons[0].code, ReasonCode::DataNotSigned);
    assert!(verdict.fields.is_none(), "nothing displayed");
}

#[test]
fn swapping_certificate_id_and_batch_is_still_revoked() {
    let verifier = verifier();
    let mut document = revoked_cowin();
    apply(&mut document, Rewrite::SwapSharedIri(0));
    assert_eq!(document["evidence"][0]["batch"], "13094780379");
    let verdict = verifier.verify_document(&document, now());
    assert_eq!(verdict.status, Status::Revoked, "{verdict:?}");
}

#[test]
fn swapping_dose_and_total_still_reads_dose_1_of_2() {
    let verifier = verifier();
    let mut document = read_json("stack-signed/ed25519-v2/cert-004/certificate.json");
    apply(&mut document, Rewrite::SwapSharedIri(3));
    assert_eq!(document["evidence"][0]["dose"], 2);
    let verdict = verifier.verify_document(&document, now());
    assert_eq!(verdict.status, Status::Valid, "{verdict:?}");
    let fields = verdict.fields.unwrap();
    assert_eq!(
        (fields.dose.as_str(), fields.total_doses.as_str()),
        ("1", "2")
    );
}

#[test]
fn a_term_alias_from_an_inline_context_is_refused() {
    let verifier = verifier();
    let mut document = read_json("stack-signed/ed25519-v2/cert-001/certificate.json");
    document["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!({"certId": "https://schema.org/id"}));
    let verdict = verifier.verify_document(&document, now());
    assert_eq!(verdict.status, Status::Invalid);
    assert_eq!(verdict.reasons[0].code, ReasonCode::ContextUntrusted);
}

#[test]
fn issuer_and_dates_as_arrays_read_the_same() {
    let verifier = verifier();
    let original = read_json("stack-signed/ed25519-v2/cert-001/certificate.json");
    let expected = verifier.verify_document(&original, now());
    for key in ["issuer", "issuanceDate"] {
        let mut document = original.clone();
        document[key] = json!([document[key].take()]);
        let verdict = verifier.verify_document(&document, now());
        check_same_or_refused(&expected, &verdict).unwrap();
        assert_eq!(verdict.status, expected.status, "{key}: {verdict:?}");
    }
}

/// The VC 2.0 profile binds every field: nothing is unbound, and a
/// certificate revoked by its status-list entry reads revoked however the
/// entry is written.
#[test]
fn the_vc2_profile_is_revoked_by_its_status_entry() {
    let verifier = verifier();
    let valid = rewrites::ours_vc2("V-1", 8, Suite::EddsaRdfc2022);
    let verdict = verifier.verify_document(&valid, now());
    assert_eq!(verdict.status, Status::Valid, "{verdict:?}");
    let fields = verdict.fields.unwrap();
    assert!(fields.unbound.is_empty());
    assert_eq!(fields.certificate_id, "V-1");
    assert_eq!(fields.vaccine, "COVISHIELD");
    let revoked = rewrites::ours_vc2("V-2", rewrites::REVOKED_INDEX, Suite::EddsaRdfc2022);
    assert_eq!(
        verifier.verify_document(&revoked, now()).status,
        Status::Revoked
    );
    let mut rewritten = revoked.clone();
    rewritten["credentialStatus"] = json!([rewritten["credentialStatus"].take()]);
    rewritten["credentialStatus"][0]["statusListIndex"] =
        json!({"@value": rewrites::REVOKED_INDEX.to_string()});
    assert_eq!(
        verifier.verify_document(&rewritten, now()).status,
        Status::Revoked
    );
}

/// A status entry or id that cannot be read, with the issuer's revocation
/// data held, is never plain valid.
#[test]
fn no_id_to_look_up_is_flagged_when_revocation_data_is_held() {
    let verifier = verifier();
    let mut request = ours("OURS-2", 1, 2, Suite::Ed25519Signature2018);
    // Re-sign the same certificate without its identifiers.
    request["evidence"][0]
        .as_object_mut()
        .unwrap()
        .remove("certificateId");
    for key in ["batch", "vaccine", "manufacturer"] {
        request["evidence"][0].as_object_mut().unwrap().remove(key);
    }
    request.as_object_mut().unwrap().remove("proof");
    let options =
        ProofOptions::assertion(Suite::Ed25519Signature2018, OUR_KID, "2026-10-01T10:00:00Z");
    let signed =
        credential::sign(&request, &options, &our_key(), &ContextStore::bundled()).unwrap();
    let verdict = verifier.verify_document(&signed, now());
    assert_eq!(verdict.status, Status::Valid);
    assert!(verdict.revocation_unknown, "{verdict:?}");
    assert!(
        verdict
            .reasons
            .iter()
            .any(|r| r.code == ReasonCode::CertificateIdMissing)
    );
}
