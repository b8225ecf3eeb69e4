//! Handlers for the outbox's admin endpoints: the backlog, the dead
//! letters and their retry (rules in `crate::outbox`).
#![allow(
    unused_qualifications,
    reason = "utoipa's generated code for params(...) qualifies paths"
)]

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use service_core::http::AppQuery;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Principal, Role};
use crate::error::{AppError, Error, ErrorBody};
use crate::http::AppState;
use crate::ids::now_ms;
use crate::store::DeadEvent;

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
    principal.require(&[Role::IssuerAdmin, Role::Auditor])?;
    let backlog = state.issuer.store.outbox_backlog().await?;
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
    principal.require(&[Role::IssuerAdmin, Role::Auditor])?;
    let events = state
        .issuer
        .store
        .outbox_dead_list(q.after.unwrap_or(0), q.limit.unwrap_or(100).clamp(1, 1000))
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
    principal.require(&[Role::IssuerAdmin])?;
    let not_found = || Error::not_found("dead outbox event", &id);
    let number: i64 = id.parse().map_err(|_| not_found())?;
    let (target, certificate_id, revived) = state
        .issuer
        .store
        .outbox_retry_dead(number, &principal.actor, now_ms())
        .await?
        .ok_or_else(not_found)?;
    tracing::info!(outbox_id = number, target = %target, revived, actor = %principal.actor, "dead outbox events retried");
    state.issuer.wake_outbox();
    Ok(Json(RetryAnswer {
        target,
        certificate_id,
        revived,
    }))
}

/// Set `issuer_outbox_pending{target}` and `issuer_outbox_dead{target}`
/// from the store, zero for configured targets with none.
pub async fn update_gauges(state: &AppState) {
    let Ok(backlog) = state.issuer.store.outbox_backlog().await else {
        return;
    };
    let mut targets: Vec<String> = state
        .issuer
        .settings
        .webhooks
        .iter()
        .map(|w| format!("webhook:{}", w.name))
        .collect();
    if state.issuer.settings.registry.is_some() {
        targets.push("registry".to_owned());
    }
    for (name, counts) in [
        ("issuer_outbox_pending", &backlog.pending),
        ("issuer_outbox_dead", &backlog.dead),
    ] {
        let mut all = targets.clone();
        all.extend(counts.iter().map(|(t, _)| t.clone()));
        all.sort();
        all.dedup();
        for target in all {
            let n = counts
                .iter()
                .find(|(t, _)| *t == target)
                .map_or(0, |(_, n)| *n);
            #[allow(
                clippy::cast_precision_loss,
                reason = "a backlog gauge does not need 2^53 precision"
            )]
            metrics::gauge!(name, "target" => target).set(n as f64);
        }
    }
}
