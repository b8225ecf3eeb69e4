//! Admin endpoints (`registry-admin` tokens): issuers, keys, rules, the
//! anchor, tokens, the audit log. Every change is one transaction that
//! also publishes the lists it affects; the answer comes after the commit.
#![allow(
    unused_qualifications,
    reason = "utoipa's generated code for params(...) qualifies paths"
)]

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use service_core::http::{AppJson, AppQuery, ErrorBody};
use utoipa::{IntoParams, ToSchema};

use super::lists::ProfilePath;
use super::{AppError, AppState};
use crate::error::Error;
use crate::registry::anchors::AnchorInfo;
use crate::registry::issuers::{
    CompromiseKey, ImportKeys, ImportReport, IssuerView, KeyView, NewIssuer, NewKey, RetireKey,
};
use crate::registry::rules::{PublishRules, RulesInfo};
use crate::registry::tokens::{NewToken, Principal, TokenInfo};
use crate::store::AuditRecord;

/// An issuer in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SlugPath {
    /// The issuer's slug.
    #[param(pattern = "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
    pub slug: String,
}

/// Every issuer with its keys.
#[utoipa::path(get, path = "/v1/admin/issuers", tag = "admin",
    responses((status = 200, body = Vec<IssuerView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_issuers(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<IssuerView>>, AppError> {
    principal.require_admin()?;
    Ok(Json(state.registry.issuers().await?))
}

/// Register an issuer (its credentials' `issuer` id, its DID, name,
/// country, extra contexts). Publishes a new trust list and a revocation
/// list that covers it.
#[utoipa::path(post, path = "/v1/admin/issuers", tag = "admin", request_body = NewIssuer,
    responses((status = 201, body = IssuerView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn register_issuer(
    State(state): State<AppState>,
    principal: Principal,
    AppJson(body): AppJson<NewIssuer>,
) -> Result<(StatusCode, Json<IssuerView>), AppError> {
    principal.require_admin()?;
    let view = state
        .registry
        .register_issuer(body, &principal.actor)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One issuer with its keys (admins, or the issuer's own token).
#[utoipa::path(get, path = "/v1/admin/issuers/{slug}", tag = "admin", params(SlugPath),
    responses((status = 200, body = IssuerView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_issuer(
    State(state): State<AppState>,
    principal: Principal,
    Path(p): Path<SlugPath>,
) -> Result<Json<IssuerView>, AppError> {
    match state.registry.issuer(&p.slug).await {
        Ok((record, view)) => {
            principal.require_admin_or_issuer(&record.id)?;
            Ok(Json(view))
        }
        // Whether an issuer exists is the admin's business.
        Err(e) => {
            principal.require_admin()?;
            Err(e.into())
        }
    }
}

/// Add a key (`kid` exactly as credentials carry it in
/// `proof.verificationMethod`; the key as PEM, base58, multibase, did:key
/// or JWK; an optional validity window). DIVOC's `did:india` RSA key is
/// registered this way, as PEM.
#[utoipa::path(post, path = "/v1/admin/issuers/{slug}/keys", tag = "admin", params(SlugPath), request_body = NewKey,
    responses((status = 201, body = KeyView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_key(
    State(state): State<AppState>,
    principal: Principal,
    Path(p): Path<SlugPath>,
    AppJson(body): AppJson<NewKey>,
) -> Result<(StatusCode, Json<KeyView>), AppError> {
    principal.require_admin()?;
    let key = state
        .registry
        .add_key(&p.slug, body, &principal.actor)
        .await?;
    Ok((StatusCode::CREATED, Json(key)))
}

/// Import keys from the issuer's `did:web` document (or an issuer API's
/// `/v1/keys`, which also gives validity windows): new keys are added,
/// known ones updated (retirement), a known id with another key refused.
#[utoipa::path(post, path = "/v1/admin/issuers/{slug}/keys/import", tag = "admin", params(SlugPath),
    request_body = ImportKeys,
    responses((status = 200, body = ImportReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`issuer_has_no_did`: keys are imported under the issuer's DID"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import_keys(
    State(state): State<AppState>,
    principal: Principal,
    Path(p): Path<SlugPath>,
    AppJson(body): AppJson<ImportKeys>,
) -> Result<Json<ImportReport>, AppError> {
    principal.require_admin()?;
    Ok(Json(
        state
            .registry
            .import_keys(&p.slug, body, &principal.actor)
            .await?,
    ))
}

/// Retire a key: it signed until `valid_until` (default now); what it
/// signed before stays valid.
#[utoipa::path(post, path = "/v1/admin/issuers/{slug}/keys/retire", tag = "admin", params(SlugPath),
    request_body = RetireKey,
    responses((status = 200, body = KeyView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn retire_key(
    State(state): State<AppState>,
    principal: Principal,
    Path(p): Path<SlugPath>,
    AppJson(body): AppJson<RetireKey>,
) -> Result<Json<KeyView>, AppError> {
    principal.require_admin()?;
    Ok(Json(
        state
            .registry
            .retire_key(&p.slug, body, &principal.actor)
            .await?,
    ))
}

/// Mark a key compromised from `since`: what it signed from then on is
/// void. The date only moves earlier.
#[utoipa::path(post, path = "/v1/admin/issuers/{slug}/keys/compromise", tag = "admin", params(SlugPath),
    request_body = CompromiseKey,
    responses((status = 200, body = KeyView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn compromise_key(
    State(state): State<AppState>,
    principal: Principal,
    Path(p): Path<SlugPath>,
    AppJson(body): AppJson<CompromiseKey>,
) -> Result<Json<KeyView>, AppError> {
    principal.require_admin()?;
    Ok(Json(
        state
            .registry
            .compromise_key(&p.slug, body, &principal.actor)
            .await?,
    ))
}

/// Publish a verifier profile's rules (replacing its previous rules): a
/// new signed rules list version.
#[utoipa::path(put, path = "/v1/admin/rules/{profile}", tag = "admin", params(ProfilePath),
    request_body = PublishRules,
    responses((status = 200, body = RulesInfo), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn publish_rules(
    State(state): State<AppState>,
    principal: Principal,
    Path(p): Path<ProfilePath>,
    AppJson(body): AppJson<PublishRules>,
) -> Result<Json<RulesInfo>, AppError> {
    principal.require_admin()?;
    Ok(Json(
        state
            .registry
            .publish_profile_rules(&p.profile, body, &principal.actor)
            .await?,
    ))
}

/// The anchor keys, newest first (public parts).
#[utoipa::path(get, path = "/v1/admin/anchors", tag = "admin",
    responses((status = 200, body = Vec<AnchorInfo>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn anchors(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<AnchorInfo>>, AppError> {
    principal.require_admin()?;
    Ok(Json(state.registry.anchors().await?))
}

/// Anchor rotation, step 1: make the next anchor key and announce it
/// (`nextAnchor`) in a trust list signed by the current one.
#[utoipa::path(post, path = "/v1/admin/anchor/announce", tag = "admin",
    responses((status = 201, body = AnchorInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn announce_anchor(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<(StatusCode, Json<AnchorInfo>), AppError> {
    principal.require_admin()?;
    let info = state
        .registry
        .announce_next_anchor(&principal.actor)
        .await?;
    Ok((StatusCode::CREATED, Json(info)))
}

/// Anchor rotation, step 2: the announced key signs from now on; every
/// list is published again under it.
#[utoipa::path(post, path = "/v1/admin/anchor/activate", tag = "admin",
    responses((status = 200, body = AnchorInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn activate_anchor(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<AnchorInfo>, AppError> {
    principal.require_admin()?;
    Ok(Json(
        state
            .registry
            .activate_next_anchor(&principal.actor)
            .await?,
    ))
}

/// Who a new token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub enum TokenRole {
    /// Administers the registry.
    #[serde(rename = "registry-admin")]
    RegistryAdmin,
    /// Speaks for one issuer (`issuer` names it).
    #[serde(rename = "issuer")]
    Issuer,
}

/// Make an API token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// The role.
    pub role: TokenRole,
    /// For `issuer` tokens: the issuer's slug.
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
    pub issuer: Option<String>,
    /// A label for people.
    #[serde(default)]
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    pub label: String,
    /// Expiry (RFC 3339).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
}

/// Make an API token; its secret is in this answer only.
#[utoipa::path(post, path = "/v1/admin/tokens", tag = "admin", request_body = CreateToken,
    responses((status = 201, body = NewToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_token(
    State(state): State<AppState>,
    principal: Principal,
    AppJson(body): AppJson<CreateToken>,
) -> Result<(StatusCode, Json<NewToken>), AppError> {
    principal.require_admin()?;
    let issuer = match (body.role, body.issuer.as_deref()) {
        (TokenRole::RegistryAdmin, None) => None,
        (TokenRole::Issuer, Some(slug)) => Some(slug),
        (TokenRole::RegistryAdmin, Some(_)) => {
            return Err(Error::invalid("issuer: only issuer tokens name an issuer").into());
        }
        (TokenRole::Issuer, None) => {
            return Err(Error::invalid("issuer: an issuer token names its issuer's slug").into());
        }
    };
    let token = state
        .registry
        .create_token(
            issuer,
            &body.label,
            body.expires_at.map(|t| t.as_millisecond()),
            &principal.actor,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(token)))
}

/// List API tokens (never their secrets).
#[utoipa::path(get, path = "/v1/admin/tokens", tag = "admin",
    responses((status = 200, body = Vec<TokenInfo>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<TokenInfo>>, AppError> {
    principal.require_admin()?;
    Ok(Json(state.registry.tokens().await?))
}

/// A token in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TokenPath {
    /// The token's id.
    #[param(pattern = "^[0-9a-f]{16}$")]
    pub id: String,
}

/// Revoke an API token.
#[utoipa::path(delete, path = "/v1/admin/tokens/{id}", tag = "admin", params(TokenPath),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(p): Path<TokenPath>,
) -> Result<StatusCode, AppError> {
    principal.require_admin()?;
    state.registry.revoke_token(&p.id, &principal.actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Audit log paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries after this sequence number.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Most entries (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Entries, oldest first.
    pub entries: Vec<AuditRecord>,
}

/// Read the append-only audit log.
#[utoipa::path(get, path = "/v1/admin/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = AuditPage),
        (status = 400, body = ErrorBody, description = "`invalid_query`: not an integer, or an unknown parameter"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`invalid_field`: `after` or `limit` out of range")),
    security(("bearer" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    principal: Principal,
    AppQuery(q): AppQuery<AuditQuery>,
) -> Result<Json<AuditPage>, AppError> {
    principal.require_admin()?;
    let limit = q.limit.unwrap_or(100);
    let after = q.after.unwrap_or(0);
    if !(1..=1000).contains(&limit) || after < 0 {
        return Err(Error::invalid("limit: 1 to 1000; after: 0 or more").into());
    }
    let entries = state.registry.store.audit(after, limit).await?;
    Ok(Json(AuditPage { entries }))
}
