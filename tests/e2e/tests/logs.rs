//! The logs keep secrets and personal data out: a full run of the stack,
//! both services logging at `debug` (everything, libraries included), once
//! as text and once as JSON lines (`--log-json`), and then both services'
//! complete logs (stdout and stderr) are searched for every API token
//! used (bootstrap, admin, ingest, certifier, auditor, and made-up ones
//! presented and refused), both master keys, every private key (the
//! issuer's signing keys and the registry's anchors, unsealed from the
//! databases with the master keys, in every usual encoding) and every
//! birth date, phone number and name sent. None may appear. Empty or
//! non-debug logs fail the test: a search of nothing proves nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use e2e_tests::{options, repo_root, request};
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use serde_json::{Value, json};
use service_core::seal::MasterKey;
use stack::{Method, Stack};

/// What must not appear in the logs: (what it is, the text).
#[derive(Debug, Default)]
struct Needles(Vec<(String, String)>);

impl Needles {
    fn add(&mut self, what: impl Into<String>, text: impl Into<String>) {
        let text = text.into();
        assert!(
            text.len() >= 8,
            "needle too short to search for: {}",
            what.into()
        );
        self.0.push((what.into(), text));
    }

    /// A secret's bytes in every encoding a log line could carry them in.
    fn bytes(&mut self, what: &str, bytes: &[u8]) {
        self.add(format!("{what} (hex)"), service_core::hex(bytes));
        self.add(
            format!("{what} (HEX)"),
            service_core::hex(bytes).to_uppercase(),
        );
        self.add(format!("{what} (base64)"), STANDARD.encode(bytes));
        self.add(
            format!("{what} (base64, no padding)"),
            STANDARD_NO_PAD.encode(bytes),
        );
        self.add(
            format!("{what} (base64url, JWK)"),
            URL_SAFE_NO_PAD.encode(bytes),
        );
        self.add(
            format!("{what} (base64url, padded)"),
            URL_SAFE.encode(bytes),
        );
        self.add(
            format!("{what} (base58)"),
            bs58::encode(bytes).into_string(),
        );
        // Rust's `{:?}` of a byte array or slice.
        self.add(format!("{what} (Debug)"), format!("{bytes:?}"));
    }

    /// A person's data as sent: birth date, phone (as written, all its
    /// digits, and the last ten digits retrieval matches on), name.
    fn person(&mut self, dob: &str, phone: &str, name: &str) {
        self.add(format!("birth date {dob}"), dob);
        self.add(format!("birth date {dob} (compact)"), dob.replace('-', ""));
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        self.add(format!("phone {phone}"), phone.trim_start_matches("tel:"));
        self.add(format!("phone {phone} (digits)"), digits.clone());
        self.add(
            format!("phone {phone} (last ten digits)"),
            digits
                .get(digits.len().saturating_sub(10)..)
                .unwrap_or(&digits),
        );
        self.add(format!("name {name}"), name);
    }
}

/// Birth dates, phones and names certified (code, name, dob, phone).
const PEOPLE: &[(&str, &str, &str, &str)] = &[
    (
        "LOGS-0001",
        "Meera Iyengar",
        "1990-02-03",
        "tel:+91 98123 40567",
    ),
    (
        "LOGS-0002",
        "Rohan Deshpande",
        "1984-11-27",
        "tel:+91 97345 61208",
    ),
    ("LOGS-0003", "Farida Begum", "1962-07-09", "tel:9988776051"),
];
/// What is sent as wrong proofs (they must not be logged either).
const WRONG_DOB: &str = "1990-02-04";
const WRONG_PHONE: &str = "+91 90011 22334";
/// A birth date that is refused (in the future).
const FUTURE_DOB: &str = "2990-02-03";

fn read_trimmed(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .trim()
        .to_owned()
}

/// A certification request for one of [`PEOPLE`].
fn person_request(code: &str, name: &str, dob: &str, phone: &str) -> Value {
    let mut item = request(code, name);
    item["recipient"]["dob"] = json!(dob);
    item["recipient"]["contact"] = json!([phone]);
    item
}

async fn call(
    stack: &Stack,
    method: Method,
    url: String,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    stack
        .client()
        .json(method, &url, token, body)
        .await
        .unwrap()
}

/// Make an issuer token of `role`; its secret.
async fn issuer_token(stack: &Stack, body: Value) -> (String, String) {
    let (status, answer) = stack
        .issuer_call(Method::POST, "/v1/admin/tokens", Some(&body))
        .await
        .unwrap();
    assert_eq!(status, 201, "{answer}");
    (
        answer["token"].as_str().unwrap().to_owned(),
        answer["id"].as_str().unwrap().to_owned(),
    )
}

/// Everything a running system does, the secrets it uses added to
/// `needles` as they are made.
#[allow(clippy::too_many_lines, reason = "one flow, step by step")]
async fn flow(stack: &Stack, data: &Path, needles: &mut Needles) {
    let issuer = stack.issuer.url.clone();
    let registry = stack.registry.url.clone();

    // The tokens the stack made and holds.
    for (what, file) in [
        ("issuer bootstrap token", "issuer-api/bootstrap-token"),
        ("registry bootstrap token", "key-registry/bootstrap-token"),
        ("registry ingest token", "stack/registry-ingest-token"),
    ] {
        needles.add(what, read_trimmed(&data.join(file)));
    }
    needles.add("issuer admin token", stack.issuer_token.clone());
    needles.add("registry admin token", stack.registry_token.clone());

    // Issuer tokens: a certifier, an auditor (revoked again), a second
    // admin; the token list.
    let (certifier, _) = issuer_token(
        stack,
        json!({"role": "certifier", "facilities": ["MH-MUM-001"], "label": "logs certifier"}),
    )
    .await;
    needles.add("issuer certifier token", certifier.clone());
    let (auditor, auditor_id) =
        issuer_token(stack, json!({"role": "auditor", "label": "logs auditor"})).await;
    needles.add("issuer auditor token", auditor.clone());
    let (admin2, _) = issuer_token(
        stack,
        json!({"role": "issuer-admin", "label": "logs admin"}),
    )
    .await;
    needles.add("second issuer admin token", admin2.clone());
    let (status, _) = call(
        stack,
        Method::GET,
        format!("{issuer}/v1/audit"),
        Some(&auditor),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = stack
        .issuer_call(
            Method::DELETE,
            &format!("/v1/admin/tokens/{auditor_id}"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, 204);
    let (status, _) = call(
        stack,
        Method::GET,
        format!("{issuer}/v1/audit"),
        Some(&auditor),
        None,
    )
    .await;
    assert_eq!(status, 401, "a revoked token is refused");
    let (status, _) = call(
        stack,
        Method::GET,
        format!("{issuer}/v1/admin/tokens"),
        Some(&admin2),
        None,
    )
    .await;
    assert_eq!(status, 200);

    // Registry tokens: another admin, an issuer token (revoked again).
    let made = stack
        .registry_admin(
            Method::POST,
            "/v1/admin/tokens",
            Some(&json!({"role": "registry-admin", "label": "logs admin"})),
            201,
        )
        .await
        .unwrap();
    let registry_admin2 = made["token"].as_str().unwrap().to_owned();
    needles.add("second registry admin token", registry_admin2.clone());
    let made = stack
        .registry_admin(
            Method::POST,
            "/v1/admin/tokens",
            Some(&json!({"role": "issuer", "issuer": stack.slug, "label": "logs issuer"})),
            201,
        )
        .await
        .unwrap();
    needles.add("registry issuer token", made["token"].as_str().unwrap());
    stack
        .registry_admin(
            Method::DELETE,
            &format!("/v1/admin/tokens/{}", made["id"].as_str().unwrap()),
            None,
            204,
        )
        .await
        .unwrap();
    let (status, _) = call(
        stack,
        Method::GET,
        format!("{registry}/v1/admin/tokens"),
        Some(&registry_admin2),
        None,
    )
    .await;
    assert_eq!(status, 200);

    // Made-up tokens, presented and refused.
    let fake_issuer = format!("hcit_{}", URL_SAFE_NO_PAD.encode([7u8; 32]));
    let fake_registry = format!("hcrt_{}", URL_SAFE_NO_PAD.encode([9u8; 32]));
    let fake_other = "ZmFrZS1iZWFyZXItdG9rZW4tZm9yLWxvZ3M".to_owned();
    for (what, token) in [
        ("made-up issuer token", &fake_issuer),
        ("made-up registry token", &fake_registry),
        ("made-up unprefixed token", &fake_other),
    ] {
        needles.add(what, token.clone());
        let (status, _) = call(
            stack,
            Method::GET,
            format!("{issuer}/v1/admin/tokens"),
            Some(token),
            None,
        )
        .await;
        assert_eq!(status, 401, "{what}");
        let (status, _) = call(
            stack,
            Method::GET,
            format!("{registry}/v1/admin/tokens"),
            Some(token),
            None,
        )
        .await;
        assert_eq!(status, 401, "{what}");
    }

    // Certify (the certifier's token): three people, and one refused for
    // a birth date in the future.
    let mut batch: Vec<Value> = PEOPLE
        .iter()
        .map(|(code, name, dob, phone)| {
            needles.person(dob, phone, name);
            person_request(code, name, dob, phone)
        })
        .collect();
    needles.add("refused birth date", FUTURE_DOB);
    batch.push(person_request(
        "LOGS-0004",
        "Kabir Future",
        FUTURE_DOB,
        "tel:+91 90000 12121",
    ));
    needles.add("refused name", "Kabir Future");
    let (status, answer) = call(
        stack,
        Method::POST,
        format!("{issuer}/v1/certify"),
        Some(&certifier),
        Some(&Value::Array(batch)),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let results = answer["results"].as_array().unwrap();
    let ids: Vec<String> = results
        .iter()
        .filter(|r| r["result"] == "issued")
        .map(|r| r["certificate_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), PEOPLE.len(), "{answer}");
    assert_eq!(results[PEOPLE.len()]["result"], "rejected", "{answer}");

    // Citizen retrieval: right and wrong birth dates and phones; JSON, QR
    // code and PDF.
    needles.add("wrong birth date", WRONG_DOB);
    needles.add("wrong phone", WRONG_PHONE);
    let retrieve = format!("{issuer}/v1/citizen/retrieve");
    let (code, _, dob, phone) = PEOPLE[0];
    let (code2, _, _, phone2) = PEOPLE[1];
    let digits2: String = phone2.chars().filter(char::is_ascii_digit).collect();
    // (Five: the per-address limit per minute.)
    for (body, expected) in [
        (json!({"preEnrollmentCode": code, "dob": dob}), 200),
        (
            json!({"preEnrollmentCode": code, "phone": phone.trim_start_matches("tel:"), "format": "pdf"}),
            200,
        ),
        (
            json!({"preEnrollmentCode": code2, "phone": digits2, "format": "qr.png"}),
            200,
        ),
        (json!({"preEnrollmentCode": code, "dob": WRONG_DOB}), 404),
        (
            json!({"preEnrollmentCode": code2, "phone": WRONG_PHONE}),
            404,
        ),
    ] {
        let (status, bytes) = stack
            .client()
            .send(Method::POST, &retrieve, None, Some(&body))
            .await
            .unwrap();
        assert_eq!(
            status,
            expected,
            "{body}: {}",
            String::from_utf8_lossy(&bytes)
        );
    }

    // Revoke one, suspend another; certificate reads and renderings.
    stack
        .revoke(&ids[0], "issued in error (logs)")
        .await
        .unwrap();
    let until = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24 * 30))
        .unwrap()
        .to_string();
    stack
        .suspend(&ids[1], &until, "under review (logs)")
        .await
        .unwrap();
    for path in [
        format!("/v1/certificates/{}", ids[2]),
        format!("/v1/certificates/{}/qr.svg", ids[2]),
        format!("/v1/certificates?preEnrollmentCode={}", PEOPLE[2].0),
    ] {
        stack.issuer_bytes(&path).await.unwrap();
    }

    // Key rotation (now), re-import into the registry, a certificate
    // signed by the new key; a next registry anchor.
    let (status, answer) = stack
        .issuer_call(
            Method::POST,
            "/v1/admin/keys/rotate",
            Some(&json!({"at": jiff::Timestamp::now().to_string()})),
        )
        .await
        .unwrap();
    assert_eq!(status, 201, "{answer}");
    stack.import_keys().await.unwrap();
    stack
        .registry_admin(Method::POST, "/v1/admin/anchor/announce", None, 201)
        .await
        .unwrap();
    let (code, name, dob, phone) = (
        "LOGS-0005",
        "Ishaan Kapoor",
        "2001-05-17",
        "tel:+91 93456 78012",
    );
    needles.person(dob, phone, name);
    stack
        .certify(&json!([person_request(code, name, dob, phone)]))
        .await
        .unwrap();

    // Rules.
    stack
        .registry_admin(
            Method::PUT,
            "/v1/admin/rules/IN",
            Some(&json!({"name": "India, entry", "rules": [
                {"id": "doses", "text": "At least one dose", "require": {"minDoses": 1}}
            ]})),
            200,
        )
        .await
        .unwrap();

    // The demo (what `cargo xtask run` does), its people's data too.
    stack.demo().await.unwrap();
    let example: Value = serde_json::from_slice(
        &std::fs::read(repo_root().join("issuer-api/examples/certify-request.json")).unwrap(),
    )
    .unwrap();
    for item in example.as_array().unwrap() {
        if let Some(dob) = item["recipient"]["dob"].as_str() {
            needles.add("demo birth date", dob);
        }
        for contact in item["recipient"]["contact"].as_array().unwrap() {
            if let Some(phone) = contact.as_str().unwrap().strip_prefix("tel:") {
                needles.add("demo phone", phone);
            }
        }
    }

    // Every event reached the registry, and its lists were read.
    stack.wait_delivered(Duration::from_secs(60)).await.unwrap();
    for path in [
        "/v1/trust-list",
        "/v1/revocations",
        "/v1/rules/IN",
        "/v1/anchor",
    ] {
        stack.registry_bytes(path).await.unwrap();
    }
}

/// The master keys and every private key they seal, from the stopped
/// stack's data directory.
async fn key_needles(data: &Path, needles: &mut Needles) {
    let mut found = 0;
    for (service, db, query) in [
        (
            "issuer-api",
            "issuer.db",
            "SELECT kid, encrypted_private_key FROM signing_keys",
        ),
        (
            "key-registry",
            "registry.db",
            "SELECT thumbprint, sealed_key FROM anchors",
        ),
    ] {
        let dir = data.join(service);
        let text = read_trimmed(&dir.join("master.key"));
        needles.add(format!("{service} master key (as stored)"), text.clone());
        let raw = STANDARD.decode(&text).unwrap();
        needles.bytes(&format!("{service} master key"), &raw);
        let master = MasterKey::from_base64(&text).unwrap();
        let url = format!("sqlite://{}?mode=ro", dir.join(db).display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let rows: Vec<(String, String)> = sqlx::query_as(query).fetch_all(&pool).await.unwrap();
        pool.close().await;
        assert!(rows.len() >= 2, "{service}: a rotation was made: {rows:?}");
        for (id, sealed) in rows {
            let pem = master.decrypt(&sealed, id.as_bytes()).unwrap();
            let pem = std::str::from_utf8(&pem).unwrap();
            let key = ed25519_dalek::SigningKey::from_pkcs8_pem(pem).unwrap();
            let what = format!("{service} private key {id}");
            needles.bytes(&format!("{what} seed"), &key.to_bytes());
            needles.bytes(&format!("{what} keypair"), &key.to_keypair_bytes());
            let der = key.to_pkcs8_der().unwrap();
            needles.bytes(&format!("{what} PKCS#8"), der.as_bytes());
            for line in pem.lines().filter(|l| !l.starts_with("-----")) {
                needles.add(format!("{what} PEM line"), line);
            }
            needles.add(format!("{what} sealed"), sealed);
            found += 1;
        }
    }
    assert!(found >= 4, "{found} private keys");
}

/// The services' logs (stdout and stderr).
const LOGS: [&str; 2] = ["issuer-api", "key-registry"];

fn read_log(data: &Path, service: &str) -> String {
    let path = data.join(format!("stack/{service}.log"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Fail unless both logs could show a leak: not empty, with the flow's
/// requests (their routes), at debug level, in the expected format.
fn assert_searchable(data: &Path, json_lines: bool) {
    for (service, route) in LOGS
        .into_iter()
        .zip(["/v1/citizen/retrieve", "/v1/admin/rules/{profile}"])
    {
        let log = read_log(data, service);
        let lines: Vec<&str> = log.lines().collect();
        assert!(
            lines.len() > 100,
            "{service}: {} lines; nothing to search",
            lines.len()
        );
        assert!(log.contains("listening on http://"), "{service}: {log}");
        assert!(log.contains(route), "{service}: no {route} request logged");
        if json_lines {
            let records: Vec<Value> = lines
                .iter()
                .filter(|l| !l.starts_with("--- ") && !l.starts_with("listening on "))
                .map(|l| {
                    serde_json::from_str(l)
                        .unwrap_or_else(|e| panic!("{service}: not a JSON line ({e}): {l}"))
                })
                .collect();
            assert!(
                records.iter().any(|r| r["level"] == "DEBUG"),
                "{service}: no debug record"
            );
        } else {
            assert!(log.contains(" DEBUG "), "{service}: no debug line");
        }
    }
}

/// Every line of both logs holding a needle: `<log>:<line>: <what>`
/// (the line itself too: these are a test's throwaway secrets).
fn search(data: &Path, needles: &Needles) -> Vec<String> {
    let mut hits = Vec::new();
    for service in LOGS {
        let log = read_log(data, service);
        for (n, line) in log.lines().enumerate() {
            for (what, text) in &needles.0 {
                if line.contains(text.as_str()) {
                    hits.push(format!("{service}.log:{}: {what}: {line}", n + 1));
                }
            }
        }
    }
    hits
}

async fn full_run_logs_nothing_secret(json_lines: bool) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut options = options(&data, true).unwrap();
    options.issuer_env = vec![("ISSUER_LOG".into(), "debug".into())];
    options.registry_env = vec![("REGISTRY_LOG".into(), "debug".into())];
    if json_lines {
        options
            .issuer_env
            .push(("ISSUER_LOG_JSON".into(), "true".into()));
        options
            .registry_env
            .push(("REGISTRY_LOG_JSON".into(), "true".into()));
    }
    let stack = Stack::up(options).await.unwrap();
    let mut needles = Needles::default();
    flow(&stack, &data, &mut needles).await;
    stack.down().await.unwrap();
    key_needles(&data, &mut needles).await;
    assert_searchable(&data, json_lines);
    let hits = search(&data, &needles);
    assert!(
        hits.is_empty(),
        "secrets or personal data in the logs ({} needles searched):\n{}",
        needles.0.len(),
        hits.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_text_logs_of_a_full_run_hold_no_secret_and_no_personal_data() {
    full_run_logs_nothing_secret(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_json_logs_of_a_full_run_hold_no_secret_and_no_personal_data() {
    full_run_logs_nothing_secret(true).await;
}

/// The search finds what is there: with the bootstrap tokens printed on
/// purpose (`--print-bootstrap-token`), it reports both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_finds_a_token_that_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut options = options(&data, true).unwrap();
    options.issuer_env = vec![("ISSUER_PRINT_BOOTSTRAP_TOKEN".into(), "true".into())];
    options.registry_env = vec![("REGISTRY_PRINT_BOOTSTRAP_TOKEN".into(), "true".into())];
    let stack = Stack::up(options).await.unwrap();
    stack.down().await.unwrap();
    let mut needles = Needles::default();
    needles.add(
        "issuer bootstrap token",
        read_trimmed(&data.join("issuer-api/bootstrap-token")),
    );
    needles.add(
        "registry bootstrap token",
        read_trimmed(&data.join("key-registry/bootstrap-token")),
    );
    needles.add(
        "not a secret of this run",
        URL_SAFE_NO_PAD.encode([3u8; 32]),
    );
    let hits = search(&data, &needles);
    assert_eq!(hits.len(), 2, "{hits:#?}");
    assert!(
        hits[0].starts_with("issuer-api.log:") && hits[0].contains(": issuer bootstrap token: ")
    );
    assert!(
        hits[1].starts_with("key-registry.log:")
            && hits[1].contains(": registry bootstrap token: ")
    );
}
