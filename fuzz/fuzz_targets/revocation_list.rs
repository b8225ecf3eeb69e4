//! Signed revocation lists and their compressed sets, from untrusted bytes:
//! errors are fine; panics, hangs, and a revoked entry a lookup misses are
//! not.
//!
//! The first byte picks the mode. Even: the rest is a `RiceSet` wire form;
//! a set that decodes must iterate in strict ascending order, contain what
//! it iterates and nothing in between, and round-trip through `encode`.
//! Odd: the rest is a signed list, applied as it is to an empty store
//! (`apply_signed`: envelope, anchor, signature), then with its payload
//! re-signed by the fixed anchor (mutations rarely keep a valid signature;
//! the crate has no unsigned entry point). An accepted snapshot is applied
//! to an empty store; an accepted delta on top of a snapshot of the same
//! entries at its base version (the merge path) and on top of an empty
//! snapshot at that version (the insert path). Every numeric id and
//! status-list index the list revokes must then look up as revoked.

#![no_main]

use std::sync::LazyLock;

use credential::{
    CertificateRef, PrivateKey, PublicKey, RevocationList, RevocationStatus, RevocationStore,
    RiceSet, StatusEntry,
};
use libfuzzer_sys::fuzz_target;

mod common;

use common::{ANCHOR_SEED, resign};

static ANCHOR: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::from_ed25519_seed(&ANCHOR_SEED));
static ANCHORS: LazyLock<[PublicKey; 1]> = LazyLock::new(|| [ANCHOR.public_key()]);

/// Lookups checked per set: enough to cover several blocks, few enough to
/// keep each input fast.
const CHECKS: usize = 300;

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((mode, rest)) if mode % 2 == 0 => set(rest),
        Some((_, rest)) => list(rest),
        None => {}
    }
});

fn set(bytes: &[u8]) {
    let Ok(set) = RiceSet::decode(bytes) else {
        return;
    };
    let keys: Vec<u64> = set.iter().collect();
    assert_eq!(keys.len(), set.len(), "iter yields every key");
    assert_eq!(set.is_empty(), keys.is_empty());
    for pair in keys.windows(2) {
        let [a, b] = pair else {
            unreachable!("windows(2)")
        };
        assert!(a < b, "keys ascend strictly");
    }
    for (i, &key) in keys.iter().enumerate().take(CHECKS) {
        assert!(set.contains(key), "contains {key}");
        let next = keys.get(i + 1).copied();
        if let Some(between) = key.checked_add(1).filter(|&k| Some(k) != next) {
            assert!(!set.contains(between), "no key between {key} and {next:?}");
        }
    }
    if let Some(&first) = keys.first()
        && let Some(below) = first.checked_sub(1)
    {
        assert!(!set.contains(below), "no key below the first");
    }
    let reread = RiceSet::decode(&set.encode()).expect("an encoded set decodes");
    assert_eq!(reread, set);
    // The canonical encoding of the same keys holds the same keys.
    let rebuilt = RiceSet::from_keys(keys.clone());
    assert!(rebuilt.iter().eq(keys.iter().copied()));
    assert!(set.union(&set).iter().eq(keys.iter().copied()));
}

fn list(bytes: &[u8]) {
    let _ = RevocationStore::new().apply_signed(bytes, &*ANCHORS);
    let Some(resigned) = resign(bytes, &ANCHOR) else {
        return;
    };
    let Ok(list) = RevocationList::verify(&resigned, &*ANCHORS) else {
        return;
    };
    let Some(since) = list.since else {
        let mut store = RevocationStore::new();
        store
            .apply_signed(&resigned, &*ANCHORS)
            .expect("a snapshot applies to an empty store");
        assert_eq!(store.version(), Some(list.version));
        check_revoked(&store, &list);
        return;
    };
    // The merge path: every set unioned with itself.
    let same = RevocationList {
        version: since,
        since: None,
        ..list.clone()
    };
    // The insert path: no issuer held yet.
    let empty = RevocationList {
        version: since,
        since: None,
        issuers: Vec::new(),
        ..list.clone()
    };
    for base in [same, empty] {
        let mut store = RevocationStore::new();
        store
            .apply(base)
            .expect("a snapshot applies to an empty store");
        match store.apply(list.clone()) {
            Ok(()) => {
                assert!(list.version > since, "a delta must move the version on");
                assert_eq!(store.version(), Some(list.version));
                check_revoked(&store, &list);
            }
            Err(e) => assert!(list.version <= since, "a delta past its base applies: {e}"),
        }
    }
}

/// Every numeric id and status-list index `list` revokes is revoked in `store`.
fn check_revoked(store: &RevocationStore, list: &RevocationList) {
    let now = list.issued_at;
    for entry in &list.issuers {
        for n in entry.revoked_ids.iter().take(CHECKS) {
            let id = n.to_string();
            // Ids past MAX_NUMERIC_ID_DIGITS are never looked up as numbers.
            if credential::revocation_numeric_id(&id) != Some(n) {
                continue;
            }
            let cert = CertificateRef {
                issuer: entry.issuer.clone(),
                certificate_id: Some(id),
                status_entry: None,
            };
            assert_eq!(
                store.check(&cert, now),
                RevocationStatus::Revoked,
                "{cert:?}"
            );
        }
        for (url, set) in &entry.status_lists {
            for index in set.iter().take(CHECKS) {
                let cert = CertificateRef {
                    issuer: entry.issuer.clone(),
                    certificate_id: None,
                    status_entry: Some(StatusEntry {
                        list: url.clone(),
                        index,
                    }),
                };
                assert_eq!(
                    store.check(&cert, now),
                    RevocationStatus::Revoked,
                    "{cert:?}"
                );
            }
        }
    }
}
