//! Detached JWS with unencoded payload (RFC 7515 appendix F, RFC 7797), as
//! jsonld-signatures' `Ed25519Signature2018` and `RsaSignature2018` write it:
//! `base64url(header) + ".." + base64url(signature)`, where the signature
//! covers `base64url(header) + "."` followed by the raw payload bytes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::ProofError;
use crate::{KeyAlgorithm, KeyError, PrivateKey, PublicKey};

/// The longest JWS read: the header (about 60 characters) and a 4096-bit
/// RSA signature (683) fit with room to spare.
const MAX_JWS_LEN: usize = 2048;
/// The longest protected header read, base64url.
const MAX_HEADER_LEN: usize = 256;

/// The protected header, strictly: any other member, a duplicate member or
/// a member of the wrong JSON type fails to deserialize.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    alg: Option<String>,
    b64: Option<bool>,
    crit: Option<Vec<String>>,
}

/// A detached JWS split into what the signature check needs.
pub(super) struct DetachedJws {
    /// `base64url(header) + "."`: the prefix of the signing input.
    pub(super) signing_prefix: Vec<u8>,
    /// The decoded signature.
    pub(super) signature: Vec<u8>,
}

/// The header jsonld-signatures writes for this key algorithm, as
/// base64url. Member order matches theirs, so our JWS are byte-identical.
fn encoded_header(algorithm: KeyAlgorithm) -> String {
    let header = format!(
        r#"{{"alg":"{}","b64":false,"crit":["b64"]}}"#,
        algorithm.jws_alg()
    );
    URL_SAFE_NO_PAD.encode(header)
}

/// Splits and checks a detached JWS whose header must say `expected`'s alg.
pub(super) fn parse(jws: &str, expected: KeyAlgorithm) -> Result<DetachedJws, ProofError> {
    if jws.len() > MAX_JWS_LEN {
        return Err(ProofError::MalformedSignature {
            reason: "JWS longer than any signature this crate checks",
        });
    }
    let mut parts = jws.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ProofError::MalformedSignature {
            reason: "a detached JWS has three parts: header..signature",
        });
    };
    if !payload.is_empty() {
        return Err(ProofError::MalformedSignature {
            reason: "the JWS payload must be detached (empty)",
        });
    }
    check_header(header, expected)?;
    let signature =
        URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| ProofError::MalformedSignature {
                reason: "the JWS signature is not base64url",
            })?;
    let mut signing_prefix = Vec::with_capacity(header.len() + 1);
    signing_prefix.extend_from_slice(header.as_bytes());
    signing_prefix.push(b'.');
    Ok(DetachedJws {
        signing_prefix,
        signature,
    })
}

fn check_header(encoded: &str, expected: KeyAlgorithm) -> Result<(), ProofError> {
    if encoded.len() > MAX_HEADER_LEN {
        return Err(ProofError::BadJwsHeader {
            reason: "header too long",
        });
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| ProofError::BadJwsHeader {
            reason: "header is not base64url",
        })?;
    let header: Header = serde_json::from_slice(&bytes).map_err(|_| ProofError::BadJwsHeader {
        reason: "header is not a JSON object of alg, b64 and crit only",
    })?;
    match header.alg.as_deref() {
        None => {
            return Err(ProofError::BadJwsHeader {
                reason: "alg is missing",
            });
        }
        Some(alg) if alg == expected.jws_alg() => {}
        Some(_) => {
            return Err(ProofError::BadJwsHeader {
                reason: "alg is not the suite's (EdDSA or PS256)",
            });
        }
    }
    // b64 false: the payload is signed as raw bytes (the two hashes), as
    // jsonld-signatures does; b64 true or absent would mean signing their
    // base64url form.
    match header.b64 {
        Some(false) => {}
        Some(true) => {
            return Err(ProofError::BadJwsHeader {
                reason: "b64 must be false",
            });
        }
        None => {
            return Err(ProofError::BadJwsHeader {
                reason: "b64 is missing",
            });
        }
    }
    // RFC 7797 section 6: b64 must be listed as critical.
    match header.crit.as_deref() {
        Some([only]) if only == "b64" => Ok(()),
        Some(_) => Err(ProofError::BadJwsHeader {
            reason: "crit must be exactly [\"b64\"]",
        }),
        None => Err(ProofError::BadJwsHeader {
            reason: "crit is missing",
        }),
    }
}

/// Signs `payload` as a detached JWS with an unencoded payload.
pub(super) fn sign(payload: &[u8], key: &PrivateKey) -> Result<String, KeyError> {
    let header = encoded_header(key.algorithm());
    let mut input = Vec::with_capacity(header.len() + 1 + payload.len());
    input.extend_from_slice(header.as_bytes());
    input.push(b'.');
    input.extend_from_slice(payload);
    let signature = key.sign_bytes(&input)?;
    Ok(format!("{header}..{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// Checks a detached JWS over `payload`.
pub(super) fn verify(jws: &str, payload: &[u8], key: &PublicKey) -> Result<(), ProofError> {
    let DetachedJws {
        mut signing_prefix,
        signature,
    } = parse(jws, key.algorithm())?;
    signing_prefix.extend_from_slice(payload);
    key.verify_signature(&signing_prefix, &signature)
}

impl PrivateKey {
    /// Signs arbitrary bytes as a detached JWS with an unencoded payload
    /// (`{"alg":"EdDSA"|"PS256","b64":false,"crit":["b64"]}`), the form the
    /// 2018 suites use. For signing trust lists and other non-credential
    /// documents (e.g. over their JCS bytes).
    ///
    /// # Errors
    ///
    /// [`KeyError::Signing`] or [`KeyError::Rng`] if the crypto fails.
    pub fn sign_detached_jws(&self, payload: &[u8]) -> Result<String, KeyError> {
        sign(payload, self)
    }
}

impl PublicKey {
    /// Checks a detached JWS over `payload`, as
    /// [`PrivateKey::sign_detached_jws`] makes it. The header must be exactly
    /// this key's algorithm with `b64` false and `crit` `["b64"]`.
    ///
    /// # Errors
    ///
    /// [`ProofError::MalformedSignature`], [`ProofError::BadJwsHeader`] or
    /// [`ProofError::BadSignature`].
    pub fn verify_detached_jws(&self, jws: &str, payload: &[u8]) -> Result<(), ProofError> {
        verify(jws, payload, self)
    }
}
