//! `cargo xtask bench [--quick]`: measure the system and (re)write
//! `docs/performance.md`.
//!
//! Each measurement is a function returning a typed result; the document is
//! rendered from those results (`render.rs`). A measurement that fails is
//! reported in the document as failed, with its error, not dropped. The
//! programs measured are the project's own benchmarks (issuer-api's
//! `loadgen`, credential's `verify_cpu`, key-registry's `bench`, the
//! `verify` command, verifier-wasm's scripts, the PWA's `pwa-bench`), built
//! here in release; the anchors (DIVOC's Node stack, jsQR, zxing-wasm) run
//! from the npm packages pinned in `tests/divoc-crosscheck/` and
//! `xtask/bench/`, installed with `npm ci` when missing.
//!
//! `--quick` runs everything with small counts (development); without it,
//! counts are large enough for stable medians.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{cargo, root, step, target_dir};

mod machine;
mod native;
mod render;
mod web;

/// How much of everything to run.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    /// `--quick`.
    pub quick: bool,
    /// loadgen: measured batches (of 100 certification requests).
    pub issuance_batches: usize,
    /// verify_cpu: verifications per suite.
    pub native_verifications: u32,
    /// Verifications per suite in wasm and with DIVOC's Node stack.
    pub node_verifications: usize,
    /// Certificate files for `verify DIR`.
    pub verify_dir_files: usize,
    /// Runs per frame for each QR decoder; corpus rotations.
    pub qr_runs: usize,
    pub qr_rotations: usize,
    /// key-registry's bench: revocations in the snapshot, seconds per wrk run.
    pub revocations: usize,
    pub wrk_seconds: u32,
    /// pwa-bench: scans with the fake camera.
    pub pwa_scans: usize,
}

impl Counts {
    fn new(quick: bool) -> Self {
        if quick {
            Self {
                quick,
                issuance_batches: 20,
                native_verifications: 200,
                node_verifications: 50,
                verify_dir_files: 2_000,
                qr_runs: 10,
                qr_rotations: 1,
                revocations: 20_000,
                wrk_seconds: 2,
                pwa_scans: 3,
            }
        } else {
            Self {
                quick,
                issuance_batches: 300,
                native_verifications: 2_000,
                node_verifications: 300,
                verify_dir_files: 10_000,
                qr_runs: 60,
                qr_rotations: 4,
                revocations: 1_000_000,
                wrk_seconds: 10,
                pwa_scans: 20,
            }
        }
    }
}

/// Everything one run measured.
#[derive(Debug)]
pub struct Report {
    pub counts: Counts,
    pub machine: machine::Machine,
    /// `uptime`'s load averages after the run.
    pub load_after: String,
    pub build: Duration,
    pub wall: Duration,
    pub issuance: Vec<(&'static str, Result<native::Issuance>)>,
    pub native_verify: Result<Vec<native::NativeVerify>>,
    pub wasm_verify: Result<web::NodeVerify>,
    pub divoc_verify: Result<web::NodeVerify>,
    pub verify_dir: Result<native::VerifyDir>,
    pub qr: Result<web::QrDecoders>,
    pub browser: Result<web::BrowserBench>,
    pub pwa: Result<web::PwaBench>,
    pub registry: Result<native::Registry>,
    pub sizes: Result<web::Sizes>,
}

/// What the measurements share: where things were built.
#[derive(Debug)]
pub struct Built {
    /// Release binaries and examples: `Err` holds why the build failed.
    pub release: Result<PathBuf, String>,
    /// wasm-bindgen `--target nodejs` and `--target web` packages.
    pub node_pkg: Result<PathBuf, String>,
    pub web_pkg: Result<PathBuf, String>,
    /// Scratch space for this run (deleted at the end).
    pub scratch: PathBuf,
}

pub fn bench(args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    if let Some(other) = args.iter().find(|a| *a != "--quick") {
        bail!("cargo xtask bench: unknown argument {other} (usage: cargo xtask bench [--quick])");
    }
    let counts = Counts::new(quick);
    let started = Instant::now();
    let built = build()?;
    // `dist/` is built here too: its sizes, and what pwa-bench serves.
    let sizes = web::sizes();
    let build_time = started.elapsed();
    // After the build: the load average says what else ran beside the
    // measurements, not beside our own compiler.
    let machine = machine::Machine::collect();
    eprintln!(
        "\n==> measuring ({})",
        if quick { "--quick" } else { "full" }
    );

    let started = Instant::now();
    let issuance = vec![
        ("SQLite", native::issuance(&built, &counts, None)),
        (
            "PostgreSQL",
            native::issuance(&built, &counts, Some(&database_url())),
        ),
    ];
    let native_verify = native::native_verify(&built, &counts);
    let verify_dir = native::verify_dir(&built, &counts);
    let wasm_verify = web::wasm_verify(&built, &counts);
    let divoc_verify = web::divoc_verify(&counts);
    let qr = web::qr_decoders(&built, &counts);
    let browser = web::browser_bench(&built);
    let pwa = web::pwa_bench(&built, &counts, sizes.is_ok());
    let registry = native::registry(&built, &counts);
    let report = Report {
        counts,
        machine,
        load_after: machine::load_average(),
        build: build_time,
        wall: started.elapsed(),
        issuance,
        native_verify,
        wasm_verify,
        divoc_verify,
        verify_dir,
        qr,
        browser,
        pwa,
        registry,
        sizes,
    };
    let _ = std::fs::remove_dir_all(&built.scratch);

    let doc = render::render(&report);
    let out = root().join("docs/performance.md");
    std::fs::write(&out, doc).with_context(|| format!("write {}", out.display()))?;
    eprintln!(
        "\nwrote {} (build {:.0} s, measurements {:.0} s)",
        out.display(),
        report.build.as_secs_f64(),
        report.wall.as_secs_f64()
    );
    let failed = render::failures(&report);
    if !failed.is_empty() {
        eprintln!("failed measurements (reported in the document): {failed:?}");
    }
    Ok(())
}

/// PostgreSQL for the issuance run: `BENCH_DATABASE_URL`, else the local
/// test database CI uses.
fn database_url() -> String {
    std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1/test".into())
}

/// Build what the measurements run; a build that fails is recorded, and
/// the measurements needing it report that error.
fn build() -> Result<Built> {
    let scratch = target_dir().join("bench-run");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;

    let mut cmd = cargo();
    cmd.args([
        "build",
        "--release",
        "-p",
        "issuer-api",
        "--bin",
        "loadgen",
        "-p",
        "verifier-wasm",
        "--bin",
        "verify",
        "--example",
        "make_certificates",
        "-p",
        "credential",
        "--example",
        "verify_cpu",
        "-p",
        "key-registry",
        "--example",
        "bench",
        "-p",
        "pwa-tests",
        "--bin",
        "pwa-bench",
    ]);
    let release = step("build the benchmarks (release)", cmd)
        .map(|()| target_dir().join("release"))
        .map_err(|e| format!("{e:#}"));

    let packages = wasm_packages(&scratch);
    let (node_pkg, web_pkg) = match packages {
        Ok((node, web)) => (Ok(node), Ok(web)),
        Err(e) => (Err(format!("{e:#}")), Err(format!("{e:#}"))),
    };
    // A failed install shows as the scripts' own errors in the document.
    for (dir, what) in [
        ("xtask/bench", "jsQR, zxing-wasm, playwright-core"),
        (
            "tests/divoc-crosscheck",
            "DIVOC's stack: jsonld-signatures 6",
        ),
    ] {
        if let Err(e) = npm_ci(&root().join(dir), what) {
            eprintln!("{e:#}");
        }
    }
    Ok(Built {
        release,
        node_pkg,
        web_pkg,
        scratch,
    })
}

/// The engine's wasm module for Node and for the browser
/// (`verifier-wasm/scripts/wasm-build.sh`, with wasm-bindgen and wasm-opt as
/// `cargo xtask dist` installs them).
fn wasm_packages(scratch: &Path) -> Result<(PathBuf, PathBuf)> {
    crate::dist::wasm_bindgen()?;
    let wasm_opt = crate::dist::wasm_opt()?;
    let mut out = Vec::new();
    for target in ["nodejs", "web"] {
        let dir = scratch.join(format!("pkg-{target}"));
        let mut cmd = Command::new("bash");
        cmd.arg(root().join("verifier-wasm/scripts/wasm-build.sh"))
            .arg(target)
            .arg(&dir)
            .env("WASM_OPT", &wasm_opt)
            .env("CARGO_TARGET_DIR", target_dir())
            .current_dir(root());
        step(&format!("verifier wasm for {target}"), cmd)?;
        out.push(dir);
    }
    let web = out.pop().context("two packages")?;
    let node = out.pop().context("two packages")?;
    Ok((node, web))
}

/// `npm ci` in `dir` unless its `node_modules` is there.
fn npm_ci(dir: &Path, what: &str) -> Result<()> {
    if dir.join("node_modules").is_dir() {
        return Ok(());
    }
    eprintln!("{what}: not installed, npm ci in {}", dir.display());
    let mut cmd = Command::new("npm");
    cmd.args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(dir);
    step(&format!("npm ci ({what})"), cmd)
}

/// A release binary or example, or why it is not there.
fn release_bin(built: &Built, name: &str) -> Result<PathBuf> {
    let dir = match &built.release {
        Ok(dir) => dir,
        Err(e) => bail!("not built: {e}"),
    };
    let path = dir.join(name);
    if !path.exists() {
        bail!("{} is missing after the build", path.display());
    }
    Ok(path)
}

fn pkg(result: &Result<PathBuf, String>) -> Result<&Path> {
    match result {
        Ok(dir) => Ok(dir),
        Err(e) => bail!("the wasm package was not built: {e}"),
    }
}

/// Run `cmd` to completion (killing it and its process group after
/// `limit`) and return its stdout; a non-zero exit is an error carrying the
/// end of stderr.
fn capture(what: &str, mut cmd: Command, limit: Duration) -> Result<String> {
    use std::os::unix::process::CommandExt as _;
    eprintln!("--> {what}");
    let started = Instant::now();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("could not start: {what}"))?;
    let stdout = child.stdout.take().context("piped stdout")?;
    let stderr = child.stderr.take().context("piped stderr")?;
    let out = std::thread::spawn(move || read_all(stdout));
    let err = std::thread::spawn(move || read_all(stderr));
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = Command::new("kill")
                .args(["-KILL", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    eprintln!("<-- {what}: {:.1}s", started.elapsed().as_secs_f64());
    let tail = |text: &str| {
        let lines: Vec<&str> = text.lines().collect();
        let skip = lines.len().saturating_sub(12);
        lines.into_iter().skip(skip).collect::<Vec<_>>().join("\n")
    };
    match status {
        None => bail!(
            "{what}: no result within {} s\n{}",
            limit.as_secs(),
            tail(&stderr)
        ),
        Some(status) if !status.success() => {
            let detail = if stderr.trim().is_empty() {
                tail(&stdout)
            } else {
                tail(&stderr)
            };
            bail!("{what}: {status}\n{detail}")
        }
        Some(_) => Ok(stdout),
    }
}

fn read_all(mut from: impl std::io::Read) -> String {
    let mut bytes = Vec::new();
    let _ = from.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The last line of `text` that parses as a JSON object.
fn last_json(text: &str) -> Result<serde_json::Value> {
    text.lines()
        .rev()
        .filter(|l| l.trim_start().starts_with('{'))
        .find_map(|l| serde_json::from_str(l).ok())
        .context("no JSON line in the output")
}
