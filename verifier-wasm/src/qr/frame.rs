//! Pixel preparation: RGBA to luma, and the rescaled and filtered variants the
//! retry passes look at.
//!
//! Written by hand rather than with `image::imageops`: these run on every
//! camera frame, each is a single pass over a buffer whose size the caller
//! already checked, and doing them here keeps the `image` crate (and its
//! allocations) out of the camera path entirely.

use rxing::common::{BitArray, BitMatrix};

/// Luma (BT.601, integer weights summing to 1024) of an RGBA buffer, with
/// transparent pixels composited over white, as a page or a screen shows them.
///
/// `rgba.len()` must be a multiple of 4; a trailing partial pixel is ignored.
pub(crate) fn rgba_to_luma(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|px| {
            let &[r, g, b, a] = px else {
                // chunks_exact(4) only yields 4-byte chunks.
                return 255;
            };
            let luma = (306 * u32::from(r) + 601 * u32::from(g) + 117 * u32::from(b) + 512) >> 10;
            let a = u32::from(a);
            // Fits in u8: a weighted mean of two values <= 255.
            ((luma * a + 255 * (255 - a) + 127) / 255) as u8
        })
        .collect()
}

/// A luma image with its dimensions; the buffer length is `width * height`.
#[derive(Debug)]
pub(crate) struct Luma {
    pub(crate) pixels: Vec<u8>,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// Half-size image, each pixel the mean of a 2x2 block (odd last row/column
/// dropped). Gives the binarizer's fixed 8-pixel blocks twice the reach, which
/// rescues large, blurred or noisy codes.
pub(crate) fn downscale_half(src: &[u8], width: u32, height: u32) -> Luma {
    let (w, h) = (width as usize, height as usize);
    let (hw, hh) = (w / 2, h / 2);
    let mut pixels = Vec::with_capacity(hw * hh);
    for y in 0..hh {
        let top = src.get(2 * y * w..(2 * y + 1) * w).unwrap_or_default();
        let bottom = src
            .get((2 * y + 1) * w..(2 * y + 2) * w)
            .unwrap_or_default();
        pixels.extend(
            top.chunks_exact(2)
                .zip(bottom.chunks_exact(2))
                .take(hw)
                .map(|(t, b)| match (t, b) {
                    (&[a, b], &[c, d]) => {
                        // Fits in u8: the mean of four u8 values.
                        ((u16::from(a) + u16::from(b) + u16::from(c) + u16::from(d) + 2) / 4) as u8
                    }
                    _ => 255,
                }),
        );
    }
    Luma {
        pixels,
        // Halving cannot overflow.
        width: (hw as u32),
        height: (hh as u32),
    }
}

/// Double-size image by bilinear interpolation (weights 1/4 and 3/4 on each
/// axis). Small photos of dense codes have 1-2 pixels per module, below what
/// the finder-pattern search resolves; interpolation puts them back in range.
pub(crate) fn upscale_double(src: &[u8], width: u32, height: u32) -> Luma {
    let (w, h) = (width as usize, height as usize);
    let (dw, dh) = (2 * w, 2 * h);
    // For output index o, the two source samples and their weights (sum 4).
    let taps = |o: usize, n: usize| -> (usize, usize, u32, u32) {
        let i = o / 2;
        if o.is_multiple_of(2) {
            (i.saturating_sub(1), i, 1, 3)
        } else {
            (i, (i + 1).min(n.saturating_sub(1)), 3, 1)
        }
    };
    let px = |x: usize, y: usize| u32::from(src.get(y * w + x).copied().unwrap_or(255));
    let mut pixels = Vec::with_capacity(dw * dh);
    for oy in 0..dh {
        let (y0, y1, wy0, wy1) = taps(oy, h);
        for ox in 0..dw {
            let (x0, x1, wx0, wx1) = taps(ox, w);
            let top = wx0 * px(x0, y0) + wx1 * px(x1, y0);
            let bottom = wx0 * px(x0, y1) + wx1 * px(x1, y1);
            // Fits in u8: a weighted mean (weights sum to 16) of u8 values.
            pixels.push(((wy0 * top + wy1 * bottom + 8) / 16) as u8);
        }
    }
    Luma {
        pixels,
        // The caller only doubles frames far below u32::MAX / 2 per side.
        width: width.saturating_mul(2),
        height: height.saturating_mul(2),
    }
}

/// Morphological closing (3x3 dilation, then 3x3 erosion) of a binarized
/// image: fills the speckles and thin white cracks that printing on fabric or
/// rough paper leaves inside dark modules. Works on whole machine words of
/// the bit rows, so it costs a few word operations per 32 or 64 pixels.
pub(crate) fn close(matrix: &BitMatrix) -> Option<BitMatrix> {
    let rows: Vec<Vec<usize>> = (0..matrix.height())
        .map(|y| matrix.getRow(y).getBitArray().to_vec())
        .collect();
    let width = matrix.width() as usize;
    let dilated = filter3x3(&rows, width, Op::Dilate);
    let closed = filter3x3(&dilated, width, Op::Erode);
    let mut out = BitMatrix::new(matrix.width(), matrix.height()).ok()?;
    let mut row = BitArray::with_size(width);
    for (y, words) in (0..matrix.height()).zip(&closed) {
        for (i, &word) in words.iter().enumerate() {
            row.setBulk(i * usize::BITS as usize, word);
        }
        out.setRow(y, &row);
    }
    Some(out)
}

#[derive(Clone, Copy)]
enum Op {
    Dilate,
    Erode,
}

/// One 3x3 max (dilate) or min (erode) filter over bit rows; pixels outside
/// the image count as white, as in rxing's own closing filter.
fn filter3x3(rows: &[Vec<usize>], width: usize, op: Op) -> Vec<Vec<usize>> {
    const BITS: usize = usize::BITS as usize;
    let words = width.div_ceil(BITS);
    // Mask of the valid bits in the last word of a row.
    let last_mask = match width % BITS {
        0 => usize::MAX,
        r => (1usize << r) - 1,
    };
    let word_at = |row: &[usize], i: usize| -> usize {
        let w = row.get(i).copied().unwrap_or(0);
        if i + 1 == words { w & last_mask } else { w }
    };
    // Horizontal pass: combine each pixel with its left and right neighbours.
    let horizontal: Vec<Vec<usize>> = rows
        .iter()
        .map(|row| {
            (0..words)
                .map(|i| {
                    let cur = word_at(row, i);
                    let prev = if i == 0 { 0 } else { word_at(row, i - 1) };
                    let next = word_at(row, i + 1);
                    // Bit x of `left` is pixel x-1, of `right` pixel x+1.
                    let left = (cur << 1) | (prev >> (BITS - 1));
                    let right = (cur >> 1) | (next << (BITS - 1));
                    let right = if i + 1 == words {
                        right & (last_mask >> 1)
                    } else {
                        right
                    };
                    let v = match op {
                        Op::Dilate => left | cur | right,
                        Op::Erode => left & cur & right,
                    };
                    if i + 1 == words { v & last_mask } else { v }
                })
                .collect()
        })
        .collect();
    // Vertical pass: combine each row with the rows above and below.
    let empty = vec![0usize; words];
    (0..horizontal.len())
        .map(|y| {
            let above = y
                .checked_sub(1)
                .and_then(|a| horizontal.get(a))
                .unwrap_or(&empty);
            let below = horizontal.get(y + 1).unwrap_or(&empty);
            let here = horizontal.get(y).unwrap_or(&empty);
            (0..words)
                .map(|i| {
                    let (a, h, b) = (
                        above.get(i).copied().unwrap_or(0),
                        here.get(i).copied().unwrap_or(0),
                        below.get(i).copied().unwrap_or(0),
                    );
                    match op {
                        Op::Dilate => a | h | b,
                        Op::Erode => a & h & b,
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_weights_and_alpha() {
        assert_eq!(
            rgba_to_luma(&[0, 0, 0, 255, 255, 255, 255, 255]),
            vec![0, 255]
        );
        // Fully transparent black is white paper, half-transparent black is grey.
        assert_eq!(rgba_to_luma(&[0, 0, 0, 0]), vec![255]);
        assert_eq!(rgba_to_luma(&[0, 0, 0, 128]), vec![127]);
        // Green weighs most: BT.601.
        assert!(rgba_to_luma(&[0, 255, 0, 255])[0] > rgba_to_luma(&[255, 0, 0, 255])[0]);
        // A trailing partial pixel is ignored.
        assert_eq!(rgba_to_luma(&[9, 9, 9]), Vec::<u8>::new());
    }

    #[test]
    fn downscale_averages_blocks_and_drops_odd_edges() {
        let src = [0, 4, 100, 8, 12, 100, 200, 200, 200];
        let half = downscale_half(&src, 3, 3);
        assert_eq!((half.width, half.height), (1, 1));
        assert_eq!(half.pixels, vec![6]);
    }

    #[test]
    fn upscale_interpolates() {
        let up = upscale_double(&[0, 200], 2, 1);
        assert_eq!((up.width, up.height), (4, 2));
        assert_eq!(up.pixels, vec![0, 50, 150, 200, 0, 50, 150, 200]);
    }

    fn matrix(rows: &[&str]) -> BitMatrix {
        let bools: Vec<Vec<bool>> = rows
            .iter()
            .map(|r| r.chars().map(|c| c == '#').collect())
            .collect();
        BitMatrix::parse_bools(&bools)
    }

    #[test]
    fn closing_fills_holes_and_keeps_shapes() {
        // A 1-pixel white hole inside a black block is filled.
        let m = matrix(&["......", ".####.", ".#.##.", ".####.", "......"]);
        assert_eq!(
            close(&m).unwrap(),
            matrix(&["......", ".####.", ".####.", ".####.", "......"])
        );
        // An isolated white background stays white; a block touching the
        // border loses nothing it did not have.
        let m = matrix(&["##....", "##....", "......"]);
        let closed = close(&m).unwrap();
        assert!(!closed.get(4, 1));
        assert!(closed.get(1, 1));
    }

    #[test]
    fn closing_spans_word_boundaries() {
        // 130 pixels wide: crosses two word boundaries on 64-bit and 32-bit.
        let mut row = vec!['.'; 130];
        for (x, c) in row.iter_mut().enumerate() {
            if (60..=70).contains(&x) && x != 64 {
                *c = '#';
            }
        }
        let row: String = row.into_iter().collect();
        let m = matrix(&[&row, &row, &row]);
        let closed = close(&m).unwrap();
        assert!(closed.get(64, 1), "the gap at the word boundary is closed");
        assert!(!closed.get(129, 1), "nothing leaks past the right edge");
        assert!(!closed.get(59, 1) && !closed.get(71, 1));
    }
}
