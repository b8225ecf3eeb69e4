//! The fonts a certificate is set in: Noto fonts bundled in the binary for
//! Latin, Greek, Cyrillic, Devanagari, Arabic and the other scripts of
//! South Asia (see `assets/fonts/README.md`), plus any a template adds.
//!
//! Fallback is parley's: for each character the first family in
//! [`FontSet::families`] that has a glyph for it is used, so a Hindi name
//! in a Latin label row, or an Arabic address, each get a font that
//! covers and shapes them.

use std::sync::Arc;

use parley::FontContext;
use parley::fontique::{Blob, Collection, CollectionOptions, SourceCache};

use super::RenderError;

/// A font file compiled into the binary.
struct Bundled {
    data: &'static [u8],
}

macro_rules! bundled {
    ($($file:literal),* $(,)?) => {
        [$(Bundled { data: include_bytes!(concat!("../../assets/fonts/", $file, ".ttf")) }),*]
    };
}

/// Every bundled font file (regular and, where bundled, bold).
static BUNDLED: [Bundled; 16] = bundled![
    "NotoSans-Regular",
    "NotoSans-Bold",
    "NotoSansDevanagari-Regular",
    "NotoSansDevanagari-Bold",
    "NotoNaskhArabic-Regular",
    "NotoNaskhArabic-Bold",
    "NotoSansBengali-Regular",
    "NotoSansGujarati-Regular",
    "NotoSansGurmukhi-Regular",
    "NotoSansKannada-Regular",
    "NotoSansMalayalam-Regular",
    "NotoSansOriya-Regular",
    "NotoSansTamil-Regular",
    "NotoSansTelugu-Regular",
    "NotoSansSinhala-Regular",
    "NotoSansThai-Regular",
];

/// The bundled families, in fallback order. Noto Sans comes first so that
/// spaces, digits and punctuation between words of any script are set in
/// one consistent face.
const BUNDLED_FAMILIES: [&str; 13] = [
    "Noto Sans",
    "Noto Sans Devanagari",
    "Noto Naskh Arabic",
    "Noto Sans Bengali",
    "Noto Sans Gujarati",
    "Noto Sans Gurmukhi",
    "Noto Sans Kannada",
    "Noto Sans Malayalam",
    "Noto Sans Oriya",
    "Noto Sans Tamil",
    "Noto Sans Telugu",
    "Noto Sans Sinhala",
    "Noto Sans Thai",
];

/// Fonts registered for one rendering, and the fallback order.
pub(crate) struct FontSet {
    pub(crate) context: FontContext,
    pub(crate) families: Vec<String>,
}

impl FontSet {
    /// The bundled fonts, after `extra` (a template's font files, tried
    /// first, in order). Registration parses only the fonts' name and
    /// style tables, so a set is cheap to build per rendering and needs
    /// no lock.
    pub(crate) fn new(extra: &[Arc<Vec<u8>>]) -> Result<Self, RenderError> {
        let mut collection = Collection::new(CollectionOptions {
            shared: false,
            system_fonts: false,
        });
        let mut families = Vec::with_capacity(extra.len() + BUNDLED_FAMILIES.len());
        for (index, data) in extra.iter().enumerate() {
            let blob: Arc<dyn AsRef<[u8]> + Send + Sync> = data.clone();
            let registered = collection.register_fonts(Blob::new(blob), None);
            if registered.is_empty() {
                return Err(RenderError::Font {
                    reason: format!(
                        "template font #{} is not a TrueType/OpenType font",
                        index + 1
                    ),
                });
            }
            for (id, _) in registered {
                if let Some(name) = collection.family_name(id)
                    && !families.iter().any(|f: &String| f == name)
                {
                    families.push(name.to_owned());
                }
            }
        }
        for font in &BUNDLED {
            let blob: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(font.data);
            if collection.register_fonts(Blob::new(blob), None).is_empty() {
                return Err(RenderError::Font {
                    reason: "a bundled font does not parse".to_owned(),
                });
            }
        }
        for family in BUNDLED_FAMILIES {
            if !families.iter().any(|f| f == family) {
                families.push(family.to_owned());
            }
        }
        Ok(Self {
            context: FontContext {
                collection,
                source_cache: SourceCache::default(),
            },
            families,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_family_is_registered() {
        let mut set = FontSet::new(&[]).unwrap();
        for family in &set.families {
            assert!(
                set.context.collection.family_id(family).is_some(),
                "{family} is not registered"
            );
        }
        assert_eq!(set.families.first().map(String::as_str), Some("Noto Sans"));
    }

    #[test]
    fn a_template_font_that_is_not_a_font_is_refused() {
        let junk = Arc::new(b"not a font".to_vec());
        assert!(matches!(
            FontSet::new(&[junk]),
            Err(RenderError::Font { .. })
        ));
    }
}
