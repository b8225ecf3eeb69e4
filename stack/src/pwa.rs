//! The verifier PWA's static server: `dist/` as a deployment serves it
//! (precompressed variants, the right types, hashed assets cached for a
//! year, everything else revalidated), with `config.json` answered from
//! memory when the stack points the app at its own registry.
//!
//! The server runs on a runtime of its own: stopping it closes every
//! connection, so the browser really is offline for this origin.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;

use anyhow::{Context as _, Result, anyhow};
use axum::http::{HeaderValue, header};

/// The PWA's deploy-time `config.json` for a registry and its anchor.
pub fn config(registry_url: &str, anchor_pem: &str) -> serde_json::Value {
    serde_json::json!({
        "registry": format!("{}/", registry_url.trim_end_matches('/')),
        "anchors": [anchor_pem.trim()],
        "rulesProfile": null,
        "syncIntervalMinutes": 60,
    })
}

/// The static site as an axum router; `config` replaces `config.json`.
pub fn router(dir: &Path, config: Option<Vec<u8>>) -> axum::Router {
    let files = tower_http::services::ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip();
    let mut router = axum::Router::new();
    if let Some(config) = config {
        router = router.route(
            "/config.json",
            axum::routing::get(move || {
                let config = config.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], config) }
            }),
        );
    }
    router
        .fallback_service(files)
        .layer(axum::middleware::map_response(
            |uri: axum::http::Uri, mut response: axum::response::Response| async move {
                let immutable = uri
                    .path()
                    .rsplit('/')
                    .next()
                    .and_then(|name| name.split('.').next())
                    .and_then(|stem| stem.rsplit_once('-'))
                    .is_some_and(|(_, hash)| {
                        hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit())
                    });
                let value = if immutable {
                    "public, max-age=31536000, immutable"
                } else {
                    "no-cache"
                };
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
                response.headers_mut().insert(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                );
                // The body depends on Accept-Encoding (precompressed variants).
                response
                    .headers_mut()
                    .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
                response
            },
        ))
}

/// A running PWA server.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Server {
    /// Serve `dir` (with `config` as `config.json`) on `listener`.
    pub fn start(dir: &Path, config: Option<Vec<u8>>, listener: TcpListener) -> Result<Self> {
        if !dir.join("index.html").is_file() {
            return Err(anyhow!(
                "{} has no built PWA: run `cargo xtask dist`",
                dir.display()
            ));
        }
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("pwa-server")
            .enable_all()
            .build()
            .context("PWA server runtime")?;
        let app = router(dir, config);
        runtime.spawn(async move {
            if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                let _ = axum::serve(listener, app).await;
            }
        });
        Ok(Self {
            addr,
            runtime: Some(runtime),
        })
    }

    /// `http://<addr>/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Stop serving: every connection closes, new ones are refused.
    pub fn stop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
