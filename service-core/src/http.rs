//! The HTTP pieces every service uses: the JSON error shape, a JSON body
//! extractor that rejects in that shape, the standard layers, the
//! Prometheus recorder and the health answer.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa::ToSchema;

/// The JSON error body every endpoint answers with.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// One error: a stable code and a message for people.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code (`unknown_vaccine`, `forbidden`, ...).
    pub code: String,
    /// What was wrong.
    pub message: String,
}

/// The codes the shared layers and extractor answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayerCode {
    /// The body is over the route's limit.
    BodyTooLarge,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    /// The body is not the JSON the endpoint takes.
    InvalidBody,
    /// The query string is not what the endpoint takes.
    InvalidQuery,
    /// Too many requests in flight.
    Overloaded,
    /// A handler panicked.
    Internal,
    /// No such route.
    NotFound,
}

impl LayerCode {
    /// The wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BodyTooLarge => "body_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::InvalidBody => "invalid_body",
            Self::InvalidQuery => "invalid_query",
            Self::Overloaded => "overloaded",
            Self::Internal => "internal",
            Self::NotFound => "not_found",
        }
    }
}

/// An error body for a status with a code and message (used by layers that
/// answer before a handler runs: body limit, timeout, load shedding).
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message: message.to_owned(),
            },
        }),
    )
        .into_response()
}

/// A JSON body whose rejections use the API's error shape. Whole numbers
/// written with a fraction or exponent (`2.0`) are read as integers, as
/// the OpenAPI 3.1 documents (JSON Schema) count them
/// ([`crate::json::integral_numbers`]).
#[derive(Debug)]
pub struct AppJson<T>(pub T);

/// Whether the request says its body is JSON (`application/json` or
/// `application/*+json`, parameters allowed), as axum's `Json` requires.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json"))
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        if !is_json(req.headers()) {
            return Err(error_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                LayerCode::UnsupportedMediaType.as_str(),
                "Expected request with `Content-Type: application/json`",
            ));
        }
        let bytes = match axum::body::Bytes::from_request(req, state).await {
            Ok(bytes) => bytes,
            Err(rejection) => {
                let status = rejection.status();
                let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    LayerCode::BodyTooLarge
                } else {
                    LayerCode::InvalidBody
                };
                return Err(error_response(
                    status,
                    code.as_str(),
                    &rejection.body_text(),
                ));
            }
        };
        let text = crate::json::integral_numbers(&bytes);
        match Json::<T>::from_bytes(&text) {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(error_response(
                rejection.status(),
                LayerCode::InvalidBody.as_str(),
                &rejection.body_text(),
            )),
        }
    }
}

/// A query string whose rejections use the API's error shape (400
/// `invalid_query`) instead of axum's plain text.
#[derive(Debug)]
pub struct AppQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for AppQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Response> {
        match axum::extract::Query::<T>::try_from_uri(&parts.uri) {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(error_response(
                StatusCode::BAD_REQUEST,
                LayerCode::InvalidQuery.as_str(),
                &rejection.body_text(),
            )),
        }
    }
}

/// Latency histogram buckets (seconds): from a cached list (tens of µs) to
/// a 100-item certify batch (tens of ms) and beyond.
const LATENCY_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// Every service's latency histogram name ends with this.
const LATENCY_SUFFIX: &str = "_http_request_duration_seconds";

/// The process-wide Prometheus recorder (the `metrics` facade has one
/// global recorder; tests build many apps, of both services, in one
/// process and share it).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix(LATENCY_SUFFIX.to_owned()), LATENCY_BUCKETS)
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

/// The names a service's request metrics are recorded under.
#[derive(Debug, Clone, Copy)]
pub struct MetricNames {
    /// Latency histogram (must end in `_http_request_duration_seconds`).
    pub request_duration: &'static str,
    /// Requests by route, method and status.
    pub requests: &'static str,
    /// 5xx answers.
    pub server_errors: &'static str,
}

/// What the standard layers need to know.
#[derive(Debug, Clone, Copy)]
pub struct LayerSettings {
    /// Requests slower than this are answered 408.
    pub request_timeout: Duration,
    /// Requests in flight at once; beyond that, 503 at once.
    pub concurrency_limit: usize,
    /// Metric names.
    pub metrics: MetricNames,
}

/// Record request latency and outcome per route (the matched pattern, so
/// ids in paths never become label values).
async fn record_metrics(names: MetricNames, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    metrics::histogram!(names.request_duration, "route" => route.clone(), "method" => method.clone())
        .record(start.elapsed().as_secs_f64());
    metrics::counter!(names.requests, "route" => route, "method" => method, "status" => status.as_u16().to_string())
        .increment(1);
    if status.is_server_error() {
        metrics::counter!(names.server_errors).increment(1);
    }
    response
}

/// The service with its layers, outermost first:
/// 1. request id: taken from `x-request-id` or made, and echoed back;
/// 2. trace: one span per request with method, route and request id, and
///    nothing personal (no bodies, no query strings, no ids from paths);
/// 3. metrics per route (every answer, the layers' own included);
/// 4. panic catcher: a bug answers 500 instead of dropping the connection;
/// 5. timeout: 408 after `request_timeout`;
/// 6. load shedding: beyond `concurrency_limit` requests in flight, 503 at
///    once rather than queueing until everything times out.
///
/// Body limits, compression and CORS are per route (each service's router).
pub fn with_layers(router: Router, settings: &LayerSettings) -> Router {
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
                    LayerCode::Overloaded.as_str(),
                    "too many requests in flight; retry shortly",
                )
            },
        ))
        .load_shed()
        // Global: `Router::layer` instantiates layers per route, and a
        // per-route limit would not bound the process.
        .layer(GlobalConcurrencyLimitLayer::new(
            settings.concurrency_limit.max(1),
        ));
    let names = settings.metrics;
    router
        .layer(shed)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout.max(Duration::from_secs(1)),
        ))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    LayerCode::Internal.as_str(),
                    "internal error; the server logged the details",
                )
            },
        ))
        // Outside the panic catcher, timeout and load shedding, so their
        // 500, 408 and 503 answers are counted too.
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            record_metrics(names, request, next)
        }))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(trace)
                .layer(PropagateRequestIdLayer::new(request_id)),
        )
}

/// Answer 404 in the API's error shape.
pub async fn not_found() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        LayerCode::NotFound.as_str(),
        "no such endpoint",
    )
}

/// Liveness: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The Prometheus text exposition of every metric recorded in this process.
pub fn render_metrics(handle: &PrometheusHandle) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        handle.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::{get, post};
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;

    const NAMES: MetricNames = MetricNames {
        request_duration: "core_test_http_request_duration_seconds",
        requests: "core_test_http_requests_total",
        server_errors: "core_test_http_server_errors_total",
    };

    async fn boom() -> &'static str {
        panic!("boom")
    }

    async fn body(response: Response) -> serde_json::Value {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn json_and_query_extractors_answer_in_the_error_shape() {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Q {
            #[allow(dead_code, reason = "read by serde only")]
            n: Option<u32>,
        }
        let router = Router::new()
            .route(
                "/json",
                post(|AppJson(v): AppJson<Vec<u32>>| async move { format!("{v:?}") }),
            )
            .route("/query", get(|AppQuery(_): AppQuery<Q>| async { "ok" }));
        let post_json = |content_type: &'static str, text: &'static str| {
            Request::post("/json")
                .header("content-type", content_type)
                .body(Body::from(text))
                .unwrap()
        };
        // Whole numbers written as floats are the integers JSON Schema says they are.
        let response = router
            .clone()
            .oneshot(post_json(
                "application/json; charset=utf-8",
                "[2.0, 1e1, 3]",
            ))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let text = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&text[..], b"[2, 10, 3]");
        for (content_type, text, status, code) in [
            ("application/json", "[2.5]", 422, "invalid_body"),
            ("application/json", "[1,", 400, "invalid_body"),
            ("text/plain", "[1]", 415, "unsupported_media_type"),
            ("application/ld+json", "[\"1\"]", 422, "invalid_body"),
        ] {
            let response = router
                .clone()
                .oneshot(post_json(content_type, text))
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), status, "{text}");
            assert_eq!(body(response).await["error"]["code"], code, "{text}");
        }
        for (uri, status) in [
            ("/query?n=4", 200),
            ("/query?n=x", 400),
            ("/query?m=1", 400),
        ] {
            let response = router
                .clone()
                .oneshot(Request::get(uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), status, "{uri}");
            if status == 400 {
                assert_eq!(response.headers()["content-type"], "application/json");
                assert_eq!(body(response).await["error"]["code"], "invalid_query");
            }
        }
    }

    #[tokio::test]
    async fn layers_answer_in_the_error_shape_and_record_metrics() {
        let handle = metrics_handle();
        let router = Router::new()
            .route("/panic", get(boom))
            .route(
                "/json",
                post(|AppJson(v): AppJson<u32>| async move { v.to_string() }),
            )
            .fallback(not_found);
        let app = with_layers(
            router,
            &LayerSettings {
                request_timeout: Duration::from_secs(5),
                concurrency_limit: 8,
                metrics: NAMES,
            },
        );
        let response = app
            .clone()
            .oneshot(Request::get("/panic").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.headers().contains_key("x-request-id"));
        assert_eq!(body(response).await["error"]["code"], "internal");

        let response = app
            .clone()
            .oneshot(
                Request::post("/json")
                    .header("content-type", "application/json")
                    .body(Body::from("\"x\""))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body(response).await["error"]["code"], "invalid_body");

        let response = app
            .oneshot(Request::get("/nowhere").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let text = handle.render();
        assert!(text.contains("core_test_http_requests_total"), "{text}");
        assert!(
            text.contains("core_test_http_server_errors_total"),
            "{text}"
        );
    }
}
