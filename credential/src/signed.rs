//! The signed envelope the key registry wraps its lists in.
//!
//! `{"payload": {...}, "anchor": "<RFC 7638 thumbprint>", "signature": "<detached JWS>"}`
//! where the JWS (EdDSA, `b64:false`) covers the JCS (RFC 8785) bytes of
//! `payload`. The payload names its own `type`, so a revocation list cannot
//! be passed off as a trust list. The anchor thumbprint tells "signed by a
//! key we do not pin" apart from "signed wrongly".

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{PrivateKey, PublicKey};

/// Why a signed envelope could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EnvelopeError {
    TooLarge {
        len: usize,
        limit: usize,
    },
    Malformed(String),
    WrongType {
        expected: &'static str,
        found: String,
    },
    UnknownAnchor(String),
    BadSignature,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    payload: Value,
    anchor: String,
    signature: String,
}

/// Check size, anchor, signature and `type`; return the payload.
pub(crate) fn open(
    bytes: &[u8],
    anchors: &[PublicKey],
    expected_type: &'static str,
    limit: usize,
) -> Result<Value, EnvelopeError> {
    open_with_anchor(bytes, anchors, expected_type, limit).map(|(payload, _)| payload)
}

/// As [`open`], also returning which of `anchors` signed.
pub(crate) fn open_with_anchor(
    bytes: &[u8],
    anchors: &[PublicKey],
    expected_type: &'static str,
    limit: usize,
) -> Result<(Value, PublicKey), EnvelopeError> {
    if bytes.len() > limit {
        return Err(EnvelopeError::TooLarge {
            len: bytes.len(),
            limit,
        });
    }
    let envelope: Envelope =
        serde_json::from_slice(bytes).map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
    let anchor = anchors
        .iter()
        .find(|a| a.thumbprint() == envelope.anchor)
        .ok_or_else(|| EnvelopeError::UnknownAnchor(envelope.anchor.clone()))?;
    let signed = crate::jcs_canonicalize(&envelope.payload)
        .map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
    anchor
        .verify_detached_jws(&envelope.signature, signed.as_bytes())
        .map_err(|_| EnvelopeError::BadSignature)?;
    match envelope.payload.get("type").and_then(Value::as_str) {
        Some(t) if t == expected_type => Ok((envelope.payload, anchor.clone())),
        other => Err(EnvelopeError::WrongType {
            expected: expected_type,
            found: other.unwrap_or("").to_owned(),
        }),
    }
}

/// Sign a payload with the trust anchor's key, as JSON bytes.
pub(crate) fn seal(payload: Value, anchor: &PrivateKey) -> Result<Vec<u8>, crate::Error> {
    let signed = crate::jcs_canonicalize(&payload)?;
    let signature = anchor.sign_detached_jws(signed.as_bytes())?;
    let envelope = Envelope {
        payload,
        anchor: anchor.public_key().thumbprint(),
        signature,
    };
    // Serializing strings and JSON values cannot fail; map it anyway rather
    // than panic.
    serde_json::to_vec(&envelope).map_err(|e| {
        crate::TrustListError::Malformed {
            reason: e.to_string(),
        }
        .into()
    })
}
