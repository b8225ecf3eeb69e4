//! Citizen retrieval: one's own certificates by pre-enrollment code plus
//! date of birth or phone (the checks and limits in `crate::citizen_limits`).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use service_core::http::ErrorBody;
use utoipa::ToSchema;

use super::renderings::{RenderQuery, lang, rendered};
use super::{AppError, AppJson, AppState, ClientAddr};
use crate::error::{Error, ErrorCode};
use crate::lifecycle::effective_status;
use crate::rendering;
use crate::store::Status;

/// A citizen asking for their own certificate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CitizenRequest {
    /// The pre-enrollment code on the vaccination receipt.
    pub pre_enrollment_code: String,
    /// Date of birth (`YYYY-MM-DD`), as registered.
    #[serde(default)]
    pub dob: Option<String>,
    /// Or the registered phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Which dose (default: the latest).
    #[serde(default)]
    pub dose: Option<i64>,
    /// `json` (default), `qr.png`, `qr.svg` or `pdf`.
    #[serde(default)]
    #[schema(pattern = "^(json|qr\\.png|qr\\.svg|pdf)$")]
    pub format: Option<String>,
    /// PDF language (checked when `format` is `pdf`: a tag such as `en`).
    #[serde(default)]
    pub lang: Option<String>,
}

/// A citizen's certificates.
#[derive(Debug, Serialize, ToSchema)]
pub struct CitizenResponse {
    /// The certificates (not revoked) of this pre-enrollment code.
    pub certificates: Vec<CitizenCertificate>,
}

/// One certificate as a citizen sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CitizenCertificate {
    /// Certificate id.
    pub certificate_id: String,
    /// Dose.
    pub dose: i64,
    /// Status.
    pub status: Status,
    /// The signed credential.
    #[schema(value_type = Object)]
    pub credential: Box<RawValue>,
}

/// Citizen retrieval: one's own certificates by pre-enrollment code plus
/// date of birth or registered phone number. Rate-limited per code and per
/// client; every attempt is audited. Wrong details and unknown codes get
/// the same 404.
#[utoipa::path(post, path = "/v1/citizen/retrieve", tag = "citizen", request_body = CitizenRequest,
    responses((status = 200, body = CitizenResponse), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn citizen_retrieve(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    request_headers: HeaderMap,
    AppJson(body): AppJson<CitizenRequest>,
) -> Result<Response, AppError> {
    let client = state.citizen.client(addr, &request_headers);
    let format = body.format.clone().unwrap_or_else(|| "json".to_owned());
    if !matches!(format.as_str(), "json" | "qr.png" | "qr.svg" | "pdf") {
        return Err(Error::client(
            ErrorCode::InvalidFormat,
            "format must be json, qr.png, qr.svg or pdf",
        )
        .into());
    }
    let now = state.issuer.now();
    let records = crate::citizen_limits::retrieve(
        &state.issuer,
        &state.citizen,
        &crate::citizen_limits::CitizenQuery {
            code: &body.pre_enrollment_code,
            dob: body.dob.as_deref(),
            phone: body.phone.as_deref(),
            dose: body.dose,
        },
        client,
        now,
    )
    .await?;
    // Not empty (the core answers not found instead); latest dose first.
    let Some(latest) = records.first() else {
        return Err(Error::not_found("certificate for", "these details").into());
    };
    let headers = HeaderMap::new();
    match format.as_str() {
        "qr.png" => rendered(&headers, latest.id.clone(), "image/png", || {
            rendering::qr_png(latest, rendering::DEFAULT_QR_SIZE)
        }),
        "qr.svg" => rendered(&headers, latest.id.clone(), "image/svg+xml", || {
            rendering::qr_svg(latest, rendering::DEFAULT_QR_SIZE).map(String::into_bytes)
        }),
        "pdf" => {
            let lang = lang(&RenderQuery {
                size: None,
                lang: body.lang.clone(),
            })?;
            let bytes = rendering::pdf(
                state.renderer.clone(),
                latest.clone(),
                state.issuer.clone(),
                lang,
            )
            .await?;
            rendered(&headers, latest.id.clone(), "application/pdf", || Ok(bytes))
        }
        _ => {
            let certificates = records
                .into_iter()
                .map(|r| {
                    Ok(CitizenCertificate {
                        status: effective_status(&r, now),
                        certificate_id: r.id,
                        dose: r.dose,
                        credential: RawValue::from_string(r.document)
                            .map_err(|e| Error::Corrupt(e.to_string()))?,
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            Ok(Json(CitizenResponse { certificates }).into_response())
        }
    }
}
