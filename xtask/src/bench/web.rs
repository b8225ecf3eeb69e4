//! Measurements in Node and Chromium: verification per suite in wasm and
//! with DIVOC's Node stack (the anchor), QR decoding beside jsQR and
//! zxing-wasm, scan-to-verdict in headless Chromium (the engine alone and
//! the whole PWA with a fake camera), and the sizes `cargo xtask dist`
//! measures.

use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::{Built, Counts, capture, last_json, pkg, release_bin};
use crate::{budget, root};

/// Sizes of what the browser downloads (`cargo xtask dist`).
#[derive(Debug)]
pub struct Sizes {
    pub verifier_wasm: usize,
    pub verifier_wasm_gzip: usize,
    pub verifier_budget: usize,
    pub app_wasm: usize,
    pub app_wasm_gzip: usize,
    pub first_load_gzip: usize,
    pub first_load_budget: usize,
}

/// Build `dist/` (also what pwa-bench serves) and take its sizes.
pub fn sizes() -> Result<Sizes> {
    let dist = crate::dist::build()?;
    Ok(Sizes {
        verifier_wasm: dist.verifier_wasm,
        verifier_wasm_gzip: dist.verifier_wasm_gzip,
        verifier_budget: budget::VERIFIER_WASM_GZIP,
        app_wasm: dist.app_wasm,
        app_wasm_gzip: dist.app_wasm_gzip,
        first_load_gzip: dist.first_load_gzip,
        first_load_budget: budget::FIRST_LOAD_GZIP,
    })
}

/// Verification per suite in one JavaScript runtime.
#[derive(Debug, Deserialize)]
pub struct NodeVerify {
    pub node: String,
    #[serde(default)]
    pub versions: serde_json::Map<String, serde_json::Value>,
    pub results: Vec<NodeSuite>,
}

#[derive(Debug, Deserialize)]
pub struct NodeSuite {
    pub suite: String,
    pub runs: usize,
    pub median_ms: f64,
    pub p90_ms: f64,
    pub cpu_ms: f64,
}

fn node(script: &str) -> Command {
    let mut cmd = Command::new("node");
    cmd.arg(root().join(script)).current_dir(root());
    cmd
}

/// Our engine in wasm, in Node (`xtask/bench/wasm-verify.mjs`).
pub fn wasm_verify(built: &Built, counts: &Counts) -> Result<NodeVerify> {
    let vc2 = built.scratch.join("vc2-sample");
    let mut cmd = Command::new(release_bin(built, "examples/make_certificates")?);
    cmd.arg(&vc2).arg("0");
    capture(
        "make_certificates (VC 2.0 sample)",
        cmd,
        Duration::from_secs(120),
    )?;
    let mut cmd = node("xtask/bench/wasm-verify.mjs");
    cmd.arg(pkg(&built.node_pkg)?)
        .arg(vc2.join("vc2"))
        .arg(counts.node_verifications.to_string());
    let out = capture("wasm verify in Node", cmd, Duration::from_secs(600))?;
    Ok(serde_json::from_value(last_json(&out)?)?)
}

/// The anchor: DIVOC's jsonld-signatures 6 stack verifying DIVOC-signed
/// certificates (`tests/divoc-crosscheck/verify-timing.js`).
pub fn divoc_verify(counts: &Counts) -> Result<NodeVerify> {
    let mut cmd = node("tests/divoc-crosscheck/verify-timing.js");
    cmd.arg(root().join("tests/fixtures/divoc/stack-signed"))
        .arg(counts.node_verifications.to_string());
    let out = capture("DIVOC's Node stack verify", cmd, Duration::from_secs(600))?;
    Ok(serde_json::from_value(last_json(&out)?)?)
}

/// `xtask/bench/qr-decoders.mjs`: ours, jsQR and zxing-wasm on the same frames.
#[derive(Debug, Deserialize)]
pub struct QrDecoders {
    pub node: String,
    pub runs: usize,
    pub rotations: usize,
    pub results: Vec<QrDecoder>,
}

#[derive(Debug, Deserialize)]
pub struct QrDecoder {
    pub decoder: String,
    pub version: String,
    pub divoc_frame: FrameTime,
    pub empty_frame: FrameTime,
    pub corpus: Corpus,
}

#[derive(Debug, Deserialize)]
pub struct FrameTime {
    pub median_ms: f64,
    pub p90_ms: f64,
    pub ok: bool,
}

#[derive(Debug, Deserialize)]
pub struct Corpus {
    pub images: usize,
    pub read_per_rotation: Vec<usize>,
    pub median_ms: f64,
    pub p90_ms: f64,
}

pub fn qr_decoders(built: &Built, counts: &Counts) -> Result<QrDecoders> {
    let mut cmd = node("xtask/bench/qr-decoders.mjs");
    cmd.arg(pkg(&built.node_pkg)?)
        .arg(counts.qr_runs.to_string())
        .arg(counts.qr_rotations.to_string());
    let out = capture(
        "QR decoders in Node (ours, jsQR, zxing-wasm)",
        cmd,
        Duration::from_secs(900),
    )?;
    Ok(serde_json::from_value(last_json(&out)?)?)
}

/// `verifier-wasm/scripts/browser-bench.mjs --json`: the engine in headless
/// Chromium on 640x480 canvas frames.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrowserBench {
    pub chromium: String,
    pub init_ms: f64,
    pub decode_full: Timing,
    pub decode_stream: Timing,
    pub empty_stream: Timing,
    pub verify_payload: Timing,
    pub scan_to_verdict: Timing,
    pub scan_empty: Timing,
}

#[derive(Debug, Deserialize)]
pub struct Timing {
    pub median: f64,
    pub p90: f64,
    pub min: f64,
    pub ok: bool,
}

pub fn browser_bench(built: &Built) -> Result<BrowserBench> {
    let mut cmd = node("verifier-wasm/scripts/browser-bench.mjs");
    cmd.arg(pkg(&built.web_pkg)?)
        .arg("--json")
        .env("NODE_MODULES", root().join("xtask/bench/node_modules"));
    let out = capture("browser-bench (Chromium)", cmd, Duration::from_secs(600))?;
    Ok(serde_json::from_value(last_json(&out)?)?)
}

/// `tests/pwa/src/bin/pwa-bench.rs`: the PWA in Chromium with a fake camera.
#[derive(Debug)]
pub struct PwaBench {
    /// Response bytes of the first visit (brotli).
    pub first_load_bytes: u64,
    pub scans: usize,
    pub median_ms: f64,
    pub p90_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    /// Its line on main-thread tasks over 50 ms while scanning.
    pub long_tasks: String,
}

pub fn pwa_bench(built: &Built, counts: &Counts, dist_built: bool) -> Result<PwaBench> {
    if !dist_built {
        bail!("dist/ was not built (see Sizes)");
    }
    let mut cmd = Command::new(release_bin(built, "pwa-bench")?);
    cmd.args(["--scans", &counts.pwa_scans.to_string()])
        .current_dir(root());
    let out = capture(
        "pwa-bench (PWA, fake camera)",
        cmd,
        Duration::from_secs(900),
    )?;
    let line = |prefix: &str| {
        out.lines()
            .find(|l| l.starts_with(prefix))
            .with_context(|| format!("no \"{prefix}\" line in pwa-bench's output"))
    };
    let first = line("first load: ")?;
    let scan = line("scan to verdict")?;
    let number_after = |text: &str, key: &str| -> Result<f64> {
        let rest = text
            .split_once(key)
            .with_context(|| format!("no {key:?} in {text:?}"))?
            .1;
        let digits: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        digits
            .parse()
            .with_context(|| format!("no number after {key:?} in {text:?}"))
    };
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "whole numbers as printed"
    )]
    Ok(PwaBench {
        first_load_bytes: number_after(first, "first load: ")? as u64,
        scans: number_after(scan, "), ")? as usize,
        median_ms: number_after(scan, "median ")?,
        p90_ms: number_after(scan, "p90 ")?,
        min_ms: number_after(scan, "min ")?,
        max_ms: number_after(scan, "max ")?,
        long_tasks: line("main-thread tasks")?.to_owned(),
    })
}
