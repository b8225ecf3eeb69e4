//! The certificate template: what the printed certificate says (title,
//! labels in each language), which fields it shows in which sections, its
//! colours, where the logo and QR code go, and extra fonts. The format is
//! documented in `assets/templates/README.md`.
//!
//! A ministry's template file names only what it changes; everything else
//! comes from the bundled `assets/templates/default.toml` and the bundled
//! translations in `assets/templates/labels.toml`. Unknown keys, fields
//! and label names are errors, so a typo is caught at start-up instead of
//! silently printing the default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use krilla::color::rgb;
use serde::Deserialize;

use super::RenderError;

/// The bundled layout (colours, sections, logo and QR placement).
const DEFAULT_TEMPLATE: &str = include_str!("../../assets/templates/default.toml");
/// The bundled translations, one table per language.
const BUNDLED_LABELS: &str = include_str!("../../assets/templates/labels.toml");

/// The language every other one falls back to, key by key.
pub const FALLBACK_LANGUAGE: &str = "en";
/// Smallest printed QR code: DIVOC's payloads need version 25-28, whose
/// modules are then 0.3 mm, about what a phone camera resolves on paper.
pub const QR_MIN_MM: f32 = 45.0;
/// Largest printed QR code (it shares the page with the details).
pub const QR_MAX_MM: f32 = 90.0;
/// Largest logo file accepted.
pub const LOGO_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Largest font file a template may add (a full CJK font is about 20 MB).
pub const FONT_MAX_BYTES: usize = 32 * 1024 * 1024;
/// Longest language tag considered (BCP 47 tags in practice are short).
const LANGUAGE_TAG_MAX: usize = 35;

/// A field of the credential the certificate can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Field {
    /// `credentialSubject.name`.
    Name,
    /// `credentialSubject.age`.
    Age,
    /// `credentialSubject.dob` (context v2).
    Dob,
    /// `credentialSubject.gender`, translated through the labels' `values`.
    Gender,
    /// `credentialSubject.id`: the identity document.
    Id,
    /// `credentialSubject.refId`: the pre-enrolment code.
    RefId,
    /// `credentialSubject.nationality`.
    Nationality,
    /// `credentialSubject.address`, on one line.
    Address,
    /// `evidence[0].vaccine`.
    Vaccine,
    /// `evidence[0].manufacturer`.
    Manufacturer,
    /// `evidence[0].batch`.
    Batch,
    /// `evidence[0].dose` of `totalDoses`.
    Dose,
    /// `evidence[0].date`: when the dose was given.
    Date,
    /// `evidence[0].effectiveStart`.
    ValidFrom,
    /// `evidence[0].effectiveUntil`.
    ValidUntil,
    /// `evidence[0].verifier.name`: the vaccinator.
    Vaccinator,
    /// `evidence[0].facility.name`.
    Facility,
    /// `evidence[0].facility.address`, on one line.
    FacilityAddress,
    /// `evidence[0].certificateId`.
    CertificateId,
    /// The issuer's display name.
    Issuer,
    /// `issuanceDate`.
    IssuanceDate,
    /// `evidence[0].prophylaxis` (context v2).
    Prophylaxis,
    /// `evidence[0].icd11Code` (context v2).
    Icd11Code,
}

impl Field {
    /// The label key naming this field in `labels.toml`.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Age => "age",
            Self::Dob => "dob",
            Self::Gender => "gender",
            Self::Id => "id",
            Self::RefId => "ref_id",
            Self::Nationality => "nationality",
            Self::Address => "address",
            Self::Vaccine => "vaccine",
            Self::Manufacturer => "manufacturer",
            Self::Batch => "batch",
            Self::Dose => "dose",
            Self::Date => "date",
            Self::ValidFrom => "valid_from",
            Self::ValidUntil => "valid_until",
            Self::Vaccinator => "vaccinator",
            Self::Facility => "facility",
            Self::FacilityAddress => "facility_address",
            Self::CertificateId => "certificate_id",
            Self::Issuer => "issuer",
            Self::IssuanceDate => "issuance_date",
            Self::Prophylaxis => "prophylaxis",
            Self::Icd11Code => "icd11_code",
        }
    }
}

/// Label keys that are not field names: headings and sentences.
const TEXT_KEYS: [&str; 8] = [
    "title",
    "subtitle",
    "recipient",
    "vaccination",
    "certificate",
    "scan",
    "issued_by",
    "dose_value",
];
/// Field label keys (see [`Field::label_key`]).
const FIELD_KEYS: [&str; 23] = [
    "name",
    "age",
    "dob",
    "gender",
    "id",
    "ref_id",
    "nationality",
    "address",
    "vaccine",
    "manufacturer",
    "batch",
    "dose",
    "date",
    "valid_from",
    "valid_until",
    "vaccinator",
    "facility",
    "facility_address",
    "certificate_id",
    "issuer",
    "issuance_date",
    "prophylaxis",
    "icd11_code",
];

/// Which way a language is written; right-to-left mirrors the page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Direction {
    /// Left to right.
    #[default]
    Ltr,
    /// Right to left (Arabic, Urdu, Persian, Hebrew).
    Rtl,
}

/// Where the issuer's logo goes in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LogoPlacement {
    /// Before the issuer's name (at the right in right-to-left languages).
    Start,
    /// Above the issuer's name, centred.
    Centre,
    /// After the issuer's name, at the far side.
    End,
    /// No logo.
    None,
}

/// Where the QR code goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum QrPlacement {
    /// Beside the details, at the end side.
    Side,
    /// Below the details, centred.
    Bottom,
}

/// A colour, written `#RRGGBB` in the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub(crate) struct Colour(pub(crate) u8, pub(crate) u8, pub(crate) u8);

impl TryFrom<String> for Colour {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let hex = text
            .strip_prefix('#')
            .filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| format!("colour {text:?} is not #RRGGBB"))?;
        let channel = |i: usize| {
            hex.get(i..i + 2)
                .and_then(|c| u8::from_str_radix(c, 16).ok())
                .unwrap_or(0)
        };
        Ok(Self(channel(0), channel(2), channel(4)))
    }
}

impl Colour {
    pub(crate) fn pdf(self) -> rgb::Color {
        rgb::Color::new(self.0, self.1, self.2)
    }
}

/// The template's colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Colours {
    /// Title, section headings, rules.
    pub accent: Colour,
    /// Values.
    pub text: Colour,
    /// Labels, captions, the footer.
    pub muted: Colour,
    /// Background of the header band.
    pub band: Colour,
}

/// One section of details: a heading and its rows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Section {
    /// Label key of the heading (any key of `labels.toml`, usually
    /// `recipient`, `vaccination` or `certificate`).
    pub heading: String,
    /// The fields, in order; a field with no value is left out.
    pub fields: Vec<Field>,
}

/// The texts of one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct Labels {
    /// Writing direction.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// Month names, January first (exactly twelve).
    #[serde(default)]
    pub months: Option<Vec<String>>,
    /// How a date is written: `{day}`, `{month}` (a name from `months`),
    /// `{year}`; without `months`, dates print as `YYYY-MM-DD`.
    #[serde(default)]
    pub date_format: Option<String>,
    /// Translations of field values (e.g. `Male = "पुरुष"`).
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// Every other key: headings, sentences and field labels.
    #[serde(flatten)]
    pub text: BTreeMap<String, String>,
}

impl Labels {
    /// Overlay `other`'s entries on these.
    fn merge(&mut self, other: Labels) {
        self.direction = other.direction.or(self.direction);
        self.months = other.months.or(self.months.take());
        self.date_format = other.date_format.or(self.date_format.take());
        self.values.extend(other.values);
        self.text.extend(other.text);
    }

    fn check(&self, language: &str) -> Result<(), RenderError> {
        if let Some(key) = self
            .text
            .keys()
            .find(|k| !TEXT_KEYS.contains(&k.as_str()) && !FIELD_KEYS.contains(&k.as_str()))
        {
            return Err(template_error(format!(
                "unknown label {key:?} in language {language:?}"
            )));
        }
        if let Some(months) = &self.months
            && months.len() != 12
        {
            return Err(template_error(format!(
                "language {language:?} has {} month names, not 12",
                months.len()
            )));
        }
        Ok(())
    }
}

/// A template file as written: every key optional, so a ministry's file
/// names only what it changes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    default_language: Option<String>,
    #[serde(default)]
    fonts: Vec<PathBuf>,
    utc_offset: Option<String>,
    colours: Option<ColoursFile>,
    logo: Option<LogoFile>,
    qr: Option<QrFile>,
    sections: Option<Vec<Section>>,
    #[serde(default)]
    labels: BTreeMap<String, Labels>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColoursFile {
    accent: Option<Colour>,
    text: Option<Colour>,
    muted: Option<Colour>,
    band: Option<Colour>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogoFile {
    placement: Option<LogoPlacement>,
    height_mm: Option<f32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct QrFile {
    placement: Option<QrPlacement>,
    size_mm: Option<f32>,
}

/// A parsed, checked certificate template. Build one at start-up with
/// [`Template::bundled`] or [`Template::from_file`] and share it.
#[derive(Debug, Clone)]
pub struct Template {
    pub(crate) colours: Colours,
    pub(crate) logo_placement: LogoPlacement,
    pub(crate) logo_height_mm: f32,
    pub(crate) qr_placement: QrPlacement,
    pub(crate) qr_size_mm: f32,
    pub(crate) sections: Vec<Section>,
    pub(crate) languages: BTreeMap<String, Labels>,
    pub(crate) default_language: String,
    pub(crate) utc_offset_seconds: i32,
    pub(crate) fonts: Vec<Arc<Vec<u8>>>,
}

impl Template {
    /// The bundled template: `assets/templates/default.toml` with the
    /// translations of `assets/templates/labels.toml`.
    pub fn bundled() -> Result<Self, RenderError> {
        Self::build(TemplateFile::default(), None)
    }

    /// A ministry's template from TOML text, over the bundled one. Font
    /// paths in it are relative to `base_dir`.
    pub fn from_toml(text: &str, base_dir: &Path) -> Result<Self, RenderError> {
        let file: TemplateFile = toml::from_str(text).map_err(|e| template_error(e.to_string()))?;
        Self::build(file, Some(base_dir))
    }

    /// A ministry's template file, over the bundled one.
    pub fn from_file(path: &Path) -> Result<Self, RenderError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| template_error(format!("{}: {e}", path.display())))?;
        Self::from_toml(&text, path.parent().unwrap_or(Path::new(".")))
    }

    /// The languages this template has texts for.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.languages.keys().map(String::as_str)
    }

    fn build(overlay: TemplateFile, base_dir: Option<&Path>) -> Result<Self, RenderError> {
        let base: TemplateFile = toml::from_str(DEFAULT_TEMPLATE)
            .map_err(|e| template_error(format!("bundled default.toml: {e}")))?;
        let mut languages: BTreeMap<String, Labels> = toml::from_str(BUNDLED_LABELS)
            .map_err(|e| template_error(format!("bundled labels.toml: {e}")))?;
        for (language, labels) in overlay.labels {
            let language = language.to_ascii_lowercase();
            languages.entry(language).or_default().merge(labels);
        }
        for (language, labels) in &languages {
            labels.check(language)?;
        }
        let english = languages
            .get(FALLBACK_LANGUAGE)
            .ok_or_else(|| template_error("no English labels".to_owned()))?;
        if let Some(missing) = TEXT_KEYS
            .iter()
            .chain(&FIELD_KEYS)
            .find(|k| !english.text.contains_key(**k))
        {
            return Err(template_error(format!(
                "English label {missing:?} is missing"
            )));
        }

        let colours = merge_colours(base.colours, overlay.colours)?;
        let (base_logo, logo) = (
            base.logo.unwrap_or_default(),
            overlay.logo.unwrap_or_default(),
        );
        let (base_qr, qr) = (base.qr.unwrap_or_default(), overlay.qr.unwrap_or_default());
        let qr_size_mm = qr
            .size_mm
            .or(base_qr.size_mm)
            .ok_or_else(|| template_error("qr.size_mm is missing".to_owned()))?;
        if !(QR_MIN_MM..=QR_MAX_MM).contains(&qr_size_mm) {
            return Err(template_error(format!(
                "qr.size_mm is {qr_size_mm}; it must be from {QR_MIN_MM} to {QR_MAX_MM} to scan from paper"
            )));
        }
        let logo_height_mm = logo.height_mm.or(base_logo.height_mm).unwrap_or(18.0);
        if !(5.0..=40.0).contains(&logo_height_mm) {
            return Err(template_error(format!(
                "logo.height_mm is {logo_height_mm}; it must be from 5 to 40"
            )));
        }
        let sections = overlay
            .sections
            .or(base.sections)
            .ok_or_else(|| template_error("no sections".to_owned()))?;
        for section in &sections {
            if !TEXT_KEYS.contains(&section.heading.as_str())
                && !FIELD_KEYS.contains(&section.heading.as_str())
            {
                return Err(template_error(format!(
                    "section heading {:?} is not a label key",
                    section.heading
                )));
            }
        }
        let default_language = overlay
            .default_language
            .or(base.default_language)
            .unwrap_or_else(|| FALLBACK_LANGUAGE.to_owned())
            .to_ascii_lowercase();
        if !languages.contains_key(&default_language) {
            return Err(template_error(format!(
                "default_language {default_language:?} has no labels"
            )));
        }
        let utc_offset_seconds = match overlay.utc_offset.or(base.utc_offset) {
            Some(offset) => parse_utc_offset(&offset)?,
            None => 0,
        };
        let fonts = match base_dir {
            Some(dir) => overlay
                .fonts
                .iter()
                .map(|path| read_font(&dir.join(path)))
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        Ok(Self {
            colours,
            logo_placement: logo
                .placement
                .or(base_logo.placement)
                .unwrap_or(LogoPlacement::Start),
            logo_height_mm,
            qr_placement: qr
                .placement
                .or(base_qr.placement)
                .unwrap_or(QrPlacement::Side),
            qr_size_mm,
            sections,
            languages,
            default_language,
            utc_offset_seconds,
            fonts,
        })
    }

    /// The texts for `language` (a BCP 47 tag such as `hi` or `hi-IN`):
    /// that language, else its primary language, else the template's
    /// default language, else English; each text falls back along the
    /// same chain, so a partial translation still prints every label.
    pub(crate) fn labels(&self, language: &str) -> ResolvedLabels<'_> {
        let requested = language
            .split([',', ';'])
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
            .replace('_', "-");
        let mut chain: Vec<&Labels> = Vec::with_capacity(4);
        let mut chosen = None;
        let mut candidates = Vec::with_capacity(4);
        if !requested.is_empty()
            && requested.len() <= LANGUAGE_TAG_MAX
            && requested
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            candidates.push(requested.clone());
            if let Some((primary, _)) = requested.split_once('-') {
                candidates.push(primary.to_owned());
            }
        }
        candidates.push(self.default_language.clone());
        candidates.push(FALLBACK_LANGUAGE.to_owned());
        for candidate in candidates {
            if let Some((tag, labels)) = self.languages.get_key_value(&candidate)
                && !chain.iter().any(|l| std::ptr::eq(*l, labels))
            {
                chosen.get_or_insert(tag.as_str());
                chain.push(labels);
            }
        }
        ResolvedLabels {
            language: chosen.unwrap_or(FALLBACK_LANGUAGE),
            chain,
        }
    }
}

/// The texts of the language a certificate is printed in, with fallbacks.
#[derive(Debug)]
pub(crate) struct ResolvedLabels<'a> {
    /// The language tag the texts are in (for the PDF's metadata).
    pub(crate) language: &'a str,
    chain: Vec<&'a Labels>,
}

impl ResolvedLabels<'_> {
    /// The text for `key` (empty if no language has it; the bundled English
    /// has every key, which [`Template::build`] checks).
    pub(crate) fn text(&self, key: &str) -> &str {
        self.chain
            .iter()
            .find_map(|l| l.text.get(key))
            .map_or("", String::as_str)
    }

    /// A field value translated (e.g. a gender), or as it is.
    pub(crate) fn value<'v>(&'v self, value: &'v str) -> &'v str {
        self.chain
            .iter()
            .find_map(|l| l.values.get(value))
            .map_or(value, String::as_str)
    }

    /// The writing direction of the chosen language.
    pub(crate) fn direction(&self) -> Direction {
        self.chain
            .iter()
            .find_map(|l| l.direction)
            .unwrap_or_default()
    }

    /// A `YYYY-MM-DD` date in this language's format.
    pub(crate) fn date(&self, year: i16, month: i8, day: i8) -> String {
        let months = self.chain.iter().find_map(|l| l.months.as_ref());
        let format = self.chain.iter().find_map(|l| l.date_format.as_ref());
        let name = months.and_then(|m| m.get(usize::try_from(month).ok()?.checked_sub(1)?));
        match (name, format) {
            (Some(name), Some(format)) => format
                .replace("{day}", &format!("{day:02}"))
                .replace("{month}", name)
                .replace("{year}", &year.to_string()),
            _ => format!("{year:04}-{month:02}-{day:02}"),
        }
    }
}

fn merge_colours(
    base: Option<ColoursFile>,
    overlay: Option<ColoursFile>,
) -> Result<Colours, RenderError> {
    let base = base.unwrap_or_default();
    let overlay = overlay.unwrap_or_default();
    let pick = |o: Option<Colour>, b: Option<Colour>, name: &str| {
        o.or(b)
            .ok_or_else(|| template_error(format!("colours.{name} is missing")))
    };
    Ok(Colours {
        accent: pick(overlay.accent, base.accent, "accent")?,
        text: pick(overlay.text, base.text, "text")?,
        muted: pick(overlay.muted, base.muted, "muted")?,
        band: pick(overlay.band, base.band, "band")?,
    })
}

/// `+05:30`, `-03:00`, `Z`: the offset in which dates are printed.
fn parse_utc_offset(text: &str) -> Result<i32, RenderError> {
    let invalid = || template_error(format!("utc_offset {text:?} is not ±HH:MM"));
    if text == "Z" {
        return Ok(0);
    }
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, text.get(1..).ok_or_else(invalid)?),
        Some(b'-') => (-1, text.get(1..).ok_or_else(invalid)?),
        _ => return Err(invalid()),
    };
    let (hours, minutes) = rest.split_once(':').ok_or_else(invalid)?;
    let two_digits = |s: &str| {
        (s.len() == 2)
            .then(|| s.parse::<i32>().ok())
            .flatten()
            .ok_or_else(invalid)
    };
    let (hours, minutes) = (two_digits(hours)?, two_digits(minutes)?);
    if hours > 14 || minutes > 59 {
        return Err(invalid());
    }
    Ok(sign * (hours * 3600 + minutes * 60))
}

fn read_font(path: &Path) -> Result<Arc<Vec<u8>>, RenderError> {
    let meta = std::fs::metadata(path).map_err(|e| RenderError::Font {
        reason: format!("{}: {e}", path.display()),
    })?;
    if meta.len() > FONT_MAX_BYTES as u64 {
        return Err(RenderError::Font {
            reason: format!("{} is larger than {FONT_MAX_BYTES} bytes", path.display()),
        });
    }
    std::fs::read(path)
        .map(Arc::new)
        .map_err(|e| RenderError::Font {
            reason: format!("{}: {e}", path.display()),
        })
}

fn template_error(reason: String) -> RenderError {
    RenderError::Template { reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_template_parses_and_has_english_hindi_arabic() {
        let t = Template::bundled().unwrap();
        for lang in ["en", "hi", "ar"] {
            assert!(t.languages().any(|l| l == lang), "{lang}");
        }
        assert_eq!(t.labels("ar").direction(), Direction::Rtl);
        assert_eq!(t.labels("hi").direction(), Direction::Ltr);
    }

    #[test]
    fn language_resolution_falls_back_to_primary_then_default_then_english() {
        let t = Template::bundled().unwrap();
        assert_eq!(t.labels("hi-IN").language, "hi");
        assert_eq!(t.labels("HI").language, "hi");
        assert_eq!(t.labels("hi-IN,en;q=0.8").language, "hi");
        assert_eq!(t.labels("xx").language, "en");
        assert_eq!(t.labels("").language, "en");
        assert_eq!(t.labels("../../etc/passwd").language, "en");
        assert_eq!(t.labels("xx").text("title"), t.labels("en").text("title"));
    }

    #[test]
    fn a_partial_translation_falls_back_key_by_key() {
        let t = Template::from_toml(
            "[labels.fr]\ntitle = \"Certificat de vaccination\"\n",
            Path::new("."),
        )
        .unwrap();
        let fr = t.labels("fr");
        assert_eq!(fr.language, "fr");
        assert_eq!(fr.text("title"), "Certificat de vaccination");
        assert_eq!(fr.text("name"), t.labels("en").text("name"));
    }

    #[test]
    fn typos_and_impossible_values_are_refused() {
        let refused = |toml: &str| {
            matches!(
                Template::from_toml(toml, Path::new(".")),
                Err(RenderError::Template { .. })
            )
        };
        assert!(refused("[labels.en]\ntitel = \"x\"\n"));
        assert!(refused("[colours]\naccent = \"blue\"\n"));
        assert!(refused("[qr]\nsize_mm = 30\n"));
        assert!(refused(
            "[[sections]]\nheading = \"recipient\"\nfields = [\"shoe_size\"]\n"
        ));
        assert!(refused(
            "[[sections]]\nheading = \"nope\"\nfields = [\"name\"]\n"
        ));
        assert!(refused("default_language = \"fr\"\n"));
        assert!(refused("utc_offset = \"5:30\"\n"));
        assert!(refused("[labels.hi]\nmonths = [\"a\"]\n"));
        assert!(refused("colour = \"#000000\"\n"));
        assert!(matches!(
            Template::from_toml("fonts = [\"missing.ttf\"]\n", Path::new("/nonexistent")),
            Err(RenderError::Font { .. })
        ));
    }

    #[test]
    fn offsets_and_dates() {
        assert_eq!(parse_utc_offset("+05:30").unwrap(), 19_800);
        assert_eq!(parse_utc_offset("-03:00").unwrap(), -10_800);
        assert_eq!(parse_utc_offset("Z").unwrap(), 0);
        let t = Template::bundled().unwrap();
        assert_eq!(t.labels("en").date(2021, 7, 4), "04 Jul 2021");
        assert_eq!(t.labels("hi").date(2021, 7, 4), "04 जुलाई 2021");
    }
}
