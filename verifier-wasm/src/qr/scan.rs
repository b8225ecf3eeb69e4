//! The decoding passes over rxing.
//!
//! rxing carries two QR pipelines: a port of zxing-cpp's (finder-pattern sets
//! scored by geometry, perspective sampling: the better one on photos) and a
//! port of the original Java one (a different finder search that rescues some
//! codes the first misses). Its `MultiFormatReader` runs them in that order;
//! we call their public building blocks directly instead, because
//! `RXingResult` drops what we need (the QR version, which segments were byte
//! mode) and builds a timestamp with `chrono::Utc::now()`, which panics on
//! `wasm32-unknown-unknown` unless chrono's wasm-bindgen backend is linked.
//!
//! A frame goes through a cascade of passes, cheapest and most productive
//! first, and the first pass that reads any code ends the search. On the
//! ZXing photo corpus the passes after the first add about five codes; on an
//! empty camera frame they are what the no-code case costs, so each is gated
//! on the frame sizes where it helped.

use rxing::common::cpp_essentials::ConcentricPattern;
use rxing::common::{BitMatrix, DetectorRXingResult, GlobalHistogramBinarizer, HybridBinarizer};
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, GenerateFinderPatternSets, SampleQR};
use rxing::qrcode::decoder::qrcode_decoder::decode_bitmatrix;
use rxing::qrcode::detector::Detector;
use rxing::{Binarizer, DecodeHints, Luma8Source};

use super::frame::{self, Luma};
use super::{EcLevel, PayloadKind, QrCode};

/// Smallest side, in pixels, a frame can have and still hold a QR code: a
/// version 1 symbol is 21 modules, at one pixel per module.
pub(crate) const MIN_SIDE: u32 = 21;

/// Candidate finder-pattern triples sampled per pass. Sets come sorted by
/// geometric plausibility, so a real code is among the first few; a cluttered
/// frame (text, foliage, noise) can yield thousands of triples, each of which
/// costs a perspective sampling, so the tail is cut.
const MAX_FINDER_SETS: usize = 48;

/// Codes returned at most per frame.
const MAX_CODES: usize = 8;

/// Frames whose shorter side is at least this get the half-size pass.
const HALF_MIN_SIDE: u32 = 2 * MIN_SIDE;

/// Frames whose longer side is at most this get the double-size pass: small
/// photos of dense codes, at one or two pixels per module. Larger frames
/// would cost four times their size for little gain.
const DOUBLE_MAX_SIDE: u32 = 400;

/// Frames whose pixel count is at most this get the morphological-closing
/// pass (about 1/3 ms per VGA frame natively).
const CLOSE_MAX_PIXELS: u64 = 640 * 480;

/// One decoding attempt; appends what it reads.
type Pass<'a> = dyn Fn(&mut Vec<QrCode>) + 'a;

/// Runs the cascade over a luma frame whose length the caller checked to be
/// `width * height`. Returns the codes of the first productive pass.
pub(crate) fn scan(pixels: &[u8], width: u32, height: u32) -> Vec<QrCode> {
    let mut found = Vec::new();
    if width < MIN_SIDE || height < MIN_SIDE {
        return found;
    }
    let pixel_count = u64::from(width) * u64::from(height);
    let hybrid = source(pixels, width, height).map(HybridBinarizer::new);
    let hybrid_matrix = hybrid.as_ref().and_then(|b| b.get_black_matrix().ok());

    let passes: [&Pass<'_>; 6] = [
        // Local-threshold binarization, both detectors.
        &|found| {
            if let Some(m) = hybrid_matrix {
                scan_matrix(m, Detectors::Both, found);
            }
        },
        // One global threshold: worse under uneven light, but keeps blurred
        // module edges that the local threshold breaks up.
        &|found| {
            let global = source(pixels, width, height).map(GlobalHistogramBinarizer::new);
            if let Some(m) = global.as_ref().and_then(|b| b.get_black_matrix().ok()) {
                scan_matrix(m, Detectors::Both, found);
            }
        },
        // Half size, so the binarizer's fixed blocks cover twice the area.
        &|found| {
            if width.min(height) >= HALF_MIN_SIDE {
                scan_luma(&frame::downscale_half(pixels, width, height), found);
            }
        },
        // Closing of the first image, for codes printed on texture.
        &|found| {
            if pixel_count <= CLOSE_MAX_PIXELS
                && let Some(closed) = hybrid_matrix.and_then(frame::close)
            {
                scan_matrix(&closed, Detectors::CppOnly, found);
            }
        },
        // Double size, for small photos of dense codes.
        &|found| {
            if width.max(height) <= DOUBLE_MAX_SIDE {
                scan_luma(&frame::upscale_double(pixels, width, height), found);
            }
        },
        // The first image inverted, for light-on-dark codes (dark-mode
        // screenshots, codes printed on dark fabric).
        &|found| {
            if let Some(m) = hybrid_matrix {
                let mut inverted = m.clone();
                inverted.flip_self();
                scan_matrix(&inverted, Detectors::CppOnly, found);
            }
        },
    ];
    for pass in passes {
        pass(&mut found);
        if !found.is_empty() {
            break;
        }
    }
    found
}

fn source(pixels: &[u8], width: u32, height: u32) -> Option<Luma8Source<'_>> {
    Luma8Source::new_with_slice(pixels, width, height).ok()
}

/// Binarizes a rescaled frame and runs the zxing-cpp port's detector on it.
fn scan_luma(luma: &Luma, found: &mut Vec<QrCode>) {
    if luma.width < MIN_SIDE || luma.height < MIN_SIDE {
        return;
    }
    let binarizer = source(&luma.pixels, luma.width, luma.height).map(HybridBinarizer::new);
    if let Some(m) = binarizer.as_ref().and_then(|b| b.get_black_matrix().ok()) {
        scan_matrix(m, Detectors::CppOnly, found);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Detectors {
    /// The zxing-cpp port only.
    CppOnly,
    /// The zxing-cpp port, then the Java port's detector.
    Both,
}

/// Finds and decodes every code in one binarized image.
fn scan_matrix(matrix: &BitMatrix, detectors: Detectors, found: &mut Vec<QrCode>) {
    let mut patterns = FindFinderPatterns(matrix, false, 0);
    let sets = GenerateFinderPatternSets(&mut patterns);
    // One code has one set of three finder patterns; once it is read, other
    // sets sharing one of them are not worth sampling.
    let mut used: Vec<ConcentricPattern> = Vec::new();
    for set in sets.iter().take(MAX_FINDER_SETS) {
        if found.len() >= MAX_CODES {
            return;
        }
        let corners = [set.bl, set.tl, set.tr];
        if corners.iter().any(|p| used.contains(p)) {
            continue;
        }
        if let Ok(detected) = SampleQR(matrix, set)
            && let Some(code) = decode_bits(detected.getBits(), false)
        {
            used.extend(corners);
            push_unique(found, code);
        }
    }
    if detectors == Detectors::Both
        && let Ok(detected) = Detector::new(matrix).detect_with_hints(&DecodeHints::default())
        && let Some(code) = decode_bits(detected.getBits(), true)
    {
        push_unique(found, code);
    }
}

fn push_unique(found: &mut Vec<QrCode>, code: QrCode) {
    if found.len() < MAX_CODES && !found.iter().any(|c| c.payload == code.payload) {
        found.push(code);
    }
}

/// Decodes a sampled module grid.
///
/// The zxing-cpp port's decoder gives the text, the version, the EC level and
/// the concatenated segment bytes, but not which modes the segments used. The
/// Java port's decoder, run on the same grid once the first succeeded, lists
/// the byte-mode segments; when they make up all the segment bytes, the code
/// is byte-mode only and its payload is those bytes, untouched by any
/// character-set guess.
///
/// With `java_fallback`, a grid the first decoder rejects is given to the
/// Java port's decoder alone (it retries mirrored grids differently). Off for
/// the many candidate grids of the zxing-cpp detector, where it would double
/// the cost of every false candidate.
fn decode_bits(bits: &BitMatrix, java_fallback: bool) -> Option<QrCode> {
    match Decode(bits) {
        Ok(cpp) if cpp.isValid() => {
            let segment_bytes = cpp.content().bytes();
            let byte_mode_only = !segment_bytes.is_empty()
                && decode_bitmatrix(bits).is_ok_and(|j| {
                    let segs = j.getByteSegments();
                    segs.iter().map(Vec::len).sum::<usize>() == segment_bytes.len()
                        && segs.iter().flatten().eq(segment_bytes.iter())
                });
            let text = cpp.text();
            let (payload, kind) = if byte_mode_only {
                (segment_bytes.to_vec(), PayloadKind::Bytes)
            } else {
                (text.clone().into_bytes(), PayloadKind::Text)
            };
            Some(QrCode {
                payload,
                text,
                kind,
                version: u8::try_from(cpp.versionNumber())
                    .ok()
                    .filter(|v| (1..=40).contains(v)),
                ec_level: EcLevel::parse(cpp.ecLevel()),
            })
        }
        // The Java decoder alone does not tell whether byte segments were all
        // there was, so the payload is the text.
        _ if java_fallback => {
            let java = decode_bitmatrix(bits).ok()?;
            let text = java.getText().to_owned();
            Some(QrCode {
                payload: text.clone().into_bytes(),
                text,
                kind: PayloadKind::Text,
                version: version_from_dimension(bits.width()),
                ec_level: EcLevel::parse(java.getECLevel()),
            })
        }
        _ => None,
    }
}

/// A version `v` symbol is `17 + 4v` modules wide.
fn version_from_dimension(dimension: u32) -> Option<u8> {
    let v = dimension.checked_sub(17)?;
    if v % 4 != 0 {
        return None;
    }
    u8::try_from(v / 4).ok().filter(|v| (1..=40).contains(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_dimensions() {
        assert_eq!(version_from_dimension(21), Some(1));
        assert_eq!(version_from_dimension(125), Some(27));
        assert_eq!(version_from_dimension(177), Some(40));
        assert_eq!(version_from_dimension(181), None);
        assert_eq!(version_from_dimension(22), None);
        assert_eq!(version_from_dimension(17), None);
        assert_eq!(version_from_dimension(3), None);
    }

    #[test]
    fn too_small_frames_find_nothing() {
        assert!(scan(&[0; 20 * 400], 20, 400).is_empty());
        assert!(scan(&[255; 400 * 20], 400, 20).is_empty());
    }
}
