//! Handlers: thin adapters from HTTP to the issuer core.
#![allow(
    unused_qualifications,
    reason = "utoipa's generated code for params(...) qualifies paths"
)]

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{NewToken, Principal, Role, TokenInfo};
use crate::certify::{ItemError, ItemOutcome};
use crate::config::{Facility, Programme, Vaccinator, Vaccine};
use crate::error::{AppError, Error, ErrorBody, ErrorCode, ErrorDetail};
use crate::http::{AppJson, AppState, ClientAddr};
use crate::ids::{now_ms, rfc3339_ms};
use crate::keys::PublicKeyInfo;
use crate::lifecycle::effective_status;
use crate::rendering;
use crate::store::{AuditRecord, CertificateRecord, Status};
use service_core::http::AppQuery;

/// Body limit for endpoints that take small JSON bodies.
const SMALL_BODY: usize = 64 * 1024;

/// All routes, with their body limits.
pub fn router(state: &AppState) -> Router<AppState> {
    let big = DefaultBodyLimit::max(state.server.body_limit_bytes);
    let small = DefaultBodyLimit::max(SMALL_BODY);
    let certify_routes = Router::new()
        .route("/v1/certify", post(certify))
        // DIVOC's path, so existing integrations only change the host.
        .route("/divoc/api/v1/certify", post(certify))
        .route("/v1/admin/programme", get(get_programme).put(put_programme))
        .layer(big);
    let rest = Router::new()
        .route("/v1/certificates", get(search))
        .route("/v1/certificates/{id}", get(get_certificate).put(correct))
        .route("/v1/certificates/{id}/qr.png", get(qr_png))
        .route("/v1/certificates/{id}/qr.svg", get(qr_svg))
        .route("/v1/certificates/{id}/pdf", get(pdf))
        .route("/v1/certificates/{id}/revoke", post(revoke))
        .route("/v1/certificates/{id}/suspend", post(suspend))
        .route("/v1/certificates/{id}/suspension", delete(unsuspend))
        .route("/v1/citizen/retrieve", post(citizen_retrieve))
        .route(
            "/v1/admin/programme/vaccines/{name}",
            put(put_vaccine).delete(delete_vaccine),
        )
        .route(
            "/v1/admin/programme/facilities/{code}",
            put(put_facility).delete(delete_facility),
        )
        .route(
            "/v1/admin/programme/vaccinators/{id}",
            put(put_vaccinator).delete(delete_vaccinator),
        )
        .route("/v1/admin/keys/rotate", post(rotate_key))
        .route("/v1/admin/tokens", get(list_tokens).post(create_token))
        .route("/v1/admin/tokens/{id}", delete(revoke_token))
        .route("/v1/admin/outbox", get(crate::admin_outbox::outbox_backlog))
        .route(
            "/v1/admin/outbox/dead",
            get(crate::admin_outbox::outbox_dead),
        )
        .route(
            "/v1/admin/outbox/dead/{id}/retry",
            post(crate::admin_outbox::retry_dead),
        )
        .route("/v1/audit", get(audit))
        .route("/v1/keys", get(keys))
        .route("/.well-known/did.json", get(did_json))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .layer(small);
    certify_routes.merge(rest)
}

// ---------------------------------------------------------------- views

/// Links to a certificate and its renderings.
#[derive(Debug, Serialize, ToSchema)]
pub struct Links {
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
pub struct CertificateView {
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
    fn of(record: CertificateRecord, now: i64) -> Result<Self, Error> {
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

// ---------------------------------------------------------------- certify

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
    request_body(content = Vec<crate::openapi::CertificationRequestSchema>, description = "DIVOC CertificationRequests"),
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
    principal.require(&[Role::Certifier, Role::IssuerAdmin])?;
    // The body is valid JSON (AppJson checked); split the array into its
    // items' texts, each parsed on its own so one bad item fails alone.
    let items: Vec<&RawValue> = serde_json::from_str(body.get()).map_err(|_| {
        Error::client(
            ErrorCode::InvalidBody,
            "the body must be a JSON array of CertificationRequests",
        )
    })?;
    if items.is_empty() {
        return Err(Error::client(ErrorCode::InvalidBody, "the batch is empty").into());
    }
    let max = state.issuer.settings.max_batch_items;
    if items.len() > max {
        return Err(Error::client(
            ErrorCode::BatchTooLarge,
            format!("at most {max} items per batch, got {}", items.len()),
        )
        .into());
    }
    let outcomes = state.issuer.certify(&principal, &items).await?;
    let now = now_ms();
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

// ---------------------------------------------------------------- certificates

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
    Ok(Json(CertificateView::of(record, now_ms())?))
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
    let now = now_ms();
    let certificates = rows
        .into_iter()
        .map(|r| CertificateView::of(r, now))
        .collect::<Result<_, _>>()?;
    Ok(Json(SearchResponse { certificates }))
}

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
    request_body(content = crate::openapi::CertificationRequestSchema),
    responses((status = 201, body = CorrectionResponse), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn correct(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    AppJson(body): AppJson<Value>,
) -> Result<(StatusCode, Json<CorrectionResponse>), AppError> {
    let (new, old) = state.issuer.correct(&principal, &id, body).await?;
    let now = now_ms();
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
    Ok(Json(CertificateView::of(record, now_ms())?))
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
    Ok(Json(CertificateView::of(record, now_ms())?))
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
    Ok(Json(CertificateView::of(record, now_ms())?))
}

// ---------------------------------------------------------------- renderings

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

fn rendered(
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

fn lang(q: &RenderQuery) -> Result<String, Error> {
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

// ---------------------------------------------------------------- citizen

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
    let mut records = crate::citizen_limits::retrieve(
        &state.issuer,
        &state.citizen,
        &body.pre_enrollment_code,
        body.dob.as_deref(),
        body.phone.as_deref(),
        client,
        now_ms(),
    )
    .await?;
    if let Some(dose) = body.dose {
        records.retain(|r| r.dose == dose);
    }
    // Latest dose first; among equals, the newest certificate (a correction).
    records.sort_by(|a, b| b.dose.cmp(&a.dose).then(b.issued_at.cmp(&a.issued_at)));
    let now = now_ms();
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

// ---------------------------------------------------------------- admin: programme

/// The programme in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeResponse {
    /// Version (increases with every change).
    pub version: i64,
    /// The programme.
    pub programme: Programme,
}

/// The programme version as an entity tag: `"<version>"`.
fn programme_etag(version: i64) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(&format!("\"{version}\""))
        .map_err(|e| Error::Corrupt(format!("programme ETag: {e}")))
}

/// The version a programme change was based on, from `If-Match`: required,
/// so that two concurrent edits cannot silently lose one.
fn if_match_version(headers: &HeaderMap) -> Result<i64, Error> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Err(Error::Client {
            code: ErrorCode::IfMatchRequired,
            message: "send If-Match with the programme's ETag (GET /v1/admin/programme) \
                      so that a concurrent change is not lost"
                .into(),
        });
    };
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| Error::Client {
            code: ErrorCode::VersionMismatch,
            message: "If-Match must be the programme's ETag, e.g. \"3\"".into(),
        })
}

fn programme_response(version: i64, programme: Programme) -> Result<Response, AppError> {
    let etag = programme_etag(version)?;
    Ok((
        [(header::ETAG, etag)],
        Json(ProgrammeResponse { version, programme }),
    )
        .into_response())
}

/// Get the programme; its `ETag` is what a change sends as `If-Match`.
#[utoipa::path(get, path = "/v1/admin/programme", tag = "admin",
    responses((status = 200, body = ProgrammeResponse, headers(("ETag" = String, description = "the programme version, for If-Match")))),
    security(("bearer" = [])))]
pub async fn get_programme(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Response, AppError> {
    principal.require(&[Role::IssuerAdmin, Role::Auditor])?;
    let loaded = state.issuer.programme();
    programme_response(loaded.version, loaded.programme.clone())
}

/// Replace the programme (audited). `If-Match` must carry the ETag of the
/// version the new one was made from.
#[utoipa::path(put, path = "/v1/admin/programme", tag = "admin", request_body = Programme,
    params(("If-Match" = String, Header, description = "the ETag of the programme this change is based on")),
    responses((status = 200, body = ProgrammeResponse), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_programme(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    AppJson(programme): AppJson<Programme>,
) -> Result<Response, AppError> {
    principal.require(&[Role::IssuerAdmin])?;
    let based_on = if_match_version(&headers)?;
    let version = state
        .issuer
        .replace_programme(programme.clone(), based_on, &principal.actor)
        .await?;
    programme_response(version, programme)
}

async fn edit_programme(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    edit: impl FnOnce(&mut Programme) -> Result<(), Error>,
) -> Result<Response, AppError> {
    principal.require(&[Role::IssuerAdmin])?;
    let based_on = if_match_version(headers)?;
    let loaded = state.issuer.programme();
    if loaded.version != based_on {
        return Err(Error::Client {
            code: ErrorCode::VersionMismatch,
            message: format!(
                "the programme is at version {}, not {based_on}: read it again and reapply the change",
                loaded.version
            ),
        }
        .into());
    }
    let mut programme = loaded.programme.clone();
    edit(&mut programme)?;
    let version = state
        .issuer
        .replace_programme(programme.clone(), based_on, &principal.actor)
        .await?;
    programme_response(version, programme)
}

fn upsert<T>(items: &mut Vec<T>, item: T, same: impl Fn(&T) -> bool) {
    match items.iter_mut().find(|i| same(i)) {
        Some(slot) => *slot = item,
        None => items.push(item),
    }
}

fn remove<T>(
    items: &mut Vec<T>,
    what: &'static str,
    key: &str,
    same: impl Fn(&T) -> bool,
) -> Result<(), Error> {
    let before = items.len();
    items.retain(|i| !same(i));
    if items.len() == before {
        Err(Error::not_found(what, key))
    } else {
        Ok(())
    }
}

fn key_matches(path: &str, body: &str, what: &str) -> Result<(), Error> {
    if path == body {
        Ok(())
    } else {
        Err(Error::client(
            ErrorCode::KeyMismatch,
            format!("the {what} in the path ({path}) and the body ({body}) differ"),
        ))
    }
}

/// Add or replace a vaccine.
#[utoipa::path(put, path = "/v1/admin/programme/vaccines/{name}", tag = "admin", params(("name" = String, Path), ("If-Match" = String, Header, description = "the ETag of the programme this change is based on")), request_body = Vaccine,
    responses((status = 200, body = ProgrammeResponse), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_vaccine(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path(name): Path<String>,
    AppJson(v): AppJson<Vaccine>,
) -> Result<Response, AppError> {
    edit_programme(&state, &principal, &headers, |p| {
        key_matches(&name, &v.name, "vaccine name")?;
        upsert(&mut p.vaccines, v, |x| x.name.eq_ignore_ascii_case(&name));
        Ok(())
    })
    .await
}

/// Remove a vaccine.
#[utoipa::path(delete, path = "/v1/admin/programme/vaccines/{name}", tag = "admin", params(("name" = String, Path), ("If-Match" = String, Header, description = "the ETag of the programme this change is based on")),
    responses((status = 200, body = ProgrammeResponse), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_vaccine(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    edit_programme(&state, &principal, &headers, |p| {
        remove(&mut p.vaccines, "vaccine", &name, |x| {
            x.name.eq_ignore_ascii_case(&name)
        })
    })
    .await
}

/// Add or replace an approved facility.
#[utoipa::path(put, path = "/v1/admin/programme/facilities/{code}", tag = "admin", params(("code" = String, Path), ("If-Match" = String, Header, description = "the ETag of the programme this change is based on")), request_body = Facility,
    responses((status = 200, body = ProgrammeResponse), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_facility(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path(code): Path<String>,
    AppJson(f): AppJson<Facility>,
) -> Result<Response, AppError> {
    edit_programme(&state, &principal, &headers, |p| {
        key_matches(&code, &f.code, "facility code")?;
        upsert(&mut p.facilities, f, |x| x.code == code);
        Ok(())
    })
    .await
}

/// Withdraw a facility's approval (its vaccinators must be removed first).
#[utoipa::path(delete, path = "/v1/admin/programme/facilities/{code}", tag = "admin", params(("code" = String, Path), ("If-Match" = String, Header, description = "the ETag of the programme this change is based on")),
    responses((status = 200, body = ProgrammeResponse), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_facility(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    edit_programme(&state, &principal, &headers, |p| {
        remove(&mut p.facilities, "facility", &code, |x| x.code == code)
    })
    .await
}

/// Add or replace a trained vaccinator.
#[utoipa::path(put, path = "/v1/admin/programme/vaccinators/{id}", tag = "admin", params(("id" = String, Path), ("If-Match" = String, Header, description = "the ETag of the programme this change is based on")), request_body = Vaccinator,
    responses((status = 200, body = ProgrammeResponse), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_vaccinator(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(v): AppJson<Vaccinator>,
) -> Result<Response, AppError> {
    edit_programme(&state, &principal, &headers, |p| {
        key_matches(&id, &v.id, "vaccinator id")?;
        upsert(&mut p.vaccinators, v, |x| x.id == id);
        Ok(())
    })
    .await
}

/// Remove a vaccinator.
#[utoipa::path(delete, path = "/v1/admin/programme/vaccinators/{id}", tag = "admin", params(("id" = String, Path), ("If-Match" = String, Header, description = "the ETag of the programme this change is based on")),
    responses((status = 200, body = ProgrammeResponse), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_vaccinator(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    edit_programme(&state, &principal, &headers, |p| {
        remove(&mut p.vaccinators, "vaccinator", &id, |x| x.id == id)
    })
    .await
}

// ---------------------------------------------------------------- admin: keys, tokens, audit

/// A scheduled rotation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RotateRequest {
    /// When the new key starts signing (RFC 3339); the current key retires then.
    #[schema(format = DateTime)]
    pub at: String,
}

/// The new key.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotateResponse {
    /// Its key id.
    pub kid: String,
    /// Every key with its status.
    pub keys: Vec<PublicKeyInfo>,
}

/// Rotate the signing key at a given moment.
#[utoipa::path(post, path = "/v1/admin/keys/rotate", tag = "admin", request_body = RotateRequest,
    responses((status = 201, body = RotateResponse), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn rotate_key(
    State(state): State<AppState>,
    principal: Principal,
    AppJson(body): AppJson<RotateRequest>,
) -> Result<(StatusCode, Json<RotateResponse>), AppError> {
    principal.require(&[Role::IssuerAdmin])?;
    let at = body.at.parse::<jiff::Timestamp>().map_err(|_| {
        Error::client(
            ErrorCode::InvalidDate,
            format!("at {:?} is not an RFC 3339 date-time", body.at),
        )
    })?;
    let kid = state
        .issuer
        .rotate_key(at.as_millisecond(), &principal.actor)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RotateResponse {
            kid,
            keys: state.issuer.keyring().listing(now_ms()),
        }),
    ))
}

/// A token to create.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTokenRequest {
    /// Role.
    pub role: Role,
    /// Facility codes (certifiers only).
    #[serde(default)]
    pub facilities: Vec<String>,
    /// A label for people.
    #[serde(default)]
    pub label: String,
    /// Expiry (RFC 3339).
    #[serde(default)]
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

/// Create an API token (the secret is in this answer only).
#[utoipa::path(post, path = "/v1/admin/tokens", tag = "admin", request_body = CreateTokenRequest,
    responses((status = 201, body = NewToken)), security(("bearer" = [])))]
pub async fn create_token(
    State(state): State<AppState>,
    principal: Principal,
    AppJson(body): AppJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<NewToken>), AppError> {
    principal.require(&[Role::IssuerAdmin])?;
    let expires_at = body
        .expires_at
        .as_deref()
        .map(|t| t.parse::<jiff::Timestamp>().map(|t| t.as_millisecond()))
        .transpose()
        .map_err(|_| {
            Error::client(
                ErrorCode::InvalidDate,
                "expires_at is not an RFC 3339 date-time",
            )
        })?;
    let programme = state.issuer.programme();
    if let Some(unknown) = body
        .facilities
        .iter()
        .find(|f| programme.programme.facility_by_code(f).is_none())
    {
        return Err(Error::client(
            ErrorCode::UnapprovedFacility,
            format!("facility {unknown} is not an approved facility"),
        )
        .into());
    }
    let token = crate::auth::create_token(
        &state.issuer.store,
        body.role,
        &body.facilities,
        &body.label,
        expires_at,
        &principal.actor,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(token)))
}

/// List API tokens (never their secrets).
#[utoipa::path(get, path = "/v1/admin/tokens", tag = "admin", responses((status = 200, body = Vec<TokenInfo>)), security(("bearer" = [])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<TokenInfo>>, AppError> {
    principal.require(&[Role::IssuerAdmin, Role::Auditor])?;
    Ok(Json(crate::auth::list_tokens(&state.issuer.store).await?))
}

/// Revoke an API token.
#[utoipa::path(delete, path = "/v1/admin/tokens/{id}", tag = "admin", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn revoke_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    principal.require(&[Role::IssuerAdmin])?;
    crate::auth::revoke_token(&state.issuer.store, &id, &principal.actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Audit log paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries after this sequence number.
    pub after: Option<i64>,
    /// Only entries about this subject (a certificate id, `token:...`).
    pub subject: Option<String>,
    /// Most entries (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Entries, oldest first.
    pub entries: Vec<AuditRecord>,
}

/// Read the append-only audit log.
#[utoipa::path(get, path = "/v1/audit", tag = "admin", params(AuditQuery), responses((status = 200, body = AuditPage)), security(("bearer" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    principal: Principal,
    AppQuery(q): AppQuery<AuditQuery>,
) -> Result<Json<AuditPage>, AppError> {
    principal.require(&[Role::IssuerAdmin, Role::Auditor])?;
    let subject = q
        .subject
        .as_deref()
        .map(crate::ids::normalize_certificate_id);
    let entries = state
        .issuer
        .store
        .audit(
            q.after.unwrap_or(0),
            subject.as_deref(),
            q.limit.unwrap_or(100).clamp(1, 1000),
        )
        .await?;
    Ok(Json(AuditPage { entries }))
}

// ---------------------------------------------------------------- public

/// The issuer's public keys with their status and validity windows.
#[utoipa::path(get, path = "/v1/keys", tag = "keys", responses((status = 200, body = Vec<PublicKeyInfo>)))]
pub async fn keys(State(state): State<AppState>) -> Json<Vec<PublicKeyInfo>> {
    Json(state.issuer.keyring().listing(now_ms()))
}

/// The issuer's `did:web` document.
#[utoipa::path(get, path = "/.well-known/did.json", tag = "keys", responses((status = 200, content_type = "application/did+json", body = Object)))]
pub async fn did_json(State(state): State<AppState>) -> Response {
    let doc = state
        .issuer
        .keyring()
        .did_document(&state.issuer.programme().did);
    (
        [
            (header::CONTENT_TYPE, "application/did+json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        Json(doc),
    )
        .into_response()
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers and a key can sign now.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, body = String), (status = 503, body = ErrorBody)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let db = state.issuer.store.ping().await;
    let key = state.issuer.signing_key(now_ms());
    match (db, key) {
        (Ok(()), Ok(_)) => "ready".into_response(),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "not ready");
            crate::error::error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::NotReady.as_str(),
                "the database or signing key is unavailable",
            )
        }
    }
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    crate::admin_outbox::update_gauges(&state).await;
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// This API's OpenAPI 3 document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", responses((status = 200, body = Object)))]
pub async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}
