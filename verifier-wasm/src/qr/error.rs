//! The one error type of the QR module.

/// Why no QR code came out of a frame or an image file.
///
/// [`QrError::NotFound`] is the normal answer for a camera frame that does not
/// (yet) show a readable code; the other variants mean the caller handed over
/// something malformed or too large.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// No QR code could be read: none is in view, it is too blurred, too small,
    /// too damaged for its error correction, or the frame is degenerate
    /// (smaller than the smallest QR code, blank, noise).
    #[error("no QR code found")]
    NotFound,

    /// The pixel buffer does not hold `width * height` pixels (one byte per
    /// pixel for luma, four for RGBA), or a dimension is zero.
    #[error("a {width}x{height} frame does not match a buffer of {len} bytes")]
    BadDimensions {
        /// Width claimed by the caller, in pixels.
        width: u32,
        /// Height claimed by the caller, in pixels.
        height: u32,
        /// Length of the buffer actually passed, in bytes.
        len: usize,
    },

    /// The frame or image has more pixels than the decoder accepts
    /// ([`MAX_PIXELS`](super::MAX_PIXELS)), or a side longer than
    /// [`MAX_SIDE`](super::MAX_SIDE). For image files this is checked on the
    /// header, before any pixel memory is allocated.
    #[error("{width}x{height} pixels exceed the limit of {limit} pixels")]
    ImageTooLarge {
        /// Width of the frame or image, in pixels.
        width: u32,
        /// Height of the frame or image, in pixels.
        height: u32,
        /// The pixel-count limit that was exceeded.
        limit: u64,
    },

    /// The bytes are not a PNG or JPEG file this decoder can read: another
    /// format, a truncated or corrupt file, or an unsupported variant.
    #[error("unsupported image: {reason}")]
    UnsupportedImage {
        /// What the image decoder objected to (for logs, not for users).
        reason: String,
    },
}
