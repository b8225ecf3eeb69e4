//! The certificate's QR code, as DIVOC makes it: the payload bytes (a ZIP
//! holding `certificate.json`) in one byte-mode segment, error correction
//! level M, the smallest version that fits, and a 4-module quiet zone.
//!
//! The `qrcode` crate encodes; its automatic mode would split a ZIP into
//! numeric, alphanumeric and byte segments, so the segment is built here
//! (`Bits::push_byte_data`) to keep the symbol exactly DIVOC's. The images
//! are drawn here too: a 1-bit PNG is a tenth of the size of the 8-bit one
//! the `image` renderer writes, and an SVG path of merged runs a third of
//! the crate's one-rectangle-per-module path.

use std::fmt::Write as _;

use qrcode::bits::Bits;
use qrcode::{Color, EcLevel, QrCode, Version};

use super::RenderError;

/// Smallest image width served, in pixels (a phone scans 100 px on screen).
pub const QR_MIN_SIZE: u32 = 100;
/// Largest image width served, in pixels (enough for a poster at 300 dpi);
/// also bounds the work a request can ask for.
pub const QR_MAX_SIZE: u32 = 2000;
/// Light modules around the symbol on each side, as ISO/IEC 18004 requires.
pub const QR_QUIET_ZONE: usize = 4;
/// The most bytes a QR code holds at level M in byte mode (version 40).
pub const QR_MAX_PAYLOAD: usize = 2331;

/// DIVOC's error correction level: 15 % of the symbol can be lost.
const EC_LEVEL: EcLevel = EcLevel::M;

/// An encoded QR symbol: which modules are dark, row by row, without the
/// quiet zone.
#[derive(Debug, Clone)]
pub(crate) struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encode `payload` in one byte-mode segment at level M, in the smallest
    /// version it fits.
    pub(crate) fn encode(payload: &[u8]) -> Result<Self, RenderError> {
        if payload.is_empty() {
            return Err(RenderError::EmptyPayload);
        }
        let too_large = || RenderError::PayloadTooLarge {
            len: payload.len(),
            max: QR_MAX_PAYLOAD,
        };
        let version = (1..=40)
            .map(Version::Normal)
            .find(|&v| fits(payload.len(), v))
            .ok_or_else(too_large)?;
        let mut bits = Bits::new(version);
        bits.push_byte_data(payload).map_err(|_| too_large())?;
        bits.push_terminator(EC_LEVEL).map_err(|_| too_large())?;
        let code = QrCode::with_bits(bits, EC_LEVEL).map_err(|_| too_large())?;
        Ok(Self {
            width: code.width(),
            dark: code
                .into_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// Modules per side, without the quiet zone.
    #[cfg(test)]
    fn width(&self) -> usize {
        self.width
    }

    /// Modules per side, with the quiet zone on both sides.
    pub(crate) fn width_with_quiet_zone(&self) -> usize {
        self.width + 2 * QR_QUIET_ZONE
    }

    /// Runs of dark modules, `(row, first column, length)`, left to right and
    /// top to bottom, in symbol coordinates (no quiet zone).
    pub(crate) fn dark_runs(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        self.dark
            .chunks(self.width.max(1))
            .enumerate()
            .flat_map(|(y, row)| runs(row).map(move |(x, len)| (y, x, len)))
    }
}

/// Whether `len` bytes fit `version` at level M in one byte-mode segment:
/// a 4-bit mode indicator, the character count (8 bits up to version 9, 16
/// from 10: ISO/IEC 18004 table 3) and 8 bits a byte.
fn fits(len: usize, version: Version) -> bool {
    let count_bits = match version {
        Version::Normal(1..=9) => 8,
        _ => 16,
    };
    let needed = len.saturating_mul(8).saturating_add(4 + count_bits);
    len < 1 << count_bits
        && Bits::new(version)
            .max_len(EC_LEVEL)
            .is_ok_and(|capacity| needed <= capacity)
}

/// Maximal runs of `true` in a row, as `(start, length)`.
fn runs(row: &[bool]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut x = 0;
    std::iter::from_fn(move || {
        let start = x + row.get(x..)?.iter().position(|&d| d)?;
        let len = row.get(start..)?.iter().take_while(|&&d| d).count();
        x = start + len;
        Some((start, len))
    })
}

/// Pixels per module for a requested width: the width is clamped to
/// [`QR_MIN_SIZE`]..=[`QR_MAX_SIZE`] and rounded down to whole pixels per
/// module so every module is crisp; at least one pixel per module.
fn pixels_per_module(size: u32, modules: usize) -> u32 {
    let modules = u32::try_from(modules).unwrap_or(u32::MAX).max(1);
    (size.clamp(QR_MIN_SIZE, QR_MAX_SIZE) / modules).max(1)
}

/// The QR code of `payload` as a 1-bit greyscale PNG about `size` pixels
/// wide (see [`QR_MIN_SIZE`], [`QR_MAX_SIZE`]: the width is a whole number
/// of pixels per module, at most the clamped size unless a module would be
/// smaller than a pixel).
pub fn qr_png(payload: &[u8], size: u32) -> Result<Vec<u8>, RenderError> {
    let qr = QrMatrix::encode(payload)?;
    let modules = qr.width_with_quiet_zone();
    let scale = pixels_per_module(size, modules) as usize;
    let side = modules * scale;
    let side_u32 = u32::try_from(side).map_err(|_| RenderError::Png {
        reason: format!("{side} pixels is too wide"),
    })?;

    // One bit per pixel, most significant first; 1 is white (light).
    let row_bytes = side.div_ceil(8);
    let mut light_row = vec![0xFF_u8; row_bytes];
    clear_padding(&mut light_row, side);
    let mut image = Vec::with_capacity(row_bytes * side);
    for _ in 0..QR_QUIET_ZONE * scale {
        image.extend_from_slice(&light_row);
    }
    for symbol_row in qr.dark.chunks(qr.width.max(1)) {
        let mut row = light_row.clone();
        for (x, len) in runs(symbol_row) {
            let first = (x + QR_QUIET_ZONE) * scale;
            for px in first..first + len * scale {
                if let Some(byte) = row.get_mut(px / 8) {
                    *byte &= !(0x80 >> (px % 8));
                }
            }
        }
        for _ in 0..scale {
            image.extend_from_slice(&row);
        }
    }
    for _ in 0..QR_QUIET_ZONE * scale {
        image.extend_from_slice(&light_row);
    }

    let png_error = |e: png::EncodingError| RenderError::Png {
        reason: e.to_string(),
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side_u32, side_u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().map_err(png_error)?;
    writer.write_image_data(&image).map_err(png_error)?;
    writer.finish().map_err(png_error)?;
    Ok(out)
}

/// Zero the bits past the last pixel of a row (PNG leaves them unspecified;
/// zero keeps the output deterministic and compressible).
fn clear_padding(row: &mut [u8], pixels: usize) {
    let used = pixels % 8;
    if used != 0
        && let Some(last) = row.last_mut()
    {
        *last &= 0xFF << (8 - used);
    }
}

/// The QR code of `payload` as an SVG document `size` pixels wide (rounded
/// as for [`qr_png`]): a white square and one path of the dark modules, in
/// module units, so it scales crisply to any size.
pub fn qr_svg(payload: &[u8], size: u32) -> Result<String, RenderError> {
    let qr = QrMatrix::encode(payload)?;
    let modules = qr.width_with_quiet_zone();
    let side = modules * pixels_per_module(size, modules) as usize;
    let mut svg = String::with_capacity(16 * 1024);
    // Writing to a String cannot fail.
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{side}" viewBox="0 0 {modules} {modules}" shape-rendering="crispEdges"><rect width="{modules}" height="{modules}" fill="#fff"/><path fill="#000" d=""##
    );
    for (y, x, len) in qr.dark_runs() {
        let _ = write!(
            svg,
            "M{} {}h{len}v1h-{len}z",
            x + QR_QUIET_ZONE,
            y + QR_QUIET_ZONE
        );
    }
    svg.push_str("\"/></svg>\n");
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_merge_adjacent_dark_modules() {
        let row = [true, true, false, true, false, false, true, true, true];
        assert_eq!(runs(&row).collect::<Vec<_>>(), [(0, 2), (3, 1), (6, 3)]);
        assert_eq!(runs(&[false, false]).count(), 0);
        assert_eq!(runs(&[]).count(), 0);
    }

    #[test]
    fn smallest_version_that_fits_in_byte_mode() {
        // Version 1-M holds 14 bytes, 2-M 26 (ISO/IEC 18004 table 7).
        assert_eq!(QrMatrix::encode(&[0xAB; 14]).unwrap().width(), 21);
        assert_eq!(QrMatrix::encode(&[0xAB; 15]).unwrap().width(), 25);
        // 40-M holds 2331 bytes.
        assert_eq!(QrMatrix::encode(&[0; QR_MAX_PAYLOAD]).unwrap().width(), 177);
        assert!(matches!(
            QrMatrix::encode(&[0; QR_MAX_PAYLOAD + 1]),
            Err(RenderError::PayloadTooLarge {
                len: 2332,
                max: QR_MAX_PAYLOAD
            })
        ));
        assert!(matches!(
            QrMatrix::encode(b""),
            Err(RenderError::EmptyPayload)
        ));
    }

    #[test]
    fn size_is_clamped_and_whole_pixels_per_module() {
        assert_eq!(pixels_per_module(400, 129), 3);
        assert_eq!(pixels_per_module(10, 29), 3); // clamped up to 100
        assert_eq!(pixels_per_module(1_000_000, 29), 68); // clamped down to 2000
        assert_eq!(pixels_per_module(100, 185), 1); // never below one pixel
    }

    #[test]
    fn padding_bits_are_cleared() {
        let mut row = [0xFF, 0xFF];
        clear_padding(&mut row, 13);
        assert_eq!(row, [0xFF, 0xF8]);
        let mut row = [0xFF];
        clear_padding(&mut row, 8);
        assert_eq!(row, [0xFF]);
    }
}
