//! The public lists: signed as `credential` defines them, cached (ETag,
//! If-None-Match, Cache-Control, gzip, CORS), versioned, refreshed before
//! they go stale, and never going back, across restarts; on SQLite and
//! PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use std::io::Read as _;
use std::time::Duration;

use axum::http::{Method, StatusCode, header};
use common::{Backend, MOH, TestRegistry, signing_key};
use credential::{RevocationList, RulesList, TrustList, TrustListError};
use serde_json::{Value, json};

async fn lists_are_signed_by_the_served_anchor_and_cached(backend: Backend) {
    let r = TestRegistry::new(backend).await;
    let anchor = r.anchor().await;
    assert_eq!(
        anchor.thumbprint(),
        r.state.registry.active_anchor().await.unwrap().thumbprint()
    );

    let (status, headers, bytes) = r.call(Method::GET, "/v1/trust-list", None, None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=60");
    let etag = headers[header::ETAG].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
    let list = TrustList::verify(&bytes, std::slice::from_ref(&anchor), None).unwrap();
    assert_eq!(list.version, 1);
    assert!(list.issuers.is_empty());
    assert_eq!(list.issued_at, "2026-11-27T08:00:00Z".parse().unwrap());
    assert_eq!(list.next_update, "2026-11-28T08:00:00Z".parse().unwrap());

    // If-None-Match: 304 with no body; another tag: the list.
    let (status, headers, body) = r
        .call(
            Method::GET,
            "/v1/trust-list",
            None,
            None,
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(headers[header::ETAG], etag.as_str());
    let (status, _, _) = r
        .call(
            Method::GET,
            "/v1/trust-list",
            None,
            None,
            &[("if-none-match", "\"other\"")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // gzip when asked: the same bytes, its own strong tag, and a 304 for it.
    let (status, headers, gz) = r
        .call(
            Method::GET,
            "/v1/trust-list",
            None,
            None,
            &[("accept-encoding", "gzip")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    let gz_etag = headers[header::ETAG].to_str().unwrap().to_owned();
    assert_eq!(gz_etag, format!("{}-gzip\"", etag.trim_end_matches('"')));
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated, bytes);
    let (status, _, _) = r
        .call(
            Method::GET,
            "/v1/trust-list",
            None,
            None,
            &[("accept-encoding", "gzip"), ("if-none-match", &gz_etag)],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);

    // CORS for the configured verifier origin only.
    let (_, headers, _) = r
        .call(
            Method::GET,
            "/v1/trust-list",
            None,
            None,
            &[("origin", "https://verify.test")],
        )
        .await;
    assert_eq!(
        headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://verify.test"
    );
    let exposed = headers[header::ACCESS_CONTROL_EXPOSE_HEADERS]
        .to_str()
        .unwrap();
    assert!(exposed.contains("etag"), "{exposed}");
    let (_, headers, _) = r
        .call(
            Method::GET,
            "/v1/trust-list",
            None,
            None,
            &[("origin", "https://evil.test")],
        )
        .await;
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    let (status, headers, _) = r
        .call(
            Method::OPTIONS,
            "/v1/revocations",
            None,
            None,
            &[
                ("origin", "https://verify.test"),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "if-none-match"),
            ],
        )
        .await;
    assert!(status.is_success(), "{status}");
    assert_eq!(
        headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://verify.test"
    );

    // The revocation snapshot, and the rules index (no profile yet).
    let bytes = r.get_bytes("/v1/revocations").await;
    let revocations = RevocationList::verify(&bytes, std::slice::from_ref(&anchor)).unwrap();
    assert_eq!(revocations.version, 1);
    assert_eq!(revocations.since, None);
    assert_eq!(r.get_bytes("/v1/rules").await, b"[]");
    let (status, _, _) = r.call(Method::GET, "/v1/rules/IN", None, None, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn every_change_makes_a_new_version_that_survives_a_restart(backend: Backend) {
    let r = TestRegistry::new(backend).await;
    let anchor = r.anchor().await;
    let key = signing_key(1);
    r.register_moh(&key).await;
    let (status, body) = r
        .json(
            Method::PUT,
            "/v1/admin/rules/IN",
            // `2.0` is the integer 2 to JSON Schema, and to the server.
            Some(&json!({"name": "India, entry", "rules": [
                {"id": "doses", "text": "At least two doses", "require": {"minDoses": 2.0}}
            ]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 1);
    // Refused, nothing published: two rules with one id; a fractional dose count.
    for (rules, code) in [
        (
            json!([{"id": "a", "text": "x", "require": "scheduleComplete"},
                   {"id": "a", "text": "y", "require": {"minDoses": 1}}]),
            "duplicate_rule_id",
        ),
        (
            json!([{"id": "a", "text": "x", "require": {"minDoses": 1.5}}]),
            "invalid_body",
        ),
    ] {
        let (status, body) = r
            .json(
                Method::PUT,
                "/v1/admin/rules/IN",
                Some(&json!({"rules": rules})),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(code)),
            "{body}"
        );
    }
    // Bad query strings are refused in the error shape.
    for (uri, status, code) in [
        (
            "/v1/revocations?since=x",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/v1/revocations?sinse=1",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/v1/revocations?since=-1",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            "/v1/revocations?since=9223372036854775808",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/v1/admin/audit?limit=0",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            "/v1/admin/audit?limit=1.5",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
    ] {
        let (got, body) = r.json(Method::GET, uri, None).await;
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{uri}"
        );
    }
    let trust = TrustList::verify(
        &r.get_bytes("/v1/trust-list").await,
        std::slice::from_ref(&anchor),
        None,
    )
    .unwrap();
    // Version 1 at start, 2 registering, 3 adding the key.
    assert_eq!(trust.version, 3);
    assert_eq!(trust.find_issuer(MOH).unwrap().keys.len(), 1);
    let rules = RulesList::verify(
        &r.get_bytes("/v1/rules/IN").await,
        std::slice::from_ref(&anchor),
        None,
    )
    .unwrap();
    assert_eq!((rules.profile.as_str(), rules.version), ("IN", 1));
    assert_eq!(r.get_bytes("/v1/rules").await, br#"["IN"]"#);

    // A restart: same versions, same bytes, same anchor.
    let trust_bytes = r.get_bytes("/v1/trust-list").await;
    let r = r.restart().await;
    assert_eq!(r.anchor().await.thumbprint(), anchor.thumbprint());
    assert_eq!(r.get_bytes("/v1/trust-list").await, trust_bytes);
    // The next change continues from there.
    let (status, _) = r
        .json(
            Method::POST,
            "/v1/admin/issuers/moh-test/keys/retire",
            Some(&json!({"kid": common::MOH_KID, "valid_until": "2026-11-27T09:00:00Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let newer = TrustList::verify(
        &r.get_bytes("/v1/trust-list").await,
        std::slice::from_ref(&anchor),
        Some(3),
    )
    .unwrap();
    assert_eq!(newer.version, 4);
    // What was served before is now a rollback for a verifier holding 4.
    assert!(matches!(
        TrustList::verify(&trust_bytes, std::slice::from_ref(&anchor), Some(4)),
        Err(TrustListError::Rollback {
            offered: 3,
            held: 4
        })
    ));
}

async fn lists_are_signed_again_before_they_go_stale(backend: Backend) {
    let r = TestRegistry::new(backend).await;
    let anchor = r.anchor().await;
    let first = TrustList::verify(
        &r.get_bytes("/v1/trust-list").await,
        std::slice::from_ref(&anchor),
        None,
    )
    .unwrap();
    // Not yet due: nothing changes.
    r.clock.advance(Duration::from_secs(5 * 3600));
    assert_eq!(r.state.registry.refresh_stale().await.unwrap(), 0);
    // Six hours on: every list is signed again, a new version dated now.
    r.clock.advance(Duration::from_secs(3600));
    assert_eq!(r.state.registry.refresh_stale().await.unwrap(), 2);
    let again = TrustList::verify(
        &r.get_bytes("/v1/trust-list").await,
        std::slice::from_ref(&anchor),
        Some(first.version),
    )
    .unwrap();
    assert_eq!(again.version, first.version + 1);
    assert_eq!(again.issued_at, "2026-11-27T14:00:00Z".parse().unwrap());
    assert!(!again.is_stale("2026-11-28T10:00:00Z".parse().unwrap()));
    let revocations = RevocationList::verify(
        &r.get_bytes("/v1/revocations").await,
        std::slice::from_ref(&anchor),
    )
    .unwrap();
    assert_eq!(revocations.version, 2);
}

async fn openapi_request_schemas_are_strict(_backend: Backend) {
    let r = TestRegistry::new(Backend::Sqlite).await;
    let doc: Value = serde_json::from_slice(&r.get_bytes("/openapi.json").await).unwrap();
    for path in [
        "/v1/anchor",
        "/v1/trust-list",
        "/v1/revocations",
        "/v1/rules",
        "/v1/rules/{profile}",
        "/v1/status-lists/{issuer}/{list}",
        "/v1/admin/issuers",
        "/v1/admin/issuers/{slug}/keys/import",
        "/v1/admin/anchor/announce",
        "/v1/admin/rules/{profile}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    let schemas = &doc["components"]["schemas"];
    for name in [
        "NewIssuer",
        "NewKey",
        "RetireKey",
        "CompromiseKey",
        "ImportKeys",
        "PublishRules",
        "CreateToken",
        "StatusEvent",
        "CredentialStatusRef",
        "Rule",
        "ContextInput",
    ] {
        assert_eq!(
            schemas[name]["additionalProperties"], false,
            "{name}: {}",
            schemas[name]
        );
    }
    assert_eq!(
        schemas["NewIssuer"]["properties"]["country"]["pattern"],
        "^[A-Z]{2}$"
    );
    // Exactly one of two members, and a role that decides whether an issuer is named.
    for name in ["NewKey", "ImportKeys", "CreateToken"] {
        assert_eq!(
            schemas[name]["oneOf"].as_array().map(Vec::len),
            Some(2),
            "{name}"
        );
    }
    assert_eq!(
        schemas["ContextInput"]["properties"]["document"]["required"],
        json!(["@context"])
    );
    // Query parameters are in the query, optional.
    for (path, names) in [
        ("/v1/revocations", &["since"][..]),
        ("/v1/admin/audit", &["after", "limit"][..]),
    ] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let got: Vec<(&str, &str, bool)> = params
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap(),
                    p["in"].as_str().unwrap(),
                    p["required"].as_bool().unwrap_or(false),
                )
            })
            .collect();
        let want: Vec<(&str, &str, bool)> = names.iter().map(|n| (*n, "query", false)).collect();
        assert_eq!(got, want, "{path}");
    }
    // Every authenticated operation documents 429; rules JSON Schema cannot
    // express are listed with their codes.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if operation["security"].to_string().contains("bearer") {
                assert!(
                    operation["responses"].get("429").is_some(),
                    "{method} {path}"
                );
            }
        }
    }
    assert_eq!(
        doc["paths"]["/v1/admin/rules/{profile}"]["put"]["responses"]["422"]["x-semantic-errors"],
        json!(["duplicate_rule_id"])
    );
    assert_eq!(
        doc["paths"]["/v1/admin/issuers/{slug}/keys/import"]["post"]["responses"]["422"]["x-semantic-errors"],
        json!(["fetch_failed", "invalid_document", "did_mismatch"])
    );
    // The Rule mirror names exactly the members credential::Rule takes.
    let mirrored: Vec<&String> = schemas["Rule"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(mirrored, ["id", "text", "translations", "require"]);
    let rule: credential::Rule = serde_json::from_value(json!({
        "id": "a", "text": "t", "translations": {"hi": "x"}, "require": {"minDoses": 2}
    }))
    .unwrap();
    assert_eq!(
        serde_json::to_value(&rule)
            .unwrap()
            .as_object()
            .unwrap()
            .len(),
        4
    );
    // Health and readiness.
    assert_eq!(r.get_bytes("/healthz").await, b"ok");
    assert_eq!(r.get_bytes("/readyz").await, b"ready");
    let metrics = String::from_utf8(r.get_bytes("/metrics").await).unwrap();
    assert!(
        metrics.contains("registry_http_requests_total"),
        "{metrics}"
    );
}

both_backends!(
    lists_are_signed_by_the_served_anchor_and_cached,
    every_change_makes_a_new_version_that_survives_a_restart,
    lists_are_signed_again_before_they_go_stale,
    openapi_request_schemas_are_strict,
);
