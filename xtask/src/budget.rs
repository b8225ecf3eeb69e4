//! Size budgets and the `encoding_rs` patch, checked on every `dist` (so
//! in CI): a change that makes the verifier's wasm or the PWA's first load
//! outgrow its budget, or a dependency update that silently drops the
//! patched `encoding_rs`, fails the build instead of shipping.

use std::path::Path;

use anyhow::{Result, bail};

/// The verification engine's module (`verifier_bg.wasm`), gzipped after
/// wasm-opt: what the Web Worker loads.
pub const VERIFIER_WASM_GZIP: usize = 470 * 1024;
/// Everything the PWA's first visit downloads, gzipped.
pub const FIRST_LOAD_GZIP: usize = 800 * 1024;

/// Fail when a gzipped size is over its budget.
pub fn check(what: &str, gzipped: usize, budget: usize) -> Result<()> {
    eprintln!(
        "{what}: {gzipped} bytes gzipped ({:.1} KB; budget {} KB)",
        gzipped as f64 / 1024.0,
        budget / 1024
    );
    if gzipped > budget {
        bail!(
            "{what} is {gzipped} bytes gzipped, over its budget of {budget} bytes: \
             find what grew (twiggy top, cargo bloat) before raising it"
        );
    }
    Ok(())
}

/// The workspace patches `encoding_rs` with `third_party/encoding_rs` (the
/// QR decoder's text encodings without the CJK tables, 170 KB gzipped less
/// wasm). If a dependency update asks for a version the patch does not
/// provide, cargo quietly uses crates.io's and records the patch as unused
/// in `Cargo.lock`: refuse that.
pub fn check_encoding_rs_patch(root: &Path) -> Result<()> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))?;
    check_lock(&lock)
}

fn check_lock(lock: &str) -> Result<()> {
    if lock.contains("[[patch.unused]]") {
        bail!(
            "Cargo.lock lists an unused patch: the patched encoding_rs (third_party/encoding_rs) \
             no longer matches what the QR decoder asks for; update the patch's version"
        );
    }
    let mut packages = lock.split("[[package]]").skip(1);
    let Some(package) = packages.find(|p| p.contains("\nname = \"encoding_rs\"\n")) else {
        bail!("no encoding_rs in Cargo.lock: is the QR decoder still rxing?");
    };
    if package.contains("\nsource = ") {
        bail!(
            "encoding_rs comes from a registry, not from third_party/encoding_rs: the patch is not applied"
        );
    }
    if packages.any(|p| p.contains("\nname = \"encoding_rs\"\n")) {
        bail!("two encoding_rs packages in Cargo.lock: the patch is applied to only one");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATCHED: &str = "version = 4\n\n[[package]]\nname = \"encoding_rs\"\nversion = \"0.8.35\"\n\n[[package]]\nname = \"rxing\"\nversion = \"0.8.5\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";

    #[test]
    fn the_patched_lock_passes_and_every_way_of_losing_the_patch_fails() {
        assert!(check_lock(PATCHED).is_ok());
        let from_registry = PATCHED.replace(
            "version = \"0.8.35\"\n",
            "version = \"0.8.36\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
        );
        assert!(check_lock(&from_registry).is_err());
        let unused =
            format!("{PATCHED}\n[[patch.unused]]\nname = \"encoding_rs\"\nversion = \"0.8.35\"\n");
        assert!(check_lock(&unused).is_err());
        let both = format!(
            "{PATCHED}\n[[package]]\nname = \"encoding_rs\"\nversion = \"0.8.36\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        );
        assert!(check_lock(&both).is_err());
        assert!(check_lock("version = 4\n").is_err());
    }

    #[test]
    fn sizes_over_budget_fail() {
        assert!(check("module", 100, 100).is_ok());
        assert!(check("module", 101, 100).is_err());
    }
}
