//! Revocation lists at the budget's scale: 1 million revoked out of 2 billion
//! issued, one issuer, for each way of naming a certificate —
//! (a) status-list indices (distinct, uniform in 0..2e9, one list),
//! (b) numeric 11-digit certificate ids (CoWIN's form),
//! (c) hashed ids (any other id, 64-bit hashes: the issuer API's DIVOC
//!     certificates, `3YD1-W548-JND0-NXXR`),
//! (d) the issuer API's own VC 2.0 certificates: status-list entries as it
//!     allocates them (`issuer-api/src/status.rs`), positions dense from 0,
//!     position p being index p % 2^24 of list p / 2^24 on the key
//!     registry (the most a list holds there), so 2 billion issued fill 120
//!     lists named `<registry>/v1/status-lists/<issuer>/<n>`.
//!
//! Timed: verify + parse the signed snapshot into a store; verify + apply a
//! daily delta of 1,000 new revocations; a lookup that hits and one that
//! misses. Printed once to stderr (not timed): the snapshot's and the
//! delta's size, plain and gzipped — what a phone downloads.
//!
//! `cargo bench -p credential --bench revocation`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "benchmark setup: a broken fixture should fail loudly"
)]

use std::collections::HashSet;
use std::hint::black_box;
use std::io::Write;

use credential::{
    CertificateRef, IssuerRevocations, PrivateKey, RevocationList, RevocationStatus,
    RevocationStore, RiceSet, StatusEntry,
};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jiff::Timestamp;

const ISSUER: &str = "https://moh.example.org/";
const STATUS_LIST: &str = "https://moh.example.org/status/1";
/// The issuer API's `status_list_base`: the key registry's lists for it.
const REGISTRY_LISTS: &str = "https://registry.moh.example.org/v1/status-lists/moh-example-org/";
/// Entries per list: the key registry's most, the issuer API's default.
const LIST_SIZE: u64 = 1 << 24;
const REVOKED: usize = 1_000_000;
const ISSUED: u64 = 2_000_000_000;
const DELTA: usize = 1_000;
/// Lookups cycle through this many certificates, so a lookup is not always
/// served from one block already in the cache.
const PROBES: usize = 4096;

/// SplitMix64: deterministic, so every run measures the same sets.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// How the benchmark names certificates.
#[derive(Clone, Copy)]
enum Kind {
    StatusIndex,
    NumericId,
    HashedId,
    IssuerLists,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::StatusIndex => "status_index",
            Self::NumericId => "numeric_id",
            Self::HashedId => "hashed_id",
            Self::IssuerLists => "issuer_vc2_lists",
        }
    }

    /// The `n`-th distinct certificate drawn by `rng`, as its id text (or
    /// index) — one of 2 billion issued.
    fn draw(self, rng: &mut Rng) -> u64 {
        match self {
            Self::StatusIndex | Self::IssuerLists => rng.below(ISSUED),
            // 11 digits, no leading zero: 10^10 ..= 10^11 - 1.
            Self::NumericId | Self::HashedId => 10_000_000_000 + rng.below(90_000_000_000),
        }
    }

    fn reference(self, n: u64) -> CertificateRef {
        match self {
            Self::StatusIndex => CertificateRef {
                issuer: ISSUER.to_owned(),
                certificate_id: None,
                status_entry: Some(StatusEntry {
                    list: STATUS_LIST.to_owned(),
                    index: n,
                }),
            },
            Self::NumericId => CertificateRef {
                issuer: ISSUER.to_owned(),
                certificate_id: Some(n.to_string()),
                status_entry: None,
            },
            Self::IssuerLists => CertificateRef {
                issuer: ISSUER.to_owned(),
                certificate_id: None,
                status_entry: Some(issuer_entry(n)),
            },
            // Not a plain number, so it goes to the hashed set.
            Self::HashedId => CertificateRef {
                issuer: ISSUER.to_owned(),
                certificate_id: Some(format!("C-{n}")),
                status_entry: None,
            },
        }
    }

    fn entry(self, revoked: &[u64]) -> IssuerRevocations {
        let set = |keys: Vec<u64>| RiceSet::from_keys(keys);
        let mut entry = IssuerRevocations {
            issuer: ISSUER.to_owned(),
            ..IssuerRevocations::default()
        };
        match self {
            Self::StatusIndex => {
                entry.status_lists = vec![(STATUS_LIST.to_owned(), set(revoked.to_vec()))];
            }
            Self::NumericId => entry.revoked_ids = set(revoked.to_vec()),
            Self::IssuerLists => {
                let mut lists = std::collections::BTreeMap::<String, Vec<u64>>::new();
                for &p in revoked {
                    let e = issuer_entry(p);
                    lists.entry(e.list).or_default().push(e.index);
                }
                entry.status_lists = lists.into_iter().map(|(l, keys)| (l, set(keys))).collect();
            }
            Self::HashedId => {
                entry.revoked_hashes = set(revoked
                    .iter()
                    .map(|n| credential::revocation_hash_key(ISSUER, &format!("C-{n}")))
                    .collect());
            }
        }
        entry
    }
}

/// The entry the issuer API gives the certificate at `position`.
fn issuer_entry(position: u64) -> StatusEntry {
    StatusEntry {
        list: format!("{REGISTRY_LISTS}{}", position / LIST_SIZE),
        index: position % LIST_SIZE,
    }
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn gzipped_len(bytes: &[u8]) -> usize {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap().len()
}

fn mb(bytes: usize) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}

struct Fixture {
    snapshot: Vec<u8>,
    delta: Vec<u8>,
    store: RevocationStore,
    hits: Vec<CertificateRef>,
    misses: Vec<CertificateRef>,
}

fn fixture(kind: Kind, anchor: &PrivateKey) -> Fixture {
    let mut rng = Rng(0x5EED ^ kind as u64);
    let mut revoked = HashSet::with_capacity(REVOKED + DELTA);
    while revoked.len() < REVOKED {
        revoked.insert(kind.draw(&mut rng));
    }
    let snapshot_keys: Vec<u64> = revoked.iter().copied().collect();
    let mut fresh = Vec::with_capacity(DELTA);
    while fresh.len() < DELTA {
        let n = kind.draw(&mut rng);
        if revoked.insert(n) {
            fresh.push(n);
        }
    }
    let snapshot = RevocationList {
        version: 1,
        issued_at: ts("2026-11-01T00:00:00Z"),
        next_update: ts("2026-11-02T00:00:00Z"),
        since: None,
        issuers: vec![kind.entry(&snapshot_keys)],
    }
    .sign(anchor)
    .unwrap();
    let delta = RevocationList {
        version: 2,
        issued_at: ts("2026-11-02T00:00:00Z"),
        next_update: ts("2026-11-03T00:00:00Z"),
        since: Some(1),
        issuers: vec![kind.entry(&fresh)],
    }
    .sign(anchor)
    .unwrap();

    let mut store = RevocationStore::new();
    store
        .apply_signed(&snapshot, &[anchor.public_key()])
        .unwrap();

    let hits: Vec<CertificateRef> = (0..PROBES)
        .map(|_| kind.reference(snapshot_keys[rng.below(REVOKED as u64) as usize]))
        .collect();
    let mut misses = Vec::with_capacity(PROBES);
    while misses.len() < PROBES {
        let n = kind.draw(&mut rng);
        if !revoked.contains(&n) {
            misses.push(kind.reference(n));
        }
    }
    // What the timings rely on: every revoked certificate is found, others
    // are not (hashed ids could collide with odds of 1 in 10^13 here).
    let now = ts("2026-11-01T12:00:00Z");
    assert!(
        hits.iter()
            .all(|r| store.check(r, now) == RevocationStatus::Revoked)
    );
    assert!(
        misses
            .iter()
            .all(|r| store.check(r, now) == RevocationStatus::Good)
    );

    eprintln!(
        "revocation/{}: {REVOKED} revoked of {ISSUED} issued: snapshot {} bytes ({}), \
         gzipped {} bytes; delta of {DELTA}: {} bytes, gzipped {} bytes",
        kind.name(),
        snapshot.len(),
        mb(snapshot.len()),
        gzipped_len(&snapshot),
        delta.len(),
        gzipped_len(&delta),
    );
    Fixture {
        snapshot,
        delta,
        store,
        hits,
        misses,
    }
}

fn revocation(c: &mut Criterion) {
    let anchor = PrivateKey::from_ed25519_seed(&[0xA7; 32]);
    let anchors = [anchor.public_key()];
    let now = ts("2026-11-01T12:00:00Z");
    for kind in [
        Kind::StatusIndex,
        Kind::NumericId,
        Kind::HashedId,
        Kind::IssuerLists,
    ] {
        let f = fixture(kind, &anchor);
        let mut group = c.benchmark_group(format!("revocation/{}", kind.name()));
        group.sample_size(10);
        group.bench_function("snapshot_verify_parse", |b| {
            b.iter(|| {
                let mut store = RevocationStore::new();
                store
                    .apply_signed(black_box(&f.snapshot), &anchors)
                    .unwrap();
                store
            })
        });
        group.bench_function("delta_verify_apply", |b| {
            b.iter_batched(
                || f.store.clone(),
                |mut store| {
                    store.apply_signed(black_box(&f.delta), &anchors).unwrap();
                    store
                },
                BatchSize::LargeInput,
            )
        });
        group.sample_size(50);
        for (name, probes, want) in [
            ("lookup_hit", &f.hits, RevocationStatus::Revoked),
            ("lookup_miss", &f.misses, RevocationStatus::Good),
        ] {
            group.bench_function(name, |b| {
                let mut i = 0;
                b.iter(|| {
                    i = (i + 1) % PROBES;
                    let status = f.store.check(black_box(&probes[i]), now);
                    debug_assert_eq!(status, want);
                    status
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, revocation);
criterion_main!(benches);
