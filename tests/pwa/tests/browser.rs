//! The verifier PWA end to end in headless Chromium: the fake camera plays
//! a video made from a DIVOC certificate's QR code, the app verifies it in
//! its worker against trust data synced from signed lists served beside
//! it, and the verdict on screen is read back. `cargo xtask test` builds
//! `dist/` first and runs these; a missing chromium, chromedriver or
//! ffmpeg fails them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

use std::time::Duration;

use anyhow::Result;
use pwa_tests::{Browser, CERT_001_ID, CERT_001_NAME, Site, Trust, fixture, video};
use tokio::sync::Mutex;

/// One browser at a time: the machine has two cores.
static SERIAL: Mutex<()> = Mutex::const_new(());

/// Long enough for a cold start (two wasm modules compiled, a first sync)
/// and a scan on a loaded CI machine.
const SCAN: Duration = Duration::from_secs(45);

#[tokio::test]
async fn valid_certificate_on_camera_is_valid_with_the_holders_name() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let site = Site::start(&Trust::new())?;
    let camera = video::of_qr(&fixture("ed25519-v2/cert-001/qr.png"))?;
    let browser = Browser::open(&Browser::options().camera(&camera)).await?;
    browser.goto(&site.url()).await?;
    browser.wait_for("[data-testid=scan]", SCAN).await?;
    browser.wait_for("[data-testid=upload]", SCAN).await?;
    let verdict = browser.verdict(SCAN).await?;
    assert_eq!(verdict.status, "valid", "{verdict:?}");
    assert!(verdict.text.contains(CERT_001_NAME), "{verdict:?}");
    assert!(verdict.text.contains("Ministry of Health"), "{verdict:?}");
    browser.close().await
}

#[tokio::test]
async fn tampered_certificate_is_invalid_and_shows_no_personal_data() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let site = Site::start(&Trust::new())?;
    let camera = video::of_qr(&fixture("ed25519-v2-tampered/cert-001/changed_name/qr.png"))?;
    let browser = Browser::open(&Browser::options().camera(&camera)).await?;
    browser.goto(&site.url()).await?;
    let verdict = browser.verdict(SCAN).await?;
    assert_eq!(verdict.status, "invalid", "{verdict:?}");
    // The tampered name is "Eve विकास शर्मा": neither it nor any part shows.
    let page = browser.eval("return document.body.innerText;").await?;
    let page = page.as_str().unwrap_or_default();
    assert!(!page.contains("विकास"), "{page}");
    assert!(!page.contains("Eve"), "{page}");
    assert!(
        browser
            .client()
            .find(fantoccini::Locator::Css("[data-testid=holder]"))
            .await
            .is_err(),
        "a holder element on an invalid verdict"
    );
    assert!(verdict.text.contains("altered or forged"), "{verdict:?}");
    browser.close().await
}

#[tokio::test]
async fn certificate_revoked_after_a_sync_is_revoked() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let mut trust = Trust::new();
    let site = Site::start(&trust)?;
    let camera = video::of_qr(&fixture("ed25519-v2/cert-001/qr.png"))?;
    let browser = Browser::open(&Browser::options().camera(&camera)).await?;
    browser.goto(&site.url()).await?;
    assert_eq!(browser.verdict(SCAN).await?.status, "valid");

    // The issuer revokes it; the registry publishes a new snapshot.
    let before = browser.synced_at().await?;
    trust.revocation_version = 2;
    trust.revoked = vec![CERT_001_ID.to_owned()];
    site.set_trust(&trust)?;
    browser.click("[data-testid=sync]").await?;
    browser.wait_synced(&before, SCAN).await?;

    browser.click("[data-testid=next]").await?;
    browser.wait_for("[data-testid=scan]", SCAN).await?;
    let verdict = browser.verdict(SCAN).await?;
    assert_eq!(verdict.status, "revoked", "{verdict:?}");
    assert!(!verdict.text.contains(CERT_001_NAME), "{verdict:?}");
    browser.close().await
}

#[tokio::test]
async fn revocation_delta_applies_and_survives_an_offline_reload() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let mut trust = Trust::new();
    let mut site = Site::start(&trust)?;
    let camera = video::of_qr(&fixture("ed25519-v2/cert-001/qr.png"))?;
    let browser = Browser::open(&Browser::options().camera(&camera)).await?;
    browser.goto(&site.url()).await?;
    assert_eq!(browser.verdict(SCAN).await?.status, "valid");
    browser.wait_offline_ready(SCAN).await?;

    // Version 2 revokes it only as a delta on version 1: the snapshot
    // still served is version 1, so only the delta path can revoke it.
    let before = browser.synced_at().await?;
    trust.revocation_version = 2;
    site.set_delta(1, trust.revocation_delta(1, &[CERT_001_ID])?)?;
    browser.click("[data-testid=sync]").await?;
    browser.wait_synced(&before, SCAN).await?;
    assert_eq!(
        site.deltas_sent(),
        1,
        "the app did not ask for the delta since version 1"
    );
    browser.click("[data-testid=next]").await?;
    browser.wait_for("[data-testid=scan]", SCAN).await?;
    assert_eq!(browser.verdict(SCAN).await?.status, "revoked");

    // Offline, the device replays snapshot + delta from IndexedDB.
    site.stop();
    browser.reload().await?;
    let verdict = browser.verdict(SCAN).await?;
    assert_eq!(verdict.status, "revoked", "{verdict:?}");
    browser.close().await
}

#[tokio::test]
async fn reloaded_with_the_network_off_it_still_verifies() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let mut site = Site::start(&Trust::new())?;
    let camera = video::of_qr(&fixture("ed25519-v2/cert-001/qr.png"))?;
    let browser = Browser::open(&Browser::options().camera(&camera)).await?;
    browser.goto(&site.url()).await?;
    assert_eq!(browser.verdict(SCAN).await?.status, "valid");
    browser.wait_offline_ready(SCAN).await?;

    site.stop();
    browser.reload().await?;
    let verdict = browser.verdict(SCAN).await?;
    assert_eq!(verdict.status, "valid", "{verdict:?}");
    assert!(verdict.text.contains(CERT_001_NAME), "{verdict:?}");
    // The trust data's age still shows, and the failed sync says why.
    let age = browser
        .wait_for("[data-testid=trust-age]", SCAN)
        .await?
        .text()
        .await?;
    assert!(age.starts_with("Trust data updated"), "{age}");
    browser.close().await
}

#[tokio::test]
async fn no_code_in_view_shows_the_hint_and_a_photo_upload_verifies() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let site = Site::start(&Trust::new())?;
    let camera = video::blank()?;
    let browser = Browser::open(&Browser::options().camera(&camera)).await?;
    browser.goto(&site.url()).await?;
    let hint = browser
        .wait_for("[data-testid=hint]", SCAN)
        .await?
        .text()
        .await?;
    assert!(hint.contains("Hold steady"), "{hint}");
    assert!(
        browser
            .client()
            .find(fantoccini::Locator::Css("[data-testid=verdict]"))
            .await
            .is_err(),
        "a verdict with no code in view"
    );

    let photo = video::photo_of(&fixture("ed25519-v2/cert-002/qr.png"))?;
    let input = browser.wait_for("[data-testid=upload]", SCAN).await?;
    input
        .send_keys(&photo.canonicalize()?.to_string_lossy())
        .await?;
    let verdict = browser.verdict(SCAN).await?;
    assert_eq!(verdict.status, "valid", "{verdict:?}");
    assert!(verdict.text.contains("ਹਰਪ੍ਰੀਤ ರಾವ್"), "{verdict:?}");
    browser.close().await
}

#[tokio::test]
async fn camera_permission_refused_says_so_and_upload_still_works() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let site = Site::start(&Trust::new())?;
    let browser = Browser::open(&Browser::options().deny_camera()).await?;
    browser.goto(&site.url()).await?;
    let error = browser
        .wait_for("[data-testid=camera-error]", SCAN)
        .await?
        .text()
        .await?;
    assert!(error.contains("permission was denied"), "{error}");
    let photo = video::photo_of(&fixture("ed25519-v2/cert-001/qr.png"))?;
    let input = browser.wait_for("[data-testid=upload]", SCAN).await?;
    input
        .send_keys(&photo.canonicalize()?.to_string_lossy())
        .await?;
    assert_eq!(browser.verdict(SCAN).await?.status, "valid");
    browser.close().await
}

#[tokio::test]
async fn arabic_lays_out_right_to_left() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let site = Site::start(&Trust::new())?;
    let camera = video::of_qr(&fixture("ed25519-v2/cert-004/qr.png"))?;
    let browser = Browser::open(&Browser::options().camera(&camera).language("ar")).await?;
    browser.goto(&site.url()).await?;
    let verdict = browser.verdict(SCAN).await?;
    assert_eq!(verdict.status, "valid", "{verdict:?}");
    assert!(verdict.text.contains("صالحة"), "{verdict:?}");
    assert!(verdict.text.contains("Ananya Reddy"), "{verdict:?}");
    let layout = browser
        .eval(
            "return [document.documentElement.lang, document.documentElement.dir,
                     getComputedStyle(document.querySelector('[data-testid=verdict]')).direction];",
        )
        .await?;
    assert_eq!(layout, serde_json::json!(["ar", "rtl", "rtl"]));
    browser.close().await
}
