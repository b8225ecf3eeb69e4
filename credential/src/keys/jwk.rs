//! JSON Web Keys (RFC 7517, RFC 7518 section 6.3, RFC 8037) and the RFC 7638
//! thumbprint.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::BoxedUint;
use rsa::traits::PublicKeyParts as _;
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use super::{
    ED25519_KEY_LEN, KeyError, PrivateKey, PublicInner, PublicKey, check_rsa_bits, rsa_inner,
    rsa_private, rsa_public, sha256,
};

/// The longest base64url member we decode: a 4096-bit modulus is 683
/// characters; the cap leaves room and bounds work on hostile trust lists.
const MAX_MEMBER_LEN: usize = 1024;

/// The rsa crate accepts public exponents below 2^33: five bytes.
const MAX_RSA_EXPONENT_LEN: usize = 5;

/// JWS `alg` values that name Ed25519 signatures: `EdDSA` (RFC 8037) and
/// the fully specified `Ed25519` (RFC 9864).
const OKP_ALGS: [&str; 2] = ["EdDSA", "Ed25519"];
/// The only JWS `alg` for RSA keys here: RSASSA-PSS with SHA-256.
const RSA_ALGS: [&str; 1] = ["PS256"];

type Object = Map<String, Value>;

fn as_object(jwk: &Value) -> Result<&Object, KeyError> {
    jwk.as_object().ok_or(KeyError::Jwk {
        reason: "not a JSON object",
    })
}

/// A string member, or `None` when absent.
fn optional_str<'a>(jwk: &'a Object, member: &'static str) -> Result<Option<&'a str>, KeyError> {
    match jwk.get(member) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(KeyError::JwkMember {
            member,
            problem: "not a string",
        }),
    }
}

fn required_str<'a>(jwk: &'a Object, member: &'static str) -> Result<&'a str, KeyError> {
    optional_str(jwk, member)?.ok_or(KeyError::JwkMember {
        member,
        problem: "missing",
    })
}

/// A base64url member, decoded strictly (no padding, no stray bits) into a
/// zeroizing buffer, since `d`, `p` and `q` are secrets.
fn base64_member(jwk: &Object, member: &'static str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let text = required_str(jwk, member)?;
    if text.len() > MAX_MEMBER_LEN {
        return Err(KeyError::TooLong {
            len: text.len(),
            max: MAX_MEMBER_LEN,
        });
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(text.len()));
    URL_SAFE_NO_PAD
        .decode_vec(text, &mut bytes)
        .map_err(|_| KeyError::Base64 { member })?;
    Ok(bytes)
}

/// Checks `alg`, `use` and `key_ops` against what a signature key of this
/// type may say; `op` is `verify` for a public key, `sign` for a private one.
fn check_usage(jwk: &Object, algs: &[&str], op: &str) -> Result<(), KeyError> {
    if let Some(alg) = optional_str(jwk, "alg")?
        && !algs.contains(&alg)
    {
        return Err(KeyError::UnsupportedJwk {
            member: "alg",
            found: alg.to_owned(),
        });
    }
    if let Some(usage) = optional_str(jwk, "use")?
        && usage != "sig"
    {
        return Err(KeyError::UnsupportedJwk {
            member: "use",
            found: usage.to_owned(),
        });
    }
    match jwk.get("key_ops") {
        None => Ok(()),
        Some(Value::Array(ops)) if ops.iter().any(|value| value.as_str() == Some(op)) => Ok(()),
        Some(Value::Array(_)) => Err(KeyError::UnsupportedJwk {
            member: "key_ops",
            found: format!("does not include \"{op}\""),
        }),
        Some(_) => Err(KeyError::JwkMember {
            member: "key_ops",
            problem: "not an array",
        }),
    }
}

/// The key type, with `crv` checked for OKP keys.
fn key_type(jwk: &Object) -> Result<KeyType, KeyError> {
    match required_str(jwk, "kty")? {
        "OKP" => match required_str(jwk, "crv")? {
            "Ed25519" => Ok(KeyType::Ed25519),
            other => Err(KeyError::UnsupportedJwk {
                member: "crv",
                found: other.to_owned(),
            }),
        },
        "RSA" => Ok(KeyType::Rsa),
        other => Err(KeyError::UnsupportedJwk {
            member: "kty",
            found: other.to_owned(),
        }),
    }
}

enum KeyType {
    Ed25519,
    Rsa,
}

/// RSA members that only a private key has: any of them makes a "public"
/// JWK a private one.
const RSA_PRIVATE_MEMBERS: [&str; 6] = ["d", "p", "q", "dp", "dq", "qi"];

pub(super) fn public_from_jwk(jwk: &Value) -> Result<PublicKey, KeyError> {
    let jwk = as_object(jwk)?;
    if RSA_PRIVATE_MEMBERS
        .iter()
        .any(|member| jwk.contains_key(*member))
    {
        return Err(KeyError::ExpectedPublicKey);
    }
    match key_type(jwk)? {
        KeyType::Ed25519 => {
            check_usage(jwk, &OKP_ALGS, "verify")?;
            PublicKey::from_ed25519_bytes(&base64_member(jwk, "x")?)
        }
        KeyType::Rsa => {
            check_usage(jwk, &RSA_ALGS, "verify")?;
            rsa_public_from_members(jwk)
        }
    }
}

pub(super) fn private_from_jwk(jwk: &Value) -> Result<PrivateKey, KeyError> {
    let jwk = as_object(jwk)?;
    if !jwk.contains_key("d") {
        return Err(KeyError::ExpectedPrivateKey);
    }
    match key_type(jwk)? {
        KeyType::Ed25519 => {
            check_usage(jwk, &OKP_ALGS, "sign")?;
            let seed = base64_member(jwk, "d")?;
            if seed.len() != ED25519_KEY_LEN {
                return Err(KeyError::WrongLength {
                    what: "Ed25519 JWK \"d\"",
                    expected: ED25519_KEY_LEN,
                    found: seed.len(),
                });
            }
            let key = PrivateKey::from_ed25519_bytes(&seed)?;
            // RFC 8037 makes `x` required; it must be the seed's public key.
            let public = PublicKey::from_ed25519_bytes(&base64_member(jwk, "x")?)?;
            if key.public_key() != public {
                return Err(KeyError::MismatchedKeyPair);
            }
            Ok(key)
        }
        KeyType::Rsa => {
            check_usage(jwk, &RSA_ALGS, "sign")?;
            let public = rsa_public_from_members(jwk)?;
            let PublicInner::Rsa(public) = public.0 else {
                return Err(KeyError::Jwk {
                    reason: "RSA members did not give an RSA key",
                });
            };
            let public = rsa_inner(&public);
            let bits = public.n().as_ref().bits_precision();
            let uint = |member: &'static str| -> Result<BoxedUint, KeyError> {
                let bytes = base64_member(jwk, member)?;
                BoxedUint::from_be_slice(&bytes, bits).map_err(|_| KeyError::InvalidRsaKey {
                    reason: format!("\"{member}\" is larger than the modulus"),
                })
            };
            let d = uint("d")?;
            // `dp`, `dq` and `qi` are derived values; the rsa crate
            // recomputes them, so they are not read. Without `p` and `q`
            // it recovers the primes from `d` (NIST SP 800-56B C.2).
            let primes = match (jwk.contains_key("p"), jwk.contains_key("q")) {
                (true, true) => vec![uint("p")?, uint("q")?],
                (false, false) => Vec::new(),
                _ => {
                    return Err(KeyError::Jwk {
                        reason: "an RSA JWK needs both \"p\" and \"q\" or neither",
                    });
                }
            };
            let key = rsa::PrivateKey::from_components(
                public.n().as_ref().clone(),
                public.e().clone(),
                d,
                primes,
            )
            .map_err(|error| KeyError::InvalidRsaKey {
                reason: error.to_string(),
            })?;
            rsa_private(key)
        }
    }
}

/// An RSA public key from the `n` and `e` members.
fn rsa_public_from_members(jwk: &Object) -> Result<PublicKey, KeyError> {
    let n = base64_member(jwk, "n")?;
    let e = base64_member(jwk, "e")?;
    // RFC 7518 forbids leading zero octets; some encoders add one anyway
    // (a sign byte), which changes nothing, so tolerate it.
    let (n, e) = (trim_leading_zeros(&n), trim_leading_zeros(&e));
    let bits = n
        .first()
        .map_or(0, |first| n.len() * 8 - first.leading_zeros() as usize);
    // Size first, so no big-integer work is done on an oversized modulus.
    check_rsa_bits(bits)?;
    if e.len() > MAX_RSA_EXPONENT_LEN {
        return Err(KeyError::InvalidRsaKey {
            reason: "public exponent too large".to_owned(),
        });
    }
    let uint = |bytes: &[u8]| {
        // Both lengths are bounded above, so the bit count fits in a u32.
        let precision = u32::try_from(bytes.len().max(1) * 8).unwrap_or(u32::MAX);
        BoxedUint::from_be_slice(bytes, precision).map_err(|error| KeyError::InvalidRsaKey {
            reason: error.to_string(),
        })
    };
    let key = rsa::PublicKey::new(uint(n)?, uint(e)?).map_err(|error| KeyError::InvalidRsaKey {
        reason: error.to_string(),
    })?;
    rsa_public(key)
}

fn trim_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|byte| *byte != 0)
        .unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The public JWK members, as `(kty, [(name, value)])` in RFC 7638's
/// lexicographic member order.
fn members(key: &PublicKey) -> Vec<(&'static str, String)> {
    match &key.0 {
        PublicInner::Ed25519(key) => vec![
            ("crv", "Ed25519".to_owned()),
            ("kty", "OKP".to_owned()),
            ("x", base64url(key.as_bytes())),
        ],
        PublicInner::Rsa(key) => {
            let key = rsa_inner(key);
            vec![
                ("e", base64url(&key.e_bytes())),
                ("kty", "RSA".to_owned()),
                ("n", base64url(&key.n_bytes())),
            ]
        }
    }
}

pub(super) fn public_to_jwk(key: &PublicKey) -> Value {
    let mut jwk = Map::new();
    for (name, value) in members(key) {
        jwk.insert(name.to_owned(), json!(value));
    }
    Value::Object(jwk)
}

/// RFC 7638: SHA-256 over the required members, lexicographically ordered,
/// with no whitespace. Every value is base64url or a fixed ASCII name, so
/// none needs JSON escaping and the canonical text is built directly.
pub(super) fn thumbprint(key: &PublicKey) -> String {
    let body = members(key)
        .iter()
        .map(|(name, value)| format!("\"{name}\":\"{value}\""))
        .collect::<Vec<_>>()
        .join(",");
    base64url(&sha256(format!("{{{body}}}").as_bytes()))
}
