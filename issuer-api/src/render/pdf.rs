//! The printable certificate: one A4 page with a header band (logo, issuer,
//! title), the details in sections of label/value rows, the QR code (drawn
//! as vectors, so it prints crisp at any resolution) and a footer.
//!
//! Everything is laid out in "logical" coordinates, start edge first; for
//! a right-to-left language [`Frame`] mirrors each box, so the logo, the
//! labels and the QR code all swap sides.
//!
//! The output is deterministic: the same input gives the same bytes (krilla
//! derives the file ID from the content; the creation date is the
//! credential's issuance date), so callers can cache and tag it.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::{Data, Document};

use super::RenderError;
use super::fields::{self, Context};
use super::fonts::FontSet;
use super::printed::Printed;
use super::qr::QrMatrix;
use super::template::{
    Direction, Field, LOGO_MAX_BYTES, LogoPlacement, QrPlacement, ResolvedLabels, Template,
};
use super::text::{Align, TextBlock, TextStyle, Typesetter};

/// The logo printed when the issuer has none.
const DEFAULT_LOGO: &[u8] = include_bytes!("../../assets/logo/default-logo.png");
/// Largest logo, in pixels per side (a 40 mm logo at 600 dpi is 945).
const LOGO_MAX_PIXELS: u32 = 4096;

/// A4, in points.
const PAGE_WIDTH: f32 = 595.276;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 16.0 * MM;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Points per millimetre.
const MM: f32 = 72.0 / 25.4;
/// Space between the details and a QR code beside them.
const QR_GAP: f32 = 8.0 * MM;
/// Share of the details' width taken by the labels.
const LABEL_SHARE: f32 = 0.36;
/// Space between a label and its value.
const COLUMN_GAP: f32 = 8.0;
/// At most this many lines per value; longer values are cut short.
const VALUE_MAX_LINES: usize = 3;

const TITLE_SIZE: f32 = 22.0;
const ISSUER_SIZE: f32 = 13.0;
const SUBTITLE_SIZE: f32 = 9.5;
const HEADING_SIZE: f32 = 11.5;
const LABEL_SIZE: f32 = 8.5;
const VALUE_SIZE: f32 = 10.0;
const NAME_SIZE: f32 = 12.5;
const CAPTION_SIZE: f32 = 8.5;
const FOOTER_SIZE: f32 = 8.0;

/// Everything the printed certificate shows.
#[derive(Debug, Clone, Copy)]
pub struct PdfInput<'a> {
    /// What the signed credential says, as the certificate prints it
    /// (`Printed::from` a DIVOC credential or a verified credential's view).
    pub credential: &'a Printed,
    /// The QR payload: DIVOC's ZIP holding `certificate.json`.
    pub qr_payload: &'a [u8],
    /// The issuer's display name, e.g. "Ministry of Health and Family Welfare".
    pub issuer_name: &'a str,
    /// The issuer's logo as PNG; `None` prints the bundled emblem (unless
    /// the template places no logo).
    pub logo: Option<&'a [u8]>,
    /// The template: texts, fields, colours, placement.
    pub template: &'a Template,
}

/// The printable A4 certificate as PDF, in `lang` (a BCP 47 tag; unknown
/// languages fall back to the template's default, then English).
///
/// CPU-bound (tens of milliseconds): call it from a blocking task.
pub fn pdf(input: &PdfInput<'_>, lang: &str) -> Result<Vec<u8>, RenderError> {
    let template = input.template;
    let labels = template.labels(lang);
    let frame = Frame {
        rtl: labels.direction() == Direction::Rtl,
    };
    let qr = QrMatrix::encode(input.qr_payload)?;
    let logo = match template.logo_placement {
        LogoPlacement::None => None,
        _ => Some(load_logo(input.logo)?),
    };
    let cx = Context {
        issuer_name: input.issuer_name,
        labels: &labels,
        utc_offset_seconds: template.utc_offset_seconds,
    };
    let mut typesetter = Typesetter::new(FontSet::new(&template.fonts)?);
    let colours = Colours::of(template);

    let mut document = Document::new();
    document.set_metadata(metadata(input, &labels, &cx));
    let settings =
        PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(|| RenderError::Pdf {
            reason: "invalid page size".to_owned(),
        })?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    let mut page_drawer = PageDrawer {
        surface: &mut surface,
        typesetter: &mut typesetter,
        frame,
        colours,
    };
    let body_top = page_drawer.header(input, &labels, logo)?;
    page_drawer.body(input, &labels, &cx, &qr, body_top)?;
    surface.finish();
    page.finish();
    document.finish().map_err(|e| RenderError::Pdf {
        reason: format!("{e:?}"),
    })
}

/// The template's colours as PDF colours.
#[derive(Clone, Copy)]
struct Colours {
    accent: rgb::Color,
    text: rgb::Color,
    muted: rgb::Color,
    band: rgb::Color,
}

impl Colours {
    fn of(template: &Template) -> Self {
        Self {
            accent: template.colours.accent.pdf(),
            text: template.colours.text.pdf(),
            muted: template.colours.muted.pdf(),
            band: template.colours.band.pdf(),
        }
    }
}

/// Maps logical boxes (x from the start edge) to the page, mirrored for
/// right-to-left languages.
#[derive(Clone, Copy)]
struct Frame {
    rtl: bool,
}

impl Frame {
    /// Page x of a box `width` wide starting `x` points from the start
    /// edge of the page.
    fn x(self, x: f32, width: f32) -> f32 {
        if self.rtl { PAGE_WIDTH - x - width } else { x }
    }

    /// Text aligned to the start edge.
    fn start(self) -> Align {
        if self.rtl { Align::Right } else { Align::Left }
    }
}

struct PageDrawer<'s, 'p> {
    surface: &'s mut Surface<'p>,
    typesetter: &'s mut Typesetter,
    frame: Frame,
    colours: Colours,
}

impl PageDrawer<'_, '_> {
    /// The header band: logo, issuer name, title, subtitle. Returns where
    /// the body starts.
    fn header(
        &mut self,
        input: &PdfInput<'_>,
        labels: &ResolvedLabels<'_>,
        logo: Option<Image>,
    ) -> Result<f32, RenderError> {
        let template = input.template;
        let start = self.frame.start();
        let logo = logo.map(|image| {
            let (w, h) = image.size();
            let height = template.logo_height_mm * MM;
            // Wide logos are capped at half the page's content width.
            let width = (height * w as f32 / h.max(1) as f32).min(CONTENT_WIDTH / 2.0);
            (image, width, height)
        });
        let centred = template.logo_placement == LogoPlacement::Centre;
        let text_align = if centred { Align::Centre } else { start };
        let gap = 5.0 * MM;
        let side_logo_width = match (&logo, centred) {
            (Some((_, w, _)), false) => w + gap,
            _ => 0.0,
        };
        let issuer = self.typesetter.layout_clamped(
            input.issuer_name,
            self.style(ISSUER_SIZE, true, self.colours.text, text_align),
            CONTENT_WIDTH - side_logo_width,
            2,
        );
        let title = self.typesetter.layout_clamped(
            labels.text("title"),
            self.style(TITLE_SIZE, true, self.colours.accent, text_align),
            CONTENT_WIDTH,
            2,
        );
        let subtitle = self.typesetter.layout_clamped(
            labels.text("subtitle"),
            self.style(SUBTITLE_SIZE, false, self.colours.muted, text_align),
            CONTENT_WIDTH,
            2,
        );

        let top = MARGIN * 0.8;
        let mut y = top;
        let logo_height = logo.as_ref().map_or(0.0, |(_, _, h)| *h);
        let issuer_top;
        if centred {
            issuer_top = y + logo_height + if logo.is_some() { 3.0 * MM } else { 0.0 };
            y = issuer_top + issuer.height();
        } else {
            let row = logo_height.max(issuer.height());
            issuer_top = y + (row - issuer.height()) / 2.0;
            y += row;
        }
        let title_top = y + 4.0 * MM;
        let subtitle_top = title_top + title.height() + 1.0;
        let band_bottom = subtitle_top + subtitle.height() + 4.0 * MM;

        fill_rect(
            self.surface,
            0.0,
            0.0,
            PAGE_WIDTH,
            band_bottom,
            self.colours.band,
        );
        fill_rect(
            self.surface,
            0.0,
            band_bottom,
            PAGE_WIDTH,
            1.2,
            self.colours.accent,
        );
        if let Some((image, width, height)) = logo {
            let x = match template.logo_placement {
                LogoPlacement::Centre => MARGIN + (CONTENT_WIDTH - width) / 2.0,
                LogoPlacement::End => MARGIN + CONTENT_WIDTH - width,
                _ => MARGIN,
            };
            let logo_top = if centred {
                top
            } else {
                top + (logo_height.max(issuer.height()) - height) / 2.0
            };
            self.image(image, self.frame.x(x, width), logo_top, width, height);
        }
        let issuer_x = match template.logo_placement {
            LogoPlacement::Start => MARGIN + side_logo_width,
            _ => MARGIN,
        };
        self.text(
            &issuer,
            issuer_x,
            issuer_top,
            CONTENT_WIDTH - side_logo_width,
        )?;
        self.text(&title, MARGIN, title_top, CONTENT_WIDTH)?;
        self.text(&subtitle, MARGIN, subtitle_top, CONTENT_WIDTH)?;
        Ok(band_bottom + 7.0 * MM)
    }

    /// The details, the QR code and the footer.
    fn body(
        &mut self,
        input: &PdfInput<'_>,
        labels: &ResolvedLabels<'_>,
        cx: &Context<'_>,
        qr: &QrMatrix,
        top: f32,
    ) -> Result<(), RenderError> {
        let template = input.template;

        // Footer first: it bounds everything above it.
        let issued = fields::date(&input.credential.issuance_date, cx);
        let footer_text = labels
            .text("issued_by")
            .replace("{issuer}", input.issuer_name)
            .replace("{date}", &issued);
        let footer = self.typesetter.layout_clamped(
            &footer_text,
            self.style(FOOTER_SIZE, false, self.colours.muted, self.frame.start()),
            CONTENT_WIDTH,
            2,
        );
        let footer_top = PAGE_HEIGHT - MARGIN - footer.height();
        let rule_y = footer_top - 3.0 * MM;
        fill_rect(
            self.surface,
            MARGIN,
            rule_y,
            CONTENT_WIDTH,
            0.5,
            self.colours.muted,
        );
        self.text(&footer, MARGIN, footer_top, CONTENT_WIDTH)?;

        // The QR code with its caption, in the end column: at the top
        // beside the details, or at the bottom with the details above and
        // beside it.
        let qr_width = template.qr_size_mm * MM;
        let caption = self.typesetter.layout_clamped(
            labels.text("scan"),
            self.style(CAPTION_SIZE, false, self.colours.muted, Align::Centre),
            qr_width,
            2,
        );
        let certificate_id = self.typesetter.layout_clamped(
            &input.credential.certificate_id,
            self.style(CAPTION_SIZE, true, self.colours.text, Align::Centre),
            qr_width,
            2,
        );
        let block_height = qr_width + 2.0 + caption.height() + certificate_id.height();
        let qr_top = match template.qr_placement {
            QrPlacement::Side => top,
            QrPlacement::Bottom => (rule_y - 4.0 * MM - block_height).max(top),
        };
        let qr_x = MARGIN + CONTENT_WIDTH - qr_width;
        draw_qr(
            self.surface,
            qr,
            self.frame.x(qr_x, qr_width),
            qr_top,
            qr_width,
        );
        let caption_top = qr_top + qr_width + 2.0;
        self.text(&caption, qr_x, caption_top, qr_width)?;
        self.text(
            &certificate_id,
            qr_x,
            caption_top + caption.height(),
            qr_width,
        )?;

        let columns = Columns {
            float_top: qr_top - 2.0 * MM,
            float_bottom: qr_top + block_height + 2.0 * MM,
            narrow: CONTENT_WIDTH - qr_width - QR_GAP,
        };
        self.details(input, cx, labels, top, rule_y - 4.0 * MM, columns)
    }

    /// The sections of label/value rows, from `top` down to at most
    /// `bottom`, narrowed beside the QR code. Rows that do not fit are
    /// left out (with a warning: a template with too many fields).
    fn details(
        &mut self,
        input: &PdfInput<'_>,
        cx: &Context<'_>,
        labels: &ResolvedLabels<'_>,
        top: f32,
        bottom: f32,
        columns: Columns,
    ) -> Result<(), RenderError> {
        // One label width for every row, so the values line up.
        let label_width = columns.narrow * LABEL_SHARE;
        let value_x = MARGIN + label_width + COLUMN_GAP;
        let start = self.frame.start();
        let mut y = top;
        for section in &input.template.sections {
            let rows: Vec<(Field, String)> = section
                .fields
                .iter()
                .map(|&f| (f, fields::value(f, input.credential, cx)))
                .filter(|(_, v)| !v.trim().is_empty())
                .collect();
            let Some(((first_field, first_value), rest)) = rows.split_first() else {
                continue;
            };
            let heading_style = self.style(HEADING_SIZE, true, self.colours.accent, start);
            let heading_text = labels.text(&section.heading);
            let mut heading =
                self.typesetter
                    .layout_clamped(heading_text, heading_style, CONTENT_WIDTH, 1);
            // A heading at the foot of the QR code would be narrow over
            // full-width rows: start the section below the QR code instead.
            let heading_space = heading.height() + 6.0;
            if columns.width(y, heading_space) < CONTENT_WIDTH
                && y + heading_space >= columns.float_bottom
            {
                y = columns.float_bottom;
            }
            let mut width = columns.width(y, heading_space);
            if width < CONTENT_WIDTH {
                heading = self
                    .typesetter
                    .layout_clamped(heading_text, heading_style, width, 1);
            }
            // The heading goes only where its first row fits too.
            let first = self.row(
                labels,
                *first_field,
                first_value,
                y + heading_space,
                label_width,
                &columns,
            );
            if y + heading_space + first.height() > bottom {
                tracing::warn!(section = %section.heading, "certificate sections do not fit the page");
                return Ok(());
            }
            self.text(&heading, MARGIN, y, width)?;
            y += heading.height() + 1.5;
            fill_rect(
                self.surface,
                self.frame.x(MARGIN, width),
                y,
                width,
                0.6,
                self.colours.accent,
            );
            y += 4.5;
            let mut next = Some(first);
            let mut rest = rest.iter();
            while let Some(row) = next.take() {
                if y + row.height() > bottom {
                    tracing::warn!(
                        field = row.field.label_key(),
                        "certificate rows do not fit the page"
                    );
                    return Ok(());
                }
                // Labels are smaller than values: drop them to the value's
                // first baseline so both read as one line.
                let label_drop = (value_size(row.field) - LABEL_SIZE) * 0.9;
                self.text(&row.label, MARGIN, y + label_drop, label_width)?;
                width = row.value_width;
                self.text(&row.value, value_x, y, width)?;
                y += row.height() + 3.0;
                next = rest.next().map(|(field, value)| {
                    self.row(labels, *field, value, y, label_width, &columns)
                });
            }
            y += 4.0 * MM;
        }
        Ok(())
    }

    /// A label/value row laid out for a top edge at `y`: full width, or
    /// narrowed if that would run into the QR code.
    fn row(
        &mut self,
        labels: &ResolvedLabels<'_>,
        field: Field,
        value: &str,
        y: f32,
        label_width: f32,
        columns: &Columns,
    ) -> Row {
        let start = self.frame.start();
        let label = self.typesetter.layout_clamped(
            labels.text(field.label_key()),
            self.style(LABEL_SIZE, false, self.colours.muted, start),
            label_width,
            2,
        );
        let value_style = self.style(
            value_size(field),
            field == Field::Name,
            self.colours.text,
            start,
        );
        let value_width = |width: f32| width - label_width - COLUMN_GAP;
        let mut row_width = CONTENT_WIDTH;
        let mut laid_out = self.typesetter.layout_clamped(
            value,
            value_style,
            value_width(row_width),
            VALUE_MAX_LINES,
        );
        if columns.width(y, label.height().max(laid_out.height())) < CONTENT_WIDTH {
            row_width = columns.narrow;
            laid_out = self.typesetter.layout_clamped(
                value,
                value_style,
                value_width(row_width),
                VALUE_MAX_LINES,
            );
        }
        Row {
            field,
            label,
            value: laid_out,
            value_width: value_width(row_width),
        }
    }

    fn style(&self, size: f32, bold: bool, colour: rgb::Color, align: Align) -> TextStyle {
        TextStyle {
            size,
            bold,
            colour,
            align,
        }
    }

    /// Draw `block`, laid out `width` wide, at logical `x`.
    fn text(&mut self, block: &TextBlock, x: f32, y: f32, width: f32) -> Result<(), RenderError> {
        let page_x = self.frame.x(x, width);
        self.typesetter.draw(self.surface, block, page_x, y)
    }

    fn image(&mut self, image: Image, x: f32, y: f32, width: f32, height: f32) {
        if let Some(size) = Size::from_wh(width, height) {
            self.surface
                .push_transform(&Transform::from_translate(x, y));
            self.surface.draw_image(image, size);
            self.surface.pop();
        }
    }
}

/// The details' width down the page: narrow beside the QR code, full
/// above and below it.
struct Columns {
    float_top: f32,
    float_bottom: f32,
    narrow: f32,
}

impl Columns {
    /// Width available to a box from `y` down `height` points.
    fn width(&self, y: f32, height: f32) -> f32 {
        if y < self.float_bottom && y + height > self.float_top {
            self.narrow
        } else {
            CONTENT_WIDTH
        }
    }
}

/// A laid-out label/value row.
struct Row {
    field: Field,
    label: TextBlock,
    value: TextBlock,
    value_width: f32,
}

impl Row {
    fn height(&self) -> f32 {
        self.label.height().max(self.value.height())
    }
}

fn value_size(field: Field) -> f32 {
    if field == Field::Name {
        NAME_SIZE
    } else {
        VALUE_SIZE
    }
}

/// The issuer's logo (or the bundled one), checked: a PNG of sane size.
fn load_logo(logo: Option<&[u8]>) -> Result<Image, RenderError> {
    let data: Data = match logo {
        Some(bytes) if bytes.len() > LOGO_MAX_BYTES => {
            return Err(RenderError::Image {
                reason: format!(
                    "the logo is {} bytes; at most {LOGO_MAX_BYTES}",
                    bytes.len()
                ),
            });
        }
        Some(bytes) => bytes.to_vec().into(),
        None => DEFAULT_LOGO.into(),
    };
    let image = Image::from_png(data, true).map_err(|reason| RenderError::Image {
        reason: format!("the logo is not a PNG krilla can embed: {reason}"),
    })?;
    let (w, h) = image.size();
    if w == 0 || h == 0 || w > LOGO_MAX_PIXELS || h > LOGO_MAX_PIXELS {
        return Err(RenderError::Image {
            reason: format!("the logo is {w}x{h} pixels; at most {LOGO_MAX_PIXELS} a side"),
        });
    }
    Ok(image)
}

/// Title, language, dates and a stable document ID for the PDF.
fn metadata(input: &PdfInput<'_>, labels: &ResolvedLabels<'_>, cx: &Context<'_>) -> Metadata {
    let id = &input.credential.certificate_id;
    let mut metadata = Metadata::new()
        .title(format!(
            "{}: {}",
            labels.text("title"),
            input.credential.name
        ))
        .language(labels.language.to_owned())
        .creator("issuer-api".to_owned())
        .authors(vec![cx.issuer_name.to_owned()])
        .document_id(format!("{}/{id}", input.credential.issuer))
        .text_direction(if labels.direction() == Direction::Rtl {
            krilla::metadata::TextDirection::RightToLeft
        } else {
            krilla::metadata::TextDirection::LeftToRight
        });
    if let Ok(ts) = input.credential.issuance_date.parse::<jiff::Timestamp>() {
        let t = ts.to_zoned_datetime(jiff::tz::TimeZone::UTC);
        if let (Ok(year), Ok(month), Ok(day), Ok(hour), Ok(minute), Ok(second)) = (
            u16::try_from(t.year()),
            u8::try_from(t.month()),
            u8::try_from(t.day()),
            u8::try_from(t.hour()),
            u8::try_from(t.minute()),
            u8::try_from(t.second()),
        ) {
            metadata = metadata.creation_date(
                DateTime::new(year)
                    .month(month)
                    .day(day)
                    .hour(hour)
                    .minute(minute)
                    .second(second)
                    .utc_offset_hour(0)
                    .utc_offset_minute(0),
            );
        }
    }
    metadata
}

/// A filled rectangle at page coordinates.
fn fill_rect(
    surface: &mut Surface<'_>,
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    colour: rgb::Color,
) {
    let Some(rect) = Rect::from_xywh(x, y, width, height) else {
        return;
    };
    let mut path = PathBuilder::new();
    path.push_rect(rect);
    if let Some(path) = path.finish() {
        surface.set_stroke(None);
        surface.set_fill(Some(solid(colour)));
        surface.draw_path(&path);
    }
}

/// The QR code, quiet zone included, as a white square `width` wide at
/// page coordinates with one path of dark rectangles (one per run of dark
/// modules in a row).
fn draw_qr(surface: &mut Surface<'_>, qr: &QrMatrix, x: f32, y: f32, width: f32) {
    fill_rect(surface, x, y, width, width, rgb::Color::white());
    let module = width / qr.width_with_quiet_zone() as f32;
    let origin = super::qr::QR_QUIET_ZONE as f32 * module;
    let mut path = PathBuilder::new();
    for (row, column, len) in qr.dark_runs() {
        if let Some(rect) = Rect::from_xywh(
            x + origin + column as f32 * module,
            y + origin + row as f32 * module,
            len as f32 * module,
            module,
        ) {
            path.push_rect(rect);
        }
    }
    if let Some(path) = path.finish() {
        surface.set_stroke(None);
        surface.set_fill(Some(solid(rgb::Color::black())));
        surface.draw_path(&path);
    }
}

fn solid(colour: rgb::Color) -> Fill {
    Fill {
        paint: colour.into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}
