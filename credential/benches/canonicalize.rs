//! URDNA2015 canonicalization of DIVOC certificates, document and proof
//! options separately (a verification does both): a v1 RSA certificate
//! and a v2 Ed25519 one, from DIVOC's own stack. Criterion's warm-up
//! covers the first call, which processes the contexts; the measured
//! iterations reuse the memoized contexts, as a verifier does after its
//! first certificate.
//!
//! `cargo bench -p credential --bench canonicalize`

#![allow(
    clippy::unwrap_used,
    reason = "benchmark setup: a broken fixture should fail loudly"
)]

use std::hint::black_box;

use credential::{ContextStore, canonicalize_rdf};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::Value;

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/jsonld-canon/corpus"
);

fn read(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{CORPUS}/{name}")).unwrap()).unwrap()
}

fn canonicalize(c: &mut Criterion) {
    let store = ContextStore::bundled();
    let mut group = c.benchmark_group("canonicalize");
    for (label, name) in [
        ("rsa_v1", "stack-signed__rsa-v1__cert-001"),
        ("ed25519_v2", "stack-signed__ed25519-v2__cert-001"),
    ] {
        let doc = read(&format!("{name}.doc.json"));
        let proof = read(&format!("{name}.proof.json"));
        group.bench_function(format!("{label}_document"), |b| {
            b.iter(|| canonicalize_rdf(black_box(&doc), &store).unwrap())
        });
        group.bench_function(format!("{label}_proof_options"), |b| {
            b.iter(|| canonicalize_rdf(black_box(&proof), &store).unwrap())
        });
        group.bench_function(format!("{label}_both"), |b| {
            b.iter(|| {
                (
                    canonicalize_rdf(black_box(&doc), &store).unwrap(),
                    canonicalize_rdf(black_box(&proof), &store).unwrap(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, canonicalize);
criterion_main!(benches);
