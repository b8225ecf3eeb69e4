//! `POST /v1/certify` (and DIVOC's path): a batch in, one result per item
//! out; the rules are the core's (`crate::certify`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::value::RawValue;
use service_core::http::{ErrorBody, ErrorDetail};
use utoipa::ToSchema;

use super::certificates::CertificateView;
use super::{AppError, AppJson, AppState};
use crate::auth::Principal;
use crate::certify::{ItemError, ItemOutcome};
use crate::error::ErrorCode;

/// What became of one batch item.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Certified by this request.
    Issued,
    /// Certified earlier (a retry): the same certificate.
    Existing,
    /// Not certified; see `error`.
    Rejected,
}

/// One batch item's result.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertifyResult {
    /// Position in the request array.
    pub index: usize,
    /// Outcome (`status` is the certificate's own status).
    pub result: ItemStatus,
    /// The certificate, when issued or existing.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateView>,
    /// Why rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ItemError>,
}

/// The answer to a certify batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertifyResponse {
    /// One result per request item, in order.
    pub results: Vec<CertifyResult>,
    /// Set when every item was rejected (the status is then 422).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

/// Certify a batch of vaccinations.
///
/// The body is a JSON array of DIVOC CertificationRequests. Each item is
/// certified or rejected on its own; the answer has one result per item,
/// in order. A retry of the same (preEnrollmentCode, dose) returns the same
/// certificate (`existing`). Certificates are stored durably before the
/// answer. 200 if at least one item was certified, 422 if none was.
#[utoipa::path(post, path = "/v1/certify", tag = "certify",
    request_body(content = Vec<super::openapi::CertificationRequestSchema>, description = "DIVOC CertificationRequests"),
    responses(
        (status = 200, description = "Per-item results", body = CertifyResponse),
        (status = 422, description = "Every item rejected, or not an array", body = CertifyResponse),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn certify(
    State(state): State<AppState>,
    principal: Principal,
    AppJson(body): AppJson<Box<RawValue>>,
) -> Result<Response, AppError> {
    let outcomes = state.issuer.certify(&principal, body.get()).await?;
    let now = state.issuer.now();
    let mut results = Vec::with_capacity(outcomes.len());
    let mut first_error = None;
    let mut any_ok = false;
    for (index, outcome) in outcomes.into_iter().enumerate() {
        results.push(match outcome {
            ItemOutcome::Certified { record, created } => {
                any_ok = true;
                CertifyResult {
                    index,
                    result: if created {
                        ItemStatus::Issued
                    } else {
                        ItemStatus::Existing
                    },
                    certificate: Some(CertificateView::of(*record, now)?),
                    error: None,
                }
            }
            ItemOutcome::Failed(e) => {
                first_error.get_or_insert_with(|| ErrorDetail {
                    code: ErrorCode::AllItemsRejected.as_str().to_owned(),
                    message: format!("no item was certified; item {index}: {}", e.message),
                });
                CertifyResult {
                    index,
                    result: ItemStatus::Rejected,
                    certificate: None,
                    error: Some(e),
                }
            }
        });
    }
    let (status, error) = if any_ok {
        (StatusCode::OK, None)
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, first_error)
    };
    Ok((status, Json(CertifyResponse { results, error })).into_response())
}
