//! QR renderings: the symbols decode, with an independent decoder, to the
//! exact payload bytes; sizes are honoured and clamped; payloads too large
//! for any QR code are refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: helpers outside #[test] functions too; a failed unwrap is a failed test"
)]

mod render_support;

use issuer_api::render::{QR_MAX_PAYLOAD, QR_MAX_SIZE, QR_MIN_SIZE, RenderError, qr_png, qr_svg};
use render_support::{divoc_fixtures, have, temp_dir, zbar_decode};

/// Width, height, bit depth and colour type of a PNG, and its pixels as
/// one byte each (0 black, 255 white).
fn read_png(bytes: &[u8]) -> (u32, u32, png::BitDepth, png::ColorType, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let (depth, colour) = {
        let info = reader.info();
        (info.bit_depth, info.color_type)
    };
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    pixels.truncate(frame.buffer_size());
    (frame.width, frame.height, depth, colour, pixels)
}

/// A DIVOC payload of about 1 KB: version 26, 121 modules + 8 of quiet zone.
fn payload() -> Vec<u8> {
    divoc_fixtures().swap_remove(0).1
}

#[test]
fn png_decodes_to_the_exact_zip_bytes_with_zbar() {
    if !have("zbarimg", "png_decodes_to_the_exact_zip_bytes_with_zbar") {
        return;
    }
    let dir = temp_dir("qr-png");
    for (i, (_, zip)) in divoc_fixtures().into_iter().enumerate() {
        let file = dir.join(format!("{i}.png"));
        std::fs::write(&file, qr_png(&zip, 400).unwrap()).unwrap();
        assert_eq!(zbar_decode(&file), zip, "fixture {i}");
    }
    // Every byte value, including NUL and bytes that are not UTF-8.
    let all: Vec<u8> = (0..=255).collect();
    let file = dir.join("all.png");
    std::fs::write(&file, qr_png(&all, 400).unwrap()).unwrap();
    assert_eq!(zbar_decode(&file), all);
}

#[test]
fn png_is_one_bit_greyscale_small_and_deterministic() {
    let zip = payload();
    let png = qr_png(&zip, 400).unwrap();
    let (w, h, depth, colour, pixels) = read_png(&png);
    assert_eq!((w, h), (387, 387)); // 3 pixels a module, 129 modules
    assert_eq!(depth, png::BitDepth::One);
    assert_eq!(colour, png::ColorType::Grayscale);
    assert!(png.len() < 8 * 1024, "{} bytes", png.len());
    assert_eq!(qr_png(&zip, 400).unwrap(), png);
    // The quiet zone (4 modules = 12 pixels) is white all round.
    let white = |x: u32, y: u32| pixels[(y * w + x) as usize] == 255;
    for i in 0..w {
        for q in 0..12 {
            assert!(white(i, q) && white(i, h - 1 - q) && white(q, i) && white(w - 1 - q, i));
        }
    }
    // The finder pattern's corner module is dark.
    assert!(!white(12, 12));
}

#[test]
fn size_is_honoured_in_whole_pixels_per_module_and_clamped() {
    let zip = payload();
    let width = |size| read_png(&qr_png(&zip, size).unwrap()).0;
    assert_eq!(width(1290), 1290); // exactly 10 a module
    assert_eq!(width(1300), 1290); // rounded down to whole modules
    assert_eq!(width(0), 129); // clamped up to 100: one pixel a module
    assert_eq!(width(QR_MIN_SIZE), 129);
    assert_eq!(width(u32::MAX), (QR_MAX_SIZE / 129) * 129); // clamped down
    // A small payload (version 1, 29 modules with the quiet zone).
    let small = read_png(&qr_png(b"hello", 100).unwrap()).0;
    assert_eq!(small, 87);
    assert!(small <= QR_MIN_SIZE);
}

#[test]
fn svg_is_one_path_matching_the_png_module_for_module() {
    let zip = payload();
    let svg = qr_svg(&zip, 400).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"387\" height=\"387\" viewBox=\"0 0 129 129\""));
    assert_eq!(svg.matches("<path").count(), 1);
    assert_eq!(qr_svg(&zip, 400).unwrap(), svg);

    // Rasterise the path (one pixel a module) and compare with the PNG at
    // one pixel a module: both renderings carry the same symbol.
    let d = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let mut dark = vec![false; 129 * 129];
    for cmd in d.split('M').filter(|c| !c.is_empty()) {
        // "x yhNv1h-Nz"
        let (xy, rest) = cmd.split_once('h').unwrap();
        let (x, y) = xy.split_once(' ').unwrap();
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        let len: usize = rest.split_once('v').unwrap().0.parse().unwrap();
        assert!(rest.ends_with(&format!("v1h-{len}z")));
        for i in x..x + len {
            dark[y * 129 + i] = true;
        }
    }
    let (w, _, _, _, pixels) = read_png(&qr_png(&zip, 100).unwrap());
    assert_eq!(w, 129);
    let png_dark: Vec<bool> = pixels.iter().map(|&p| p == 0).collect();
    assert_eq!(dark, png_dark);
}

#[test]
fn svg_decodes_to_the_exact_zip_bytes_via_rsvg() {
    if !have(
        "rsvg-convert",
        "svg_decodes_to_the_exact_zip_bytes_via_rsvg",
    ) || !have("zbarimg", "svg_decodes_to_the_exact_zip_bytes_via_rsvg")
    {
        return;
    }
    let dir = temp_dir("qr-svg");
    let zip = payload();
    let svg = dir.join("qr.svg");
    let png = dir.join("qr.png");
    std::fs::write(&svg, qr_svg(&zip, 600).unwrap()).unwrap();
    let status = std::process::Command::new("rsvg-convert")
        .arg("-o")
        .arg(&png)
        .arg(&svg)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(zbar_decode(&png), zip);
}

#[test]
fn payloads_beyond_version_40_are_refused_precisely() {
    let largest = vec![0x5A; QR_MAX_PAYLOAD];
    assert_eq!(read_png(&qr_png(&largest, 2000).unwrap()).0, 1850); // 185 modules
    let too_large = vec![0x5A; QR_MAX_PAYLOAD + 1];
    for result in [
        qr_png(&too_large, 400).map(|_| ()),
        qr_svg(&too_large, 400).map(|_| ()),
    ] {
        match result {
            Err(RenderError::PayloadTooLarge { len, max }) => {
                assert_eq!((len, max), (QR_MAX_PAYLOAD + 1, QR_MAX_PAYLOAD));
            }
            other => panic!("expected PayloadTooLarge, got {other:?}"),
        }
    }
    assert!(matches!(qr_png(b"", 400), Err(RenderError::EmptyPayload)));
}
