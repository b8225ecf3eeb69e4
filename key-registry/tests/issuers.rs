//! Issuers and keys through the admin API: registration, keys in every
//! form (DIVOC's RSA `did:india` by hand as PEM), retirement, compromise,
//! `did:web` import from a live server, roles; anchor rotation; on SQLite
//! and PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use axum::Json;
use axum::http::{Method, StatusCode};
use axum::routing::get;
use common::{Backend, MOH, MOH_DID, MOH_KID, TestRegistry, jwk, signing_key};
use credential::{KeyStatus, PublicKey, TrustList};
use serde_json::{Value, json};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/divoc");

async fn trust(r: &TestRegistry) -> TrustList {
    TrustList::verify(
        &r.get_bytes("/v1/trust-list").await,
        &[r.anchor().await],
        None,
    )
    .unwrap()
}

async fn issuers_and_keys_in_every_form(backend: Backend) {
    let r = TestRegistry::new(backend).await;
    let key = signing_key(1);
    let slug = r.register_moh(&key).await;
    assert_eq!(slug, "moh-test");

    // The same id or DID again: 409.
    for clash in [
        json!({"id": MOH, "name": "Again", "country": "IN"}),
        json!({"id": "https://other.test/", "did": MOH_DID, "name": "Again", "country": "IN"}),
    ] {
        let (status, body) = r
            .json(Method::POST, "/v1/admin/issuers", Some(&clash))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "issuer_exists");
    }
    // Refused fields, each with a precise message; unknown members refused.
    for (bad, why) in [
        (json!({"id": "moh", "name": "X", "country": "IN"}), "id"),
        (
            json!({"id": "https://x.test/", "name": "X", "country": "India"}),
            "country",
        ),
        (
            json!({"id": "https://x.test/", "name": " ", "country": "IN"}),
            "name",
        ),
        (
            json!({"id": "https://x.test/", "name": "X", "country": "IN", "slug": "Bad Slug"}),
            "slug",
        ),
        (
            json!({"id": "https://x.test/", "name": "X", "country": "IN", "contexts": [{"url": "https://x.test/ctx", "document": {"@context": {"@version": 9}}}]}),
            "context",
        ),
    ] {
        let (status, body) = r.json(Method::POST, "/v1/admin/issuers", Some(&bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(why),
            "{body}"
        );
    }
    let (status, _) = r
        .json(
            Method::POST,
            "/v1/admin/issuers",
            Some(&json!({"id": "https://x.test/", "name": "X", "country": "IN", "extra": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // CoWIN, registered by hand: its RSA key under DIVOC's id `did:india`, as PEM.
    let (status, body) = r
        .json(
            Method::POST,
            "/v1/admin/issuers",
            Some(&json!({"id": "https://cowin.gov.in/", "name": "CoWIN", "country": "IN"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["slug"], "cowin-gov-in");
    assert_eq!(
        body["status_list_base"],
        "https://registry.test/v1/status-lists/cowin-gov-in/"
    );
    let pem =
        std::fs::read_to_string(format!("{FIXTURES}/stack-signed/rsa-v1/key/public.pem")).unwrap();
    let (status, body) = r
        .json(
            Method::POST,
            "/v1/admin/issuers/cowin-gov-in/keys",
            Some(&json!({"kid": "did:india", "public_key": pem, "valid_from": "2021-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["algorithm"], "RSA");
    // A base58 key; a duplicate id; both forms at once; a private key.
    let base58 =
        std::fs::read_to_string(format!("{FIXTURES}/vectors/ed25519-test-key.base58")).unwrap();
    let (status, body) = r
        .json(Method::POST, "/v1/admin/issuers/moh-test/keys", Some(&json!({"kid": "did:web:moh.test#key-0", "public_key": base58.trim(), "valid_until": "2021-06-30T00:00:00Z"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = r
        .json(
            Method::POST,
            "/v1/admin/issuers/moh-test/keys",
            Some(&json!({"kid": MOH_KID, "public_key_jwk": jwk(&signing_key(2))})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("key_exists"))
    );
    let (status, body) = r
        .json(
            Method::POST,
            "/v1/admin/issuers/moh-test/keys",
            Some(&json!({"kid": "k", "public_key": base58.trim(), "public_key_jwk": jwk(&key)})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_key"))
    );
    let private = credential::PrivateKey::from_ed25519_seed(&[5; 32])
        .to_pkcs8_pem()
        .unwrap();
    let (status, body) = r
        .json(
            Method::POST,
            "/v1/admin/issuers/moh-test/keys",
            Some(&json!({"kid": "k", "public_key": private.as_str()})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(!body.to_string().contains("PRIVATE KEY"), "{body}");

    let list = trust(&r).await;
    let (issuer, india) = list
        .find_key_for("did:india", "https://cowin.gov.in/")
        .unwrap();
    assert_eq!(issuer.name, "CoWIN");
    assert_eq!(india.public_key, PublicKey::parse_any(&pem).unwrap());
    assert_eq!(india.valid_from, "2021-01-01T00:00:00Z".parse().unwrap());

    // Retire (window closes), then compromise; a compromise date only moves earlier.
    let (status, body) = r
        .json(
            Method::POST,
            "/v1/admin/issuers/moh-test/keys/retire",
            Some(&json!({"kid": MOH_KID, "valid_until": "2026-11-27T07:00:00Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "retired");
    let (_, key1) = trust(&r)
        .await
        .find_key(MOH_KID)
        .map(|(i, k)| (i.clone(), k.clone()))
        .unwrap();
    assert_eq!(key1.status, KeyStatus::Retired);
    assert_eq!(
        key1.valid_until,
        Some("2026-11-27T07:00:00Z".parse().unwrap())
    );
    for since in ["2026-11-20T00:00:00Z", "2026-11-25T00:00:00Z"] {
        let (status, body) = r
            .json(
                Method::POST,
                "/v1/admin/issuers/moh-test/keys/compromise",
                Some(&json!({"kid": MOH_KID, "since": since})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["compromised_at"], "2026-11-20T00:00:00Z");
    }
    let (_, key1) = trust(&r)
        .await
        .find_key(MOH_KID)
        .map(|(i, k)| (i.clone(), k.clone()))
        .unwrap();
    assert_eq!(
        key1.status,
        KeyStatus::Compromised {
            since: "2026-11-20T00:00:00Z".parse().unwrap()
        }
    );
    let (status, body) = r
        .json(
            Method::POST,
            "/v1/admin/issuers/moh-test/keys/retire",
            Some(&json!({"kid": MOH_KID})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("key_state"))
    );
    // The issuer (the URI's resource) exists; the key the body names does not.
    for (path, request) in [
        ("retire", json!({"kid": "did:web:moh.test#nope"})),
        (
            "compromise",
            json!({"kid": "did:web:moh.test#nope", "since": "2026-11-20T00:00:00Z"}),
        ),
    ] {
        let (status, body) = r
            .json(
                Method::POST,
                &format!("/v1/admin/issuers/moh-test/keys/{path}"),
                Some(&request),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_key")),
            "{path}: {body}"
        );
    }

    // The audit log has it all.
    let (status, body) = r
        .json(Method::GET, "/v1/admin/audit?limit=1000", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "issuer_registered",
        "key_added",
        "key_retired",
        "key_compromised",
    ] {
        assert!(actions.contains(&action), "{actions:?}");
    }
}

async fn roles_are_enforced(backend: Backend) {
    let r = TestRegistry::new(backend).await;
    r.register_moh(&signing_key(1)).await;
    let register = json!({"id": "https://x.test/", "name": "X", "country": "IN"})
        .to_string()
        .into_bytes();
    let (status, headers, _) = r
        .call(
            Method::POST,
            "/v1/admin/issuers",
            None,
            Some(register.clone()),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers["www-authenticate"], "Bearer");
    let (status, _, _) = r
        .call(
            Method::POST,
            "/v1/admin/issuers",
            Some("hcrt_forged"),
            Some(register.clone()),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // An issuer token: its own record, nothing else.
    let (status, body) = r
        .json(
            Method::POST,
            "/v1/admin/tokens",
            Some(&json!({"role": "issuer", "issuer": "moh-test", "label": "moh outbox"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["role"], format!("issuer:{MOH}"));
    let issuer_token = body["token"].as_str().unwrap().to_owned();
    assert!(issuer_token.starts_with("hcrt_"));
    let (status, _, _) = r
        .call(
            Method::POST,
            "/v1/admin/issuers",
            Some(&issuer_token),
            Some(register),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
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
    let (status, _, _) = r
        .call(
            Method::GET,
            "/v1/admin/issuers/nobody",
            Some(&issuer_token),
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Tokens are listed without secrets, and revoked for good.
    let (_, body) = r.json(Method::GET, "/v1/admin/tokens", None).await;
    let text = body.to_string();
    assert!(
        !text.contains(&issuer_token) && !text.contains("token_hash"),
        "{text}"
    );
    let id = body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == "moh outbox")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = r
        .json(Method::DELETE, &format!("/v1/admin/tokens/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = r
        .call(
            Method::GET,
            "/v1/admin/issuers/moh-test",
            Some(&issuer_token),
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The bootstrap token file is the owner's only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(r.dir.path().join("bootstrap-token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// A stand-in for the issuer API's key endpoints, on port 0.
async fn issuer_site(did_doc: Value, listing: Value) -> (String, tokio::task::JoinHandle<()>) {
    let router = axum::Router::new()
        .route(
            "/.well-known/did.json",
            get(move || async move { Json(did_doc) }),
        )
        .route("/v1/keys", get(move || async move { Json(listing) }))
        .route("/big", get(|| async { "x".repeat(300 * 1024) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (url, task)
}

async fn keys_import_from_did_web_and_key_listings(backend: Backend) {
    let r = TestRegistry::new(backend).await;
    let (status, _) = r
        .json(
            Method::POST,
            "/v1/admin/issuers",
            Some(&json!({"id": MOH, "did": MOH_DID, "name": "MoH", "country": "IN"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (k1, k2) = (signing_key(1), signing_key(2));
    let b58 = |k: &ed25519_dalek::SigningKey| {
        PublicKey::from_ed25519_bytes(k.verifying_key().as_bytes())
            .unwrap()
            .to_base58()
            .unwrap()
    };
    let did_doc = json!({
        "@context": ["https://www.w3.org/ns/did/v1"], "id": MOH_DID,
        "verificationMethod": [
            {"id": MOH_KID, "type": "Ed25519VerificationKey2018", "controller": MOH_DID, "publicKeyBase58": b58(&k1), "publicKeyJwk": jwk(&k1)},
            {"id": "#key-2", "type": "Ed25519VerificationKey2018", "controller": MOH_DID, "publicKeyBase58": b58(&k2)}
        ]
    });
    let listing = json!([
        {"id": MOH_KID, "algorithm": "Ed25519", "status": "retired", "valid_from": "2026-01-01T00:00:00.000Z",
         "valid_until": "2026-11-27T07:00:00.000Z", "public_key_jwk": jwk(&k1), "public_key_base58": b58(&k1)},
        {"id": "did:web:moh.test#key-2", "algorithm": "Ed25519", "status": "active", "valid_from": "2026-11-27T07:00:00.000Z",
         "valid_until": null, "public_key_jwk": jwk(&k2), "public_key_base58": b58(&k2)}
    ]);
    let (site, server) = issuer_site(did_doc, listing).await;

    let (status, body) = r
        .json(
            Method::POST,
            "/v1/admin/issuers/moh-test/keys/import",
            Some(&json!({"url": format!("{site}/.well-known/did.json")})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["added"], json!([MOH_KID, "did:web:moh.test#key-2"]));
    let list = trust(&r).await;
    let (_, key2) = list.find_key("did:web:moh.test#key-2").unwrap();
    assert_eq!(key2.status, KeyStatus::Active);
    assert_eq!(key2.valid_from, jiff::Timestamp::UNIX_EPOCH);

    // The key listing adds the windows: key-1 retired at the rotation.
    let (status, body) = r
        .json(
            Method::POST,
            "/v1/admin/issuers/moh-test/keys/import",
            Some(&json!({"url": format!("{site}/v1/keys")})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["updated"], json!([MOH_KID]));
    assert_eq!(body["unchanged"], json!(["did:web:moh.test#key-2"]));
    let list = trust(&r).await;
    let (_, key1) = list.find_key(MOH_KID).unwrap();
    assert_eq!(key1.status, KeyStatus::Retired);
    assert_eq!(
        key1.valid_until,
        Some("2026-11-27T07:00:00Z".parse().unwrap())
    );

    // Refusals: another DID's document, a swapped key, too big, unreachable, did of another issuer.
    let (other_site, other) = issuer_site(
        json!({"id": "did:web:evil.test", "verificationMethod": []}),
        json!([{"id": MOH_KID, "public_key_jwk": jwk(&k2)}]),
    )
    .await;
    for (url, status, code) in [
        (
            format!("{other_site}/.well-known/did.json"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_document",
        ),
        (
            format!("{other_site}/v1/keys"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_document",
        ),
        (
            format!("{site}/big"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_document",
        ),
        (
            "http://127.0.0.1:9/did.json".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "fetch_failed",
        ),
    ] {
        let (got, body) = r
            .json(
                Method::POST,
                "/v1/admin/issuers/moh-test/keys/import",
                Some(&json!({"url": url})),
            )
            .await;
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{url}: {body}"
        );
    }
    let (got, body) = r
        .json(
            Method::POST,
            "/v1/admin/issuers/moh-test/keys/import",
            Some(&json!({"did": "did:web:evil.test"})),
        )
        .await;
    assert_eq!(
        (got, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("did_mismatch"))
    );
    server.abort();
    other.abort();
}

async fn anchor_rotation_is_announced_then_activated(backend: Backend) {
    let r = TestRegistry::new(backend).await;
    let old = r.anchor().await;
    r.register_moh(&signing_key(1)).await;
    let (status, body) = r
        .json(Method::POST, "/v1/admin/anchor/activate", None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("anchor_state"))
    );
    let (status, body) = r
        .json(Method::POST, "/v1/admin/anchor/announce", None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let next = PublicKey::parse_any(body["public_key_pem"].as_str().unwrap()).unwrap();
    let (status, _) = r
        .json(Method::POST, "/v1/admin/anchor/announce", None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Still signed by the old anchor, announcing the next.
    let announcing = TrustList::verify(
        &r.get_bytes("/v1/trust-list").await,
        std::slice::from_ref(&old),
        None,
    )
    .unwrap();
    assert_eq!(announcing.next_anchor.as_ref(), Some(&next));
    assert_eq!(r.anchor().await, old);

    let (status, body) = r
        .json(Method::POST, "/v1/admin/anchor/activate", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(r.anchor().await, next);
    // Every list is now signed by the new anchor, at a higher version.
    let trust_bytes = r.get_bytes("/v1/trust-list").await;
    assert!(TrustList::verify(&trust_bytes, std::slice::from_ref(&old), None).is_err());
    let rotated = TrustList::verify(
        &trust_bytes,
        std::slice::from_ref(&next),
        Some(announcing.version),
    )
    .unwrap();
    assert!(rotated.next_anchor.is_none());
    credential::RevocationList::verify(
        &r.get_bytes("/v1/revocations").await,
        std::slice::from_ref(&next),
    )
    .unwrap();
    let (_, body) = r.json(Method::GET, "/v1/admin/anchors", None).await;
    let states: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["active", "retired"]);
    // And after a restart.
    let r = r.restart().await;
    assert_eq!(r.anchor().await, next);
}

both_backends!(
    issuers_and_keys_in_every_form,
    roles_are_enforced,
    keys_import_from_did_web_and_key_listings,
    anchor_rotation_is_announced_then_activated,
);
