use thiserror::Error;

use super::Suite;
use crate::KeyAlgorithm;

/// Why a proof did not verify or could not be made.
///
/// Everything but [`ProofError::BadSignature`] describes the proof's shape,
/// which is public; a failed signature check says nothing more than that.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The document is not a JSON object.
    #[error("the document is not a JSON object")]
    DocumentNotAnObject,
    /// The document has no `proof` (DIVOC: "No matching proofs found in the
    /// given document.").
    #[error("no proof found in the document")]
    Missing,
    /// The document carries a proof set (an array of several proofs). Health
    /// credentials carry exactly one proof; sets are not supported.
    #[error("the document carries {count} proofs; exactly one is supported")]
    MultipleProofs {
        /// How many proofs the `proof` array holds.
        count: usize,
    },
    /// The proof is part of a proof chain (`previousProof`); chains are not
    /// supported.
    #[error("proof chains (previousProof) are not supported")]
    ProofChain,
    /// The proof is not a JSON object, or a member has the wrong JSON type.
    #[error("malformed proof: {reason}")]
    MalformedProof {
        /// What is wrong.
        reason: &'static str,
    },
    /// A member the suite needs is missing from the proof.
    #[error("the proof has no \"{field}\"")]
    MissingField {
        /// The missing member.
        field: &'static str,
    },
    /// The proof's `type` is not a suite this crate implements.
    #[error("unsupported proof type \"{found}\"")]
    UnsupportedSuite {
        /// The proof's `type` (cut to 64 characters).
        found: String,
    },
    /// A `DataIntegrityProof` with a `cryptosuite` this crate does not
    /// implement.
    #[error("unsupported cryptosuite \"{found}\"")]
    UnsupportedCryptosuite {
        /// The proof's `cryptosuite` (cut to 64 characters).
        found: String,
    },
    /// The proof's purpose is not `assertionMethod`, the purpose of an
    /// issuer's proof on a credential.
    #[error("proof purpose \"{found}\" is not assertionMethod")]
    UnexpectedProofPurpose {
        /// The proof's `proofPurpose` (cut to 64 characters).
        found: String,
    },
    /// The key is of another algorithm than the suite signs with.
    #[error("{suite} needs an {expected} key, got {found}")]
    WrongKeyAlgorithm {
        /// The proof's suite.
        suite: Suite,
        /// The algorithm the suite signs with.
        expected: KeyAlgorithm,
        /// The algorithm of the key supplied.
        found: KeyAlgorithm,
    },
    /// The JWS protected header is not exactly what the suite uses
    /// (`{"alg":"EdDSA"|"PS256","b64":false,"crit":["b64"]}`).
    #[error("bad JWS header: {reason}")]
    BadJwsHeader {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signature's encoding is malformed: not a detached JWS, bad
    /// base64url or base58, wrong length.
    #[error("malformed signature: {reason}")]
    MalformedSignature {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The proof's `@context` is not a prefix of the document's (Data
    /// Integrity verification, step "check that securedDocument.@context
    /// starts with proofOptions.@context").
    #[error("the proof's @context does not match the document's")]
    ContextMismatch,
    /// [`sign`](super::sign) was given a document that already has a proof.
    #[error("the document already has a proof")]
    AlreadySigned,
    /// The signature does not verify. Deliberately opaque.
    #[error("invalid signature")]
    BadSignature,
    /// JCS serialization failed (cannot happen for a `serde_json::Value`;
    /// kept an error rather than a panic).
    #[error("JCS canonicalization failed: {reason}")]
    Jcs {
        /// What the serializer reported.
        reason: String,
    },
}

/// The most of an attacker-chosen string an error message repeats.
const EXCERPT_LEN: usize = 64;

/// The string cut to [`EXCERPT_LEN`] characters, for error messages.
pub(super) fn excerpt(text: &str) -> String {
    text.chars().take(EXCERPT_LEN).collect()
}
