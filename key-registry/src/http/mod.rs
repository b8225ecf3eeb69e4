//! The HTTP face: shared state, the error answer, extractors, and the
//! router with its layers. Handlers live per area (`lists`, `admin`,
//! `ingest`, `ops`) and only translate between HTTP and the core.

pub mod admin;
pub mod caching;
pub mod ingest;
pub mod lists;
pub mod openapi;
pub mod ops;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use metrics_exporter_prometheus::PrometheusHandle;
use service_core::http::{ErrorBody, ErrorDetail, LayerSettings, MetricNames};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::{Error, ErrorCode};
use crate::registry::Registry;
use crate::registry::tokens::Principal;

/// HTTP limits and the verifier origins allowed to read the lists.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Requests slower than this are answered 408.
    pub request_timeout: Duration,
    /// Requests in flight at once; beyond that, 503 at once.
    pub concurrency_limit: usize,
    /// Sustained requests per second per token (admin) or issuer (events).
    pub rate_limit_per_second: u32,
    /// Burst per token or issuer.
    pub rate_limit_burst: u32,
    /// Origins (`https://verify.example.org`) whose pages may read the
    /// public lists (CORS); none: no CORS headers.
    pub cors_origins: Vec<String>,
    /// `Cache-Control: public, max-age=…` of the public lists.
    pub cache_max_age: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            concurrency_limit: 1024,
            rate_limit_per_second: 50,
            rate_limit_burst: 200,
            cors_origins: Vec::new(),
            cache_max_age: Duration::from_secs(60),
        }
    }
}

/// State shared by every handler: cheap to clone (all `Arc`s).
#[derive(Clone)]
pub struct AppState {
    /// The registry core.
    pub registry: Arc<Registry>,
    /// HTTP settings.
    pub settings: Arc<HttpSettings>,
    /// Per-caller limiter (token id for admins, issuer for events).
    pub limiter: Arc<DefaultKeyedRateLimiter<String>>,
    /// The Prometheus handle.
    pub metrics: PrometheusHandle,
    /// `Cache-Control` of the public lists, made once.
    pub cache_control: HeaderValue,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    /// State over a registry.
    pub fn new(registry: Arc<Registry>, settings: HttpSettings) -> Self {
        let quota = Quota::per_second(
            NonZeroU32::new(settings.rate_limit_per_second).unwrap_or(NonZeroU32::MIN),
        )
        .allow_burst(NonZeroU32::new(settings.rate_limit_burst).unwrap_or(NonZeroU32::MIN));
        let cache_control = HeaderValue::from_str(&format!(
            "public, max-age={}",
            settings.cache_max_age.as_secs()
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("no-cache"));
        Self {
            registry,
            limiter: Arc::new(RateLimiter::keyed(quota)),
            settings: Arc::new(settings),
            metrics: service_core::http::metrics_handle(),
            cache_control,
        }
    }

    /// Fail with 429 once `key` is over its rate.
    pub fn check_rate(&self, key: &str) -> Result<(), Error> {
        if self.limiter.check_key(&key.to_owned()).is_err() {
            metrics::counter!("registry_rate_limited_total").increment(1);
            return Err(Error::client(
                ErrorCode::RateLimited,
                "rate limit exceeded; retry later",
            ));
        }
        Ok(())
    }
}

/// An [`Error`] on its way out of a handler.
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
        if code == ErrorCode::Unauthenticated {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

fn authorization(parts: &Parts) -> Result<Option<&str>, Error> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .map(|v| {
            v.to_str().map_err(|_| {
                Error::client(ErrorCode::Unauthenticated, "Authorization is not ASCII")
            })
        })
        .transpose()
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let principal = state.registry.authenticate(authorization(parts)?).await?;
        state.check_rate(&principal.actor)?;
        Ok(principal)
    }
}

/// An optional bearer token: absent is fine, present must be valid.
impl OptionalFromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, AppError> {
        match authorization(parts)? {
            None => Ok(None),
            Some(header) => Ok(Some(state.registry.authenticate(Some(header)).await?)),
        }
    }
}

/// Body limit of admin requests (a rules list or contexts fit).
const ADMIN_BODY: usize = 512 * 1024;

/// The registry's request metrics.
const METRIC_NAMES: MetricNames = MetricNames {
    request_duration: "registry_http_request_duration_seconds",
    requests: "registry_http_requests_total",
    server_errors: "registry_http_server_errors_total",
};

/// All routes with their layers.
pub fn router(state: AppState) -> Router {
    let mut public = Router::new()
        .route("/v1/anchor", get(lists::anchor))
        .route("/v1/trust-list", get(lists::trust_list))
        .route(
            "/v1/revocations",
            get(lists::revocations).post(ingest::post_event),
        )
        .route("/v1/rules", get(lists::profiles))
        .route("/v1/rules/{profile}", get(lists::rules))
        .route("/v1/status-lists/{issuer}/{list}", get(lists::status_list))
        .layer(DefaultBodyLimit::max(
            crate::registry::ingest::MAX_EVENT_BYTES,
        ));
    if !state.settings.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = state
            .settings
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        public = public.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::HEAD])
                .allow_headers([header::IF_NONE_MATCH])
                .expose_headers([header::ETAG, header::CACHE_CONTROL])
                .max_age(Duration::from_secs(24 * 3600)),
        );
    }
    let admin = Router::new()
        .route(
            "/v1/admin/issuers",
            get(admin::list_issuers).post(admin::register_issuer),
        )
        .route("/v1/admin/issuers/{slug}", get(admin::get_issuer))
        .route("/v1/admin/issuers/{slug}/keys", post(admin::add_key))
        .route(
            "/v1/admin/issuers/{slug}/keys/import",
            post(admin::import_keys),
        )
        .route(
            "/v1/admin/issuers/{slug}/keys/retire",
            post(admin::retire_key),
        )
        .route(
            "/v1/admin/issuers/{slug}/keys/compromise",
            post(admin::compromise_key),
        )
        .route("/v1/admin/rules/{profile}", put(admin::publish_rules))
        .route("/v1/admin/anchors", get(admin::anchors))
        .route("/v1/admin/anchor/announce", post(admin::announce_anchor))
        .route("/v1/admin/anchor/activate", post(admin::activate_anchor))
        .route(
            "/v1/admin/tokens",
            get(admin::list_tokens).post(admin::create_token),
        )
        .route("/v1/admin/tokens/{id}", delete(admin::revoke_token))
        .route("/v1/admin/audit", get(admin::audit))
        .layer(DefaultBodyLimit::max(ADMIN_BODY));
    let ops = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .layer(DefaultBodyLimit::max(1024));
    let router = public
        .merge(admin)
        .merge(ops)
        .fallback(service_core::http::not_found)
        .with_state(state.clone());
    service_core::http::with_layers(
        router,
        &LayerSettings {
            request_timeout: state.settings.request_timeout,
            concurrency_limit: state.settings.concurrency_limit,
            metrics: METRIC_NAMES,
        },
    )
}
