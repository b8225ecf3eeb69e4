//! Issuer events in, revocation lists out: signature and issuer checks,
//! deduplication, revocation rules, snapshots and deltas as a verifier
//! applies them, status-list entries and the Bitstring Status List
//! credential; on SQLite and PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use std::io::Read as _;

use axum::http::{Method, StatusCode};
use base64::Engine as _;
use common::{Backend, MOH, MOH_KID, TestRegistry, event, jwk, signing_key};
use credential::{CertificateRef, RevocationList, RevocationStatus, RevocationStore, StatusEntry};
use jiff::Timestamp;
use serde_json::{Value, json};

fn by_id(id: &str) -> CertificateRef {
    CertificateRef {
        issuer: MOH.into(),
        certificate_id: Some(id.into()),
        status_entry: None,
    }
}

fn now() -> Timestamp {
    "2026-11-27T09:00:00Z".parse().unwrap()
}

async fn events_are_verified_deduplicated_and_published(backend: Backend) {
    let r = TestRegistry::new(backend).await;
    let anchor = r.anchor().await;
    let key = signing_key(1);
    r.register_moh(&key).await;
    let mut store = RevocationStore::new();
    store
        .apply_signed(
            &r.get_bytes("/v1/revocations").await,
            std::slice::from_ref(&anchor),
        )
        .unwrap();
    let held = store.version().unwrap();
    assert_eq!(
        store.check(&by_id("3YD1-W548-JND0-NXXR"), now()),
        RevocationStatus::Good
    );

    // A revocation, delivered twice (at least once): applied, then a duplicate.
    let revoke = event("3YD1-W548-JND0-NXXR", "revoked");
    let (status, body) = r.post_event(&revoke, &key, MOH_KID, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["result"], "applied");
    let version = body["version"].as_u64().unwrap();
    assert_eq!(version, held + 1);
    let (status, body) = r.post_event(&revoke, &key, MOH_KID, None).await;
    assert_eq!(
        (status, body["result"].as_str()),
        (StatusCode::OK, Some("duplicate"))
    );
    assert_eq!(body["version"], version);

    // Numeric (DIVOC) id, a suspension, its lift.
    for (id, what) in [
        ("15295081141", "revoked"),
        ("SUSP-0001", "suspended"),
        ("SUSP-0002", "suspended"),
    ] {
        let (status, body) = r.post_event(&event(id, what), &key, MOH_KID, None).await;
        assert_eq!(
            (status, body["result"].as_str()),
            (StatusCode::OK, Some("applied")),
            "{id}"
        );
    }
    let (_, body) = r
        .post_event(&event("SUSP-0002", "active"), &key, MOH_KID, None)
        .await;
    assert_eq!(body["result"], "applied");
    // Revocation is final: a later suspension or lift changes nothing.
    for what in ["suspended", "active", "revoked"] {
        let (_, body) = r
            .post_event(&event("3YD1-W548-JND0-NXXR", what), &key, MOH_KID, None)
            .await;
        assert_eq!(body["result"], "unchanged", "{what}");
    }

    // The delta from what the verifier held.
    let delta = r.get_bytes(&format!("/v1/revocations?since={held}")).await;
    let parsed = RevocationList::verify(&delta, std::slice::from_ref(&anchor)).unwrap();
    assert_eq!(parsed.since, Some(held));
    store
        .apply_signed(&delta, std::slice::from_ref(&anchor))
        .unwrap();
    // A snapshot says the same to a fresh verifier.
    let mut fresh = RevocationStore::new();
    fresh
        .apply_signed(
            &r.get_bytes("/v1/revocations").await,
            std::slice::from_ref(&anchor),
        )
        .unwrap();
    assert_eq!(store.version(), fresh.version());
    for s in [&store, &fresh] {
        assert_eq!(
            s.check(&by_id("3YD1-W548-JND0-NXXR"), now()),
            RevocationStatus::Revoked
        );
        assert_eq!(
            s.check(&by_id("15295081141"), now()),
            RevocationStatus::Revoked
        );
        assert_eq!(
            s.check(&by_id("SUSP-0001"), now()),
            RevocationStatus::Suspended {
                until: "2027-01-01T00:00:00Z".parse().unwrap()
            }
        );
        assert_eq!(s.check(&by_id("SUSP-0002"), now()), RevocationStatus::Good);
        assert_eq!(
            s.check(&by_id("15295081142"), now()),
            RevocationStatus::Good
        );
    }

    // since = current: the empty delta from it to itself (nothing new, a
    // few hundred bytes); unknown or zero: a snapshot; a delta is cached
    // with a strong ETag.
    let current = store.version().unwrap();
    let nothing = r
        .get_bytes(&format!("/v1/revocations?since={current}"))
        .await;
    let nothing = RevocationList::verify(&nothing, std::slice::from_ref(&anchor)).unwrap();
    assert_eq!((nothing.version, nothing.since), (current, Some(current)));
    assert!(nothing.issuers.is_empty());
    for since in [current + 5, 0] {
        let bytes = r.get_bytes(&format!("/v1/revocations?since={since}")).await;
        assert_eq!(
            RevocationList::verify(&bytes, std::slice::from_ref(&anchor))
                .unwrap()
                .since,
            None,
            "{since}"
        );
    }
    let (_, headers, _) = r
        .call(
            Method::GET,
            &format!("/v1/revocations?since={held}"),
            None,
            None,
            &[],
        )
        .await;
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, _, _) = r
        .call(
            Method::GET,
            &format!("/v1/revocations?since={held}"),
            None,
            None,
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    let (status, _, _) = r
        .call(Method::GET, "/v1/revocations?since=abc", None, None, &[])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn forged_and_foreign_events_are_refused(backend: Backend) {
    let r = TestRegistry::new(backend).await;
    let key = signing_key(1);
    r.register_moh(&key).await;
    // A second issuer with its own key.
    let other = signing_key(9);
    let (status, _) = r
        .json(Method::POST, "/v1/admin/issuers", Some(&json!({"id": "https://other.test/", "did": "did:web:other.test", "name": "Other", "country": "LK"})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = r
        .json(
            Method::POST,
            "/v1/admin/issuers/other-test/keys",
            Some(&json!({"kid": "did:web:other.test#key-1", "public_key_jwk": jwk(&other)})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let revoke = event("3YD1-W548-JND0-NXXR", "revoked");
    // The other issuer signing an event about MoH's certificate: 403.
    let (status, body) = r
        .post_event(&revoke, &other, "did:web:other.test#key-1", None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("issuer_mismatch"))
    );
    // MoH's kid, the wrong key: the signature fails.
    let (status, body) = r.post_event(&revoke, &other, MOH_KID, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_signature"))
    );
    // A key nobody registered.
    let (status, body) = r
        .post_event(&revoke, &key, "did:web:moh.test#key-9", None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unknown_signing_key"))
    );
    // An issuer nobody registered.
    let mut stranger = revoke.clone();
    stranger["issuer"] = json!("did:web:nobody.test");
    let (status, body) = r.post_event(&stranger, &key, MOH_KID, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("issuer_not_registered"))
    );
    // A tampered body under a valid signature.
    let body_bytes = credential::jcs_canonicalize(&revoke).unwrap().into_bytes();
    let jws = common::detached_jws(&key, MOH_KID, &body_bytes);
    let tampered = String::from_utf8(body_bytes)
        .unwrap()
        .replace("3YD1", "3YD2");
    let (status, _, _) = r
        .call(
            Method::POST,
            "/v1/revocations",
            None,
            Some(tampered.into_bytes()),
            &[("x-jws-signature", &jws)],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // No signature; a malformed one; an unknown member; a bad status.
    let plain = revoke.to_string().into_bytes();
    let (status, _, _) = r
        .call(
            Method::POST,
            "/v1/revocations",
            None,
            Some(plain.clone()),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = r
        .call(
            Method::POST,
            "/v1/revocations",
            None,
            Some(plain),
            &[("x-jws-signature", "x..y")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for (member, value) in [
        ("extra", json!(1)),
        ("status", json!("deleted")),
        ("version", json!(2)),
    ] {
        let mut bad = event("X-1", "revoked");
        bad[member] = value;
        let (status, body) = r.post_event(&bad, &key, MOH_KID, None).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_event")),
            "{member}"
        );
    }
    let mut no_end = event("X-1", "suspended");
    no_end["suspended_until"] = Value::Null;
    let (status, _) = r.post_event(&no_end, &key, MOH_KID, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Too big.
    let (status, _, _) = r
        .call(
            Method::POST,
            "/v1/revocations",
            None,
            Some(vec![b' '; 20_000]),
            &[("x-jws-signature", &jws)],
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // A compromised key signs no events; a token of the other issuer is refused.
    let (_, body) = r
        .json(
            Method::POST,
            "/v1/admin/tokens",
            Some(&json!({"role": "issuer", "issuer": "other-test"})),
        )
        .await;
    let other_token = body["token"].as_str().unwrap().to_owned();
    let (status, body) = r
        .post_event(&event("X-2", "revoked"), &key, MOH_KID, Some(&other_token))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("issuer_mismatch"))
    );
    let (status, _) = r
        .json(
            Method::POST,
            "/v1/admin/issuers/moh-test/keys/compromise",
            Some(&json!({"kid": MOH_KID, "since": "2026-11-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = r
        .post_event(&event("X-3", "revoked"), &key, MOH_KID, None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_signature"))
    );
    // Nothing of this reached the list.
    let mut store = RevocationStore::new();
    store
        .apply_signed(&r.get_bytes("/v1/revocations").await, &[r.anchor().await])
        .unwrap();
    for id in [
        "3YD1-W548-JND0-NXXR",
        "3YD2-W548-JND0-NXXR",
        "X-1",
        "X-2",
        "X-3",
    ] {
        assert_eq!(
            store.check(&by_id(id), now()),
            RevocationStatus::Good,
            "{id}"
        );
    }
}

async fn status_list_entries_and_credentials(backend: Backend) {
    let r = TestRegistry::new(backend).await;
    let anchor = r.anchor().await;
    let key = signing_key(1);
    r.register_moh(&key).await;
    let list_url = "https://registry.test/v1/status-lists/moh-test/2026-1";
    for (id, index, what) in [
        ("VC-1", 7u64, "revoked"),
        ("VC-2", 131_075, "revoked"),
        ("VC-3", 9, "suspended"),
    ] {
        let mut e = event(id, what);
        e["credential_status"] = json!({"status_list": list_url, "status_index": index});
        let (status, body) = r.post_event(&e, &key, MOH_KID, None).await;
        assert_eq!(
            (status, body["result"].as_str()),
            (StatusCode::OK, Some("applied")),
            "{body}"
        );
    }
    // A list URL elsewhere, or under another issuer's slug, is refused.
    for bad in [
        "https://evil.test/v1/status-lists/moh-test/1",
        "https://registry.test/v1/status-lists/other/1",
        "https://registry.test/v1/status-lists/moh-test/a/b",
    ] {
        let mut e = event("VC-9", "revoked");
        e["credential_status"] = json!({"status_list": bad, "status_index": 1});
        let (status, _) = r.post_event(&e, &key, MOH_KID, None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let mut e = event("VC-9", "revoked");
    e["credential_status"] = json!({"status_list": list_url, "status_index": 1u64 << 24});
    assert_eq!(
        r.post_event(&e, &key, MOH_KID, None).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // The revocation list holds the indices in that list's exact set.
    let mut store = RevocationStore::new();
    store
        .apply_signed(
            &r.get_bytes("/v1/revocations").await,
            std::slice::from_ref(&anchor),
        )
        .unwrap();
    let entry = |index| CertificateRef {
        issuer: MOH.into(),
        certificate_id: Some("ignored".into()),
        status_entry: Some(StatusEntry {
            list: list_url.into(),
            index,
        }),
    };
    assert_eq!(store.check(&entry(7), now()), RevocationStatus::Revoked);
    assert_eq!(
        store.check(&entry(131_075), now()),
        RevocationStatus::Revoked
    );
    assert_eq!(store.check(&entry(8), now()), RevocationStatus::Good);
    assert!(matches!(
        store.check(&entry(9), now()),
        RevocationStatus::Suspended { .. }
    ));

    // The Bitstring Status List credential: signed by the anchor (did:key,
    // eddsa-jcs-2022), bits 7 and 131,075 set, nothing else.
    let (status, headers, bytes) = r
        .call(
            Method::GET,
            "/v1/status-lists/moh-test/2026-1",
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/vc+ld+json");
    let vc: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(vc["id"], list_url);
    assert_eq!(
        vc["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(
        vc["issuer"],
        format!("did:key:{}", anchor.to_multibase().unwrap())
    );
    credential::verify(&vc, &anchor, &credential::ContextStore::bundled()).unwrap();
    let encoded = vc["credentialSubject"]["encodedList"].as_str().unwrap();
    let gz = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded.strip_prefix('u').unwrap())
        .unwrap();
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut bits)
        .unwrap();
    assert!(bits.len() * 8 >= 131_076);
    let set: Vec<usize> = (0..bits.len() * 8)
        .filter(|i| bits[i / 8] & (0x80 >> (i % 8)) != 0)
        .collect();
    assert_eq!(set, [7, 131_075]);
    let (status, _, _) = r
        .call(Method::GET, "/v1/status-lists/nobody/1", None, None, &[])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

both_backends!(
    events_are_verified_deduplicated_and_published,
    forged_and_foreign_events_are_refused,
    status_list_entries_and_credentials,
);
