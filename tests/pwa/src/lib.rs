//! The verifier PWA in headless Chromium, for the browser tests
//! (`tests/browser.rs`) and the measurements (`src/bin/pwa-bench.rs`).
//!
//! ```no_run
//! # async fn f() -> anyhow::Result<()> {
//! use std::time::Duration;
//! use pwa_tests::{Browser, Site, Trust, video};
//! let site = Site::start(&Trust::new())?; // dist/ + config.json + the v1/ lists
//! let camera = video::of_qr(&pwa_tests::fixture("ed25519-v2/cert-001/qr.png"))?;
//! let browser = Browser::open(&Browser::options().camera(&camera)).await?;
//! browser.goto(&site.url()).await?;
//! let verdict = browser.verdict(Duration::from_secs(30)).await?; // data-status, text
//! # Ok(()) }
//! ```
//!
//! Needs Debian's `chromium`, `chromium-driver` and `ffmpeg`: a missing
//! tool is an error, never a skipped test. The bundle comes from
//! `cargo xtask dist` (`dist/` at the repository root).

pub mod browser;
pub mod site;
pub mod tools;
pub mod trust;
pub mod video;

pub use browser::{Browser, BrowserOptions, Verdict};
pub use site::Site;
pub use trust::Trust;

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A file under `tests/fixtures/divoc/stack-signed/`.
pub fn fixture(path: &str) -> PathBuf {
    repo_root()
        .join("tests/fixtures/divoc/stack-signed")
        .join(path)
}

/// The verification clock the tests run at: after DIVOC fixtures cert-001,
/// -002 and -004 were signed and before they expire, inside the test trust
/// list's validity.
pub const NOW: &str = "2021-10-01T00:00:00Z";

/// Holder names of the DIVOC fixtures used.
pub const CERT_001_NAME: &str = "विकास शर्मा";
/// cert-001's certificate id (what a revocation names).
pub const CERT_001_ID: &str = "15295081141";
