//! Operations: liveness, readiness, metrics, the OpenAPI document.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use service_core::http::ErrorBody;

use super::AppState;

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = String)))]
pub async fn healthz() -> &'static str {
    service_core::http::healthz().await
}

/// Readiness: the database answers and the lists are loaded.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = String), (status = 503, body = ErrorBody)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let served = state.registry.served();
    match state.registry.store.ping().await {
        Ok(()) if served.trust.is_some() && served.revocations.is_some() => "ready".into_response(),
        result => {
            if let Err(e) = result {
                tracing::warn!(error = %e, "not ready");
            }
            service_core::http::error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "the database is unavailable or no list is loaded",
            )
        }
    }
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let served = state.registry.served();
    #[allow(
        clippy::cast_precision_loss,
        reason = "version gauges do not need 2^53 precision"
    )]
    {
        if let Some(trust) = &served.trust {
            metrics::gauge!("registry_list_version", "list" => "trust").set(trust.version as f64);
        }
        if let Some(head) = &served.revocations {
            metrics::gauge!("registry_list_version", "list" => "revocations")
                .set(head.version as f64);
        }
    }
    service_core::http::render_metrics(&state.metrics)
}

/// This API's OpenAPI 3 document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", responses((status = 200, body = Object)))]
pub async fn openapi() -> Json<serde_json::Value> {
    Json(super::openapi::document())
}
