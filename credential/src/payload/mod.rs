//! The QR payload codec: DIVOC's ZIP holding one `certificate.json`, and
//! the other forms readers hand over.
//!
//! # Forms accepted by [`decode`]
//!
//! | form | how it is recognised | [`PayloadFormat`] |
//! |---|---|---|
//! | raw ZIP bytes, as DIVOC's byte-mode QR holds them | starts with `PK\x03\x04` (or `PK\x05\x06`, an empty archive) | [`Zip`](PayloadFormat::Zip) |
//! | the same ZIP as latin-1 text: a reader turned each byte into U+0000..U+00FF and handed over UTF-8 | starts with `PK\x03\x04`, is UTF-8, has non-ASCII chars, none past U+00FF | [`ZipLatin1`](PayloadFormat::ZipLatin1) |
//! | `B64:` + base64 of the ZIP | `B64:` after optional whitespace; standard alphabet, padding optional | [`Base64Zip`](PayloadFormat::Base64Zip) |
//! | bare JSON | `{` or `[` after an optional UTF-8 BOM and whitespace | [`Json`](PayloadFormat::Json) |
//!
//! `HC1:` (EU DCC) and `shc:/` (SMART Health Cards) are recognised and
//! refused with [`PayloadError::UnsupportedFormat`] until they are supported.
//! A latin-1 string is tried as latin-1 first and then as raw bytes (a raw
//! ZIP is almost never valid UTF-8, but a STORED one could be).
//!
//! # What a ZIP must look like
//!
//! - Exactly one entry, named `certificate.json`. Only that name: DIVOC's
//!   verifier reads `zip.file("certificate.json")` and nothing else, so no
//!   known producer uses another, and accepting one would only widen what
//!   an attacker can try.
//! - STORED or DEFLATE; with or without a data descriptor (flag bit 3,
//!   signature optional). Encrypted entries, ZIP64 and multi-disk archives
//!   are refused, each with its own error.
//! - The local header, data, data descriptor, central directory and end
//!   record tile the payload exactly, and the local header agrees with the
//!   central directory. No bytes before the archive, between its parts or
//!   after it: a QR reader hands over exact bytes, so extra bytes mean a
//!   wrong reader or an edited archive, and [`PayloadError::TrailingBytes`]
//!   says so rather than guessing (JSZip and `unzip` skip them).
//! - Decompression is bounded by [`Limits`]: the declared size is checked
//!   before inflating, and the output is checked as it grows, so lying
//!   headers cost at most `max_json` bytes of memory and the time to inflate
//!   them. The CRC-32 and the declared size are checked on the result.
//!
//! # Hand-written ZIP rather than the `zip` crate
//!
//! A one-entry reader is a few hundred lines over `flate2` (already needed
//! for DEFLATE) and `crc32fast`. The `zip` crate (9.8, `default-features =
//! false, features = ["deflate-flate2"]`) reads any archive and its data
//! descriptors, but needs `Read + Seek`, reports structure problems as
//! free-text `InvalidArchive` strings (no "which field", no sizes), and
//! leaves the entry count, name, size and ratio bounds, and the bound on
//! what a lying header inflates to, to the caller. In the verifier's wasm it
//! also costs nine times as much. Measured on `wasm32-unknown-unknown` with
//! the workspace's `wasm` profile (no `wasm-opt`), a cdylib that decodes one
//! payload and parses its JSON:
//!
//! | build | wasm bytes | gzip -9 |
//! |---|---|---|
//! | baseline: flate2 inflate + crc32fast + serde_json, no ZIP parsing | 92,521 | 51,753 |
//! | this module (every form: ZIP, latin-1, `B64:`, JSON) | 110,630 (+18.1 K) | 57,002 (+5.2 K) |
//! | `zip` crate + the caller's checks | 218,209 (+125.7 K) | 99,147 (+47.4 K) |
//!
//! With a ~257 KB QR decoder in a 450 KB gzipped budget, 42 KB is worth a
//! few hundred reviewed, fuzzed lines.

mod error;
mod inflate;
mod reader;
#[cfg(test)]
mod tests;
mod text;
mod write;
mod zip;

pub use error::PayloadError;

use std::fmt;

/// CRC-32 (ISO-HDLC, as ZIP uses) with one 256-entry table: small in wasm,
/// and fast enough for a QR payload.
const CRC32: crc::Crc<u32, crc::Table<1>> =
    crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISO_HDLC);

fn crc32(bytes: &[u8]) -> u32 {
    CRC32.checksum(bytes)
}

/// Which form the payload came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayloadFormat {
    /// Raw ZIP bytes (DIVOC's QR codes).
    Zip,
    /// A ZIP handed over as latin-1 text encoded in UTF-8.
    ZipLatin1,
    /// `B64:` followed by the base64 of a ZIP.
    Base64Zip,
    /// Bare JSON.
    Json,
}

impl PayloadFormat {
    /// A short stable name for logs and machine-readable verdicts.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Zip => "zip",
            Self::ZipLatin1 => "zip-latin1",
            Self::Base64Zip => "base64-zip",
            Self::Json => "json",
        }
    }
}

impl fmt::Display for PayloadFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Outputs up to this size are never refused for their expansion ratio:
/// small JSON legitimately compresses far (a 10 KB run of spaces deflates
/// to a few dozen bytes), and small outputs cost nothing.
const RATIO_GRACE: u64 = 64 * 1024;

/// Bounds on decoding. [`Limits::DEFAULT`] matches DIVOC's verifier.
///
/// ```
/// let limits = credential::Limits::DEFAULT.with_max_json(64 * 1024);
/// assert_eq!(limits.max_json, 64 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest payload accepted in any form, in bytes. Default 2 MiB: a
    /// `max_json` document, zipped, as latin-1 UTF-8 or base64, fits.
    pub max_input: usize,
    /// Largest `certificate.json` (or bare JSON), in bytes. Default 1 MiB,
    /// DIVOC's limit.
    pub max_json: usize,
    /// Largest expansion ratio, uncompressed size over compressed size,
    /// enforced on outputs over 64 KiB. Default 100; DEFLATE itself cannot
    /// exceed about 1032.
    pub max_ratio: u32,
}

impl Limits {
    /// DIVOC's limits: 1 MiB of JSON, 2 MiB of payload, 100:1 expansion.
    pub const DEFAULT: Self = Self {
        max_input: 2 * 1024 * 1024,
        max_json: 1024 * 1024,
        max_ratio: 100,
    };

    /// These limits with another `max_input`.
    pub const fn with_max_input(self, max_input: usize) -> Self {
        Self { max_input, ..self }
    }

    /// These limits with another `max_json`.
    pub const fn with_max_json(self, max_json: usize) -> Self {
        Self { max_json, ..self }
    }

    /// These limits with another `max_ratio`.
    pub const fn with_max_ratio(self, max_ratio: u32) -> Self {
        Self { max_ratio, ..self }
    }

    /// Whether `compressed` bytes expanding to `uncompressed` is over the ratio.
    fn ratio_exceeded(&self, compressed: u64, uncompressed: u64) -> bool {
        uncompressed > RATIO_GRACE
            && uncompressed > compressed.saturating_mul(u64::from(self.max_ratio))
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A decoded payload: the certificate's JSON bytes, parsed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DecodedPayload {
    /// Which form the payload came in.
    pub format: PayloadFormat,
    /// The certificate's JSON text as carried (the bytes of
    /// `certificate.json`, or the bare JSON), without a leading UTF-8 BOM.
    pub json: Vec<u8>,
    /// The same, parsed; always a JSON object.
    pub document: serde_json::Value,
}

/// Prefixes of formats recognised but not decoded yet.
const UNSUPPORTED_PREFIXES: [&str; 2] = ["HC1:", "shc:/"];
const BASE64_PREFIX: &[u8] = b"B64:";

/// Decodes QR payload bytes with [`Limits::DEFAULT`].
///
/// ```
/// let json = br#"{"type":["VerifiableCredential"]}"#;
/// let zip = credential::encode_payload(json)?;
/// let decoded = credential::decode_payload(&zip)?;
/// assert_eq!(decoded.format, credential::PayloadFormat::Zip);
/// assert_eq!(decoded.json, json);
/// assert_eq!(decoded.document["type"][0], "VerifiableCredential");
/// # Ok::<(), credential::PayloadError>(())
/// ```
pub fn decode(bytes: &[u8]) -> Result<DecodedPayload, PayloadError> {
    decode_with(bytes, &Limits::DEFAULT)
}

/// Decodes QR payload bytes within `limits`. See the module docs for the
/// forms accepted.
pub fn decode_with(bytes: &[u8], limits: &Limits) -> Result<DecodedPayload, PayloadError> {
    if bytes.is_empty() {
        return Err(PayloadError::Empty);
    }
    if bytes.len() > limits.max_input {
        return Err(PayloadError::TooLarge {
            len: bytes.len(),
            limit: limits.max_input,
        });
    }
    // An empty archive is only an end record: report it as a ZIP with no
    // entry rather than as garbage.
    if bytes.starts_with(&zip::LOCAL_HEADER_SIG) || bytes.starts_with(&zip::END_RECORD_SIG) {
        return decode_zip(bytes, limits);
    }
    let without_bom = text::strip_bom(bytes);
    let trimmed = without_bom.trim_ascii();
    if let Some(encoded) = trimmed.strip_prefix(BASE64_PREFIX) {
        let archive = text::decode_base64(encoded.trim_ascii())?;
        if !archive.starts_with(&zip::LOCAL_HEADER_SIG) {
            return Err(PayloadError::Base64NotZip);
        }
        return parsed(PayloadFormat::Base64Zip, zip::extract(&archive, limits)?);
    }
    if let Some(prefix) = UNSUPPORTED_PREFIXES
        .into_iter()
        .find(|prefix| trimmed.starts_with(prefix.as_bytes()))
    {
        return Err(PayloadError::UnsupportedFormat { prefix });
    }
    match trimmed.first() {
        Some(b'{' | b'[') => {
            if without_bom.len() > limits.max_json {
                return Err(PayloadError::TooLarge {
                    len: without_bom.len(),
                    limit: limits.max_json,
                });
            }
            parsed(PayloadFormat::Json, without_bom.to_vec())
        }
        Some(_) => Err(PayloadError::NotZipOrJson {
            head: text::hex_head(bytes),
        }),
        None => Err(PayloadError::Empty),
    }
}

/// A payload starting with a local header: raw bytes or latin-1 text.
fn decode_zip(bytes: &[u8], limits: &Limits) -> Result<DecodedPayload, PayloadError> {
    let Some(archive) = text::latin1_to_bytes(bytes) else {
        return parsed(PayloadFormat::Zip, zip::extract(bytes, limits)?);
    };
    match zip::extract(&archive, limits) {
        Ok(json) => parsed(PayloadFormat::ZipLatin1, json),
        // A STORED zip of JSON can happen to be valid latin-1 UTF-8 too;
        // if it reads as raw bytes, it was raw bytes. Otherwise the text
        // reading is the likelier one, so its error is the one reported.
        Err(latin1_error) => match zip::extract(bytes, limits) {
            Ok(json) => parsed(PayloadFormat::Zip, json),
            Err(_) => Err(latin1_error),
        },
    }
}

fn parsed(format: PayloadFormat, mut json: Vec<u8>) -> Result<DecodedPayload, PayloadError> {
    if let Some(bom_len) = json.len().checked_sub(text::strip_bom(&json).len())
        && bom_len > 0
    {
        json.drain(..bom_len);
    }
    let document = text::parse_object(&json)?;
    Ok(DecodedPayload {
        format,
        json,
        document,
    })
}

/// Encodes a certificate's JSON as DIVOC's QR payload: a ZIP holding one
/// `certificate.json`, DEFLATE at the best level, no data descriptor, fixed
/// timestamp (1980-01-01 00:00:00, the DOS epoch), so equal JSON gives
/// equal bytes.
///
/// `json` must be a JSON object of at most [`Limits::DEFAULT`]`.max_json`
/// bytes without a byte-order mark, so that whatever this returns,
/// [`decode`] gives back exactly `json`.
pub fn encode(json: &[u8]) -> Result<Vec<u8>, PayloadError> {
    let limit = Limits::DEFAULT.max_json;
    if json.len() > limit {
        return Err(PayloadError::TooLarge {
            len: json.len(),
            limit,
        });
    }
    text::parse_object(json)?;
    write::write(json)
}
