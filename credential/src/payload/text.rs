//! The text forms readers hand over: latin-1 strings, `B64:` base64, JSON
//! with a byte-order mark.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::PayloadError;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Standard alphabet; padding optional because some readers drop it.
/// Trailing bits are refused: they only appear in cut or edited text.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// How many leading bytes [`PayloadError::NotZipOrJson`] shows.
const HEAD_IN_ERROR: usize = 8;

/// `bytes` without a leading UTF-8 byte-order mark.
pub(super) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

/// Undoes a reader that turned each payload byte into the char
/// U+0000..U+00FF and handed over the UTF-8 of that string. `None` when
/// `text` cannot be such a string (not UTF-8, a char past U+00FF) or when
/// the mapping would change nothing (pure ASCII).
pub(super) fn latin1_to_bytes(text: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(text).ok()?;
    if text.is_ascii() {
        return None;
    }
    text.chars().map(|c| u8::try_from(c).ok()).collect()
}

/// Decodes the text after `B64:` (surrounding whitespace already trimmed).
pub(super) fn decode_base64(text: &[u8]) -> Result<Vec<u8>, PayloadError> {
    BASE64.decode(text).map_err(|e| PayloadError::Base64 {
        reason: e.to_string(),
    })
}

/// The first bytes of a payload in hex, for [`PayloadError::NotZipOrJson`].
pub(super) fn hex_head(bytes: &[u8]) -> String {
    let head = bytes.get(..HEAD_IN_ERROR).unwrap_or(bytes);
    let mut hex: Vec<String> = head.iter().map(|b| format!("{b:02x}")).collect();
    if head.len() < bytes.len() {
        hex.push("...".to_owned());
    }
    hex.join(" ")
}

/// Parses certificate JSON, which must be an object. Depth is bounded by
/// serde_json's recursion limit (128), size by the caller's limit.
pub(super) fn parse_object(json: &[u8]) -> Result<serde_json::Value, PayloadError> {
    let document: serde_json::Value = serde_json::from_slice(json).map_err(|e| not_json(&e))?;
    let found = match &document {
        serde_json::Value::Object(_) => return Ok(document),
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
    };
    Err(PayloadError::NotAnObject { found })
}

fn not_json(e: &serde_json::Error) -> PayloadError {
    let (line, column) = (e.line(), e.column());
    // serde_json's Display appends " at line L column C"; the position is
    // kept in its own fields, so drop it from the reason.
    let full = e.to_string();
    let reason = full
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&full)
        .to_owned();
    PayloadError::NotJson {
        line,
        column,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_maps_chars_back_to_bytes() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text: String = bytes.iter().map(|&b| char::from(b)).collect();
        assert_eq!(latin1_to_bytes(text.as_bytes()).unwrap(), bytes);
        // Past U+00FF it is not a latin-1 string.
        assert_eq!(latin1_to_bytes("PK\u{0100}".as_bytes()), None);
        // Not UTF-8 at all (a raw zip).
        assert_eq!(latin1_to_bytes(b"PK\x03\x04\x14\x00\xff"), None);
        // ASCII is the same either way.
        assert_eq!(latin1_to_bytes(b"PK\x03\x04"), None);
    }

    #[test]
    fn base64_tolerates_missing_padding_only() {
        assert_eq!(decode_base64(b"UEsDBA==").unwrap(), b"PK\x03\x04");
        assert_eq!(decode_base64(b"UEsDBA").unwrap(), b"PK\x03\x04");
        let err = decode_base64(b"UEs DBA").unwrap_err();
        assert!(matches!(err, PayloadError::Base64 { .. }), "{err:?}");
        // URL-safe alphabet is not the standard one.
        assert!(decode_base64(b"-_-_").is_err());
    }

    #[test]
    fn json_errors_carry_position_and_reason() {
        let err = parse_object(b"{\n  \"a\": tru }").unwrap_err();
        let PayloadError::NotJson {
            line,
            column,
            reason,
        } = err
        else {
            panic!("{err:?}");
        };
        assert_eq!((line, column), (2, 11));
        assert!(!reason.contains("line"), "{reason}");
        assert_eq!(
            parse_object(b"[1]").unwrap_err(),
            PayloadError::NotAnObject { found: "an array" }
        );
        assert!(parse_object(b"{}").unwrap().is_object());
        // A byte-order mark is the caller's business.
        assert!(parse_object(b"\xEF\xBB\xBF{}").is_err());
    }

    #[test]
    fn hex_head_is_short() {
        assert_eq!(hex_head(b"\x00\xff"), "00 ff");
        assert_eq!(hex_head(&[0xab; 20]), "ab ab ab ab ab ab ab ab ...");
    }
}
