//! The renderings a certificate has (QR PNG, QR SVG, printable PDF), as the
//! handlers call them: the stored certificate in, bytes out, drawn by the
//! `render` module. PDF layout is CPU-bound (tens of milliseconds), so it
//! runs on the blocking pool.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::Error;
use crate::issuer::Issuer;
use crate::render::{self, RenderError, Template};
use crate::store::CertificateRecord;

/// Default QR image size in pixels.
pub const DEFAULT_QR_SIZE: u32 = 400;
/// Smallest and largest QR sizes served.
pub const QR_SIZE_RANGE: std::ops::RangeInclusive<u32> = render::QR_MIN_SIZE..=render::QR_MAX_SIZE;

impl From<RenderError> for Error {
    fn from(e: RenderError) -> Self {
        Self::Render(e.to_string())
    }
}

/// The PDF template, loaded once at start-up.
#[derive(Debug)]
pub struct Renderer {
    template: Template,
}

impl Renderer {
    /// The bundled template, or the one in `template_file`.
    pub fn new(template_file: Option<&Path>) -> Result<Self, Error> {
        let template = match template_file {
            Some(path) => Template::from_file(path)
                .map_err(|e| Error::Config(format!("PDF template {}: {e}", path.display())))?,
            None => Template::bundled()
                .map_err(|e| Error::Config(format!("bundled PDF template: {e}")))?,
        };
        Ok(Self { template })
    }
}

/// The QR payload of a certificate: DIVOC's ZIP holding `certificate.json`.
pub fn qr_payload(record: &CertificateRecord) -> Result<Vec<u8>, Error> {
    Ok(credential::encode_payload(record.document.as_bytes()).map_err(credential::Error::from)?)
}

/// The QR code as a PNG.
pub fn qr_png(record: &CertificateRecord, size: u32) -> Result<Vec<u8>, Error> {
    Ok(render::qr_png(&qr_payload(record)?, size)?)
}

/// The QR code as an SVG document.
pub fn qr_svg(record: &CertificateRecord, size: u32) -> Result<String, Error> {
    Ok(render::qr_svg(&qr_payload(record)?, size)?)
}

/// Whether a stored credential is of the issuer's VC 2.0 profile (its
/// first context is the W3C VC 2.0 context), rather than DIVOC's.
fn is_vc2(document: &serde_json::Value) -> bool {
    document
        .get("@context")
        .and_then(|c| c.get(0))
        .and_then(serde_json::Value::as_str)
        == Some(credential::vc2::CREDENTIALS_V2)
}

/// What a stored certificate prints: a DIVOC credential from its typed
/// model; a VC 2.0 one from the credential crate's view of its signed
/// graph, verified with the issuer's own key first. CPU-bound.
pub fn printed(issuer: &Issuer, record: &CertificateRecord) -> Result<render::Printed, Error> {
    let document: serde_json::Value = serde_json::from_str(&record.document)
        .map_err(|e| Error::Corrupt(format!("certificate {}: {e}", record.id)))?;
    if is_vc2(&document) {
        let view = issuer.read_own(&document, &record.key_id)?;
        return Ok(render::Printed::from(&view));
    }
    let credential = credential::VaccinationCredential::from_document(&document)
        .map_err(credential::Error::from)?;
    Ok(render::Printed::from(&credential))
}

/// The printable A4 certificate, rendered on the blocking pool.
pub async fn pdf(
    renderer: Arc<Renderer>,
    record: CertificateRecord,
    issuer: Arc<Issuer>,
    lang: String,
) -> Result<Vec<u8>, Error> {
    let programme = issuer.programme();
    let logo_file = programme
        .programme
        .issuer
        .logo_file
        .clone()
        .map(PathBuf::from);
    let logo = match logo_file {
        Some(path) => Some(
            tokio::fs::read(&path)
                .await
                .map_err(|e| Error::Config(format!("issuer logo {}: {e}", path.display())))?,
        ),
        None => None,
    };
    tokio::task::spawn_blocking(move || {
        let printed = printed(&issuer, &record)?;
        let payload = qr_payload(&record)?;
        let input = render::PdfInput {
            credential: &printed,
            qr_payload: &payload,
            issuer_name: &programme.programme.issuer.name,
            logo: logo.as_deref(),
            template: &renderer.template,
        };
        Ok(render::pdf(&input, &lang)?)
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))?
}
