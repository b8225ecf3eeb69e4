//! Reading DIVOC's one-entry ZIP archive, every structure cross-checked.
//!
//! Hand-written rather than the `zip` crate: see the module doc of
//! [`super`] for the comparison. The reader trusts nothing: the end record,
//! the central directory, the local header, the data and the optional data
//! descriptor must tile the payload exactly, the local header must agree
//! with the central directory, and only then is any data inflated, within
//! [`Limits`].
//!
//! Layout accepted (APPNOTE 6.3.10, single disk, no ZIP64):
//!
//! ```text
//! [local header][name][extra][data][data descriptor?][central header][name][extra][comment][end record][comment]
//! ```

use super::reader::Reader;
use super::{Limits, PayloadError, inflate};

/// The one entry name accepted, as DIVOC's verifier reads it
/// (`zip.file("certificate.json")`).
pub(super) const ENTRY_NAME: &str = "certificate.json";

pub(super) const LOCAL_HEADER_SIG: [u8; 4] = *b"PK\x03\x04";
pub(super) const CENTRAL_HEADER_SIG: [u8; 4] = *b"PK\x01\x02";
pub(super) const END_RECORD_SIG: [u8; 4] = *b"PK\x05\x06";
const ZIP64_LOCATOR_SIG: [u8; 4] = *b"PK\x06\x07";
const DATA_DESCRIPTOR_SIG: [u8; 4] = *b"PK\x07\x08";

/// Fixed part of the end-of-central-directory record.
const END_RECORD_LEN: usize = 22;
/// The ZIP64 end-of-central-directory locator sits right before the end record.
const ZIP64_LOCATOR_LEN: usize = 20;
/// The end record's comment length is a u16: the record starts at most this
/// far before the end, which bounds the backwards scan.
const MAX_END_RECORD_DISTANCE: usize = END_RECORD_LEN + u16::MAX as usize;
/// Data descriptor without and with its optional signature (32-bit sizes).
const DATA_DESCRIPTOR_LEN: usize = 12;
const SIGNED_DATA_DESCRIPTOR_LEN: usize = 16;

/// General purpose flag bits (APPNOTE 4.4.4).
const FLAG_ENCRYPTED: u16 = 1 << 0;
const FLAG_DATA_DESCRIPTOR: u16 = 1 << 3;
const FLAG_STRONG_ENCRYPTION: u16 = 1 << 6;
const FLAG_MASKED_HEADERS: u16 = 1 << 13;
const ANY_ENCRYPTION: u16 = FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS;

/// Compression methods (APPNOTE 4.4.5).
pub(super) const METHOD_STORED: u16 = 0;
pub(super) const METHOD_DEFLATE: u16 = 8;
/// WinZip AES: the entry is encrypted whatever the flags say.
const METHOD_AES: u16 = 99;

/// Values that mean "see the ZIP64 record".
const ZIP64_U16: u16 = u16::MAX;
const ZIP64_U32: u32 = u32::MAX;

/// Entry names are quoted in errors up to this many bytes.
const MAX_NAME_IN_ERROR: usize = 64;

/// The fields the local header and the central directory both carry, in
/// the order both carry them.
#[derive(Debug, Clone, Copy)]
struct SharedFields {
    flags: u16,
    method: u16,
    crc32: u32,
    compressed_size: u32,
    uncompressed_size: u32,
    name_len: u16,
    extra_len: u16,
}

impl SharedFields {
    fn read(r: &mut Reader<'_>) -> Result<Self, PayloadError> {
        let flags = r.u16_le()?;
        let method = r.u16_le()?;
        // Modification time and date: carried, never trusted for anything.
        let _dos_time = r.u16_le()?;
        let _dos_date = r.u16_le()?;
        Ok(Self {
            flags,
            method,
            crc32: r.u32_le()?,
            compressed_size: r.u32_le()?,
            uncompressed_size: r.u32_le()?,
            name_len: r.u16_le()?,
            extra_len: r.u16_le()?,
        })
    }

    fn is_zip64(&self) -> bool {
        self.compressed_size == ZIP64_U32 || self.uncompressed_size == ZIP64_U32
    }
}

/// The end-of-central-directory record.
#[derive(Debug, Clone, Copy)]
struct EndRecord {
    disk: u16,
    central_directory_disk: u16,
    entries_on_disk: u16,
    entries: u16,
    central_directory_size: u32,
    central_directory_offset: u32,
}

/// The central directory's one entry.
#[derive(Debug, Clone, Copy)]
struct CentralEntry<'a> {
    fields: SharedFields,
    local_header_offset: u32,
    name: &'a [u8],
}

/// The local header, the data it introduces and what follows the data.
#[derive(Debug, Clone, Copy)]
struct LocalEntry<'a> {
    fields: SharedFields,
    name: &'a [u8],
    data: &'a [u8],
    /// CRC-32, compressed and uncompressed size from the data descriptor.
    descriptor: Option<(u32, u32, u32)>,
}

/// Returns the bytes of the archive's one entry, `certificate.json`,
/// inflated within `limits` and checked against its CRC-32.
pub(super) fn extract(archive: &[u8], limits: &Limits) -> Result<Vec<u8>, PayloadError> {
    let (end_offset, end) = find_end_record(archive)?;
    let has_zip64_locator = end_offset
        .checked_sub(ZIP64_LOCATOR_LEN)
        .and_then(|at| archive.get(at..))
        .is_some_and(|locator| locator.starts_with(&ZIP64_LOCATOR_SIG));
    if has_zip64_locator
        || [
            end.disk,
            end.central_directory_disk,
            end.entries_on_disk,
            end.entries,
        ]
        .contains(&ZIP64_U16)
        || end.central_directory_size == ZIP64_U32
        || end.central_directory_offset == ZIP64_U32
    {
        return Err(PayloadError::Zip64);
    }
    if end.disk != 0 || end.central_directory_disk != 0 || end.entries_on_disk != end.entries {
        return Err(PayloadError::MultiDisk);
    }
    if end.entries != 1 {
        return Err(PayloadError::EntryCount { found: end.entries });
    }

    let central_start = usize::try_from(end.central_directory_offset).ok();
    let central_end = central_start.and_then(|start| {
        usize::try_from(end.central_directory_size)
            .ok()
            .and_then(|size| start.checked_add(size))
    });
    let (Some(central_start), Some(central_end)) = (central_start, central_end) else {
        return Err(PayloadError::Malformed {
            what: "central directory offset out of range",
        });
    };
    if central_end != end_offset {
        return Err(PayloadError::Malformed {
            what: "central directory does not end where the end record begins",
        });
    }
    let central_bytes = archive
        .get(central_start..central_end)
        .ok_or(PayloadError::Malformed {
            what: "central directory offset out of range",
        })?;
    let central = read_central_entry(central_bytes)?;
    if central.local_header_offset != 0 {
        return Err(PayloadError::Malformed {
            what: "bytes before the local header",
        });
    }
    let entry_bytes = archive
        .get(..central_start)
        .ok_or(PayloadError::Malformed {
            what: "central directory offset out of range",
        })?;
    let local = read_local_entry(entry_bytes, &central)?;
    check_consistency(&local, &central)?;
    read_contents(&local, &central, limits)
}

/// Finds the end record by scanning backwards, as every ZIP reader must
/// (its comment has a variable length). Returns its offset.
fn find_end_record(archive: &[u8]) -> Result<(usize, EndRecord), PayloadError> {
    let last = archive
        .len()
        .checked_sub(END_RECORD_LEN)
        .ok_or(PayloadError::NoEndOfCentralDirectory)?;
    let first = archive.len().saturating_sub(MAX_END_RECORD_DISTANCE);
    // Bytes after the first record found that ends inside the payload, to
    // tell "trailing garbage" from "no end record at all".
    let mut trailing = None;
    for offset in (first..=last).rev() {
        let Some(tail) = archive.get(offset..) else {
            continue;
        };
        let Some(after_sig) = tail.strip_prefix(&END_RECORD_SIG) else {
            continue;
        };
        let mut r = Reader::new(after_sig, "end of central directory record");
        let record = EndRecord {
            disk: r.u16_le()?,
            central_directory_disk: r.u16_le()?,
            entries_on_disk: r.u16_le()?,
            entries: r.u16_le()?,
            central_directory_size: r.u32_le()?,
            central_directory_offset: r.u32_le()?,
        };
        let comment_len = usize::from(r.u16_le()?);
        let after = r.rest().len();
        if after == comment_len {
            return Ok((offset, record));
        }
        if trailing.is_none() {
            trailing = after.checked_sub(comment_len);
        }
    }
    Err(match trailing {
        Some(count) => PayloadError::TrailingBytes { count },
        None => PayloadError::NoEndOfCentralDirectory,
    })
}

/// Parses the central directory, which must hold exactly one entry.
fn read_central_entry(central: &[u8]) -> Result<CentralEntry<'_>, PayloadError> {
    let mut r = Reader::new(central, "central directory");
    if r.array()? != CENTRAL_HEADER_SIG {
        return Err(PayloadError::Malformed {
            what: "central directory entry has no signature",
        });
    }
    let _version_made_by = r.u16_le()?;
    let _version_needed = r.u16_le()?;
    let fields = SharedFields::read(&mut r)?;
    let comment_len = r.u16_le()?;
    let disk_start = r.u16_le()?;
    let _internal_attributes = r.u16_le()?;
    let _external_attributes = r.u32_le()?;
    let local_header_offset = r.u32_le()?;
    let name = r.take(usize::from(fields.name_len))?;
    let _extra = r.take(usize::from(fields.extra_len))?;
    let _comment = r.take(usize::from(comment_len))?;
    if !r.rest().is_empty() {
        return Err(PayloadError::Malformed {
            what: "central directory is longer than its one entry",
        });
    }
    if fields.is_zip64() || local_header_offset == ZIP64_U32 || disk_start == ZIP64_U16 {
        return Err(PayloadError::Zip64);
    }
    if disk_start != 0 {
        return Err(PayloadError::MultiDisk);
    }
    Ok(CentralEntry {
        fields,
        local_header_offset,
        name,
    })
}

/// Parses the local header, data and data descriptor, which must fill
/// `entry` (everything before the central directory) exactly. Sizes come
/// from the central directory: with a data descriptor the local header may
/// not know them.
fn read_local_entry<'a>(
    entry: &'a [u8],
    central: &CentralEntry<'_>,
) -> Result<LocalEntry<'a>, PayloadError> {
    let mut r = Reader::new(entry, "local file header");
    if r.array()? != LOCAL_HEADER_SIG {
        return Err(PayloadError::Malformed {
            what: "local file header has no signature",
        });
    }
    let _version_needed = r.u16_le()?;
    let fields = SharedFields::read(&mut r)?;
    let name = r.take(usize::from(fields.name_len))?;
    let _extra = r.take(usize::from(fields.extra_len))?;

    let mut r = Reader::new(r.rest(), "entry data");
    let compressed_len = usize::try_from(central.fields.compressed_size)
        .map_err(|_| PayloadError::Truncated { what: "entry data" })?;
    let data = r.take(compressed_len)?;
    let rest = r.rest();

    let descriptor = if central.fields.flags & FLAG_DATA_DESCRIPTOR != 0 {
        // The signature is optional (APPNOTE 4.3.9.3); the length left
        // before the central directory says whether it is there.
        let body = match rest.len() {
            DATA_DESCRIPTOR_LEN => rest,
            SIGNED_DATA_DESCRIPTOR_LEN => {
                rest.strip_prefix(&DATA_DESCRIPTOR_SIG)
                    .ok_or(PayloadError::Malformed {
                        what: "data descriptor has no signature",
                    })?
            }
            _ => {
                return Err(PayloadError::Malformed {
                    what: "data descriptor has the wrong length",
                });
            }
        };
        let mut r = Reader::new(body, "data descriptor");
        Some((r.u32_le()?, r.u32_le()?, r.u32_le()?))
    } else {
        if !rest.is_empty() {
            return Err(PayloadError::Malformed {
                what: "bytes between the entry data and the central directory",
            });
        }
        None
    };
    Ok(LocalEntry {
        fields,
        name,
        data,
        descriptor,
    })
}

/// The local header (and data descriptor) must say what the central
/// directory says: a reader that trusts one and a reader that trusts the
/// other must never see different certificates.
fn check_consistency(
    local: &LocalEntry<'_>,
    central: &CentralEntry<'_>,
) -> Result<(), PayloadError> {
    let (l, c) = (&local.fields, &central.fields);
    if local.name != central.name {
        return Err(PayloadError::HeaderMismatch { field: "file name" });
    }
    if (l.flags ^ c.flags) & (ANY_ENCRYPTION | FLAG_DATA_DESCRIPTOR) != 0 {
        return Err(PayloadError::HeaderMismatch { field: "flags" });
    }
    if l.method != c.method {
        return Err(PayloadError::HeaderMismatch {
            field: "compression method",
        });
    }
    let deferred = c.flags & FLAG_DATA_DESCRIPTOR != 0;
    let local_values = [
        ("CRC-32", l.crc32, c.crc32),
        ("compressed size", l.compressed_size, c.compressed_size),
        (
            "uncompressed size",
            l.uncompressed_size,
            c.uncompressed_size,
        ),
    ];
    for (field, local_value, central_value) in local_values {
        // With a data descriptor, writers that stream leave these zero.
        let left_for_descriptor = deferred && local_value == 0;
        if local_value != central_value && !left_for_descriptor {
            return Err(PayloadError::HeaderMismatch { field });
        }
    }
    if let Some((crc32, compressed_size, uncompressed_size)) = local.descriptor {
        let descriptor_values = [
            ("data descriptor's CRC-32", crc32, c.crc32),
            (
                "data descriptor's compressed size",
                compressed_size,
                c.compressed_size,
            ),
            (
                "data descriptor's uncompressed size",
                uncompressed_size,
                c.uncompressed_size,
            ),
        ];
        for (field, descriptor_value, central_value) in descriptor_values {
            if descriptor_value != central_value {
                return Err(PayloadError::HeaderMismatch { field });
            }
        }
    }
    Ok(())
}

/// Checks what the entry is, then inflates it within the limits.
fn read_contents(
    local: &LocalEntry<'_>,
    central: &CentralEntry<'_>,
    limits: &Limits,
) -> Result<Vec<u8>, PayloadError> {
    let fields = &central.fields;
    if fields.flags & ANY_ENCRYPTION != 0 || fields.method == METHOD_AES {
        return Err(PayloadError::Encrypted);
    }
    if central.name != ENTRY_NAME.as_bytes() {
        return Err(PayloadError::UnexpectedEntryName {
            name: quote_name(central.name),
        });
    }
    let declared = u64::from(fields.uncompressed_size);
    let compressed = u64::from(fields.compressed_size);
    if declared > u64::try_from(limits.max_json).unwrap_or(u64::MAX) {
        return Err(PayloadError::DeclaredTooLarge {
            name: ENTRY_NAME,
            declared,
            limit: limits.max_json,
        });
    }
    if limits.ratio_exceeded(compressed, declared) {
        return Err(PayloadError::RatioExceeded {
            name: ENTRY_NAME,
            compressed,
            uncompressed: declared,
            max_ratio: limits.max_ratio,
        });
    }
    let contents = match fields.method {
        METHOD_STORED => {
            if compressed != declared {
                return Err(PayloadError::Malformed {
                    what: "stored entry's compressed and uncompressed sizes differ",
                });
            }
            local.data.to_vec()
        }
        METHOD_DEFLATE => inflate::inflate(local.data, declared, limits)?,
        method => return Err(PayloadError::UnsupportedCompression { method }),
    };
    let actual = u64::try_from(contents.len()).unwrap_or(u64::MAX);
    if actual != declared {
        return Err(PayloadError::SizeMismatch {
            name: ENTRY_NAME,
            declared,
            actual,
        });
    }
    let actual_crc = super::crc32(&contents);
    if actual_crc != fields.crc32 {
        return Err(PayloadError::CrcMismatch {
            expected: fields.crc32,
            actual: actual_crc,
        });
    }
    Ok(contents)
}

/// An entry name for an error message: lossily decoded, and shortened so a
/// hostile 64 KiB name cannot flood a log.
fn quote_name(name: &[u8]) -> String {
    match name.get(..MAX_NAME_IN_ERROR) {
        Some(head) if head.len() < name.len() => {
            format!("{}...", String::from_utf8_lossy(head))
        }
        _ => String::from_utf8_lossy(name).into_owned(),
    }
}
