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

/// Frames whose shorter side is at least this get the half-size retry.
const HALF_MIN_SIDE: u32 = 2 * MIN_SIDE;

/// Frames whose longer side is at most this get the double-size retry: small
/// photos of dense codes, at one or two pixels per module. Larger frames
/// would cost four times their size for little gain.
const DOUBLE_MAX_SIDE: u32 = 400;

/// Frames whose pixel count is at most this get the morphological-closing
/// retry.
const CLOSE_MAX_PIXELS: u64 = 640 * 480;

/// The retries after the first pass (local-threshold binarization, zxing-cpp
/// detector), in the order the full cascade runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// The Java port's detector on the first pass's image.
    JavaDetector,
    /// One global threshold: worse under uneven light, but keeps blurred
    /// module edges that the local threshold breaks up. Both detectors.
    GlobalThreshold,
    /// Half size, so the binarizer's fixed blocks cover twice the area.
    Half,
    /// Morphological closing of the first image, for codes printed on
    /// texture (fabric, rough paper).
    Closed,
    /// Double size, for small photos of dense codes.
    Double,
    /// The first image inverted, for light-on-dark codes (dark-mode
    /// screenshots, codes printed on dark fabric).
    Inverted,
}

/// Every retry, in cascade order.
pub(crate) const RETRIES: [Retry; 6] = [
    Retry::JavaDetector,
    Retry::GlobalThreshold,
    Retry::Half,
    Retry::Closed,
    Retry::Double,
    Retry::Inverted,
];

impl Retry {
    /// Whether the retry can help on a frame of this size (the caller has
    /// checked both sides are at least [`MIN_SIDE`]).
    pub(crate) fn applies(self, width: u32, height: u32) -> bool {
        match self {
            Retry::Half => width.min(height) >= HALF_MIN_SIDE,
            Retry::Closed => u64::from(width) * u64::from(height) <= CLOSE_MAX_PIXELS,
            Retry::Double => width.max(height) <= DOUBLE_MAX_SIDE,
            Retry::JavaDetector | Retry::GlobalThreshold | Retry::Inverted => true,
        }
    }
}

/// A luma frame under decoding, with its local-threshold image computed once
/// and shared by the passes that start from it.
pub(crate) struct Frame<'a> {
    pixels: &'a [u8],
    width: u32,
    height: u32,
    hybrid: Option<HybridBinarizer<Luma8Source<'a>>>,
}

impl<'a> Frame<'a> {
    /// A frame whose length the caller checked to be `width * height`.
    pub(crate) fn new(pixels: &'a [u8], width: u32, height: u32) -> Self {
        Frame {
            pixels,
            width,
            height,
            hybrid: source(pixels, width, height).map(HybridBinarizer::new),
        }
    }

    /// Whether the frame is large enough to hold a code at all.
    pub(crate) fn can_hold_code(&self) -> bool {
        self.width >= MIN_SIDE && self.height >= MIN_SIDE
    }

    fn hybrid_matrix(&self) -> Option<&BitMatrix> {
        self.hybrid.as_ref().and_then(|b| b.get_black_matrix().ok())
    }

    /// The first pass: local-threshold binarization, zxing-cpp detector.
    pub(crate) fn first_pass(&self, found: &mut Vec<QrCode>) {
        if let Some(m) = self.hybrid_matrix() {
            scan_matrix(m, Detectors::CppOnly, found);
        }
    }

    /// One retry; does nothing where it does not apply.
    pub(crate) fn retry(&self, retry: Retry, found: &mut Vec<QrCode>) {
        let (pixels, width, height) = (self.pixels, self.width, self.height);
        if !retry.applies(width, height) {
            return;
        }
        match retry {
            Retry::JavaDetector => {
                if let Some(m) = self.hybrid_matrix() {
                    scan_matrix(m, Detectors::JavaOnly, found);
                }
            }
            Retry::GlobalThreshold => {
                let global = source(pixels, width, height).map(GlobalHistogramBinarizer::new);
                if let Some(m) = global.as_ref().and_then(|b| b.get_black_matrix().ok()) {
                    scan_matrix(m, Detectors::Both, found);
                }
            }
            Retry::Half => scan_luma(&frame::downscale_half(pixels, width, height), found),
            Retry::Closed => {
                if let Some(closed) = self.hybrid_matrix().and_then(frame::close) {
                    scan_matrix(&closed, Detectors::CppOnly, found);
                }
            }
            Retry::Double => scan_luma(&frame::upscale_double(pixels, width, height), found),
            Retry::Inverted => {
                if let Some(m) = self.hybrid_matrix() {
                    let mut inverted = m.clone();
                    inverted.flip_self();
                    scan_matrix(&inverted, Detectors::CppOnly, found);
                }
            }
        }
    }
}

/// Runs the whole cascade over a luma frame whose length the caller checked
/// to be `width * height`: the first pass and the Java detector together
/// (so a frame holding two codes that each reads one gives both), then the
/// other retries until one reads a code.
pub(crate) fn scan(pixels: &[u8], width: u32, height: u32) -> Vec<QrCode> {
    let mut found = Vec::new();
    let frame = Frame::new(pixels, width, height);
    if !frame.can_hold_code() {
        return found;
    }
    frame.first_pass(&mut found);
    for retry in RETRIES {
        frame.retry(retry, &mut found);
        if !found.is_empty() {
            break;
        }
    }
    found
}

/// The first pass and, if it read nothing, the next applicable retry in the
/// round `next` points into (advanced past the retry run): one retry per
/// camera frame, so consecutive frames of the same scene cover the cascade.
pub(crate) fn scan_one_retry(
    pixels: &[u8],
    width: u32,
    height: u32,
    next: &mut usize,
) -> Vec<QrCode> {
    let mut found = Vec::new();
    let frame = Frame::new(pixels, width, height);
    if !frame.can_hold_code() {
        return found;
    }
    frame.first_pass(&mut found);
    if found.is_empty() {
        for _ in 0..RETRIES.len() {
            let retry = RETRIES.get(*next % RETRIES.len()).copied();
            *next = (*next + 1) % RETRIES.len();
            if let Some(retry) = retry.filter(|r| r.applies(width, height)) {
                frame.retry(retry, &mut found);
                break;
            }
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
    /// The Java port only.
    JavaOnly,
    /// The zxing-cpp port, then the Java port's detector.
    Both,
}

/// Finds and decodes every code in one binarized image.
fn scan_matrix(matrix: &BitMatrix, detectors: Detectors, found: &mut Vec<QrCode>) {
    if detectors != Detectors::JavaOnly {
        scan_matrix_cpp(matrix, found);
    }
    if detectors != Detectors::CppOnly
        && let Ok(detected) = Detector::new(matrix).detect_with_hints(&DecodeHints::default())
        && let Some(code) = decode_bits(detected.getBits(), true)
    {
        push_unique(found, code);
    }
}

/// The zxing-cpp port's detector: every plausible finder-pattern triple.
fn scan_matrix_cpp(matrix: &BitMatrix, found: &mut Vec<QrCode>) {
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
