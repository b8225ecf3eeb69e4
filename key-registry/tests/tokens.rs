//! The bootstrap token: made on first start (a day's life, its file
//! owner-only), replaced by the first real `registry-admin` token, which
//! revokes it in the same transaction (audited); issuer tokens do not; its
//! label is reserved.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::{Backend, TestClock, TestRegistry, drop_schema, new_schema, options};
use key_registry::open;
use serde_json::{Value, json};

/// When the registry's clock starts.
const START: &str = "2026-11-27T08:00:00Z";

/// `POST /v1/admin/tokens` with `token`: (status, body).
async fn make_token(r: &TestRegistry, token: &str, body: &Value) -> (StatusCode, Value) {
    let (status, _, bytes) = r
        .call(
            Method::POST,
            "/v1/admin/tokens",
            Some(token),
            Some(body.to_string().into_bytes()),
            &[],
        )
        .await;
    (status, serde_json::from_slice(&bytes).unwrap())
}

/// What a GET of the token list says to `token`.
async fn list_status(r: &TestRegistry, token: &str) -> (StatusCode, Value) {
    let (status, _, bytes) = r
        .call(Method::GET, "/v1/admin/tokens", Some(token), None, &[])
        .await;
    (status, serde_json::from_slice(&bytes).unwrap())
}

async fn the_first_registry_admin_token_revokes_the_bootstrap_token(backend: Backend) {
    // A first start: the harness exchanges the bootstrap token at once, so
    // open the registry directly here.
    let dir = tempfile::tempdir().unwrap();
    let schema = (backend == Backend::Postgres).then(new_schema);
    let clock = TestClock::at(START);
    let service = open(options(
        backend,
        dir.path(),
        schema.as_deref(),
        clock.clone(),
    ))
    .await
    .unwrap();
    let bootstrap = service.bootstrap_token.clone().unwrap().to_string();
    let file = std::fs::read_to_string(dir.path().join("bootstrap-token")).unwrap();
    assert_eq!(file.trim(), bootstrap);
    let r = TestRegistry {
        router: key_registry::app(service.state.clone()),
        state: service.state,
        admin: bootstrap.clone(),
        dir,
        backend,
        clock,
        schema,
    };
    let (status, listed) = list_status(&r, &bootstrap).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["label"], "bootstrap");
    assert_eq!(listed[0]["role"], "registry-admin");
    let start_ms = START.parse::<jiff::Timestamp>().unwrap().as_millisecond();
    assert_eq!(listed[0]["expires_at"], start_ms + 24 * 3600 * 1000);
    let bootstrap_id = listed[0]["id"].as_str().unwrap().to_owned();

    // The reserved label cannot be taken, by an admin or an issuer token.
    let (status, body) = make_token(
        &r,
        &bootstrap,
        &json!({"role": "registry-admin", "label": "bootstrap"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "reserved_label");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("reserved"),
        "{body}"
    );
    let err = r
        .state
        .registry
        .create_token(None, "bootstrap", None, "cli")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("reserved"), "{err}");

    // An issuer token does not replace it.
    let key = common::signing_key(1);
    r.register_moh(&key).await;
    let (status, body) = make_token(
        &r,
        &bootstrap,
        &json!({"role": "issuer", "issuer": "moh-test", "label": "moh outbox"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let issuer_token = body["token"].as_str().unwrap().to_owned();
    assert_eq!(list_status(&r, &bootstrap).await.0, StatusCode::OK);

    // The first registry-admin token does (made with the bootstrap token
    // itself: the exchange an operator makes).
    let (status, body) = make_token(
        &r,
        &bootstrap,
        &json!({"role": "registry-admin", "label": "ops"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let admin = body["token"].as_str().unwrap().to_owned();
    let admin_id = body["id"].as_str().unwrap().to_owned();
    let (status, body) = list_status(&r, &bootstrap).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "unauthenticated");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("revoked"),
        "{body}"
    );
    let (status, listed) = list_status(&r, &admin).await;
    assert_eq!(status, StatusCode::OK);
    let listed = listed.as_array().unwrap();
    let entry = |id: &str| listed.iter().find(|t| t["id"] == id).unwrap().clone();
    assert!(entry(&bootstrap_id)["revoked_at"].is_i64());
    assert!(entry(&admin_id)["revoked_at"].is_null());
    // The issuer token lives on.
    let (status, _, _) = r
        .call(
            Method::GET,
            "/v1/admin/issuers/moh-test",
            Some(&issuer_token),
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Audited: who revoked it, why, and for which token.
    let (status, _, bytes) = r
        .call(
            Method::GET,
            "/v1/admin/audit?limit=1000",
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let audit: Value = serde_json::from_slice(&bytes).unwrap();
    let revoked: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "token_revoked")
        .collect();
    assert_eq!(revoked.len(), 1, "{audit}");
    assert_eq!(
        revoked[0]["subject"],
        format!("token:{bootstrap_id}"),
        "{audit}"
    );
    assert_eq!(revoked[0]["actor"], format!("token:{bootstrap_id}"));
    let details = revoked[0]["details"].to_string();
    assert!(
        details.contains("bootstrap token replaced by a registry-admin token")
            && details.contains(&format!("token:{admin_id}")),
        "{audit}"
    );

    // A second admin token revokes nothing more.
    let (status, body) = make_token(
        &r,
        &admin,
        &json!({"role": "registry-admin", "label": "ops 2"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, listed) = list_status(&r, &admin).await;
    let live = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["revoked_at"].is_null())
        .count();
    assert_eq!(live, 3, "{listed}");

    // A restart makes no new bootstrap token (tokens exist).
    r.state.registry.store.close().await;
    let again = open(options(
        backend,
        r.dir.path(),
        r.schema.as_deref(),
        r.clock.clone(),
    ))
    .await
    .unwrap();
    assert!(again.bootstrap_token.is_none());
    again.state.registry.store.close().await;
}

async fn an_unused_bootstrap_token_expires_after_a_day(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let schema = (backend == Backend::Postgres).then(new_schema);
    let clock = TestClock::at(START);
    let service = open(options(
        backend,
        dir.path(),
        schema.as_deref(),
        clock.clone(),
    ))
    .await
    .unwrap();
    let bootstrap = service.bootstrap_token.clone().unwrap().to_string();
    let registry = &service.state.registry;
    let header = format!("Bearer {bootstrap}");
    clock.advance(Duration::from_secs(24 * 3600 - 1));
    assert!(registry.authenticate(Some(&header)).await.is_ok());
    clock.advance(Duration::from_secs(1));
    let err = registry.authenticate(Some(&header)).await.unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
    registry.store.close().await;
    if let Some(schema) = schema {
        drop_schema(schema);
    }
}

both_backends!(
    the_first_registry_admin_token_revokes_the_bootstrap_token,
    an_unused_bootstrap_token_expires_after_a_day,
);
