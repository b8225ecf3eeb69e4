//! Proof suites: Ed25519Signature2018, RsaSignature2018, and Data Integrity
//! eddsa-rdfc-2022 / eddsa-jcs-2022, behind one trait.
//! STUB: owned by the crypto helper.

use thiserror::Error;

use crate::{ContextStore, Error, PrivateKey, PublicKey};

/// Why a proof did not verify or could not be made.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ProofError {
    /// Placeholder until proofs land.
    #[error("not supported: {0}")]
    Unsupported(&'static str),
}

/// A proof suite this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Suite {
    /// `Ed25519Signature2018`: URDNA2015, detached JWS, EdDSA.
    Ed25519Signature2018,
    /// `RsaSignature2018`: URDNA2015, detached JWS, PS256.
    RsaSignature2018,
    /// `DataIntegrityProof` with `eddsa-rdfc-2022`.
    EddsaRdfc2022,
    /// `DataIntegrityProof` with `eddsa-jcs-2022`.
    EddsaJcs2022,
}

/// How to sign: the suite and the proof options.
#[derive(Debug, Clone)]
pub struct ProofOptions {
    /// The suite to sign with.
    pub suite: Suite,
    /// Key id as credentials name it (`verificationMethod`).
    pub verification_method: String,
    /// `created`, an XML Schema dateTime.
    pub created: String,
    /// `proofPurpose`, usually `assertionMethod`.
    pub proof_purpose: String,
}

/// A parsed `proof` object.
#[derive(Debug, Clone)]
pub struct Proof {}

/// Proof that a document's signature was checked. Only [`verify`] makes one.
#[derive(Debug)]
pub struct Verified {}

/// Sign a document: returns it with a `proof` added.
pub fn sign(
    _unsigned: &serde_json::Value,
    _options: &ProofOptions,
    _key: &PrivateKey,
    _store: &ContextStore,
) -> Result<serde_json::Value, Error> {
    Err(ProofError::Unsupported("sign").into())
}

/// Verify a signed document's proof with a key.
pub fn verify(
    _document: &serde_json::Value,
    _key: &PublicKey,
    _store: &ContextStore,
) -> Result<Verified, Error> {
    Err(ProofError::Unsupported("verify").into())
}
