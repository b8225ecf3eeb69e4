//! The HTTP face: shared state, extractors, the error response, and the
//! router with its layers. One file per area; handlers only translate
//! between HTTP and calls into the plain-Rust core ([`crate::Issuer`]).

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use metrics_exporter_prometheus::PrometheusHandle;
use service_core::http::{ErrorBody, ErrorDetail, LayerSettings, MetricNames, metrics_handle};

use crate::auth::{Authenticator, Principal};
use crate::citizen_limits::CitizenLimits;
use crate::config::ServerSettings;
use crate::error::Error;
use crate::issuer::Issuer;
use crate::rendering::Renderer;

mod admin;
mod certificates;
mod certify;
mod citizen;
mod keys;
mod lifecycle;
pub mod openapi;
mod ops;
mod programme;
mod renderings;

pub(crate) use service_core::http::AppJson;

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
    pub citizen: Arc<CitizenLimits>,
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
            citizen: Arc::new(CitizenLimits::new(&server)),
            server: Arc::new(server),
            metrics: metrics_handle(),
            renderer: Arc::new(renderer),
        }
    }
}

/// Body limit for endpoints that take small JSON bodies.
const SMALL_BODY: usize = 64 * 1024;

/// All routes, with their body limits.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let big = DefaultBodyLimit::max(state.server.body_limit_bytes);
    let small = DefaultBodyLimit::max(SMALL_BODY);
    let certify_routes = Router::new()
        .route("/v1/certify", post(certify::certify))
        // DIVOC's path, so existing integrations only change the host.
        .route("/divoc/api/v1/certify", post(certify::certify))
        .route(
            "/v1/admin/programme",
            get(programme::get_programme).put(programme::put_programme),
        )
        .layer(big);
    let rest = Router::new()
        .route("/v1/certificates", get(certificates::search))
        .route(
            "/v1/certificates/{id}",
            get(certificates::get_certificate).put(lifecycle::correct),
        )
        .route("/v1/certificates/{id}/qr.png", get(renderings::qr_png))
        .route("/v1/certificates/{id}/qr.svg", get(renderings::qr_svg))
        .route("/v1/certificates/{id}/pdf", get(renderings::pdf))
        .route("/v1/certificates/{id}/revoke", post(lifecycle::revoke))
        .route("/v1/certificates/{id}/suspend", post(lifecycle::suspend))
        .route(
            "/v1/certificates/{id}/suspension",
            delete(lifecycle::unsuspend),
        )
        .route("/v1/citizen/retrieve", post(citizen::citizen_retrieve))
        .route(
            "/v1/admin/programme/vaccines/{name}",
            put(programme::put_vaccine).delete(programme::delete_vaccine),
        )
        .route(
            "/v1/admin/programme/facilities/{code}",
            put(programme::put_facility).delete(programme::delete_facility),
        )
        .route(
            "/v1/admin/programme/vaccinators/{id}",
            put(programme::put_vaccinator).delete(programme::delete_vaccinator),
        )
        .route("/v1/admin/keys/rotate", post(admin::rotate_key))
        .route(
            "/v1/admin/tokens",
            get(admin::list_tokens).post(admin::create_token),
        )
        .route("/v1/admin/tokens/{id}", delete(admin::revoke_token))
        .route("/v1/admin/outbox", get(admin::outbox_backlog))
        .route("/v1/admin/outbox/dead", get(admin::outbox_dead))
        .route("/v1/admin/outbox/dead/{id}/retry", post(admin::retry_dead))
        .route("/v1/audit", get(admin::audit))
        .route("/v1/keys", get(keys::keys))
        .route("/.well-known/did.json", get(keys::did_json))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .layer(small);
    certify_routes.merge(rest)
}

/// An [`Error`] on its way out of a handler: client errors say precisely
/// what was wrong (their code fixes the status); server errors are logged
/// with their details and answer a generic message.
#[derive(Debug)]
pub struct AppError(pub Error);

impl<E: Into<Error>> From<E> for AppError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let code = self.0.code();
        let status = code.status();
        let message = if status.is_server_error() {
            // The details may name files, SQL or keys: log them, answer generically.
            tracing::error!(error = %self.0, "request failed");
            "internal error; the server logged the details".to_owned()
        } else {
            self.0.to_string()
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: ErrorDetail {
                    code: code.as_str().to_owned(),
                    message,
                },
            }),
        )
            .into_response();
        if matches!(self.0, Error::Unauthenticated(_)) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
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
pub(crate) struct ClientAddr(pub Option<SocketAddr>);

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
/// route). Body limits are per route (see [`router`]).
pub(crate) fn with_layers(router: Router, server: &ServerSettings) -> Router {
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
pub(crate) async fn not_found() -> impl IntoResponse {
    service_core::http::not_found().await
}
