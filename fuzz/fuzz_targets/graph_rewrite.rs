//! Rewrites of signed certificates' JSON: every result must be refused, or
//! read exactly as the original (same status, issuer, revocation outcome,
//! dates and displayed fields; values whose role the signature does not
//! bind must be signed values). The target fails on any other outcome.
//!
//! Two kinds of input:
//! - `0xFF`, then a certificate index and pairs of (rewrite, argument)
//!   bytes: structured rewrites (`verifier-wasm/tests/rewrites/mod.rs`, the
//!   same ones the property test applies) of one of the signed certificates;
//! - anything else: JSON text, libFuzzer's own mutations of the seeds
//!   (the certificates themselves). A mutant that verifies is compared with
//!   the certificate whose signature it carries.

#![no_main]

#[allow(dead_code, reason = "the shared module is written for the test too")]
#[path = "../../verifier-wasm/tests/rewrites/mod.rs"]
mod rewrites;

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use verifier_wasm::{Verdict, Verifier};

/// The verifier, and each signed certificate with its verdict and the
/// signature string it carries.
struct Cases {
    verifier: Verifier,
    certificates: Vec<(Value, Verdict, String)>,
}

fn signature(document: &Value) -> Option<String> {
    let proof = document.get("proof")?;
    let proof = proof.as_array().and_then(|p| p.first()).unwrap_or(proof);
    proof
        .get("jws")
        .or_else(|| proof.get("proofValue"))?
        .as_str()
        .map(str::to_owned)
}

static CASES: LazyLock<Cases> = LazyLock::new(|| {
    let verifier = rewrites::verifier();
    let certificates = rewrites::corpus()
        .into_iter()
        .map(|(_, document)| {
            let verdict = verifier.verify_document(&document, rewrites::now());
            let signature = signature(&document).expect("every corpus certificate is signed");
            (document, verdict, signature)
        })
        .collect();
    Cases {
        verifier,
        certificates,
    }
});

fuzz_target!(|data: &[u8]| {
    let cases = &*CASES;
    let (mutant, original) = match data {
        [0xFF, which, ops @ ..] => {
            let Some((original, verdict, _)) = cases
                .certificates
                .get(usize::from(*which) % cases.certificates.len())
            else {
                return;
            };
            let mut mutant = original.clone();
            for pair in ops.chunks_exact(2).take(8) {
                if let [kind, arg] = pair {
                    rewrites::apply(&mut mutant, rewrites::Rewrite::from_bytes(*kind, *arg));
                }
            }
            (mutant, verdict)
        }
        _ => {
            let Ok(mutant) = serde_json::from_slice::<Value>(data) else {
                return;
            };
            let Some(original) = signature(&mutant).and_then(|s| {
                cases
                    .certificates
                    .iter()
                    .find(|(_, _, signature)| *signature == s)
                    .map(|(_, verdict, _)| verdict)
            }) else {
                return;
            };
            (mutant, original)
        }
    };
    let verdict = cases.verifier.verify_document(&mutant, rewrites::now());
    if let Err(e) = rewrites::check_same_or_refused(original, &verdict) {
        panic!("a rewrite changed the verdict: {e}\n{mutant}");
    }
});
