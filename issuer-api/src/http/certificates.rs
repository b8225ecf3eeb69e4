//! Reading certificates: one by id, and search; and the view of a
//! certificate every certificate endpoint answers with.
#![allow(
    unused_qualifications,
    reason = "utoipa's generated code for params(...) qualifies paths"
)]

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use service_core::http::{AppQuery, ErrorBody};
use utoipa::{IntoParams, ToSchema};

use super::{AppError, AppState};
use crate::auth::Principal;
use crate::error::Error;
use crate::ids::rfc3339_ms;
use crate::lifecycle::effective_status;
use crate::store::{CertificateRecord, Status};

/// Links to a certificate and its renderings.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Links {
    /// The certificate (JSON).
    pub certificate: String,
    /// QR code, PNG (`?size=` pixels).
    pub qr_png: String,
    /// QR code, SVG.
    pub qr_svg: String,
    /// Printable A4 PDF (`?lang=`).
    pub pdf: String,
}

impl Links {
    fn of(id: &str) -> Self {
        Self {
            certificate: format!("/v1/certificates/{id}"),
            qr_png: format!("/v1/certificates/{id}/qr.png"),
            qr_svg: format!("/v1/certificates/{id}/qr.svg"),
            pdf: format!("/v1/certificates/{id}/pdf"),
        }
    }
}

/// A certificate as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CertificateView {
    /// Certificate id.
    pub certificate_id: String,
    /// Status now (a suspension past its end shows as active).
    pub status: Status,
    /// Why revoked or suspended.
    pub status_reason: Option<String>,
    /// End of the suspension.
    pub suspended_until: Option<String>,
    /// When the status last changed.
    pub status_changed_at: Option<String>,
    /// When issued.
    pub issued_at: String,
    /// The recipient's pre-enrollment code.
    pub pre_enrollment_code: String,
    /// Dose number.
    pub dose: i64,
    /// Facility code.
    pub facility: String,
    /// Signing key id.
    pub key_id: String,
    /// The certificate this one corrects.
    pub replaces: Option<String>,
    /// The certificate that corrected this one.
    pub replaced_by: Option<String>,
    /// The certificate's W3C Bitstring Status List entry (VC 2.0 profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_status: Option<crate::status::StatusRef>,
    /// The signed W3C Verifiable Credential.
    #[schema(value_type = Object)]
    pub credential: Box<RawValue>,
    /// Renderings.
    pub links: Links,
}

impl CertificateView {
    pub(crate) fn of(record: CertificateRecord, now: i64) -> Result<Self, Error> {
        let status = effective_status(&record, now);
        let credential_status = crate::status::status_ref(&record);
        let credential = RawValue::from_string(record.document)
            .map_err(|e| Error::Corrupt(format!("certificate {}: {e}", record.id)))?;
        Ok(Self {
            links: Links::of(&record.id),
            credential_status,
            status,
            status_reason: record.status_reason,
            suspended_until: record.suspended_until,
            status_changed_at: record.status_changed_at.map(rfc3339_ms),
            issued_at: rfc3339_ms(record.issued_at),
            pre_enrollment_code: record.pre_enrollment_code,
            dose: record.dose,
            facility: record.facility_code,
            key_id: record.key_id,
            replaces: record.replaces,
            replaced_by: record.replaced_by,
            certificate_id: record.id,
            credential,
        })
    }
}

/// Get a certificate.
#[utoipa::path(get, path = "/v1/certificates/{id}", tag = "certificates",
    params(("id" = String, Path, description = "Certificate id (case and dashes do not matter)")),
    responses((status = 200, body = CertificateView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_certificate(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<CertificateView>, AppError> {
    let record = state.issuer.certificate(&principal, &id).await?;
    Ok(Json(CertificateView::of(record, state.issuer.now())?))
}

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    /// The recipient's pre-enrollment code.
    pub pre_enrollment_code: Option<String>,
    /// The recipient's identity URI (e.g. `did:in.gov.uidai.aadhaar:…`).
    pub identity: Option<String>,
    /// Most results (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// Certificates found by a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// Matching certificates the caller may read, newest first.
    pub certificates: Vec<CertificateView>,
}

/// Search certificates by pre-enrollment code or recipient identity.
#[utoipa::path(get, path = "/v1/certificates", tag = "certificates", params(SearchQuery),
    responses((status = 200, body = SearchResponse), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn search(
    State(state): State<AppState>,
    principal: Principal,
    AppQuery(q): AppQuery<SearchQuery>,
) -> Result<Json<SearchResponse>, AppError> {
    let rows = state
        .issuer
        .search(
            &principal,
            q.pre_enrollment_code.as_deref(),
            q.identity.as_deref(),
            q.limit.unwrap_or(100),
        )
        .await?;
    let now = state.issuer.now();
    let certificates = rows
        .into_iter()
        .map(|r| CertificateView::of(r, now))
        .collect::<Result<_, _>>()?;
    Ok(Json(SearchResponse { certificates }))
}
