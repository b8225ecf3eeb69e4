//! QR decoding from camera frames and image files, over rxing.
//!
//! ```
//! use verifier_wasm::qr::{self, PayloadKind};
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/divoc/stack-signed/rsa-v1/cert-001");
//! let png = std::fs::read(format!("{dir}/qr.png")).unwrap();
//! let codes = qr::decode_image(&png).unwrap();
//! // A DIVOC certificate QR holds the raw bytes of a ZIP archive.
//! assert_eq!(codes[0].kind(), PayloadKind::Bytes);
//! assert_eq!(codes[0].payload(), std::fs::read(format!("{dir}/certificate.zip")).unwrap());
//!
//! // A camera frame with no code in view is the common case, and cheap.
//! let grey = vec![128u8; 640 * 480];
//! assert_eq!(qr::decode_luma(&grey, 640, 480), Err(qr::QrError::NotFound));
//! ```
//!
//! # Which bytes to use
//!
//! A QR code is a sequence of segments, each in one mode (numeric,
//! alphanumeric, byte, Kanji). [`QrCode::payload`] is what a verifier should
//! parse:
//!
//! - [`PayloadKind::Bytes`]: every segment was byte mode (DIVOC's ZIP
//!   archives, anything binary). The payload is the encoded bytes exactly,
//!   with no character-set guessing; [`QrCode::text`] is only a best-effort
//!   rendering for display and logs.
//! - [`PayloadKind::Text`]: some segment was not byte mode (alphanumeric
//!   `HC1:` and `shc:/` payloads, Kanji). The payload is the decoded text as
//!   UTF-8, Shift-JIS Kanji and ECI-declared character sets already converted
//!   to Unicode; it equals `text().as_bytes()`.
//!
//! # Cost
//!
//! [`decode_luma`], [`decode_rgba`] and [`decode_image`] run a cascade of
//! passes (local and global thresholds, the zxing-cpp and the Java detector,
//! half-size, closed, double-size and inverted retries, each only for the
//! frame sizes where it helps) and stop at the first that reads a code; a
//! frame without a code runs them all. A camera loop should use a
//! [`FrameScanner`], which spreads the retries over consecutive frames. The
//! benchmark `qr_decode` and the example `qr_rate` report the costs.

mod error;
mod frame;
#[cfg(not(target_arch = "wasm32"))]
mod image_file;
mod scan;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::QrError;

/// Most pixels a frame or an image file may have: 4096 x 4096, above a 12 MP
/// phone photo. Bounds the memory one call can take (about 5 bytes per pixel
/// for a file, plus the decoder's working set).
pub const MAX_PIXELS: u64 = 4096 * 4096;

/// Longest side a frame or an image file may have, so a long thin strip
/// under [`MAX_PIXELS`] is still refused.
pub const MAX_SIDE: u32 = 16_384;

/// One QR code read from a frame. See the [module docs](self) for which of
/// [`payload`](Self::payload) and [`text`](Self::text) to use.
#[derive(Clone, PartialEq, Eq)]
pub struct QrCode {
    payload: Vec<u8>,
    text: String,
    kind: PayloadKind,
    version: Option<u8>,
    ec_level: Option<EcLevel>,
}

impl QrCode {
    /// The content to parse: the exact encoded bytes for a byte-mode-only
    /// code, otherwise the decoded text as UTF-8.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Takes the payload without copying it.
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }

    /// The content as text, each segment decoded in its declared or guessed
    /// character set. Lossy for binary payloads: display and logs only.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether [`payload`](Self::payload) holds raw bytes or UTF-8 text.
    pub fn kind(&self) -> PayloadKind {
        self.kind
    }

    /// The QR version (1 to 40: the symbol is `17 + 4 * version` modules
    /// wide), when the decoder reported it.
    pub fn version(&self) -> Option<u8> {
        self.version
    }

    /// The error-correction level, when the decoder reported it.
    pub fn ec_level(&self) -> Option<EcLevel> {
        self.ec_level
    }
}

// Manual so that logging a code does not dump a certificate's personal data.
impl core::fmt::Debug for QrCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("QrCode")
            .field("kind", &self.kind)
            .field("payload_len", &self.payload.len())
            .field("version", &self.version)
            .field("ec_level", &self.ec_level)
            .finish_non_exhaustive()
    }
}

/// What [`QrCode::payload`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadKind {
    /// Every segment was byte mode: the payload is the encoded bytes, exactly.
    Bytes,
    /// Some segment was numeric, alphanumeric, Kanji or Hanzi mode: the
    /// payload is the decoded text, as UTF-8.
    Text,
}

/// QR error-correction level: the share of codewords that can be restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EcLevel {
    /// About 7 %.
    L,
    /// About 15 % (DIVOC's certificates).
    M,
    /// About 25 %.
    Q,
    /// About 30 %.
    H,
}

impl EcLevel {
    /// Reads rxing's rendering: a letter (zxing-cpp port) or the two format
    /// bits as a number (Java port: M=0, L=1, H=2, Q=3).
    fn parse(s: &str) -> Option<Self> {
        match s {
            "L" | "1" => Some(Self::L),
            "M" | "0" => Some(Self::M),
            "Q" | "3" => Some(Self::Q),
            "H" | "2" => Some(Self::H),
            _ => None,
        }
    }
}

/// Decodes the QR codes in a greyscale frame, one byte per pixel, row-major,
/// no padding between rows.
///
/// Returns the codes found (at least one, in the order read), or
/// [`QrError::NotFound`].
///
/// # Errors
///
/// [`QrError::BadDimensions`] if a dimension is zero or `pixels` is not
/// `width * height` long; [`QrError::ImageTooLarge`] beyond [`MAX_PIXELS`] or
/// [`MAX_SIDE`]; [`QrError::NotFound`] if no code could be read.
pub fn decode_luma(pixels: &[u8], width: u32, height: u32) -> Result<Vec<QrCode>, QrError> {
    check_buffer(pixels.len(), width, height, 1)?;
    found(scan::scan(pixels, width, height))
}

/// Decodes the QR codes in an RGBA frame, four bytes per pixel, row-major,
/// no padding: what a browser canvas's `getImageData` returns. Transparent
/// pixels count as white.
///
/// # Errors
///
/// As [`decode_luma`], with `pixels` expected to be `4 * width * height` long.
pub fn decode_rgba(pixels: &[u8], width: u32, height: u32) -> Result<Vec<QrCode>, QrError> {
    check_buffer(pixels.len(), width, height, 4)?;
    let luma = frame::rgba_to_luma(pixels);
    found(scan::scan(&luma, width, height))
}

/// Decodes the QR codes in a PNG or JPEG file (a photo, a screenshot, an
/// issued QR image).
///
/// Native only: in a browser, decode the file with the browser
/// (`createImageBitmap`, a canvas, `getImageData`) and call [`decode_rgba`];
/// it reads every format the browser does and keeps an image decoder out of
/// the wasm module.
///
/// # Errors
///
/// [`QrError::UnsupportedImage`] for other formats and corrupt files;
/// [`QrError::ImageTooLarge`] if the header announces more than
/// [`MAX_PIXELS`] or a side beyond [`MAX_SIDE`] (refused before the pixels
/// are decoded); [`QrError::NotFound`] if no code could be read.
#[cfg(not(target_arch = "wasm32"))]
pub fn decode_image(bytes: &[u8]) -> Result<Vec<QrCode>, QrError> {
    let luma = image_file::decode_to_luma(bytes)?;
    found(scan::scan(&luma.pixels, luma.width, luma.height))
}

/// Decodes a stream of camera frames at the cost of about two passes per
/// frame instead of the whole cascade.
///
/// Each call runs the first pass and, when that reads nothing, one of the
/// retries, taking them in turn from call to call. A camera pointed at a code
/// sends many near-identical frames per second, so a code the first pass
/// misses is read within the next few frames (at most six), while a frame
/// with no code, the usual case, costs a fraction of [`decode_luma`]. For a
/// single image (an upload, a screenshot) use [`decode_luma`],
/// [`decode_rgba`] or [`decode_image`], which try everything at once.
///
/// ```
/// use verifier_wasm::qr::{FrameScanner, QrError};
///
/// let mut scanner = FrameScanner::new();
/// let frame = vec![200u8; 640 * 480]; // from the camera
/// assert_eq!(scanner.scan_luma(&frame, 640, 480), Err(QrError::NotFound));
/// ```
#[derive(Debug, Clone, Default)]
pub struct FrameScanner {
    /// Index into the round of retries of the one the next frame gets.
    next_retry: usize,
}

impl FrameScanner {
    /// A scanner that starts the round of retries from the first.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes one greyscale camera frame, laid out as for [`decode_luma`].
    ///
    /// # Errors
    ///
    /// As [`decode_luma`].
    pub fn scan_luma(
        &mut self,
        pixels: &[u8],
        width: u32,
        height: u32,
    ) -> Result<Vec<QrCode>, QrError> {
        check_buffer(pixels.len(), width, height, 1)?;
        found(scan::scan_one_retry(
            pixels,
            width,
            height,
            &mut self.next_retry,
        ))
    }

    /// Decodes one RGBA camera frame, laid out as for [`decode_rgba`].
    ///
    /// # Errors
    ///
    /// As [`decode_rgba`].
    pub fn scan_rgba(
        &mut self,
        pixels: &[u8],
        width: u32,
        height: u32,
    ) -> Result<Vec<QrCode>, QrError> {
        check_buffer(pixels.len(), width, height, 4)?;
        let luma = frame::rgba_to_luma(pixels);
        found(scan::scan_one_retry(
            &luma,
            width,
            height,
            &mut self.next_retry,
        ))
    }
}

fn found(codes: Vec<QrCode>) -> Result<Vec<QrCode>, QrError> {
    if codes.is_empty() {
        Err(QrError::NotFound)
    } else {
        Ok(codes)
    }
}

/// Checks a caller's buffer against its claimed dimensions, then the caps.
fn check_buffer(len: usize, width: u32, height: u32, bytes_per_pixel: u64) -> Result<(), QrError> {
    let expected = u64::from(width) * u64::from(height) * bytes_per_pixel;
    if width == 0 || height == 0 || u64::try_from(len).ok() != Some(expected) {
        return Err(QrError::BadDimensions { width, height, len });
    }
    check_size(width, height)
}

/// Refuses frames beyond [`MAX_PIXELS`] or [`MAX_SIDE`].
fn check_size(width: u32, height: u32) -> Result<(), QrError> {
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width.max(height) > MAX_SIDE {
        return Err(QrError::ImageTooLarge {
            width,
            height,
            limit: MAX_PIXELS,
        });
    }
    Ok(())
}
