//! Writing DIVOC's payload: a ZIP with one `certificate.json`, DEFLATE at
//! the best level (as DIVOC's issuer does), sizes in the local header and no
//! data descriptor, so the simplest readers (JSZip, `unzip`) read it.
//!
//! The output is a function of the JSON bytes alone: the timestamp is fixed
//! to the DOS epoch, 1980-01-01 00:00:00, and there are no extra fields,
//! comments or host attributes. (The compressed bytes may change if the
//! DEFLATE implementation is upgraded; what they inflate to cannot.)

use flate2::{Compress, Compression, FlushCompress, Status};

use super::PayloadError;
use super::zip::{
    CENTRAL_HEADER_SIG, END_RECORD_SIG, ENTRY_NAME, LOCAL_HEADER_SIG, METHOD_DEFLATE,
};

/// "Version needed to extract" and "version made by": 2.0, the first with
/// DEFLATE; made-by host 0 (MS-DOS), so readers apply no Unix permissions.
const VERSION_2_0: u16 = 20;
/// Flag bits 1-2 = 01: DEFLATE at maximum compression (APPNOTE 4.4.4).
const FLAG_DEFLATE_MAXIMUM: u16 = 1 << 1;
/// 00:00:00.
const DOS_TIME: u16 = 0;
/// 1980-01-01, the DOS epoch: day 1, month 1 (bits 5-8), year 1980 + 0.
const DOS_DATE: u16 = (1 << 5) | 1;

/// Writes the archive. `json` is at most the JSON limit, so every size fits
/// its 32-bit field; the conversions are still checked.
pub(super) fn write(json: &[u8]) -> Result<Vec<u8>, PayloadError> {
    let compressed = deflate_best(json)?;
    let too_large = |len: usize| PayloadError::TooLarge {
        len,
        limit: u32::MAX as usize,
    };
    let compressed_size =
        u32::try_from(compressed.len()).map_err(|_| too_large(compressed.len()))?;
    let uncompressed_size = u32::try_from(json.len()).map_err(|_| too_large(json.len()))?;
    let crc32 = super::crc32(json);
    let name = ENTRY_NAME.as_bytes();
    let name_len = u16::try_from(name.len()).map_err(|_| too_large(name.len()))?;

    let mut out = Vec::with_capacity(compressed.len() + 2 * name.len() + 30 + 46 + 22);
    // Local file header.
    let local_header_offset = 0u32;
    out.extend_from_slice(&LOCAL_HEADER_SIG);
    put16(&mut out, VERSION_2_0);
    let shared = |out: &mut Vec<u8>| {
        put16(out, FLAG_DEFLATE_MAXIMUM);
        put16(out, METHOD_DEFLATE);
        put16(out, DOS_TIME);
        put16(out, DOS_DATE);
        put32(out, crc32);
        put32(out, compressed_size);
        put32(out, uncompressed_size);
        put16(out, name_len);
        put16(out, 0); // extra field length
    };
    shared(&mut out);
    out.extend_from_slice(name);
    out.extend_from_slice(&compressed);

    // Central directory.
    let central_offset = u32::try_from(out.len()).map_err(|_| too_large(out.len()))?;
    out.extend_from_slice(&CENTRAL_HEADER_SIG);
    put16(&mut out, VERSION_2_0); // made by
    put16(&mut out, VERSION_2_0); // needed
    shared(&mut out);
    put16(&mut out, 0); // comment length
    put16(&mut out, 0); // disk number start
    put16(&mut out, 0); // internal attributes
    put32(&mut out, 0); // external attributes
    put32(&mut out, local_header_offset);
    out.extend_from_slice(name);
    let central_size = u32::try_from(out.len())
        .map_err(|_| too_large(out.len()))?
        .saturating_sub(central_offset);

    // End of central directory.
    out.extend_from_slice(&END_RECORD_SIG);
    put16(&mut out, 0); // this disk
    put16(&mut out, 0); // disk with the central directory
    put16(&mut out, 1); // entries on this disk
    put16(&mut out, 1); // entries
    put32(&mut out, central_size);
    put32(&mut out, central_offset);
    put16(&mut out, 0); // comment length
    Ok(out)
}

fn put16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// Raw DEFLATE at level 9.
fn deflate_best(data: &[u8]) -> Result<Vec<u8>, PayloadError> {
    let mut compressor = Compress::new(Compression::best(), false);
    // JSON compresses well; one growth step covers the rare incompressible case.
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    loop {
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(64));
        }
        let consumed = usize::try_from(compressor.total_in()).unwrap_or(usize::MAX);
        let input = data.get(consumed..).unwrap_or_default();
        let status = compressor
            .compress_vec(input, &mut out, FlushCompress::Finish)
            .map_err(|_| PayloadError::Deflate {
                reason: "the compressor failed",
            })?;
        if status == Status::StreamEnd {
            return Ok(out);
        }
    }
}
