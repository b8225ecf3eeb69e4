//! Outbox dead letters: events their receiver refuses for good, or that
//! keep failing, leave the delivery window (so they cannot stall later
//! events), are listed, counted, audited and retried by an admin; events
//! about the same certificate wait behind a dead one, in order.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: helpers outside #[test] functions too; a failed unwrap is a failed test"
)]

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::routing::post;
use common::{Backend, TestApp, request};
use issuer_api::auth::Role;
use serde_json::{Value, json};

/// How the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// 204: taken.
    Accept,
    /// 422: refused for good.
    Refuse,
    /// 503: down for now.
    Down,
}

#[derive(Clone)]
struct Receiver {
    mode: Arc<Mutex<Mode>>,
    /// Events taken, in arrival order.
    taken: Arc<Mutex<Vec<Value>>>,
    /// Requests answered with an error.
    refused: Arc<Mutex<usize>>,
}

async fn receive(State(r): State<Receiver>, body: Bytes) -> StatusCode {
    let mode = *r.mode.lock().unwrap();
    match mode {
        Mode::Accept => {
            r.taken
                .lock()
                .unwrap()
                .push(serde_json::from_slice(&body).unwrap());
            StatusCode::NO_CONTENT
        }
        Mode::Refuse | Mode::Down => {
            *r.refused.lock().unwrap() += 1;
            if mode == Mode::Refuse {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }
}

impl Receiver {
    async fn start(mode: Mode) -> (Self, String) {
        let r = Self {
            mode: Arc::new(Mutex::new(mode)),
            taken: Arc::default(),
            refused: Arc::default(),
        };
        let app = Router::new()
            .route("/registry", post(receive))
            .with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, format!("http://{addr}"))
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    fn taken(&self) -> Vec<Value> {
        self.taken.lock().unwrap().clone()
    }

    /// Wait until an event about `id` with `status` was taken (bounded: 30 s).
    async fn wait_for(&self, id: &str, status: &str) {
        for _ in 0..600 {
            if self
                .taken()
                .iter()
                .any(|e| e["certificate_id"] == id && e["status"] == status)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no {status} event for {id}: {:?}", self.taken());
    }
}

/// The demo programme, pushing to the test registry; three attempts at most.
fn config(base: &str) -> issuer_api::ConfigFile {
    let text = common::DEMO
        .replace(
            "retry_base_ms = 1000",
            "retry_base_ms = 20\npoll_interval_ms = 20",
        )
        .replace("retry_max_ms = 3600000", "retry_max_ms = 40")
        .replace("max_attempts = 48", "max_attempts = 3")
        .replace(
            "# [registry]\n# url = \"http://127.0.0.1:8081/v1/revocations\"",
            &format!("[registry]\nurl = \"{base}/registry\""),
        );
    let config = issuer_api::ConfigFile::parse(&text).unwrap();
    assert_eq!(config.outbox.max_attempts, 3);
    config
}

fn start_worker(t: &TestApp) -> tokio::sync::watch::Sender<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    issuer_api::spawn_background(&t.state, rx);
    tx
}

/// Certify one certificate per code; their ids.
async fn certify(t: &TestApp, codes: &[String]) -> Vec<String> {
    let batch: Vec<Value> = codes
        .iter()
        .map(|c| request(c, 1, "2021-05-01T10:00:00.000Z"))
        .collect();
    let (status, body) = t.certify(&t.admin, &json!(batch)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["certificate_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn revoke(t: &TestApp, id: &str) {
    let (status, body) = t
        .post(
            &format!("/v1/certificates/{id}/revoke"),
            &t.admin,
            &json!({"reason": "issued in error"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Wait until the backlog reads `dead` dead and `pending` pending registry
/// events (bounded: 60 s).
async fn wait_backlog(t: &TestApp, dead: i64, pending: i64) {
    let want = |n: i64| {
        if n == 0 {
            json!([])
        } else {
            json!([["registry", n]])
        }
    };
    let mut last = Value::Null;
    for _ in 0..1200 {
        let (_, backlog) = t.get("/v1/admin/outbox", &t.admin).await;
        if backlog["dead"] == want(dead) && backlog["pending"] == want(pending) {
            return;
        }
        last = backlog;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("backlog never reached {dead} dead, {pending} pending: {last}");
}

async fn permanent_refusals_do_not_stall_later_events(backend: Backend) {
    let (receiver, base) = Receiver::start(Mode::Refuse).await;
    let t = TestApp::with_config(backend, config(&base)).await;
    let _stop = start_worker(&t);
    let codes: Vec<String> = (0..301).map(|i| format!("DEAD-{i:04}")).collect();
    let ids = certify(&t, &codes).await;
    let (refused, last) = ids.split_at(300);
    for id in refused {
        revoke(&t, id).await;
    }
    // Each is refused once (422 is permanent) and dead: more than the
    // worker's window of 256.
    wait_backlog(&t, 300, 0).await;
    assert_eq!(*receiver.refused.lock().unwrap(), 300);

    // The receiver takes events again: a later revocation goes through.
    receiver.set(Mode::Accept);
    revoke(&t, &last[0]).await;
    receiver.wait_for(&last[0], "revoked").await;
    assert_eq!(
        receiver.taken().len(),
        1,
        "dead events are not retried on their own"
    );

    // Listed, oldest first, paged.
    let (status, page) = t.get("/v1/admin/outbox/dead?limit=1000", &t.admin).await;
    assert_eq!(status, StatusCode::OK);
    let events = page["events"].as_array().unwrap();
    assert_eq!(events.len(), 300);
    let listed: HashSet<&str> = events
        .iter()
        .map(|e| e["certificate_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, refused.iter().map(String::as_str).collect());
    for e in events {
        assert_eq!(e["target"], "registry");
        assert_eq!(e["event"], "revoked");
        assert_eq!(e["attempts"], 1);
        assert_eq!(e["last_error"], "receiver answered 422");
        assert_eq!(e["held"], 0);
        assert!(e.get("body").is_none());
    }
    let (_, first) = t.get("/v1/admin/outbox/dead?limit=100", &t.admin).await;
    let first = first["events"].as_array().unwrap().clone();
    assert_eq!(first.len(), 100);
    let after = first[99]["id"].as_i64().unwrap();
    let (_, second) = t
        .get(
            &format!("/v1/admin/outbox/dead?limit=100&after={after}"),
            &t.admin,
        )
        .await;
    assert_eq!(second["events"][0]["id"], events[100]["id"]);

    // Counted.
    let (_, _, metrics) = t.call_raw(Method::GET, "/metrics", None, None, &[]).await;
    let metrics = String::from_utf8(metrics).unwrap();
    assert!(
        metrics.contains("issuer_outbox_dead{target=\"registry\"} 300"),
        "{metrics}"
    );

    // Retried by an admin: delivered, audited, no longer dead.
    let dead_id = events[7]["id"].as_i64().unwrap();
    let cert = events[7]["certificate_id"].as_str().unwrap().to_owned();
    let (status, answer) = t
        .post(
            &format!("/v1/admin/outbox/dead/{dead_id}/retry"),
            &t.admin,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer,
        json!({"target": "registry", "certificate_id": cert, "revived": 1})
    );
    receiver.wait_for(&cert, "revoked").await;
    wait_backlog(&t, 299, 0).await;
    let (_, audit) = t.get(&format!("/v1/audit?subject={cert}"), &t.admin).await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"outbox_dead"), "{actions:?}");
    assert!(actions.contains(&"outbox_retry"), "{actions:?}");

    // Refusals: a delivered event, an unknown or malformed id, the wrong role.
    for bad in [
        dead_id.to_string(),
        "999999999".to_owned(),
        "x1".to_owned(),
        "-1".to_owned(),
    ] {
        let (status, body) = t
            .post(
                &format!("/v1/admin/outbox/dead/{bad}/retry"),
                &t.admin,
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let auditor = t.token(Role::Auditor, &[]).await;
    let certifier = t.token(Role::Certifier, &["MH-MUM-001"]).await;
    let other = events[8]["id"].as_i64().unwrap();
    for token in [&auditor, &certifier] {
        let (status, _) = t
            .post(
                &format!("/v1/admin/outbox/dead/{other}/retry"),
                token,
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = t.get("/v1/admin/outbox/dead", &auditor).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t.get("/v1/admin/outbox/dead", &certifier).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = t
        .call(
            Method::POST,
            &format!("/v1/admin/outbox/dead/{other}/retry"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    wait_backlog(&t, 299, 0).await;
}

async fn a_failing_event_dies_after_max_attempts_and_holds_its_certificate(backend: Backend) {
    let (receiver, base) = Receiver::start(Mode::Down).await;
    let t = TestApp::with_config(backend, config(&base)).await;
    let _stop = start_worker(&t);
    let ids = certify(&t, &["HOLD-A".to_owned(), "HOLD-B".to_owned()]).await;
    let (a, b) = (&ids[0], &ids[1]);
    let (status, _) = t
        .post(
            &format!("/v1/certificates/{a}/suspend"),
            &t.admin,
            &json!({"until": "2999-01-01", "reason": "check"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // 503 is worth retrying: three attempts, then dead.
    wait_backlog(&t, 1, 0).await;
    assert_eq!(*receiver.refused.lock().unwrap(), 3);
    // A later event about the same certificate waits behind the dead one.
    revoke(&t, a).await;
    receiver.set(Mode::Accept);
    revoke(&t, b).await;
    receiver.wait_for(b, "revoked").await;
    // B went; A's revocation did not overtake A's dead suspension.
    assert!(
        receiver
            .taken()
            .iter()
            .all(|e| e["certificate_id"] != a.as_str())
    );
    wait_backlog(&t, 1, 1).await;
    let (_, page) = t.get("/v1/admin/outbox/dead", &t.admin).await;
    let dead = &page["events"][0];
    assert_eq!(dead["certificate_id"], a.as_str());
    assert_eq!(dead["event"], "suspended");
    assert_eq!(dead["attempts"], 3);
    assert_eq!(dead["last_error"], "receiver answered 503");
    assert_eq!(dead["held"], 1);

    // Retried: the suspension, then the revocation, in that order.
    let id = dead["id"].as_i64().unwrap();
    let (status, _) = t
        .post(
            &format!("/v1/admin/outbox/dead/{id}/retry"),
            &t.admin,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    receiver.wait_for(a, "revoked").await;
    let of_a: Vec<String> = receiver
        .taken()
        .iter()
        .filter(|e| e["certificate_id"] == a.as_str())
        .map(|e| e["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(of_a, ["suspended", "revoked"]);
    wait_backlog(&t, 0, 0).await;
}

both_backends!(
    permanent_refusals_do_not_stall_later_events,
    a_failing_event_dies_after_max_attempts_and_holds_its_certificate,
);
