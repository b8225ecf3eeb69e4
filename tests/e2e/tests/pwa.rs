//! The verifier PWA in headless Chromium against the real stack: certify
//! through the issuer API, the registry holds the key, the app syncs from
//! the registry (CORS, signed lists, deltas), the fake camera scans the QR
//! code the issuer rendered; then a revocation travels issuer outbox →
//! registry → sync; the network goes away and the app verifies from what
//! it holds; the issuer rotates its key mid-run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

use std::net::TcpListener;
use std::time::Duration;

use credential::RevocationStatus;
use e2e_tests::Local;
use pwa_tests::{Browser, video};
use serde_json::json;
use stack::pwa::Server;
use tokio::sync::Mutex;

/// One browser at a time: the machine has two cores.
static SERIAL: Mutex<()> = Mutex::const_new(());

/// A cold start (two wasm modules compiled, a first sync) and a scan on a
/// loaded CI machine.
const SCAN: Duration = Duration::from_secs(45);

/// The stack, and the PWA served for its registry (the registry lets the
/// PWA's origin read its lists).
async fn start() -> (Local, Server) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let local = Local::start(&[format!("http://127.0.0.1:{port}")])
        .await
        .unwrap();
    let config = stack::pwa::config(&local.stack.registry.url, &local.stack.anchor_pem);
    let server = Server::start(
        &pwa_tests::tools::dist().unwrap(),
        Some(serde_json::to_vec(&config).unwrap()),
        listener,
    )
    .unwrap();
    (local, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issued_scans_valid_then_revoked_after_sync_then_verifies_offline() {
    let _serial = SERIAL.lock().await;
    let (mut local, mut server) = start().await;
    let (id, _) = local.certify("E2E-PWA-1", "Meera Krishnan").await.unwrap();
    let png = local.qr_png(&id).await.unwrap();
    let camera = video::of_qr(&png).unwrap();
    let browser = Browser::open(&Browser::options().camera(&camera))
        .await
        .unwrap();
    browser.goto(&server.url()).await.unwrap();
    let verdict = browser.verdict(SCAN).await.unwrap();
    assert_eq!(verdict.status, "valid", "{verdict:?}");
    assert!(verdict.text.contains("Meera Krishnan"), "{verdict:?}");
    assert!(verdict.text.contains(stack::ISSUER_NAME), "{verdict:?}");
    browser.wait_offline_ready(SCAN).await.unwrap();

    // Revoked through the issuer API: its outbox delivers to the registry,
    // the app's next sync brings it.
    let before = browser.synced_at().await.unwrap();
    local.stack.revoke(&id, "issued in error").await.unwrap();
    local
        .wait_status(&id, &RevocationStatus::Revoked)
        .await
        .unwrap();
    browser.click("[data-testid=sync]").await.unwrap();
    browser.wait_synced(&before, SCAN).await.unwrap();
    browser.click("[data-testid=next]").await.unwrap();
    browser.wait_for("[data-testid=scan]", SCAN).await.unwrap();
    let verdict = browser.verdict(SCAN).await.unwrap();
    assert_eq!(verdict.status, "revoked", "{verdict:?}");
    assert!(!verdict.text.contains("Meera Krishnan"), "{verdict:?}");

    // The network goes: the registry and the app's server both stop. The
    // app starts from its service worker, verifies from the trust data it
    // holds, and says how old that data is.
    local.stack.registry.stop().await.unwrap();
    server.stop();
    browser.reload().await.unwrap();
    let verdict = browser.verdict(SCAN).await.unwrap();
    assert_eq!(verdict.status, "revoked", "{verdict:?}");
    let age = browser
        .wait_for("[data-testid=trust-age]", SCAN)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(age.starts_with("Trust data updated"), "{age}");
    browser.close().await.unwrap();
}

/// Upload `png` as a photo of a certificate; the verdict.
async fn upload(browser: &Browser, png: &std::path::Path) -> pwa_tests::Verdict {
    let input = browser
        .wait_for("[data-testid=upload]", SCAN)
        .await
        .unwrap();
    input
        .send_keys(&png.canonicalize().unwrap().to_string_lossy())
        .await
        .unwrap();
    let verdict = browser.verdict(SCAN).await.unwrap();
    browser.click("[data-testid=next]").await.unwrap();
    browser.wait_for("[data-testid=scan]", SCAN).await.unwrap();
    verdict
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation_mid_run_old_and_new_certificates_valid_online_and_offline() {
    let _serial = SERIAL.lock().await;
    let (mut local, mut server) = start().await;
    let (old_id, _) = local
        .certify("E2E-ROT-OLD", "Farah Siddiqui")
        .await
        .unwrap();
    let old_png = local.qr_png(&old_id).await.unwrap();
    let browser = Browser::open(&Browser::options().camera(&video::blank().unwrap()))
        .await
        .unwrap();
    browser.goto(&server.url()).await.unwrap();
    let verdict = upload(&browser, &old_png).await;
    assert_eq!(verdict.status, "valid", "{verdict:?}");
    assert!(verdict.text.contains("Farah Siddiqui"), "{verdict:?}");
    browser.wait_offline_ready(SCAN).await.unwrap();

    // The issuer rotates: key-2 signs from as soon as it allows (two of
    // its refresh intervals, 1 s each here).
    let (status, rotated) = local
        .stack
        .issuer_call(
            stack::Method::POST,
            "/v1/admin/keys/rotate",
            Some(&json!({"at": jiff::Timestamp::now().to_string()})),
        )
        .await
        .unwrap();
    assert_eq!(status, 201, "{rotated}");
    let new_kid = format!("{}#key-2", stack::ISSUER_DID);
    let from: jiff::Timestamp = rotated["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == new_kid)
        .unwrap()["valid_from"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let wait = jiff::Timestamp::now().duration_until(from).unsigned_abs();
    assert!(wait < Duration::from_secs(10), "rotation due in {wait:?}");
    tokio::time::sleep(wait + Duration::from_millis(50)).await;
    let (new_id, credential) = local.certify("E2E-ROT-NEW", "Tenzin Norbu").await.unwrap();
    assert_eq!(credential["proof"]["verificationMethod"], new_kid);
    let new_png = local.qr_png(&new_id).await.unwrap();

    // Until the registry knows key-2, the app does not trust it.
    let verdict = upload(&browser, &new_png).await;
    assert_eq!(verdict.status, "unknown_issuer", "{verdict:?}");
    assert!(!verdict.text.contains("Tenzin Norbu"), "{verdict:?}");

    // The registry imports the issuer's keys (key-1 retired at the
    // rotation, key-2 active); the app syncs; both verify.
    let report = local.stack.import_keys().await.unwrap();
    assert_eq!(report["added"], json!([new_kid]), "{report}");
    let before = browser.synced_at().await.unwrap();
    browser.click("[data-testid=sync]").await.unwrap();
    browser.wait_synced(&before, SCAN).await.unwrap();
    let verdict = upload(&browser, &new_png).await;
    assert_eq!(verdict.status, "valid", "{verdict:?}");
    assert!(verdict.text.contains("Tenzin Norbu"), "{verdict:?}");
    let verdict = upload(&browser, &old_png).await;
    assert_eq!(verdict.status, "valid", "{verdict:?}");

    // And with the network gone, from what the app holds.
    local.stack.registry.stop().await.unwrap();
    server.stop();
    browser.reload().await.unwrap();
    browser.wait_for("[data-testid=scan]", SCAN).await.unwrap();
    let verdict = upload(&browser, &new_png).await;
    assert_eq!(verdict.status, "valid", "{verdict:?}");
    assert!(verdict.text.contains("Tenzin Norbu"), "{verdict:?}");
    let age = browser
        .wait_for("[data-testid=trust-age]", SCAN)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(age.starts_with("Trust data updated"), "{age}");
    browser.close().await.unwrap();
}
