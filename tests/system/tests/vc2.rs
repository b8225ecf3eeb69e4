//! The issuer API's own W3C VC 2.0 profile with the key registry, end to
//! end on SQLite and on PostgreSQL: the issuer is registered first (the
//! registry's answer gives its status-list base), issues VC 2.0
//! certificates with Bitstring Status List entries on the registry's lists,
//! revokes one; the outbox delivers; the registry's revocation snapshot
//! holds it in that list's exact set (not the hashed set), the list's W3C
//! status list credential has its bit set, and the engine and the
//! `verify` command say revoked, and valid for the other.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::io::Read as _;
use std::time::{Duration, Instant};

use base64::Engine as _;
use credential::{
    CertificateRef, PublicKey, RevocationList, RevocationStatus, RevocationStore, StatusEntry,
};
use issuer_api::config::{CredentialFormat, SuiteChoice};
use jiff::Timestamp;
use serde_json::{Value, json};
use system_tests::{Backend, Client, pg_skipped, start_issuer_with, start_registry, verify_binary};
use verifier_wasm::{ReasonCode, Status, Verifier};

const ISSUER_ID: &str = "https://issuer.demo.example.org/";
const ISSUER_DID: &str = "did:web:issuer.demo.example.org";

fn request(code: &str) -> Value {
    let date = Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * 30))
        .unwrap()
        .strftime("%Y-%m-%d")
        .to_string();
    json!({
        "preEnrollmentCode": code,
        "recipient": {"name": "Test Person", "dob": "1980-01-15", "gender": "Female",
                      "identity": format!("did:in.gov.test:{code}")},
        "vaccination": {"name": "COVISHIELD", "batch": "B1", "date": date, "dose": 1},
        "vaccinator": {"id": "VAC-0001", "name": "Dr. Asha Patil"},
        "facility": {"id": "MH-MUM-001", "name": "Civil Hospital Mumbai Suburban"}
    })
}

fn entry_of(credential: &Value) -> StatusEntry {
    let status = &credential["credentialStatus"];
    StatusEntry {
        list: status["statusListCredential"].as_str().unwrap().to_owned(),
        index: status["statusListIndex"].as_str().unwrap().parse().unwrap(),
    }
}

/// The bit of `index` in a W3C status list credential
/// (`credentialSubject.encodedList`: multibase base64url of the gzipped
/// bitstring, index 0 the first byte's most significant bit).
fn bit(list: &Value, index: u64) -> bool {
    let encoded = list["credentialSubject"]["encodedList"].as_str().unwrap();
    let gz = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded.strip_prefix('u').unwrap())
        .unwrap();
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut bits)
        .unwrap();
    let byte = bits[usize::try_from(index / 8).unwrap()];
    byte & (0x80 >> (index % 8)) != 0
}

async fn vc2_end_to_end(backend: Backend) {
    // The two services agree on how long a status list may be.
    assert_eq!(
        u64::from(issuer_api::status::MAX_LIST_SIZE),
        key_registry::registry::revocations::MAX_STATUS_LIST_LEN
    );
    let client = Client::new().unwrap();
    let registry = start_registry(backend).await.unwrap();
    let at_registry = |path: &str| format!("{}{path}", registry.service.url);
    let admin = registry.service.admin.clone();

    // Register the issuer; its answer says where its status lists are.
    let registered = client
        .post(
            &at_registry("/v1/admin/issuers"),
            &admin,
            &json!({"id": ISSUER_ID, "did": ISSUER_DID, "name": "Ministry of Health, Demo Republic", "country": "IN"}),
            201,
        )
        .await
        .unwrap();
    let slug = registered["slug"].as_str().unwrap().to_owned();
    let base = registered["status_list_base"].as_str().unwrap().to_owned();
    assert_eq!(base, at_registry(&format!("/v1/status-lists/{slug}/")));

    // The issuer, on the VC 2.0 profile with those lists.
    let issuer = start_issuer_with(backend, &at_registry("/v1/revocations"), |options| {
        let profile = &mut options.config.programme.profile;
        profile.format = CredentialFormat::Vc2;
        profile.suite = SuiteChoice::EddsaRdfc2022;
        profile.status_list_base = Some(base.clone());
    })
    .await
    .unwrap();
    let at_issuer = |path: &str| format!("{}{path}", issuer.service.url);
    let imported = client
        .post(
            &at_registry(&format!("/v1/admin/issuers/{slug}/keys/import")),
            &admin,
            &json!({"url": at_issuer("/.well-known/did.json")}),
            200,
        )
        .await
        .unwrap();
    assert_eq!(imported["added"], json!([format!("{ISSUER_DID}#key-1")]));

    // Certify two; revoke one through the issuer API.
    let answer = client
        .post(
            &at_issuer("/v1/certify"),
            &issuer.service.admin,
            &json!([request("VC2-KEPT"), request("VC2-REVOKED")]),
            200,
        )
        .await
        .unwrap();
    let kept = answer["results"][0]["credential"].clone();
    let revoked = answer["results"][1]["credential"].clone();
    let revoked_id = answer["results"][1]["certificate_id"].as_str().unwrap();
    let (kept_entry, revoked_entry) = (entry_of(&kept), entry_of(&revoked));
    assert_eq!(kept_entry.list, format!("{base}0"));
    assert_eq!((kept_entry.index, revoked_entry.index), (0, 1));
    client
        .post(
            &at_issuer(&format!("/v1/certificates/{revoked_id}/revoke")),
            &issuer.service.admin,
            &json!({"reason": "issued in error"}),
            200,
        )
        .await
        .unwrap();

    // The outbox delivers; the snapshot holds it by its status entry.
    let anchor_pem = client.bytes(&at_registry("/v1/anchor")).await.unwrap();
    let anchor = PublicKey::parse_any(std::str::from_utf8(&anchor_pem).unwrap()).unwrap();
    let by_entry = |entry: &StatusEntry| CertificateRef {
        issuer: ISSUER_ID.into(),
        certificate_id: None,
        status_entry: Some(entry.clone()),
    };
    let started = Instant::now();
    let snapshot = loop {
        let bytes = client.bytes(&at_registry("/v1/revocations")).await.unwrap();
        let mut store = RevocationStore::new();
        store
            .apply_signed(&bytes, std::slice::from_ref(&anchor))
            .unwrap();
        if store.check(&by_entry(&revoked_entry), Timestamp::now()) == RevocationStatus::Revoked {
            assert_eq!(
                store.check(&by_entry(&kept_entry), Timestamp::now()),
                RevocationStatus::Good
            );
            break bytes;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the revocation did not reach the registry"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // In the list's exact set, and nowhere else.
    let list = RevocationList::verify(&snapshot, std::slice::from_ref(&anchor)).unwrap();
    let ours = list.issuers.iter().find(|i| i.issuer == ISSUER_ID).unwrap();
    assert!(ours.revoked_hashes.is_empty(), "nothing in the hashed set");
    assert!(ours.revoked_ids.is_empty());
    assert_eq!(ours.status_lists.len(), 1);
    let (url, set) = &ours.status_lists[0];
    assert_eq!(url, &revoked_entry.list);
    assert_eq!(set.iter().collect::<Vec<_>>(), [revoked_entry.index]);

    // The registry's W3C status list credential for that list.
    let served: Value =
        serde_json::from_slice(&client.bytes(&revoked_entry.list).await.unwrap()).unwrap();
    assert!(bit(&served, revoked_entry.index));
    assert!(!bit(&served, kept_entry.index));

    // The engine, as a phone: revoked, and valid for the other.
    let trust = client.bytes(&at_registry("/v1/trust-list")).await.unwrap();
    let mut verifier = Verifier::with_trust_list(&trust, vec![anchor]).unwrap();
    verifier.load_revocations(&snapshot).unwrap();
    let verdict = verifier.verify_document(&revoked, Timestamp::now());
    assert_eq!(verdict.status, Status::Revoked, "{verdict:?}");
    assert_eq!(verdict.reasons[0].code, ReasonCode::Revoked);
    let verdict = verifier.verify_document(&kept, Timestamp::now());
    assert_eq!(verdict.status, Status::Valid, "{verdict:?}");
    assert!(!verdict.revocation_unknown);

    // The verify command, with the lists as served.
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    };
    let output = std::process::Command::new(verify_binary().unwrap())
        .args([
            "--trust-list",
            &write("trust-list.json", &trust),
            "--anchor",
            &write("anchor.pem", &anchor_pem),
            "--revocations",
            &write("revocations.json", &snapshot),
            "--json",
            &write("revoked.json", revoked.to_string().as_bytes()),
            &write("kept.json", kept.to_string().as_bytes()),
        ])
        .output()
        .unwrap();
    let verdicts: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(verdicts[0]["status"], "revoked", "{verdicts:?}");
    assert_eq!(verdicts[1]["status"], "valid", "{verdicts:?}");
    assert_eq!(verdicts[1]["revocation_unknown"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vc2_end_to_end_on_sqlite() {
    vc2_end_to_end(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vc2_end_to_end_on_postgres() {
    if pg_skipped().unwrap() {
        return;
    }
    vc2_end_to_end(Backend::Postgres).await;
}
