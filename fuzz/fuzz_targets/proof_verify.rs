//! Proof verification of any JSON document with a fixed Ed25519 key (the
//! one that signed the ed25519-v2 seeds, so mutations reach the signature
//! check): errors are fine, panics and hangs are not.

#![no_main]

use std::sync::LazyLock;

use credential::{ContextStore, PublicKey};
use libfuzzer_sys::fuzz_target;

static KEY: LazyLock<PublicKey> = LazyLock::new(|| {
    let b58 = include_str!("../../tests/fixtures/divoc/stack-signed/ed25519-v2/key/public.b58");
    PublicKey::from_base58(b58.trim()).expect("the committed fixture key parses")
});
static STORE: LazyLock<ContextStore> = LazyLock::new(ContextStore::bundled);

fuzz_target!(|data: &[u8]| {
    if let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = credential::verify(&document, &KEY, &STORE);
    }
});
