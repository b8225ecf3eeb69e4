//! Short text forms of Ed25519 keys: base58 (DIVOC's config), multibase
//! (Multikey `publicKeyMultibase` / `secretKeyMultibase`) and `did:key`.

use zeroize::Zeroizing;

use super::KeyError;

/// Multicodec `ed25519-pub` (0xed) as an unsigned varint.
pub(super) const MULTICODEC_ED25519_PUB: [u8; 2] = [0xed, 0x01];
/// Multicodec `ed25519-priv` (0x1300) as an unsigned varint.
pub(super) const MULTICODEC_ED25519_PRIV: [u8; 2] = [0x80, 0x26];

/// Multibase prefix of base58btc, the only base Multikey uses for Ed25519.
const MULTIBASE_BASE58BTC: char = 'z';

/// The longest base58 text we decode: a 64-byte secret (the longest value
/// read here) plus a 2-byte multicodec prefix is at most 91 base58 digits;
/// the cap leaves room and bounds the decoder's work on hostile input.
const MAX_BASE58_LEN: usize = 128;

/// `did:key:` method prefix.
const DID_KEY_PREFIX: &str = "did:key:";

/// Decodes base58 (bitcoin alphabet) into a zeroizing buffer (the value may
/// be a secret).
pub(super) fn decode_base58(text: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    if text.len() > MAX_BASE58_LEN {
        return Err(KeyError::TooLong {
            len: text.len(),
            max: MAX_BASE58_LEN,
        });
    }
    // Reserve the decoder's worst case up front so the buffer never
    // reallocates and leaves an unzeroized copy behind.
    let mut bytes = Zeroizing::new(Vec::with_capacity(text.len()));
    bs58::decode(text)
        .onto(&mut *bytes)
        .map_err(|_| KeyError::Base58)?;
    Ok(bytes)
}

/// Decodes `z` + base58btc into its multicodec prefix and the key bytes.
pub(super) fn decode_multibase(text: &str) -> Result<([u8; 2], Zeroizing<Vec<u8>>), KeyError> {
    let Some(digits) = text.strip_prefix(MULTIBASE_BASE58BTC) else {
        return Err(KeyError::Multibase {
            reason: "only base58btc ('z' prefix) is supported",
        });
    };
    let bytes = decode_base58(digits)?;
    match bytes.as_slice() {
        [first, second, key @ ..] => Ok(([*first, *second], Zeroizing::new(key.to_vec()))),
        _ => Err(KeyError::Multibase {
            reason: "too short for a multicodec prefix",
        }),
    }
}

/// `z` + base58btc of `prefix || key`.
pub(super) fn encode_multibase(prefix: [u8; 2], key: &[u8]) -> String {
    let mut bytes = Zeroizing::new(Vec::with_capacity(prefix.len() + key.len()));
    bytes.extend_from_slice(&prefix);
    bytes.extend_from_slice(key);
    let mut text = String::with_capacity(1 + bytes.len() * 2);
    text.push(MULTIBASE_BASE58BTC);
    text.push_str(&bs58::encode(bytes.as_slice()).into_string());
    text
}

/// The multibase key inside a `did:key` identifier, with or without a
/// fragment (a fragment must repeat the key, as `did:key` documents do).
pub(super) fn did_key_multibase(did: &str) -> Result<&str, KeyError> {
    let Some(rest) = did.strip_prefix(DID_KEY_PREFIX) else {
        return Err(KeyError::DidKey {
            reason: "does not start with \"did:key:\"",
        });
    };
    match rest.split_once('#') {
        None => Ok(rest),
        Some((key, fragment)) if key == fragment => Ok(key),
        Some(_) => Err(KeyError::DidKey {
            reason: "the fragment names a different key",
        }),
    }
}

/// Length of `z` + base58btc of a 2-byte multicodec prefix and a 32-byte
/// key: 34 bytes whose first byte is 0xed or 0x80 take exactly 47 digits;
/// the range leaves one digit of slack.
const MULTIBASE_KEY_LEN: std::ops::RangeInclusive<usize> = 47..=48;

/// Whether the text has the shape of a multibase Ed25519 key. Plain base58
/// of a 32-byte key is at most 44 digits and of a 64-byte key at most 88
/// (and over 80 unless the seed starts with several zero bytes), so the
/// forms do not collide even when a base58 key happens to start with 'z'.
pub(super) fn looks_like_multibase(text: &str) -> bool {
    text.starts_with(MULTIBASE_BASE58BTC) && MULTIBASE_KEY_LEN.contains(&text.len())
}

/// Whether the text is made of base58 (bitcoin alphabet) digits only.
pub(super) fn looks_like_base58(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() && !matches!(byte, b'0' | b'O' | b'I' | b'l'))
}

/// Whether the text starts like a `did:key` identifier.
pub(super) fn is_did_key(text: &str) -> bool {
    text.starts_with(DID_KEY_PREFIX)
}
