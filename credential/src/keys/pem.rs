//! PEM: SPKI (`PUBLIC KEY`), PKCS#1 (`RSA PUBLIC KEY`, `RSA PRIVATE KEY`)
//! and PKCS#8 (`PRIVATE KEY`).

use pkcs1::{DecodeRsaPrivateKey as _, DecodeRsaPublicKey as _};
use pkcs8::der::pem;
use pkcs8::{EncodePrivateKey as _, LineEnding, PrivateKeyInfoRef, SubjectPublicKeyInfoRef};
use spki::EncodePublicKey as _;
use zeroize::Zeroizing;

use super::{
    KeyError, PrivateInner, PrivateKey, PublicInner, PublicKey, rsa_inner, rsa_private, rsa_public,
    rsa_secret,
};

const LABEL_SPKI: &str = "PUBLIC KEY";
const LABEL_PKCS1_PUBLIC: &str = "RSA PUBLIC KEY";
const LABEL_PKCS8: &str = "PRIVATE KEY";
const LABEL_PKCS1_PRIVATE: &str = "RSA PRIVATE KEY";
const LABEL_PKCS8_ENCRYPTED: &str = "ENCRYPTED PRIVATE KEY";

/// Labels of private keys we do not read, so that a private key handed to a
/// public-key parser is reported as such rather than as an unknown label.
const OTHER_PRIVATE_LABELS: [&str; 3] =
    ["EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "DSA PRIVATE KEY"];

/// Decodes the PEM armour into its label and DER body.
///
/// The body goes into a zeroizing buffer because it may be a private key.
/// The line width is detected rather than fixed at 64: DIVOC's own key files
/// hold the whole base64 body on one line.
fn decode(text: &str) -> Result<(String, Zeroizing<Vec<u8>>), KeyError> {
    let text = text.trim();
    let pem_error = |error: pem::Error| KeyError::Pem {
        reason: error.to_string(),
    };
    let mut decoder = pem::Decoder::new_detect_wrap(text.as_bytes()).map_err(pem_error)?;
    let label = decoder.type_label().to_owned();
    // The body is at most 3/4 of the text, which the caller has capped.
    let mut body = Zeroizing::new(Vec::with_capacity(decoder.remaining_len()));
    decoder.decode_to_end(&mut body).map_err(pem_error)?;
    Ok((label, body))
}

fn der_error(error: impl std::fmt::Display) -> KeyError {
    KeyError::Der {
        reason: error.to_string(),
    }
}

/// A public key from PEM: SPKI for either algorithm, or PKCS#1 for RSA.
pub(super) fn public_from_pem(text: &str) -> Result<PublicKey, KeyError> {
    let (label, body) = decode(text)?;
    match label.as_str() {
        LABEL_SPKI => public_from_spki_der(&body),
        LABEL_PKCS1_PUBLIC => {
            let key = rsa::PublicKey::from_pkcs1_der(&body).map_err(der_error)?;
            rsa_public(key)
        }
        LABEL_PKCS8 | LABEL_PKCS1_PRIVATE | LABEL_PKCS8_ENCRYPTED => {
            Err(KeyError::ExpectedPublicKey)
        }
        other if OTHER_PRIVATE_LABELS.contains(&other) => Err(KeyError::ExpectedPublicKey),
        other => Err(KeyError::UnexpectedPemLabel {
            found: other.to_owned(),
        }),
    }
}

/// A public key from DER-encoded SubjectPublicKeyInfo, by its algorithm OID.
fn public_from_spki_der(der: &[u8]) -> Result<PublicKey, KeyError> {
    let spki = SubjectPublicKeyInfoRef::try_from(der).map_err(der_error)?;
    let oid = spki.algorithm.oid;
    if oid == ed25519_dalek::pkcs8::ALGORITHM_OID {
        // The Ed25519 SPKI's parameters must be absent (RFC 8410 section 3).
        if spki.algorithm.parameters.is_some() {
            return Err(der_error("Ed25519 algorithm parameters must be absent"));
        }
        let bytes = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| der_error("public key bit string has unused bits"))?;
        PublicKey::from_ed25519_bytes(bytes)
    } else if oid == pkcs1::ALGORITHM_OID {
        let key = rsa::PublicKey::try_from(spki).map_err(der_error)?;
        rsa_public(key)
    } else {
        Err(KeyError::UnsupportedAlgorithm {
            oid: oid.to_string(),
        })
    }
}

/// A private key from PEM: PKCS#8 for either algorithm, or PKCS#1 for RSA.
pub(super) fn private_from_pem(text: &str) -> Result<PrivateKey, KeyError> {
    let (label, body) = decode(text)?;
    match label.as_str() {
        LABEL_PKCS8 => private_from_pkcs8_der(&body),
        LABEL_PKCS1_PRIVATE => {
            let key = rsa::PrivateKey::from_pkcs1_der(&body).map_err(der_error)?;
            rsa_private(key)
        }
        LABEL_PKCS8_ENCRYPTED => Err(KeyError::EncryptedPrivateKey),
        LABEL_SPKI | LABEL_PKCS1_PUBLIC => Err(KeyError::ExpectedPrivateKey),
        other => Err(KeyError::UnexpectedPemLabel {
            found: other.to_owned(),
        }),
    }
}

fn private_from_pkcs8_der(der: &[u8]) -> Result<PrivateKey, KeyError> {
    let info = PrivateKeyInfoRef::try_from(der).map_err(der_error)?;
    let oid = info.algorithm.oid;
    if oid == ed25519_dalek::pkcs8::ALGORITHM_OID {
        // A PKCS#8 v2 document may carry the public key too; dalek checks it
        // against the secret and fails with `KeyMalformed` when they differ.
        let has_public = info.public_key.is_some();
        match ed25519_dalek::SigningKey::try_from(info) {
            Ok(key) => Ok(PrivateKey(PrivateInner::Ed25519(Box::new(key)))),
            Err(pkcs8::Error::KeyMalformed(_)) if has_public => Err(KeyError::MismatchedKeyPair),
            Err(error) => Err(der_error(error)),
        }
    } else if oid == pkcs1::ALGORITHM_OID {
        let key = rsa::PrivateKey::try_from(info).map_err(der_error)?;
        rsa_private(key)
    } else {
        Err(KeyError::UnsupportedAlgorithm {
            oid: oid.to_string(),
        })
    }
}

/// SPKI PEM of a public key.
pub(super) fn public_to_pem(key: &PublicKey) -> Result<String, KeyError> {
    let encoded = match &key.0 {
        PublicInner::Ed25519(key) => key.to_public_key_pem(LineEnding::LF),
        PublicInner::Rsa(key) => rsa_inner(key).to_public_key_pem(LineEnding::LF),
    };
    encoded.map_err(|error| KeyError::Encoding {
        reason: error.to_string(),
    })
}

/// PKCS#8 PEM of a private key.
pub(super) fn private_to_pem(key: &PrivateKey) -> Result<Zeroizing<String>, KeyError> {
    let encoded = match &key.0 {
        PrivateInner::Ed25519(key) => key.to_pkcs8_pem(LineEnding::LF),
        PrivateInner::Rsa(key) => rsa_secret(key).to_pkcs8_pem(LineEnding::LF),
    };
    encoded.map_err(|error| KeyError::Encoding {
        reason: error.to_string(),
    })
}
