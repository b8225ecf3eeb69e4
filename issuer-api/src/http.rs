//! The HTTP face: shared state, extractors, and the router with its layers.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{HeaderName, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde::de::DeserializeOwned;
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::auth::{Authenticator, Principal};
use crate::config::ServerSettings;
use crate::error::{AppError, Error, error_response};
use crate::issuer::Issuer;
use crate::rendering::Renderer;

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
    /// Citizen retrieval limiter, keyed by code and by client address.
    pub citizen_limiter: Arc<DefaultKeyedRateLimiter<String>>,
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

/// Latency histogram buckets (seconds): a 100-item batch takes tens of ms.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process-wide Prometheus recorder (the `metrics` facade has one
/// global recorder; tests build many apps in one process and share it).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("issuer_http_request_duration_seconds".to_owned()),
                    LATENCY_BUCKETS,
                )
                .map(PrometheusBuilder::build_recorder)
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
            let handle = recorder.handle();
            // Fails only if another recorder was installed first; then our
            // handle renders an empty registry, which is visible and harmless.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
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
        let citizen_quota = Quota::per_minute(nonzero(server.citizen_rate_limit_per_minute));
        Self {
            issuer,
            auth: Arc::new(auth),
            token_limiter: Arc::new(RateLimiter::keyed(token_quota)),
            citizen_limiter: Arc::new(RateLimiter::keyed(citizen_quota)),
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

/// A JSON body whose rejections use the API's error shape.
#[derive(Debug)]
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => {
                let status = rejection.status();
                let code = match status {
                    StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                    _ => "invalid_body",
                };
                Err(error_response(status, code, &rejection.body_text()))
            }
        }
    }
}

/// Record request latency and outcome per route (the matched pattern, so
/// certificate ids never become label values).
async fn record_metrics(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    metrics::histogram!("issuer_http_request_duration_seconds", "route" => route.clone(), "method" => method.clone())
        .record(start.elapsed().as_secs_f64());
    metrics::counter!("issuer_http_requests_total", "route" => route, "method" => method, "status" => status.as_u16().to_string())
        .increment(1);
    if status.is_server_error() {
        metrics::counter!("issuer_http_server_errors_total").increment(1);
    }
    response
}

/// The service with its layers, outermost first:
/// 1. request id: taken from `x-request-id` or made, and echoed back;
/// 2. trace: one span per request with method, route and request id, and
///    nothing personal (no bodies, no query strings, no certificate ids);
/// 3. panic catcher: a bug answers 500 instead of dropping the connection;
/// 4. timeout: 408 after `request_timeout_secs`;
/// 5. load shedding: beyond `concurrency_limit` requests in flight, 503 at once
///    rather than queueing until everything times out;
/// 6. metrics per route.
///
/// Body limits are per route (see `routes`).
pub fn with_layers(router: Router, server: &ServerSettings) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map_or("unmatched", |p| p.as_str());
            let id = request
                .extensions()
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), route, request_id = id)
        })
        .on_request(())
        // One line per request at INFO: status and latency, inside the span
        // that names the route and request id.
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
        .on_failure(());
    let shed = ServiceBuilder::new()
        .layer(axum::error_handling::HandleErrorLayer::new(
            |_: tower::BoxError| async {
                error_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "overloaded",
                    "too many requests in flight; retry shortly",
                )
            },
        ))
        .load_shed()
        // Global: `Router::layer` instantiates layers per route, and a
        // per-route limit would not bound the process.
        .layer(GlobalConcurrencyLimitLayer::new(
            server.concurrency_limit.max(1),
        ));
    router
        .layer(middleware::from_fn(record_metrics))
        .layer(shed)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(server.request_timeout_secs.max(1)),
        ))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; the server logged the details",
                )
            },
        ))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(trace)
                .layer(PropagateRequestIdLayer::new(request_id)),
        )
}

/// Answer 404 in the API's error shape.
pub async fn not_found() -> impl IntoResponse {
    error_response(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}
