//! Public and private keys: Ed25519 and RSA, from PEM, JWK, base58 and
//! multibase.
//!
//! Ed25519 signatures are checked with `verify_strict` (no small-order
//! points, canonical `S`), RSA with RSASSA-PSS, SHA-256, MGF1-SHA-256 and a
//! 32-byte salt: JWS `PS256`, as CoWIN signs.

mod error;
mod jwk;
mod pem;
mod text;

use std::fmt;

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _, Verifier as _};
use rsa::traits::PublicKeyParts as _;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

pub use error::KeyError;

use crate::proof::ProofError;

/// The longest key text (PEM, JWK, base58) accepted: a 4096-bit RSA private
/// key in PEM or JWK is about 3.3 KB.
const MAX_KEY_TEXT_LEN: usize = 16 * 1024;

/// Smallest RSA modulus accepted: 1024-bit keys are within reach of
/// well-funded attackers, and DIVOC's keys are 2048-bit.
const RSA_MIN_BITS: usize = 2048;
/// Largest RSA modulus accepted: bounds the cost of one verification on
/// hostile input.
const RSA_MAX_BITS: usize = 4096;
/// RSASSA-PSS salt length, as `PS256` (RFC 7518 3.5) and CoWIN use.
const RSA_PSS_SALT_LEN: usize = 32;

/// Length of an Ed25519 public key and of a seed.
const ED25519_KEY_LEN: usize = 32;
/// Length of tweetnacl's secret key: seed followed by the public key.
const ED25519_KEYPAIR_LEN: usize = 64;
/// Length of an Ed25519 signature.
const ED25519_SIGNATURE_LEN: usize = 64;

type RsaVerifyingKey = rsa::pss::VerifyingKey<Sha256>;
type RsaSigningKey = rsa::pss::SigningKey<Sha256>;

/// The RSA public key inside a PSS verifying key.
fn rsa_inner(key: &RsaVerifyingKey) -> &rsa::PublicKey {
    key.as_ref()
}

/// The RSA private key inside a PSS signing key.
fn rsa_secret(key: &RsaSigningKey) -> &rsa::PrivateKey {
    key.as_ref()
}

/// Signature algorithm family of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// Ed25519 (EdDSA).
    Ed25519,
    /// RSA (RSASSA-PSS, SHA-256).
    Rsa,
}

impl KeyAlgorithm {
    /// The JWS `alg` this crate signs and verifies with keys of this family.
    pub fn jws_alg(self) -> &'static str {
        match self {
            Self::Ed25519 => "EdDSA",
            Self::Rsa => "PS256",
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ed25519 => "Ed25519",
            Self::Rsa => "RSA",
        })
    }
}

/// Rejects key text over [`MAX_KEY_TEXT_LEN`] before any decoder sees it.
fn check_text_len(text: &str) -> Result<(), KeyError> {
    if text.len() > MAX_KEY_TEXT_LEN {
        return Err(KeyError::TooLong {
            len: text.len(),
            max: MAX_KEY_TEXT_LEN,
        });
    }
    Ok(())
}

/// A public key that can check signatures.
///
/// Parse it from whatever form the issuer publishes ([`PublicKey::parse_any`]
/// detects the form); compare keys with `==` (same algorithm and key).
#[derive(Clone)]
pub struct PublicKey(PublicInner);

#[derive(Clone)]
enum PublicInner {
    Ed25519(VerifyingKey),
    // Boxed: an RSA key is an order of magnitude larger than an Ed25519 one.
    Rsa(Box<RsaVerifyingKey>),
}

impl PublicKey {
    /// An Ed25519 public key from its 32 raw bytes.
    ///
    /// # Errors
    ///
    /// [`KeyError::WrongLength`], [`KeyError::InvalidEd25519Key`] (not a
    /// curve point) or [`KeyError::WeakKey`] (small order).
    pub fn from_ed25519_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let bytes: &[u8; ED25519_KEY_LEN] =
            bytes.try_into().map_err(|_| KeyError::WrongLength {
                what: "Ed25519 public key",
                expected: ED25519_KEY_LEN,
                found: bytes.len(),
            })?;
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| KeyError::InvalidEd25519Key)?;
        if key.is_weak() {
            return Err(KeyError::WeakKey);
        }
        Ok(Self(PublicInner::Ed25519(key)))
    }

    /// A public key from PEM: `PUBLIC KEY` (SPKI, Ed25519 or RSA) or
    /// `RSA PUBLIC KEY` (PKCS#1). Any base64 line width is accepted.
    ///
    /// # Errors
    ///
    /// [`KeyError::Pem`], [`KeyError::Der`], [`KeyError::UnexpectedPemLabel`],
    /// [`KeyError::ExpectedPublicKey`] for a private key,
    /// [`KeyError::UnsupportedAlgorithm`], or a key-validity error.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        check_text_len(pem)?;
        pem::public_from_pem(pem)
    }

    /// A public key from a JWK (`OKP`/`Ed25519` with `x`, or `RSA` with `n`
    /// and `e`). `alg`, `use` and `key_ops`, when present, must fit a
    /// signature key of that type (`EdDSA`/`Ed25519`, `PS256`).
    ///
    /// # Errors
    ///
    /// [`KeyError::Jwk`], [`KeyError::UnsupportedJwk`], [`KeyError::Base64`],
    /// [`KeyError::ExpectedPublicKey`] when the JWK holds `d`, or a
    /// key-validity error.
    pub fn from_jwk(jwk: &serde_json::Value) -> Result<Self, KeyError> {
        jwk::public_from_jwk(jwk)
    }

    /// A public key from JWK text; see [`PublicKey::from_jwk`].
    ///
    /// # Errors
    ///
    /// As [`PublicKey::from_jwk`], and [`KeyError::Jwk`] for text that is
    /// not JSON.
    pub fn from_jwk_str(jwk: &str) -> Result<Self, KeyError> {
        check_text_len(jwk)?;
        let value: serde_json::Value = serde_json::from_str(jwk).map_err(|_| KeyError::Jwk {
            reason: "not valid JSON",
        })?;
        Self::from_jwk(&value)
    }

    /// An Ed25519 public key in base58, as DIVOC's configuration holds it
    /// (`publicKeyBase58`).
    ///
    /// # Errors
    ///
    /// [`KeyError::Base58`], [`KeyError::WrongLength`] unless 32 bytes, or
    /// an Ed25519 validity error.
    pub fn from_base58(text: &str) -> Result<Self, KeyError> {
        let bytes = text::decode_base58(text.trim())?;
        Self::from_ed25519_bytes(&bytes)
    }

    /// An Ed25519 public key in multibase, as a Multikey's
    /// `publicKeyMultibase` holds it: `z` + base58btc of the multicodec
    /// `ed25519-pub` prefix (`0xed01`) and the 32-byte key.
    ///
    /// # Errors
    ///
    /// [`KeyError::Multibase`], [`KeyError::UnsupportedMulticodec`],
    /// [`KeyError::Base58`], or an Ed25519 validity error.
    pub fn from_multibase(text: &str) -> Result<Self, KeyError> {
        let (codec, key) = text::decode_multibase(text.trim())?;
        match codec {
            text::MULTICODEC_ED25519_PUB => Self::from_ed25519_bytes(&key),
            text::MULTICODEC_ED25519_PRIV => Err(KeyError::ExpectedPublicKey),
            [found, second] => Err(KeyError::UnsupportedMulticodec { found, second }),
        }
    }

    /// The Ed25519 key a `did:key` identifier names (`did:key:z6Mk...`,
    /// optionally with the `#z6Mk...` fragment of its verification method).
    ///
    /// # Errors
    ///
    /// [`KeyError::DidKey`], or as [`PublicKey::from_multibase`].
    pub fn from_did_key(did: &str) -> Result<Self, KeyError> {
        Self::from_multibase(text::did_key_multibase(did.trim())?)
    }

    /// A public key in any form this crate reads, detected from the text:
    /// PEM (`-----BEGIN`), JWK (`{`), `did:key:`, multibase (`z` + the
    /// `ed25519-pub` prefix), else base58 of a raw Ed25519 key.
    ///
    /// # Errors
    ///
    /// The detected format's error, or [`KeyError::UnrecognisedFormat`].
    pub fn parse_any(text: &str) -> Result<Self, KeyError> {
        check_text_len(text)?;
        let text = text.trim();
        if text.starts_with("-----BEGIN") {
            Self::from_pem(text)
        } else if text.starts_with('{') {
            Self::from_jwk_str(text)
        } else if text::is_did_key(text) {
            Self::from_did_key(text)
        } else if text::looks_like_multibase(text) {
            Self::from_multibase(text)
        } else if text::looks_like_base58(text) {
            Self::from_base58(text)
        } else {
            Err(KeyError::UnrecognisedFormat)
        }
    }

    /// The key's algorithm family.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self.0 {
            PublicInner::Ed25519(_) => KeyAlgorithm::Ed25519,
            PublicInner::Rsa(_) => KeyAlgorithm::Rsa,
        }
    }

    /// The key as a JWK: `{"kty":"OKP","crv":"Ed25519","x":..}` or
    /// `{"kty":"RSA","n":..,"e":..}`.
    pub fn to_jwk(&self) -> serde_json::Value {
        jwk::public_to_jwk(self)
    }

    /// The RFC 7638 JWK thumbprint (SHA-256, base64url): a stable
    /// fingerprint of the key, independent of the form it was read from.
    pub fn thumbprint(&self) -> String {
        jwk::thumbprint(self)
    }

    /// An Ed25519 key in base58 (DIVOC's `publicKeyBase58`).
    ///
    /// # Errors
    ///
    /// [`KeyError::ExportUnsupported`] for an RSA key.
    pub fn to_base58(&self) -> Result<String, KeyError> {
        match &self.0 {
            PublicInner::Ed25519(key) => Ok(bs58::encode(key.as_bytes()).into_string()),
            PublicInner::Rsa(_) => Err(KeyError::ExportUnsupported {
                format: "base58",
                algorithm: KeyAlgorithm::Rsa,
            }),
        }
    }

    /// An Ed25519 key as Multikey `publicKeyMultibase` (`z6Mk...`).
    ///
    /// # Errors
    ///
    /// [`KeyError::ExportUnsupported`] for an RSA key.
    pub fn to_multibase(&self) -> Result<String, KeyError> {
        match &self.0 {
            PublicInner::Ed25519(key) => Ok(text::encode_multibase(
                text::MULTICODEC_ED25519_PUB,
                key.as_bytes(),
            )),
            PublicInner::Rsa(_) => Err(KeyError::ExportUnsupported {
                format: "multibase",
                algorithm: KeyAlgorithm::Rsa,
            }),
        }
    }

    /// The key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`), LF line endings.
    ///
    /// # Errors
    ///
    /// [`KeyError::Encoding`] if the DER encoder fails.
    pub fn to_pem(&self) -> Result<String, KeyError> {
        pem::public_to_pem(self)
    }

    /// Fails unless `signature` has the length this key's signatures have
    /// (64 bytes for Ed25519, the modulus length for RSA: RFC 8017 8.1.2
    /// step 1). Public information, so checked before any expensive work.
    pub(crate) fn check_signature_len(&self, signature: &[u8]) -> Result<(), ProofError> {
        match &self.0 {
            PublicInner::Ed25519(_) if signature.len() != ED25519_SIGNATURE_LEN => {
                Err(ProofError::MalformedSignature {
                    reason: "an Ed25519 signature is 64 bytes",
                })
            }
            PublicInner::Rsa(key) if signature.len() != rsa_inner(key).size() => {
                Err(ProofError::MalformedSignature {
                    reason: "an RSA signature is as long as the modulus",
                })
            }
            _ => Ok(()),
        }
    }

    /// Checks a signature over `message`: Ed25519 with `verify_strict`,
    /// RSA with PS256. A signature of the wrong length is malformed; any
    /// other failure is an opaque [`ProofError::BadSignature`].
    pub(crate) fn verify_signature(
        &self,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), ProofError> {
        self.check_signature_len(signature)?;
        match &self.0 {
            PublicInner::Ed25519(key) => {
                let bytes: &[u8; ED25519_SIGNATURE_LEN] =
                    signature.try_into().map_err(|_| ProofError::BadSignature)?;
                let signature = ed25519_dalek::Signature::from_bytes(bytes);
                key.verify_strict(message, &signature)
                    .map_err(|_| ProofError::BadSignature)
            }
            PublicInner::Rsa(key) => {
                let signature = rsa::pss::Signature::try_from(signature)
                    .map_err(|_| ProofError::BadSignature)?;
                key.verify(message, &signature)
                    .map_err(|_| ProofError::BadSignature)
            }
        }
    }

    /// Raw Ed25519 key bytes, for key comparison and encodings.
    fn ed25519_bytes(&self) -> Option<&[u8; ED25519_KEY_LEN]> {
        match &self.0 {
            PublicInner::Ed25519(key) => Some(key.as_bytes()),
            PublicInner::Rsa(_) => None,
        }
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (PublicInner::Ed25519(a), PublicInner::Ed25519(b)) => a.as_bytes() == b.as_bytes(),
            (PublicInner::Rsa(a), PublicInner::Rsa(b)) => {
                let (a, b) = (rsa_inner(a), rsa_inner(b));
                a.n() == b.n() && a.e() == b.e()
            }
            _ => false,
        }
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("algorithm", &self.algorithm())
            .field("thumbprint", &self.thumbprint())
            .finish()
    }
}

/// Wraps an RSA public key after checking its size against our bounds.
fn rsa_public(key: rsa::PublicKey) -> Result<PublicKey, KeyError> {
    check_rsa_bits(key.n().bit_width() as usize)?;
    Ok(PublicKey(PublicInner::Rsa(Box::new(
        RsaVerifyingKey::new_with_salt_len(key, RSA_PSS_SALT_LEN),
    ))))
}

fn check_rsa_bits(bits: usize) -> Result<(), KeyError> {
    if (RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
        Ok(())
    } else {
        Err(KeyError::RsaKeySize {
            bits,
            min: RSA_MIN_BITS,
            max: RSA_MAX_BITS,
        })
    }
}

/// A private signing key. Zeroized on drop, redacted in `Debug`.
///
/// Deliberately not `Clone`: share one with `Arc` rather than copying
/// secret material around.
pub struct PrivateKey(PrivateInner);

// Both variants zeroize their secrets on drop (dalek's `SigningKey` and the
// rsa crate's `PrivateKey` implement `ZeroizeOnDrop`).
enum PrivateInner {
    // Boxed so that moving a key around moves a pointer, not the secret.
    Ed25519(Box<SigningKey>),
    Rsa(Box<RsaSigningKey>),
}

impl PrivateKey {
    /// A new random Ed25519 key, from the operating system's RNG
    /// (`crypto.getRandomValues` in the browser).
    ///
    /// # Errors
    ///
    /// [`KeyError::Rng`] if the RNG fails.
    pub fn generate_ed25519() -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; ED25519_KEY_LEN]);
        getrandom::fill(seed.as_mut_slice()).map_err(|_| KeyError::Rng)?;
        Ok(Self::from_ed25519_seed(&seed))
    }

    /// An Ed25519 key from its 32-byte seed (RFC 8032 secret key).
    pub fn from_ed25519_seed(seed: &[u8; ED25519_KEY_LEN]) -> Self {
        Self(PrivateInner::Ed25519(Box::new(SigningKey::from_bytes(
            seed,
        ))))
    }

    /// An Ed25519 key from raw bytes: a 32-byte seed, or tweetnacl's
    /// 64-byte secret key (seed followed by the public key, which must be
    /// the one the seed derives).
    ///
    /// # Errors
    ///
    /// [`KeyError::WrongLength`] or [`KeyError::MismatchedKeyPair`].
    pub fn from_ed25519_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let (seed_bytes, public) = match bytes.len() {
            ED25519_KEY_LEN => (bytes, None),
            ED25519_KEYPAIR_LEN => {
                let (seed, public) = bytes.split_at(ED25519_KEY_LEN);
                (seed, Some(public))
            }
            found => {
                return Err(KeyError::WrongLength {
                    what: "Ed25519 private key (seed, or seed and public key)",
                    expected: ED25519_KEY_LEN,
                    found,
                });
            }
        };
        let mut seed = Zeroizing::new([0u8; ED25519_KEY_LEN]);
        seed.copy_from_slice(seed_bytes);
        let key = Self::from_ed25519_seed(&seed);
        if let Some(public) = public
            && key.public_key().ed25519_bytes().map(<[u8; 32]>::as_slice) != Some(public)
        {
            return Err(KeyError::MismatchedKeyPair);
        }
        Ok(key)
    }

    /// A private key from PEM: `PRIVATE KEY` (PKCS#8, Ed25519 or RSA) or
    /// `RSA PRIVATE KEY` (PKCS#1).
    ///
    /// # Errors
    ///
    /// [`KeyError::Pem`], [`KeyError::Der`], [`KeyError::UnexpectedPemLabel`],
    /// [`KeyError::ExpectedPrivateKey`], [`KeyError::EncryptedPrivateKey`],
    /// [`KeyError::MismatchedKeyPair`], [`KeyError::UnsupportedAlgorithm`]
    /// or an RSA validity error.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        check_text_len(pem)?;
        pem::private_from_pem(pem)
    }

    /// A private key from a JWK with `d` (OKP/Ed25519 with `x` and `d`, or
    /// RSA with `n`, `e`, `d` and optionally `p`, `q`).
    ///
    /// # Errors
    ///
    /// As [`PublicKey::from_jwk`], [`KeyError::ExpectedPrivateKey`] without
    /// `d`, and [`KeyError::MismatchedKeyPair`] when `x` is not `d`'s key.
    pub fn from_jwk(jwk: &serde_json::Value) -> Result<Self, KeyError> {
        jwk::private_from_jwk(jwk)
    }

    /// A private key from JWK text; see [`PrivateKey::from_jwk`].
    ///
    /// # Errors
    ///
    /// As [`PrivateKey::from_jwk`].
    pub fn from_jwk_str(jwk: &str) -> Result<Self, KeyError> {
        check_text_len(jwk)?;
        // Parsed into a Value that is not zeroized; JWK text is a transport
        // form, and the caller holds the same text anyway.
        let value: serde_json::Value = serde_json::from_str(jwk).map_err(|_| KeyError::Jwk {
            reason: "not valid JSON",
        })?;
        Self::from_jwk(&value)
    }

    /// An Ed25519 key in base58, as DIVOC's configuration holds it
    /// (`privateKeyBase58`): tweetnacl's 64-byte secret key, or a 32-byte
    /// seed.
    ///
    /// # Errors
    ///
    /// [`KeyError::Base58`], or as [`PrivateKey::from_ed25519_bytes`].
    pub fn from_base58(text: &str) -> Result<Self, KeyError> {
        let bytes = text::decode_base58(text.trim())?;
        Self::from_ed25519_bytes(&bytes)
    }

    /// An Ed25519 key as Multikey `secretKeyMultibase`: `z` + base58btc of
    /// the multicodec `ed25519-priv` prefix (`0x8026`) and the 32-byte seed.
    ///
    /// # Errors
    ///
    /// [`KeyError::Multibase`], [`KeyError::UnsupportedMulticodec`],
    /// [`KeyError::ExpectedPrivateKey`] for a public key, or
    /// [`KeyError::WrongLength`].
    pub fn from_multibase(text: &str) -> Result<Self, KeyError> {
        let (codec, key) = text::decode_multibase(text.trim())?;
        match codec {
            text::MULTICODEC_ED25519_PRIV if key.len() == ED25519_KEY_LEN => {
                Self::from_ed25519_bytes(&key)
            }
            text::MULTICODEC_ED25519_PRIV => Err(KeyError::WrongLength {
                what: "Ed25519 seed",
                expected: ED25519_KEY_LEN,
                found: key.len(),
            }),
            text::MULTICODEC_ED25519_PUB => Err(KeyError::ExpectedPrivateKey),
            [found, second] => Err(KeyError::UnsupportedMulticodec { found, second }),
        }
    }

    /// A private key in any form this crate reads, detected from the text:
    /// PEM, JWK, multibase (`ed25519-priv`), else base58.
    ///
    /// # Errors
    ///
    /// The detected format's error, or [`KeyError::UnrecognisedFormat`].
    pub fn parse_any(text: &str) -> Result<Self, KeyError> {
        check_text_len(text)?;
        let text = text.trim();
        if text.starts_with("-----BEGIN") {
            Self::from_pem(text)
        } else if text.starts_with('{') {
            Self::from_jwk_str(text)
        } else if text::looks_like_multibase(text) {
            Self::from_multibase(text)
        } else if text::looks_like_base58(text) {
            Self::from_base58(text)
        } else {
            Err(KeyError::UnrecognisedFormat)
        }
    }

    /// The key's algorithm family.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self.0 {
            PrivateInner::Ed25519(_) => KeyAlgorithm::Ed25519,
            PrivateInner::Rsa(_) => KeyAlgorithm::Rsa,
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match &self.0 {
            PrivateInner::Ed25519(key) => PublicKey(PublicInner::Ed25519(key.verifying_key())),
            PrivateInner::Rsa(key) => PublicKey(PublicInner::Rsa(Box::new(
                RsaVerifyingKey::new_with_salt_len(
                    rsa_secret(key).to_public_key(),
                    RSA_PSS_SALT_LEN,
                ),
            ))),
        }
    }

    /// The key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), in a string
    /// that is zeroized on drop.
    ///
    /// # Errors
    ///
    /// [`KeyError::Encoding`] if the DER encoder fails.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        pem::private_to_pem(self)
    }

    /// Signs `message`: Ed25519 (deterministic) or PS256 (randomised salt).
    pub(crate) fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.0 {
            PrivateInner::Ed25519(key) => Ok(key.sign(message).to_bytes().to_vec()),
            PrivateInner::Rsa(key) => {
                let signature = key
                    .try_sign_with_rng(&mut getrandom::SysRng, message)
                    .map_err(|_| KeyError::Signing)?;
                Ok(signature.to_vec())
            }
        }
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only the algorithm: even the public half stays out of logs, so a
        // log line cannot tie a service to its signing key.
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

/// Wraps an RSA private key after checking its size against our bounds.
fn rsa_private(key: rsa::PrivateKey) -> Result<PrivateKey, KeyError> {
    check_rsa_bits(key.n().bit_width() as usize)?;
    Ok(PrivateKey(PrivateInner::Rsa(Box::new(
        RsaSigningKey::new_with_salt_len(key, RSA_PSS_SALT_LEN),
    ))))
}

/// SHA-256 of the bytes, as the hash-and-sign core and thumbprints need it.
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}
