//! PNG and JPEG files (uploads, screenshots, the issuer's own QR images) to a
//! luma frame, refusing oversized images on their header.

use std::io::Cursor;

use image::codecs::jpeg::JpegDecoder;
use image::codecs::png::PngDecoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::frame::{self, Luma};
use super::{QrError, check_size};

/// Bytes the image decoders may allocate, output image included: the pixel
/// cap at the widest layout either decoder produces (16-bit RGBA, 8 bytes per
/// pixel), plus room for PNG's row buffers and JPEG's component planes.
const MAX_DECODER_ALLOC: u64 = super::MAX_PIXELS * 8 + 64 * 1024 * 1024;

/// Decodes a PNG or JPEG file to luma. The dimensions are read from the header
/// and checked against [`MAX_PIXELS`](super::MAX_PIXELS) and
/// [`MAX_SIDE`](super::MAX_SIDE) before any pixel buffer exists.
pub(crate) fn decode_to_luma(bytes: &[u8]) -> Result<Luma, QrError> {
    let format = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.format());
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODER_ALLOC);
    let image = match format {
        Some(ImageFormat::Png) => {
            // The PNG crate reads on to the first data chunk before it checks
            // the size; refuse on the IHDR chunk right away instead.
            if let Some((width, height)) = png_dimensions(bytes) {
                check_size(width, height)?;
            }
            // `with_limits` bounds the PNG crate's own buffers as well.
            let decoder =
                PngDecoder::with_limits(Cursor::new(bytes), limits.clone()).map_err(unsupported)?;
            decode_checked(decoder, limits)?
        }
        Some(ImageFormat::Jpeg) => {
            // Parses the headers only; pixels are decoded in `from_decoder`.
            let decoder = JpegDecoder::new(Cursor::new(bytes)).map_err(unsupported)?;
            decode_checked(decoder, limits)?
        }
        _ => {
            return Err(QrError::UnsupportedImage {
                reason: "not a PNG or JPEG file".to_owned(),
            });
        }
    };
    let (width, height) = (image.width(), image.height());
    let pixels = match image {
        // Already luma: no conversion, no copy.
        DynamicImage::ImageLuma8(buffer) => buffer.into_raw(),
        // Anything with alpha is composited over white, like a page shows it.
        other if other.color().has_alpha() => frame::rgba_to_luma(other.to_rgba8().as_raw()),
        other => other.to_luma8().into_raw(),
    };
    Ok(Luma {
        pixels,
        width,
        height,
    })
}

/// Width and height from a PNG's IHDR chunk, which the format requires to
/// come first, right after the signature.
fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    match *bytes {
        [
            0x89,
            b'P',
            b'N',
            b'G',
            b'\r',
            b'\n',
            0x1A,
            b'\n',
            _,
            _,
            _,
            _,
            b'I',
            b'H',
            b'D',
            b'R',
            w0,
            w1,
            w2,
            w3,
            h0,
            h1,
            h2,
            h3,
            ..,
        ] => Some((
            u32::from_be_bytes([w0, w1, w2, w3]),
            u32::from_be_bytes([h0, h1, h2, h3]),
        )),
        _ => None,
    }
}

fn decode_checked(mut decoder: impl ImageDecoder, limits: Limits) -> Result<DynamicImage, QrError> {
    let (width, height) = decoder.dimensions();
    check_size(width, height)?;
    decoder.set_limits(limits).map_err(unsupported)?;
    DynamicImage::from_decoder(decoder).map_err(unsupported)
}

fn unsupported(e: image::ImageError) -> QrError {
    QrError::UnsupportedImage {
        reason: e.to_string(),
    }
}
