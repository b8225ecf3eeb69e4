//! The real binary on port 0: start-up output, the README's curl flow over
//! a socket, SIGTERM shutdown, and the SIGKILL durability test (every
//! certificate whose request was answered survives a `kill -9` mid-load).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: helpers outside #[test] functions too; a failed unwrap is a failed test"
)]

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_issuer-api");

struct Server {
    child: Child,
    base: String,
    token: String,
}

/// A server outlives nothing: killed when the test ends, passing or failing
/// (a `Child` left alone keeps running after the test binary exits).
impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Start the binary on a free port; wait for its "listening on" line.
fn start(data_dir: &Path) -> Server {
    let mut child = Command::new(BIN)
        .args([
            "--data-dir",
            data_dir.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .env("ISSUER_LOG", "warn")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .unwrap();
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let token = std::fs::read_to_string(data_dir.join("bootstrap-token"))
        .unwrap()
        .trim()
        .to_owned();
    Server { child, base, token }
}

fn batch(prefix: &str, n: usize) -> Value {
    let items: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "preEnrollmentCode": format!("{prefix}-{i}"),
                "recipient": {"name": format!("Person {i}"), "age": "40", "gender": "Male", "nationality": "Indian",
                              "identity": format!("did:test:{prefix}-{i}"), "contact": ["tel:9000000000"], "address": {}},
                "vaccination": {"name": "COVAXIN", "batch": "B", "date": "2021-05-02T09:10:00.000Z", "dose": 1},
                "vaccinator": {"name": "Dr. Vikram Singh"},
                "facility": {"name": "District Hospital New Delhi"}
            })
        })
        .collect();
    Value::Array(items)
}

#[tokio::test]
async fn binary_serves_the_readme_flow_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("bootstrap-token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let mode = std::fs::metadata(dir.path().join("master.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let client = issuer_api::outbox::http_client(10_000).unwrap();
    let example: Value =
        serde_json::from_str(include_str!("../examples/certify-request.json")).unwrap();
    let response = client
        .post(format!("{}/v1/certify", server.base))
        .bearer_auth(&server.token)
        .json(&example)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let id = body["results"][0]["certificate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let png = client
        .get(format!("{}/v1/certificates/{id}/qr.png", server.base))
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap();
    assert_eq!(png.status(), 200);
    assert!(png.bytes().await.unwrap().starts_with(b"\x89PNG"));
    let did: Value = client
        .get(format!("{}/.well-known/did.json", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(did["verificationMethod"][0]["publicKeyBase58"].is_string());

    // SIGTERM: a graceful exit.
    #[cfg(unix)]
    {
        let status = Command::new("kill")
            .args(["-TERM", &server.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                assert!(status.success(), "exit status {status}");
                break;
            }
            assert!(Instant::now() < deadline, "no exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_load_loses_no_answered_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path());
    let client = issuer_api::outbox::http_client(10_000).unwrap();
    let answered: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let batches: Arc<Mutex<Vec<Value>>> = Arc::default();

    // Four clients certify 50-item batches until the server dies.
    let mut loaders = Vec::new();
    for worker in 0..4 {
        let (client, base, token, answered, batches) = (
            client.clone(),
            server.base.clone(),
            server.token.clone(),
            answered.clone(),
            batches.clone(),
        );
        loaders.push(tokio::spawn(async move {
            for round in 0..1000 {
                let body = batch(&format!("K{worker}-{round}"), 50);
                let Ok(response) = client
                    .post(format!("{base}/v1/certify"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                else {
                    return;
                };
                let Ok(json) = response.json::<Value>().await else {
                    return;
                };
                batches.lock().unwrap().push(body);
                let mut answered = answered.lock().unwrap();
                for r in json["results"].as_array().unwrap() {
                    answered.push((
                        r["certificate_id"].as_str().unwrap().to_owned(),
                        r["credential"].clone(),
                    ));
                }
            }
        }));
    }
    // Let the load run, then kill -9 in the middle of it.
    let start_wait = Instant::now();
    while answered.lock().unwrap().len() < 500 && start_wait.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.child.kill().unwrap(); // SIGKILL on Unix
    server.child.wait().unwrap();
    for loader in loaders {
        loader.await.unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    assert!(
        answered.len() >= 500,
        "only {} answered before the kill",
        answered.len()
    );

    // Restart on the same data directory: every answered certificate is there, byte for byte.
    let server = start(dir.path());
    let mut missing = Vec::new();
    for chunk in answered.chunks(64) {
        let mut checks = Vec::new();
        for (id, credential) in chunk {
            let (client, base, token) = (client.clone(), server.base.clone(), server.token.clone());
            let (id, credential) = (id.clone(), credential.clone());
            checks.push(tokio::spawn(async move {
                // The per-token rate limit applies to this check too: wait it out.
                let mut response;
                loop {
                    response = client
                        .get(format!("{base}/v1/certificates/{id}"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap();
                    if response.status() != 429 {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                if response.status() != 200 {
                    return Some(id);
                }
                let body: Value = response.json().await.unwrap();
                (body["credential"] != credential).then_some(id)
            }));
        }
        for check in checks {
            if let Some(id) = check.await.unwrap() {
                missing.push(id);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} answered certificates lost or changed: {:?}",
        missing.len(),
        answered.len(),
        &missing[..missing.len().min(5)]
    );

    // Retrying an answered batch after the crash returns the same certificates.
    let first = batches.lock().unwrap()[0].clone();
    let again: Value = client
        .post(format!("{}/v1/certify", server.base))
        .bearer_auth(&server.token)
        .json(&first)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = again["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["certificate_id"].as_str().unwrap())
        .collect();
    let answered_ids: Vec<&str> = answered.iter().map(|(id, _)| id.as_str()).collect();
    assert!(ids.iter().all(|id| answered_ids.contains(id)));
    assert!(
        again["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["result"] == "existing")
    );
    eprintln!(
        "SIGKILL test: {} certificates answered before kill -9, all present after restart",
        answered.len()
    );
}

fn cli(data_dir: &Path, args: &[&str]) -> String {
    let output = Command::new(BIN)
        .args(["--data-dir", data_dir.to_str().unwrap()])
        .args(args)
        .env("ISSUER_LOG", "warn")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn cli_exports_keys_rotates_and_creates_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let jwk: Value = serde_json::from_str(&cli(
        dir.path(),
        &["keys", "export-public", "--format", "jwk"],
    ))
    .unwrap();
    assert_eq!(jwk["kty"], "OKP");
    assert_eq!(jwk["kid"], "did:web:issuer.demo.example.org#key-1");
    let base58 = cli(dir.path(), &["keys", "export-public", "--format", "base58"]);
    let pem = cli(dir.path(), &["keys", "export-public", "--format", "pem"]);
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
    let token = cli(
        dir.path(),
        &[
            "tokens",
            "create",
            "--role",
            "certifier",
            "--facility",
            "DL-NDL-002",
            "--label",
            "Delhi",
        ],
    );
    let token = token.trim().to_owned();
    assert!(token.starts_with("hcit_"));
    let rotated = cli(
        dir.path(),
        &["keys", "rotate", "--at", "2999-01-01T00:00:00Z"],
    );
    assert!(
        rotated.starts_with("key-2 signs from 2999-01-01T00:00:00Z"),
        "{rotated}"
    );
    let entry: Value = serde_json::from_str(&cli(
        dir.path(),
        &["keys", "export-public", "--format", "trust-list-entry"],
    ))
    .unwrap();
    assert_eq!(entry["id"], "did:web:issuer.demo.example.org");
    assert_eq!(entry["keys"].as_array().unwrap().len(), 2);

    // The server publishes the exported key, and the CLI's certifier token works.
    let server = start(dir.path());
    let client = issuer_api::outbox::http_client(10_000).unwrap();
    let did: Value = client
        .get(format!("{}/.well-known/did.json", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        did["verificationMethod"][0]["publicKeyBase58"],
        base58.trim()
    );
    let response = client
        .post(format!("{}/v1/certify", server.base))
        .bearer_auth(&token)
        .json(&batch("CLI", 2))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
