//! QR payload codec: encode and decode one DIVOC certificate, and the time
//! to refuse DIVOC's zip bombs (declared and lying headers).
//!
//! `cargo bench -p credential --bench payload`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark setup: a broken fixture should fail loudly"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/divoc/stack-signed"
);

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{path}")).unwrap()
}

fn payload(c: &mut Criterion) {
    let json = read("rsa-v1/cert-001/certificate.json");
    let zip = read("rsa-v1/cert-001/certificate.zip");
    let bomb = read("rsa-v1-tampered/payload/zip_bomb.zip");
    let lying = read("rsa-v1-tampered/payload/zip_bomb_lying_header.zip");

    let mut group = c.benchmark_group("payload");
    group.bench_function("encode_divoc_certificate", |b| {
        b.iter(|| credential::encode_payload(black_box(&json)).unwrap())
    });
    group.bench_function("decode_divoc_zip", |b| {
        b.iter(|| credential::decode_payload(black_box(&zip)).unwrap())
    });
    group.bench_function("decode_divoc_json", |b| {
        b.iter(|| credential::decode_payload(black_box(&json)).unwrap())
    });
    group.bench_function("refuse_zip_bomb_declared", |b| {
        b.iter(|| credential::decode_payload(black_box(&bomb)).unwrap_err())
    });
    group.bench_function("refuse_zip_bomb_lying_header", |b| {
        b.iter(|| credential::decode_payload(black_box(&lying)).unwrap_err())
    });
    group.finish();
}

criterion_group!(benches, payload);
criterion_main!(benches);
