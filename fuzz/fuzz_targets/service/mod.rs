//! What the service targets share: a current-thread runtime, a data
//! directory, a request through a service's real `Router` (no socket), and
//! the check every answer must pass.
//!
//! Every answer must be below 500 (a server error on any body is a
//! finding), and every 4xx must be the services' error shape,
//! `{"error": {"code": <typed code>, "message": …}}` (certify's 422 carries
//! per-item results beside it).

#![allow(dead_code, reason = "each target uses part of the harness")]

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

/// The runtime every request runs on: one thread, as libFuzzer calls the
/// target from one thread; background tasks run while a request does.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("a tokio runtime: {e}"))
}

/// A fresh data directory for one fuzzing process, under `$TMPDIR`
/// (`smoke.sh` points that at its scratch directory, removed afterwards).
/// Never removed by the target itself: libFuzzer exits without running
/// destructors, so a `TempDir` would leak just the same.
pub fn data_dir(target: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("healthcerts-fuzz-{target}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// What a service answered.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// One request through `router`.
pub async fn call(
    router: &Router,
    method: Method,
    uri: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Answer {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder
        .body(Body::from(body))
        .unwrap_or_else(|e| panic!("the harness built a bad request for {uri}: {e}"));
    let response = router
        .clone()
        .oneshot(request)
        .await
        .unwrap_or_else(|e| match e {});
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{uri}: reading the answer failed: {e}"))
        .to_bytes()
        .to_vec();
    Answer { status, body }
}

/// Whether `code` looks like a typed error code (`snake_case`), not a
/// message.
pub fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The check every answer passes: no 5xx, and a 4xx is a JSON error with
/// a typed code.
pub fn check(what: &str, answer: &Answer) {
    let text = || String::from_utf8_lossy(&answer.body).into_owned();
    assert!(
        !answer.status.is_server_error(),
        "{what}: server error {}: {}",
        answer.status,
        text()
    );
    if answer.status.is_client_error() {
        let code = answer
            .json()
            .and_then(|v| v.get("error")?.get("code")?.as_str().map(str::to_owned));
        match code {
            Some(code) => assert!(
                is_code(&code),
                "{what}: {} with an error code that is not one: {code:?}",
                answer.status
            ),
            None => panic!(
                "{what}: {} without the error shape: {}",
                answer.status,
                text()
            ),
        }
    }
}

/// Check `answer` and require `want`: the set-up requests of a target.
pub fn expect(what: &str, answer: &Answer, want: StatusCode) -> Value {
    assert_eq!(
        answer.status,
        want,
        "set-up {what}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json().unwrap_or(Value::Null)
}

pub mod issuer;
pub mod registry;
