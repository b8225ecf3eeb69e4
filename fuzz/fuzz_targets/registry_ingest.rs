//! `POST /v1/revocations` (an issuer's signed status event) through the
//! key registry's real Router: any body and signature must be answered
//! below 500, a refusal in the error shape with a typed code.
//!
//! Input: one byte, then the rest. Even byte: the rest is the event body,
//! signed with the registered issuer's key (so mutations reach the parse
//! and the revocation rules behind the signature). Odd byte: the rest is
//! `<X-JWS-Signature>\n<body>`, sent as it is (the JWS checks).

#![no_main]

use std::sync::LazyLock;

use axum::http::{HeaderValue, Method, StatusCode};
use libfuzzer_sys::fuzz_target;

mod service;

use service::registry::{MOH_KID, Registry, detached_jws, open};
use service::{call, check};

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| open("registry_ingest"));

fuzz_target!(|data: &[u8]| {
    let [mode, rest @ ..] = data else {
        return;
    };
    let (jws, body) = if mode & 1 == 0 {
        (Some(detached_jws(&REGISTRY.key, MOH_KID, rest)), rest)
    } else {
        let (head, body) = match rest.iter().position(|&b| b == b'\n') {
            Some(at) => (
                rest.get(..at).unwrap_or_default(),
                rest.get(at + 1..).unwrap_or_default(),
            ),
            None => (rest, &[][..]),
        };
        // A value no HTTP client could send is not sent.
        let jws = HeaderValue::from_bytes(head)
            .ok()
            .and_then(|v| v.to_str().ok().map(str::to_owned));
        (jws, body)
    };
    let headers: Vec<(&str, &str)> = jws
        .iter()
        .map(|j| ("x-jws-signature", j.as_str()))
        .collect();
    let s = &*REGISTRY;
    let answer = s.rt.block_on(call(
        &s.router,
        Method::POST,
        "/v1/revocations",
        None,
        &headers,
        body.to_vec(),
    ));
    check("POST /v1/revocations", &answer);
    if answer.status == StatusCode::OK {
        let outcome = answer.json().unwrap_or_default();
        assert!(
            matches!(
                outcome["result"].as_str(),
                Some("applied" | "unchanged" | "duplicate")
            ) && outcome["version"].is_u64(),
            "{outcome}"
        );
    }
});
