//! JSON Canonicalization Scheme (RFC 8785).
//!
//! `serde_json_canonicalizer` does exactly this for any `Serialize` value:
//! keys sorted by UTF-16 code units, numbers printed as ECMAScript's
//! `Number.prototype.toString` (via `ryu-js`), strings escaped as RFC 8785
//! 3.2.2.2 says. We use it rather than a hand-written serializer; our tests
//! pin it to RFC 8785's own examples and the W3C eddsa-jcs-2022 vectors.

use crate::error::ProofError;

/// Canonical JSON (RFC 8785) of a value, as UTF-8 text.
///
/// Numbers are IEEE-754 doubles, as in ECMAScript: an integer beyond 2^53
/// is rounded exactly as a JavaScript signer would round it.
///
/// # Errors
///
/// [`ProofError::Jcs`] if the serializer fails. A `serde_json::Value` holds
/// no NaN, infinity or lone surrogate, so this does not happen in practice;
/// it stays an error rather than a panic.
pub fn canonicalize(value: &serde_json::Value) -> Result<String, ProofError> {
    serde_json_canonicalizer::to_string(value).map_err(|error| ProofError::Jcs {
        reason: error.to_string(),
    })
}
