//! The issuer's own W3C VC 2.0 profile (`format = "vc2"`): credentials that
//! `credential::verify` accepts and reads as `Profile::Healthcerts`, with a
//! Bitstring Status List entry each, allocated densely and uniquely across
//! concurrent batches and across instances sharing a database; the
//! registry's status events name that entry; renderings, citizen
//! retrieval and corrections work on such certificates; a bad profile is
//! refused at start with a precise message.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: helpers outside #[test] functions too; a failed unwrap is a failed test"
)]

mod common;
mod render_support;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use common::{Backend, DEMO, TestApp, request};
use credential::{ContextStore, Profile, StatusEntry};
use issuer_api::ConfigFile;
use serde_json::{Value, json};

const BASE: &str = "https://registry.example.org/v1/status-lists/issuer-demo-example-org/";

fn vc2_text() -> String {
    DEMO.replace("format = \"divoc\"", "format = \"vc2\"")
        .replace(
            "suite = \"Ed25519Signature2018\"",
            "suite = \"eddsa-rdfc-2022\"",
        )
        .replace(
            "# status_list_base = \"https://registry.demo.example.org/v1/status-lists/issuer-demo-example-org/\"",
            &format!("status_list_base = \"{BASE}\""),
        )
}

fn vc2_config() -> ConfigFile {
    ConfigFile::parse(&vc2_text()).unwrap()
}

fn results(body: &Value) -> &Vec<Value> {
    body["results"].as_array().unwrap()
}

/// A batch of `n` valid requests with codes `<prefix>-<i>`.
fn batch(prefix: &str, n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| request(&format!("{prefix}-{i}"), 1, "2021-05-01T10:00:00.000Z"))
            .collect(),
    )
}

/// The status entries of a certify answer's issued certificates, as the
/// API names them, checked against each credential's `credentialStatus`.
fn entries(body: &Value) -> Vec<StatusEntry> {
    results(body)
        .iter()
        .map(|r| {
            assert_eq!(r["result"], "issued", "{r}");
            let status = &r["credential"]["credentialStatus"];
            assert_eq!(status["type"], "BitstringStatusListEntry");
            assert_eq!(status["statusPurpose"], "revocation");
            assert_eq!(
                r["credential_status"]["status_list"],
                status["statusListCredential"]
            );
            assert_eq!(
                r["credential_status"]["status_index"].to_string(),
                status["statusListIndex"].as_str().unwrap()
            );
            StatusEntry {
                list: r["credential_status"]["status_list"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                index: r["credential_status"]["status_index"].as_u64().unwrap(),
            }
        })
        .collect()
}

/// The positions (list number x 2^24 + index) of entries, all under BASE.
fn positions(entries: &[StatusEntry]) -> Vec<u64> {
    entries
        .iter()
        .map(|e| {
            let list: u64 = e.list.strip_prefix(BASE).unwrap().parse().unwrap();
            list * (1 << 24) + e.index
        })
        .collect()
}

/// Verify a credential with the issuer's key, as an outside verifier would.
fn verify(t: &TestApp, credential: &Value) -> credential::CredentialView {
    let ring = t.state.issuer.keyring();
    let key = ring.keys()[0].credential_key().unwrap().public_key();
    let verified = credential::verify(credential, &key, &ContextStore::bundled()).unwrap();
    verified.credential().unwrap()
}

async fn issues_verifiable_vc2_credentials(backend: Backend) {
    let t = TestApp::with_config(backend, vc2_config()).await;
    let (status, body) = t.certify(&t.admin, &common::example_batch()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let got = entries(&body);
    assert_eq!(positions(&got), [0, 1]);
    let requests = common::example_batch();
    for (i, (r, entry)) in results(&body).iter().zip(&got).enumerate() {
        let credential = &r["credential"];
        assert_eq!(credential["@context"][0], credential::vc2::CREDENTIALS_V2);
        assert_eq!(credential["proof"]["cryptosuite"], "eddsa-rdfc-2022");
        let view = verify(&t, credential);
        assert_eq!(view.profile, Profile::Healthcerts);
        assert_eq!(view.issuer, "https://issuer.demo.example.org/");
        assert_eq!(view.status, std::slice::from_ref(entry));
        let id = r["certificate_id"].as_str().unwrap();
        assert_eq!(view.certificate_ids(), [id]);
        let vaccination = view.vaccination.unwrap();
        assert!(vaccination.unbound.is_empty());
        assert_eq!(
            vaccination.vaccine.as_deref(),
            requests[i]["vaccination"]["name"].as_str()
        );
        // Read back: the same certificate, with its entry.
        let (status, stored) = t.get(&format!("/v1/certificates/{id}"), &t.admin).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(stored["credential"], *credential);
        assert_eq!(stored["credential_status"], r["credential_status"]);
    }
    // A retry returns the same certificates, with no new entries.
    let (_, again) = t.certify(&t.admin, &common::example_batch()).await;
    assert!(results(&again).iter().all(|r| r["result"] == "existing"));
    assert_eq!(
        results(&again)[0]["credential_status"],
        results(&body)[0]["credential_status"]
    );
    let (_, next) = t.certify(&t.admin, &batch("NEXT", 1)).await;
    assert_eq!(positions(&entries(&next)), [2]);

    // Renderings: the QR code carries the signed credential; the PDF
    // prints it (read through the verified view).
    let id = results(&body)[0]["certificate_id"].as_str().unwrap();
    let record = issuer_api::internal::store(&t.state.issuer)
        .certificate(id)
        .await
        .unwrap()
        .unwrap();
    let payload = issuer_api::rendering::qr_payload(&record).unwrap();
    let decoded = credential::decode_payload(&payload).unwrap();
    assert_eq!(decoded.document, results(&body)[0]["credential"]);
    let (status, _, png) = t
        .call_raw(
            Method::GET,
            &format!("/v1/certificates/{id}/qr.png"),
            Some(&t.admin),
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(png.starts_with(b"\x89PNG"));
    let (status, _, pdf) = t
        .call_raw(
            Method::GET,
            &format!("/v1/certificates/{id}/pdf"),
            Some(&t.admin),
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF"));
    if render_support::have("pdftotext", "vc2 pdf") {
        let text = render_support::pdf_text(&pdf, &format!("vc2-{backend:?}"));
        for expected in [
            id,
            "विकास शर्मा",
            "COVISHIELD",
            "did:in.gov.uidai.aadhaar:2342343242",
        ] {
            assert!(text.contains(expected), "{expected} not in:\n{text}");
        }
    }
    let printed = issuer_api::rendering::printed(&t.state.issuer, &record).unwrap();
    assert_eq!(printed.certificate_id, id);
    assert_eq!(printed.dose, "1");
    assert_eq!(printed.total_doses, "2");

    // Citizen retrieval hands out the credential as signed.
    let (status, mine) = t
        .call(
            Method::POST,
            "/v1/citizen/retrieve",
            None,
            Some(&json!({"preEnrollmentCode": "12807831715278", "dob": "1970-12-18"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(
        mine["certificates"][0]["credential"],
        results(&body)[0]["credential"]
    );

    // did.json is unchanged: the same keys, as before.
    let (status, did) = t
        .call(Method::GET, "/.well-known/did.json", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        did["verificationMethod"][0]["type"],
        "Ed25519VerificationKey2018"
    );
}

async fn concurrent_batches_get_dense_unique_entries(backend: Backend) {
    let t = TestApp::with_config(backend, vc2_config()).await;
    let (a, b) = (batch("A", 40), batch("B", 40));
    let ((sa, ba), (sb, bb)) = tokio::join!(t.certify(&t.admin, &a), t.certify(&t.admin, &b));
    assert_eq!((sa, sb), (StatusCode::OK, StatusCode::OK));
    let (pa, pb) = (positions(&entries(&ba)), positions(&entries(&bb)));
    // Each batch has a block of its own, in order; together they are dense.
    assert!(pa.windows(2).all(|w| w[1] == w[0] + 1), "{pa:?}");
    assert!(pb.windows(2).all(|w| w[1] == w[0] + 1), "{pb:?}");
    let all: BTreeSet<u64> = pa.iter().chain(&pb).copied().collect();
    assert_eq!(all, (0..80).collect());
}

async fn two_instances_share_one_counter(backend: Backend) {
    let t = TestApp::with_config(backend, vc2_config()).await;
    let other = t.another_server(vc2_config()).await;
    let mut all = BTreeSet::new();
    for round in 0..3 {
        let (a, b) = (
            batch(&format!("ONE{round}"), 20),
            batch(&format!("TWO{round}"), 20),
        );
        let ((sa, ba), (sb, bb)) =
            tokio::join!(t.certify(&t.admin, &a), other.certify(&t.admin, &b));
        assert_eq!((sa, sb), (StatusCode::OK, StatusCode::OK), "{ba} {bb}");
        for p in positions(&entries(&ba))
            .into_iter()
            .chain(positions(&entries(&bb)))
        {
            assert!(all.insert(p), "position {p} handed out twice");
        }
    }
    assert_eq!(all, (0..120).collect());
}

/// The key registry's status events of a VC 2.0 certificate name its
/// status entry (and still its id), for every kind of change.
async fn registry_events_carry_the_status_entry(backend: Backend) {
    let t = TestApp::with_config(backend, vc2_config()).await;
    let (_, body) = t.certify(&t.admin, &batch("EV", 2)).await;
    let got = entries(&body);
    let id = |i: usize| {
        results(&body)[i]["certificate_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (revoked, suspended) = (id(0), id(1));
    let (status, _) = t
        .post(
            &format!("/v1/certificates/{revoked}/revoke"),
            &t.admin,
            &json!({"reason": "issued in error"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t
        .post(
            &format!("/v1/certificates/{suspended}/suspend"),
            &t.admin,
            &json!({"until": "2099-01-01", "reason": "under review"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t
        .call(
            Method::DELETE,
            &format!("/v1/certificates/{suspended}/suspension"),
            Some(&t.admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // A correction: a new certificate with a new entry; the old one is
    // revoked by its entry.
    let (_, body) = t.certify(&t.admin, &batch("COR", 1)).await;
    let old = entries(&body).remove(0);
    let old_id = results(&body)[0]["certificate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut fixed = request("COR-0", 1, "2021-05-01T10:00:00.000Z");
    fixed["recipient"]["name"] = json!("Test Persson");
    let (status, corrected) = t
        .call(
            Method::PUT,
            &format!("/v1/certificates/{old_id}"),
            Some(&t.admin),
            Some(&fixed),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{corrected}");
    let new = &corrected["certificate"];
    assert_eq!(positions(std::slice::from_ref(&old)), [2]);
    assert_eq!(new["credential_status"]["status_index"], 3);
    let view = verify(&t, &new["credential"]);
    assert_eq!(view.subject.unwrap().name.as_deref(), Some("Test Persson"));
    assert_eq!(view.status[0].index, 3);

    let events = registry_events(&t).await;
    let summary: Vec<(String, String, Value)> = events
        .iter()
        .map(|e| {
            (
                e["certificate_id"].as_str().unwrap().to_owned(),
                e["status"].as_str().unwrap().to_owned(),
                e["credential_status"].clone(),
            )
        })
        .collect();
    let status_of = |e: &StatusEntry| json!({"status_list": e.list, "status_index": e.index});
    assert_eq!(
        summary,
        [
            (revoked.clone(), "revoked".into(), status_of(&got[0])),
            (suspended.clone(), "suspended".into(), status_of(&got[1])),
            (suspended.clone(), "active".into(), status_of(&got[1])),
            (old_id.clone(), "revoked".into(), status_of(&old)),
        ]
    );
    assert_eq!(events[3]["replaced_by"], new["certificate_id"]);
    assert_eq!(got[0].list, format!("{BASE}0"));
}

/// A programme may move from DIVOC to VC 2.0 at run time: what was issued
/// before stays DIVOC (no entry, events without one) and still renders.
async fn divoc_and_vc2_certificates_live_side_by_side(backend: Backend) {
    let t = TestApp::new(backend).await;
    let (_, before) = t.certify(&t.admin, &batch("OLD", 1)).await;
    assert!(results(&before)[0].get("credential_status").is_none());
    let loaded = t.state.issuer.programme();
    t.state
        .issuer
        .replace_programme(vc2_config().programme, loaded.version, "test")
        .await
        .unwrap();
    let (_, after) = t.certify(&t.admin, &batch("NEW", 1)).await;
    assert_eq!(positions(&entries(&after)), [0]);
    for body in [&before, &after] {
        let id = results(body)[0]["certificate_id"].as_str().unwrap();
        let (status, _, pdf) = t
            .call_raw(
                Method::GET,
                &format!("/v1/certificates/{id}/pdf"),
                Some(&t.admin),
                None,
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{id}");
        assert!(pdf.starts_with(b"%PDF"));
        let (status, _) = t
            .post(
                &format!("/v1/certificates/{id}/revoke"),
                &t.admin,
                &json!({"reason": "test"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let events = registry_events(&t).await;
    assert!(
        events[0].get("credential_status").is_none(),
        "{}",
        events[0]
    );
    assert_eq!(
        events[1]["credential_status"]["status_list"],
        format!("{BASE}0")
    );
    // An admin change to an incoherent profile is refused, precisely.
    let mut bad = vc2_config().programme;
    bad.profile.suite = issuer_api::config::SuiteChoice::Ed25519Signature2018;
    let version = t.state.issuer.programme().version;
    let err = t
        .state
        .issuer
        .replace_programme(bad, version, "test")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("eddsa-rdfc-2022"), "{err}");
}

/// The counter on both backends: blocks in order, a size change moves on
/// to a fresh list, bases count apart.
async fn the_counter_reserves_blocks(backend: Backend) {
    let t = TestApp::new(backend).await;
    let store = issuer_api::internal::store(&t.state.issuer);
    let (small, large) = (131_072, 1 << 24);
    assert_eq!(
        store
            .reserve_status_positions(BASE, small, 5)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .reserve_status_positions(BASE, small, 3)
            .await
            .unwrap(),
        5
    );
    // 8 positions used list 0 of 131,072: lists of 2^24 start at list 1.
    assert_eq!(
        store
            .reserve_status_positions(BASE, large, 2)
            .await
            .unwrap(),
        large
    );
    // And back: 2^24 + 2 positions in lists of 2^24 used lists 0 and 1.
    assert_eq!(
        store
            .reserve_status_positions(BASE, small, 1)
            .await
            .unwrap(),
        2 * small
    );
    let other = "https://registry.example.org/v1/status-lists/other/";
    assert_eq!(
        store
            .reserve_status_positions(other, small, 1)
            .await
            .unwrap(),
        0
    );
    assert!(
        store
            .reserve_status_positions(BASE, small, 0)
            .await
            .is_err()
    );
    assert!(store.reserve_status_positions(BASE, 0, 1).await.is_err());
    // Concurrent reservations: disjoint, and together dense.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .reserve_status_positions("https://x.example/l/", small, 10)
                    .await
            })
        })
        .collect();
    let mut firsts = Vec::new();
    for task in tasks {
        firsts.push(task.await.unwrap().unwrap());
    }
    firsts.sort_unstable();
    assert_eq!(firsts, (0..8).map(|i| i * 10).collect::<Vec<_>>());
}

both_backends!(
    issues_verifiable_vc2_credentials,
    concurrent_batches_get_dense_unique_entries,
    two_instances_share_one_counter,
    registry_events_carry_the_status_entry,
    divoc_and_vc2_certificates_live_side_by_side,
    the_counter_reserves_blocks,
);

#[test]
fn a_vc2_profile_needs_its_suite_and_a_good_base() {
    let err = |text: &str| ConfigFile::parse(text).unwrap_err().to_string();
    assert!(vc2_config().programme.profile.status_list_base.is_some());
    let wrong_suite = vc2_text().replace(
        "suite = \"eddsa-rdfc-2022\"",
        "suite = \"Ed25519Signature2018\"",
    );
    let e = err(&wrong_suite);
    assert!(
        e.contains("suite = \\\"eddsa-rdfc-2022\\\"") || e.contains("suite = \"eddsa-rdfc-2022\""),
        "{e}"
    );
    let no_base = vc2_text().replace(&format!("status_list_base = \"{BASE}\""), "");
    assert!(err(&no_base).contains("needs programme.profile.status_list_base"));
    for (base, why) in [
        ("status-lists/issuer/", "not an absolute URL"),
        (
            "https://registry.example.org/v1/status-lists/issuer",
            "end in '/'",
        ),
        (
            "https://registry.example.org/lists/?page=1",
            "query or fragment",
        ),
    ] {
        let text = vc2_text().replace(BASE, base);
        assert!(err(&text).contains(why), "{base}: {}", err(&text));
    }
    let big = vc2_text().replace(
        "# status_list_size = 16777216",
        "status_list_size = 16777217",
    );
    assert!(err(&big).contains("status_list_size 16777217"));
    let divoc_with_base = DEMO.replace(
        "# status_list_base = \"https://registry.demo",
        "status_list_base = \"https://registry.demo",
    );
    assert!(err(&divoc_with_base).contains("applies to format \"vc2\" only"));
}

/// The OpenAPI document describes the profile's settings and the
/// certificates' status entry.
#[tokio::test]
async fn the_openapi_schema_documents_the_vc2_settings() {
    let doc = serde_json::to_value(issuer_api::openapi::document()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let profile = &schemas["CredentialProfile"]["properties"];
    for field in ["format", "status_list_base", "status_list_size"] {
        assert!(profile[field].is_object(), "{field}: {profile}");
    }
    assert!(
        profile["status_list_base"]["description"]
            .as_str()
            .unwrap()
            .contains("ending in `/`")
    );
    assert_eq!(profile["status_list_size"]["maximum"], 16_777_216);
    assert_eq!(schemas["CredentialFormat"]["enum"], json!(["divoc", "vc2"]));
    assert!(schemas["CertificateView"]["properties"]["credential_status"].is_object());
}

/// Every event queued for the registry, in queue order, delivered the way
/// the outbox worker does (the window holds only the head of each
/// certificate's queue, so later events of a certificate come after the
/// earlier ones are marked delivered).
async fn registry_events(t: &TestApp) -> Vec<Value> {
    let store = issuer_api::internal::store(&t.state.issuer);
    let mut rows = Vec::new();
    loop {
        let window = store
            .outbox_window("registry", i64::MAX, 100)
            .await
            .unwrap();
        if window.is_empty() {
            break;
        }
        for row in window {
            store.outbox_delivered(row.id, 0).await.unwrap();
            rows.push((row.id, serde_json::from_str::<Value>(&row.event).unwrap()));
        }
    }
    rows.sort_by_key(|(id, _)| *id);
    rows.into_iter().map(|(_, event)| event).collect()
}
