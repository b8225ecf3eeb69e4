//! Signed trust lists as a verifier downloads them: any bytes must be
//! accepted or refused with an error, never panic, hang or blow up.
//!
//! A mutated list almost never keeps a valid signature, so every input is
//! tried twice: as it is (envelope, anchor and signature checks), and with
//! its `payload` re-signed by the fixed anchor, so that mutations reach the
//! structure, key and context checks behind the signature (the crate has no
//! unsigned entry point). A list that is accepted must refuse an older
//! version held, answer lookups for every key it holds, and survive a
//! sign-and-verify round trip unchanged.

#![no_main]

use std::sync::LazyLock;

use credential::{PrivateKey, PublicKey, TrustList, TrustListError};
use libfuzzer_sys::fuzz_target;

mod common;

use common::{ANCHOR_SEED, resign};

static ANCHOR: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::from_ed25519_seed(&ANCHOR_SEED));
static ANCHORS: LazyLock<[PublicKey; 1]> = LazyLock::new(|| [ANCHOR.public_key()]);

fuzz_target!(|data: &[u8]| {
    let _ = TrustList::verify(data, &*ANCHORS, None);
    let Some(resigned) = resign(data, &ANCHOR) else {
        return;
    };
    let Ok(list) = TrustList::verify(&resigned, &*ANCHORS, None) else {
        return;
    };
    check_accepted(&list, &resigned);
});

fn check_accepted(list: &TrustList, signed: &[u8]) {
    // Rollback: the same version held is fine, a newer one held is not.
    assert!(TrustList::verify(signed, &*ANCHORS, Some(list.version)).is_ok());
    if let Some(newer) = list.version.checked_add(1) {
        assert!(matches!(
            TrustList::verify(signed, &*ANCHORS, Some(newer)),
            Err(TrustListError::Rollback { .. })
        ));
    }
    for issuer in &list.issuers {
        assert_eq!(
            list.find_issuer(&issuer.id).map(|i| &i.id),
            Some(&issuer.id)
        );
        for key in &issuer.keys {
            let (found_issuer, found_key) = list
                .find_key_for(&key.kid, &issuer.id)
                .expect("an accepted list finds each of its keys under its issuer");
            assert_eq!(found_issuer.id, issuer.id);
            assert_eq!(found_key.kid, key.kid);
            // Without an issuer to go by, a key id is found only when one
            // issuer alone holds it.
            let holders = list
                .issuers
                .iter()
                .filter(|i| i.keys.iter().any(|k| k.kid == key.kid))
                .count();
            assert_eq!(
                list.find_key(&key.kid).is_some(),
                holders == 1,
                "{}",
                key.kid
            );
        }
    }
    let again = list
        .sign(&ANCHOR)
        .expect("an accepted list can be signed again");
    let reread = TrustList::verify(&again, &*ANCHORS, None)
        .expect("an accepted list, signed again, is accepted");
    assert_eq!(reread.version, list.version);
    assert_eq!(reread.issued_at, list.issued_at);
    assert_eq!(reread.next_update, list.next_update);
    assert_eq!(reread.contexts, list.contexts);
    assert_eq!(reread.issuers.len(), list.issuers.len());
    for (a, b) in reread.issuers.iter().zip(&list.issuers) {
        assert_eq!((&a.id, &a.name, &a.country), (&b.id, &b.name, &b.country));
        assert_eq!(a.keys.len(), b.keys.len());
        for (x, y) in a.keys.iter().zip(&b.keys) {
            assert_eq!(x.kid, y.kid);
            assert_eq!(x.public_key.thumbprint(), y.public_key.thumbprint());
            assert_eq!(
                (x.valid_from, x.valid_until, x.status),
                (y.valid_from, y.valid_until, y.status)
            );
        }
    }
}
