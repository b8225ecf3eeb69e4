//! Verification rules beside the verdict, and the trust anchor's hand-over:
//! a verifier pinning the old anchor follows a rotation announced in a list
//! the old anchor signed, and nothing else.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

use credential::{
    CertificationRequest, ContextStore, IssuanceProfile, IssuerRevocations, KeyStatus, PrivateKey,
    ProofOptions, RevocationList, Rule, RuleCondition, RulesList, RulesListError, Suite, TrustList,
    TrustListError, TrustedIssuer, TrustedKey, VaccinationCredential, VaccineCoding,
};
use jiff::Timestamp;
use serde_json::{Value, json};
use verifier_wasm::rules::RulesStatus;
use verifier_wasm::{Error, Status, Verifier};

const MOH: &str = "https://moh.example.org/";
const KID: &str = "did:web:moh.example.org#key-1";
const NOW: &str = "2026-11-01T12:00:00Z";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn anchor(seed: u8) -> PrivateKey {
    PrivateKey::from_ed25519_seed(&[seed; 32])
}

fn issuer_key() -> PrivateKey {
    PrivateKey::from_ed25519_seed(&[2; 32])
}

fn trust_list(version: u64) -> TrustList {
    TrustList::new(
        version,
        ts("2026-11-01T00:00:00Z"),
        ts("2026-11-02T00:00:00Z"),
        vec![TrustedIssuer {
            id: MOH.into(),
            name: "Ministry of Health".into(),
            country: "IN".into(),
            keys: vec![TrustedKey {
                kid: KID.into(),
                public_key: issuer_key().public_key(),
                valid_from: ts("2021-01-01T00:00:00Z"),
                valid_until: None,
                status: KeyStatus::Active,
            }],
        }],
        vec![],
    )
    .unwrap()
}

/// Dose `dose` of 2 of COVISHIELD, given `date`, holder born 1990-02-03.
fn certificate(id: &str, dose: u32, date: &str) -> Value {
    let request: CertificationRequest = serde_json::from_value(json!({
        "preEnrollmentCode": "PE-1",
        "recipient": {"name": "Aïcha Ndiaye", "dob": "1990-02-03", "gender": "Female", "nationality": "Senegalese",
                      "identity": "did:passport:A123", "address": {"city": "Dakar"}},
        "vaccination": {"name": "COVISHIELD", "batch": "B1", "manufacturer": "Serum Institute of India",
                        "date": date, "effectiveStart": "2026-01-01", "effectiveUntil": "2027-10-01",
                        "dose": dose, "totalDoses": 2},
        "vaccinator": {"name": "Dr. Diallo"},
        "facility": {"name": "Hôpital Principal", "address": {"city": "Dakar", "country": "SN"}}
    }))
    .unwrap();
    let profile = IssuanceProfile {
        context_url: "https://divoc.dev/credentials/vaccination/v2".into(),
        issuer: MOH.into(),
        certificate_base_url: "https://moh.example.org/vaccine/".into(),
        feedback_base_url: "https://moh.example.org/?".into(),
        info_base_url: "https://moh.example.org/?".into(),
        issuer_name: "Ministry of Health".into(),
    };
    let doc = VaccinationCredential::from_request(
        &request,
        &profile,
        id,
        "2026-10-02T00:00:00.000Z",
        &VaccineCoding::default(),
    )
    .unwrap()
    .to_document();
    let options =
        ProofOptions::assertion(Suite::Ed25519Signature2018, KID, "2026-10-02T00:00:00.000Z");
    credential::sign(&doc, &options, &issuer_key(), &ContextStore::bundled()).unwrap()
}

fn rule(id: &str, text: &str, require: RuleCondition) -> Rule {
    Rule {
        id: id.into(),
        text: text.into(),
        translations: Default::default(),
        require,
    }
}

fn rules(version: u64, profile: &str, list: Vec<Rule>, signer: &PrivateKey) -> Vec<u8> {
    RulesList::new(
        version,
        ts("2026-11-01T00:00:00Z"),
        ts("2026-11-02T00:00:00Z"),
        profile.into(),
        String::new(),
        list,
    )
    .unwrap()
    .sign(signer)
    .unwrap()
}

fn revocations(version: u64, revoked: &[&str], signer: &PrivateKey) -> Vec<u8> {
    RevocationList {
        version,
        issued_at: ts("2026-11-01T00:00:00Z"),
        next_update: ts("2026-11-02T00:00:00Z"),
        since: None,
        issuers: vec![IssuerRevocations::from_ids(
            MOH,
            revoked.iter().copied(),
            [],
        )],
    }
    .sign(signer)
    .unwrap()
}

fn verifier() -> Verifier {
    let bytes = trust_list(1).sign(&anchor(1)).unwrap();
    let mut v = Verifier::with_trust_list(&bytes, vec![anchor(1).public_key()]).unwrap();
    v.load_revocations(&revocations(1, &["REVOKED-1"], &anchor(1)))
        .unwrap();
    v
}

#[test]
fn rules_are_reported_beside_a_valid_verdict_and_never_change_it() {
    let mut v = verifier();
    let dose1 = certificate("C-1", 1, "2026-10-01T09:00:00Z");
    // No rules loaded: no `rules` member at all.
    let verdict = v.verify_document(&dose1, ts(NOW));
    assert_eq!(verdict.status, Status::Valid);
    assert!(verdict.rules.is_none());
    assert!(
        serde_json::to_value(&verdict)
            .unwrap()
            .get("rules")
            .is_none()
    );

    let two_doses = rules(
        1,
        "IN",
        vec![
            rule(
                "complete",
                "Vaccination schedule complete",
                RuleCondition::ScheduleComplete,
            ),
            rule("doses", "At least two doses", RuleCondition::MinDoses(2)),
            rule(
                "recent",
                "Last dose within 270 days",
                RuleCondition::MaxDaysSinceLastDose(270),
            ),
            rule(
                "vaccine",
                "An approved vaccine",
                RuleCondition::VaccineIn(vec!["covishield".into()]),
            ),
            rule("adult", "Aged 18 or over", RuleCondition::MinAge(18)),
        ],
        &anchor(1),
    );
    v.set_rules(&two_doses).unwrap();
    let verdict = v.verify_document(&dose1, ts(NOW));
    assert_eq!(
        verdict.status,
        Status::Valid,
        "rules never make a genuine certificate invalid"
    );
    let outcome = verdict.rules.as_ref().unwrap();
    assert_eq!(outcome.status, RulesStatus::NotMet);
    let failed: Vec<&str> = outcome.failed.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(failed, ["complete", "doses"]);
    assert_eq!(
        serde_json::to_value(&verdict).unwrap()["rules"],
        json!({"status": "not_met", "failed": [
            {"id": "complete", "text": "Vaccination schedule complete"},
            {"id": "doses", "text": "At least two doses"}
        ]})
    );
    // Dose 2 passes.
    let dose2 = certificate("C-2", 2, "2026-10-20T09:00:00Z");
    let verdict = v.verify_document(&dose2, ts(NOW));
    assert_eq!(verdict.rules.unwrap().status, RulesStatus::Passed);
    // Not evaluated for a certificate that is not valid.
    let verdict = v.verify_document(
        &certificate("REVOKED-1", 2, "2026-10-20T09:00:00Z"),
        ts(NOW),
    );
    assert_eq!(verdict.status, Status::Revoked);
    assert!(verdict.rules.is_none());
    let mut tampered = dose2.clone();
    tampered["credentialSubject"]["name"] = json!("Someone Else");
    let verdict = v.verify_document(&tampered, ts(NOW));
    assert_eq!(verdict.status, Status::Invalid);
    assert!(verdict.rules.is_none());
}

/// Rules decide on the signed graph, as the verdict does: moving the
/// issuer's values between keys that share one IRI in DIVOC's context
/// keeps the signature and must not change the rules' outcome.
#[test]
fn rules_decide_on_what_is_signed_not_on_how_the_json_labels_it() {
    let mut v = verifier();
    let list = rules(
        1,
        "IN",
        vec![
            rule("doses", "At least two doses", RuleCondition::MinDoses(2)),
            rule(
                "recent",
                "Last dose within 270 days",
                RuleCondition::MaxDaysSinceLastDose(270),
            ),
            rule(
                "waited",
                "Last dose at least 14 days ago",
                RuleCondition::MinDaysSinceLastDose(14),
            ),
            rule(
                "vaccine",
                "An approved vaccine",
                RuleCondition::VaccineIn(vec!["covishield".into()]),
            ),
        ],
        &anchor(1),
    );
    v.set_rules(&list).unwrap();
    let failed = |v: &Verifier, doc: &Value| -> Vec<String> {
        let verdict = v.verify_document(doc, ts(NOW));
        assert_eq!(verdict.status, Status::Valid, "{:?}", verdict.reasons);
        verdict
            .rules
            .unwrap()
            .failed
            .into_iter()
            .map(|f| f.id)
            .collect()
    };
    let dose1 = certificate("C-1", 1, "2026-10-01T09:00:00Z");
    assert_eq!(failed(&v, &dose1), ["doses"]);

    // "dose 1 of 2" rewritten as "dose 2 of 1": same graph, same outcome.
    let mut swapped = dose1.clone();
    swapped["evidence"][0]["dose"] = json!(2);
    swapped["evidence"][0]["totalDoses"] = json!(1);
    assert_eq!(failed(&v, &swapped), ["doses"]);

    // The vaccine's name moved to `batch`: still the signed name.
    let mut moved = dose1.clone();
    moved["evidence"][0]["vaccine"] = json!("B1");
    moved["evidence"][0]["batch"] = json!("COVISHIELD");
    assert_eq!(failed(&v, &moved), ["doses"]);

    // A vaccine the list does not allow stays not met whatever the JSON
    // labels, since no allowed name was signed.
    let other = certificate("C-3", 2, "2026-10-01T09:00:00Z");
    let mut other = other;
    other["evidence"][0]["vaccine"] = json!("Sputnik V");
    let resigned = {
        let mut doc = other.clone();
        doc.as_object_mut().unwrap().remove("proof");
        let options =
            ProofOptions::assertion(Suite::Ed25519Signature2018, KID, "2026-10-02T00:00:00.000Z");
        credential::sign(&doc, &options, &issuer_key(), &ContextStore::bundled()).unwrap()
    };
    assert_eq!(failed(&v, &resigned), ["vaccine"]);

    // Dates all of one form: the vaccination day cannot be told from the
    // protection period (1 Jan 2026 to 1 Oct 2027), so a day rule must hold
    // at both ends: "within 270 days" fails on 1 Jan, "14 days ago" on the
    // period's end, which is in the future.
    let plain = certificate("C-4", 2, "2026-10-01");
    assert_eq!(failed(&v, &plain), ["recent", "waited"]);
}

#[test]
fn rules_lists_are_checked_like_every_list() {
    let mut v = verifier();
    let list = |version| {
        rules(
            version,
            "IN",
            vec![rule(
                "doses",
                "At least two doses",
                RuleCondition::MinDoses(2),
            )],
            &anchor(1),
        )
    };
    v.set_rules(&list(5)).unwrap();
    assert!(matches!(
        v.set_rules(&list(4)),
        Err(Error::Rules(RulesListError::Rollback {
            offered: 4,
            held: 5
        }))
    ));
    // Another profile replaces it whatever its version.
    v.set_rules(&rules(1, "venue-xx", vec![], &anchor(1)))
        .unwrap();
    assert_eq!(v.rules().unwrap().profile, "venue-xx");
    // Signed by another key; tampered.
    let foreign = rules(9, "IN", vec![], &anchor(7));
    assert!(matches!(
        v.set_rules(&foreign),
        Err(Error::Rules(RulesListError::UnknownAnchor { .. }))
    ));
    let tampered = String::from_utf8(list(9))
        .unwrap()
        .replace("\"minDoses\":2", "\"minDoses\":1");
    assert!(matches!(
        v.set_rules(tampered.as_bytes()),
        Err(Error::Rules(RulesListError::BadSignature))
    ));
    // No anchor pinned: no rules.
    let mut pinned = Verifier::with_pinned_keys(vec![], vec![]);
    assert!(matches!(pinned.set_rules(&list(1)), Err(Error::NoAnchor)));
}

#[test]
fn the_engine_follows_an_announced_anchor_hand_over() {
    let (old, new) = (anchor(1), anchor(3));
    let mut v = verifier();
    // A list signed by the successor before any announcement: refused.
    let early = trust_list(2).sign(&new).unwrap();
    assert!(matches!(
        v.update_trust_list(&early),
        Err(Error::TrustList(TrustListError::UnknownAnchor { .. }))
    ));
    // The old anchor announces the new one.
    let announcing = trust_list(2)
        .with_next_anchor(new.public_key())
        .unwrap()
        .sign(&old)
        .unwrap();
    v.update_trust_list(&announcing).unwrap();
    assert_eq!(v.anchors().len(), 2);
    // The new anchor's lists are accepted: trust list, revocations, rules.
    v.update_trust_list(&trust_list(3).sign(&new).unwrap())
        .unwrap();
    v.load_revocations(&revocations(2, &["REVOKED-2"], &new))
        .unwrap();
    v.set_rules(&rules(1, "IN", vec![], &new)).unwrap();
    // The hand-over completed: the old anchor signs nothing any more.
    assert_eq!(v.anchors(), [new.public_key()]);
    assert!(matches!(
        v.update_trust_list(&trust_list(4).sign(&old).unwrap()),
        Err(Error::TrustList(TrustListError::UnknownAnchor { .. }))
    ));
    let verdict = v.verify_document(
        &certificate("REVOKED-2", 2, "2026-10-20T09:00:00Z"),
        ts(NOW),
    );
    assert_eq!(verdict.status, Status::Revoked);
}

#[test]
fn an_announcement_outside_a_pinned_anchors_signature_is_never_followed() {
    let (old, attacker) = (anchor(1), anchor(6));
    let mut v = verifier();
    // The attacker's own list naming their key as the successor.
    let forged = trust_list(9)
        .with_next_anchor(attacker.public_key())
        .unwrap()
        .sign(&attacker)
        .unwrap();
    assert!(matches!(
        v.update_trust_list(&forged),
        Err(Error::TrustList(TrustListError::UnknownAnchor { .. }))
    ));
    // A genuine announcing list with the successor swapped after signing.
    let genuine = trust_list(9)
        .with_next_anchor(anchor(3).public_key())
        .unwrap()
        .sign(&old)
        .unwrap();
    let theirs = attacker.public_key().to_jwk()["x"]
        .as_str()
        .unwrap()
        .to_owned();
    let ours = anchor(3).public_key().to_jwk()["x"]
        .as_str()
        .unwrap()
        .to_owned();
    let swapped = String::from_utf8(genuine).unwrap().replace(&ours, &theirs);
    assert!(matches!(
        v.update_trust_list(swapped.as_bytes()),
        Err(Error::TrustList(TrustListError::BadSignature))
    ));
    // An old announcing list replayed (a rollback) is refused before it is read.
    v.update_trust_list(&trust_list(10).sign(&old).unwrap())
        .unwrap();
    let replay = trust_list(3)
        .with_next_anchor(attacker.public_key())
        .unwrap()
        .sign(&old)
        .unwrap();
    assert!(matches!(
        v.update_trust_list(&replay),
        Err(Error::TrustList(TrustListError::Rollback {
            offered: 3,
            held: 10
        }))
    ));
    // In every case the attacker's key was never trusted.
    assert_eq!(v.anchors(), [old.public_key()]);
    let theirs = trust_list(11).sign(&attacker).unwrap();
    assert!(v.update_trust_list(&theirs).is_err());
    assert!(v.load_revocations(&revocations(5, &[], &attacker)).is_err());
    // A successor that is not Ed25519, or the signer itself, is malformed.
    let same = TrustList::new(
        12,
        ts("2026-11-01T00:00:00Z"),
        ts("2026-11-02T00:00:00Z"),
        vec![],
        vec![],
    )
    .unwrap()
    .with_next_anchor(old.public_key())
    .unwrap()
    .sign(&old)
    .unwrap();
    assert!(matches!(
        v.update_trust_list(&same),
        Err(Error::TrustList(TrustListError::Malformed { .. }))
    ));
    let rsa = credential::PublicKey::parse_any(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/divoc/vectors/rsa-test-key.pem"
        ))
        .unwrap(),
    )
    .unwrap();
    assert!(trust_list(12).with_next_anchor(rsa).is_err());
}
