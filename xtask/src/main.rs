//! `cargo xtask`: build orchestration for the workspace.
//!
//! - `cargo xtask run`: start what exists of the system locally.
//! - `cargo xtask test`: every check CI runs (formatting, lints, tests, the
//!   wasm build, fuzz smoke runs), in the order that fails fastest.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => run(),
        Some("test") => test(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <run|test [--quick]>");
            std::process::exit(2);
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
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

/// Until the services exist, "the system" is the credential core: sign a
/// sample certificate with a dev key and verify it.
fn run() -> Result<()> {
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--quiet",
        "--release",
        "-p",
        "credential",
        "--example",
        "sign_and_verify",
    ]);
    step("sign and verify a sample certificate", cmd)
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
    cmd.args(["test", "--workspace"]);
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
