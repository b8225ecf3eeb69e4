//! Text on the page: parley lays it out (font fallback, bidi, shaping with
//! HarfRust, line breaking), krilla writes the glyphs with their source
//! text, so the PDF's text layer (copy, search, `pdftotext`) gives back
//! exactly the characters that were set, conjuncts and reordered matras
//! included.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use krilla::color::rgb;
use krilla::geom::Point;
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use parley::setting::Tag;
use parley::{
    Alignment, AlignmentOptions, FontFamily, FontFamilyName, FontFeature, FontFeatures, FontWeight,
    Layout, LayoutContext, LineHeight, PositionedLayoutItem, StyleProperty,
};

use super::RenderError;
use super::fonts::FontSet;

/// Where a block's lines sit between its left and right edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Centre,
    Right,
}

/// How a block of text is set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextStyle {
    /// Font size in points.
    pub(crate) size: f32,
    pub(crate) bold: bool,
    pub(crate) colour: rgb::Color,
    pub(crate) align: Align,
}

/// Laid-out text, ready to draw.
pub(crate) struct TextBlock {
    layout: Layout<()>,
    text: String,
    colour: rgb::Color,
}

impl TextBlock {
    /// Height of all lines, in points.
    pub(crate) fn height(&self) -> f32 {
        self.layout.height()
    }

    /// Number of lines.
    pub(crate) fn lines(&self) -> usize {
        self.layout.len()
    }
}

/// Relative emboldening for scripts bundled in regular weight only: the
/// outline is stroked with this fraction of the font size.
const SYNTHETIC_BOLD: f32 = 0.025;
/// Line height relative to the font size (Indic scripts need the room for
/// stacked vowel signs above and below).
const LINE_HEIGHT: f32 = 1.3;

/// Standard ligatures off. They are optional (the required ones, such as
/// Arabic lam-alef and every Indic conjunct, are other features), and a
/// ligature of three or more characters in right-to-left text, like the
/// الله of every Abdullah, reads back reversed in poppler-based viewers
/// ("اهلل"): the text layer matters more on a certificate than an fi.
const NO_DISCRETIONARY_LIGATURES: [FontFeature; 1] = [FontFeature::new(Tag::new(b"liga"), 0)];

/// Lays out and draws text with one [`FontSet`].
pub(crate) struct Typesetter {
    fonts: FontSet,
    layouts: LayoutContext<()>,
    /// krilla's font objects, by parley's font blob and index within it.
    pdf_fonts: HashMap<(u64, u32), Font>,
}

impl Typesetter {
    pub(crate) fn new(fonts: FontSet) -> Self {
        Self {
            fonts,
            layouts: LayoutContext::new(),
            pdf_fonts: HashMap::new(),
        }
    }

    /// Lay `text` out in lines at most `width` points wide.
    pub(crate) fn layout(&mut self, text: &str, style: TextStyle, width: f32) -> TextBlock {
        let families: Vec<FontFamilyName<'_>> = self
            .fonts
            .families
            .iter()
            .map(|f| FontFamilyName::named(f))
            .collect();
        let mut builder = self
            .layouts
            .ranged_builder(&mut self.fonts.context, text, 1.0, true);
        builder.push_default(StyleProperty::FontFamily(FontFamily::List(Cow::Owned(
            families,
        ))));
        builder.push_default(StyleProperty::FontSize(style.size));
        builder.push_default(StyleProperty::FontFeatures(FontFeatures::List(
            Cow::Borrowed(&NO_DISCRETIONARY_LIGATURES),
        )));
        builder.push_default(StyleProperty::LineHeight(LineHeight::FontSizeRelative(
            LINE_HEIGHT,
        )));
        if style.bold {
            builder.push_default(StyleProperty::FontWeight(FontWeight::BOLD));
        }
        let mut layout: Layout<()> = builder.build(text);
        layout.break_all_lines(Some(width));
        let alignment = match style.align {
            Align::Left => Alignment::Left,
            Align::Centre => Alignment::Center,
            Align::Right => Alignment::Right,
        };
        layout.align(alignment, AlignmentOptions::default());
        TextBlock {
            layout,
            text: text.to_owned(),
            colour: style.colour,
        }
    }

    /// Lay `text` out in at most `max_lines` lines, cutting it short with
    /// an ellipsis if it needs more: a certificate is one page, and no
    /// value may push the rest off it.
    pub(crate) fn layout_clamped(
        &mut self,
        text: &str,
        style: TextStyle,
        width: f32,
        max_lines: usize,
    ) -> TextBlock {
        let block = self.layout(text, style, width);
        if block.lines() <= max_lines {
            return block;
        }
        // Start from where the last allowed line ends and step back one
        // character at a time until the text and the ellipsis fit.
        let mut cut = block
            .layout
            .lines()
            .nth(max_lines.saturating_sub(1))
            .map_or(text.len(), |line| line.text_range().end);
        loop {
            cut = floor_char_boundary(text, cut);
            let shortened = format!("{}…", text.get(..cut).unwrap_or_default().trim_end());
            let block = self.layout(&shortened, style, width);
            if block.lines() <= max_lines || cut == 0 {
                return block;
            }
            cut -= 1;
        }
    }

    /// Draw `block` with its top-left corner at (`x`, `y`), `y` growing
    /// down the page.
    pub(crate) fn draw(
        &mut self,
        surface: &mut Surface<'_>,
        block: &TextBlock,
        x: f32,
        y: f32,
    ) -> Result<(), RenderError> {
        surface.set_fill(Some(Fill {
            paint: block.colour.into(),
            opacity: NormalizedF32::ONE,
            rule: Default::default(),
        }));
        for line in block.layout.lines() {
            for item in line.items() {
                let PositionedLayoutItem::GlyphRun(glyph_run) = item else {
                    continue;
                };
                let run = glyph_run.run();
                let font_data = run.font();
                let size = run.font_size();
                let key = (font_data.data.id(), font_data.index);
                let font = match self.pdf_fonts.get(&key) {
                    Some(font) => font.clone(),
                    None => {
                        let (bytes, _) = font_data.data.clone().into_raw_parts();
                        let font = Font::new(bytes.into(), font_data.index).ok_or_else(|| {
                            RenderError::Font {
                                reason: "a font chosen by fallback cannot be embedded".to_owned(),
                            }
                        })?;
                        self.pdf_fonts.insert(key, font.clone());
                        font
                    }
                };
                let glyphs = pdf_glyphs(run, size);
                if glyphs.is_empty() {
                    continue;
                }
                let stroke = run.synthesis().embolden().then(|| Stroke {
                    paint: block.colour.into(),
                    width: size * SYNTHETIC_BOLD,
                    ..Default::default()
                });
                surface.set_stroke(stroke);
                surface.draw_glyphs(
                    Point::from_xy(x + glyph_run.offset(), y + glyph_run.baseline()),
                    &glyphs,
                    font,
                    &block.text,
                    size,
                    false,
                );
            }
        }
        surface.set_stroke(None);
        Ok(())
    }
}

/// The glyphs of one run, in visual (left-to-right) order, each carrying
/// the range of source text it stands for: a ligature's glyph carries the
/// whole ligature's text, so the text layer reads back exactly (in Arabic,
/// الله is one glyph for four characters).
fn pdf_glyphs(run: &parley::Run<'_, ()>, size: f32) -> Vec<KrillaGlyph> {
    // Clusters in logical order, continuation clusters of a ligature merged
    // into the cluster that starts it.
    let mut clusters: Vec<(Range<usize>, Vec<parley::Glyph>)> = Vec::new();
    for cluster in run.clusters() {
        let range = cluster.text_range();
        match clusters.last_mut() {
            Some((last, _)) if cluster.is_ligature_continuation() => {
                last.end = last.end.max(range.end);
            }
            _ => {
                let mut glyphs: Vec<parley::Glyph> = cluster.glyphs().collect();
                end_on_unshifted_glyph(&mut glyphs);
                clusters.push((range, glyphs));
            }
        }
    }
    if run.is_rtl() {
        clusters.reverse();
    }
    let scale = if size > 0.0 { 1.0 / size } else { 0.0 };
    clusters
        .into_iter()
        .flat_map(|(range, glyphs)| {
            glyphs.into_iter().map(move |g| {
                KrillaGlyph::new(
                    GlyphId::new(g.id),
                    g.advance * scale,
                    g.x * scale,
                    g.y * scale,
                    0.0,
                    range.clone(),
                    None,
                )
            })
        })
        .collect()
}

/// Positions closer than this (points) are the same.
const SAME_POSITION: f32 = 0.01;

/// Reorder a cluster's glyphs, keeping every glyph where it is drawn, so
/// that the last one has no horizontal offset. krilla drops the pen
/// correction that follows an offset glyph at the end of a cluster (the
/// drawing is right, the next glyph is positioned absolutely), and text
/// extractors then see a gap: in कै the vowel sign is shifted left of the
/// pen, and `pdftotext` read "कैलाश" as "कै लाश". Drawing the shifted
/// sign before its base glyph ends the cluster exactly at the pen.
fn end_on_unshifted_glyph(glyphs: &mut Vec<parley::Glyph>) {
    match glyphs.last() {
        Some(last) if glyphs.len() > 1 && last.x.abs() >= SAME_POSITION => {}
        _ => return,
    }
    let total: f32 = glyphs.iter().map(|g| g.advance).sum();
    let mut pen = 0.0;
    let drawn_at: Vec<f32> = glyphs
        .iter()
        .map(|g| {
            let x = pen + g.x;
            pen += g.advance;
            x
        })
        .collect();
    // A glyph that ends where the cluster ends can go last with no offset.
    let Some(last) = glyphs
        .iter()
        .zip(&drawn_at)
        .rposition(|(g, x)| (x + g.advance - total).abs() < SAME_POSITION)
    else {
        return;
    };
    let order = (0..glyphs.len())
        .filter(|&i| i != last)
        .chain(std::iter::once(last));
    let mut pen = 0.0;
    let reordered = order
        .filter_map(|i| {
            let mut glyph = *glyphs.get(i)?;
            glyph.x = drawn_at.get(i)? - pen;
            pen += glyph.advance;
            Some(glyph)
        })
        .collect();
    *glyphs = reordered;
}

/// The largest char boundary of `text` at or below `index`.
fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style() -> TextStyle {
        TextStyle {
            size: 10.0,
            bold: false,
            colour: rgb::Color::black(),
            align: Align::Left,
        }
    }

    #[test]
    fn long_text_is_cut_to_the_line_limit_with_an_ellipsis() {
        let mut typesetter = Typesetter::new(FontSet::new(&[]).unwrap());
        let long = "विकास शर्मा ".repeat(40);
        let block = typesetter.layout_clamped(&long, style(), 150.0, 2);
        assert_eq!(block.lines(), 2);
        assert!(block.text.ends_with('…'));
        assert!(long.starts_with(block.text.trim_end_matches('…')));

        let short = typesetter.layout_clamped("Renée Müller", style(), 150.0, 2);
        assert_eq!(short.lines(), 1);
        assert_eq!(short.text, "Renée Müller");
    }

    fn glyph(id: u32, x: f32, advance: f32) -> parley::Glyph {
        parley::Glyph {
            id,
            x,
            y: 0.0,
            advance,
        }
    }

    #[test]
    fn a_shifted_last_glyph_is_drawn_before_its_base() {
        // स्कै: half sa, ka, and the vowel sign ै shifted 2.5 pt left
        // (values exact in binary, so positions compare exactly).
        let mut cluster = vec![glyph(1, 0.0, 5.0), glyph(2, 0.0, 9.5), glyph(3, -2.5, 0.0)];
        end_on_unshifted_glyph(&mut cluster);
        assert_eq!(
            cluster,
            [glyph(1, 0.0, 5.0), glyph(3, 7.0, 0.0), glyph(2, 0.0, 9.5)]
        );
        // Every glyph is drawn where it was: pen + offset.
        let drawn: Vec<(u32, f32)> = cluster
            .iter()
            .scan(0.0, |pen, g| {
                let x = *pen + g.x;
                *pen += g.advance;
                Some((g.id, x))
            })
            .collect();
        assert!(drawn.contains(&(3, 12.0)));
        assert!(drawn.contains(&(2, 5.0)));

        // Nothing to do without a shifted last glyph.
        let plain = vec![glyph(1, 0.0, 5.0), glyph(2, 0.0, 4.0)];
        let mut same = plain.clone();
        end_on_unshifted_glyph(&mut same);
        assert_eq!(same, plain);
    }

    #[test]
    fn char_boundaries_never_split_a_character() {
        let text = "विकास";
        assert_eq!(floor_char_boundary(text, 2), 0);
        assert_eq!(floor_char_boundary(text, 3), 3);
        assert_eq!(floor_char_boundary(text, 100), text.len());
    }
}
