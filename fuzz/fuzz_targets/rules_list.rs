//! Signed verification rules lists as a verifier downloads them: any bytes
//! must be accepted or refused with an error, never panic, hang or blow up;
//! and evaluating an accepted list must not panic either.
//!
//! As for the trust list, every input is tried as it is and with its
//! `payload` re-signed by the fixed anchor, so mutations reach the rule
//! checks behind the signature. An accepted list must refuse an older
//! version of its own profile, accept one of another profile, survive a
//! sign-and-verify round trip unchanged, and evaluate (over facts drawn
//! from the input) to `passed` exactly when no rule failed, naming each
//! failed rule by an id the list holds.

#![no_main]

use std::sync::LazyLock;

use credential::{PrivateKey, PublicKey, RulesList, RulesListError};
use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;
use verifier_wasm::rules::{Facts, RulesStatus, evaluate};

mod common;

use common::{ANCHOR_SEED, resign};

static ANCHOR: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::from_ed25519_seed(&ANCHOR_SEED));
static ANCHORS: LazyLock<[PublicKey; 1]> = LazyLock::new(|| [ANCHOR.public_key()]);

fuzz_target!(|data: &[u8]| {
    let _ = RulesList::verify(data, &*ANCHORS, None);
    let Some(resigned) = resign(data, &ANCHOR) else {
        return;
    };
    let Ok(list) = RulesList::verify(&resigned, &*ANCHORS, None) else {
        return;
    };
    check_accepted(&list, &resigned, data);
});

fn check_accepted(list: &RulesList, signed: &[u8], data: &[u8]) {
    assert!(RulesList::verify(signed, &*ANCHORS, Some((&list.profile, list.version))).is_ok());
    if let Some(newer) = list.version.checked_add(1) {
        assert!(matches!(
            RulesList::verify(signed, &*ANCHORS, Some((&list.profile, newer))),
            Err(RulesListError::Rollback { .. })
        ));
        assert!(RulesList::verify(signed, &*ANCHORS, Some(("other-profile-x", newer))).is_ok()
            || list.profile == "other-profile-x");
    }
    let again = list.sign(&ANCHOR).expect("an accepted list can be signed again");
    let reread = RulesList::verify(&again, &*ANCHORS, None)
        .expect("an accepted list, signed again, is accepted");
    assert_eq!(&reread, list);

    // Facts from the input's bytes: every combination of present and
    // missing facts gets evaluated somewhere in the corpus.
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let day = |i: usize| {
        jiff::civil::date(1990 + i16::from(byte(i) % 60), 1 + (byte(i + 1) % 12) as i8, 1 + (byte(i + 2) % 28) as i8)
    };
    let facts = Facts {
        dose: (byte(0) & 1 == 1).then(|| u32::from(byte(1) % 5)),
        total_doses: (byte(0) & 2 == 2).then(|| u32::from(byte(2) % 5)),
        // (earliest, latest): one day, or a range when the dates of the
        // credential cannot be told apart.
        vaccination_date: (byte(0) & 4 == 4).then(|| {
            let (a, b) = (day(3), day(12));
            if byte(0) & 32 == 32 { (a.min(b), a.max(b)) } else { (a, a) }
        }),
        vaccines: list
            .rules
            .iter()
            .take(usize::from(byte(6) % 3))
            .map(|r| r.id.clone())
            .collect(),
        birth_date: (byte(0) & 8 == 8).then(|| day(7)),
        age: (byte(0) & 16 == 16).then(|| u32::from(byte(10))),
    };
    let now = Timestamp::from_second(1_600_000_000 + i64::from(byte(11)) * 10_000_000)
        .expect("in range");
    let outcome = evaluate(list, &facts, now);
    assert_eq!(outcome.status == RulesStatus::Passed, outcome.failed.is_empty());
    for failed in &outcome.failed {
        assert!(list.rules.iter().any(|r| r.id == failed.id && r.text == failed.text));
    }
}
