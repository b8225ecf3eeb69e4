//! The key registry end to end, on SQLite and on PostgreSQL: register the
//! issuer, import its keys from its `did:web` document, certify, revoke
//! through the issuer API, let its outbox deliver, and see the registry's
//! snapshot and delta hold the revocation and the engine and the `verify`
//! command say `revoked`; then key rotation, key compromise, lists that
//! were tampered with, rolled back or signed by the wrong key, and a
//! two-dose rules list for a dose-1 certificate.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::time::{Duration, Instant};

use credential::{
    CertificateRef, PrivateKey, PublicKey, RevocationError, RevocationStatus, RevocationStore,
    TrustList, TrustListError,
};
use jiff::Timestamp;
use serde_json::{Value, json};
use system_tests::{
    Backend, Client, Issuer, Registry, pg_skipped, start_issuer, start_registry, verify_binary,
};
use verifier_wasm::rules::RulesStatus;
use verifier_wasm::{Error, ReasonCode, Status, Verifier};

/// What the demo programme's credentials carry in `issuer`, and its DID.
const ISSUER_ID: &str = "https://issuer.demo.example.org/";
const ISSUER_DID: &str = "did:web:issuer.demo.example.org";

/// One valid certification request of the demo programme, dose `dose` of 2,
/// given `days_ago` days before now.
fn request(code: &str, dose: u32, days_ago: i64) -> Value {
    let date = Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * days_ago))
        .unwrap()
        .strftime("%Y-%m-%d")
        .to_string();
    json!({
        "preEnrollmentCode": code,
        "recipient": {
            "name": "Test Person", "dob": "1980-01-15", "gender": "Female", "nationality": "Indian",
            "identity": format!("did:in.gov.test:{code}"), "contact": ["tel:+91 98765 43210"],
            "address": {"addressLine1": "1 Road", "district": "Mumbai Suburban", "city": "Mumbai", "state": "Maharashtra", "pincode": "400050"}
        },
        "vaccination": {"name": "COVISHIELD", "batch": "B1", "manufacturer": "Serum Institute of India",
                        "date": date, "dose": dose, "totalDoses": 2},
        "vaccinator": {"id": "VAC-0001", "name": "Dr. Asha Patil"},
        "facility": {"id": "MH-MUM-001", "name": "Civil Hospital Mumbai Suburban"}
    })
}

struct System {
    client: Client,
    registry: Registry,
    issuer: Issuer,
    dir: tempfile::TempDir,
}

impl System {
    async fn start(backend: Backend) -> Self {
        let registry = start_registry(backend).await.unwrap();
        let issuer = start_issuer(backend, &format!("{}/v1/revocations", registry.service.url))
            .await
            .unwrap();
        Self {
            client: Client::new().unwrap(),
            registry,
            issuer,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn registry(&self, path: &str) -> String {
        format!("{}{path}", self.registry.service.url)
    }

    fn issuer(&self, path: &str) -> String {
        format!("{}{path}", self.issuer.service.url)
    }

    async fn registry_admin(&self, path: &str, body: &Value, expected: u16) -> Value {
        self.client
            .post(
                &self.registry(path),
                &self.registry.service.admin,
                body,
                expected,
            )
            .await
            .unwrap()
    }

    /// Certify one request; its certificate id and signed credential.
    async fn certify(&self, request: Value) -> (String, Value) {
        let answer = self
            .client
            .post(
                &self.issuer("/v1/certify"),
                &self.issuer.service.admin,
                &json!([request]),
                200,
            )
            .await
            .unwrap();
        let result = &answer["results"][0];
        assert_eq!(result["result"], "issued", "{answer}");
        (
            result["certificate_id"].as_str().unwrap().to_owned(),
            result["credential"].clone(),
        )
    }

    async fn anchor(&self) -> PublicKey {
        let pem = self
            .client
            .bytes(&self.registry("/v1/anchor"))
            .await
            .unwrap();
        PublicKey::parse_any(std::str::from_utf8(&pem).unwrap()).unwrap()
    }

    /// A verifier as a phone builds it: the served trust list checked
    /// against the served anchor, the revocation snapshot, the rules.
    async fn verifier(&self) -> Verifier {
        let anchor = self.anchor().await;
        let trust = self
            .client
            .bytes(&self.registry("/v1/trust-list"))
            .await
            .unwrap();
        let mut verifier = Verifier::with_trust_list(&trust, vec![anchor]).unwrap();
        let revocations = self
            .client
            .bytes(&self.registry("/v1/revocations"))
            .await
            .unwrap();
        verifier.load_revocations(&revocations).unwrap();
        verifier
    }

    /// Wait until the registry's revocation list says `expected` for `id`;
    /// the snapshot's version and bytes.
    async fn wait_for(&self, id: &str, expected: RevocationStatus) -> (u64, Vec<u8>) {
        let anchor = self.anchor().await;
        let started = Instant::now();
        loop {
            let bytes = self
                .client
                .bytes(&self.registry("/v1/revocations"))
                .await
                .unwrap();
            let mut store = RevocationStore::new();
            store
                .apply_signed(&bytes, std::slice::from_ref(&anchor))
                .unwrap();
            let cert = CertificateRef {
                issuer: ISSUER_ID.into(),
                certificate_id: Some(id.into()),
                status_entry: None,
            };
            let status = store.check(&cert, Timestamp::now());
            if status == expected {
                return (store.version().unwrap(), bytes);
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{id}: still {status:?} after 30 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    }

    /// Run `verify --json` with the served lists; (exit code, verdicts, stderr).
    async fn verify_cli(&self, inputs: &[&str], rules: Option<&[u8]>) -> (i32, Vec<Value>, String) {
        let trust = self.write(
            "trust-list.json",
            &self
                .client
                .bytes(&self.registry("/v1/trust-list"))
                .await
                .unwrap(),
        );
        let anchor = self.write(
            "anchor.pem",
            &self
                .client
                .bytes(&self.registry("/v1/anchor"))
                .await
                .unwrap(),
        );
        let revocations = self.write(
            "revocations.json",
            &self
                .client
                .bytes(&self.registry("/v1/revocations"))
                .await
                .unwrap(),
        );
        let mut command = std::process::Command::new(verify_binary().unwrap());
        command.args([
            "--trust-list",
            &trust,
            "--anchor",
            &anchor,
            "--revocations",
            &revocations,
            "--json",
        ]);
        if let Some(rules) = rules {
            command.args(["--rules", &self.write("rules.json", rules)]);
        }
        let output = command.args(inputs).output().unwrap();
        let verdicts = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (
            output.status.code().unwrap_or(-1),
            verdicts,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

async fn registry_end_to_end(backend: Backend) {
    let s = System::start(backend).await;
    let now = || Timestamp::now();

    // Register the issuer and import its keys from its did:web document.
    let issuer = s
        .registry_admin(
            "/v1/admin/issuers",
            &json!({"id": ISSUER_ID, "did": ISSUER_DID, "name": "Ministry of Health, Demo Republic", "country": "IN"}),
            201,
        )
        .await;
    let slug = issuer["slug"].as_str().unwrap().to_owned();
    let imported = s
        .registry_admin(
            &format!("/v1/admin/issuers/{slug}/keys/import"),
            &json!({"url": s.issuer("/.well-known/did.json")}),
            200,
        )
        .await;
    assert_eq!(imported["added"], json!([format!("{ISSUER_DID}#key-1")]));

    // Certify, then revoke one through the issuer API.
    let (kept_id, kept) = s.certify(request("E2E-KEPT", 1, 30)).await;
    let (revoked_id, revoked) = s.certify(request("E2E-REVOKED", 1, 30)).await;
    let (before, snapshot_before) = s.wait_for(&revoked_id, RevocationStatus::Good).await;
    s.client
        .post(
            &s.issuer(&format!("/v1/certificates/{revoked_id}/revoke")),
            &s.issuer.service.admin,
            &json!({"reason": "issued in error"}),
            200,
        )
        .await
        .unwrap();
    // The outbox delivers; the snapshot holds it ...
    let (version, snapshot) = s.wait_for(&revoked_id, RevocationStatus::Revoked).await;
    assert!(version > before);
    let anchor = s.anchor().await;
    let mut fresh = RevocationStore::new();
    fresh
        .apply_signed(&snapshot, std::slice::from_ref(&anchor))
        .unwrap();
    // ... and so does the delta for a phone that synced before the revocation.
    let mut phone = RevocationStore::new();
    phone
        .apply_signed(&snapshot_before, std::slice::from_ref(&anchor))
        .unwrap();
    let delta = s
        .client
        .bytes(&s.registry(&format!("/v1/revocations?since={before}")))
        .await
        .unwrap();
    let parsed = credential::RevocationList::verify(&delta, std::slice::from_ref(&anchor)).unwrap();
    assert_eq!(parsed.since, Some(before));
    assert!(
        delta.len() < 1_000,
        "a one-revocation delta is small: {} bytes",
        delta.len()
    );
    phone
        .apply_signed(&delta, std::slice::from_ref(&anchor))
        .unwrap();
    assert_eq!(phone.version(), fresh.version());
    let cert = |id: &str| CertificateRef {
        issuer: ISSUER_ID.into(),
        certificate_id: Some(id.into()),
        status_entry: None,
    };
    for store in [&phone, &fresh] {
        assert_eq!(
            store.check(&cert(&revoked_id), now()),
            RevocationStatus::Revoked
        );
        assert_eq!(store.check(&cert(&kept_id), now()), RevocationStatus::Good);
    }

    // The engine says revoked (and valid for the other).
    let verifier = s.verifier().await;
    let verdict = verifier.verify_document(&revoked, now());
    assert_eq!(verdict.status, Status::Revoked, "{verdict:?}");
    assert_eq!(verdict.reasons[0].code, ReasonCode::Revoked);
    let verdict = verifier.verify_document(&kept, now());
    assert_eq!(verdict.status, Status::Valid, "{verdict:?}");
    assert!(!verdict.revocation_unknown);

    // Rules: two doses required; the dose-1 certificate is valid, rules not met.
    let published = s
        .client
        .call(reqwest::Method::PUT, &s.registry("/v1/admin/rules/IN"), Some(&s.registry.service.admin),
            Some(&json!({"name": "Demo Republic, entry", "rules": [
                {"id": "two-doses", "text": "At least two doses", "require": {"minDoses": 2}},
                {"id": "recent", "text": "Last dose within 270 days", "require": {"maxDaysSinceLastDose": 270}}
            ]})))
        .await
        .unwrap();
    assert_eq!(published.0, 200, "{}", published.1);
    let rules = s.client.bytes(&s.registry("/v1/rules/IN")).await.unwrap();
    let mut with_rules = s.verifier().await;
    with_rules.set_rules(&rules).unwrap();
    let verdict = with_rules.verify_document(&kept, now());
    assert_eq!(verdict.status, Status::Valid);
    let outcome = verdict.rules.unwrap();
    assert_eq!(outcome.status, RulesStatus::NotMet);
    assert_eq!(outcome.failed.len(), 1);
    assert_eq!(outcome.failed[0].id, "two-doses");

    // The verify command, with the lists as served.
    let kept_file = s.write("kept.json", kept.to_string().as_bytes());
    let revoked_file = s.write("revoked.json", revoked.to_string().as_bytes());
    let (code, verdicts, stderr) = s
        .verify_cli(&[&revoked_file, &kept_file], Some(&rules))
        .await;
    assert_eq!(code, 1, "not every input is valid: {stderr}");
    assert_eq!(verdicts[0]["status"], "revoked", "{verdicts:?}");
    assert!(verdicts[0].get("rules").is_none_or(Value::is_null));
    assert_eq!(verdicts[1]["status"], "valid", "{verdicts:?}");
    assert_eq!(verdicts[1]["revocation_unknown"], false);
    assert_eq!(verdicts[1]["rules"]["status"], "not_met");
    assert_eq!(verdicts[1]["rules"]["failed"][0]["id"], "two-doses");

    // Rotation: a new issuer key signs from as soon as the issuer allows
    // (every instance must hold it first: two of its refresh intervals);
    // the old one retires then. Old certificates stay valid under the
    // retired key, new ones under the new.
    let rotated = s
        .client
        .post(
            &s.issuer("/v1/admin/keys/rotate"),
            &s.issuer.service.admin,
            &json!({"at": now().to_string()}),
            201,
        )
        .await
        .unwrap();
    let from: Timestamp = rotated["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == format!("{ISSUER_DID}#key-2"))
        .unwrap()["valid_from"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let wait = now().duration_until(from).unsigned_abs() + Duration::from_millis(50);
    assert!(wait < Duration::from_secs(10), "rotation due in {wait:?}");
    tokio::time::sleep(wait).await;
    let (_, after_rotation) = s.certify(request("E2E-NEWKEY", 1, 30)).await;
    assert_eq!(
        after_rotation["proof"]["verificationMethod"],
        format!("{ISSUER_DID}#key-2")
    );
    // Before the registry knows key-2: unknown issuer key.
    assert_eq!(
        s.verifier()
            .await
            .verify_document(&after_rotation, now())
            .status,
        Status::UnknownIssuer
    );
    // The issuer's key listing gives both windows.
    let imported = s
        .registry_admin(
            &format!("/v1/admin/issuers/{slug}/keys/import"),
            &json!({"url": s.issuer("/v1/keys")}),
            200,
        )
        .await;
    assert_eq!(
        imported["added"],
        json!([format!("{ISSUER_DID}#key-2")]),
        "{imported}"
    );
    assert_eq!(
        imported["updated"],
        json!([format!("{ISSUER_DID}#key-1")]),
        "{imported}"
    );
    let verifier = s.verifier().await;
    let list = verifier.trust_list().unwrap();
    let (_, key1) = list.find_key(&format!("{ISSUER_DID}#key-1")).unwrap();
    assert_eq!(key1.status, credential::KeyStatus::Retired);
    assert!(key1.valid_until.is_some());
    assert_eq!(verifier.verify_document(&kept, now()).status, Status::Valid);
    assert_eq!(
        verifier.verify_document(&after_rotation, now()).status,
        Status::Valid
    );

    // Compromise: key-2 leaked from a moment; what it signed before stays
    // valid, what it signed after is invalid.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let leaked_at = now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (_, after_leak) = s.certify(request("E2E-AFTERLEAK", 1, 30)).await;
    s.registry_admin(
        &format!("/v1/admin/issuers/{slug}/keys/compromise"),
        &json!({"kid": format!("{ISSUER_DID}#key-2"), "since": leaked_at.to_string()}),
        200,
    )
    .await;
    let verifier = s.verifier().await;
    assert_eq!(
        verifier.verify_document(&after_rotation, now()).status,
        Status::Valid
    );
    let verdict = verifier.verify_document(&after_leak, now());
    assert_eq!(verdict.status, Status::Invalid);
    assert_eq!(verdict.reasons[0].code, ReasonCode::KeyCompromised);

    // Lists that were tampered with, rolled back or signed by another key
    // are refused, each with its reason. The lists as served now, then
    // superseded (registering another issuer publishes both again).
    let old_trust = s.client.bytes(&s.registry("/v1/trust-list")).await.unwrap();
    let old_revocations = s
        .client
        .bytes(&s.registry("/v1/revocations"))
        .await
        .unwrap();
    s.registry_admin(
        "/v1/admin/issuers",
        &json!({"id": "https://other.example.org/", "name": "Other", "country": "LK"}),
        201,
    )
    .await;
    let mut phone = s.verifier().await;
    assert!(matches!(
        phone.update_trust_list(&old_trust),
        Err(Error::TrustList(TrustListError::Rollback { .. }))
    ));
    assert!(matches!(
        phone.load_revocations(&old_revocations),
        Err(Error::Revocation(RevocationError::Rollback { .. }))
    ));
    let trust = s.client.bytes(&s.registry("/v1/trust-list")).await.unwrap();
    let tampered = String::from_utf8(trust.clone())
        .unwrap()
        .replace("Demo Republic", "Demo Kingdom");
    assert_ne!(tampered.as_bytes(), trust.as_slice());
    assert!(matches!(
        phone.update_trust_list(tampered.as_bytes()),
        Err(Error::TrustList(TrustListError::BadSignature))
    ));
    let revocations = s
        .client
        .bytes(&s.registry("/v1/revocations"))
        .await
        .unwrap();
    let tampered_revocations = String::from_utf8(revocations)
        .unwrap()
        .replace(ISSUER_ID, "https://issuer.demo.example.net/");
    assert!(matches!(
        phone.load_revocations(tampered_revocations.as_bytes()),
        Err(Error::Revocation(RevocationError::BadSignature))
    ));
    let stranger = PrivateKey::from_ed25519_seed(&[0x5a; 32]);
    let current = TrustList::verify(&trust, std::slice::from_ref(&anchor), None).unwrap();
    let forged = current.sign(&stranger).unwrap();
    assert!(matches!(
        phone.update_trust_list(&forged),
        Err(Error::TrustList(TrustListError::UnknownAnchor { .. }))
    ));
    // What the phone held is untouched by every refusal.
    assert_eq!(phone.trust_list().unwrap().version, current.version);
    assert_eq!(
        phone.verify_document(&revoked, now()).status,
        Status::Revoked
    );
    // The verify command says why, and does not verify with such a list.
    let bad = s.write("tampered-trust-list.json", tampered.as_bytes());
    let anchor_file = s.write(
        "anchor.pem",
        &s.client.bytes(&s.registry("/v1/anchor")).await.unwrap(),
    );
    let output = std::process::Command::new(verify_binary().unwrap())
        .args(["--trust-list", &bad, "--anchor", &anchor_file, &kept_file])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("trust list signature is invalid"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_end_to_end_on_sqlite() {
    registry_end_to_end(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_end_to_end_on_postgres() {
    if pg_skipped().unwrap() {
        return;
    }
    registry_end_to_end(Backend::Postgres).await;
}
