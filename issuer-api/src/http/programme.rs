//! The programme: read it, replace it, change one vaccine, facility or
//! vaccinator; every change names the version it is based on (`If-Match`;
//! the rules in `crate::admin`).
#![allow(
    unused_qualifications,
    reason = "utoipa's generated code for params(...) qualifies paths"
)]

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use service_core::http::ErrorBody;
use utoipa::ToSchema;

use super::{AppError, AppJson, AppState};
use crate::admin::ProgrammeEdit;
use crate::auth::Principal;
use crate::config::{Facility, Programme, Vaccinator, Vaccine};
use crate::error::Error;

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
    let loaded = state.issuer.read_programme(&principal)?;
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
    let version = state
        .issuer
        .put_programme(&principal, if_match(&headers), programme.clone())
        .await?;
    programme_response(version, programme)
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
    edit(
        &state,
        &principal,
        &headers,
        ProgrammeEdit::PutVaccine { name, vaccine: v },
    )
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
    edit(
        &state,
        &principal,
        &headers,
        ProgrammeEdit::DeleteVaccine { name },
    )
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
    edit(
        &state,
        &principal,
        &headers,
        ProgrammeEdit::PutFacility { code, facility: f },
    )
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
    edit(
        &state,
        &principal,
        &headers,
        ProgrammeEdit::DeleteFacility { code },
    )
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
    edit(
        &state,
        &principal,
        &headers,
        ProgrammeEdit::PutVaccinator { id, vaccinator: v },
    )
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
    edit(
        &state,
        &principal,
        &headers,
        ProgrammeEdit::DeleteVaccinator { id },
    )
    .await
}

/// The `If-Match` header's text (one that is not ASCII reads as empty,
/// which no version matches).
fn if_match(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or_default())
}

async fn edit(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    edit: ProgrammeEdit,
) -> Result<Response, AppError> {
    let (version, programme) = state
        .issuer
        .edit_programme(principal, if_match(headers), edit)
        .await?;
    programme_response(version, programme)
}
