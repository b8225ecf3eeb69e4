//! The HTTP face: shared state, extractors, and the router with its layers.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use metrics_exporter_prometheus::PrometheusHandle;
use service_core::http::{LayerSettings, MetricNames, metrics_handle};

use crate::auth::{Authenticator, Principal};
use crate::config::ServerSettings;
use crate::error::{AppError, Error};
use crate::issuer::Issuer;
use crate::rendering::Renderer;

pub use service_core::http::AppJson;

/// State shared by every handler: cheap to clone (all `Arc`s).
#[derive(Clone)]
pub struct AppState {
    /// The issuer core.
    pub issuer: Arc<Issuer>,
    /// Bearer-token verification.
    pub auth: Arc<Authenticator>,
    /// Server limits.
    pub server: Arc<ServerSettings>,
    /// Per-token request limiter.
    pub token_limiter: Arc<DefaultKeyedRateLimiter<String>>,
    /// Citizen retrieval limits (per process and, per code, shared).
    pub citizen: Arc<crate::citizen_limits::CitizenLimits>,
    /// The Prometheus registry's handle.
    pub metrics: PrometheusHandle,
    /// The PDF template.
    pub renderer: Arc<Renderer>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl AppState {
    /// State over an issuer.
    pub fn new(
        issuer: Arc<Issuer>,
        auth: Authenticator,
        server: ServerSettings,
        renderer: Renderer,
    ) -> Self {
        let token_quota = Quota::per_second(nonzero(server.rate_limit_per_second))
            .allow_burst(nonzero(server.rate_limit_burst));
        Self {
            issuer,
            auth: Arc::new(auth),
            token_limiter: Arc::new(RateLimiter::keyed(token_quota)),
            citizen: Arc::new(crate::citizen_limits::CitizenLimits::new(&server)),
            server: Arc::new(server),
            metrics: metrics_handle(),
            renderer: Arc::new(renderer),
        }
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| {
                v.to_str()
                    .map_err(|_| Error::Unauthenticated("Authorization is not ASCII"))
            })
            .transpose()?;
        let principal = state.auth.authenticate(header).await?;
        if state.token_limiter.check_key(&principal.actor).is_err() {
            metrics::counter!("issuer_rate_limited_total", "kind" => "token").increment(1);
            return Err(Error::RateLimited.into());
        }
        Ok(principal)
    }
}

/// The caller's address, when the server knows it (not in `oneshot` tests).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

/// The issuer's request metrics.
const METRIC_NAMES: MetricNames = MetricNames {
    request_duration: "issuer_http_request_duration_seconds",
    requests: "issuer_http_requests_total",
    server_errors: "issuer_http_server_errors_total",
};

/// The service with the standard layers (`service_core::http::with_layers`:
/// request id, trace, panic catcher, timeout, load shedding, metrics per
/// route). Body limits are per route (see `routes`).
pub fn with_layers(router: Router, server: &ServerSettings) -> Router {
    service_core::http::with_layers(
        router,
        &LayerSettings {
            request_timeout: Duration::from_secs(server.request_timeout_secs),
            concurrency_limit: server.concurrency_limit,
            metrics: METRIC_NAMES,
        },
    )
}

/// Answer 404 in the API's error shape.
pub async fn not_found() -> impl IntoResponse {
    service_core::http::not_found().await
}
