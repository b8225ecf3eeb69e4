//! Why a rendering failed.

use thiserror::Error;

/// Why a QR code or a printable certificate could not be rendered.
///
/// `PayloadTooLarge` and `EmptyPayload` are about the certificate; `Template`
/// and `Image` about the programme's configuration; `Font` and `Pdf` are
/// internal failures (a bundled font that does not parse, a PDF the writer
/// refuses), reported with the library's reason.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The payload does not fit the largest QR code (version 40) at error
    /// correction level M in byte mode.
    #[error(
        "the QR payload is {len} bytes; at most {max} fit a QR code at error correction level M"
    )]
    PayloadTooLarge {
        /// Length of the payload.
        len: usize,
        /// The most a QR code holds at level M in byte mode.
        max: usize,
    },
    /// There is nothing to encode.
    #[error("the QR payload is empty")]
    EmptyPayload,
    /// A font could not be loaded.
    #[error("font: {reason}")]
    Font {
        /// Which font, and what went wrong.
        reason: String,
    },
    /// A certificate template is malformed or asks for something impossible.
    #[error("template: {reason}")]
    Template {
        /// What is wrong, with the TOML path where it went wrong.
        reason: String,
    },
    /// An image (the issuer's logo) could not be decoded or embedded.
    #[error("image: {reason}")]
    Image {
        /// What the decoder said.
        reason: String,
    },
    /// Encoding the QR code as PNG failed.
    #[error("PNG encoding: {reason}")]
    Png {
        /// What the encoder said.
        reason: String,
    },
    /// The PDF writer refused the document.
    #[error("PDF: {reason}")]
    Pdf {
        /// What the writer said.
        reason: String,
    },
}
