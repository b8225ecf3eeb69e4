//! The programme edit bodies through the issuer API's real Router:
//! `PUT /v1/admin/programme`, `PUT /v1/admin/programme/{vaccines,
//! facilities,vaccinators}/{key}`, with the current version as `If-Match`.
//!
//! Input: one byte, then the body. The byte's low two bits pick the route;
//! bit 2 sends a stale `If-Match`. The path key is the body's own `name`,
//! `code` or `id` when it is a plain token (so that edits can succeed),
//! else `x` (a mismatch). Accepted edits change the programme, as in
//! production; the next edit is based on the version answered.

#![no_main]

use std::sync::LazyLock;
use std::sync::atomic::Ordering;

use axum::http::{Method, StatusCode};
use libfuzzer_sys::fuzz_target;

mod service;

use service::issuer::{Issuer, open};
use service::{call, check};

static ISSUER: LazyLock<Issuer> = LazyLock::new(|| open("issuer_programme", false));

/// The path segment for an edit: the body's key when it is a plain token.
fn path_key(body: &[u8], field: &str) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get(field)?.as_str().map(str::to_owned))
        .filter(|k| {
            (1..=64).contains(&k.len())
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .unwrap_or_else(|| "x".to_owned())
}

fuzz_target!(|data: &[u8]| {
    let [selector, body @ ..] = data else {
        return;
    };
    let uri = match selector & 3 {
        0 => "/v1/admin/programme".to_owned(),
        1 => format!("/v1/admin/programme/vaccines/{}", path_key(body, "name")),
        2 => format!("/v1/admin/programme/facilities/{}", path_key(body, "code")),
        _ => format!("/v1/admin/programme/vaccinators/{}", path_key(body, "id")),
    };
    let s = &*ISSUER;
    let current = s.programme_version.load(Ordering::Relaxed);
    let if_match = if selector & 4 == 0 {
        format!("\"{current}\"")
    } else {
        format!("\"{}\"", current.saturating_sub(1))
    };
    let answer = s.rt.block_on(call(
        &s.router,
        Method::PUT,
        &uri,
        Some(&s.admin),
        &[("if-match", &if_match)],
        body.to_vec(),
    ));
    check(&format!("PUT {uri}"), &answer);
    if answer.status == StatusCode::OK {
        let Some(version) = answer.json().and_then(|v| v["version"].as_i64()) else {
            panic!("PUT {uri}: 200 without a version");
        };
        assert!(
            version > current,
            "PUT {uri}: version {version} after {current}"
        );
        s.programme_version.store(version, Ordering::Relaxed);
    }
});
