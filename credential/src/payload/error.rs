//! Why payload bytes are not a certificate document.

use thiserror::Error;

/// Why QR payload bytes could not be decoded into a certificate document.
///
/// Each variant carries the facts a field officer needs to paste into a bug
/// report: sizes, limits, the field that disagreed. Messages never contain
/// the certificate's contents (only names, sizes and offsets).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The payload is empty (a QR reader handed over no bytes).
    #[error("payload is empty")]
    Empty,

    /// The payload is longer than the input limit ([`Limits::max_input`]), or
    /// bare JSON is longer than the JSON limit ([`Limits::max_json`]).
    ///
    /// [`Limits::max_input`]: super::Limits::max_input
    /// [`Limits::max_json`]: super::Limits::max_json
    #[error("payload is {len} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Length of what was handed over, in bytes.
        len: usize,
        /// The limit it exceeds, in bytes.
        limit: usize,
    },

    /// The payload is neither a ZIP archive (raw, latin-1 text or `B64:`)
    /// nor JSON.
    #[error("payload is neither a ZIP archive nor JSON (it starts with {head})")]
    NotZipOrJson {
        /// The first few bytes, in hex, to tell a wrong reader from a wrong code.
        head: String,
    },

    /// The payload is a health certificate format this codec does not read
    /// yet (EU DCC `HC1:`, SMART Health Cards `shc:/`).
    #[error("{prefix} payloads are not supported yet")]
    UnsupportedFormat {
        /// The prefix that names the format.
        prefix: &'static str,
    },

    /// A `B64:` payload is not valid base64 (standard alphabet).
    #[error("B64: payload is not valid base64: {reason}")]
    Base64 {
        /// What the base64 decoder objected to.
        reason: String,
    },

    /// A `B64:` payload decoded to something other than a ZIP archive.
    #[error("B64: payload does not hold a ZIP archive")]
    Base64NotZip,

    /// A ZIP structure runs past the end of the payload.
    #[error("zip: {what} is truncated")]
    Truncated {
        /// Which structure was cut short.
        what: &'static str,
    },

    /// No end-of-central-directory record: the ZIP is truncated or is not a ZIP.
    #[error("zip: end of central directory not found (truncated or not a zip)")]
    NoEndOfCentralDirectory,

    /// Bytes follow the end-of-central-directory record (and its comment).
    ///
    /// Refused rather than skipped: a QR reader hands over the exact bytes, so
    /// a tail means a wrong reader or an edited archive, and either is worth
    /// reporting rather than guessing around.
    #[error("zip: {count} unexpected bytes after the end of the archive")]
    TrailingBytes {
        /// How many bytes follow the archive.
        count: usize,
    },

    /// The archive spans several disks (split or spanned ZIP).
    #[error("zip: multi-disk archives are not supported")]
    MultiDisk,

    /// The archive uses ZIP64 records, which a QR-sized payload never needs.
    #[error("zip: ZIP64 archives are not supported")]
    Zip64,

    /// The archive does not hold exactly one entry.
    #[error("zip: expected exactly one entry (certificate.json), found {found}")]
    EntryCount {
        /// How many entries the archive declares.
        found: u16,
    },

    /// The one entry is not named `certificate.json`.
    #[error("zip: expected an entry named certificate.json, found {name:?}")]
    UnexpectedEntryName {
        /// The entry's name (lossily decoded, shortened if long).
        name: String,
    },

    /// The archive's structure is inconsistent: offsets or sizes that do not
    /// add up, or bytes no header accounts for.
    #[error("zip: malformed archive: {what}")]
    Malformed {
        /// What does not add up.
        what: &'static str,
    },

    /// The local file header disagrees with the central directory.
    #[error("zip: local header and central directory disagree on the {field}")]
    HeaderMismatch {
        /// The field that differs.
        field: &'static str,
    },

    /// The entry is encrypted.
    #[error("zip: certificate.json is encrypted")]
    Encrypted,

    /// The entry uses a compression method other than STORED (0) or DEFLATE (8).
    #[error("zip: compression method {method} is not supported (only stored and deflate)")]
    UnsupportedCompression {
        /// The ZIP compression method number.
        method: u16,
    },

    /// The entry declares an uncompressed size over the JSON limit.
    #[error("zip: {name} declares {declared} bytes, over the {limit}-byte limit")]
    DeclaredTooLarge {
        /// The entry's name.
        name: &'static str,
        /// The uncompressed size the headers declare.
        declared: u64,
        /// The JSON limit, in bytes.
        limit: usize,
    },

    /// The entry inflated past the JSON limit, whatever its headers declared.
    #[error("zip: {name} inflates past the {limit}-byte limit (zip bomb?)")]
    InflatesPastLimit {
        /// The entry's name.
        name: &'static str,
        /// The JSON limit, in bytes.
        limit: usize,
    },

    /// The entry expands more than the ratio limit allows.
    #[error(
        "zip: {name} expands {compressed} bytes to at least {uncompressed}, over the {max_ratio}:1 ratio limit (zip bomb?)"
    )]
    RatioExceeded {
        /// The entry's name.
        name: &'static str,
        /// Compressed size, in bytes.
        compressed: u64,
        /// Uncompressed size declared or reached so far, in bytes.
        uncompressed: u64,
        /// The ratio limit.
        max_ratio: u32,
    },

    /// The entry inflated to a size other than the one its headers declare.
    #[error("zip: {name} declares {declared} bytes but inflates to {actual}")]
    SizeMismatch {
        /// The entry's name.
        name: &'static str,
        /// The uncompressed size the headers declare.
        declared: u64,
        /// The size it inflated to.
        actual: u64,
    },

    /// The entry's DEFLATE data is corrupt.
    #[error("zip: bad DEFLATE data: {reason}")]
    Deflate {
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The entry's CRC-32 does not match its contents: the payload was damaged
    /// or edited.
    #[error("zip: CRC-32 mismatch: headers say {expected:08x}, contents give {actual:08x}")]
    CrcMismatch {
        /// The CRC-32 the headers declare.
        expected: u32,
        /// The CRC-32 of the inflated contents.
        actual: u32,
    },

    /// The certificate bytes are not JSON.
    #[error("not JSON: {reason} at line {line} column {column}")]
    NotJson {
        /// 1-based line of the error (0 if it is not tied to a position).
        line: usize,
        /// 1-based column of the error (0 if it is not tied to a position).
        column: usize,
        /// What the JSON parser objected to.
        reason: String,
    },

    /// The certificate is JSON but not a JSON object.
    #[error("not a certificate: the JSON document is {found}, not an object")]
    NotAnObject {
        /// What kind of JSON value it is ("an array", "a string", ...).
        found: &'static str,
    },
}
