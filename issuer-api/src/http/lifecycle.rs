//! A certificate's life after issuance: correct, revoke, suspend, lift a
//! suspension (the rules in `crate::lifecycle`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use service_core::http::ErrorBody;
use utoipa::ToSchema;

use super::certificates::CertificateView;
use super::{AppError, AppJson, AppState};
use crate::auth::Principal;

/// The answer to a correction.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionResponse {
    /// The new certificate.
    pub certificate: CertificateView,
    /// The corrected certificate, now revoked.
    pub replaced: CertificateView,
}

/// Correct a certificate: issues a new one from the corrected request and
/// revokes the old one (the new one names it in `replaces`).
#[utoipa::path(put, path = "/v1/certificates/{id}", tag = "certificates",
    params(("id" = String, Path)),
    request_body(content = super::openapi::CertificationRequestSchema),
    responses((status = 201, body = CorrectionResponse), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn correct(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    AppJson(body): AppJson<Value>,
) -> Result<(StatusCode, Json<CorrectionResponse>), AppError> {
    let (new, old) = state.issuer.correct(&principal, &id, body).await?;
    let now = state.issuer.now();
    Ok((
        StatusCode::CREATED,
        Json(CorrectionResponse {
            certificate: CertificateView::of(new, now)?,
            replaced: CertificateView::of(old, now)?,
        }),
    ))
}

/// Why a certificate is revoked.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeRequest {
    /// The reason (kept in the audit log and sent to the registry); not
    /// blank, at most 500 characters once trimmed.
    #[schema(
        min_length = 1,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub reason: String,
}

/// Revoke a certificate.
#[utoipa::path(post, path = "/v1/certificates/{id}/revoke", tag = "certificates",
    params(("id" = String, Path)), request_body = RevokeRequest,
    responses((status = 200, body = CertificateView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    AppJson(body): AppJson<RevokeRequest>,
) -> Result<Json<CertificateView>, AppError> {
    let record = state.issuer.revoke(&principal, &id, &body.reason).await?;
    Ok(Json(CertificateView::of(record, state.issuer.now())?))
}

/// A suspension.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SuspendRequest {
    /// End of the suspension: `YYYY-MM-DD` (through that day, UTC) or RFC 3339.
    pub until: String,
    /// The reason; not blank, at most 500 characters once trimmed.
    #[schema(
        min_length = 1,
        pattern = "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub reason: String,
}

/// Suspend a certificate until a date.
#[utoipa::path(post, path = "/v1/certificates/{id}/suspend", tag = "certificates",
    params(("id" = String, Path)), request_body = SuspendRequest,
    responses((status = 200, body = CertificateView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn suspend(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    AppJson(body): AppJson<SuspendRequest>,
) -> Result<Json<CertificateView>, AppError> {
    let record = state
        .issuer
        .suspend(&principal, &id, &body.until, &body.reason)
        .await?;
    Ok(Json(CertificateView::of(record, state.issuer.now())?))
}

/// Lift a suspension.
#[utoipa::path(delete, path = "/v1/certificates/{id}/suspension", tag = "certificates",
    params(("id" = String, Path)),
    responses((status = 200, body = CertificateView), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn unsuspend(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<CertificateView>, AppError> {
    let record = state.issuer.unsuspend(&principal, &id).await?;
    Ok(Json(CertificateView::of(record, state.issuer.now())?))
}
