//! The crate's one error type, with one sub-enum per area.
//!
//! Each area's enum lives beside the code that raises it (`jsonld::JsonLdError`,
//! `payload::PayloadError`, ...); this module ties them together so callers can
//! use `credential::Error` everywhere and still match on the precise cause.

use thiserror::Error;

pub use crate::jsonld::JsonLdError;
pub use crate::keys::KeyError;
pub use crate::model::ModelError;
pub use crate::payload::PayloadError;
pub use crate::proof::ProofError;
pub use crate::revocation::RevocationError;
pub use crate::rules::RulesListError;
pub use crate::trust::TrustListError;
pub use crate::view::ViewError;

/// Everything that can go wrong in this crate.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The document is not JSON-LD this crate can canonicalize (or uses undefined terms).
    #[error(transparent)]
    JsonLd(#[from] JsonLdError),
    /// A key could not be parsed, or is of the wrong kind.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A proof is missing, malformed, or does not verify.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// QR payload bytes could not be decoded into a credential document.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// A credential or issuance request does not fit the credential model.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A trust list was refused.
    #[error(transparent)]
    TrustList(#[from] TrustListError),
    /// A revocation list was refused.
    #[error(transparent)]
    Revocation(#[from] RevocationError),
    /// A verification rules list was refused.
    #[error(transparent)]
    Rules(#[from] RulesListError),
    /// A verified credential's graph does not say one thing where it must.
    #[error(transparent)]
    View(#[from] ViewError),
}
