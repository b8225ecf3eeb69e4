//! Citizen retrieval limits: a code locked after repeated failures is
//! locked on every instance and after a restart, failures cost no write
//! each (they are written in batches), the lock ages out; clients are
//! limited per address and per IPv6 /64, and `X-Forwarded-For` counts only
//! from a trusted proxy.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: helpers outside #[test] functions too; a failed unwrap is a failed test"
)]

mod common;

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use common::{Backend, TestApp, example_batch};
use http_body_util::BodyExt as _;
use issuer_api::citizen_limits::{CitizenLimits, CitizenQuery, retrieve};
use serde_json::{Value, json};
use tower::ServiceExt as _;

const CODE: &str = "12807831715278";
const DOB: &str = "1970-12-18";
const OTHER_CODE: &str = "90214455012";
const OTHER_PHONE: &str = "9123456780";

/// The demo configuration with these citizen limits.
fn config(per_minute: u32, max_failures: u32, trusted: &[&str]) -> issuer_api::ConfigFile {
    let mut config = issuer_api::ConfigFile::parse(common::DEMO).unwrap();
    config.server.citizen_rate_limit_per_minute = per_minute;
    config.server.citizen_max_failures = max_failures;
    config.server.trusted_proxies = trusted.iter().map(|c| c.parse().unwrap()).collect();
    config
}

/// POST a retrieval from `peer`, with `X-Forwarded-For` values.
async fn ask(router: &Router, peer: &str, forwarded: &[&str], body: &Value) -> (StatusCode, Value) {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri("/v1/citizen/retrieve")
        .header(header::CONTENT_TYPE, "application/json")
        .extension(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    for value in forwarded {
        builder = builder.header("x-forwarded-for", *value);
    }
    let response = router
        .clone()
        .oneshot(builder.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn by_dob(code: &str, dob: &str) -> Value {
    json!({"preEnrollmentCode": code, "dob": dob})
}

async fn denied_entries(t: &TestApp) -> Vec<Value> {
    let (_, audit) = t.get("/v1/audit?limit=1000", &t.admin).await;
    audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "citizen_retrieve_denied")
        .cloned()
        .collect()
}

async fn flush(limits: &CitizenLimits, t: &TestApp) -> usize {
    limits
        .flush(
            issuer_api::internal::store(&t.state.issuer),
            issuer_api::ids::now_ms(),
        )
        .await
        .unwrap()
}

async fn a_locked_code_is_locked_everywhere_and_after_a_restart(backend: Backend) {
    let cfg = || config(1000, 3, &[]);
    let t = TestApp::with_config(backend, cfg()).await;
    t.certify(&t.admin, &example_batch()).await;
    let (b_router, b_state) = t.another_instance(cfg()).await;
    let peer = "192.0.2.10:5000";

    // Three wrong dates of birth on instance A: 404, and nothing written yet.
    for wrong in ["1970-12-19", "1970-12-20", "1971-12-18"] {
        let (status, _) = ask(&t.router, peer, &[], &by_dob(CODE, wrong)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let store = issuer_api::internal::store(&t.state.issuer);
    assert_eq!(store.citizen_failures(CODE, 0).await.unwrap(), 0);
    assert!(denied_entries(&t).await.is_empty());
    // A enforces its own unwritten failures: even the right details get 429.
    let (status, body) = ask(&t.router, peer, &[], &by_dob(CODE, DOB)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "rate_limited");
    // B has not seen them yet (the documented slack between flushes).
    let (status, _) = ask(&b_router, peer, &[], &by_dob(CODE, DOB)).await;
    assert_eq!(status, StatusCode::OK);

    // One batch: one upsert and one audit entry for the code.
    assert_eq!(flush(&t.state.citizen, &t).await, 1);
    assert_eq!(store.citizen_failures(CODE, 0).await.unwrap(), 3);
    let denied = denied_entries(&t).await;
    assert_eq!(denied.len(), 1);
    let details: Value = serde_json::from_str(denied[0]["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["code"], CODE);
    assert_eq!(details["failures"], 3);
    assert_eq!(details["by_dob"], 3);
    assert_eq!(details["clients"], json!(["192.0.2.10"]));
    assert!(!denied[0].to_string().contains("1970-12-19"));
    // Nothing more to write: an empty flush writes nothing.
    assert_eq!(flush(&t.state.citizen, &t).await, 0);
    assert_eq!(denied_entries(&t).await.len(), 1);

    // Now B refuses the code too, from any address, right details or not.
    let (status, _) = ask(&b_router, "198.51.100.7:1", &[], &by_dob(CODE, DOB)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Other codes are not affected.
    let (status, _) = ask(
        &b_router,
        peer,
        &[],
        &json!({"preEnrollmentCode": OTHER_CODE, "phone": OTHER_PHONE}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    b_state.issuer.close().await;
    drop(b_router);

    // Kept across a restart.
    let t = t.restart(cfg()).await;
    let (status, _) = ask(&t.router, peer, &[], &by_dob(CODE, DOB)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // The failures age out: two windows (15 minutes each) later the code
    // answers again (the clock is passed in, not waited for).
    let later = issuer_api::ids::now_ms() + 2 * 900_000 + 1;
    let found = retrieve(
        &t.state.issuer,
        &t.state.citizen,
        &CitizenQuery {
            code: CODE,
            dob: Some(DOB),
            phone: None,
            dose: None,
        },
        None,
        later,
    )
    .await
    .unwrap();
    assert_eq!(found.len(), 1);
    // A flush at that time forgets the stale windows.
    t.state.citizen.flush(store_of(&t), later).await.unwrap();
    assert_eq!(store_of(&t).citizen_failures(CODE, 0).await.unwrap(), 0);
}

fn store_of(t: &TestApp) -> &issuer_api::internal::Store {
    issuer_api::internal::store(&t.state.issuer)
}

async fn clients_are_limited_per_address_and_per_64_behind_trusted_proxies(backend: Backend) {
    let t = TestApp::with_config(backend, config(2, 1000, &["10.0.0.0/8"])).await;
    let mut n = 0;
    let mut unknown = || {
        n += 1;
        by_dob(&format!("NOPE-{n}"), DOB)
    };
    let proxy = "10.0.0.1:443";
    // Three addresses of one /64 behind the proxy: the /64 has two a minute.
    let (s1, _) = ask(&t.router, proxy, &["2001:db8:1:2::1"], &unknown()).await;
    let (s2, _) = ask(&t.router, proxy, &["2001:db8:1:2::2"], &unknown()).await;
    let (s3, _) = ask(&t.router, proxy, &["2001:db8:1:2::3"], &unknown()).await;
    assert_eq!(
        [s1, s2, s3],
        [
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    // Another /64 is not affected.
    let (status, _) = ask(&t.router, proxy, &["2001:db8:1:3::1"], &unknown()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The right-most untrusted address counts; a spoofed entry left of it does not.
    let (s1, _) = ask(&t.router, proxy, &["203.0.113.50"], &unknown()).await;
    let (s2, _) = ask(
        &t.router,
        proxy,
        &["198.51.100.1, 203.0.113.50, 10.0.0.9"],
        &unknown(),
    )
    .await;
    let (s3, _) = ask(&t.router, proxy, &["1.2.3.4", "203.0.113.50"], &unknown()).await;
    assert_eq!(
        [s1, s2, s3],
        [
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    // From an untrusted peer the header is ignored: rotating it does not help.
    let peer = "192.0.2.99:1234";
    let (s1, _) = ask(&t.router, peer, &["203.0.113.1"], &unknown()).await;
    let (s2, _) = ask(&t.router, peer, &["203.0.113.2"], &unknown()).await;
    let (s3, _) = ask(&t.router, peer, &["203.0.113.3"], &unknown()).await;
    assert_eq!(
        [s1, s2, s3],
        [
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    // An IPv6 client directly: per address and per /64 as well.
    let (s1, _) = ask(&t.router, "[2001:db8:9:9::1]:1", &[], &unknown()).await;
    let (s2, _) = ask(&t.router, "[2001:db8:9:9::2]:1", &[], &unknown()).await;
    let (s3, _) = ask(&t.router, "[2001:db8:9:9::3]:1", &[], &unknown()).await;
    assert_eq!(
        [s1, s2, s3],
        [
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
}

fn trusted_proxies_must_be_cidrs() {
    for bad in [
        "[\"10.0.0.0/33\"]",
        "[\"proxy.example.org\"]",
        "\"10.0.0.0/8\"",
    ] {
        let text = common::DEMO.replace(
            "trusted_proxies = [] ",
            &format!("trusted_proxies = {bad} "),
        );
        assert!(issuer_api::ConfigFile::parse(&text).is_err(), "{bad}");
    }
    let text = common::DEMO.replace(
        "trusted_proxies = [] ",
        "trusted_proxies = [\"10.0.0.0/8\", \"2001:db8::/32\", \"192.0.2.1\"] ",
    );
    assert_eq!(
        issuer_api::ConfigFile::parse(&text)
            .unwrap()
            .server
            .trusted_proxies
            .len(),
        3
    );
}

#[test]
fn trusted_proxies_are_checked_at_start() {
    trusted_proxies_must_be_cidrs();
}

both_backends!(
    a_locked_code_is_locked_everywhere_and_after_a_restart,
    clients_are_limited_per_address_and_per_64_behind_trusted_proxies,
);
