//! The part of encoding_rs's API that rxing calls, for UTF-8, UTF-16, the
//! single-byte WHATWG encodings and Shift_JIS (see README.md for why this
//! stands in for encoding_rs).

use std::borrow::Cow;

mod tables;

/// A character encoding, as encoding_rs names them.
#[derive(Debug, PartialEq, Eq)]
pub struct Encoding {
    name: &'static str,
    kind: Kind,
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Utf8,
    Utf16Be,
    Utf16Le,
    /// The characters of bytes 0x80 to 0xFF (0: none); below that, ASCII.
    SingleByte(&'static [u16; 128]),
    ShiftJis,
    /// Chinese and Korean multi-byte encodings: not decoded here.
    Unsupported,
}

macro_rules! encodings {
    ($($stat:ident, $init:ident, $name:literal, $kind:expr;)*) => {
        $(
            static $init: Encoding = Encoding { name: $name, kind: $kind };
            #[doc = concat!("The ", $name, " encoding.")]
            pub static $stat: &Encoding = &$init;
        )*
        static ALL: &[&Encoding] = &[$(&$init),*];
    };
}

encodings! {
    UTF_8, UTF_8_INIT, "UTF-8", Kind::Utf8;
    UTF_16BE, UTF_16BE_INIT, "UTF-16BE", Kind::Utf16Be;
    UTF_16LE, UTF_16LE_INIT, "UTF-16LE", Kind::Utf16Le;
    SHIFT_JIS, SHIFT_JIS_INIT, "Shift_JIS", Kind::ShiftJis;
    ISO_8859_2, ISO_8859_2_INIT, "ISO-8859-2", Kind::SingleByte(&tables::ISO_8859_2);
    ISO_8859_3, ISO_8859_3_INIT, "ISO-8859-3", Kind::SingleByte(&tables::ISO_8859_3);
    ISO_8859_4, ISO_8859_4_INIT, "ISO-8859-4", Kind::SingleByte(&tables::ISO_8859_4);
    ISO_8859_5, ISO_8859_5_INIT, "ISO-8859-5", Kind::SingleByte(&tables::ISO_8859_5);
    ISO_8859_6, ISO_8859_6_INIT, "ISO-8859-6", Kind::SingleByte(&tables::ISO_8859_6);
    ISO_8859_7, ISO_8859_7_INIT, "ISO-8859-7", Kind::SingleByte(&tables::ISO_8859_7);
    ISO_8859_8, ISO_8859_8_INIT, "ISO-8859-8", Kind::SingleByte(&tables::ISO_8859_8);
    ISO_8859_10, ISO_8859_10_INIT, "ISO-8859-10", Kind::SingleByte(&tables::ISO_8859_10);
    ISO_8859_13, ISO_8859_13_INIT, "ISO-8859-13", Kind::SingleByte(&tables::ISO_8859_13);
    ISO_8859_14, ISO_8859_14_INIT, "ISO-8859-14", Kind::SingleByte(&tables::ISO_8859_14);
    ISO_8859_15, ISO_8859_15_INIT, "ISO-8859-15", Kind::SingleByte(&tables::ISO_8859_15);
    ISO_8859_16, ISO_8859_16_INIT, "ISO-8859-16", Kind::SingleByte(&tables::ISO_8859_16);
    WINDOWS_874, WINDOWS_874_INIT, "windows-874", Kind::SingleByte(&tables::WINDOWS_874);
    WINDOWS_1250, WINDOWS_1250_INIT, "windows-1250", Kind::SingleByte(&tables::WINDOWS_1250);
    WINDOWS_1251, WINDOWS_1251_INIT, "windows-1251", Kind::SingleByte(&tables::WINDOWS_1251);
    WINDOWS_1252, WINDOWS_1252_INIT, "windows-1252", Kind::SingleByte(&tables::WINDOWS_1252);
    WINDOWS_1254, WINDOWS_1254_INIT, "windows-1254", Kind::SingleByte(&tables::WINDOWS_1254);
    WINDOWS_1256, WINDOWS_1256_INIT, "windows-1256", Kind::SingleByte(&tables::WINDOWS_1256);
    BIG5, BIG5_INIT, "Big5", Kind::Unsupported;
    GBK, GBK_INIT, "GBK", Kind::Unsupported;
    GB18030, GB18030_INIT, "gb18030", Kind::Unsupported;
    EUC_KR, EUC_KR_INIT, "EUC-KR", Kind::Unsupported;
}

/// Labels that name an encoding other than by its canonical name (WHATWG's
/// label table, the entries for the encodings above that rxing can ask for).
const ALIASES: &[(&str, &str)] = &[
    ("ascii", "windows-1252"),
    ("us-ascii", "windows-1252"),
    ("latin1", "windows-1252"),
    ("iso-8859-1", "windows-1252"),
    ("iso-8859-9", "windows-1254"),
    ("iso-8859-11", "windows-874"),
    ("utf8", "UTF-8"),
    ("utf-16", "UTF-16LE"),
    ("sjis", "Shift_JIS"),
    ("ms932", "Shift_JIS"),
    ("windows-31j", "Shift_JIS"),
    ("gb2312", "GBK"),
];

impl Encoding {
    /// The encoding a WHATWG label names (case-insensitive, trimmed).
    pub fn for_label(label: &[u8]) -> Option<&'static Encoding> {
        let label = std::str::from_utf8(label).ok()?.trim().to_ascii_lowercase();
        let name = ALIASES
            .iter()
            .find(|(alias, _)| *alias == label)
            .map_or(label.as_str(), |(_, name)| name);
        ALL.iter()
            .copied()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// The canonical name.
    pub fn name(&'static self) -> &'static str {
        self.name
    }

    /// Decodes with BOM sniffing as encoding_rs does (a UTF-8 or UTF-16 BOM
    /// overrides `self` and is removed); malformed input becomes U+FFFD and
    /// sets the flag. Returns the text, the encoding used, and whether there
    /// were errors.
    pub fn decode<'a>(&'static self, bytes: &'a [u8]) -> (Cow<'a, str>, &'static Encoding, bool) {
        let (encoding, rest) = match bytes {
            [0xEF, 0xBB, 0xBF, rest @ ..] => (UTF_8, rest),
            [0xFE, 0xFF, rest @ ..] => (UTF_16BE, rest),
            [0xFF, 0xFE, rest @ ..] => (UTF_16LE, rest),
            _ => (self, bytes),
        };
        let (text, errors) = encoding.decode_without_bom_handling(rest);
        (text, encoding, errors)
    }

    /// Decodes without looking for a BOM.
    pub fn decode_without_bom_handling<'a>(&'static self, bytes: &'a [u8]) -> (Cow<'a, str>, bool) {
        match &self.kind {
            Kind::Utf8 => {
                let text = String::from_utf8_lossy(bytes);
                let errors = matches!(text, Cow::Owned(_));
                (text, errors)
            }
            Kind::Utf16Be => utf16(bytes, u16::from_be_bytes),
            Kind::Utf16Le => utf16(bytes, u16::from_le_bytes),
            Kind::SingleByte(upper) => single_byte(bytes, upper),
            Kind::ShiftJis => shift_jis(bytes),
            Kind::Unsupported => ("\u{FFFD}".repeat(bytes.len().min(1)).into(), !bytes.is_empty()),
        }
    }

    /// Encodes as encoding_rs does: UTF-16 encodings output UTF-8;
    /// unmappable characters become HTML numeric character references and
    /// set the flag.
    pub fn encode<'a>(&'static self, text: &'a str) -> (Cow<'a, [u8]>, &'static Encoding, bool) {
        match &self.kind {
            Kind::Utf8 | Kind::Utf16Be | Kind::Utf16Le => (Cow::Borrowed(text.as_bytes()), UTF_8, false),
            _ if text.is_ascii() => (Cow::Borrowed(text.as_bytes()), self, false),
            kind => {
                let mut out = Vec::with_capacity(text.len());
                let mut errors = false;
                for c in text.chars() {
                    match encode_char(kind, c) {
                        Some((first, second)) => out.extend(std::iter::once(first).chain(second)),
                        None => {
                            errors = true;
                            out.extend_from_slice(format!("&#{};", u32::from(c)).as_bytes());
                        }
                    }
                }
                (Cow::Owned(out), self, errors)
            }
        }
    }
}

/// One character's one or two bytes, by reverse lookup in the decode
/// table: encoding is never on a hot path here.
fn encode_char(kind: &Kind, c: char) -> Option<(u8, Option<u8>)> {
    if c.is_ascii() {
        return Some((u8::try_from(c).ok()?, None));
    }
    let code = u16::try_from(u32::from(c)).ok()?;
    match kind {
        Kind::SingleByte(upper) => {
            let at = upper.iter().position(|&u| u == code)?;
            Some((0x80 + u8::try_from(at).ok()?, None))
        }
        Kind::ShiftJis => {
            if (0xFF61..=0xFF9F).contains(&code) {
                return Some((u8::try_from(code - 0xFF61 + 0xA1).ok()?, None));
            }
            let pointer = tables::SHIFT_JIS_TWO_BYTE.iter().position(|&u| u == code)?;
            let (lead, trail) = (pointer / 188, pointer % 188);
            let lead = if lead < 0x1F { lead + 0x81 } else { lead + 0xC1 };
            let trail = if trail < 0x3F { trail + 0x40 } else { trail + 0x41 };
            Some((u8::try_from(lead).ok()?, Some(u8::try_from(trail).ok()?)))
        }
        _ => None,
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> (Cow<'static, str>, bool) {
    let mut chunks = bytes.chunks_exact(2);
    let units = chunks.by_ref().filter_map(|c| c.try_into().ok()).map(unit);
    let mut errors = false;
    let mut text: String = char::decode_utf16(units)
        .map(|r| {
            r.unwrap_or_else(|_| {
                errors = true;
                char::REPLACEMENT_CHARACTER
            })
        })
        .collect();
    if !chunks.remainder().is_empty() {
        errors = true;
        text.push(char::REPLACEMENT_CHARACTER);
    }
    (Cow::Owned(text), errors)
}

fn single_byte<'a>(bytes: &'a [u8], upper: &[u16; 128]) -> (Cow<'a, str>, bool) {
    if bytes.is_ascii() {
        // ASCII bytes are valid UTF-8 with the same meaning.
        return (String::from_utf8_lossy(bytes), false);
    }
    let mut errors = false;
    let text = bytes
        .iter()
        .map(|&b| {
            if b < 0x80 {
                return char::from(b);
            }
            upper
                .get(usize::from(b - 0x80))
                .and_then(|&u| (u != 0).then(|| char::from_u32(u32::from(u))).flatten())
                .unwrap_or_else(|| {
                    errors = true;
                    char::REPLACEMENT_CHARACTER
                })
        })
        .collect();
    (Cow::Owned(text), errors)
}

/// WHATWG's Shift_JIS decoder.
fn shift_jis(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    if bytes.is_ascii() {
        return (String::from_utf8_lossy(bytes), false);
    }
    let mut text = String::with_capacity(bytes.len() * 2);
    let mut errors = false;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        match b {
            0x00..=0x80 => text.push(char::from(b)),
            0xA1..=0xDF => text.push(char::from_u32(0xFF61 + u32::from(b - 0xA1)).unwrap_or('\u{FFFD}')),
            0x81..=0x9F | 0xE0..=0xFC => {
                let Some(&trail) = bytes.get(i) else {
                    errors = true;
                    text.push(char::REPLACEMENT_CHARACTER);
                    break;
                };
                let lead_offset = if b < 0xA0 { 0x81 } else { 0xC1 };
                let trail_offset = if trail < 0x7F { 0x40 } else { 0x41 };
                let decoded = matches!(trail, 0x40..=0x7E | 0x80..=0xFC)
                    .then(|| {
                        let pointer = usize::from(b - lead_offset) * 188 + usize::from(trail - trail_offset);
                        tables::SHIFT_JIS_TWO_BYTE.get(pointer).copied()
                    })
                    .flatten()
                    .filter(|&u| u != 0)
                    .and_then(|u| char::from_u32(u32::from(u)));
                match decoded {
                    Some(c) => {
                        text.push(c);
                        i += 1;
                    }
                    None => {
                        errors = true;
                        text.push(char::REPLACEMENT_CHARACTER);
                        // An ASCII trail byte is not consumed (WHATWG).
                        if trail >= 0x80 {
                            i += 1;
                        }
                    }
                }
            }
            _ => {
                errors = true;
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    (Cow::Owned(text), errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_jis_decodes_kana_kanji_and_half_width() {
        // "日本語テキスト" + half-width katakana "ｱｲ" + ASCII.
        let bytes = [
            0x93, 0xFA, 0x96, 0x7B, 0x8C, 0xEA, 0x83, 0x65, 0x83, 0x4C, 0x83, 0x58, 0x83, 0x67, 0xB1,
            0xB2, b'A',
        ];
        let (text, encoding, errors) = SHIFT_JIS.decode(&bytes);
        assert_eq!(text, "日本語テキストｱｲA");
        assert_eq!(encoding, SHIFT_JIS);
        assert!(!errors);
    }

    #[test]
    fn shift_jis_errors_are_flagged_and_ascii_trail_kept() {
        let (text, _, errors) = SHIFT_JIS.decode(&[0x81, b'\n', 0x93]);
        assert!(errors);
        assert_eq!(text, "\u{FFFD}\n\u{FFFD}");
        let (_, _, errors) = SHIFT_JIS.decode(&[0xFD]);
        assert!(errors);
    }

    #[test]
    fn shift_jis_round_trips_through_encode() {
        let (bytes, _, errors) = SHIFT_JIS.encode("日本語ﾃｽﾄ");
        assert!(!errors);
        assert_eq!(SHIFT_JIS.decode(&bytes).0, "日本語ﾃｽﾄ");
    }

    #[test]
    fn single_byte_and_labels() {
        let latin1 = Encoding::for_label(b"ISO-8859-1").unwrap_or(UTF_8);
        assert_eq!(latin1, WINDOWS_1252);
        assert_eq!(latin1.decode(&[0x80, 0xE9]).0, "€é");
        assert_eq!(ISO_8859_5.decode(&[0xB0]).0, "А");
        assert_eq!(Encoding::for_label(b"ascii"), Some(WINDOWS_1252));
        assert_eq!(Encoding::for_label(b"klingon"), None);
        // ISO-8859-3 has no character at 0xA5.
        assert!(ISO_8859_3.decode(&[0xA5]).2);
        let (bytes, _, errors) = WINDOWS_1251.encode("Жx");
        assert!(!errors);
        assert_eq!(&*bytes, &[0xC6, b'x']);
    }

    #[test]
    fn boms_override_and_utf16_decodes() {
        let (text, encoding, errors) = SHIFT_JIS.decode(&[0xEF, 0xBB, 0xBF, b'h', b'i']);
        assert_eq!((&*text, encoding, errors), ("hi", UTF_8, false));
        let (text, encoding, _) = UTF_8.decode(&[0xFE, 0xFF, 0x00, 0x41, 0x30, 0x42]);
        assert_eq!((&*text, encoding), ("Aあ", UTF_16BE));
        assert!(UTF_16LE.decode(&[0x41]).2);
        assert!(UTF_8.decode(&[0xC3]).2);
    }

    #[test]
    fn chinese_and_korean_are_refused() {
        assert!(BIG5.decode(&[0xA4, 0x40]).2);
        assert!(GB18030.decode(&[0xC4, 0xE3]).2);
        assert!(!EUC_KR.decode(&[]).2);
    }
}
