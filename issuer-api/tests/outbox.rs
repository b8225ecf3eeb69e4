//! Outbox delivery against a local test receiver: webhook HMAC signatures,
//! registry JWS signatures, retry with backoff through an outage, order
//! per certificate, corrections, and nothing lost across a restart.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: helpers outside #[test] functions too; a failed unwrap is a failed test"
)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Backend, TestApp, request};
use ed25519_dalek::Verifier as _;
use serde_json::{Value, json};

/// What the receiver saw.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<Received>>>,
    /// While true, every request is answered 503.
    down: Arc<Mutex<bool>>,
    /// Requests refused so far.
    refused: Arc<Mutex<usize>>,
}

async fn receive(
    State(r): State<Receiver>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if *r.down.lock().unwrap() {
        *r.refused.lock().unwrap() += 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    r.seen.lock().unwrap().push(Received {
        path: uri.path().to_owned(),
        headers,
        body,
    });
    StatusCode::NO_CONTENT
}

impl Receiver {
    async fn start() -> (Self, String) {
        let r = Self::default();
        let app = Router::new()
            .route("/hook", post(receive))
            .route("/registry", post(receive))
            .with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, format!("http://{addr}"))
    }

    fn at(&self, path: &str) -> Vec<Received> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Wait until `path` has received `n` requests (bounded: 15 s).
    async fn wait_for(&self, path: &str, n: usize) -> Vec<Received> {
        for _ in 0..300 {
            let got = self.at(path);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{path} received {} of {n} requests", self.at(path).len());
    }
}

const SECRET: &str = "webhook-secret-for-tests";

fn config(base: &str) -> issuer_api::ConfigFile {
    let text = common::DEMO
        .replace("retry_base_ms = 1000", "retry_base_ms = 50\npoll_interval_ms = 50")
        .replace("retry_max_ms = 3600000", "retry_max_ms = 200")
        .replace("# [registry]\n# url = \"http://127.0.0.1:8081/v1/revocations\"", &format!("[registry]\nurl = \"{base}/registry\""))
        .replace(
            "# [[webhooks]]\n# name = \"sms-gateway\"\n# url = \"http://127.0.0.1:9000/hooks/certificates\"\n# secret_env = \"SMS_GATEWAY_SECRET\"",
            &format!("[[webhooks]]\nname = \"sms-gateway\"\nurl = \"{base}/hook\"\nsecret = \"{SECRET}\""),
        );
    issuer_api::ConfigFile::parse(&text).unwrap()
}

fn start_worker(t: &TestApp) -> tokio::sync::watch::Sender<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    issuer_api::spawn_background(&t.state, rx);
    tx
}

fn json_of(r: &Received) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

/// Check a registry push's detached JWS with the key from `/v1/keys`.
async fn check_jws(t: &TestApp, r: &Received) {
    let jws = r.headers["x-jws-signature"].to_str().unwrap();
    let (header_b64, signature_b64) = jws.split_once("..").expect("detached JWS");
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header_b64).unwrap()).unwrap();
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["b64"], false);
    let (_, keys) = t.call(Method::GET, "/v1/keys", None, None).await;
    let key = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == header["kid"])
        .expect("kid is published");
    let public: [u8; 32] = URL_SAFE_NO_PAD
        .decode(key["public_key_jwk"]["x"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let public = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
    let signature =
        ed25519_dalek::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature_b64).unwrap())
            .unwrap();
    let mut input = format!("{header_b64}.").into_bytes();
    input.extend_from_slice(&r.body);
    public
        .verify(&input, &signature)
        .expect("registry body signature");
    // The body is its own JCS form.
    let canonical = credential::jcs_canonicalize(&json_of(r)).unwrap();
    assert_eq!(canonical.as_bytes(), &r.body[..]);
    // Tampering breaks it.
    let mut tampered = input.clone();
    let last = tampered.len() - 2;
    tampered[last] ^= 1;
    assert!(public.verify(&tampered, &signature).is_err());
}

async fn webhooks_and_registry_are_signed_and_retried(backend: Backend) {
    let (receiver, base) = Receiver::start().await;
    let t = TestApp::with_config(backend, config(&base)).await;
    let _stop = start_worker(&t);
    *receiver.down.lock().unwrap() = true;

    let (_, body) = t
        .certify(
            &t.admin,
            &json!([request("HOOK-1", 1, "2021-05-01T10:00:00.000Z")]),
        )
        .await;
    let id = body["results"][0]["certificate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = t
        .post(
            &format!("/v1/certificates/{id}/revoke"),
            &t.admin,
            &json!({"reason": "issued in error"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Outage: attempts are refused and retried with backoff; nothing is lost.
    for _ in 0..100 {
        if *receiver.refused.lock().unwrap() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(*receiver.refused.lock().unwrap() >= 4);
    let (_, backlog) = t.get("/v1/admin/outbox", &t.admin).await;
    assert_eq!(
        backlog["pending"],
        json!([["registry", 1], ["webhook:sms-gateway", 2]])
    );
    *receiver.down.lock().unwrap() = false;

    let hooks = receiver.wait_for("/hook", 2).await;
    let registry = receiver.wait_for("/registry", 1).await;

    // Webhooks: issued (with the credential), then revoked, HMAC-signed.
    let events: Vec<Value> = hooks.iter().map(json_of).collect();
    assert_eq!(events[0]["event"], "issued");
    assert_eq!(events[0]["certificate_id"], id.as_str());
    assert_eq!(
        events[0]["credential"]["evidence"][0]["certificateId"],
        id.as_str()
    );
    assert_eq!(events[0]["recipient"]["phone"], "919876543210");
    assert_eq!(events[1]["event"], "revoked");
    assert_eq!(events[1]["reason"], "issued in error");
    assert!(events[0]["sequence"].as_i64() < events[1]["sequence"].as_i64());
    for hook in &hooks {
        let timestamp: i64 = hook.headers["x-webhook-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((jiff::Timestamp::now().as_second() - timestamp).abs() < 60);
        let expected =
            issuer_api::outbox::webhook_signature(SECRET.as_bytes(), timestamp, &hook.body);
        assert_eq!(
            hook.headers["x-signature"].to_str().unwrap(),
            format!("sha256={expected}")
        );
        assert_ne!(
            expected,
            issuer_api::outbox::webhook_signature(b"another secret", timestamp, &hook.body)
        );
        assert_eq!(
            hook.headers["x-webhook-id"].to_str().unwrap(),
            json_of(hook)["event_id"].as_str().unwrap()
        );
    }

    // Registry: the revocation, signed with the issuer's key.
    let event = json_of(&registry[0]);
    assert_eq!(event["type"], "certificate.status");
    assert_eq!(event["certificate_id"], id.as_str());
    assert_eq!(event["status"], "revoked");
    assert_eq!(event["issuer"], "did:web:issuer.demo.example.org");
    check_jws(&t, &registry[0]).await;

    // Delivered events are done: the backlog is empty and nothing repeats.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, backlog) = t.get("/v1/admin/outbox", &t.admin).await;
    assert_eq!(backlog["pending"], json!([]));
    assert_eq!(receiver.at("/registry").len(), 1);
}

async fn events_of_one_certificate_arrive_in_order(backend: Backend) {
    let (receiver, base) = Receiver::start().await;
    let t = TestApp::with_config(backend, config(&base)).await;
    *receiver.down.lock().unwrap() = true;
    let _stop = start_worker(&t);
    let (_, body) = t
        .certify(
            &t.admin,
            &json!([
                request("ORD-1", 1, "2021-05-01T10:00:00.000Z"),
                request("ORD-2", 1, "2021-05-01T10:00:00.000Z")
            ]),
        )
        .await;
    let a = body["results"][0]["certificate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = body["results"][1]["certificate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (path, payload) in [
        ("suspend", json!({"until": "2999-01-01", "reason": "check"})),
        (
            "suspend",
            json!({"until": "2999-06-01", "reason": "longer check"}),
        ),
    ] {
        t.post(&format!("/v1/certificates/{a}/{path}"), &t.admin, &payload)
            .await;
    }
    t.call(
        Method::DELETE,
        &format!("/v1/certificates/{a}/suspension"),
        Some(&t.admin),
        None,
    )
    .await;
    t.post(
        &format!("/v1/certificates/{b}/revoke"),
        &t.admin,
        &json!({"reason": "x"}),
    )
    .await;
    t.post(
        &format!("/v1/certificates/{a}/revoke"),
        &t.admin,
        &json!({"reason": "final"}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    *receiver.down.lock().unwrap() = false;
    let registry = receiver.wait_for("/registry", 5).await;
    let of_a: Vec<(String, Option<String>)> = registry
        .iter()
        .map(json_of)
        .filter(|e| e["certificate_id"] == a.as_str())
        .map(|e| {
            (
                e["status"].as_str().unwrap().to_owned(),
                e["suspended_until"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        of_a,
        [
            ("suspended".to_owned(), Some("2999-01-01".to_owned())),
            ("suspended".to_owned(), Some("2999-06-01".to_owned())),
            ("active".to_owned(), None),
            ("revoked".to_owned(), None),
        ]
    );
    let sequences: Vec<i64> = registry
        .iter()
        .map(json_of)
        .filter(|e| e["certificate_id"] == a.as_str())
        .map(|e| e["sequence"].as_i64().unwrap())
        .collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
}

async fn pending_events_survive_a_restart(backend: Backend) {
    let (receiver, base) = Receiver::start().await;
    let t = TestApp::with_config(backend, config(&base)).await;
    // No worker: the registry push waits in the outbox.
    let (_, body) = t
        .certify(
            &t.admin,
            &json!([request("RST-1", 1, "2021-05-01T10:00:00.000Z")]),
        )
        .await;
    let id = body["results"][0]["certificate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.post(
        &format!("/v1/certificates/{id}/revoke"),
        &t.admin,
        &json!({"reason": "x"}),
    )
    .await;
    assert!(receiver.at("/registry").is_empty());
    let t = t.restart(config(&base)).await;
    let _stop = start_worker(&t);
    let registry = receiver.wait_for("/registry", 1).await;
    assert_eq!(json_of(&registry[0])["certificate_id"], id.as_str());
    check_jws(&t, &registry[0]).await;
}

async fn a_correction_notifies_the_webhook_and_revokes_at_the_registry(backend: Backend) {
    let (receiver, base) = Receiver::start().await;
    let t = TestApp::with_config(backend, config(&base)).await;
    let _stop = start_worker(&t);
    let (_, body) = t
        .certify(
            &t.admin,
            &json!([request("FIX-1", 1, "2021-05-01T10:00:00.000Z")]),
        )
        .await;
    let old = body["results"][0]["certificate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut fixed = request("FIX-1", 1, "2021-05-01T10:00:00.000Z");
    fixed["recipient"]["name"] = json!("Test Persson");
    let (status, body) = t
        .call(
            Method::PUT,
            &format!("/v1/certificates/{old}"),
            Some(&t.admin),
            Some(&fixed),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let new = body["certificate"]["certificate_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The webhook hears of the issue, then of the correction: the new
    // certificate with its credential, naming the one it replaces.
    // (About two certificates, so they may be delivered concurrently: in
    // sequence order here.)
    let hooks = receiver.wait_for("/hook", 2).await;
    let mut events: Vec<Value> = hooks.iter().map(json_of).collect();
    events.sort_by_key(|e| e["sequence"].as_i64());
    assert_eq!(events[0]["event"], "issued");
    assert_eq!(events[0]["certificate_id"], old.as_str());
    assert_eq!(events[1]["event"], "corrected");
    assert_eq!(events[1]["certificate_id"], new.as_str());
    assert_eq!(events[1]["replaces"], old.as_str());
    assert_eq!(events[1]["status"], "active");
    assert_eq!(events[1]["recipient"]["name"], "Test Persson");
    assert_eq!(
        events[1]["credential"]["credentialSubject"]["name"],
        "Test Persson"
    );
    for hook in &hooks {
        let timestamp: i64 = hook.headers["x-webhook-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let expected =
            issuer_api::outbox::webhook_signature(SECRET.as_bytes(), timestamp, &hook.body);
        assert_eq!(
            hook.headers["x-signature"].to_str().unwrap(),
            format!("sha256={expected}")
        );
    }

    // The registry hears that the old one is revoked, replaced by the new.
    let registry = receiver.wait_for("/registry", 1).await;
    let event = json_of(&registry[0]);
    assert_eq!(event["certificate_id"], old.as_str());
    assert_eq!(event["status"], "revoked");
    assert_eq!(event["reason"], "corrected");
    assert_eq!(event["replaced_by"], new.as_str());
    check_jws(&t, &registry[0]).await;
}

both_backends!(
    webhooks_and_registry_are_signed_and_retried,
    events_of_one_certificate_arrive_in_order,
    pending_events_survive_a_restart,
    a_correction_notifies_the_webhook_and_revokes_at_the_registry,
);
