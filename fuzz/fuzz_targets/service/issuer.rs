//! The issuer API with the demo programme, opened once per process.

use std::sync::atomic::AtomicI64;

use axum::Router;
use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{call, data_dir, expect, runtime};

/// The example batch of the README (three DIVOC CertificationRequests).
pub const EXAMPLE_BATCH: &str = include_str!("../../../issuer-api/examples/certify-request.json");

/// An opened issuer API.
#[derive(Debug)]
pub struct Issuer {
    pub rt: tokio::runtime::Runtime,
    pub router: Router,
    /// An `issuer-admin` token.
    pub admin: String,
    /// The programme version the next edit is based on (`If-Match`).
    pub programme_version: AtomicI64,
    /// Keeps the background tasks (rate-limit flushes) running.
    _shutdown: tokio::sync::watch::Sender<bool>,
}

/// The demo programme on SQLite in a fresh directory; citizen rate limits
/// lifted so that every input reaches the lookup (the limits themselves
/// are tested in `issuer-api/tests/citizen_limits.rs`); when `certify`, the
/// example batch certified.
pub fn open(target: &str, certify: bool) -> Issuer {
    let rt = runtime();
    let mut options = issuer_api::Options::demo(data_dir(target));
    options.config.server.citizen_rate_limit_per_minute = u32::MAX;
    options.config.server.citizen_max_failures = u32::MAX;
    let service = rt
        .block_on(issuer_api::open(options))
        .unwrap_or_else(|e| panic!("set-up: opening the issuer API: {e}"));
    let router = issuer_api::app(service.state.clone());
    let (shutdown, stop) = tokio::sync::watch::channel(false);
    {
        let _inside = rt.enter();
        drop(issuer_api::spawn_background(&service.state, stop));
    }
    let Some(bootstrap) = service.bootstrap_token else {
        panic!("set-up: a fresh issuer API has a bootstrap token");
    };
    let admin = rt.block_on(async {
        let answer = call(
            &router,
            Method::POST,
            "/v1/admin/tokens",
            Some(bootstrap.as_str()),
            &[],
            json!({"role": "issuer-admin", "label": "fuzz"})
                .to_string()
                .into_bytes(),
        )
        .await;
        let body = expect("POST /v1/admin/tokens", &answer, StatusCode::CREATED);
        let Some(token) = body["token"].as_str() else {
            panic!("set-up: no token in {body}");
        };
        token.to_owned()
    });
    let version = rt.block_on(async {
        let answer = call(
            &router,
            Method::GET,
            "/v1/admin/programme",
            Some(&admin),
            &[],
            Vec::new(),
        )
        .await;
        let body = expect("GET /v1/admin/programme", &answer, StatusCode::OK);
        body["version"].as_i64().unwrap_or(0)
    });
    if certify {
        rt.block_on(async {
            let answer = call(
                &router,
                Method::POST,
                "/v1/certify",
                Some(&admin),
                &[],
                EXAMPLE_BATCH.as_bytes().to_vec(),
            )
            .await;
            expect("POST /v1/certify", &answer, StatusCode::OK);
        });
    }
    Issuer {
        rt,
        router,
        admin,
        programme_version: AtomicI64::new(version),
        _shutdown: shutdown,
    }
}
