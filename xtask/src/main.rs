//! `cargo xtask`: build orchestration for the workspace.
//!
//! - `cargo xtask run`: start what exists of the system locally.
//! - `cargo xtask dist`: build the verifier PWA into `dist/`; `cargo xtask
//!   serve` serves what it built.
//! - `cargo xtask test`: every check CI runs (formatting, lints, tests, the
//!   wasm build, fuzz smoke runs), in the order that fails fastest.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

mod budget;
mod dist;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => run(),
        Some("test") => test(args.get(1..).unwrap_or_default()),
        Some("dist") => dist::dist().map(drop),
        Some("serve") => dist::serve(&root().join("dist"), &pwa_listen()),
        _ => {
            eprintln!("usage: cargo xtask <run|dist|serve|test [--quick]>");
            std::process::exit(2);
        }
    }
}

/// The workspace root, found at run time from the current directory (the
/// nearest ancestor whose `Cargo.toml` has a `[workspace]` table). Not the
/// directory xtask was compiled in: with a target dir shared between clones
/// (as `.ci/run` sets up), cargo may run an xtask binary built in another
/// clone, which would then check that other clone.
fn root() -> PathBuf {
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

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    // Tests that need an outside tool (zip, unzip, python3, zbarimg,
    // pdftotext, ...) fail when it is missing instead of skipping.
    cmd.env("HEALTHCERTS_REQUIRE_TOOLS", "1");
    cmd
}

fn step(name: &str, mut cmd: Command) -> Result<()> {
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

/// Start the issuer API on embedded SQLite in `.data/issuer-api` (dev
/// signing key, master key and bootstrap admin token made on first run) and
/// build the `verify` command beside it.
fn run() -> Result<()> {
    let mut cmd = cargo();
    cmd.args([
        "build",
        "--release",
        "-p",
        "issuer-api",
        "-p",
        "verifier-wasm",
        "--bin",
        "issuer-api",
        "--bin",
        "verify",
    ]);
    step("build issuer-api and verify", cmd)?;

    let pwa = dist::dist()?;
    let pwa_listen = pwa_listen();
    let serving = pwa_listen.clone();
    std::thread::spawn(move || {
        if let Err(e) = dist::serve(&pwa, &serving) {
            eprintln!("PWA server: {e:#}");
        }
    });

    let data_dir = root().join(".data/issuer-api");
    let listen = std::env::var("ISSUER_LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let bin = target_dir().join("release");
    eprintln!(
        "\nVerifier PWA    http://{pwa_listen}/  (dist/; trust data from dist/config.json's registry)\n\
         Issuer API      http://{listen}/  (data in {data})\n\
         OpenAPI         http://{listen}/openapi.json\n\
         Issuer DID      http://{listen}/.well-known/did.json\n\
         Health          http://{listen}/healthz  metrics http://{listen}/metrics\n\
         Admin token     {data}/bootstrap-token (printed below on first run)\n\
         Issue a batch   curl -H \"Authorization: Bearer $(cat {data}/bootstrap-token)\" \\\n\
         \x20               -H 'Content-Type: application/json' \\\n\
         \x20               --data @issuer-api/examples/certify-request.json http://{listen}/v1/certify\n\
         Verify offline  {verify} --help\n",
        data = data_dir.display(),
        verify = bin.join("verify").display(),
    );
    let mut cmd = Command::new(bin.join("issuer-api"));
    cmd.current_dir(root())
        .arg("--data-dir")
        .arg(&data_dir)
        .arg("--listen")
        .arg(&listen)
        .arg("serve");
    step("issuer-api (Ctrl-C to stop)", cmd)
}

/// Where the PWA is served (`PWA_LISTEN`).
fn pwa_listen() -> String {
    std::env::var("PWA_LISTEN").unwrap_or_else(|_| "127.0.0.1:8090".into())
}

fn target_dir() -> PathBuf {
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

    let mut cmd = cargo();
    cmd.args(["test", "--workspace", "--exclude", "pwa-tests"]);
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
