//! Health certificates as bytes: the credential model, JSON-LD and JCS
//! canonicalization, proof suites, and the QR payload codec.
//!
//! Pure functions, no I/O: the crate builds for `wasm32-unknown-unknown`
//! as well as natively, and never fetches anything (JSON-LD contexts are
//! bundled).

mod error;
mod jcs;
mod jsonld;
mod keys;
mod model;
mod payload;
mod proof;
mod rdf;
mod revocation;
mod signed;
mod trust;

pub use error::{
    Error, JsonLdError, KeyError, ModelError, PayloadError, ProofError, RevocationError,
    TrustListError,
};
pub use jcs::canonicalize as jcs_canonicalize;
pub use jsonld::{ContextStore, canonicalize as canonicalize_rdf};
pub use keys::{KeyAlgorithm, PrivateKey, PublicKey};
pub use model::{
    CertificationRequest, ContextVersion, CredentialAddress, Evidence, Facility, IssuanceProfile,
    Lenient, Person, Recipient, RequestAddress, RequestFacility, Vaccination,
    VaccinationCredential, Vaccinator, VaccineCoding, Verifier,
};
pub use payload::{
    DecodedPayload, Limits, PayloadFormat, decode as decode_payload,
    decode_with as decode_payload_with, encode as encode_payload,
};
pub use proof::{Proof, ProofOptions, Suite, Verified, sign, verify};
pub use revocation::{
    CertificateRef, IssuerRevocations, RevocationList, RevocationStatus, RevocationStore, RiceSet,
    StatusEntry, hash_key as revocation_hash_key, numeric_id as revocation_numeric_id,
};
pub use trust::{
    KeyStatus, KeyUseViolation, MAX_TRUST_LIST_BYTES, TrustList, TrustedContext, TrustedIssuer,
    TrustedKey,
};
