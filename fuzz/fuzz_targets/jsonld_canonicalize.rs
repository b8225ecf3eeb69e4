//! JSON-LD canonicalization (URDNA2015) of any JSON document against the
//! bundled contexts: errors are fine, panics and hangs are not.

#![no_main]

use std::sync::LazyLock;

use credential::ContextStore;
use libfuzzer_sys::fuzz_target;

static STORE: LazyLock<ContextStore> = LazyLock::new(ContextStore::bundled);

fuzz_target!(|data: &[u8]| {
    if let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = credential::canonicalize_rdf(&document, &STORE);
    }
});
