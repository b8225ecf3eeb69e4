//! The printable certificate: a valid one-page A4 PDF whose text layer
//! gives back names in any script exactly, whose QR code decodes to the
//! payload, in the language asked for, shaped by the template.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: helpers outside #[test] functions too; a failed unwrap is a failed test"
)]

mod render_support;

use std::path::Path;

use credential::VaccinationCredential;
use issuer_api::render::{PdfInput, Printed, RenderError, Template, pdf};
use render_support::{divoc_fixtures, have, pdf_page_png, pdf_text, zbar_decode};

const ISSUER: &str = "Ministry of Health and Family Welfare";

/// A fixture certificate as printed, with the name replaced by `name` if
/// given.
fn certificate(index: usize, name: Option<&str>) -> (Printed, Vec<u8>) {
    let (mut json, zip) = divoc_fixtures().swap_remove(index);
    if let Some(name) = name {
        json["credentialSubject"]["name"] = name.into();
    }
    let credential = VaccinationCredential::from_document(&json).unwrap();
    (Printed::from(&credential), zip)
}

fn render(credential: &Printed, zip: &[u8], template: &Template, lang: &str) -> Vec<u8> {
    pdf(
        &PdfInput {
            credential,
            qr_payload: zip,
            issuer_name: ISSUER,
            logo: None,
            template,
        },
        lang,
    )
    .unwrap()
}

/// pdftotext's output without the bidi marks it puts around RTL runs and
/// with every run of white space (line breaks included) one space, for
/// matching phrases that wrapped.
fn plain(text: &str) -> String {
    let marks_removed: String = text
        .chars()
        .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect();
    marks_removed
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn pdf_is_one_a4_page_and_deterministic() {
    let template = Template::bundled().unwrap();
    let (credential, zip) = certificate(0, None);
    let bytes = render(&credential, &zip, &template, "en");
    assert!(bytes.starts_with(b"%PDF-"));
    let parsed = hayro_syntax::Pdf::new(bytes.clone()).unwrap();
    assert_eq!(parsed.pages().len(), 1);
    let media = parsed.pages()[0].media_box();
    assert!(((media.x1 - media.x0) - 595.276).abs() < 0.5);
    assert!(((media.y1 - media.y0) - 841.89).abs() < 0.5);
    // Same input, same bytes (ETags, caches).
    assert_eq!(render(&credential, &zip, &template, "en"), bytes);
    // Subset fonts keep it small.
    assert!(bytes.len() < 120 * 1024, "{} bytes", bytes.len());
}

#[test]
fn names_in_devanagari_latin_and_arabic_come_back_exactly() {
    if !have(
        "pdftotext",
        "names_in_devanagari_latin_and_arabic_come_back_exactly",
    ) {
        return;
    }
    let template = Template::bundled().unwrap();
    for (name, lang) in [
        ("विकास शर्मा", "hi"),
        ("क्षत्रिय ज्ञानेश्वर द्विवेदी", "hi"),
        ("Renée Müller-Łukasiewicz", "en"),
        ("محمد عبد الله", "ar"),
        ("ஸ்ரீநிவாசன் கார்த்திக்", "en"),
        ("ਹਰਪ੍ਰੀਤ ರಾವ್", "en"),
    ] {
        let (credential, zip) = certificate(0, Some(name));
        let text = plain(&pdf_text(
            &render(&credential, &zip, &template, lang),
            "names",
        ));
        assert!(
            text.contains(name),
            "{name:?} not in the text layer:\n{text}"
        );
    }
}

#[test]
fn the_printed_qr_code_decodes_to_the_payload() {
    if !have("pdftoppm", "the_printed_qr_code_decodes_to_the_payload")
        || !have("zbarimg", "the_printed_qr_code_decodes_to_the_payload")
    {
        return;
    }
    let template = Template::bundled().unwrap();
    for (index, lang) in [(0, "hi"), (5, "ar")] {
        let (credential, zip) = certificate(index, None);
        let page = pdf_page_png(&render(&credential, &zip, &template, lang), 300, "qr");
        assert_eq!(zbar_decode(&page), zip, "certificate {index} in {lang}");
    }
    // The smallest QR a template may ask for still decodes at 300 dpi.
    let small = Template::from_toml(
        "[qr]\nsize_mm = 45\nplacement = \"bottom\"\n",
        Path::new("."),
    )
    .unwrap();
    let (credential, zip) = certificate(6, None);
    let page = pdf_page_png(&render(&credential, &zip, &small, "en"), 300, "qr-small");
    assert_eq!(zbar_decode(&page), zip);
}

#[test]
fn labels_follow_the_language_and_unknown_languages_fall_back_to_english() {
    if !have(
        "pdftotext",
        "labels_follow_the_language_and_unknown_languages_fall_back_to_english",
    ) {
        return;
    }
    let template = Template::bundled().unwrap();
    let (credential, zip) = certificate(0, None);
    let text = |lang| {
        plain(&pdf_text(
            &render(&credential, &zip, &template, lang),
            "lang",
        ))
    };

    let hindi = text("hi-IN");
    assert!(hindi.contains("टीकाकरण प्रमाणपत्र"), "{hindi}");
    assert!(hindi.contains("जन्म तिथि"));
    assert!(hindi.contains("2 में से 2"));
    assert!(hindi.contains("18 दिसंबर 1970"));
    assert!(!hindi.contains("Vaccination Certificate"));

    for lang in ["xx", "", "en-GB", "../../etc"] {
        let english = text(lang);
        assert!(
            english.contains("Vaccination Certificate"),
            "{lang}: {english}"
        );
        assert!(english.contains("Date of birth"));
        assert!(english.contains("2 of 2"));
        assert!(english.contains("18 Dec 1970"));
        assert!(english.contains("15295081141"));
        assert!(english.contains(ISSUER));
    }

    let arabic = text("ar");
    assert!(arabic.contains("شهادة التطعيم"), "{arabic}");
}

#[test]
fn every_bundled_label_reads_back_exactly() {
    if !have("pdftotext", "every_bundled_label_reads_back_exactly") {
        return;
    }
    let labels: toml::Table =
        toml::from_str(include_str!("../assets/templates/labels.toml")).unwrap();
    let template = Template::bundled().unwrap();
    // A context v2 certificate has every field the default template shows.
    let (credential, zip) = certificate(0, None);
    let on_page = [
        "title",
        "subtitle",
        "recipient",
        "vaccination",
        "certificate",
        "scan",
        "name",
        "age",
        "dob",
        "gender",
        "id",
        "ref_id",
        "nationality",
        "address",
        "vaccine",
        "prophylaxis",
        "manufacturer",
        "batch",
        "dose",
        "date",
        "valid_until",
        "vaccinator",
        "facility",
        "facility_address",
        "certificate_id",
        "issuer",
        "issuance_date",
    ];
    // Compared without white space: in an RTL line poppler places the space
    // next to neutral punctuation on the wrong side ("رقمي: امسح" reads back
    // as "رقمي :امسح"), which is its guess at word breaks, not the page.
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let mut missing = Vec::new();
    for lang in ["en", "hi", "ar"] {
        let text = plain(&pdf_text(
            &render(&credential, &zip, &template, lang),
            "labels",
        ));
        let squeezed = squeeze(&text);
        for key in on_page {
            let label = labels[lang][key].as_str().unwrap();
            if !squeezed.contains(&squeeze(label)) {
                missing.push(format!("{lang}.{key} = {label:?}"));
            }
        }
        if missing.iter().any(|m| m.starts_with(lang)) {
            missing.push(format!("{lang} page text: {text}"));
        }
    }
    assert!(
        missing.is_empty(),
        "labels that do not read back:\n{}",
        missing.join("\n")
    );
}

#[test]
fn a_ministry_template_changes_title_labels_and_fields() {
    if !have(
        "pdftotext",
        "a_ministry_template_changes_title_labels_and_fields",
    ) {
        return;
    }
    let template = Template::from_toml(
        r##"
[colours]
accent = "#006400"

[[sections]]
heading = "recipient"
fields = ["name", "age"]

[[sections]]
heading = "vaccination"
fields = ["vaccine", "dose"]

[labels.en]
title = "Republic of Example: Certificate of Vaccination"
name = "Full name"

[labels.hi]
title = "उदाहरण गणराज्य: टीकाकरण प्रमाणपत्र"
"##,
        Path::new("."),
    )
    .unwrap();
    let (credential, zip) = certificate(0, None);
    let english = plain(&pdf_text(
        &render(&credential, &zip, &template, "en"),
        "custom",
    ));
    assert!(
        english.contains("Republic of Example: Certificate of Vaccination"),
        "{english}"
    );
    assert!(english.contains("Full name"));
    assert!(english.contains("COVISHIELD"));
    assert!(
        !english.contains("Batch"),
        "fields left out of the template are not printed"
    );
    assert!(!english.contains("ZFYCWEH8"));
    let hindi = plain(&pdf_text(
        &render(&credential, &zip, &template, "hi"),
        "custom-hi",
    ));
    assert!(hindi.contains("उदाहरण गणराज्य: टीकाकरण प्रमाणपत्र"), "{hindi}");
    assert!(
        hindi.contains("नाम"),
        "untouched labels keep their translation"
    );
}

#[test]
fn logos_are_checked() {
    let template = Template::bundled().unwrap();
    let (credential, zip) = certificate(2, None);
    let with_logo = |logo: &[u8]| {
        pdf(
            &PdfInput {
                credential: &credential,
                qr_payload: &zip,
                issuer_name: ISSUER,
                logo: Some(logo),
                template: &template,
            },
            "en",
        )
    };
    // Any PNG will do as a logo: a QR code is one.
    let png = issuer_api::render::qr_png(b"logo", 200).unwrap();
    assert!(with_logo(&png).unwrap().starts_with(b"%PDF-"));
    assert!(matches!(
        with_logo(b"GIF89a not a png"),
        Err(RenderError::Image { .. })
    ));
    let huge = vec![0; issuer_api::render::LOGO_MAX_BYTES + 1];
    assert!(matches!(with_logo(&huge), Err(RenderError::Image { .. })));

    // No logo at all when the template says so.
    let none = Template::from_toml("[logo]\nplacement = \"none\"\n", Path::new(".")).unwrap();
    let bytes = render(&credential, &zip, &none, "en");
    assert!(bytes.starts_with(b"%PDF-"));
    let image = b"/Subtype/Image";
    assert!(
        !bytes.windows(image.len()).any(|w| w == image),
        "no image XObject"
    );
    let logo = render(&credential, &zip, &template, "en");
    assert!(
        logo.windows(image.len()).any(|w| w == image),
        "the default logo is an image XObject"
    );
}

#[test]
fn an_oversized_payload_is_refused() {
    let template = Template::bundled().unwrap();
    let (credential, _) = certificate(0, None);
    let result = pdf(
        &PdfInput {
            credential: &credential,
            qr_payload: &vec![1; 4000],
            issuer_name: ISSUER,
            logo: None,
            template: &template,
        },
        "en",
    );
    assert!(matches!(
        result,
        Err(RenderError::PayloadTooLarge { len: 4000, .. })
    ));
}
