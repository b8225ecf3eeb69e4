//! The QR payload codec: DIVOC's ZIP holding one `certificate.json`, and
//! the other forms readers hand over.
//! STUB: owned by the payload helper.

use thiserror::Error;

/// Why payload bytes are not a certificate document.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// Placeholder until the codec lands.
    #[error("payload codec not implemented yet")]
    NotImplemented,
}

/// Which form the payload came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadFormat {
    /// Raw ZIP bytes.
    Zip,
}

/// Bounds on decoding.
#[derive(Debug, Clone, Copy)]
pub struct Limits {}

/// A decoded payload.
#[derive(Debug, Clone)]
pub struct DecodedPayload {}

/// Decode QR payload bytes.
pub fn decode(_bytes: &[u8]) -> Result<DecodedPayload, PayloadError> {
    Err(PayloadError::NotImplemented)
}

/// Encode a certificate's JSON as DIVOC's ZIP payload.
pub fn encode(_json: &[u8]) -> Result<Vec<u8>, PayloadError> {
    Err(PayloadError::NotImplemented)
}
