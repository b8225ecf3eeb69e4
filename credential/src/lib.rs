//! Health certificates as bytes: the credential model, JSON-LD and JCS
//! canonicalization, proof suites, and the QR payload codec.
//!
//! Pure functions, no I/O: the crate builds for `wasm32-unknown-unknown`
//! as well as natively, and never fetches anything (JSON-LD contexts are
//! bundled).
//!
//! ```
//! use credential::{ContextStore, PublicKey, VaccinationCredential};
//!
//! // A QR payload as DIVOC prints it: a ZIP holding certificate.json.
//! # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/divoc/stack-signed/ed25519-v2");
//! # let qr_bytes = std::fs::read(format!("{dir}/cert-001/certificate.zip")).unwrap();
//! let decoded = credential::decode_payload(&qr_bytes)?;
//!
//! // Find the key the proof names, then check the signature.
//! let proof = credential::Proof::from_document(&decoded.document)?;
//! assert_eq!(proof.verification_method(), "did:example:moh#key-1");
//! let key = PublicKey::from_base58("FGwEz83rRge9x3Y2GuCotWBHN87JaRVMFwFfZkuRUC5")?;
//! let verified = credential::verify(&decoded.document, &key, &ContextStore::bundled())?;
//!
//! // Only now is the content the issuer's.
//! let certificate = VaccinationCredential::from_document(verified.document())?;
//! assert_eq!(certificate.credential_subject.name, "विकास शर्मा");
//! # Ok::<(), credential::Error>(())
//! ```
//!
//! Modules and what they hold: `model` (the typed DIVOC credential and
//! issuance request), `jsonld` + `rdf` (strict JSON-LD expansion and
//! URDNA2015), `jcs` (RFC 8785), `keys` and `proof` (suites), `payload`
//! (the QR ZIP codec), `trust`, `revocation` and `rules` (the registry's
//! signed lists), `signed` (their envelope).

mod error;
mod jcs;
mod jsonld;
mod keys;
mod model;
mod payload;
mod proof;
mod rdf;
mod revocation;
mod rules;
mod signed;
mod trust;
mod view;

pub use error::{
    Error, JsonLdError, KeyError, ModelError, PayloadError, ProofError, RevocationError,
    RulesListError, TrustListError, ViewError,
};
pub use jcs::canonicalize as jcs_canonicalize;
pub use jsonld::{ContextStore, canonicalize as canonicalize_rdf};
pub use keys::{KeyAlgorithm, PrivateKey, PublicKey};
pub use model::{
    CertificationRequest, ContextVersion, CredentialAddress, Evidence, Facility, IssuanceProfile,
    Lenient, Person, Recipient, RequestAddress, RequestFacility, Vaccination,
    VaccinationCredential, Vaccinator, VaccineCoding, Verifier, is_absolute_iri,
};
/// The issuer's own VC 2.0 vaccination profile (every field its own IRI).
pub mod vc2 {
    pub use crate::model::{CREDENTIALS_V2, HEALTHCERTS_CONTEXT, vaccination_certificate};
}
pub use payload::{
    DecodedPayload, Limits, PayloadFormat, decode as decode_payload,
    decode_with as decode_payload_with, encode as encode_payload,
};
pub use proof::{Proof, ProofOptions, Suite, Verified, sign, verify};
pub use revocation::{
    CertificateRef, IssuerRevocations, RevocationList, RevocationStatus, RevocationStore, RiceSet,
    StatusEntry, hash_key as revocation_hash_key, numeric_id as revocation_numeric_id,
    parse_status_index,
};
pub use rules::{
    Condition as RuleCondition, MAX_RULES_LIST_BYTES, Rule, RulesList,
    is_valid_profile as is_valid_rules_profile,
};

/// The bounds a rules list is checked against (for services that take
/// rules and describe them in their API).
pub mod rules_limits {
    pub use crate::rules::{
        MAX_AGE, MAX_DAYS, MAX_DOSES, MAX_ID_LEN, MAX_RULES, MAX_TEXT_CHARS, MAX_TRANSLATIONS,
        MAX_VACCINE_CHARS, MAX_VACCINES,
    };
}
pub use trust::{
    KeyStatus, KeyUseViolation, MAX_TRUST_LIST_BYTES, TrustList, TrustedContext, TrustedIssuer,
    TrustedKey,
};
pub use view::{CredentialView, Field, Profile, SubjectView, VaccinationView};

/// Hooks for this crate's differential tests and fuzz targets; not a stable
/// API.
#[doc(hidden)]
pub mod internal {
    /// [`canonicalize_rdf`](crate::canonicalize_rdf) in jsonld.js 2's default
    /// mode, which drops what does not reach the graph instead of refusing
    /// it: for comparing against other JSON-LD processors only, never for
    /// signatures.
    pub fn canonicalize_compat(
        document: &serde_json::Value,
        store: &crate::ContextStore,
    ) -> Result<String, crate::JsonLdError> {
        crate::jsonld::canonicalize_compat(document, store)
    }
}
