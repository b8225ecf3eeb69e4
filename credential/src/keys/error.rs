use thiserror::Error;

use super::KeyAlgorithm;

/// Why a key could not be parsed, exported or used.
///
/// Messages name the format and the fault, never key material.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is longer than any key this crate accepts.
    #[error("key text is {len} bytes, over the {max}-byte limit")]
    TooLong {
        /// Length of the input, in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// [`PublicKey::parse_any`](super::PublicKey::parse_any) or
    /// [`PrivateKey::parse_any`](super::PrivateKey::parse_any) did not
    /// recognise the text as PEM, JWK, multibase, `did:key` or base58.
    #[error("not a key in a format this crate reads (PEM, JWK, multibase, did:key, base58)")]
    UnrecognisedFormat,
    /// PEM armour or its base64 body is malformed.
    #[error("malformed PEM: {reason}")]
    Pem {
        /// What the PEM decoder reported.
        reason: String,
    },
    /// The PEM label names something that is not a key this crate reads
    /// (a certificate, an EC key, ...).
    #[error("unexpected PEM label \"{found}\"")]
    UnexpectedPemLabel {
        /// The label found after `-----BEGIN `.
        found: String,
    },
    /// The DER structure inside the PEM (SPKI, PKCS#8 or PKCS#1) is malformed.
    #[error("malformed key structure: {reason}")]
    Der {
        /// What the ASN.1 decoder reported.
        reason: String,
    },
    /// The key's algorithm identifier is neither Ed25519 nor RSA.
    #[error("unsupported key algorithm (OID {oid})")]
    UnsupportedAlgorithm {
        /// The algorithm OID, dotted.
        oid: String,
    },
    /// An encrypted PKCS#8 key: decrypt it first (`openssl pkcs8`).
    #[error("encrypted private keys are not supported")]
    EncryptedPrivateKey,
    /// A private key where a public key was expected. Refused so that secret
    /// material never ends up in a trust list or a log by accident.
    #[error("expected a public key, found private key material")]
    ExpectedPublicKey,
    /// A public key where a private key was expected.
    #[error("expected a private key, found a public key")]
    ExpectedPrivateKey,
    /// Raw key bytes of the wrong length.
    #[error("{what} is {found} bytes, expected {expected}")]
    WrongLength {
        /// Which value (e.g. "Ed25519 public key").
        what: &'static str,
        /// The expected length.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// 32 bytes that are not the encoding of a point on Ed25519.
    #[error("not a valid Ed25519 public key")]
    InvalidEd25519Key,
    /// An Ed25519 public key of small order: any signature would "verify"
    /// under it for some messages, so it is refused outright.
    #[error("weak (small-order) Ed25519 public key")]
    WeakKey,
    /// The public half stored with a private key (64-byte tweetnacl form,
    /// PKCS#8 v2, JWK `x`) is not the one derived from the secret.
    #[error("the public key does not match the private key")]
    MismatchedKeyPair,
    /// An RSA modulus outside the sizes this crate accepts.
    #[error("RSA key of {bits} bits; accepted: {min} to {max}")]
    RsaKeySize {
        /// Size of the modulus in bits.
        bits: usize,
        /// Smallest accepted size.
        min: usize,
        /// Largest accepted size.
        max: usize,
    },
    /// RSA components that do not form a valid key (even modulus, bad
    /// exponent, primes that do not multiply to the modulus, ...).
    #[error("invalid RSA key: {reason}")]
    InvalidRsaKey {
        /// What the RSA library reported.
        reason: String,
    },
    /// Text that is not valid base58 (bitcoin alphabet).
    #[error("invalid base58")]
    Base58,
    /// A base64url value (JWK member) that is not canonical unpadded base64url.
    #[error("invalid base64url in JWK member \"{member}\"")]
    Base64 {
        /// The JWK member, e.g. "x".
        member: &'static str,
    },
    /// A multibase string that is not `z` + base58btc.
    #[error("multibase: {reason}")]
    Multibase {
        /// What is wrong.
        reason: &'static str,
    },
    /// A multicodec prefix other than `ed25519-pub` (public) or
    /// `ed25519-priv` (private).
    #[error("unsupported multicodec prefix 0x{found:02x}{second:02x}")]
    UnsupportedMulticodec {
        /// First prefix byte.
        found: u8,
        /// Second prefix byte.
        second: u8,
    },
    /// A JWK that is not a JSON object (or not JSON at all), or whose
    /// members do not fit together.
    #[error("malformed JWK: {reason}")]
    Jwk {
        /// What is wrong.
        reason: &'static str,
    },
    /// A JWK member that is missing or of the wrong JSON type.
    #[error("JWK member \"{member}\" is {problem}")]
    JwkMember {
        /// The member, e.g. "x".
        member: &'static str,
        /// "missing", "not a string" or "not an array".
        problem: &'static str,
    },
    /// A JWK whose `kty`, `crv`, `alg`, `use` or `key_ops` do not fit a
    /// signature key of the kinds this crate reads.
    #[error("unsupported JWK: {member} = \"{found}\"")]
    UnsupportedJwk {
        /// The member that does not fit.
        member: &'static str,
        /// Its value.
        found: String,
    },
    /// A `did:key` identifier that is malformed (bad prefix, a fragment
    /// that names another key).
    #[error("malformed did:key: {reason}")]
    DidKey {
        /// What is wrong.
        reason: &'static str,
    },
    /// The export asked for does not exist for this algorithm (an RSA key
    /// has no base58 or multibase form here).
    #[error("{format} export is not defined for {algorithm} keys")]
    ExportUnsupported {
        /// The export format.
        format: &'static str,
        /// The key's algorithm.
        algorithm: KeyAlgorithm,
    },
    /// Encoding a key failed (should not happen for a valid key).
    #[error("key encoding failed: {reason}")]
    Encoding {
        /// What the encoder reported.
        reason: String,
    },
    /// The system random number generator failed.
    #[error("random number generator failed")]
    Rng,
    /// Signing failed inside the crypto library.
    #[error("signing failed")]
    Signing,
}
