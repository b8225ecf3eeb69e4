//! Administration: key rotation, API tokens, the audit log, the outbox's
//! backlog and dead letters (the rules in `crate::admin`).
#![allow(
    unused_qualifications,
    reason = "utoipa's generated code for params(...) qualifies paths"
)]

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use service_core::http::{AppQuery, ErrorBody};
use utoipa::{IntoParams, ToSchema};

use super::{AppError, AppJson, AppState};
use crate::auth::{NewToken, Principal, Role, TokenInfo};
use crate::keys::PublicKeyInfo;
use crate::store::{AuditRecord, DeadEvent};

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
    let (kid, keys) = state.issuer.rotate_key_at(&principal, &body.at).await?;
    Ok((StatusCode::CREATED, Json(RotateResponse { kid, keys })))
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
    let token = state
        .issuer
        .create_token(
            &principal,
            body.role,
            &body.facilities,
            &body.label,
            body.expires_at.as_deref(),
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
    Ok(Json(state.issuer.list_tokens(&principal).await?))
}

/// Revoke an API token.
#[utoipa::path(delete, path = "/v1/admin/tokens/{id}", tag = "admin", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn revoke_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    state.issuer.revoke_token(&principal, &id).await?;
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
    let entries = state
        .issuer
        .audit(&principal, q.after, q.subject.as_deref(), q.limit)
        .await?;
    Ok(Json(AuditPage { entries }))
}

/// Undelivered events per target.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxBacklog {
    /// Target (`registry`, `webhook:<name>`) and pending count (events held
    /// behind a dead one included).
    pub pending: Vec<(String, i64)>,
    /// Target and dead count (see `/v1/admin/outbox/dead`).
    pub dead: Vec<(String, i64)>,
}

/// The outbox backlog.
#[utoipa::path(get, path = "/v1/admin/outbox", tag = "admin", responses((status = 200, body = OutboxBacklog)), security(("bearer" = [])))]
pub async fn outbox_backlog(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<OutboxBacklog>, AppError> {
    let backlog = state.issuer.outbox_backlog(&principal).await?;
    Ok(Json(OutboxBacklog {
        pending: backlog.pending,
        dead: backlog.dead,
    }))
}

/// Dead-letter paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadQuery {
    /// Events after this outbox sequence number.
    pub after: Option<i64>,
    /// Most events (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// A page of dead events.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadPage {
    /// Oldest first; page on with `after` = the last `id`.
    pub events: Vec<DeadEvent>,
}

/// Dead outbox events: refused for good by their receiver, or failed
/// `outbox.max_attempts` times. They stay until retried.
#[utoipa::path(get, path = "/v1/admin/outbox/dead", tag = "admin", params(DeadQuery),
    responses((status = 200, body = DeadPage), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn outbox_dead(
    State(state): State<AppState>,
    principal: Principal,
    AppQuery(q): AppQuery<DeadQuery>,
) -> Result<Json<DeadPage>, AppError> {
    let events = state
        .issuer
        .dead_events(&principal, q.after, q.limit)
        .await?;
    Ok(Json(DeadPage { events }))
}

/// What a retry revived.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetryAnswer {
    /// The target.
    pub target: String,
    /// The certificate.
    pub certificate_id: String,
    /// Dead events of this certificate and target made pending again (the
    /// one named and any other dead one about the same certificate, so
    /// they go in order).
    pub revived: u64,
}

/// Retry a dead event: it (and any other dead event about the same
/// certificate for the same target) is delivered again, from attempt one.
/// Audited as `outbox_retry`.
#[utoipa::path(post, path = "/v1/admin/outbox/dead/{id}/retry", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = RetryAnswer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn retry_dead(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<RetryAnswer>, AppError> {
    let (target, certificate_id, revived) = state.issuer.retry_dead(&principal, &id).await?;
    Ok(Json(RetryAnswer {
        target,
        certificate_id,
        revived,
    }))
}
