//! `PUT /v1/admin/rules/{profile}` (publishing a verification rules list)
//! through the key registry's real Router: any body must be answered below
//! 500, a refusal in the error shape with a typed code; an accepted list
//! is served at once, as the signed list verifiers download.

#![no_main]

use std::sync::LazyLock;

use axum::http::{Method, StatusCode};
use libfuzzer_sys::fuzz_target;

mod service;

use service::registry::{Registry, open};
use service::{call, check};

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| open("registry_rules"));

fuzz_target!(|data: &[u8]| {
    let s = &*REGISTRY;
    s.rt.block_on(async {
        let answer = call(
            &s.router,
            Method::PUT,
            "/v1/admin/rules/IN",
            Some(&s.admin),
            &[],
            data.to_vec(),
        )
        .await;
        check("PUT /v1/admin/rules/IN", &answer);
        if answer.status == StatusCode::OK {
            let served = call(
                &s.router,
                Method::GET,
                "/v1/rules/IN",
                None,
                &[],
                Vec::new(),
            )
            .await;
            assert_eq!(
                served.status,
                StatusCode::OK,
                "an accepted rules list is not served"
            );
        }
    });
});
