//! Renderings of a certificate: its QR code (PNG, SVG) and the printable
//! A4 certificate (PDF), from plain values, knowing nothing of HTTP or
//! storage.
//!
//! ```
//! use issuer_api::render::{qr_png, qr_svg};
//! # fn main() -> Result<(), issuer_api::render::RenderError> {
//! let payload = b"PK\x03\x04 a DIVOC ZIP holding certificate.json";
//! let png = qr_png(payload, 400)?;
//! assert!(png.starts_with(b"\x89PNG"));
//! assert!(qr_svg(payload, 400)?.starts_with("<svg"));
//! # Ok(()) }
//! ```
//!
//! The PDF takes a [`Template`] loaded once at start-up:
//!
//! ```no_run
//! use issuer_api::render::{PdfInput, Printed, Template, pdf};
//! # fn run(credential: &credential::VaccinationCredential, payload: &[u8]) -> Result<(), issuer_api::render::RenderError> {
//! let template = Template::bundled()?; // or Template::from_file(path)?
//! let input = PdfInput {
//!     credential: &Printed::from(credential), // or from a verified view
//!     qr_payload: payload,
//!     issuer_name: "Ministry of Health",
//!     logo: None,
//!     template: &template,
//! };
//! let bytes = pdf(&input, "hi")?;
//! # Ok(()) }
//! ```
//!
//! Crates: `qrcode` encodes the symbol, `png` writes it; `krilla` writes
//! the PDF (font subsetting, ToUnicode maps) and `parley` lays out its text
//! (font fallback, bidi, HarfRust shaping, line breaking), which is what
//! makes Devanagari conjuncts, reordered matras and Arabic joining come
//! out right. printpdf was rejected for want of a shaper, typst for its
//! weight (a typesetting language and hundreds of crates for one page).

mod error;
mod fields;
mod fonts;
mod pdf;
mod printed;
mod qr;
mod template;
mod text;

pub use error::RenderError;
pub use pdf::{PdfInput, pdf};
pub use printed::Printed;
pub use qr::{QR_MAX_PAYLOAD, QR_MAX_SIZE, QR_MIN_SIZE, QR_QUIET_ZONE, qr_png, qr_svg};
pub use template::{
    FALLBACK_LANGUAGE, FONT_MAX_BYTES, Field, LOGO_MAX_BYTES, QR_MAX_MM, QR_MIN_MM, Template,
};
