//! Measurements of the verifier PWA: numbers, not pass/fail (the browser
//! tests check behaviour). Needs `dist/` (`cargo xtask dist`), chromium,
//! chromedriver, ffmpeg, and for `--lighthouse` Node 20 (Lighthouse 11 is
//! installed with `npm ci` in `tests/pwa/lighthouse/`).
//!
//! ```text
//! cargo run -p pwa-tests --release --bin pwa-bench -- [--scans N] [--screenshots DIR] [--lighthouse]
//! ```
//!
//! - first load: response bytes the server sent (the `.br` variants, which
//!   Chromium accepts from 127.0.0.1; `cargo xtask dist` prints the gzip
//!   total) from opening the app until its service worker holds everything
//!   and the first verdict shows;
//! - scan to verdict: the fake camera's video shows grey for a second,
//!   then a DIVOC QR code; a probe on the page notes the capture time of
//!   the first video frame with the code in it, the app marks when the
//!   verdict reached the screen (`performance.mark('hc:verdict-shown')`,
//!   in the animation frame that paints it). "Scan next" restarts the
//!   camera and the video from its grey start; N scans, median and p90;
//! - screenshots at 360x740: valid, invalid, offline with a stale trust
//!   list, Arabic, and the scan screen's hint;
//! - Lighthouse: accessibility, best practices, PWA (installable).

#![allow(clippy::print_stdout, reason = "the report")]
#![allow(
    clippy::indexing_slicing,
    reason = "only serde_json::Value is indexed here, which answers Null for what is missing"
)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use pwa_tests::{Browser, Site, Trust, fixture, repo_root, video};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(60);

/// Notes, on the current camera preview, the capture time of the first
/// frame with a code in it after at least one plain grey frame.
const PROBE: &str = r#"
const v = document.querySelector('video');
if (!v) return false;
window.__hcProbe = { appeared: null, sawGrey: false };
const c = new OffscreenCanvas(8, 8);
const x = c.getContext('2d', { willReadFrequently: true });
function frame(now, meta) {
  if (!document.contains(v)) return;
  if (v.videoWidth > 0) {
    x.drawImage(v, 0, 0, 8, 8);
    const d = x.getImageData(0, 0, 8, 8).data;
    let lo = 255, hi = 0;
    for (let i = 0; i < d.length; i += 4) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); }
    const p = window.__hcProbe;
    if (hi - lo < 16) p.sawGrey = true;
    else if (p.sawGrey && p.appeared === null) p.appeared = meta.captureTime ?? meta.presentationTime ?? now;
  }
  v.requestVideoFrameCallback(frame);
}
v.requestVideoFrameCallback(frame);
return true;
"#;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or(f64::NAN)
}

async fn first_load() -> Result<()> {
    let site = Site::start(&Trust::new())?;
    let camera = video::of_qr(&fixture("ed25519-v2/cert-001/qr.png"))?;
    let browser = Browser::open(&Browser::options().camera(&camera)).await?;
    site.take_bytes_sent();
    browser.goto(&site.url()).await?;
    let verdict = browser.verdict(WAIT).await?;
    browser.wait_offline_ready(WAIT).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let bytes = site.take_bytes_sent();
    println!(
        "first load: {bytes} response bytes sent ({:.0} KB; brotli, which Chromium accepts here), app + engine + trust data + service worker precache; first verdict {}",
        bytes as f64 / 1024.0,
        verdict.status
    );
    browser.close().await
}

async fn scan_to_verdict(scans: usize) -> Result<()> {
    let site = Site::start(&Trust::new())?;
    let camera = video::of_qr_after(&fixture("ed25519-v2/cert-001/qr.png"), 1.0, 4.0)?;
    let browser = Browser::open(&Browser::options().camera(&camera)).await?;
    browser.goto(&site.url()).await?;
    browser.verdict(WAIT).await?;
    // Main-thread tasks over 50 ms while scanning (the decoder runs in the
    // worker, so there should be none).
    browser
        .eval(
            "window.__hcLong = [];
             new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__hcLong.push(e.duration); })
               .observe({ type: 'longtask' });
             return true;",
        )
        .await?;
    let mut samples = Vec::new();
    let mut discarded = 0;
    while samples.len() < scans && discarded < scans {
        browser.click("[data-testid=next]").await?;
        browser.wait_for("video", WAIT).await?;
        if browser.eval(PROBE).await? != Value::Bool(true) {
            bail!("no video element to probe");
        }
        let verdict = browser.verdict(WAIT).await?;
        if verdict.status != "valid" {
            bail!("scan gave {verdict:?}");
        }
        let times = browser
            .eval(
                "const m = performance.getEntriesByName('hc:verdict-shown');
                 return [window.__hcProbe?.appeared ?? null, m.length ? m[m.length - 1].startTime : null];",
            )
            .await?;
        match (times[0].as_f64(), times[1].as_f64()) {
            (Some(appeared), Some(shown)) if shown >= appeared => samples.push(shown - appeared),
            _ => discarded += 1,
        }
    }
    samples.sort_by(f64::total_cmp);
    if samples.is_empty() {
        bail!("no usable scan (the code was in view before the probe saw a grey frame each time)");
    }
    let long = browser.eval("return window.__hcLong;").await?;
    let long: Vec<f64> = long
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    println!(
        "main-thread tasks over 50 ms during the scans: {} (longest {:.0} ms)",
        long.len(),
        long.iter().copied().fold(0.0, f64::max)
    );
    println!(
        "scan to verdict (QR in the fake camera -> verdict on screen), {} scans ({discarded} discarded): median {:.0} ms, p90 {:.0} ms, min {:.0} ms, max {:.0} ms",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.9),
        samples.first().copied().unwrap_or(f64::NAN),
        samples.last().copied().unwrap_or(f64::NAN),
    );
    browser.close().await
}

async fn shot(
    trust: &Trust,
    camera: &Path,
    language: &str,
    offline: bool,
    wait_for: &str,
    out: &Path,
) -> Result<()> {
    let site = Site::start(trust)?;
    let browser = Browser::open(&Browser::options().camera(camera).language(language)).await?;
    browser.goto(&site.url()).await?;
    browser.wait_for(wait_for, WAIT).await?;
    if offline {
        browser.set_offline(true).await?;
    }
    // Let the last paint settle (focus ring, fonts).
    tokio::time::sleep(Duration::from_millis(700)).await;
    std::fs::write(out, browser.screenshot().await?)?;
    println!("screenshot: {}", out.display());
    browser.close().await
}

async fn screenshots(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let valid = video::of_qr(&fixture("ed25519-v2/cert-001/qr.png"))?;
    let tampered = video::of_qr(&fixture("ed25519-v2-tampered/cert-001/changed_name/qr.png"))?;
    let arabic = video::of_qr(&fixture("ed25519-v2/cert-004/qr.png"))?;
    let verdict = "[data-testid=verdict]";
    shot(
        &Trust::new(),
        &valid,
        "en",
        false,
        verdict,
        &dir.join("valid.png"),
    )
    .await?;
    shot(
        &Trust::new(),
        &tampered,
        "en",
        false,
        verdict,
        &dir.join("invalid.png"),
    )
    .await?;
    let mut stale = Trust::new();
    stale.issued_at = "2021-08-15T00:00:00Z".into();
    stale.next_update = "2021-09-15T00:00:00Z".into();
    shot(
        &stale,
        &valid,
        "en",
        true,
        verdict,
        &dir.join("offline-warning.png"),
    )
    .await?;
    shot(
        &Trust::new(),
        &arabic,
        "ar",
        false,
        verdict,
        &dir.join("arabic.png"),
    )
    .await?;
    shot(
        &Trust::new(),
        &video::blank()?,
        "en",
        false,
        "[data-testid=hint]",
        &dir.join("scan-hint.png"),
    )
    .await?;
    Ok(())
}

async fn lighthouse() -> Result<()> {
    let tools = repo_root().join("tests/pwa/lighthouse");
    let cli = tools.join("node_modules/lighthouse/cli/index.js");
    if !cli.exists() {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&tools)
            .status()
            .context("npm ci (lighthouse)")?;
        if !status.success() {
            bail!("npm ci in {} failed", tools.display());
        }
    }
    let site = Site::start(&Trust::new())?;
    let camera = video::blank()?;
    let out = tempfile::tempdir()?;
    let report = out.path().join("lighthouse.json");
    let flags = format!(
        "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --use-fake-ui-for-media-stream \
         --use-fake-device-for-media-stream --use-file-for-fake-video-capture={} --user-data-dir={}",
        camera.canonicalize()?.display(),
        out.path().join("profile").display()
    );
    let status = std::process::Command::new("node")
        .arg(&cli)
        .arg(site.url())
        .args([
            "--quiet",
            "--output=json",
            "--only-categories=accessibility,best-practices,pwa",
            "--form-factor=mobile",
        ])
        .arg(format!("--output-path={}", report.display()))
        .arg(format!("--chrome-flags={flags}"))
        .env("CHROME_PATH", pwa_tests::tools::chromium()?)
        .status()
        .context("run lighthouse")?;
    if !status.success() {
        bail!("lighthouse failed ({status})");
    }
    let json: Value = serde_json::from_slice(&std::fs::read(&report)?)?;
    let score = |category: &str| {
        json["categories"][category]["score"]
            .as_f64()
            .map_or("n/a".to_owned(), |s| format!("{:.0}", s * 100.0))
    };
    let installable = json["audits"]["installable-manifest"]["score"].as_f64() == Some(1.0);
    println!(
        "lighthouse {}: accessibility {}, best practices {}, pwa {}, installable {installable}",
        json["lighthouseVersion"].as_str().unwrap_or("?"),
        score("accessibility"),
        score("best-practices"),
        score("pwa"),
    );
    for category in ["accessibility", "best-practices", "pwa"] {
        let Some(refs) = json["categories"][category]["auditRefs"].as_array() else {
            continue;
        };
        for r in refs {
            let id = r["id"].as_str().unwrap_or_default();
            let audit = &json["audits"][id];
            if audit["score"].as_f64().is_some_and(|s| s < 1.0)
                && r["weight"].as_f64().unwrap_or(0.0) > 0.0
            {
                println!(
                    "  {category}: {id}: {}",
                    audit["title"].as_str().unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let scans: usize = value("--scans").map_or(Ok(20), |s| s.parse())?;
    first_load().await?;
    scan_to_verdict(scans).await?;
    if let Some(dir) = value("--screenshots") {
        screenshots(&PathBuf::from(dir)).await?;
    }
    if args.iter().any(|a| a == "--lighthouse") {
        lighthouse().await?;
    }
    Ok(())
}
