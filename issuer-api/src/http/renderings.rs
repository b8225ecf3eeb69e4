//! The certificate's renderings: QR code (PNG, SVG) and printable PDF,
//! cacheable by ETag.
#![allow(
    unused_qualifications,
    reason = "utoipa's generated code for params(...) qualifies paths"
)]

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use service_core::http::{AppQuery, ErrorBody};
use utoipa::IntoParams;

use super::{AppError, AppState};
use crate::auth::Principal;
use crate::error::{Error, ErrorCode};
use crate::rendering;

/// Rendering parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RenderQuery {
    /// QR image size in pixels (100 to 2000, default 400).
    #[param(minimum = 100, maximum = 2000)]
    pub size: Option<u32>,
    /// Language of the PDF (`en`, `hi`, ...; default `en`).
    #[param(pattern = "^[A-Za-z0-9-]{1,16}$")]
    pub lang: Option<String>,
}

fn qr_size(q: &RenderQuery) -> Result<u32, Error> {
    let size = q.size.unwrap_or(rendering::DEFAULT_QR_SIZE);
    if rendering::QR_SIZE_RANGE.contains(&size) {
        Ok(size)
    } else {
        Err(Error::client(
            ErrorCode::InvalidSize,
            format!(
                "size must be from {} to {} pixels",
                rendering::QR_SIZE_RANGE.start(),
                rendering::QR_SIZE_RANGE.end()
            ),
        ))
    }
}

/// A rendering of an immutable document: cacheable by the caller (private:
/// it holds personal data), revalidated by ETag.
fn not_modified(headers: &HeaderMap, etag: &str) -> Option<Response> {
    let etag = format!("\"{etag}\"");
    (headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str()))
    .then(|| {
        (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag),
                (header::CACHE_CONTROL, "private, max-age=86400".to_owned()),
            ],
        )
            .into_response()
    })
}

pub(crate) fn rendered(
    headers: &HeaderMap,
    etag: String,
    content_type: &'static str,
    body: impl FnOnce() -> Result<Vec<u8>, Error>,
) -> Result<Response, AppError> {
    let etag = format!("\"{etag}\"");
    let cache = HeaderValue::from_static("private, max-age=86400");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag),
                (header::CACHE_CONTROL, "private, max-age=86400".to_owned()),
            ],
        )
            .into_response());
    }
    let bytes = body()?;
    let mut response = Response::new(Body::from(bytes));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, cache);
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    Ok(response)
}

/// The certificate's QR code (DIVOC ZIP payload, byte mode, EC level M), PNG.
#[utoipa::path(get, path = "/v1/certificates/{id}/qr.png", tag = "renderings",
    params(("id" = String, Path), RenderQuery),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn qr_png(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<RenderQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let size = qr_size(&q)?;
    let record = state.issuer.certificate(&principal, &id).await?;
    rendered(
        &headers,
        format!("{}-png-{size}", record.id),
        "image/png",
        || rendering::qr_png(&record, size),
    )
}

/// The certificate's QR code, SVG.
#[utoipa::path(get, path = "/v1/certificates/{id}/qr.svg", tag = "renderings",
    params(("id" = String, Path), RenderQuery),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn qr_svg(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<RenderQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let size = qr_size(&q)?;
    let record = state.issuer.certificate(&principal, &id).await?;
    rendered(
        &headers,
        format!("{}-svg-{size}", record.id),
        "image/svg+xml",
        || rendering::qr_svg(&record, size).map(String::into_bytes),
    )
}

pub(crate) fn lang(q: &RenderQuery) -> Result<String, Error> {
    let lang = q.lang.clone().unwrap_or_else(|| "en".to_owned());
    if lang.is_empty()
        || lang.len() > 16
        || !lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(Error::client(
            ErrorCode::InvalidLang,
            "lang must be a language tag such as en or hi",
        ));
    }
    Ok(lang)
}

/// The printable A4 certificate, PDF.
#[utoipa::path(get, path = "/v1/certificates/{id}/pdf", tag = "renderings",
    params(("id" = String, Path), RenderQuery),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn pdf(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<RenderQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let lang = lang(&q)?;
    let record = state.issuer.certificate(&principal, &id).await?;
    let programme = state.issuer.programme();
    let etag = format!("{}-pdf-{lang}-{}", record.id, programme.version);
    if let Some(response) = not_modified(&headers, &etag) {
        return Ok(response);
    }
    let bytes = rendering::pdf(state.renderer.clone(), record, state.issuer.clone(), lang).await?;
    rendered(&headers, etag, "application/pdf", || Ok(bytes))
}
