//! The key registry's registration bodies through its real Router: any
//! body must be answered below 500, a refusal in the error shape with a
//! typed code.
//!
//! Input: one byte, then the body. The byte picks the request:
//! registering an issuer, adding a key to the registered issuer, retiring
//! or compromising one of its keys, creating a token. (Importing keys
//! fetches a URL: not fuzzed here.)

#![no_main]

use std::sync::LazyLock;

use axum::http::Method;
use libfuzzer_sys::fuzz_target;

mod service;

use service::registry::{Registry, open};
use service::{call, check};

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| open("registry_admin"));

fuzz_target!(|data: &[u8]| {
    let [selector, body @ ..] = data else {
        return;
    };
    let s = &*REGISTRY;
    let uri = match selector % 5 {
        0 => "/v1/admin/issuers".to_owned(),
        1 => format!("/v1/admin/issuers/{}/keys", s.slug),
        2 => format!("/v1/admin/issuers/{}/keys/retire", s.slug),
        3 => format!("/v1/admin/issuers/{}/keys/compromise", s.slug),
        _ => "/v1/admin/tokens".to_owned(),
    };
    let answer = s.rt.block_on(call(
        &s.router,
        Method::POST,
        &uri,
        Some(&s.admin),
        &[],
        body.to_vec(),
    ));
    check(&format!("POST {uri}"), &answer);
});
