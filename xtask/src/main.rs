//! `cargo xtask`: build orchestration for the workspace.
//!
//! - `cargo xtask run`: the whole system locally (key registry, issuer
//!   API, demo certificates, the PWA), until Ctrl-C.
//! - `cargo xtask dist`: build the verifier PWA into `dist/`; `cargo xtask
//!   serve` serves what it built.
//! - `cargo xtask bench [--quick]`: measure the system (issuance,
//!   verification native and wasm beside DIVOC's stack, QR decoding beside
//!   jsQR and zxing-wasm, scan-to-verdict in Chromium, the registry, sizes)
//!   and write `docs/performance.md`.
//! - `cargo xtask test`: every check CI runs (formatting, lints, dependency
//!   licences and bans, tests, the wasm build, fuzz smoke runs), in the
//!   order that fails fastest.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

mod bench;
mod budget;
mod dist;
mod run;

fn main() -> Result<()> {
    // The servers' launcher (`cargo xtask run` starts them through it):
    // arguments are not necessarily UTF-8 paths.
    let raw: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if raw.first().is_some_and(|a| a == run::CHILD) {
        let error = stack::process::exec_child(raw.get(1..).unwrap_or_default());
        eprintln!("xtask {}: {error:#}", run::CHILD);
        std::process::exit(127);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => run::run(args.get(1..).unwrap_or_default()),
        Some("test") => test(args.get(1..).unwrap_or_default()),
        Some("bench") => bench::bench(args.get(1..).unwrap_or_default()),
        Some("dist") => dist::dist().map(drop),
        Some("serve") => dist::serve(&root().join("dist"), &pwa_listen()),
        _ => {
            eprintln!(
                "usage: cargo xtask <run [--data-dir DIR] [--no-build] [--bin-dir DIR]|dist|serve|test [--quick]|bench [--quick]>"
            );
            std::process::exit(2);
        }
    }
}

/// The workspace root, found at run time from the current directory (the
/// nearest ancestor whose `Cargo.toml` has a `[workspace]` table). Not the
/// directory xtask was compiled in: with a target dir shared between clones
/// (as `.ci/run` sets up), cargo may run an xtask binary built in another
/// clone, which would then check that other clone.
pub(crate) fn root() -> PathBuf {
    static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let start = std::env::current_dir().unwrap_or_default();
        start
            .ancestors()
            .find(|dir| {
                std::fs::read_to_string(dir.join("Cargo.toml"))
                    .is_ok_and(|text| text.lines().any(|l| l.trim() == "[workspace]"))
            })
            .map(Path::to_path_buf)
            .unwrap_or(start)
    })
    .clone()
}

pub(crate) fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    // Tests that need an outside tool (zip, unzip, python3, zbarimg,
    // pdftotext, ...) fail when it is missing instead of skipping.
    cmd.env("HEALTHCERTS_REQUIRE_TOOLS", "1");
    cmd
}

pub(crate) fn step(name: &str, mut cmd: Command) -> Result<()> {
    eprintln!("\n==> {name}");
    let started = std::time::Instant::now();
    let status = cmd
        .status()
        .with_context(|| format!("could not start: {name}"))?;
    eprintln!("<== {name}: {:.1}s", started.elapsed().as_secs_f64());
    if !status.success() {
        bail!("{name} failed ({status})");
    }
    Ok(())
}

/// Where the PWA is served (`PWA_LISTEN`).
pub(crate) fn pwa_listen() -> String {
    std::env::var("PWA_LISTEN").unwrap_or_else(|_| "127.0.0.1:8090".into())
}

pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn test(args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");

    let mut cmd = cargo();
    cmd.args(["fmt", "--all", "--", "--check"]);
    step("cargo fmt --check", cmd)?;

    let mut cmd = cargo();
    cmd.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    step("cargo clippy -D warnings", cmd)?;

    dependency_checks()?;

    let mut cmd = cargo();
    cmd.args([
        "test",
        "--workspace",
        "--exclude",
        "pwa-tests",
        "--exclude",
        "e2e-tests",
    ]);
    step("cargo test --workspace", cmd)?;

    let mut cmd = cargo();
    cmd.args([
        "build",
        "-p",
        "credential",
        "--target",
        "wasm32-unknown-unknown",
        "--release",
    ]);
    step("credential for wasm32-unknown-unknown", cmd)?;

    browser_tests()?;

    // The verifier PWA in headless Chromium with a fake camera: the bundle
    // first, then the tests that serve it.
    let mut cmd = cargo();
    cmd.args([
        "clippy",
        "-p",
        "verifier-ui",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]);
    step("cargo clippy (verifier-ui for wasm32)", cmd)?;
    dist::dist()?;
    let mut cmd = cargo();
    cmd.args(["test", "-p", "pwa-tests"]);
    step("PWA browser tests (headless Chromium, fake camera)", cmd)?;
    // The whole system: the stack as processes (cargo xtask run's
    // orchestration), the PWA syncing from the real registry, crashes and
    // restarts. After dist: the browser tests serve it.
    let mut cmd = cargo();
    cmd.args(["test", "-p", "e2e-tests"]);
    step(
        "cross-component tests (the stack, the PWA against the registry)",
        cmd,
    )?;

    // DIVOC's own npm stack (jsonld-signatures, Ed25519Signature2018, the key
    // from /.well-known/did.json) verifies what the issuer API signs.
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("tests/divoc-crosscheck/run.sh"))
        .current_dir(root());
    step("DIVOC cross-check", cmd)?;

    if quick {
        return Ok(());
    }
    let smoke = root().join("fuzz/smoke.sh");
    if smoke.exists() {
        let mut cmd = Command::new("bash");
        cmd.arg(&smoke).arg("10").current_dir(root().join("fuzz"));
        step("fuzz smoke run", cmd)?;
    }
    Ok(())
}

/// Dependency licences and bans (`deny.toml`), for the workspace and the
/// fuzz crate, without network: `cargo deny --offline` reads what `cargo
/// metadata` finds in cargo's cache, so every package of the lock files
/// (every platform's) is fetched first; a no-op once they are there.
/// Advisories are left out: they need the advisory database online.
fn dependency_checks() -> Result<()> {
    for manifest in ["Cargo.toml", "fuzz/Cargo.toml"] {
        let mut cmd = cargo();
        cmd.args(["fetch", "--locked", "--manifest-path", manifest]);
        step(&format!("cargo fetch --locked ({manifest})"), cmd)?;
        let mut cmd = cargo();
        cmd.args([
            "deny",
            "--manifest-path",
            manifest,
            "--offline",
            "check",
            "licenses",
            "bans",
        ]);
        step(
            &format!("cargo deny --offline check licenses bans ({manifest})"),
            cmd,
        )?;
    }
    Ok(())
}

/// The wasm API in headless Chromium: wasm-bindgen-test-runner drives
/// chromedriver (Debian's chromium and chromium-driver).
fn browser_tests() -> Result<()> {
    let mut cmd = cargo();
    cmd.args([
        "clippy",
        "-p",
        "verifier-wasm",
        "--target",
        "wasm32-unknown-unknown",
        "--lib",
        "--test",
        "browser",
        "--",
        "-D",
        "warnings",
    ]);
    step("cargo clippy (verifier-wasm for wasm32)", cmd)?;

    let mut cmd = cargo();
    cmd.args([
        "test",
        "-p",
        "verifier-wasm",
        "--target",
        "wasm32-unknown-unknown",
        "--test",
        "browser",
    ])
    .env(
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
        "wasm-bindgen-test-runner",
    )
    .env(
        "CHROMEDRIVER",
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()),
    )
    .env(
        "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
        root().join("verifier-wasm/webdriver.json"),
    )
    .env("WASM_BINDGEN_TEST_TIMEOUT", "300");
    step("browser tests (headless Chromium)", cmd)
}
