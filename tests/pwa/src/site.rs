//! The app as a deployment serves it: `dist/` (precompressed variants as
//! the real server sends them), a `config.json` pointing at the registry
//! paths beside the app, and the signed lists at `v1/trust-list` and
//! `v1/revocations`, which a test can change between syncs. The server runs
//! on its own runtime so that stopping it closes every connection: the
//! browser then really is offline for this origin.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result, anyhow};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::trust::Trust;

#[derive(Debug, Default)]
struct Served {
    config: Vec<u8>,
    trust_list: Vec<u8>,
    revocations: Vec<u8>,
    /// A delta served to `?since=<its base version>`.
    delta: Option<(u64, Vec<u8>)>,
    /// How many times the delta went out.
    deltas_sent: AtomicU64,
    /// Response body bytes sent (as `Content-Length` says: the compressed
    /// size when a compressed variant went out).
    sent: AtomicU64,
}

type Shared = Arc<RwLock<Served>>;

/// A running test site.
#[derive(Debug)]
pub struct Site {
    addr: SocketAddr,
    served: Shared,
    runtime: Option<tokio::runtime::Runtime>,
}

fn bytes(served: &Shared, pick: fn(&Served) -> &Vec<u8>, kind: &'static str) -> Response {
    match served.read() {
        Ok(s) => ([(header::CONTENT_TYPE, kind)], pick(&s).clone()).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The delta for `?since=` its base version, the snapshot otherwise (as
/// the registry answers a request from a version it has no delta for).
async fn revocations(
    State(s): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let since = query.get("since").and_then(|v| v.parse::<u64>().ok());
    if let Ok(served) = s.read()
        && let Some((base, delta)) = &served.delta
        && since == Some(*base)
    {
        served.deltas_sent.fetch_add(1, Ordering::Relaxed);
        return ([(header::CONTENT_TYPE, "application/json")], delta.clone()).into_response();
    }
    bytes(&s, |s| &s.revocations, "application/json")
}

fn router(dist: &std::path::Path, served: Shared) -> Router {
    let files = tower_http::services::ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .route(
            "/config.json",
            get(|State(s): State<Shared>| async move { bytes(&s, |s| &s.config, "application/json") }),
        )
        .route(
            "/v1/trust-list",
            get(|State(s): State<Shared>| async move { bytes(&s, |s| &s.trust_list, "application/json") }),
        )
        .route("/v1/revocations", get(revocations))
        .fallback_service(files)
        .with_state(Arc::clone(&served))
        .layer(axum::middleware::map_response(move |mut r: Response| {
            let served = Arc::clone(&served);
            async move {
                let len = r
                    .headers()
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
                if let Ok(s) = served.read() {
                    s.sent.fetch_add(len, Ordering::Relaxed);
                }
                r.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                r
            }
        }))
}

impl Site {
    /// Serve `dist/` with `trust` at the clock [`crate::NOW`].
    pub fn start(trust: &Trust) -> Result<Self> {
        let dist = crate::tools::dist()?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let served: Shared = Arc::default();
        let site = Self {
            addr,
            served: Arc::clone(&served),
            runtime: Some(
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()?,
            ),
        };
        site.set_trust(trust)?;
        site.set_config(crate::NOW, trust)?;
        let app = router(&dist, served);
        let runtime = site.runtime.as_ref().ok_or_else(|| anyhow!("no runtime"))?;
        runtime.spawn(async move {
            if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                let _ = axum::serve(listener, app).await;
            }
        });
        Ok(site)
    }

    /// The app's URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Serve these lists from now on.
    pub fn set_trust(&self, trust: &Trust) -> Result<()> {
        let trust_list = trust.trust_list()?;
        let revocations = trust.revocations()?;
        let mut served = self.served.write().map_err(|_| anyhow!("poisoned"))?;
        served.trust_list = trust_list;
        served.revocations = revocations;
        Ok(())
    }

    /// Answer `v1/revocations?since=<since>` with `delta`.
    pub fn set_delta(&self, since: u64, delta: Vec<u8>) -> Result<()> {
        let mut served = self.served.write().map_err(|_| anyhow!("poisoned"))?;
        served.delta = Some((since, delta));
        Ok(())
    }

    /// How many times the delta was served.
    pub fn deltas_sent(&self) -> u64 {
        self.served
            .read()
            .map(|s| s.deltas_sent.load(Ordering::Relaxed))
            .unwrap_or(0)
    }

    /// Serve a `config.json` with the clock starting at `now`.
    pub fn set_config(&self, now: &str, trust: &Trust) -> Result<()> {
        let config = serde_json::json!({
            "registry": "./",
            "anchors": [trust.anchor_pem()?],
            "rulesProfile": null,
            "syncIntervalMinutes": 60,
            "now": now,
        });
        let mut served = self.served.write().map_err(|_| anyhow!("poisoned"))?;
        served.config = serde_json::to_vec(&config).context("config")?;
        Ok(())
    }

    /// Response body bytes sent since the last call.
    pub fn take_bytes_sent(&self) -> u64 {
        self.served
            .read()
            .map(|s| s.sent.swap(0, Ordering::Relaxed))
            .unwrap_or(0)
    }

    /// Stop serving: every connection closes, new ones are refused.
    pub fn stop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop();
    }
}
