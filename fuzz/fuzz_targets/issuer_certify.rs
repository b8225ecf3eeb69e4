//! `POST /v1/certify` through the issuer API's real Router: any body must
//! be answered below 500, a refusal in the error shape with a typed code;
//! a 200 or 422 carries one result per item, each issued, existing or
//! rejected with a typed code. Items that pass are certified (signed and
//! stored) as in production; retries of a (code, dose) answer `existing`.

#![no_main]

use std::sync::LazyLock;

use axum::http::{Method, StatusCode};
use libfuzzer_sys::fuzz_target;

mod service;

use service::issuer::{Issuer, open};
use service::{call, check, is_code};

static ISSUER: LazyLock<Issuer> = LazyLock::new(|| open("issuer_certify", false));

fuzz_target!(|data: &[u8]| {
    let s = &*ISSUER;
    let answer = s.rt.block_on(call(
        &s.router,
        Method::POST,
        "/v1/certify",
        Some(&s.admin),
        &[],
        data.to_vec(),
    ));
    check("POST /v1/certify", &answer);
    if !matches!(
        answer.status,
        StatusCode::OK | StatusCode::UNPROCESSABLE_ENTITY
    ) {
        return;
    }
    let Some(body) = answer.json() else {
        panic!("certify {}: not JSON", answer.status);
    };
    // A 422 for the whole body (not an array, empty, too large) has no results.
    let Some(results) = body.get("results").and_then(|r| r.as_array()) else {
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "200 without results: {body}"
        );
        return;
    };
    let mut any_ok = false;
    for (index, result) in results.iter().enumerate() {
        assert_eq!(
            result["index"].as_u64(),
            u64::try_from(index).ok(),
            "{body}"
        );
        match result["result"].as_str() {
            Some("issued" | "existing") => {
                any_ok = true;
                assert!(result["certificate_id"].is_string(), "{result}");
            }
            Some("rejected") => {
                let code = result["error"]["code"].as_str().unwrap_or_default();
                assert!(
                    is_code(code),
                    "item {index} rejected without a typed code: {result}"
                );
            }
            other => panic!("item {index}: result {other:?}"),
        }
    }
    assert_eq!(any_ok, answer.status == StatusCode::OK, "{body}");
});
