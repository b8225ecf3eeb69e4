//! A small HTTP/1.1 client for the local services (plain HTTP on
//! 127.0.0.1): hyper's, without TLS. Not reqwest: built together with the
//! services, reqwest gets their `rustls-no-provider` feature and then
//! refuses to make a client until a crypto provider is installed, which a
//! plain-HTTP client should not need.

use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as Hyper;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

pub use hyper::Method;

/// The most bytes an answer may have (a PDF, a revocation snapshot).
const MAX_BODY: usize = 64 << 20;

/// A client with a per-request timeout.
#[derive(Debug, Clone)]
pub struct Client {
    hyper: Hyper<HttpConnector, Full<Bytes>>,
    timeout: Duration,
}

impl Client {
    /// A client whose requests time out after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self {
            hyper: Hyper::builder(TokioExecutor::new()).build_http(),
            timeout,
        }
    }

    /// Send `method url` with an optional bearer token and JSON body:
    /// (status, body bytes).
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Vec<u8>)> {
        let mut request = hyper::Request::builder().method(method).uri(url);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(json)?)
            }
            None => Bytes::new(),
        };
        let request = request.body(Full::new(body)).context(url.to_owned())?;
        let exchange = async {
            let response = self.hyper.request(request).await?;
            let status = response.status().as_u16();
            let limited = http_body_util::Limited::new(response.into_body(), MAX_BODY);
            let bytes = limited
                .collect()
                .await
                .map_err(|e| anyhow::anyhow!("reading the answer: {e}"))?
                .to_bytes();
            anyhow::Ok((status, bytes.to_vec()))
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result.with_context(|| url.to_owned()),
            Err(_) => bail!("{url}: no answer within {:?}", self.timeout),
        }
    }

    /// Like [`Self::send`], the body read as JSON (a JSON string when it
    /// is not JSON, `null` when empty).
    pub async fn json(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Value)> {
        let (status, bytes) = self.send(method, url, token, body).await?;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Ok((status, value))
    }

    /// GET `url` (with a token if given); the body, unless not 2xx.
    pub async fn get(&self, url: &str, token: Option<&str>) -> Result<Vec<u8>> {
        let (status, bytes) = self.send(Method::GET, url, token, None).await?;
        if !(200..300).contains(&status) {
            bail!(
                "GET {url}: {status}: {}",
                String::from_utf8_lossy(bytes.get(..500).unwrap_or(&bytes))
            );
        }
        Ok(bytes)
    }
}
