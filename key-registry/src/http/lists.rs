//! The public lists verifiers sync from: no authentication, cacheable
//! (strong ETag, `If-None-Match` -> 304, `Cache-Control`, gzip), CORS for
//! the configured verifier origins. Served from memory.
#![allow(
    unused_qualifications,
    reason = "utoipa's generated code for params(...) qualifies paths"
)]

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use service_core::http::{AppQuery, ErrorBody};
use utoipa::IntoParams;

use super::caching::serve;
use super::{AppError, AppState};
use crate::error::Error;

const JSON: &str = "application/json";

fn missing(what: &str) -> AppError {
    AppError(Error::Corrupt(format!("no {what} published")))
}

/// The anchor key that signs every list (SPKI PEM), for `verify --anchor`
/// and a verifier's build. Pin it from a channel you trust.
#[utoipa::path(get, path = "/v1/anchor", tag = "lists",
    responses((status = 200, content_type = "application/x-pem-file", body = String), (status = 304)))]
pub async fn anchor(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let served = state.registry.served();
    let pem = served
        .anchor_pem
        .as_ref()
        .ok_or_else(|| missing("anchor"))?;
    Ok(serve(
        &headers,
        pem,
        "application/x-pem-file",
        &state.cache_control,
    ))
}

/// The signed trust list (`credential::TrustList`), exactly as signed.
#[utoipa::path(get, path = "/v1/trust-list", tag = "lists",
    responses((status = 200, content_type = "application/json", body = Object,
        description = "{payload: {type: TrustList, version, issuedAt, nextUpdate, issuers, contexts?, nextAnchor?}, anchor, signature}"),
        (status = 304, description = "If-None-Match matched")))]
pub async fn trust_list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let served = state.registry.served();
    let list = served.trust.as_ref().ok_or_else(|| missing("trust list"))?;
    Ok(serve(&headers, list, JSON, &state.cache_control))
}

/// `?since=` of the revocation list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SinceQuery {
    /// The version the caller holds: a delta from it (empty, `since` =
    /// `version`, when it is the current version), or a snapshot when it is
    /// too old or unknown.
    #[param(minimum = 0)]
    pub since: Option<i64>,
}

/// The signed revocation list (`credential::RevocationList`): a snapshot,
/// or with `?since=N` a delta from version N (a snapshot when N is too old
/// or unknown; when N is the current version, the empty delta from N to N).
#[utoipa::path(get, path = "/v1/revocations", tag = "lists", params(SinceQuery),
    responses((status = 200, content_type = "application/json", body = Object,
        description = "{payload: {type: RevocationList, version, issuedAt, nextUpdate, since?, issuers}, anchor, signature}"),
        (status = 304, description = "If-None-Match matched"),
        (status = 400, body = ErrorBody, description = "`invalid_query`: not an integer, or an unknown parameter"),
        (status = 422, body = ErrorBody, description = "`invalid_field`: `since` is negative")))]
pub async fn revocations(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<SinceQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let since = q
        .since
        .map(u64::try_from)
        .transpose()
        .map_err(|_| Error::invalid("since: a list version, 0 or more"))?;
    let list = state.registry.revocations(since).await?;
    Ok(serve(&headers, &list, JSON, &state.cache_control))
}

/// The verifier profiles that publish rules: a JSON array of names.
#[utoipa::path(get, path = "/v1/rules", tag = "lists",
    responses((status = 200, body = Vec<String>), (status = 304)))]
pub async fn profiles(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let served = state.registry.served();
    let names = served
        .profiles
        .as_ref()
        .ok_or_else(|| missing("profiles"))?;
    Ok(serve(&headers, names, JSON, &state.cache_control))
}

/// A profile in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProfilePath {
    /// A country code (`IN`) or a verifier profile (`venue-xx`).
    #[param(pattern = "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    pub profile: String,
}

/// A profile's signed rules list (`credential::RulesList`).
#[utoipa::path(get, path = "/v1/rules/{profile}", tag = "lists", params(ProfilePath),
    responses((status = 200, content_type = "application/json", body = Object,
        description = "{payload: {type: VerificationRules, version, issuedAt, nextUpdate, profile, name?, rules}, anchor, signature}"),
        (status = 304), (status = 404, body = ErrorBody)))]
pub async fn rules(
    State(state): State<AppState>,
    Path(p): Path<ProfilePath>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let served = state.registry.served();
    let list = served
        .rules
        .get(&p.profile)
        .ok_or_else(|| Error::not_found("rules profile", &p.profile))?;
    Ok(serve(&headers, list, JSON, &state.cache_control))
}

/// An issuer's status list in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct StatusListPath {
    /// The issuer's slug.
    #[param(pattern = "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
    pub issuer: String,
    /// The list's name.
    #[param(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub list: String,
}

/// A W3C Bitstring Status List credential (`statusPurpose` revocation) for
/// credentials whose `credentialStatus` names this URL.
#[utoipa::path(get, path = "/v1/status-lists/{issuer}/{list}", tag = "lists", params(StatusListPath),
    responses((status = 200, content_type = "application/vc+ld+json", body = Object), (status = 304),
        (status = 404, body = ErrorBody)))]
pub async fn status_list(
    State(state): State<AppState>,
    Path(p): Path<StatusListPath>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let credential = state
        .registry
        .status_list_credential(&p.issuer, &p.list)
        .await?;
    Ok(serve(
        &headers,
        &credential,
        "application/vc+ld+json",
        &state.cache_control,
    ))
}
