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

/// The repository root: found from the working directory at run time
/// (cargo runs tests in the package's folder), so a binary that a shared
/// target directory carried over from another clone still tests this one;
/// the path it was compiled in otherwise.
pub fn repo_root() -> PathBuf {
    let is_root =
        |dir: &Path| dir.join("Cargo.lock").is_file() && dir.join("tests/pwa/Cargo.toml").is_file();
    std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.ancestors().find(|d| is_root(d)).map(Path::to_path_buf))
        .or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .ancestors()
                .nth(2)
                .map(Path::to_path_buf)
        })
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
