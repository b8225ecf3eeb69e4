//! JSON Canonicalization Scheme (RFC 8785).
//! STUB: owned by the crypto helper.

use crate::error::ProofError;

/// Canonical JSON (RFC 8785) of a value, as UTF-8 text.
pub fn canonicalize(_value: &serde_json::Value) -> Result<String, ProofError> {
    Err(ProofError::Unsupported("jcs not yet implemented"))
}
