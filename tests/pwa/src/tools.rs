//! The outside tools the browser tests need. A missing one fails the test
//! with what to install; it never skips it.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// `name` on `PATH` (or `$env_var` when set).
pub fn find(name: &str, env_var: &str, package: &str) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(env_var) {
        let path = PathBuf::from(path);
        if path.is_file() {
            return Ok(path);
        }
        bail!("{env_var}={} does not exist", path.display());
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    match found {
        Some(path) => Ok(path),
        None => bail!(
            "{name} is not installed: the PWA browser tests need it (apt-get install {package}; .ci/run installs it)"
        ),
    }
}

/// Debian's chromium.
pub fn chromium() -> Result<PathBuf> {
    find("chromium", "CHROMIUM", "chromium")
}

/// Debian's chromedriver.
pub fn chromedriver() -> Result<PathBuf> {
    find("chromedriver", "CHROMEDRIVER", "chromium-driver")
}

/// ffmpeg, which makes the fake camera's videos.
pub fn ffmpeg() -> Result<PathBuf> {
    find("ffmpeg", "FFMPEG", "ffmpeg")
}

/// The built bundle, or an error saying how to build it.
pub fn dist() -> Result<PathBuf> {
    let dist = crate::repo_root().join("dist");
    if !Path::new(&dist).join("index.html").is_file() || !dist.join("sw.js").is_file() {
        bail!(
            "{} has no built PWA: run `cargo xtask dist` first (`cargo xtask test` does)",
            dist.display()
        );
    }
    Ok(dist)
}
