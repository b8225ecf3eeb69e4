//! The verification engine: scanned bytes + trust list + revocations +
//! clock -> one verdict with reasons.
//!
//! ```
//! use verifier_wasm::{PinnedKey, Status, Verifier};
//! # let zip = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"),
//! #     "/../tests/fixtures/divoc/stack-signed/ed25519-v2/cert-001/certificate.zip")).unwrap();
//! let key = credential::PublicKey::parse_any("FGwEz83rRge9x3Y2GuCotWBHN87JaRVMFwFfZkuRUC5").unwrap();
//! let verifier = Verifier::with_pinned_keys(
//!     vec![PinnedKey { kid: "did:example:moh#key-1".into(), key }],
//!     vec![],
//! );
//! let verdict = verifier.verify_payload(&zip, "2021-08-01T00:00:00Z".parse().unwrap());
//! assert_eq!(verdict.status, Status::Valid);
//! assert!(verdict.revocation_unknown); // no revocation list loaded
//! ```

mod engine;
mod error;
pub mod rules;

pub use engine::{
    DisplayFields, IssuerInfo, PinnedKey, Reason, ReasonCode, Status, Verdict, Verifier,
};
pub use error::Error;

/// QR decoding from camera frames and image files.
pub mod qr;

/// The JavaScript API (wasm32 only).
#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub use wasm::WasmVerifier;
