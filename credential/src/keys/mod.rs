//! Public and private keys: Ed25519 and RSA, from PEM, JWK, base58 and multibase.
//! STUB: owned by the crypto helper.

use thiserror::Error;

/// Why a key could not be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Placeholder until keys land.
    #[error("keys are not implemented yet")]
    NotImplemented,
}

/// Signature algorithm family of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// Ed25519 (EdDSA).
    Ed25519,
    /// RSA (RSASSA-PSS, SHA-256).
    Rsa,
}

/// A public key that can check signatures.
#[derive(Debug, Clone)]
pub struct PublicKey {}

/// A private signing key. Zeroized on drop, redacted in `Debug`.
pub struct PrivateKey {}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}
