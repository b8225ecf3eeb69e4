//! Bounded raw-DEFLATE decompression.
//!
//! Headers can lie about sizes, so the limit is enforced on what the
//! inflater actually produces: output grows in steps and never past
//! `max_json + 1` bytes (the extra byte is how "past the limit" is seen),
//! and each step either consumes input or produces output, so the loop ends
//! after at most `input + limit` steps' worth of work.

use flate2::{Decompress, FlushDecompress, Status};

use super::zip::ENTRY_NAME;
use super::{Limits, PayloadError};

/// First allocation when the declared size is tiny or zero, and the least
/// the buffer grows by: small enough to be free, large enough that a
/// legitimate certificate inflates in one or two steps.
const MIN_STEP: usize = 4 * 1024;

/// Inflates `compressed` (raw DEFLATE, no zlib header), refusing to produce
/// more than `limits.max_json` bytes or to expand past `limits.max_ratio`.
/// `declared` (the headers' uncompressed size) only sizes the first
/// allocation; it is checked against the result by the caller.
pub(super) fn inflate(
    compressed: &[u8],
    declared: u64,
    limits: &Limits,
) -> Result<Vec<u8>, PayloadError> {
    let limit = limits.max_json;
    let hard_cap = limit.saturating_add(1);
    let first = usize::try_from(declared)
        .unwrap_or(usize::MAX)
        .max(MIN_STEP)
        .min(hard_cap);
    let mut out = Vec::with_capacity(first);
    let compressed_len = u64::try_from(compressed.len()).unwrap_or(u64::MAX);
    let mut inflater = Decompress::new(false);
    loop {
        if out.len() == out.capacity() {
            let step = out
                .len()
                .max(MIN_STEP)
                .min(hard_cap.saturating_sub(out.len()));
            if step == 0 {
                return Err(PayloadError::InflatesPastLimit {
                    name: ENTRY_NAME,
                    limit,
                });
            }
            out.reserve_exact(step);
        }
        let consumed = usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
        let input = compressed.get(consumed..).unwrap_or_default();
        let produced_before = out.len();
        let status = inflater
            .decompress_vec(input, &mut out, FlushDecompress::None)
            .map_err(|_| PayloadError::Deflate {
                reason: "invalid DEFLATE data",
            })?;
        if out.len() > limit {
            return Err(PayloadError::InflatesPastLimit {
                name: ENTRY_NAME,
                limit,
            });
        }
        let produced = u64::try_from(out.len()).unwrap_or(u64::MAX);
        if limits.ratio_exceeded(compressed_len, produced) {
            return Err(PayloadError::RatioExceeded {
                name: ENTRY_NAME,
                compressed: compressed_len,
                uncompressed: produced,
                max_ratio: limits.max_ratio,
            });
        }
        match status {
            Status::StreamEnd => break,
            Status::Ok | Status::BufError => {
                let consumed_now = usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
                let stalled = consumed_now == consumed && out.len() == produced_before;
                // Output space was available and nothing moved: without
                // input left, the data ended before the final block.
                if stalled && out.len() < out.capacity() {
                    return Err(PayloadError::Deflate {
                        reason: if input.is_empty() {
                            "DEFLATE data ends before its final block"
                        } else {
                            "invalid DEFLATE data"
                        },
                    });
                }
            }
        }
    }
    if inflater.total_in() != compressed_len {
        return Err(PayloadError::Deflate {
            reason: "bytes after the end of the DEFLATE stream",
        });
    }
    Ok(out)
}
