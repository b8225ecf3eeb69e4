//! The crate's one error type.

use thiserror::Error;

use crate::qr::QrError;

/// What can go wrong setting up or feeding a verifier. (A certificate that
/// fails verification is not an error: it is a [`crate::Verdict`].)
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The trust list was refused.
    #[error(transparent)]
    TrustList(#[from] credential::TrustListError),
    /// The revocation list was refused.
    #[error(transparent)]
    Revocation(#[from] credential::RevocationError),
    /// The verification rules list was refused.
    #[error(transparent)]
    Rules(#[from] credential::RulesListError),
    /// A key could not be read.
    #[error(transparent)]
    Key(#[from] credential::KeyError),
    /// Signed lists need a pinned trust anchor to check them against.
    #[error("no trust anchor is pinned, so signed lists cannot be checked")]
    NoAnchor,
    /// An image could not be read or holds no QR code.
    #[error(transparent)]
    Qr(#[from] QrError),
}
